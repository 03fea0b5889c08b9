import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

// The suite's setup file fails a test that held vitest's worker past a bound, before a slower
// machine fails the whole run on vitest's IPC timeout (see tests/helpers/yield-between-tests.ts).
describe('the suite fails a test that starves vitest of event-loop turns', () => {
  it('a test blocking past TEST_BLOCK_LIMIT_MS fails with what to do; the same work in slices passes', () => {
    const run = spawnSync(process.execPath, [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--config', join(root, 'testdata', 'vitest', 'vitest.config.mjs')], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, TEST_BLOCK_LIMIT_MS: '1000', NO_COLOR: '1' },
      timeout: 120_000,
    });
    expect(run.status).toBe(1);
    const report = JSON.parse(run.stdout.slice(run.stdout.indexOf('{'))) as { testResults: { assertionResults: { title: string; status: string; failureMessages: string[] }[] }[] };
    const results = report.testResults[0]!.assertionResults;
    expect(results.map((r) => [r.title, r.status])).toEqual([
      ['holds the event loop past the bound', 'failed'],
      ['holds it as long in slices, awaiting a turn between them', 'passed'],
    ]);
    expect(results[0]!.failureMessages.join('\n')).toMatch(/held the event loop for \d+ s without a turn \(the bound is 1 s; vitest's IPC gives up at 60 s\): split it/);
  }, 120_000);
});
