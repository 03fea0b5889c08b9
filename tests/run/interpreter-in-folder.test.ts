/**
 * `run` starts a local line's interpreter by the name the lock records, from the lock's folder.
 * A file of that folder (which no pin names) must not be what starts: not by a relative path
 * (`./node`, refused since round 16), nor by an absolute path into the folder, nor by a bare
 * name that PATH finds there. An empty PATH entry (`:/usr/bin`, `/usr/bin:`, `a::b`) or `.` is the
 * working folder to the C library's execvp, so `node` with PATH=":$PATH" starts ./node. Found in
 * session 18 against an honest, unedited lockfile: a `./node` committed next to it ran.
 */
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/cli.js';
import { lockedServerFolder } from '../helpers/locked-server.js';

const scratch = tempDir('mcptrust-interp-');
afterAll(() => scratch.cleanup());
const PATH = process.env.PATH ?? '/usr/bin:/bin';
const env = { PATH, HOME: scratch.dir };

/** A stand-in interpreter that only leaves RAN in the folder where it starts. */
const FAKE = '#!/bin/sh\necho ran > RAN\n';

let base: string;
beforeAll(async () => {
  // Locked with the real node found on PATH (process.execPath's folder first).
  base = await lockedServerFolder(join(scratch.dir, 'base'), { ...env, PATH: `${dirname(process.execPath)}:${PATH}` });
}, 60_000);

let count = 0;
/** A copy of the locked folder with `files` (executable) beside the lock, and the lock's command set to `command`. */
function folder(files: Record<string, string>, command = 'node'): string {
  const dir = join(scratch.dir, `f${++count}`);
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(base, 'srv.mjs'), join(dir, 'srv.mjs'));
  const lock = JSON.parse(readFileSync(join(base, 'mcp-lock.json'), 'utf8'));
  lock.servers['hostile-ok'].transport.command = command.replaceAll('<DIR>', dir);
  writeFileSync(join(dir, 'mcp-lock.json'), `${JSON.stringify(lock, null, 2)}\n`);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
    chmodSync(join(dir, name), 0o755);
  }
  return dir;
}

async function refused(dir: string, path: string, message: RegExp): Promise<void> {
  for (const flags of [['--dry-run'], []]) {
    const r = await runCli(['run', ...flags], { cwd: dir, env: { ...env, PATH: path } });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain('Nothing was started');
  }
  expect(existsSync(join(dir, 'RAN'))).toBe(false);
}

const realNodeDir = dirname(process.execPath);

describe('an interpreter found by name: PATH must not find it in the folder', () => {
  it.each([
    ['a leading empty entry', `:${realNodeDir}:${PATH}`],
    ['a "." entry', `.:${realNodeDir}:${PATH}`],
    ['an empty entry in the middle', `/nonexistent::${realNodeDir}`],
  ])('%s: ./node would start; exit 1, named, nothing runs', async (_label, path) => {
    const dir = folder({ node: FAKE });
    await refused(dir, path, /its interpreter node starts .*[/\\]node, a file of the folder \(found through PATH: an empty or relative entry of PATH is the server's working folder\)/);
  });

  it('a relative entry (bin) that holds a node of the folder: exit 1', async () => {
    const dir = folder({ 'bin/node': FAKE });
    await refused(dir, `bin:${realNodeDir}:${PATH}`, /its interpreter node starts .*bin[/\\]node, a file of the folder/);
  });

  it('a trailing empty entry after the real node: the real node starts (no false refusal)', async () => {
    const dir = folder({ node: FAKE });
    const r = await runCli(['run', '--dry-run', '--format', 'json'], { cwd: dir, env: { ...env, PATH: `${realNodeDir}:${PATH}:` } });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ verified: true, command: ['node', 'srv.mjs', '--mode=ok'] });
  });

  it('an empty entry with no node in the folder: verified (exit 0)', async () => {
    const dir = folder({});
    const r = await runCli(['run', '--dry-run'], { cwd: dir, env: { ...env, PATH: `:${realNodeDir}:${PATH}` } });
    expect(r.code, r.stderr).toBe(0);
  });

  it('a node under the folder\'s node_modules found through PATH is not refused (node_modules is not pinned: the script imports from it anyway)', async () => {
    const dir = folder({ 'node_modules/.bin/node': `#!/bin/sh\nexec "${process.execPath}" "$@"\n` });
    const r = await runCli(['run', '--dry-run'], { cwd: dir, env: { ...env, PATH: `node_modules/.bin:${realNodeDir}:${PATH}` } });
    expect(r.code, r.stderr).toBe(0);
  });
});

describe('an interpreter named by an absolute path', () => {
  it('into the folder (a lockfile edited to <folder>/node): exit 1, named, nothing runs', async () => {
    const dir = folder({ node: FAKE }, '<DIR>/node');
    await refused(dir, PATH, /its interpreter .*[/\\]node starts .*[/\\]node, a file of the folder;/);
  });

  it('a symlink in the folder to the real node: the file that starts is outside the folder (exit 0)', async () => {
    const dir = folder({}, '<DIR>/node');
    const { symlinkSync } = await import('node:fs');
    symlinkSync(process.execPath, join(dir, 'node'));
    const r = await runCli(['run', '--dry-run'], { cwd: dir, env });
    expect(r.code, r.stderr).toBe(0);
  });

  it('outside the folder (the machine\'s node): verified (exit 0)', async () => {
    const dir = folder({}, process.execPath);
    const r = await runCli(['run', '--dry-run'], { cwd: dir, env });
    expect(r.code, r.stderr).toBe(0);
  });
});
