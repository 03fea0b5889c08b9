import { afterEach, beforeEach } from 'vitest';

// Vitest's worker reports each test to the main process over IPC and waits at most 60 s for the
// answer; the wait is a timer, and a timer that expires while a test holds the event loop fires
// before the answer is read. So one synchronous stretch of 60 s (a megabyte input analysed
// in-process on a loaded machine) fails the whole run with "Timeout calling onTaskUpdate",
// although every test passed. Two defences:
// - one turn of the event loop after each test lets the answers in;
// - a test that held the loop for longer than BLOCK_LIMIT_MS fails here, on any machine, with a
//   message that says what to do, long before the run-wide failure a slower machine would give.
const BLOCK_LIMIT_MS = Number(process.env.TEST_BLOCK_LIMIT_MS) || 30_000;

let lastTick = performance.now();
let longestBlock = 0;
const ticker = setInterval(() => {
  const now = performance.now();
  longestBlock = Math.max(longestBlock, now - lastTick);
  lastTick = now;
}, 200);
ticker.unref();

beforeEach(() => {
  lastTick = performance.now();
  longestBlock = 0;
});

afterEach(async () => {
  const blocked = Math.max(longestBlock, performance.now() - lastTick);
  await new Promise<void>((resolve) => setImmediate(resolve));
  if (blocked > BLOCK_LIMIT_MS) {
    throw new Error(
      `this test held the event loop for ${Math.round(blocked / 1000)} s without a turn (the bound is ${BLOCK_LIMIT_MS / 1000} s; vitest's IPC gives up at 60 s): ` +
        'split it into smaller tests, await a turn inside its loop (setImmediate), or shrink its input to what it proves',
    );
  }
});
