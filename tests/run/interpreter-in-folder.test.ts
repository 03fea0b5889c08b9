/**
 * `run` starts a local line's interpreter by the name the lock records, from the lock's folder.
 * A file of that folder (which no pin names) must not be what starts: not by a relative path
 * (`./node`, refused since round 16), nor by an absolute path into the folder (or a link there),
 * nor by a bare name that PATH finds there. An empty PATH entry (`:/usr/bin`, `/usr/bin:`, `a::b`)
 * or `.` is the working folder to the C library's execvp, so `node` with PATH=":$PATH" started
 * ./node: found in session 18 against an honest, unedited lockfile. The server's PATH now leaves
 * out every entry that leads into the folder (round 19: the same held for `#!/usr/bin/env node`
 * scripts and shims, which look their interpreter up on PATH too), and says which.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/cli.js';
import { editedCopy, lockedServerFolder } from '../helpers/locked-server.js';

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
  // The honest server exits at once (64) with this argument of its own: `run` ends by itself.
  return editedCopy(base, dir, (t) => Object.assign(t, { command: command.replaceAll('<DIR>', dir), args: ['srv.mjs', '--mode=exit-now'] }), files, { executable: true });
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

describe('an interpreter found by name: PATH entries that lead into the folder are left out', () => {
  it.each([
    ['a leading empty entry', `:${realNodeDir}:${PATH}`, '(empty)'],
    ['a "." entry', `.:${realNodeDir}:${PATH}`, '.'],
    ['an empty entry in the middle', `/nonexistent::${realNodeDir}`, '(empty)'],
    ['a relative entry (bin) that holds a node of the folder', `bin:${realNodeDir}:${PATH}`, 'bin'],
    ['the folder by its absolute path', `<DIR>:${realNodeDir}:${PATH}`, '<DIR>'],
    ['/proc/self/cwd (the server\'s own working folder)', `/proc/self/cwd:${realNodeDir}:${PATH}`, '/proc/self/cwd'],
  ])('%s: left out, said on stderr; the real node starts and ./node never runs', async (_label, pathTemplate, shown) => {
    const dir = folder({ node: FAKE, 'bin/node': FAKE });
    const path = pathTemplate.replaceAll('<DIR>', dir);
    const dry = await runCli(['run', '--dry-run'], { cwd: dir, env: { ...env, PATH: path } });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stderr).toContain(`note: server "hostile-ok": left out of the server's PATH, as they lead into the lockfile's folder (or are relative to it): ${shown.replaceAll('<DIR>', dir)}`);
    const started = await runCli(['run'], { cwd: dir, env: { ...env, PATH: path } });
    expect(started.code, started.stderr).toBe(64);
    expect(existsSync(join(dir, 'RAN'))).toBe(false);
  });

  it('a script run by its #!/usr/bin/env node line (round 19): env looks node up on the PATH the server gets', async () => {
    const dir = folder({ node: FAKE }, './srv.mjs');
    chmodSync(join(dir, 'srv.mjs'), 0o755);
    expect(readFileSync(join(dir, 'srv.mjs'), 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    const lock = JSON.parse(readFileSync(join(dir, 'mcp-lock.json'), 'utf8'));
    lock.servers['hostile-ok'].transport.args = ['--mode=exit-now'];
    writeFileSync(join(dir, 'mcp-lock.json'), `${JSON.stringify(lock, null, 2)}\n`);
    const r = await runCli(['run'], { cwd: dir, env: { ...env, PATH: `:${realNodeDir}:${PATH}` } });
    // The real node ran the pinned script (its own exit code), not ./node.
    expect(r.code, r.stderr).toBe(64);
    expect(existsSync(join(dir, 'RAN'))).toBe(false);
  });

  it('a trailing empty entry after the real node: the real node starts (no false refusal)', async () => {
    const dir = folder({ node: FAKE });
    const r = await runCli(['run', '--dry-run', '--format', 'json'], { cwd: dir, env: { ...env, PATH: `${realNodeDir}:${PATH}:` } });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ verified: true, command: ['node', 'srv.mjs', '--mode=exit-now'] });
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

describe("the folder's dependencies on PATH", () => {
  it("an activated virtual environment's bin (a pyvenv.cfg whose home is outside) stays on PATH; one whose pyvenv.cfg names no home outside is left out", async () => {
    const venv = folder({ '.venv/pyvenv.cfg': `home = ${realNodeDir}\n` });
    mkdirSync(join(venv, '.venv', 'bin'), { recursive: true });
    const kept = await runCli(['run', '--dry-run'], { cwd: venv, env: { ...env, PATH: `${join(venv, '.venv', 'bin')}:${realNodeDir}:${PATH}` } });
    expect(kept.code, kept.stderr).toBe(0);
    expect(kept.stderr).not.toContain('left out');
    const fake = folder({ 'tools/pyvenv.cfg': '', 'tools/bin/node': FAKE });
    const path = `${join(fake, 'tools', 'bin')}:${realNodeDir}:${PATH}`;
    const dry = await runCli(['run', '--dry-run'], { cwd: fake, env: { ...env, PATH: path } });
    expect(dry.stderr).toContain(`left out of the server's PATH, as they lead into the lockfile's folder (or are relative to it): ${join(fake, 'tools', 'bin')}`);
    expect((await runCli(['run'], { cwd: fake, env: { ...env, PATH: path } })).code).toBe(64);
    expect(existsSync(join(fake, 'RAN'))).toBe(false);
  });

  it("a node in the folder's node_modules/.bin is not node (an npm script's PATH): refused; the entry itself stays", async () => {
    const dir = folder({ 'node_modules/.bin/node': FAKE });
    const r = await runCli(['run', '--dry-run'], { cwd: dir, env: { ...env, PATH: `${join(dir, 'node_modules', '.bin')}:${realNodeDir}:${PATH}` } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/its interpreter node starts .*node_modules[/\\]\.bin[/\\]node, a file of the folder \(found through PATH\)/);
  });
});

describe('an interpreter named by an absolute path', () => {
  it('into the folder (a lockfile edited to <folder>/node): exit 1, named, nothing runs', async () => {
    const dir = folder({ node: FAKE }, '<DIR>/node');
    await refused(dir, PATH, /its interpreter .*[/\\]node starts .*[/\\]node, a file of the folder;/);
  });

  it('a link in the folder, even to the real node, is a file of the folder (whoever writes the folder can point it elsewhere): exit 1', async () => {
    const dir = folder({}, '<DIR>/node');
    const { symlinkSync } = await import('node:fs');
    symlinkSync(process.execPath, join(dir, 'node'));
    const r = await runCli(['run', '--dry-run'], { cwd: dir, env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/its interpreter .*[/\\]node starts .*, a file of the folder/);
  });

  it('outside the folder (the machine\'s node): verified (exit 0)', async () => {
    const dir = folder({}, process.execPath);
    const r = await runCli(['run', '--dry-run'], { cwd: dir, env });
    expect(r.code, r.stderr).toBe(0);
  });
});
