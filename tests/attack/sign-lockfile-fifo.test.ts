// sign and verify read the lockfile into a buffer with room for the signed header in front
// (readFileBounded in src/util/fs.ts, as every read of a file). A lockfile path that names a FIFO (a named
// pipe nobody writes to) must be refused as "not a regular file" (exit 2), as every other
// command's read refuses it, and never block the command in open(2) waiting for a writer.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnCli, tempDir } from '../helpers/cli.js';

const scratch = tempDir();
afterAll(() => scratch.cleanup());

describe.skipIf(process.platform === 'win32')('a lockfile that is a FIFO', () => {
  const fifo = join(scratch.dir, 'mcp-lock.json');
  execFileSync('mkfifo', [fifo]);

  it('sign refuses it (exit 2) instead of waiting for a writer', async () => {
    const keys = await spawnCli(['keygen', '--out-dir', scratch.dir], { cwd: scratch.dir });
    expect(keys.code).toBe(0);
    const r = await spawnCli(['sign', '--key', join(scratch.dir, 'mcptrust.key'), '--lock', fifo], { cwd: scratch.dir, timeoutMs: 30_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot read lockfile .*mcp-lock\.json: not a regular file/);
  }, 60_000);

  it('verify refuses it (exit 2) instead of waiting for a writer', async () => {
    const r = await spawnCli(['verify', '--key', join(scratch.dir, 'mcptrust.pub'), '--lock', fifo], { cwd: scratch.dir, timeoutMs: 30_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot read lockfile .*mcp-lock\.json: not a regular file/);
  }, 60_000);
});
