// Standard output that cannot be written (a full disk: /dev/full; fd 1 open for reading only)
// is not a reader that went away: the report the user redirected is lost. The bin crashed with
// a stack trace and exit 1 ("the check failed") even when the check passed; PRODUCT.md: errors
// are clear lines, never a stack trace, and exit 1 is only a failed check. Now one line on
// stderr names the problem, and a command that would have succeeded exits 2 (its output is
// missing) instead of 0; a command's own failing exit code is kept. stderr that cannot be
// written drops the diagnostics but keeps the command's exit code.
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtCli, runCli, tempDir } from '../helpers/cli.js';
import { oneToolLockText } from '../helpers/lockfiles.js';

const lockOf = (description: string) => oneToolLockText({ server: 'out', description });

describe('output that cannot be written', () => {
  let scratch: ReturnType<typeof tempDir>;
  beforeAll(async () => {
    scratch = tempDir();
    writeFileSync(join(scratch.dir, 'mcp-lock.json'), lockOf('Reads a record.'));
    writeFileSync(join(scratch.dir, 'other.json'), lockOf('Reads a record and deletes it.'));
    const env = { PATH: process.env.PATH, HOME: scratch.dir };
    expect((await runCli(['keygen', '--name', 'k'], { cwd: scratch.dir, env })).code).toBe(0);
    expect((await runCli(['sign', '--key', 'k.key'], { cwd: scratch.dir, env })).code).toBe(0);
  });
  afterAll(() => scratch.cleanup());

  /** Runs the bin with fd `fd` (1 or 2) opened on `path` with `flags`; the other of the two is a pipe. */
  const run = (argv: string[], fd: 1 | 2, path: string, flags: 'w' | 'r') => {
    const target = openSync(path, flags);
    try {
      const stdio: ['ignore', number | 'pipe', number | 'pipe'] = fd === 1 ? ['ignore', target, 'pipe'] : ['ignore', 'pipe', target];
      const r = spawnSync(process.execPath, [builtCli, ...argv], { cwd: scratch.dir, env: { PATH: process.env.PATH, HOME: scratch.dir, NO_COLOR: '1' }, stdio, encoding: 'utf8', timeout: 60_000 });
      return { status: r.status, out: (fd === 1 ? r.stderr : r.stdout) ?? '' };
    } finally {
      closeSync(target);
    }
  };

  it('a full disk on stdout: one line on stderr, no stack, exit 2 instead of 0', () => {
    for (const argv of [['verify', '--key', 'k.pub'], ['--version'], ['diff', '--against', 'mcp-lock.json', '--format', 'json']]) {
      const r = run(argv, 1, '/dev/full', 'w');
      expect(r, argv.join(' ')).toEqual({ status: 2, out: expect.stringMatching(/^mcptrust: could not write to standard output \(ENOSPC\)\n$/) });
    }
  });

  it('stdout open for reading only: the same', () => {
    const r = run(['verify', '--key', 'k.pub'], 1, '/dev/null', 'r');
    expect(r).toEqual({ status: 2, out: 'mcptrust: could not write to standard output (EBADF)\n' });
  });

  it('a failing check keeps its own exit code', () => {
    const r = run(['diff', '--against', 'other.json'], 1, '/dev/full', 'w');
    expect(r.status).toBe(1);
    expect(r.out).not.toMatch(/\n\s+at /);
  });

  it('stderr that cannot be written: the diagnostics are dropped, the exit code is the command\'s', () => {
    expect(run(['verify', '--key', 'missing.pub'], 2, '/dev/full', 'w')).toEqual({ status: 2, out: '' });
    expect(run(['diff', '--against', 'other.json'], 2, '/dev/full', 'w').status).toBe(1);
    expect(run(['verify', '--key', 'missing.pub'], 2, '/dev/null', 'r')).toEqual({ status: 2, out: '' });
  });
});
