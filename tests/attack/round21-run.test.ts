/**
 * Round 21 attack on `mcptrust run` (36263e4): PATH entries followed component by component
 * (followEntry), the deno import-map refusal (denoRunsOther) and uv's python (uvRunsOther).
 * bun/deno cases that run the runtime are skipped where it is absent (CI has neither); uv is not
 * installed: its cases follow uv's documentation and stop at `run --dry-run`.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { copyWithLine, lockedBase, lockedServerFolder } from '../helpers/locked-server.js';

const { scratch, env, base } = lockedBase('mcptrust-r21-');
const realNodeDir = dirname(process.execPath);
const RUNTIMES = '/tmp/s18/bin';
const PATH = `${realNodeDir}:${process.env.PATH ?? '/usr/bin:/bin'}`;
const has = (command: string) => spawnSync(command, ['--version'], { stdio: 'ignore', env: { ...process.env, PATH: `${RUNTIMES}:${PATH}` } }).status === 0;
const hasDeno = has('deno');
const FAKE = '#!/bin/sh\necho ran > RAN\n';
const ran = (dir: string) => existsSync(join(dir, 'RAN'));

let count = 0;
/** A copy of the locked folder whose line is `command args` (tests/helpers/locked-server.ts). */
const line = (command: string, args: string[], files: Record<string, string> = {}, options: { declare?: string[]; sub?: string; executable?: boolean } = {}) =>
  copyWithLine(base(), scratch.dir, command, args, files, options);

/**
 * A server that starts a tool by name, as many do (git, a shell command): probe.mjs runs
 * `mcptool` found through its PATH, then exits 64. Locked for real (its own pin).
 */
let probeBase = '';
const PROBE = "import { spawnSync } from 'node:child_process';\nif (process.argv.includes('--tool')) {\n  spawnSync('mcptool', [], { stdio: 'ignore' });\n  process.exit(64);\n}\nawait import('./srv.mjs');\n";
beforeAll(async () => {
  probeBase = await lockedServerFolder(join(scratch.dir, 'probe-base'), { ...env, PATH }, ['node', 'probe.mjs'], { 'probe.mjs': PROBE });
}, 60_000);
function probe(): string {
  const dir = join(scratch.dir, `probe${++count}`);
  mkdirSync(dir, { recursive: true });
  for (const name of ['probe.mjs', 'srv.mjs']) writeFileSync(join(dir, name), readText(join(probeBase, name)));
  const lock = JSON.parse(readText(join(probeBase, 'mcp-lock.json')));
  const server = Object.values(lock.servers)[0] as { transport: { args: string[] } };
  server.transport.args.push('--tool');
  writeFileSync(join(dir, 'mcp-lock.json'), `${JSON.stringify(lock, null, 2)}\n`);
  return dir;
}
import { readFileSync } from 'node:fs';
const readText = (p: string) => readFileSync(p, 'utf8');
const DEEP = `a${'\\..'.repeat(12)}`;

describe('PATH: an honest tool-running server, the folder plants `mcptool`', () => {
  it('control: a plain <dir>/bin entry holding mcptool is left out, the server exits 64 and mcptool never runs', async () => {
    const dir = probe();
    mkdirSync(join(dir, 'bin'));
    writeFileSync(join(dir, 'bin', 'mcptool'), FAKE, { mode: 0o755 });
    const r = await runCli(['run'], { cwd: dir, env: { ...env, PATH: `${dir}/bin:${PATH}` } });
    expect(r.code, r.stderr).toBe(64);
    expect(r.stderr).toContain(`left out of the server's PATH`);
    expect(ran(dir)).toBe(false);
  });

  // FIXED (was OPEN): followEntry splits an entry (and a link's target) on `\` as well as `/`. On Linux `\` is
  // an ordinary filename character, so a folder of the lock named `a\..\..\..\..\..\..\..\..\..\..\..\..`
  // is one real folder to the kernel but twelve `..` climbs (above `/`) to followEntry: when the
  // component `a` is not found it joins the rest lexically and judges the entry to lead to `/`,
  // outside the folder, and keeps it.
  // Reproduction: lock `node probe.mjs` (probe.mjs: spawnSync('mcptool') then exit 64) in DIR; in
  // DIR make a folder named `a\..\..\..\..\..\..\..\..\..\..\..\..` holding an executable mcptool
  // (`echo ran > RAN`), and `bin` a symlink to that name; `PATH=DIR/bin:$PATH mcptrust run` →
  // no "left out" note, exit 64, DIR/RAN written (the folder's mcptool ran through the server's
  // PATH). The same with the entry `DIR/a\..\..(…)` written directly, and for LD_LIBRARY_PATH.
  // Expected: the entry left out (it leads into the folder), RAN absent. (A `\` should split only on Windows.)
  it('FIXED (was OPEN): a PATH entry that is a link in the folder to a folder named with backslashes (`a\\..\\..…`) is kept; the folder\'s mcptool runs', async () => {
    const dir = probe();
    mkdirSync(join(dir, DEEP));
    writeFileSync(join(dir, DEEP, 'mcptool'), FAKE, { mode: 0o755 });
    symlinkSync(DEEP, join(dir, 'bin'));
    const r = await runCli(['run'], { cwd: dir, env: { ...env, PATH: `${dir}/bin:${PATH}` } });
    expect(r.code, r.stderr).toBe(64);
    expect(r.stderr).toContain(`left out of the server's PATH`);
    expect(ran(dir)).toBe(false);
  });

  // The observed behaviour of the OPEN case above, kept as a passing test so a fix shows here.
});

/** Deno code that shows it ran: exit 42 (no permission needed). */
const EVIL_DENO = 'Deno.exit(42);\n';
const denoEnv = { ...env, PATH: `${RUNTIMES}:${PATH}` };
const DENO_LINE = ['run', 'srv.mjs', '--mode=exit-now'];

describe('deno import maps', () => {
  it('held: --config after the script is the server\'s own argument (not refused)', async () => {
    const dir = line('deno', ['run', 'srv.mjs', '--mode=exit-now', '--config', 'x.json']);
    const r = await runCli(['run', '--dry-run'], { cwd: dir, env: denoEnv });
    expect(r.code, r.stderr).toBe(0);
  });

  it('a parent deno.json with a map, above a nearer one without: refused since round 21 (conservative: deno does not read it outside a workspace, but a workspace root\'s map applies to its members)', async () => {
    const dir = line('deno', DENO_LINE, { 'deno.json': '{"imports":{"./sub/srv.mjs":"./sub/evil.mjs"}}', 'sub/deno.json': '{}', 'sub/evil.mjs': EVIL_DENO }, { sub: 'sub' });
    const r = await runCli(['run', '--dry-run'], { cwd: dir, env: denoEnv });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('with an import map entry for ./sub/srv.mjs');
    if (hasDeno) {
      // deno itself: the pinned srv.mjs runs (exit 64); the refusal is a false one, kept for the workspace case.
      const { spawnSync } = await import('node:child_process');
      expect(spawnSync('deno', DENO_LINE, { cwd: dir, env: denoEnv, stdio: 'ignore' }).status).toBe(64);
    }
  });

  // FIXED (was OPEN): denoRunsOther looked for the text `"imports":` (also scopes, importMap). deno parses
  // deno.json as JSON, where a key may be written with escapes, and deno.jsonc as JSONC, whose
  // keys may be unquoted or single-quoted: neither is seen.
  // Reproduction (deno 2.9.6): lock `deno run srv.mjs --mode=exit-now` (its line edited in),
  // evil.mjs = `Deno.exit(42);`, and deno.json = `{"\u0069mports":{"./srv.mjs":"./evil.mjs"}}`
  // (the six characters backslash-u-0-0-6-9), or deno.jsonc = `{imports: {'./srv.mjs': './evil.mjs'}}`;
  // `mcptrust run --dry-run` → exit 0; `mcptrust run` → exit 42 (evil.mjs ran instead of the
  // pinned srv.mjs). Expected: exit 1 "Nothing was started". (A check on the parsed keys, or a
  // refusal of any deno.json(c) the line does not --no-config, would hold.)
  it('FIXED (was OPEN): deno.json with an escaped key "\\u0069mports", or deno.jsonc with an unquoted imports key, maps srv.mjs to evil.mjs', async () => {
    for (const files of [{ 'deno.json': '{"\\u0069mports":{"./srv.mjs":"./evil.mjs"}}' } as Record<string, string>, { 'deno.jsonc': "{imports: {'./srv.mjs': './evil.mjs'}}" }]) {
      const dir = line('deno', DENO_LINE, { ...files, 'evil.mjs': EVIL_DENO });
      const r = await runCli(['run', '--dry-run'], { cwd: dir, env: denoEnv });
      expect(r.code, r.stderr).toBe(1);
    }
  });


  // FIXED (was OPEN): deno workspaces. A lock in a member folder whose own deno.json has no map (`{}`) passes
  // (the walk stops at the nearest file), but deno merges the workspace root's "imports" into
  // the member's: the root's map replaces the main module.
  // Reproduction (deno 2.9.6): TOP/deno.json = `{"workspace":["./sub"],"imports":{"./sub/srv.mjs":"./sub/evil.mjs"}}`,
  // TOP/sub/deno.json = `{}`, the lock and srv.mjs in TOP/sub with line `deno run srv.mjs
  // --mode=exit-now`, TOP/sub/evil.mjs = `Deno.exit(42);`; `mcptrust run` in TOP/sub → exit 42.
  // Expected: exit 1 (refused: a workspace root's import map applies).
  it('FIXED (was OPEN): a workspace root\'s import map applies to a member whose deno.json has none', async () => {
    const dir = line('deno', DENO_LINE, { 'deno.json': '{"workspace":["./sub"],"imports":{"./sub/srv.mjs":"./sub/evil.mjs"}}', 'sub/deno.json': '{}', 'sub/evil.mjs': EVIL_DENO }, { sub: 'sub' });
    const r = await runCli(['run', '--dry-run'], { cwd: dir, env: denoEnv });
    expect(r.code, r.stderr).toBe(1);
  });

});

describe('uv run: the python', () => {
  const PY = { 'pyproject.toml': '[project]\nname = "x"\nversion = "0"\n', '.venv/bin/python': FAKE, '.venv/pyvenv.cfg': 'home = /usr/bin\n' };

  it('held (control): --no-sync under a pyproject with a fake .venv/bin/python of the folder is refused', async () => {
    const dir = line('uv', ['run', '--no-sync', 'srv.mjs', '--mode=exit-now'], PY, { executable: true });
    const r = await runCli(['run', '--dry-run'], { cwd: dir, env });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('a file of the folder');
  });

  // FIXED (was OPEN): uvRunsOther checks VIRTUAL_ENV *instead of* the nearest .venv. In project mode (a
  // pyproject.toml, `--no-sync`) uv runs in the project's environment (.venv, or
  // UV_PROJECT_ENVIRONMENT) and ignores an active VIRTUAL_ENV that differs (uv's documentation:
  // it warns "VIRTUAL_ENV=… does not match the project environment path .venv and will be
  // ignored; use --active"). A user with any venv activated (very common) is then unprotected.
  // Reproduction: lock line `uv run --no-sync srv.mjs --mode=exit-now` declaring VIRTUAL_ENV, a
  // pyproject.toml and an executable .venv/bin/python (`echo ran > RAN`) in the folder;
  // `mcptrust run --dry-run --env VIRTUAL_ENV=/some/outside/venv` → exit 0 (without the variable:
  // exit 1, the .venv python is a file of the folder). Expected: exit 1 either way. Likewise
  // VIRTUAL_ENV masks UV_PROJECT_ENVIRONMENT (`env.VIRTUAL_ENV || env.UV_PROJECT_ENVIRONMENT`).
  it('FIXED (was OPEN): an activated VIRTUAL_ENV outside hides the project .venv python uv actually runs', async () => {
    const dir = line('uv', ['run', '--no-sync', 'srv.mjs', '--mode=exit-now'], PY, { executable: true, declare: ['VIRTUAL_ENV'] });
    const r = await runCli(['run', '--dry-run', '--env', `VIRTUAL_ENV=${scratch.dir}/outside-venv`], { cwd: dir, env });
    expect(r.code, r.stderr).toBe(1);
  });


  it('held: `-p` as the last word before nothing, and -p with no python, does not crash (exit is 0 or 1, never 2)', async () => {
    const dir = line('uv', ['run', '--no-project', '-p', 'srv.mjs', '--mode=exit-now']);
    const r = await runCli(['run', '--dry-run'], { cwd: dir, env });
    expect([0, 1]).toContain(r.code);
    expect(r.stderr).not.toContain('internal error');
  });
});

describe('PATH: odd entries neither crash run nor let the folder in (held)', () => {
  function honest(files: Record<string, string> = {}): string {
    return line('node', ['srv.mjs', '--mode=exit-now'], { node: FAKE, ...files }, { executable: true });
  }

  it('a link chain of 45 hops into the folder, a two-link loop, a file as an entry, `/..` climbs, and an entry with control characters: left out, note printable, exit 64, ./node never runs', async () => {
    const dir = honest({ 'plain.txt': '' });
    const chain = join(scratch.dir, `chain${++count}`);
    mkdirSync(chain);
    symlinkSync(dir, join(chain, 'l0'));
    for (let i = 1; i <= 45; i++) symlinkSync(`l${i - 1}`, join(chain, `l${i}`));
    symlinkSync('loopB', join(dir, 'loopA'));
    symlinkSync('loopA', join(dir, 'loopB'));
    const ctl = `${dir}/\u001b[31mred\u0007`;
    mkdirSync(ctl);
    const entries = [`${chain}/l45`, `${dir}/loopA`, `${dir}/plain.txt`, `/../../..${dir}`, ctl, `${dir}/x/../../${dir.split('/').pop()}`];
    const r = await runCli(['run'], { cwd: dir, env: { ...env, PATH: `${entries.join(':')}:${PATH}` } });
    expect(r.code, r.stderr).toBe(64);
    expect(r.stderr).toContain("left out of the server's PATH");
    expect(r.stderr).toContain('and 1 more');
    expect(r.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    expect(ran(dir)).toBe(false);
  });

  it('LD_LIBRARY_PATH declared with a link to the folder and an empty entry: unset for the server, noted', async () => {
    const dir = line('node', ['srv.mjs', '--mode=exit-now'], {}, { declare: ['LD_LIBRARY_PATH'] });
    symlinkSync(dir, join(dir, 'libs'));
    const r = await runCli(['run', '--env', `LD_LIBRARY_PATH=${dir}/libs::`], { cwd: dir, env: { ...env, PATH } });
    expect(r.code, r.stderr).toBe(64);
    expect(r.stderr).toContain("left out of the server's LD_LIBRARY_PATH");
    expect(r.stderr).not.toContain('internal error');
  });
});
