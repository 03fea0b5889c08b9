import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureServer, runCli, tempDir } from '../helpers/cli.js';

// A --sig that is a symlink loop or a dangling link is a broken signature file (exit 2 naming
// it), not "the lockfile is not signed": the message must not send the user to re-sign over it.
let dir: string;
let cleanup: () => void;
beforeAll(async () => {
  ({ dir, cleanup } = tempDir('mcptrust-sigloop-'));
  expect((await runCli(['lock', '--', ...fixtureServer('example-server.mjs')], { cwd: dir })).code).toBe(0);
  expect((await runCli(['keygen', '--name', 'team'], { cwd: dir })).code).toBe(0);
  symlinkSync('loop2', join(dir, 'loop1'));
  symlinkSync('loop1', join(dir, 'loop2'));
  symlinkSync('nowhere.sig', join(dir, 'dangling.sig'));
});
afterAll(() => cleanup());

describe('check --sig that is a broken link', () => {
  it.each(['loop1', 'dangling.sig'])('%s: exit 2 naming the file, never "not signed"', async (sig) => {
    const r = await runCli(['check', '--key', 'team.pub', '--sig', sig, '--', ...fixtureServer('example-server.mjs')], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stdout + r.stderr).toContain(sig);
    expect(r.stdout + r.stderr).not.toContain('not signed');
  }, 30_000);

  it('a signature file that does not exist at all is still "not signed" (exit 1)', async () => {
    const r = await runCli(['check', '--key', 'team.pub', '--sig', 'absent.sig', '--', ...fixtureServer('example-server.mjs')], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('the lockfile is not signed (no signature file absent.sig)');
  }, 30_000);
});
