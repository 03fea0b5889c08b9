// The GitHub Action with a junit-file or sarif-file whose folder cannot be made (a file is in
// the way): a bad input, exit 2 naming it, with the step's outputs and summary saying error. It
// crashed with a stack trace and exit 1 (read as "check failed"), and wrote no output at all.
// And a lockfile (it comes with the change under review) that links to /dev/zero: mcptrust
// refuses it, and the action no longer hangs reading it for the lockfile-digest output.
import { spawnSync } from 'node:child_process';
import { readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { repoRoot, tempDir } from '../helpers/cli.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()!();
});

/** Runs scripts/action.mjs in `dir` as a step does, with the given INPUT_* variables; its outputs go to `dir`/out. */
function runAction(dir: string, inputs: Record<string, string>) {
  writeFileSync(join(dir, 'out'), '');
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: dir,
    MCPTRUST_ACTION_PATH: repoRoot,
    GITHUB_OUTPUT: join(dir, 'out'),
    RUNNER_TEMP: dir,
    INPUT_REQUIRE_SIGNATURE: 'false',
    ...inputs,
  };
  return spawnSync(process.execPath, [join(repoRoot, 'scripts', 'action.mjs')], { cwd: dir, env, encoding: 'utf8', timeout: 60_000 });
}

describe('action: a report file whose folder cannot be made', () => {
  for (const input of ['junit-file', 'sarif-file']) {
    it(`${input} under a file: exit 2 naming the input, outputs say error`, () => {
      const { dir, cleanup } = tempDir('mcptrust-action-attack-');
      cleanups.push(cleanup);
      writeFileSync(join(dir, 'reports'), 'a file, not a folder\n');
      const r = runAction(dir, { [`INPUT_${input.toUpperCase().replace(/-/g, '_')}`]: 'reports/r.xml' });
      expect(r.stderr).toBe(`mcptrust action: input ${input}: cannot create the folder of "reports/r.xml" (EEXIST)\n`);
      expect(r.status).toBe(2);
      expect(readFileSync(join(dir, 'out'), 'utf8')).toMatch(/^result<<(ghadelimiter_[0-9a-f-]+)\nerror\n\1\n/);
    });
  }
});

describe('action: a lockfile that is a link to /dev/zero', () => {
  it('exit 2 from mcptrust, outputs written, lockfile-digest empty (it hung reading)', () => {
    const { dir, cleanup } = tempDir('mcptrust-action-attack-');
    cleanups.push(cleanup);
    symlinkSync('/dev/zero', join(dir, 'mcp-lock.json'));
    const r = runAction(dir, { INPUT_COMMAND: `${process.execPath} ${join(repoRoot, 'node_modules', '@modelcontextprotocol', 'server-memory', 'dist', 'index.js')}` });
    expect(r.signal).toBeNull();
    expect(r.stderr).toContain('not a regular file');
    expect(r.status).toBe(2);
    const out = readFileSync(join(dir, 'out'), 'utf8');
    expect(out).toMatch(/^result<<(ghadelimiter_[0-9a-f-]+)\nerror\n\1\n/);
    expect(out).toMatch(/lockfile-digest<<(ghadelimiter_[0-9a-f-]+)\n\n\1\n/);
  });
});
