/**
 * Round 16 attack on `mcptrust run` with a local pin: edits of a locked launch line (the lockfile
 * is unsigned here, so an attacker may rewrite it), of the server's declared environment, or of
 * files next to the lock that are not pinned, that make `run` start code the pin does not name.
 *
 * Properties that hold are plain tests; findings are `it('FIXED (was OPEN): …')` whose body asserts the
 * expected (fixed) behaviour, with the reproduction and what was observed in the name.
 * Observed with node v20.20.2, perl 5.36, python 3.11 (no deno, bun, uv or tsx on the machine:
 * those findings are from reading src/launch/index.ts and the tools' sources, and show only
 * mcptrust's half: `run --dry-run` verifying the line).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, spawnCli, tempDir } from '../helpers/cli.js';
import { lockedServerFolder } from '../helpers/locked-server.js';

const scratch = tempDir('mcptrust-round16-');
afterAll(() => scratch.cleanup());
const env = { PATH: process.env.PATH, HOME: scratch.dir };

/** Code that leaves RAN in the working folder (the lock folder, where run starts the server) and ends the process. */
const EVIL_CJS = "require('node:fs').writeFileSync('RAN', ''); process.exit(0);\n";
const EVIL_MJS = "import('node:fs').then((fs) => { fs.writeFileSync('RAN', ''); process.exit(0); });\n";

/** The folder locked once with `node srv.mjs --mode=ok` (server "hostile-ok"); every edit starts from a copy of it. */
let base: string;
beforeAll(async () => {
  base = await lockedServerFolder(join(scratch.dir, 'base'), env);
}, 60_000);

let count = 0;
/**
 * A copy of the locked folder (srv.mjs, mcp-lock.json) with evil.cjs, evil.mjs and `files`
 * beside it, and the lockfile's launch line rewritten to `command args` (`<DIR>` in an argument
 * or a file's text is the folder) with `envNames` declared.
 */
function edited(command: string, args: string[], files: Record<string, string | Buffer> = {}, envNames: string[] = []): string {
  const dir = join(scratch.dir, `e${++count}`);
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(base, 'srv.mjs'), join(dir, 'srv.mjs'));
  writeFileSync(join(dir, 'evil.cjs'), EVIL_CJS);
  writeFileSync(join(dir, 'evil.mjs'), EVIL_MJS);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), typeof text === 'string' ? text.replaceAll('<DIR>', dir) : text);
  }
  const lock = JSON.parse(readFileSync(join(base, 'mcp-lock.json'), 'utf8'));
  const transport = lock.servers['hostile-ok'].transport;
  transport.command = command;
  transport.args = args.map((a) => a.replaceAll('<DIR>', dir));
  transport.env = envNames;
  writeFileSync(join(dir, 'mcp-lock.json'), `${JSON.stringify(lock, null, 2)}\n`);
  return dir;
}

const dryRun = (dir: string, flags: string[] = []) => runCli(['run', '--dry-run', '--format', 'json', ...flags], { cwd: dir, env });

/** `run --dry-run`, then `run` (the server of an honest line exits 64 at once: --mode=exit-now is no mode of it), and whether RAN was written. */
async function attempt(dir: string, flags: string[] = []) {
  const dry = await dryRun(dir, flags);
  const started = await runCli(['run', ...flags], { cwd: dir, env });
  return { dry, started, ran: existsSync(join(dir, 'RAN')) };
}

/** What a refused edit gives: exit 1 both ways, stdout empty, nothing run. */
function expectRefused(result: Awaited<ReturnType<typeof attempt>>, message?: RegExp): void {
  expect(result.dry.code, result.dry.stdout).toBe(1);
  expect(result.dry.stdout).toBe('');
  if (message) expect(result.dry.stderr).toMatch(message);
  expect(result.started.code).toBe(1);
  expect(result.ran).toBe(false);
}

// ————————————————————————————————————————————————————————————————————————————————
// 1. No false refusals: honest lines are verified
// ————————————————————————————————————————————————————————————————————————————————

describe('1. honest lines as lock writes them are verified (run --dry-run exit 0)', () => {
  it.each<[string, string[], Record<string, string>]>([
    ["--watch after the script (the server's own argument)", ['node', 'srv.mjs', '--mode=ok', '--watch'], {}],
    ['--watch-path=. and --inspect after the script', ['node', 'srv.mjs', '--mode=ok', '--watch-path=.', '--inspect=0.0.0.0:9229'], {}],
    ['--max-old-space-size=100 (a V8 option with its value attached)', ['node', '--max-old-space-size=100', 'srv.mjs', '--mode=ok'], {}],
    ['--stack-size=2000 --title mcp', ['node', '--stack-size=2000', '--title', 'mcp', 'srv.mjs', '--mode=ok'], {}],
    ['--conditions=development --no-warnings --enable-source-maps', ['node', '--conditions=development', '--no-warnings', '--enable-source-maps', 'srv.mjs', '--mode=ok'], {}],
    ['an env file that only mentions NODE_OPTIONS in a comment, or sets MY_NODE_OPTIONS / NODE_OPTIONS_X', ['node', '--env-file=.env', 'srv.mjs', '--mode=ok'], { '.env': '# NODE_OPTIONS=--require ./x.cjs\nMY_NODE_OPTIONS=--require ./x.cjs\nNODE_OPTIONS_X=1\n' }],
    ['python3 -u -X importtime -W ignore', ['python3', '-u', '-X', 'importtime', '-W', 'ignore', 'srv.py', '--mode=ok'], { 'srv.py': '' }],
    ['perl -w', ['perl', '-w', 'srv.pl'], { 'srv.pl': '' }],
  ])('%s', async (label, line, files) => {
    const dir = join(scratch.dir, `honest-${++count}`);
    mkdirSync(dir, { recursive: true });
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    // The python and perl lines are pinned from a lockfile edit of the node lock (lock would start
    // them as MCP servers): their scripts pinned by the same digest rule.
    if (line[0] === 'node') {
      await lockedServerFolder(dir, env, line, files);
    } else {
      copyFileSync(join(base, 'mcp-lock.json'), join(dir, 'mcp-lock.json'));
      const lock = JSON.parse(readFileSync(join(dir, 'mcp-lock.json'), 'utf8'));
      const server = lock.servers['hostile-ok'];
      const script = line.find((a) => a in files)!;
      const digest = `sha256-${(await import('node:crypto')).createHash('sha256').update(readFileSync(join(dir, script))).digest('base64')}`;
      server.artifact = { type: 'local', spec: `./${script}`, integrity: digest, files: [{ path: `./${script}`, integrity: digest }] };
      server.transport.command = line[0];
      server.transport.args = line.slice(1);
      writeFileSync(join(dir, 'mcp-lock.json'), JSON.stringify(lock, null, 2));
    }
    const r = await dryRun(dir);
    expect(r.code, `${label}: ${r.stderr}`).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ verified: true, started: false, artifact: 'local', command: line });
  });

  it('a declared NODE_OPTIONS that loads nothing (--max-old-space-size=100 --no-warnings --title=--require) is verified', async () => {
    const dir = edited('node', ['srv.mjs', '--mode=exit-now'], {}, ['NODE_OPTIONS']);
    const r = await dryRun(dir, ['--env', 'NODE_OPTIONS=--max-old-space-size=100 --no-warnings --title=--require']);
    expect(r.code, r.stderr).toBe(0);
  });
});

// ————————————————————————————————————————————————————————————————————————————————
// 2. Edits that are refused, or that run nothing (held)
// ————————————————————————————————————————————————————————————————————————————————

describe('2. node options that load or run code, on the line: refused before anything starts', () => {
  it.each<[string, RegExp]>([
    ['--inspect_brk', /option --inspect_brk is not one this version understands/], // node reads _ as -
    ['--inspect-brk=0.0.0.0:9229', /option --inspect-brk is not one this version understands/],
    ['--inspect=0.0.0.0:9229', /option --inspect is not one this version understands/],
    ['--debug', /option --debug is not one this version understands/],
    ['--experimental_loader=./evil.mjs', /option --experimental_loader is not one this version understands/],
    ['--snapshot-blob=snap.blob', /option --snapshot-blob is not one this version understands/],
    ['--openssl-config=./x.cnf', /option --openssl-config is not one this version understands/],
    ['--experimental-config-file=node.config.json', /option --experimental-config-file is not one this version understands/],
    ['--experimental-sea-config=sea.json', /option --experimental-sea-config is not one this version understands/],
    ['--experimental-default-config-file', /option --experimental-default-config-file is not one this version understands/],
    ['--watch-preserve-output', /option --watch-preserve-output is not one this version understands/],
    ['-r./evil.cjs', /its launch line runs \.\/evil\.cjs, which the lock's local pin does not name/],
    ['--require=./sub/../evil.cjs', /its launch line runs \.\/evil\.cjs, which the lock's local pin does not name/],
    ['--import=file:./evil.mjs', /its launch line runs .*evil\.mjs, which the lock's local pin does not name/],
  ])('node %s srv.mjs: exit 1, nothing run', async (option, message) => {
    const dir = edited('node', [option, 'srv.mjs', '--mode=exit-now'], { 'sub/.keep': '' });
    expectRefused(await attempt(dir), message);
  });

  it('--watch-path with its value as a separate word is refused as watch mode', async () => {
    const dir = edited('node', ['--watch-path', '.', 'srv.mjs', '--mode=exit-now']);
    expectRefused(await attempt(dir), /it runs in watch mode \(--watch-path\)/);
  });
});

describe('2. edits that node itself refuses: run verifies the line, but node starts nothing', () => {
  // The parser and node disagree on these, but node stops (exit 9) before any file is run.
  it.each<[string, string[], Record<string, string>]>([
    ['a V8 option with its value as the next word (node would not take it; parser reads `100` as its value)', ['--max-old-space-size', '100', 'srv.mjs', '--mode=exit-now'], { '100': EVIL_CJS }],
    ['--stack-size 100 with a file named 100', ['--stack-size', '100', 'srv.mjs', '--mode=exit-now'], { '100': EVIL_CJS }],
  ])('%s: node exits 9, RAN not written', async (_label, args, files) => {
    const dir = edited('node', args, files);
    const r = await attempt(dir);
    expect(r.started.code).toBe(9);
    expect(r.ran).toBe(false);
  });

  it('-r=./evil.cjs (parser: a module preload named "=./evil.cjs", which node refuses): run refuses it first, as a module preload the pin does not name', async () => {
    const dir = edited('node', ['-r=./evil.cjs', 'srv.mjs', '--mode=exit-now']);
    expectRefused(await attempt(dir), /loads the module preload =\.\/evil\.cjs, which the lock's local pin does not name/);
  });

  // node would refuse these (exit 9); run now refuses them first, as options not known to load no code.
  it.each(['-r./evil.cjs', '--env-file=.env2', '--inspect-brk-node=127.0.0.1:0', '--watch'])('a declared NODE_OPTIONS of %s: refused by run (exit 1), nothing run', async (value) => {
    const dir = edited('node', ['srv.mjs', '--mode=exit-now'], { '.env2': 'NODE_OPTIONS=--require ./evil.cjs\n' }, ['NODE_OPTIONS']);
    const started = await runCli(['run', '--env', `NODE_OPTIONS=${value}`], { cwd: dir, env });
    expect(started.code).toBe(1);
    expect(started.stderr).toContain(`its NODE_OPTIONS has ${value},`);
    expect(existsSync(join(dir, 'RAN'))).toBe(false);
  });
});

describe('2. NODE_OPTIONS spellings that are refused', () => {
  it.each([
    '--require ./evil.cjs',
    '--require=./evil.cjs',
    '--max-old-space-size=100  -r ./evil.cjs',
    '--max-old-space-size=100\t--import ./evil.mjs',
    '--loader=./evil.mjs',
    '--experimental-loader ./evil.mjs',
    '--inspect=127.0.0.1:0',
    '--no-warnings --inspect-brk',
  ])('NODE_OPTIONS=%j: exit 1, nothing run', async (value) => {
    const dir = edited('node', ['srv.mjs', '--mode=exit-now'], {}, ['NODE_OPTIONS']);
    expectRefused(await attempt(dir, ['--env', `NODE_OPTIONS=${value}`]), /its NODE_OPTIONS has (?:--require|-r|--import|--loader|--experimental-loader|--inspect|--inspect-brk)\b/);
  });
});

describe('2. env files: what node reads as NODE_OPTIONS is refused; what it does not read runs nothing', () => {
  it.each<[string, string]>([
    ['export with two spaces', 'export  NODE_OPTIONS=--require ./evil.cjs\n'],
    ['CRLF lines', 'FOO=1\r\nNODE_OPTIONS=--require ./evil.cjs\r\n'],
    ['spaces before =', 'NODE_OPTIONS  = --require ./evil.cjs\n'],
    ['a lone CR before the key', 'FOO=1\rNODE_OPTIONS=--require ./evil.cjs\n'],
    ['after a multi-line value', 'FOO="a\nb"\nNODE_OPTIONS=--require ./evil.cjs\n'],
  ])('%s: refused', async (_label, text) => {
    const dir = edited('node', ['--env-file=.env', 'srv.mjs', '--mode=exit-now'], { '.env': text });
    expectRefused(await attempt(dir), /its env file \.env sets NODE_OPTIONS/);
  });

  it.each<[string, Buffer]>([
    ['a BOM before the key', Buffer.from('\ufeffNODE_OPTIONS=--require ./evil.cjs\n')],
    ['a form feed before the key', Buffer.from('\fNODE_OPTIONS=--require ./evil.cjs\n')],
    ['a vertical tab before the key', Buffer.from('\vNODE_OPTIONS=--require ./evil.cjs\n')],
    ['a no-break space before the key', Buffer.from('\u00a0NODE_OPTIONS=--require ./evil.cjs\n')],
    ['a quoted key', Buffer.from('"NODE_OPTIONS"=--require ./evil.cjs\n')],
    ['after a ; on one line', Buffer.from('FOO=1;NODE_OPTIONS=--require ./evil.cjs\n')],
  ])('%s: node does not read it as NODE_OPTIONS either (verified, the server runs, RAN not written)', async (_label, text) => {
    const dir = edited('node', ['--env-file=.env', 'srv.mjs', '--mode=exit-now'], { '.env': text });
    const r = await attempt(dir);
    expect(r.dry.code, r.dry.stderr).toBe(0);
    expect(r.started.code).toBe(64);
    expect(r.ran).toBe(false);
  });
});

describe('2. python: a -W category does not import a module of the lock folder', () => {
  it('python3 -W ignore::evil.X srv.py: evil.py beside it is not imported (sys.path[0] is set after the warnings)', async () => {
    const dir = edited('python3', ['-W', 'ignore::evil.X', 'srv.mjs', '--mode=exit-now'], { 'evil.py': "open('RAN', 'w').write('py')\nclass X(Warning): pass\n" });
    const r = await attempt(dir);
    expect(r.dry.code, r.dry.stderr).toBe(0); // srv.mjs is the pinned file, run as python (a SyntaxError)
    expect(r.started.code).toBe(1);
    expect(r.ran).toBe(false);
  });
});

// ————————————————————————————————————————————————————————————————————————————————
// 3. OPEN findings
// ————————————————————————————————————————————————————————————————————————————————

describe('3. FIXED (was OPEN): the interpreter of a local line is whatever the edited lockfile names', () => {
  it("FIXED (was OPEN): a line's interpreter edited to a file next to the lock runs it: lock `node srv.mjs --mode=ok`, write an executable ./node (#!/bin/sh, `echo > RAN`) beside mcp-lock.json, edit transport.command to \"./node\"; observed: run --dry-run exit 0 (files: 1, would start ./node srv.mjs), `run` exit 0 and ./node ran (RAN written): launcherName('./node') is \"node\", so the line parses as the same node launch, and the interpreter is not pinned; expected: exit 1 (an interpreter named by a path is a file the line runs and the pin does not name; or only a bare name looked up on PATH, or the command as locked, is accepted). Same for \"/elsewhere/python3\", \"./bin/node.exe\", \"${X:-.}/node\"", async () => {
    const dir = edited('./node', ['srv.mjs', '--mode=exit-now'], { node: '#!/bin/sh\necho ran > RAN\n' });
    chmodSync(join(dir, 'node'), 0o755);
    expectRefused(await attempt(dir));
  });

  it("FIXED (was OPEN): an interpreter swapped to perl -d loads ./.perldb, a file of the lock folder: lock `node srv.mjs --mode=ok`, write .perldb (mode 0600: `open(my $f, '>', 'RAN'); close $f; require POSIX; POSIX::_exit(0);`) beside mcp-lock.json, edit the line to `perl -d srv.mjs --mode=exit-now`; observed: run --dry-run exit 0 (the pinned ./srv.mjs is \"the script\"), `run` exit 0 with RAN written (perl5db.pl runs ./.perldb before the script is compiled); the same for an honest `perl srv.pl` lock edited to `perl -d srv.pl`; expected: exit 1 (-d loads the debugger and its init file: not pinned; and a line whose interpreter is not the locked one is another launch)", async () => {
    const dir = edited('perl', ['-d', 'srv.mjs', '--mode=exit-now'], { '.perldb': "open(my $f, '>', 'RAN'); close $f; require POSIX; POSIX::_exit(0);\n" });
    chmodSync(join(dir, '.perldb'), 0o600);
    expectRefused(await attempt(dir));
  });
});

describe('3. FIXED (was OPEN): preloads the pin does not name', () => {
  it('FIXED (was OPEN): a file: URL preload in upper case is taken for a module name and not pinned: lock `node srv.mjs --mode=ok`, edit args to ["--import=FILE:///<lock folder>/evil.mjs", "srv.mjs", "--mode=exit-now"] (or "File:/<folder>/evil.mjs", or --loader/--experimental-loader); observed: run --dry-run exit 0 (files: 1), `run` exit 0 with evil.mjs run (RAN): isPathSpecifier tests startsWith("file:") case-sensitively, so the value goes to modulePreloads, which run never compares, while node reads URL schemes case-insensitively; expected: exit 1 "its launch line runs …/evil.mjs, which the lock\'s local pin does not name" as for --import=file:///…', async () => {
    const dir = edited('node', ['--import=FILE://<DIR>/evil.mjs', 'srv.mjs', '--mode=exit-now']);
    expectRefused(await attempt(dir));
  });

  it.each([
    ['--import=srvpkg', 'evil.mjs'],
    ['-r srvpkg/c', 'evil.cjs'],
  ])('FIXED (was OPEN): a package self-reference reaches a file of the lock folder as --import=#hook did: lock `node srv.mjs --mode=ok`, write package.json {"name":"srvpkg","exports":{".":"./evil.mjs","./c":"./evil.cjs"}} beside mcp-lock.json, edit the line to `node %s srv.mjs --mode=exit-now`; observed: run --dry-run exit 0 (files: 1), `run` exit 0 with %s run (RAN): node resolves a bare name equal to the package.json "name" of the working folder to that folder\'s own files (no node_modules needed), and run refuses only "#" imports; expected: exit 1, as for --import=#hook ("a file reached through package.json")', async (preload) => {
    const dir = edited('node', [...preload.split(' '), 'srv.mjs', '--mode=exit-now'], { 'package.json': JSON.stringify({ name: 'srvpkg', exports: { '.': './evil.mjs', './c': './evil.cjs' } }) });
    expectRefused(await attempt(dir));
  });

  it('FIXED (was OPEN): a module preload added to a locked line is not seen: lock `node srv.mjs --mode=ok`, write node_modules/evilpkg/index.js (code) in the lock folder, edit args to ["-r", "evilpkg", "srv.mjs", "--mode=exit-now"] (or --import=evilpkg); observed: run --dry-run exit 0 (files: 1), `run` exit 0 with evilpkg run (RAN). SECURITY.md says a preload named as a module is not pinned, but run also promises to refuse "a line that runs other files than the pinned ones", and the lock records no module preload, so an added one cannot be told from none; expected: exit 1 (the lock records the line\'s module preloads, and run refuses a line whose module preloads differ), or run refuses module preloads', async () => {
    const dir = edited('node', ['-r', 'evilpkg', 'srv.mjs', '--mode=exit-now'], { 'node_modules/evilpkg/index.js': EVIL_CJS });
    expectRefused(await attempt(dir), /loads the module preload evilpkg, which the lock's local pin does not name/);
    const viaImport = edited('node', ['--import=evilpkg', 'srv.mjs', '--mode=exit-now'], { 'node_modules/evilpkg/index.js': EVIL_CJS });
    expectRefused(await attempt(viaImport), /loads the module preload evilpkg, which the lock's local pin does not name/);
  });
});

describe('3. FIXED (was OPEN): env files node reads as NODE_OPTIONS but the check does not', () => {
  it('FIXED (was OPEN): an env file over 1 MiB hides its NODE_OPTIONS: lock `node --env-file=.env srv.mjs --mode=ok`, write .env as one comment line of 1 MiB ("#" + 1,048,576 "x") then "NODE_OPTIONS=--require ./evil.cjs"; observed: run --dry-run exit 0, `run` exit 0 with evil.cjs run (RAN): nodeEnvironmentLoadsCode reads only the first MiB of the file (readFileSync(…).subarray(0, 1 MiB)) while node reads all of it; expected: exit 1 "its env file .env sets NODE_OPTIONS" (read the whole file, or refuse one larger than the bound)', async () => {
    const dir = edited('node', ['--env-file=.env', 'srv.mjs', '--mode=exit-now'], { '.env': `#${'x'.repeat(1024 * 1024)}\nNODE_OPTIONS=--require ./evil.cjs\n` });
    expectRefused(await attempt(dir), /its env file \.env sets NODE_OPTIONS/);
  });

  it.each([
    ['NODE_\\rOPTIONS=…', 'NODE_\rOPTIONS=--require ./evil.cjs\n'],
    ['NODE_OPTIONS\\r=…', 'NODE_OPTIONS\r=--require ./evil.cjs\n'],
  ])('FIXED (was OPEN): a CR inside the key hides NODE_OPTIONS from the check: .env of %j (lock `node --env-file=.env srv.mjs`); observed: run --dry-run exit 0, `run` exit 0 with evil.cjs run (RAN): node 20 deletes every \\r of an env file before parsing it, while the check\'s /^[ \\t]*(?:export[ \\t]+)?NODE_OPTIONS[ \\t]*=/m sees "NODE_" and "OPTIONS=" on two lines; expected: exit 1 "its env file .env sets NODE_OPTIONS" (strip \\r first, as node does)', async (_label, text) => {
    const dir = edited('node', ['--env-file=.env', 'srv.mjs', '--mode=exit-now'], { '.env': text });
    expectRefused(await attempt(dir), /its env file \.env sets NODE_OPTIONS/);
  });
});

describe('3. FIXED (was OPEN): the env-file findings need no lockfile edit: a signed lock of an honest line', () => {
  it.each([
    ['over 1 MiB', `#${'x'.repeat(1024 * 1024)}\nNODE_OPTIONS=--require ./evil.cjs\n`],
    ['with a CR in the key', 'FOO=1\nNODE_\rOPTIONS=--require ./evil.cjs\n'],
  ])('FIXED (was OPEN): signed lock of `node --env-file=.env srv.mjs --mode=ok` (.env "FOO=1"; mcptrust keygen, mcptrust sign --key), then only .env rewritten %s; observed: run --key mcptrust.pub exit 0 with evil.cjs run (RAN): the signature verifies (the lockfile is untouched) and the env-file check misses NODE_OPTIONS; expected: exit 1 "its env file .env sets NODE_OPTIONS"', async (label, text) => {
    const dir = join(scratch.dir, `signed-${++count}`);
    await lockedServerFolder(dir, env, ['node', '--env-file=.env', 'srv.mjs', '--mode=ok'], { '.env': 'FOO=1\n', 'evil.cjs': EVIL_CJS });
    expect((await runCli(['keygen', '--out-dir', 'keys'], { cwd: dir, env })).code).toBe(0);
    expect((await runCli(['sign', '--key', 'keys/mcptrust.key'], { cwd: dir, env })).code).toBe(0);
    expect((await runCli(['run', '--dry-run', '--key', 'keys/mcptrust.pub'], { cwd: dir, env })).code).toBe(0);
    writeFileSync(join(dir, '.env'), text);
    const r = await runCli(['run', '--key', 'keys/mcptrust.pub'], { cwd: dir, env });
    expect(r.code, label).toBe(1);
    expect(r.stderr).toContain('its env file .env sets NODE_OPTIONS');
    expect(existsSync(join(dir, 'RAN'))).toBe(false);
  });
});

describe("3. FIXED (was OPEN): a declared NODE_OPTIONS that loads code in a spelling the check does not know", () => {
  // As in round 15's NODE_OPTIONS finding: the lock declares NODE_OPTIONS, and the person running
  // it gives a value; run promises to refuse one that loads code or opens the inspector.
  it.each([
    ['"--require" ./evil.cjs', 'node reads double quotes in NODE_OPTIONS; the check wants whitespace or the start before --require'],
    ['--re"quire" ./evil.cjs', 'quotes inside the word'],
    ['--experimental_loader=./evil.mjs', 'node reads _ as - in option names'],
    ['--snapshot-blob=snap.blob', 'a startup snapshot built with --build-snapshot runs its deserialize main function instead of the script'],
  ])('FIXED (was OPEN): NODE_OPTIONS=%j (%s): lock `node srv.mjs` with NODE_OPTIONS declared, run --env NODE_OPTIONS=<that>; observed: run --dry-run exit 0, `run` exit 0 with the unpinned code run (RAN); expected: exit 1 "its NODE_OPTIONS loads code"', async (value) => {
    const dir = edited('node', ['srv.mjs', '--mode=exit-now'], {}, ['NODE_OPTIONS']);
    if (value.includes('snap.blob')) {
      writeFileSync(join(dir, 'entry.cjs'), "require('node:v8').startupSnapshot.setDeserializeMainFunction(() => { require('node:fs').writeFileSync('RAN', ''); process.exit(0); });\n");
      const built = spawnSync(process.execPath, ['--snapshot-blob', 'snap.blob', '--build-snapshot', 'entry.cjs'], { cwd: dir });
      expect(built.status).toBe(0);
    }
    expectRefused(await attempt(dir, ['--env', `NODE_OPTIONS=${value}`]), /its NODE_OPTIONS has /);
  });

  it.each(['"--inspect=127.0.0.1:0"', '--no-warnings --inspect_port=0 "--inspect"', '--inspect_brk=127.0.0.1:0'])(
    'FIXED (was OPEN): NODE_OPTIONS=%j opens the inspector unseen (quotes, or _ for -): lock `node srv.mjs` with NODE_OPTIONS declared, run --env NODE_OPTIONS=<that>; observed: run --dry-run exit 0, and `run` starts node with "Debugger listening on ws://127.0.0.1:…" (the INSPECTOR check splits NODE_OPTIONS on whitespace and wants --inspect… at a word\'s start, spelled with -); expected: exit 1 "it opens node\'s inspector"',
    async (value) => {
      const dir = edited('node', ['srv.mjs', '--mode=exit-now'], {}, ['NODE_OPTIONS']);
      const r = await dryRun(dir, ['--env', `NODE_OPTIONS=${value}`]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('its NODE_OPTIONS has ');
      if (!value.includes('brk')) {
        const started = await spawnCli(['run', '--env', `NODE_OPTIONS=${value}`], { cwd: dir, env, timeoutMs: 20_000 });
        expect(started.stderr).not.toContain('Debugger listening');
      }
    },
  );

  it('FIXED (was OPEN): NODE_OPTIONS is checked only for a `node …` line: the same pinned script run directly (its #!/usr/bin/env node line) takes any NODE_OPTIONS: lock `node srv.mjs` with NODE_OPTIONS declared (or lock `./srv.mjs` directly), edit transport.command to "./srv.mjs" and args to ["--mode=exit-now"] (chmod +x srv.mjs: mode bits are not pinned), run --env "NODE_OPTIONS=--require ./evil.cjs"; observed: run --dry-run exit 0 (files: 1), `run` exit 0 with evil.cjs run (RAN) (nodeEnvironmentLoadsCode runs only when launch.interpreter is node/nodejs/tsx/ts-node; a file run directly or a PATH command has none); the inspector in NODE_OPTIONS passes the same way; expected: exit 1 "its NODE_OPTIONS loads code", as for `node srv.mjs`', async () => {
    const dir = edited('./srv.mjs', ['--mode=exit-now'], {}, ['NODE_OPTIONS']);
    chmodSync(join(dir, 'srv.mjs'), 0o755);
    expectRefused(await attempt(dir, ['--env', 'NODE_OPTIONS=--require ./evil.cjs']), /its NODE_OPTIONS has --require/);
  });
});

describe("3. FIXED (was OPEN): other interpreters' code-loading environment is not checked as NODE_OPTIONS is", () => {
  it.each<[string, string, string, Record<string, string>]>([
    ['bash', 'BASH_ENV', './evil.sh', { 'evil.sh': 'touch RAN; exit 0\n' }],
    ['perl', 'PERL5OPT', '-I. -Mevil', { 'evil.pm': 'package evil; open(my $f, q(>), q(RAN)); close $f; require POSIX; POSIX::_exit(0); 1;\n' }],
    ['perl', 'PERL5OPT', '-d', { '.perldb': "open(my $f, '>', 'RAN'); close $f; require POSIX; POSIX::_exit(0);\n" }],
    ['python3', 'PYTHONPATH', '.', { 'sitecustomize.py': "import os\nopen('RAN', 'w').close()\nos._exit(0)\n" }],
  ])('FIXED (was OPEN): `%s srv.mjs` with %s declared and given as %j loads a file of the lock folder before the pinned script: lock a local line, declare the variable (transport.env), write the file beside mcp-lock.json, run --env NAME=value; observed: run --dry-run exit 0, `run` exit 0 with RAN written (run checks only NODE_OPTIONS, and only for node lines); expected: exit 1, as for NODE_OPTIONS=--require ./evil.cjs (BASH_ENV, PERL5OPT, PERL5DB, RUBYOPT, PYTHONPATH/PYTHONSTARTUP/PYTHONHOME…: the interpreter\'s own preload channels)', async (command, name, value, files) => {
    const dir = edited(command, ['srv.mjs', '--mode=exit-now'], files, [name]);
    if (files['.perldb']) chmodSync(join(dir, '.perldb'), 0o600);
    expectRefused(await attempt(dir, ['--env', `${name}=${value}`]));
  });
});

describe('3. FIXED (was OPEN) (read, not run here: no deno or bun on this machine): other interpreters', () => {
  it.each([
    ['-r', ['run', '-r', 'evil.mjs', 'srv.mjs']],
    ['--reload', ['run', '--reload', 'evil.mjs', 'srv.mjs']],
    ['--inspect', ['run', '--inspect', 'evil.mjs', 'srv.mjs']],
    ['--env-file', ['run', '--env-file', 'evil.mjs', 'srv.mjs']],
  ])("FIXED (was OPEN): deno's %s takes its value only with = (clap require_equals in deno's cli/args/flags.rs), but the DENO table reads the next word as its value: edit a local lock's line to `deno <args>`; observed: run --dry-run exit 0 (files: 1, ./srv.mjs taken for the script); deno would run ./evil.mjs with srv.mjs as its argument; expected: exit 1 \"its launch line runs ./evil.mjs\" (these options as flags unless written with =)", async (_option, args) => {
    const dir = edited('deno', [...args, '--mode=exit-now']);
    expect((await dryRun(dir)).code).toBe(1);
  });

  it('FIXED (was OPEN): the inspector check is for node lines only: `deno run --inspect=0.0.0.0:9229 srv.mjs` (edit of a local lock) is verified by run --dry-run (exit 0), and deno would open its inspector on every interface; expected: exit 1 "it opens … inspector", as for node', async () => {
    const dir = edited('deno', ['run', '--inspect=0.0.0.0:9229', 'srv.mjs', '--mode=exit-now']);
    expect((await dryRun(dir)).code).toBe(1);
  });

  it("FIXED (was OPEN): bun reads bunfig.toml from its working folder, the lock folder, and runs its `preload` before the script: a local lock's line edited to `bun srv.mjs` (or an honest `bun srv.ts` lock), with bunfig.toml `preload = [\"./evil.mjs\"]` written beside mcp-lock.json; observed: run --dry-run exit 0 (files: 1), so bun would run ./evil.mjs, which nothing pins; expected: exit 1 (a bunfig.toml in the folder refused, or its preloads pinned); the same class: `uv run srv.py` syncs the lock folder's pyproject.toml (build backends run), and `uv run --env-file .env` may set PYTHONPATH so a sitecustomize.py of the folder runs", async () => {
    const dir = edited('bun', ['srv.mjs', '--mode=exit-now'], { 'bunfig.toml': 'preload = ["./evil.mjs"]\n' });
    expect((await dryRun(dir)).code).toBe(1);
  });
});
