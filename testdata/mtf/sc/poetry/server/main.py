# fixture server entry (never started by these tests)
NAME = 'fixture'
