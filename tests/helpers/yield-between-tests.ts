import { afterEach } from 'vitest';

// Vitest's worker reports each test to the main process over IPC and waits at most 60 s for the
// answer. A run of synchronous tests (megabyte inputs analysed in-process) never gives the event
// loop a turn, so on a loaded machine their sum could pass that bound and fail the run with
// "Timeout calling onTaskUpdate" although every test passed. One turn after each test lets the
// answers in.
afterEach(() => new Promise<void>((resolve) => setImmediate(resolve)));
