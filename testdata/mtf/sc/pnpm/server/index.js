// fixture server entry (never started by these tests)
export const name = 'fixture';
