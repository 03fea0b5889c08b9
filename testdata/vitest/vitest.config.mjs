// The suite's own setup file, on the fixture only (tests/build/event-loop-guard.test.ts).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: new URL('.', import.meta.url).pathname,
    include: ['blocks.fixture.ts'],
    setupFiles: [new URL('../../tests/helpers/yield-between-tests.ts', import.meta.url).pathname],
    reporters: ['json'],
    // No results cache written next to the fixture.
    cache: false,
  },
});
