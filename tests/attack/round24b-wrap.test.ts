import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/cli.js';
import { fixture } from '../proxy/harness.js';

// Round 24b: wrap writes a project config's lock path relative to the project (49a3020), and
// check --config holds each wrapped entry's proxy to the checked lockfile. A new user's flow
// (wrap, commit, check from another checkout and from a subfolder) and an attacker's paths.
const scratch = tempDir('mcptrust-r24b-wrap-');
const env = { PATH: process.env.PATH, HOME: scratch.dir };
afterAll(() => scratch.cleanup());
const [node, ...serverArgs] = fixture('basic');

function project(name: string, entries: Record<string, Record<string, unknown>>): string {
  const dir = join(scratch.dir, name);
  mkdirSync(join(dir, 'sub', 'deeper'), { recursive: true });
  const servers = Object.fromEntries(Object.entries(entries).map(([n, extra]) => [n, { command: node, args: serverArgs, ...extra }]));
  writeFileSync(join(dir, '.mcp.json'), `${JSON.stringify({ mcpServers: servers }, null, 2)}\n`);
  return dir;
}
const lockArgs = (dir: string) => [...readFileSync(join(dir, '.mcp.json'), 'utf8').matchAll(/"--lock",\s*"([^"]*)"/g)].map((m) => m[1]);

describe('round 24b: a wrapped project config, committed and checked elsewhere', () => {
  it('wrap writes ./mcp-lock.json; a clone at another path, a subfolder cwd and a symlinked checkout all pass check', async () => {
    const dir = project('proj', { a: {} });
    expect((await runCli(['lock', '--config', '.mcp.json'], { cwd: dir, env })).code).toBe(0);
    const w = await runCli(['wrap', '--config', '.mcp.json'], { cwd: dir, env });
    expect(w.code, w.stderr).toBe(0);
    expect(lockArgs(dir)).toEqual(['./mcp-lock.json']);
    // "Commit it", and check it out somewhere else (the backup is not committed).
    const clone = join(scratch.dir, 'elsewhere', 'checkout');
    mkdirSync(clone, { recursive: true });
    for (const f of ['.mcp.json', 'mcp-lock.json']) cpSync(join(dir, f), join(clone, f));
    mkdirSync(join(clone, 'sub', 'deeper'), { recursive: true });
    const c1 = await runCli(['check', '--config', '.mcp.json'], { cwd: clone, env });
    expect(c1.code, c1.stdout + c1.stderr).toBe(0);
    const c2 = await runCli(['check', '--config', '../../.mcp.json', '--lock', '../../mcp-lock.json'], { cwd: join(clone, 'sub', 'deeper'), env });
    expect(c2.code, c2.stdout + c2.stderr).toBe(0);
    symlinkSync(clone, join(scratch.dir, 'linked'));
    const c3 = await runCli(['check', '--config', '.mcp.json'], { cwd: join(scratch.dir, 'linked'), env });
    expect(c3.code, c3.stdout + c3.stderr).toBe(0);
    const c4 = await runCli(['check', '--config', join(scratch.dir, 'linked', '.mcp.json'), '--lock', join(clone, 'mcp-lock.json')], { cwd: join(clone, 'sub'), env });
    expect(c4.code, c4.stdout + c4.stderr).toBe(0);
    // From a subfolder without --lock: the lockfile is looked for in the cwd, a usage error (2).
    const c5 = await runCli(['check', '--config', '../../.mcp.json'], { cwd: join(clone, 'sub', 'deeper'), env });
    expect(c5.code).toBe(2);
    expect(c5.stderr).toContain('cannot read lockfile');
  }, 120_000);

  it('a lockfile outside the project (../) is written absolute, and a checkout whose lockfile is elsewhere fails check naming the path', async () => {
    const dir = project('proj2', { a: {} });
    mkdirSync(join(scratch.dir, 'shared'), { recursive: true });
    expect((await runCli(['lock', '--config', '.mcp.json', '-o', '../shared/mcp-lock.json'], { cwd: dir, env })).code).toBe(0);
    expect((await runCli(['wrap', '--config', '.mcp.json', '--lock', '../shared/mcp-lock.json'], { cwd: dir, env })).code).toBe(0);
    expect(lockArgs(dir)).toEqual([join(scratch.dir, 'shared', 'mcp-lock.json')]);
    // A copy of that lockfile checked in another checkout: the proxy enforces the other file.
    const clone = join(scratch.dir, 'proj2-clone');
    mkdirSync(clone);
    cpSync(join(dir, '.mcp.json'), join(clone, '.mcp.json'));
    cpSync(join(scratch.dir, 'shared', 'mcp-lock.json'), join(clone, 'mcp-lock.json'));
    const c = await runCli(['check', '--config', '.mcp.json'], { cwd: clone, env });
    expect(c.code).toBe(1);
    expect(c.stdout).toContain(`its mcptrust proxy enforces the lockfile ${join(scratch.dir, 'shared', 'mcp-lock.json')}, not the checked mcp-lock.json`);
  }, 120_000);

  // Was OPEN: lockArgFor (src/config/wrap.ts) made the lock path relative to the project, but an
  // entry with its own "cwd" starts its proxy there. Reproduction: .mcp.json with
  // {"mcpServers":{"b":{"command":"node","args":["fixture-server.mjs","basic"],"cwd":"sub"}}},
  // `mcptrust lock --config .mcp.json`, `mcptrust wrap --config .mcp.json` (exit 0, "wrapped"):
  // the entry gets "--lock", "./mcp-lock.json", so the proxy started in sub/ finds no lockfile,
  // and `mcptrust check --config .mcp.json` then fails: "high ~ b: server modified: its mcptrust
  // proxy enforces the lockfile ./mcp-lock.json, which does not exist: the proxy would refuse to
  // start". Expected: wrap writes a path that works from the entry's cwd ("../mcp-lock.json", or
  // the absolute one), and check passes right after wrap.
  it('wrap of an entry with its own cwd writes the lock path from that folder (../mcp-lock.json), and check passes right after wrap (was OPEN: ./mcp-lock.json, not found)', async () => {
    const dir = project('proj3', { b: { cwd: 'sub' } });
    expect((await runCli(['lock', '--config', '.mcp.json'], { cwd: dir, env })).code).toBe(0);
    expect((await runCli(['wrap', '--config', '.mcp.json'], { cwd: dir, env })).code).toBe(0);
    const c = await runCli(['check', '--config', '.mcp.json'], { cwd: dir, env });
    expect(c.code, c.stdout).toBe(0);
  }, 120_000);

  // Was OPEN (minor): lockArgFor took any relative path starting with ".." as outside the project,
  // so a lockfile inside it named "..lock.json" (or under a folder "..locks/") is written
  // absolute: `mcptrust wrap --config .mcp.json --lock ..lock.json` writes
  // "--lock", "/abs/proj/..lock.json", which breaks every other checkout. Expected "./..lock.json"
  // (test `rel === '..' || rel.startsWith('..' + sep)`).
  it('a lockfile inside the project named "..lock.json" is written ./..lock.json (was OPEN: absolute)', async () => {
    const dir = project('proj4', { a: {} });
    expect((await runCli(['lock', '--config', '.mcp.json', '-o', '..lock.json'], { cwd: dir, env })).code).toBe(0);
    expect((await runCli(['wrap', '--config', '.mcp.json', '--lock', '..lock.json'], { cwd: dir, env })).code).toBe(0);
    expect(lockArgs(dir)).toEqual(['./..lock.json']);
  }, 120_000);

  it('a git checkout of the wrapped project at another path passes (git clone, not a copy)', async () => {
    const dir = project('proj5', { a: {} });
    expect((await runCli(['lock', '--config', '.mcp.json'], { cwd: dir, env })).code).toBe(0);
    expect((await runCli(['wrap', '--config', '.mcp.json'], { cwd: dir, env })).code).toBe(0);
    const git = (args: string[], cwd: string) => execFileSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', ...args], { cwd, stdio: 'pipe' });
    git(['init', '-q', '.'], dir);
    git(['add', '.mcp.json', 'mcp-lock.json'], dir);
    git(['commit', '-qm', 'wrapped'], dir);
    const clone = join(scratch.dir, 'ci', 'proj5');
    mkdirSync(join(scratch.dir, 'ci'));
    git(['clone', '-q', dir, clone], scratch.dir);
    const c = await runCli(['check', '--config', '.mcp.json'], { cwd: clone, env });
    expect(c.code, c.stdout + c.stderr).toBe(0);
  }, 120_000);
});
