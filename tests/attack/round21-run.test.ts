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
import { editedCopy, lockedBase, lockedServerFolder } from '../helpers/locked-server.js';

const { scratch, env, base } = lockedBase('mcptrust-r21-');
const realNodeDir = dirname(process.execPath);
const RUNTIMES = '/tmp/s18/bin';
const PATH = `${realNodeDir}:${process.env.PATH ?? '/usr/bin:/bin'}`;
const has = (command: string) => spawnSync(command, ['--version'], { stdio: 'ignore', env: { ...process.env, PATH: `${RUNTIMES}:${PATH}` } }).status === 0;
const hasDeno = has('deno');
const FAKE = '#!/bin/sh\necho ran > RAN\n';
const ran = (dir: string) => existsSync(join(dir, 'RAN'));

let count = 0;
/** A copy of the locked folder whose line is `command args`, with `files` (relative to the top folder; the lock in `sub` when given). */
function line(command: string, args: string[], files: Record<string, string> = {}, options: { declare?: string[]; sub?: string; executable?: boolean } = {}): string {
  const top = join(scratch.dir, `r${++count}`);
  const dir = options.sub === undefined ? top : join(top, options.sub);
  return editedCopy(base(), dir, (t) => {
    t.command = command;
    t.args = args;
    t.env = options.declare ?? [];
  }, files, { root: top, executable: options.executable });
}

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

  // OPEN: followEntry splits an entry (and a link's target) on `\` as well as `/`. On Linux `\` is
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
  it.skip('OPEN: a PATH entry that is a link in the folder to a folder named with backslashes (`a\\..\\..…`) is kept; the folder\'s mcptool runs', async () => {
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
  it('observed today (OPEN above): the backslash-named folder is kept and mcptool runs', async () => {
    const dir = probe();
    mkdirSync(join(dir, DEEP));
    writeFileSync(join(dir, DEEP, 'mcptool'), FAKE, { mode: 0o755 });
    symlinkSync(DEEP, join(dir, 'bin'));
    const r = await runCli(['run'], { cwd: dir, env: { ...env, PATH: `${dir}/bin:${PATH}` } });
    expect(r.code, r.stderr).toBe(64);
    expect(r.stderr).not.toContain('left out');
    expect(ran(dir)).toBe(true);
  });
});
