// Run only by tests/build/event-loop-guard.test.ts, with a small TEST_BLOCK_LIMIT_MS.
import { expect, it } from 'vitest';

const spin = (ms: number) => {
  const end = performance.now() + ms;
  let n = 0;
  while (performance.now() < end) n++;
  return n;
};

it('holds the event loop past the bound', () => {
  expect(spin(1500)).toBeGreaterThan(0);
});

it('holds it as long in slices, awaiting a turn between them', async () => {
  for (let i = 0; i < 10; i++) {
    spin(150);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  expect(true).toBe(true);
});
