/**
 * Round 19 attack on module preloads in local pins (`artifact.modules`, commit 3e356c7, and
 * 77cbd7c): lines that lock honestly must still verify; a locked line edited to load another
 * module, in any spelling the launch parser reads, must be refused by `run` before anything runs;
 * spellings that node reads differently from the parser, `${VAR}` module names, and names that
 * lock writes but the lockfile reader refuses were the findings (now FIXED (was OPEN), each with
 * its reproduction). Observed with node v20.20.2 (no tsx or bun on the machine: their lines show only
 * mcptrust's half, `run --dry-run`).
 */
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, spawnCli, tempDir } from '../helpers/cli.js';
import { lockedServerFolder } from '../helpers/locked-server.js';

const scratch = tempDir('mcptrust-round19m-');
afterAll(() => scratch.cleanup());
const env = { PATH: process.env.PATH, HOME: scratch.dir };

/** Leaves RAN in the folder run starts the server in (the lock's), then ends the process. */
const EVIL_CJS = "require('node:fs').writeFileSync('RAN', ''); process.exit(0);\n";
/** A module that only records that it ran (MARK) and lets the server start. */
const MARKING = "require('node:fs').writeFileSync('MARK', '');\n";

/** node_modules of every test folder: okpkg and other mark; evilpkg ends the process with RAN. */
function modulesIn(dir: string): void {
  for (const [name, text] of [['okpkg', MARKING], ['other', MARKING], ['evilpkg', EVIL_CJS]] as const) {
    mkdirSync(join(dir, 'node_modules', name), { recursive: true });
    writeFileSync(join(dir, 'node_modules', name, 'index.js'), text);
  }
  mkdirSync(join(dir, 'node_modules', 'dotenv'), { recursive: true });
  writeFileSync(join(dir, 'node_modules', 'dotenv', 'package.json'), '{"name":"dotenv","version":"16.0.0"}');
  writeFileSync(join(dir, 'node_modules', 'dotenv', 'config.js'), MARKING);
}

/** The folder locked once with `node -r okpkg srv.mjs --mode=ok` (server "hostile-ok"). */
let base: string;
beforeAll(async () => {
  const dir = join(scratch.dir, 'base');
  mkdirSync(dir, { recursive: true });
  modulesIn(dir);
  base = await lockedServerFolder(dir, env, ['node', '-r', 'okpkg', 'srv.mjs', '--mode=ok']);
}, 60_000);

const lockOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'mcp-lock.json'), 'utf8'));

let count = 0;
/**
 * A copy of the base folder (srv.mjs, node_modules, evil.cjs, `files`) whose lockfile's launch
 * line is rewritten to `command args` (declaring `envNames`), and its artifact edited by `edit`.
 */
function edited(command: string, args: string[], options: { files?: Record<string, string>; envNames?: string[]; edit?: (artifact: Record<string, unknown>) => void } = {}): string {
  const dir = join(scratch.dir, `e${++count}`);
  mkdirSync(dir, { recursive: true });
  modulesIn(dir);
  copyFileSync(join(base, 'srv.mjs'), join(dir, 'srv.mjs'));
  writeFileSync(join(dir, 'evil.cjs'), EVIL_CJS);
  for (const [name, text] of Object.entries(options.files ?? {})) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  const lock = lockOf(base);
  const server = lock.servers['hostile-ok'];
  server.transport.command = command;
  server.transport.args = args;
  server.transport.env = options.envNames ?? [];
  options.edit?.(server.artifact);
  writeFileSync(join(dir, 'mcp-lock.json'), `${JSON.stringify(lock, null, 2)}\n`);
  return dir;
}

/** `run --dry-run`, then `run` itself; whether RAN or MARK were written by anything. */
async function attempt(dir: string, flags: string[] = [], runEnv: NodeJS.ProcessEnv = env) {
  const dry = await runCli(['run', '--dry-run', '--format', 'json', ...flags], { cwd: dir, env: runEnv });
  const started = await runCli(['run', ...flags], { cwd: dir, env: runEnv });
  return { dry, started, ran: existsSync(join(dir, 'RAN')), marked: existsSync(join(dir, 'MARK')) };
}

function expectRefused(result: Awaited<ReturnType<typeof attempt>>, message: RegExp): void {
  expect(result.dry.code, result.dry.stdout + result.dry.stderr).toBe(1);
  expect(result.dry.stdout).toBe('');
  expect(result.dry.stderr).toMatch(message);
  expect(result.dry.stderr).toContain('Nothing was started');
  expect(result.dry.stderr).not.toMatch(/\n\s+at /); // no stack trace
  expect(result.started.code).toBe(1);
  expect(result.ran).toBe(false);
  expect(result.marked).toBe(false);
}

// ————————————————————————————————————————————————————————————————————————————————
// 1. Honest lines: no false refusals, stable re-locks, no drift
// ————————————————————————————————————————————————————————————————————————————————

describe('1. honest module preload lines lock, verify (run --dry-run exit 0), re-lock byte for byte and show no drift', () => {
  it.each<[string, string[], string[]]>([
    ['-r dotenv/config', ['-r', 'dotenv/config'], ['dotenv/config']],
    ['--require=dotenv/config', ['--require=dotenv/config'], ['dotenv/config']],
    ['--import dotenv/config.js (separate word)', ['--import', 'dotenv/config.js'], ['dotenv/config.js']],
    ['the same module twice in two spellings: recorded once', ['-r', 'dotenv/config', '--require', 'dotenv/config'], ['dotenv/config']],
    ['two modules given out of order: recorded sorted', ['-r', 'okpkg', '--import=dotenv/config.js', '-r', 'dotenv/config'], ['dotenv/config', 'dotenv/config.js', 'okpkg']],
    ['a node: builtin', ['--import', 'node:fs', '-r', 'okpkg'], ['node:fs', 'okpkg']],
    ['a module preload beside a path preload (only the path is digested)', ['-r', './pre.cjs', '-r', 'okpkg'], ['okpkg']],
    ["-r after the script is the server's own argument, not a preload", [], []],
  ])('%s', async (label, preloads, modules) => {
    const dir = join(scratch.dir, `honest-${++count}`);
    mkdirSync(dir, { recursive: true });
    modulesIn(dir);
    const line = ['node', ...preloads, 'srv.mjs', '--mode=ok', ...(preloads.length === 0 ? ['-r', 'evilpkg'] : [])];
    await lockedServerFolder(dir, env, line, { 'pre.cjs': '' });
    const first = readFileSync(join(dir, 'mcp-lock.json'), 'utf8');
    const artifact = JSON.parse(first).servers['hostile-ok'].artifact;
    if (modules.length === 0) expect(Object.keys(artifact)).not.toContain('modules');
    else expect(artifact.modules, label).toEqual(modules);
    const dry = await runCli(['run', '--dry-run', '--format', 'json'], { cwd: dir, env });
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ verified: true, started: false, artifact: 'local', command: line });
    const relock = await runCli(['lock', '--', ...line], { cwd: dir, env });
    expect(relock.code, relock.stderr).toBe(0);
    expect(readFileSync(join(dir, 'mcp-lock.json'), 'utf8')).toBe(first);
    const diff = await runCli(['diff', '--', ...line], { cwd: dir, env });
    expect(diff.code, diff.stdout + diff.stderr).toBe(0);
  });

  it('a tsx or bun line whose module preloads are the pinned ones is verified (dry run)', async () => {
    for (const line of [
      ['tsx', '--import', 'okpkg', 'srv.mjs', '--mode=ok'],
      ['tsx', '-r', 'okpkg', 'srv.mjs', '--mode=ok'],
      ['bun', '--preload', 'okpkg', 'srv.mjs', '--mode=ok'],
    ]) {
      const dir = edited(line[0]!, line.slice(1));
      const dry = await runCli(['run', '--dry-run', '--format', 'json'], { cwd: dir, env });
      expect(dry.code, `${line.join(' ')}: ${dry.stderr}`).toBe(0);
    }
  });
});

// ————————————————————————————————————————————————————————————————————————————————
// 2. Edited lines: refused before anything runs
// ————————————————————————————————————————————————————————————————————————————————

describe('2. a locked line (pin: modules ["okpkg"]) edited to load another module is refused, in every spelling the parser reads', () => {
  const added = /its launch line loads the module preload (\S+), which the lock's local pin does not name; lock it again/;
  it.each<[string, string[], string]>([
    ['--require=evilpkg', ['-r', 'okpkg', '--require=evilpkg', 'srv.mjs', '--mode=ok'], 'evilpkg'],
    ['--import evilpkg (separate word)', ['-r', 'okpkg', '--import', 'evilpkg', 'srv.mjs', '--mode=ok'], 'evilpkg'],
    ['--loader=evilpkg', ['-r', 'okpkg', '--loader=evilpkg', 'srv.mjs', '--mode=ok'], 'evilpkg'],
    ['--experimental-loader evilpkg', ['-r', 'okpkg', '--experimental-loader', 'evilpkg', 'srv.mjs', '--mode=ok'], 'evilpkg'],
    ['-revilpkg (attached)', ['-r', 'okpkg', '-revilpkg', 'srv.mjs', '--mode=ok'], 'evilpkg'],
    ['the pinned name in upper case', ['-r', 'OKPKG', 'srv.mjs', '--mode=ok'], 'OKPKG'],
    ['the pinned name with a trailing slash', ['-r', 'okpkg/', 'srv.mjs', '--mode=ok'], 'okpkg/'],
    ['the pinned name as a subpath', ['-r', 'okpkg/index.js', 'srv.mjs', '--mode=ok'], 'okpkg/index.js'],
    ['the pinned name in fullwidth letters', ['-r', '\uff4fkpkg', 'srv.mjs', '--mode=ok'], '\uff4fkpkg'],
    ['the pinned name with a zero-width space', ['-r', 'okpkg\u200b', 'srv.mjs', '--mode=ok'], 'okpkg\\u{200b}'],
    ['a node: builtin added', ['-r', 'okpkg', '--import=node:child_process', 'srv.mjs', '--mode=ok'], 'node:child_process'],
  ])('%s: exit 1, names it, nothing runs', async (_label, args, shown) => {
    const r = await attempt(edited('node', args));
    expectRefused(r, added);
    expect(r.dry.stderr.match(added)![1]).toBe(shown);
  });

  it('tsx --import evilpkg and bun -r evilpkg: refused the same way (dry run)', async () => {
    for (const line of [
      ['tsx', '--import', 'okpkg', '--import', 'evilpkg', 'srv.mjs', '--mode=ok'],
      ['tsx', '--require=evilpkg', 'srv.mjs', '--mode=ok'],
      ['bun', '-r', 'evilpkg', 'srv.mjs', '--mode=ok'],
      ['bun', 'run', '--preload=evilpkg', 'srv.mjs', '--mode=ok'],
    ]) {
      const dry = await runCli(['run', '--dry-run'], { cwd: edited(line[0]!, line.slice(1)), env });
      expect(dry.code, line.join(' ')).toBe(1);
      expect(dry.stderr, line.join(' ')).toMatch(/(?:loads the module preload evilpkg, which the lock's local pin does not name|names the module preload okpkg, which its launch line does not load)/);
    }
  });

  it('a module moved after the script (a server argument) no longer loads the pinned one: refused as dropped', async () => {
    expectRefused(await attempt(edited('node', ['srv.mjs', '--mode=ok', '-r', 'okpkg'])), /the lock's local pin names the module preload okpkg, which its launch line does not load/);
  });

  it('a pin with modules on a launch that is not an interpreter line (./srv.mjs run by its path) is refused', async () => {
    const dir = edited('./srv.mjs', ['--mode=ok'], { edit: (a) => ((a.files as { path: string }[])[0]!.path = './srv.mjs') });
    chmodSync(join(dir, 'srv.mjs'), 0o755);
    expectRefused(await attempt(dir), /the lock's local pin names the module preload okpkg, which its launch line does not load/);
  });

  it('a lockfile written before modules were pinned (no modules field): a line loading one in any spelling is refused', async () => {
    for (const args of [['--import=okpkg', 'srv.mjs', '--mode=ok'], ['--loader', 'okpkg', 'srv.mjs', '--mode=ok']]) {
      const dir = edited('node', args, { edit: (a) => delete a.modules });
      expectRefused(await attempt(dir), /loads the module preload okpkg, which the lock's local pin does not name \(a lockfile written before module preloads were pinned names none\)/);
    }
  });

  it('-r ${MOD} that is a path once expanded at run time (./evil.cjs) is refused: the line reads differently', async () => {
    const dir = edited('node', ['-r', '${MOD_R19}', 'srv.mjs', '--mode=ok'], { edit: (a) => (a.modules = ['${MOD_R19}']) });
    const r = await attempt(dir, [], { ...env, MOD_R19: './evil.cjs' });
    expect(r.dry.code).toBe(1);
    expect(r.dry.stderr).toMatch(/its launch line reads differently once its variables are expanded; lock it again\. Nothing was started/);
    expect(r.started.code).toBe(1);
    expect(r.ran).toBe(false);
  });

  it('-r ${MOD} with the variable empty or unset at run time: exit 2, nothing runs', async () => {
    const dir = edited('node', ['-r', '${MOD_R19}', 'srv.mjs', '--mode=ok'], { edit: (a) => (a.modules = ['${MOD_R19}']) });
    for (const runEnv of [env, { ...env, MOD_R19: '' }]) {
      const r = await attempt(dir, [], runEnv);
      expect(r.dry.code).toBe(2);
      expect(r.dry.stderr).toMatch(/MOD_R19/);
      expect(r.started.code).toBe(2);
      expect(r.ran || r.marked).toBe(false);
    }
  });
});

// ————————————————————————————————————————————————————————————————————————————————
// 3. Hand-edited modules fields: refused by the reader, by name, exit 2
// ————————————————————————————————————————————————————————————————————————————————

describe('3. hand-edited modules fields are refused by every command that reads the lockfile (exit 2, the field named, no stack trace)', () => {
  it.each<[string, (a: Record<string, unknown>) => void, RegExp]>([
    ['modules on an npm artifact', (a) => Object.assign(a, { type: 'npm', name: 'x', version: '1.0.0', integrity: `sha512-${'A'.repeat(86)}==`, modules: ['okpkg'] }), /artifact (?:has an unknown field "modules"|.*modules)/],
    ['unsorted', (a) => (a.modules = ['other', 'okpkg']), /artifact\.modules\[1\] is out of order or repeated/],
    ['repeated', (a) => (a.modules = ['okpkg', 'okpkg']), /artifact\.modules\[1\] is out of order or repeated/],
    ['a megabyte name', (a) => (a.modules = ['m'.repeat(1 << 20)]), /artifact\.modules\[0\] must be 1 to 4096 characters long/],
    ['1,001 names', (a) => (a.modules = Array.from({ length: 1001 }, (_, i) => `m${String(i).padStart(4, '0')}`)), /artifact\.modules has 1001 entries; at most 1000 are read/],
    ['an object', (a) => (a.modules = { okpkg: true }), /artifact\.modules must be an array/],
  ])('%s', async (_label, edit, message) => {
    const dir = edited('node', ['-r', 'okpkg', 'srv.mjs', '--mode=ok'], { edit });
    for (const argv of [['run', '--dry-run'], ['run'], ['policy', 'check', '--preset', 'baseline'], ['diff', '--', 'node', '-r', 'okpkg', 'srv.mjs', '--mode=ok']]) {
      const r = await runCli(argv, { cwd: dir, env });
      expect(r.code, `${argv.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.stderr.length).toBeLessThan(2000);
    }
    expect(existsSync(join(dir, 'RAN')) || existsSync(join(dir, 'MARK'))).toBe(false);
  });
});

// ————————————————————————————————————————————————————————————————————————————————
// 4. Findings
// ————————————————————————————————————————————————————————————————————————————————

describe('4. FIXED (were OPEN) findings', () => {
  // node 20.20 reads --experimental-specifier-resolution as a no-op flag (a value only after
  // "="); src/launch/index.ts NODE.values says it takes the next word. So the parser skips the
  // word after it and takes the following one as the script, while node runs that word.
  it('FIXED (was OPEN): `node --experimental-specifier-resolution evil.cjs srv.mjs` — parser takes evil.cjs as the option\'s value and srv.mjs as the script; node 20 takes the option as a flag and runs evil.cjs. Repro: lock `node srv.mjs --mode=ok`, edit transport.args to ["--experimental-specifier-resolution","evil.cjs","srv.mjs","--mode=exit-now"] (pin unchanged, names ./srv.mjs only): `run --dry-run` exit 0 "verified", `run` runs evil.cjs (RAN written). Expected: refused (exit 1) like any option whose arity node and the parser disagree on', async () => {
    const dir = edited('node', ['--experimental-specifier-resolution', 'evil.cjs', 'srv.mjs', '--mode=exit-now'], { edit: (a) => delete a.modules });
    const r = await attempt(dir);
    expect(r.dry.code).toBe(1);
    expect(r.ran).toBe(false);
  });

  it('FIXED (was OPEN): honest `mcptrust lock -- node --experimental-specifier-resolution main.mjs srv.mjs --mode=ok` pins only ./srv.mjs while node runs main.mjs (which imports srv.mjs): main.mjs is never digested, so a later change to it passes `run --dry-run` (exit 0) and `diff` (exit 0). Expected: main.mjs pinned (or the line unpinned)', async () => {
    const dir = join(scratch.dir, 'specres');
    mkdirSync(dir, { recursive: true });
    const line = ['node', '--experimental-specifier-resolution', 'main.mjs', 'srv.mjs', '--mode=ok'];
    await lockedServerFolder(dir, env, line, { 'main.mjs': "await import('./srv.mjs');\n" });
    const files = lockOf(dir).servers['hostile-ok'].artifact.files.map((f: { path: string }) => f.path);
    expect(files).toContain('./main.mjs');
  });

  it('FIXED (was OPEN): a module named through a variable is pinned by its unexpanded text only: lock `.mcp.json` {"command":"node","args":["-r","${MOD_R19}","srv.mjs","--mode=ok"]} with MOD_R19=okpkg (modules: ["${MOD_R19}"]); then `MOD_R19=evilpkg mcptrust run` is verified (dry run exit 0) and starts node -r evilpkg (run exit 0, RAN written by evilpkg), and `diff --config .mcp.json` with MOD_R19=other (another module) is exit 0 (no drift). Expected: run refuses a module preload whose expanded name is not the one locked (or lock does not pin a module named by a variable)', async () => {
    const dir = join(scratch.dir, 'modvar');
    mkdirSync(dir, { recursive: true });
    modulesIn(dir);
    copyFileSync(join(base, 'srv.mjs'), join(dir, 'srv.mjs'));
    writeFileSync(join(dir, '.mcp.json'), JSON.stringify({ mcpServers: { s: { command: 'node', args: ['-r', '${MOD_R19}', 'srv.mjs', '--mode=ok'] } } }));
    const locked = await spawnCli(['lock', '--config', '.mcp.json'], { cwd: dir, env: { ...env, MOD_R19: 'okpkg' } });
    expect(locked.code, locked.stderr).toBe(0);
    // Fixed: such a line is not pinned (the lockfile cannot fix which module runs), and run refuses it.
    expect(lockOf(dir).servers.s.artifact).toEqual({ type: 'unpinned', note: 'a module preload is named through a variable (${…}), so which module runs is not fixed by the lockfile; not pinned' });
    const r = await attempt(dir, [], { ...env, MOD_R19: 'evilpkg' });
    expect(r.dry.code).toBe(1);
    expect(r.ran).toBe(false);
    // A hand-made local pin for the same line is refused by name.
    const lock = lockOf(dir);
    const pinned = JSON.parse(readFileSync(join(base, 'mcp-lock.json'), 'utf8')).servers['hostile-ok'].artifact;
    lock.servers.s.artifact = { ...pinned, modules: ['${MOD_R19}'] };
    writeFileSync(join(dir, 'mcp-lock.json'), `${JSON.stringify(lock, null, 2)}\n`);
    const refused = await attempt(dir, [], { ...env, MOD_R19: 'evilpkg' });
    expect(refused.dry.code).toBe(1);
    expect(refused.dry.stderr).toContain('its module preload ${MOD_R19} is named through a variable');
    expect(refused.ran).toBe(false);
  });

  it('FIXED (was OPEN): lock writes module names its own reader refuses. Repro: node_modules/okpkg/index.js present; `mcptrust lock -- node -r "okpkg/./././…/index.js" srv.mjs --mode=ok` (a name of 4,214 characters, "/." 2,100 times; node resolves it) exits 0 and writes mcp-lock.json; then `run --dry-run` is exit 2 "artifact.modules[0] must be 1 to 4096 characters long". The same with `-r $\'okpkg\\x07\'` (a folder node_modules/okpkg<BEL>): lock exit 0, then every reader exit 2 "must not contain control characters". Expected: lock refuses such a line (exit 2, nothing written) or records it so that it reads back', async () => {
    for (const name of [`okpkg${'/.'.repeat(2100)}/index.js`, 'okpkg\u0007']) {
      const dir = join(scratch.dir, `unreadable-${++count}`);
      mkdirSync(join(dir, 'node_modules', 'okpkg\u0007'), { recursive: true });
      writeFileSync(join(dir, 'node_modules', 'okpkg\u0007', 'index.js'), '');
      modulesIn(dir);
      copyFileSync(join(base, 'srv.mjs'), join(dir, 'srv.mjs'));
      const r = await runCli(['lock', '--', 'node', '-r', name, 'srv.mjs', '--mode=ok'], { cwd: dir, env });
      if (r.code === 0) expect((await runCli(['run', '--dry-run'], { cwd: dir, env })).code).toBe(0);
      else {
        expect(r.code).toBe(2);
        expect(existsSync(join(dir, 'mcp-lock.json'))).toBe(false);
      }
    }
  });
});
