/**
 * Round 20 attack on the server's PATH (f23c799): `run` leaves out of the server's PATH every entry
 * that leads into the lock's folder, so that no program started by name (the interpreter, a
 * `#!/usr/bin/env node` line, a tool the server runs) is a file of the folder. Each case puts a
 * stand-in `node` in the folder (it only writes RAN where it starts) and checks whether it ran.
 *
 * `runCli` runs the CLI in-process: its process's working folder is the repository, not the lock
 * folder, as for an agent that starts `mcptrust run --lock /abs/mcp-lock.json` from elsewhere.
 */
import { chmodSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { editedCopy, lockedBase } from '../helpers/locked-server.js';

const { scratch, env, base } = lockedBase('mcptrust-r20path-');
const realNodeDir = dirname(process.execPath);
const PATH = `${realNodeDir}:${process.env.PATH ?? '/usr/bin:/bin'}`;
const FAKE = '#!/bin/sh\necho ran > RAN\n';

let count = 0;
/** A copy of the locked folder running `node srv.mjs --mode=exit-now`, with `files` (executable) in it. */
function folder(files: Record<string, string> = {}, declare: string[] = []): string {
  return editedCopy(base(), join(scratch.dir, `p${++count}`), (t) => {
    t.command = 'node';
    t.args = ['srv.mjs', '--mode=exit-now'];
    t.env = declare;
  }, files, { executable: true });
}

const ran = (dir: string) => existsSync(join(dir, 'RAN'));

describe('PATH entries that lead into the folder are left out (held)', () => {
  it.each([
    ['<DIR>/sub/..', 'a .. component back into the folder'],
    ['<DIR>/./', 'a ./ and a trailing slash'],
    ['<DIR>//', 'a doubled slash'],
    ['/proc/./self/cwd', '/proc with a . component'],
    ['/proc/thread-self/cwd', '/proc/thread-self'],
    ['<DIR>/loop', 'a symlink loop in the folder (realpath fails: judged as written)'],
  ])('%s (%s): left out, the real node runs, ./node never', async (template, _label) => {
    const dir = folder({ node: FAKE, 'sub/x': '' });
    symlinkSync('loop', join(dir, 'loop'));
    const entry = template.replaceAll('<DIR>', dir);
    const r = await runCli(['run'], { cwd: dir, env: { ...env, PATH: `${entry}:${PATH}` } });
    expect(r.code, r.stderr).toBe(64);
    expect(r.stderr).toContain("left out of the server's PATH");
    expect(ran(dir)).toBe(false);
  });

  it('a node_modules that is a link to another folder of the lock folder: its .bin is that folder, left out', async () => {
    const dir = folder({ 'evil/.bin/node': FAKE });
    symlinkSync(join(dir, 'evil'), join(dir, 'node_modules'));
    const r = await runCli(['run'], { cwd: dir, env: { ...env, PATH: `${dir}/node_modules/.bin:${PATH}` } });
    expect(r.code, r.stderr).toBe(64);
    expect(r.stderr).toContain(`${dir}/node_modules/.bin`);
    expect(ran(dir)).toBe(false);
  });

  // Observation: a link in the folder to the real node's folder is kept in PATH (its target is
  // outside), but the interpreter found through it is a link in the folder, so the line is refused
  // (consistent with "a link in the folder is a file of the folder"). The reason names "an empty or
  // relative entry of PATH" although the entry is absolute; and the same entry stays on the PATH of
  // whatever else the server starts by name (see the link to /proc/self/cwd below, fixed).
  it('a link in the folder to the real node\'s folder: refused as a file of the folder (exit 1), the entry itself kept', async () => {
    const dir = folder();
    symlinkSync(realNodeDir, join(dir, 'tools'));
    const r = await runCli(['run', '--dry-run', '--format', 'json'], { cwd: dir, env: { ...env, PATH: `${dir}/tools:/usr/bin:/bin` } });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).not.toContain('left out');
    expect(r.stderr).toContain(`its interpreter node starts ${dir}/tools/node, a file of the folder`);
    expect(r.stdout).toBe('');
  });

  it('--dry-run --format json: the note goes to stderr, stdout is the JSON object alone', async () => {
    const dir = folder({ node: FAKE });
    const r = await runCli(['run', '--dry-run', '--format', 'json'], { cwd: dir, env: { ...env, PATH: `:.:${dir}:${PATH}` } });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ verified: true, command: ['node', 'srv.mjs', '--mode=exit-now'] });
    expect(r.stderr).toContain(`(empty), ., ${dir}`);
  });

  it('a lock that declares PATH itself: the declared value is cleaned too (an empty entry is left out)', async () => {
    const dir = folder({ node: FAKE }, ['PATH']);
    const r = await runCli(['run', '--env', `PATH=:${PATH}`], { cwd: dir, env });
    expect(r.code, r.stderr).toBe(64);
    expect(r.stderr).toContain('(empty)');
    expect(ran(dir)).toBe(false);
  });

  it('an entry with a newline and an escape sequence: shown printable on one line', async () => {
    const dir = folder({ 'a\nb\u001b[31m/node': FAKE });
    const r = await runCli(['run', '--dry-run'], { cwd: dir, env: { ...env, PATH: `${dir}/a\nb\u001b[31m:${PATH}` } });
    expect(r.code, r.stderr).toBe(0);
    const note = r.stderr.split('\n').find((l) => l.startsWith('note:'))!;
    expect(note).toContain('left out');
    expect(note).not.toContain('\u001b');
    expect(r.stderr.split('\n').filter((l) => l !== '').length).toBe(1);
  });

  it('a PATH of about a megabyte (50,000 entries, half into the folder): answered, the real node kept', async () => {
    const dir = folder({ node: FAKE });
    const entries: string[] = [];
    for (let i = 0; i < 25_000; i++) entries.push(`${dir}/n${i}`, `/nonexistent/r20/${i}`);
    const path = `${entries.join(':')}:${PATH}`;
    expect(path.length).toBeGreaterThan(1_000_000);
    const r = await runCli(['run', '--dry-run', '--format', 'json'], { cwd: dir, env: { ...env, PATH: path } });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).verified).toBe(true);
    // (No assertion on time.) The note names the first five entries and counts the rest (it named
    // all 25,000, about 1 MB of stderr, before round 20's fix).
    expect(r.stderr.length).toBeLessThan(2_000);
    expect(r.stderr).toContain('and 24995 more');
  }, 120_000);
});

describe('FIXED (were OPEN) findings', () => {
  // FIXED (was OPEN): a PATH entry that reaches /proc/self/cwd by another spelling than "/proc/…" is judged by
  // mcptrust's own working folder, not the server's. serverPath tests /^\/(?:proc|dev\/fd)(?:\/|$)/
  // on the entry as written, then realpathSync(entry): "//proc/self/cwd" and "/./proc/self/cwd"
  // skip the test, and realpath resolves them to mcptrust's cwd (here the repository; for an agent
  // config, wherever the agent starts mcptrust), which is outside the folder, so they are kept. The
  // server's execvp then reads them as ITS cwd, the lock folder, and starts ./node.
  // Reproduction (verified by hand with dist/bin/mcptrust.js):
  //   cd <lockdir>; printf '#!/bin/sh\necho ran > RAN\n' > node; chmod +x node   # beside an honest lock of `node srv.mjs …`
  //   cd /tmp; PATH="//proc/self/cwd:$PATH" node dist/bin/mcptrust.js run --lock <lockdir>/mcp-lock.json
  //   observed: no note, exit 0 (the fake node's), <lockdir>/RAN written;
  //   expected: the entry left out (as /proc/self/cwd is), the real node runs (exit 64), no RAN.
  // The same with a link to /proc/self/cwd (in the folder: <lockdir>/b -> /proc/self/cwd with
  // PATH=<lockdir>/b:$PATH; realpath resolves the link to mcptrust's cwd, outside).
  it.each([
    ['//proc/self/cwd', '//proc/self/cwd'],
    ['/./proc/self/cwd', '/./proc/self/cwd'],
    ['a link in the folder to /proc/self/cwd', '<DIR>/b'],
  ])('FIXED (was OPEN): %s in PATH is kept and the server starts ./node of the lock folder', async (_label, template) => {
    const dir = folder({ node: FAKE });
    symlinkSync('/proc/self/cwd', join(dir, 'b'));
    const r = await runCli(['run'], { cwd: dir, env: { ...env, PATH: `${template.replaceAll('<DIR>', dir)}:${PATH}` } });
    expect(r.stderr).toContain("left out of the server's PATH");
    expect(r.code, r.stderr).toBe(64);
    expect(ran(dir)).toBe(false);
  });

  // FIXED (was OPEN): realpathSync (node's JS implementation) resolves "..", lexically, before it follows
  // links: "<out>/link/.." with <out>/link -> <lockdir>/sub is judged as <out> (outside, kept),
  // while the kernel's lookup (execvp) goes through the link to <lockdir>/sub/.. = <lockdir>.
  // Reproduction: mkdir <out>; ln -s <lockdir>/sub <out>/link; a fake <lockdir>/node;
  //   PATH="<out>/link/..:$PATH" mcptrust run --lock <lockdir>/mcp-lock.json
  //   observed: kept (no note), the fake node runs (RAN); expected: left out
  //   (fs.realpathSync.native gives <lockdir>, the kernel's answer).
  it('FIXED (was OPEN): an entry with ".." after a link into the folder is judged lexically and kept', async () => {
    const dir = folder({ node: FAKE, 'sub/x': '' });
    const out = join(scratch.dir, `out${++count}`);
    mkdirSync(out);
    symlinkSync(join(dir, 'sub'), join(out, 'link'));
    const r = await runCli(['run'], { cwd: dir, env: { ...env, PATH: `${out}/link/..:${PATH}` } });
    expect(r.code, r.stderr).toBe(64);
    expect(ran(dir)).toBe(false);
  });

  // FIXED (was OPEN): LD_LIBRARY_PATH is the dynamic loader's PATH and is not cleaned nor refused. A lock that
  // declares it (a server that needs a library folder) given a value with an empty entry (":/opt/lib",
  // as common as PATH=":$PATH") makes ld.so search the working folder, the lock folder, first: the
  // interpreter loads a library file of the folder before any pinned byte runs (LD_PRELOAD is refused
  // for the same reason). Reproduction (by hand, with gcc): a lock of `node srv.mjs --mode=exit-now`
  // whose transport.env is ["LD_LIBRARY_PATH"]; in the folder, libdl.so.2 built from
  //   __attribute__((constructor)) static void f(void){ fopen("RAN","w"); }
  // (gcc -shared -fPIC); `cd /tmp; LD_LIBRARY_PATH=":/opt/none" mcptrust run --lock <dir>/mcp-lock.json`:
  // observed exit 64 (node ran on) and <dir>/RAN written by the library; expected: refused (exit 1,
  // "Nothing was started") or the entry left out as PATH's are. Without a compiler, a libdl.so.2
  // holding "garbage" shows the same load: exit 127, "libdl.so.2: file too short" (this test).
  it('FIXED (was OPEN): a declared LD_LIBRARY_PATH with an empty entry loads a library file of the folder', async () => {
    const dir = folder({}, ['LD_LIBRARY_PATH']);
    writeFileSync(join(dir, 'libdl.so.2'), 'garbage');
    chmodSync(join(dir, 'libdl.so.2'), 0o755);
    // Fixed: the entry is left out of the server's LD_LIBRARY_PATH as PATH's are, and said.
    const dry = await runCli(['run', '--dry-run', '--env', 'LD_LIBRARY_PATH=:/opt/none'], { cwd: dir, env: { ...env, PATH } });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stderr).toContain("left out of the server's LD_LIBRARY_PATH, as they lead into the lockfile's folder (or are relative to it): (empty)");
    const started = await runCli(['run', '--env', 'LD_LIBRARY_PATH=:/opt/none'], { cwd: dir, env: { ...env, PATH } });
    expect(started.code, started.stderr).toBe(64);
    expect(started.stderr).not.toContain('libdl.so.2');
  });

  // FIXED (was OPEN (a documented limit that could be narrowed)): any folder holding a file named pyvenv.cfg
  // (empty will do) is a "virtual environment", so a PATH entry inside it is kept, and a folder
  // named node_modules is kept whole (not only node_modules/.bin). A committed tools/pyvenv.cfg plus
  // tools/bin/node, with PATH=<dir>/tools/bin:$PATH (an "activated venv"), runs the fake node.
  // Reproduction: touch <dir>/tools/pyvenv.cfg; fake <dir>/tools/bin/node;
  //   PATH=<dir>/tools/bin:$PATH mcptrust run → exit 0 from the fake, RAN written, no note.
  // Narrowing: keep a venv's bin only when its pyvenv.cfg names a `home =` outside the folder and the
  // name looked up is not an interpreter the line names (node, bun, deno…) — a venv's bin holds
  // python and its console scripts, never node; likewise a node_modules/.bin's `node`.
  it.each([
    ['tools/bin', { 'tools/pyvenv.cfg': '', 'tools/bin/node': FAKE }],
    ['node_modules', { 'node_modules/node': FAKE }],
  ])('FIXED (was OPEN): %s (a fake venv, a bare node_modules) is kept and its node starts the server', async (entry, files) => {
    const dir = folder(files);
    const r = await runCli(['run'], { cwd: dir, env: { ...env, PATH: `${dir}/${entry}:${PATH}` } });
    expect(r.code, r.stderr).toBe(64);
    expect(ran(dir)).toBe(false);
  });

  // FIXED (was OPEN (bounded output)): the note names every entry left out, each up to 120 characters, with no
  // bound on how many: a PATH of 500,000 ":" makes a note of 500,001 "(empty)" (about 4.5 MB of
  // stderr on one line). Reproduction: PATH="$(printf ':%.0s' $(seq 500000))$PATH" mcptrust run --dry-run
  // Expected: the first few named, then "… and N more".
  it('FIXED (was OPEN): the note for a PATH of 500,000 empty entries is not bounded', async () => {
    const dir = folder();
    const r = await runCli(['run', '--dry-run'], { cwd: dir, env: { ...env, PATH: `${':'.repeat(500_000)}${PATH}` } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr.length).toBeLessThan(10_000);
  });
});
