/**
 * Round 19 attack on `mcptrust run` refusing an interpreter that is a file of the lock's folder
 * (d9856fa: a relative path, an absolute path into the folder, or a bare name PATH finds there;
 * node_modules exempt). The attacker writes files of the lock's folder (and, for the edited-line
 * cases, the unsigned lockfile); PATH is the user's own, sometimes with an empty or relative entry.
 *
 * Properties that hold are plain tests. Findings are `it('FIXED (was OPEN): …')`: the name holds the
 * reproduction and what was observed; the body asserts the expected behaviour (it fails today).
 * Observed with node v20.20.2 (libuv/glibc execvp), python 3.11, perl 5.36, as root on Linux.
 */
import { chmodSync, copyFileSync, existsSync, linkSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, spawnCli, tempDir } from '../helpers/cli.js';
import { lockedServerFolder } from '../helpers/locked-server.js';

const scratch = tempDir('mcptrust-r19i-');
afterAll(() => scratch.cleanup());
/** The folder of the node running the tests, first: `node` by name is this one. */
const REAL = dirname(process.execPath);
const PATH = `${REAL}:${process.env.PATH ?? '/usr/bin:/bin'}`;
const env = { PATH, HOME: scratch.dir };

/** A stand-in interpreter that only leaves RAN in the folder where it starts (the lock folder). */
const FAKE = '#!/bin/sh\necho ran > RAN\n';

/** Locked once with `node srv.mjs --mode=ok` (server "hostile-ok"); every case starts from a copy. */
let base: string;
beforeAll(async () => {
  base = await lockedServerFolder(join(scratch.dir, 'base'), env);
}, 60_000);

let count = 0;
/**
 * A copy of the locked folder whose line is `command args` (default `node srv.mjs --mode=exit-now`:
 * the honest server exits 64 at once, an unknown mode), with `files` (executable) beside the lock,
 * then `setup(dir)`. `<DIR>` in the command is the folder.
 */
function folder(files: Record<string, string>, options: { command?: string; args?: string[]; setup?: (dir: string) => void; at?: string } = {}): string {
  const dir = options.at ?? join(scratch.dir, `f${++count}`);
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(base, 'srv.mjs'), join(dir, 'srv.mjs'));
  const lock = JSON.parse(readFileSync(join(base, 'mcp-lock.json'), 'utf8'));
  const transport = lock.servers['hostile-ok'].transport;
  transport.command = (options.command ?? 'node').replaceAll('<DIR>', dir);
  transport.args = options.args ?? ['srv.mjs', '--mode=exit-now'];
  writeFileSync(join(dir, 'mcp-lock.json'), `${JSON.stringify(lock, null, 2)}\n`);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
    chmodSync(join(dir, name), 0o755);
  }
  options.setup?.(dir);
  return dir;
}

/** Rewrites the lock's arguments after the script so that the honest server exits at once (64). */
function exitAtOnce(dir: string): void {
  const lock = JSON.parse(readFileSync(join(dir, 'mcp-lock.json'), 'utf8'));
  const transport = lock.servers['hostile-ok'].transport;
  transport.args = transport.args.map((a: string) => (a === '--mode=ok' ? '--mode=exit-now' : a));
  writeFileSync(join(dir, 'mcp-lock.json'), `${JSON.stringify(lock, null, 2)}\n`);
}

/** `run --dry-run` then `run` with PATH `path` (`<DIR>` is the folder; undefined: PATH unset), and whether RAN was written. */
async function attempt(dir: string, path: string | undefined, flags: string[] = []) {
  const e: Record<string, string | undefined> = { ...env, PATH: path?.replaceAll('<DIR>', dir) };
  if (path === undefined) delete e.PATH;
  const dry = await runCli(['run', '--dry-run', ...flags], { cwd: dir, env: e });
  const started = await runCli(['run', ...flags], { cwd: dir, env: e });
  return { dry, started, ran: existsSync(join(dir, 'RAN')) };
}

/**
 * The file of the folder never ran: either `run` refused the line (exit 1, named as a file of the
 * folder, nothing started) or — since round 19's fix — the PATH entries that led into the folder
 * were left out of the server's PATH (said on stderr), so the name found another program or none.
 */
function expectRefused(r: Awaited<ReturnType<typeof attempt>>, file?: RegExp): void {
  expect(r.ran).toBe(false);
  for (const x of [r.dry, r.started]) {
    if (x.code === 1 && /a file of the folder/.test(x.stderr)) {
      expect(x.stdout).toBe('');
      expect(x.stderr).toContain('Nothing was started');
      if (file) expect(x.stderr).toMatch(file);
    } else {
      expect(x.stderr, `exit ${x.code}`).toContain("left out of the server's PATH, as they lead into the lockfile's folder (or are relative to it)");
    }
  }
}

/** The real interpreter started: dry run verified, the honest server exited 64 (its own exit code for an unknown mode; its stderr is the terminal's), RAN not written. */
function expectRealNodeRan(r: Awaited<ReturnType<typeof attempt>>): void {
  expect(r.dry.code, r.dry.stderr).toBe(0);
  expect(r.started.code, r.started.stderr).toBe(64);
  expect(r.ran).toBe(false);
}

// ————————————————————————————————————————————————————————————————————————————————
// 1. PATH spellings that reach the folder: refused
// ————————————————————————————————————————————————————————————————————————————————

describe('1. PATH spellings that reach the lock folder: ./node never runs (refused, or the entry left out of the server\'s PATH)', () => {
  it.each([
    ['"./"', `./:${PATH}`],
    ['"./."', `./.:${PATH}`],
    ['"bin/.." (bin a real folder)', `bin/..:${PATH}`],
    ['the folder by its absolute path', `<DIR>:${PATH}`],
    ['the folder with trailing slashes', `<DIR>//:${PATH}`],
    ['"a::b" style empty entry after a megabyte of entries', `${Array.from({ length: 80_000 }, (_, i) => `/nonexistent/${i}`).join(':')}::${REAL}`],
    ['PATH set to the empty string (one empty entry)', ''],
  ])('%s', async (_label, path) => {
    const dir = folder({ node: FAKE, 'bin/keep': '' });
    expectRefused(await attempt(dir, path));
  });

  it('a PATH entry that is a symlink (outside the folder) to the folder: refused', async () => {
    const link = join(scratch.dir, 'link-to-folder');
    const dir = folder({ node: FAKE }, { setup: (d) => symlinkSync(d, link) });
    expectRefused(await attempt(dir, `${link}:${PATH}`), /link-to-folder[/\\]node/);
  });

  it.each([
    ['~', '~/node'],
    ['${HOME} (taken literally by execvp, as by the check)', '${HOME}/node'],
    ['Node_Modules (not node_modules: no exemption)', 'Node_Modules/node'],
    ['node_modules.evil', 'node_modules.evil/node'],
  ])('a relative entry %s naming a folder of the lock folder: refused', async (entry, file) => {
    const dir = folder({ [file]: FAKE });
    expectRefused(await attempt(dir, `${entry.split(' ')[0]}:${PATH}`));
  });

  it('--lock given through a symlink to the folder: the folder is still recognised (refused)', async () => {
    const link = join(scratch.dir, 'lock-link');
    const dir = folder({ node: FAKE }, { setup: (d) => symlinkSync(d, link) });
    expectRefused(await attempt(dir, `:${PATH}`, ['--lock', join(link, 'mcp-lock.json')]));
  });

  it.each([
    ['python3', 'python3'],
    ['perl', 'perl'],
  ])('a %s line (lockfile edited to it) whose python3/perl PATH finds in the folder: refused', async (command, file) => {
    const dir = folder({ [file]: FAKE }, { command });
    expectRefused(await attempt(dir, `:${PATH}`), new RegExp(`its interpreter ${command} starts .*[/\\\\]${file}, a file of the folder`));
  });

  it('a hard link in the folder to the machine\'s node is refused (conservative: it is a file of the folder; git cannot commit one)', async () => {
    const dir = folder({}, { setup: (d) => linkSync(process.execPath, join(d, 'node')) });
    expectRefused(await attempt(dir, `:${PATH}`));
  });
});

// ————————————————————————————————————————————————————————————————————————————————
// 2. The check agrees with execvp where it skips candidates; honest setups are not refused
// ————————————————————————————————————————————————————————————————————————————————

describe('2. what execvp skips, the check skips too; honest setups start the real interpreter', () => {
  it('a folder named node in the lock folder before the real node: execvp skips it, so does the check; the real node runs', async () => {
    const dir = folder({ 'node/x': FAKE });
    expectRealNodeRan(await attempt(dir, `:${PATH}`));
  });

  it('a non-executable ./node (0644) before the real node: execvp skips it (EACCES), so does the check; the real node runs', async () => {
    const dir = folder({}, { setup: (d) => writeFileSync(join(d, 'node'), FAKE, { mode: 0o644 }) });
    expectRealNodeRan(await attempt(dir, `:${PATH}`));
  });

  it('PATH unset: execvp\'s default (/bin:/usr/bin) does not hold the folder; ./node does not run', async () => {
    const dir = folder({ node: FAKE });
    const r = await attempt(dir, undefined);
    expect(r.dry.code, r.dry.stderr).toBe(0);
    expect(r.ran).toBe(false);
  });

  it('the real node through an absolute PATH entry outside the folder, ./node present but after it: verified and started', async () => {
    const dir = folder({ node: FAKE });
    expectRealNodeRan(await attempt(dir, `${PATH}:`));
  });

  it('a venv python (.venv/bin/python a symlink to the system python) found through PATH=.venv/bin: verified (the file that starts is the machine\'s python)', async () => {
    const python = ['/usr/bin/python3', '/bin/python3'].find((p) => existsSync(p));
    if (python === undefined) return;
    const dir = folder({}, { command: 'python', setup: (d) => {
      mkdirSync(join(d, '.venv', 'bin'), { recursive: true });
      symlinkSync(python, join(d, '.venv', 'bin', 'python'));
      writeFileSync(join(d, '.venv', 'pyvenv.cfg'), `home = ${dirname(python)}\ninclude-system-site-packages = false\n`);
    } });
    const r = await attempt(dir, `.venv/bin:${PATH}`);
    expect(r.dry.code, r.dry.stderr).toBe(0);
    expect(r.ran).toBe(false);
  });
});

// ————————————————————————————————————————————————————————————————————————————————
// 3. OPEN findings
// ————————————————————————————————————————————————————————————————————————————————

/** A folder holding `<name>` (a #!/usr/bin/env node script) outside any lock folder. */
function envNodeScript(name: string, body = 'process.exit(0);\n'): string {
  const bin = join(scratch.dir, `bin-${++count}`);
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, name), `#!/usr/bin/env node\n${body}`);
  chmodSync(join(bin, name), 0o755);
  return bin;
}

/**
 * A folder locked with the line `python srv.mjs`, holding a virtual environment .venv whose python
 * links to the machine's and whose site-packages has an x.pth that writes RAN (python runs .pth
 * files at start-up, before the script).
 */
async function venvWithPth(): Promise<string> {
  const python = ['/usr/bin/python3', '/bin/python3'].find((p) => existsSync(p))!;
  const { execFileSync } = await import('node:child_process');
  const version = execFileSync(python, ['-c', 'import sys; print(f"python{sys.version_info[0]}.{sys.version_info[1]}")']).toString().trim();
  return folder({}, { command: 'python', setup: (d) => {
    mkdirSync(join(d, '.venv', 'bin'), { recursive: true });
    symlinkSync(python, join(d, '.venv', 'bin', 'python'));
    writeFileSync(join(d, '.venv', 'pyvenv.cfg'), `home = ${dirname(python)}\ninclude-system-site-packages = false\n`);
    const site = join(d, '.venv', 'lib', version, 'site-packages');
    mkdirSync(site, { recursive: true });
    writeFileSync(join(site, 'x.pth'), "import os; open('RAN', 'w').close()\n");
  } });
}

describe('3. FIXED (were OPEN): a file of the folder ran as the interpreter', () => {
  it('FIXED (was OPEN): a script run directly (honest, unedited lock of `./srv.mjs --mode=ok`, srv.mjs executable with `#!/usr/bin/env node`) under PATH=":$PATH": the shebang\'s env finds ./node in the lock folder. Observed: run --dry-run exit 0 ("1 local file(s) verified, would start: ./srv.mjs"), run exit 0 and ./node ran (RAN written): otherCode checks only `local.interpreter`, undefined for a file run directly. Expected: exit 1 (PATH would find node, or any #! name, in the folder); simplest fix: refuse (or drop from the server\'s PATH) any empty or relative PATH entry, or any entry that is the folder', async () => {
    const dir = join(scratch.dir, `direct-${++count}`);
    mkdirSync(dir);
    copyFileSync(join(base, 'srv.mjs'), join(dir, 'srv.mjs'));
    chmodSync(join(dir, 'srv.mjs'), 0o755);
    expect((await runCli(['lock', '--', './srv.mjs', '--mode=ok'], { cwd: dir, env })).code).toBe(0);
    exitAtOnce(dir);
    writeFileSync(join(dir, 'node'), FAKE, { mode: 0o755 });
    const r = await attempt(dir, `:${PATH}`);
    expectRefused(r);
    expect(r.started.code).toBe(64);
  });

  it('FIXED (was OPEN): a PATH command (honest, unedited lock of `hostile-srv --mode=ok`, hostile-srv a #!/usr/bin/env node file in a folder of PATH, pinned by its digest) under PATH=":<bin>:$PATH": the shebang\'s env finds ./node of the lock folder. Observed: dry-run exit 0 (would start <bin>/hostile-srv), run exit 0, RAN written (the check runs only for local lines with an interpreter; every npm-installed bin is such a script). Expected: exit 1', async () => {
    const bin = join(scratch.dir, `pbin-${++count}`);
    mkdirSync(bin);
    copyFileSync(join(base, 'srv.mjs'), join(bin, 'hostile-srv'));
    chmodSync(join(bin, 'hostile-srv'), 0o755);
    const dir = join(scratch.dir, `plock-${count}`);
    mkdirSync(dir);
    expect((await runCli(['lock', '--', 'hostile-srv', '--mode=ok'], { cwd: dir, env: { ...env, PATH: `${bin}:${PATH}` } })).code).toBe(0);
    exitAtOnce(dir);
    writeFileSync(join(dir, 'node'), FAKE, { mode: 0o755 });
    const r = await attempt(dir, `:${bin}:${PATH}`);
    expectRefused(r);
    expect(r.started.code).toBe(64);
  });

  it('FIXED (was OPEN): an interpreter that is itself a #!/usr/bin/env script outside the folder (tsx, ts-node, a pyenv/asdf shim `#!/usr/bin/env bash`): lock line `tsx srv.mjs --mode=exit-now` (a tsx stand-in `#!/usr/bin/env node` in <bin>), PATH=":<bin>:$PATH", ./node in the folder. Observed: dry-run exit 0, run exit 0, RAN written: the check judges the first file (<bin>/tsx, outside), not the interpreter its shebang looks up through the same PATH. Same on this machine with `python3 srv.mjs`, PATH=":/root/.pyenv/shims:/usr/bin:/bin" and a ./bash: the pyenv shim (#!/usr/bin/env bash) ran ./bash. Expected: exit 1', async () => {
    const bin = envNodeScript('tsx');
    const dir = folder({ node: FAKE }, { command: 'tsx' });
    expectRefused(await attempt(dir, `:${bin}:${PATH}`));
  });

  it('FIXED (was OPEN): ./node a symlink to node_modules/x/node (a fake, committed: git keeps symlinks), PATH=":$PATH", honest line `node srv.mjs`: fileOfFolder resolves the link and exempts its target for being under node_modules, though PATH names no node_modules and the script imports nothing. Observed: dry-run exit 0, run exit 0, RAN written. Expected: exit 1 (judge the path PATH finds, ./node, before resolving links; exempt node_modules only when reached through it)', async () => {
    const dir = folder({ 'node_modules/x/node': FAKE }, { setup: (d) => symlinkSync('node_modules/x/node', join(d, 'node')) });
    expectRefused(await attempt(dir, `:${PATH}`));
  });

  it('FIXED (was OPEN): ./node a symlink out of the lock folder to a file the same attacker controls (lock in repo/sub, sub/node -> ../tools/node, repo/tools/node a fake), PATH=":$PATH": the link\'s target is outside the folder, so it is allowed. Observed: dry-run exit 0, run exit 0, RAN written. Expected: exit 1 (the name PATH finds is a file of the folder whatever it points to; a link to the machine\'s node could stay allowed only by a rule that does not trust where the folder\'s link points)', async () => {
    const repo = join(scratch.dir, `repo-${++count}`);
    mkdirSync(join(repo, 'tools'), { recursive: true });
    writeFileSync(join(repo, 'tools', 'node'), FAKE, { mode: 0o755 });
    const dir = folder({}, { at: join(repo, 'sub'), setup: (d) => symlinkSync('../tools/node', join(d, 'node')) });
    expectRefused(await attempt(dir, `:${PATH}`));
  });

  it('FIXED (was OPEN): a folder of the lock folder whose name starts with ".." (..x/node, a fake): fileOfFolder takes relative(root, real).startsWith("..") as outside. Reached by ./node -> ..x/node under PATH=":$PATH" (honest line `node srv.mjs`), or by a PATH entry "..x". Observed: dry-run exit 0, run exit 0, RAN written, both ways. Expected: exit 1 (test for rel === ".." or rel.startsWith("../"))', async () => {
    const viaLink = folder({ '..x/node': FAKE }, { setup: (d) => symlinkSync('..x/node', join(d, 'node')) });
    expectRefused(await attempt(viaLink, `:${PATH}`));
    const viaEntry = folder({ '..x/node': FAKE });
    expectRefused(await attempt(viaEntry, `..x:${PATH}`));
  });

  it('FIXED (was OPEN): PATH entry "sub/.." where sub is a symlink in the folder to a/b: the kernel resolves sub/.. to a (a/node, a fake, runs) while spawnedFile resolves it by text to the folder itself (no ./node there) and goes on to the real node. Observed: dry-run exit 0, run exit 0, RAN written. Expected: exit 1 (resolve PATH entries with realpath, not path.resolve)', async () => {
    const dir = folder({ 'a/node': FAKE, 'a/b/keep': '' }, { setup: (d) => symlinkSync('a/b', join(d, 'sub')) });
    expectRefused(await attempt(dir, `sub/..:${PATH}`));
  });

  it('FIXED (was OPEN): PATH entry /proc/self/cwd (the server\'s working folder, as "." is): the check stats it in mcptrust\'s own process, whose cwd is not the lock folder when an agent runs `mcptrust run --lock /abs/mcp-lock.json` from elsewhere. Reproduce with the built bin: cwd <scratch>, `run --lock <dir>/mcp-lock.json`, PATH="/proc/self/cwd:$PATH", ./node in <dir>. Observed: exit 0 and RAN written. Expected: exit 1', async () => {
    const dir = folder({ node: FAKE });
    const r = await spawnCli(['run', '--lock', join(dir, 'mcp-lock.json')], { cwd: scratch.dir, env: { ...env, PATH: `/proc/self/cwd:${PATH}` } });
    expect(r.code).toBe(64);
    expect(r.stderr).toContain("left out of the server's PATH, as they lead into the lockfile's folder (or are relative to it): /proc/self/cwd");
    expect(existsSync(join(dir, 'RAN'))).toBe(false);
  });

  it('FIXED (was OPEN): a venv in the lock folder (.venv/bin/python a symlink to the system python, .venv/pyvenv.cfg, a .pth file in .venv/lib/pythonX.Y/site-packages) with PATH=".venv/bin:$PATH" (or its absolute path, as an activated venv has), line `python srv.mjs`: allowed (the link resolves outside the folder) and python, reading the folder\'s pyvenv.cfg, runs the .pth before the script even when the script imports nothing. Observed: dry-run exit 0, run exits 1 (python cannot parse srv.mjs) but RAN was written by the .pth. Expected: exit 1 before anything runs (run refuses PYTHONUSERBASE for the same .pth files), or this documented next to the node_modules exemption', async () => {
    const dir = await venvWithPth();
    // Fixed for a relative entry (left out of the server's PATH); through the venv's absolute
    // path (an activated venv) it is the documented limit below.
    expectRefused(await attempt(dir, `.venv/bin:${PATH}`));
  });

  it.skip('OPEN (documented limit): the same venv reached through its absolute path, as an activated venv puts it on PATH: a folder\'s virtual environment is one of its dependencies, which no pin names (as node_modules); its .pth files run before the script. SECURITY.md says so', async () => {
    const dir = await venvWithPth();
    expectRefused(await attempt(dir, `<DIR>/.venv/bin:${PATH}`));
  });

  it('FIXED (was OPEN, narrowed in round 20): PATH="node_modules:$PATH" (or node_modules/.bin) and a fake node_modules/node, honest line `node srv.mjs` whose script imports nothing: the node_modules exemption lets it start. Observed: dry-run exit 0, run exit 0, RAN written. The exemption\'s reason ("the script imports from node_modules anyway") does not hold for a script without imports; the interpreter replaces all of it. Expected: exit 1, or the exemption limited to what an honest setup needs (the `node` npm package\'s node_modules/.bin/node) and documented as a limit', async () => {
    const dir = folder({ 'node_modules/node': FAKE, 'node_modules/.bin/node': FAKE });
    expectRefused(await attempt(dir, `node_modules:${PATH}`));
    // Absolute: a bare node_modules is left out; a node_modules/.bin stays, but the node found there is refused.
    expectRefused(await attempt(dir, `<DIR>/node_modules:${PATH}`));
    expectRefused(await attempt(dir, `<DIR>/node_modules/.bin:${PATH}`));
  });

  it('FIXED (was OPEN) (minor): a server environment too big for execve (PATH of 1.5 MB, over Linux\'s 128 KiB a string) with the real node first: `run` exits 2 with "internal error: spawn E2BIG … please report it" instead of exit 3 "cannot start" (spawn throws E2BIG synchronously; runPassthrough only handles the \'error\' event). Expected: exit 3, the cause named', async () => {
    const dir = folder({});
    const big = Array.from({ length: 80_000 }, (_, i) => `/nonexistent/${i}`).join(':');
    const r = await attempt(dir, `${REAL}:${big}`);
    expect(r.dry.code).toBe(0);
    expect(r.started.code).toBe(3);
    expect(r.started.stderr).not.toContain('internal error');
  });
});
