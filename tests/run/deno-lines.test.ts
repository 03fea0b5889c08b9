/**
 * deno 2.4+ runs files before the main module with `--preload` and `--require` (checked with
 * deno 2.9.6). They were options the launch table did not know, so such a line was not pinned
 * at all (fail closed, but an honest line could not be locked): they are now preloads like node's
 * `--import` — a path is pinned as a file, a module name is recorded, and `npm:`/`jsr:`/`https:`
 * code (fetched when it runs) is not pinned.
 */
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLaunch } from '../../src/launch/index.js';
import { repoRoot, runCli, tempDir } from '../helpers/cli.js';
import { lockedServerFolder } from '../helpers/locked-server.js';

const scratch = tempDir('mcptrust-deno-');
afterAll(() => scratch.cleanup());
const env = { PATH: process.env.PATH, HOME: scratch.dir };

describe('deno preloads on a launch line', () => {
  it('a path is pinned as a file, a module name recorded, remote code not pinned', () => {
    expect(parseLaunch('deno', ['run', '-A', '--preload', './pre.mjs', 'srv.mjs'])).toEqual({ kind: 'local', interpreter: 'deno', file: 'srv.mjs', fileArgIndex: 4, preloads: [{ file: './pre.mjs', argIndex: 3 }] });
    expect(parseLaunch('deno', ['run', '--require=./pre.cjs', 'srv.mjs'])).toMatchObject({ kind: 'local', file: 'srv.mjs', preloads: [{ file: './pre.cjs', argIndex: 1 }] });
    expect(parseLaunch('deno', ['run', '--preload=otel-setup', 'srv.mjs'])).toMatchObject({ kind: 'local', file: 'srv.mjs', modulePreloads: ['otel-setup'] });
    for (const value of ['npm:evil', 'JSR:@x/y', 'https://example.test/p.mjs']) {
      expect(parseLaunch('deno', ['run', `--preload=${value}`, 'srv.mjs']), value).toMatchObject({ kind: 'unknown', note: expect.stringContaining('loads code that is not a file; not pinned') });
    }
  });
});

describe('run and a deno line', () => {
  let base: string;
  beforeAll(async () => {
    base = await lockedServerFolder(join(scratch.dir, 'base'), env);
  }, 60_000);

  it('a --preload added to a locked line is a file the pin does not name: exit 1', async () => {
    const dir = join(scratch.dir, 'edited');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'srv.mjs'), readFileSync(join(base, 'srv.mjs')));
    writeFileSync(join(dir, 'evil.mjs'), "Deno.writeTextFileSync('RAN', '');\n");
    const lock = JSON.parse(readFileSync(join(base, 'mcp-lock.json'), 'utf8'));
    lock.servers['hostile-ok'].transport.command = 'deno';
    lock.servers['hostile-ok'].transport.args = ['run', '-A', '--preload', './evil.mjs', 'srv.mjs', '--mode=ok'];
    writeFileSync(join(dir, 'mcp-lock.json'), `${JSON.stringify(lock, null, 2)}\n`);
    const r = await runCli(['run', '--dry-run'], { cwd: dir, env });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("its launch line runs ./evil.mjs, which the lock's local pin does not name");
  });

  it('a deno.json without an import map, or any with --no-config, is no refusal; one with an import map is (round 20)', async () => {
    const at = (name: string, text: string, args: string[] = ['run', 'srv.mjs', '--mode=ok']) => {
      const dir = join(scratch.dir, name);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'srv.mjs'), readFileSync(join(base, 'srv.mjs')));
      writeFileSync(join(dir, 'deno.json'), text);
      const lock = JSON.parse(readFileSync(join(base, 'mcp-lock.json'), 'utf8'));
      Object.assign(lock.servers['hostile-ok'].transport, { command: 'deno', args });
      writeFileSync(join(dir, 'mcp-lock.json'), `${JSON.stringify(lock, null, 2)}\n`);
      return dir;
    };
    expect((await runCli(['run', '--dry-run'], { cwd: at('plain', '{"tasks":{"dev":"deno run srv.mjs"}}'), env })).code).toBe(0);
    const mapped = await runCli(['run', '--dry-run'], { cwd: at('mapped', '{"imports":{"./srv.mjs":"./evil.mjs"}}'), env });
    expect(mapped.code).toBe(1);
    expect(mapped.stderr).toMatch(/deno reads .*deno\.json, with an import map entry for \.\/srv\.mjs, which can map the script itself to another file \(add --no-config\)/);
    expect((await runCli(['run', '--dry-run'], { cwd: at('noconfig', '{"imports":{"./srv.mjs":"./evil.mjs"}}', ['run', '--no-config', 'srv.mjs', '--mode=ok']), env })).code).toBe(0);
  });

  const hasDeno = spawnSync('deno', ['--version'], { stdio: 'ignore' }).status === 0;
  it.skipIf(!hasDeno)('with deno installed: lock pins the preload with the script, and a changed preload stops run', async () => {
    const dir = join(scratch.dir, 'real');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'srv.mjs'), readFileSync(join(repoRoot, 'testdata', 'servers', 'hostile-server.mjs')));
    writeFileSync(join(dir, 'pre.mjs'), 'globalThis.preloaded = true;\n');
    const locked = await runCli(['lock', '--', 'deno', 'run', '-A', '--preload', './pre.mjs', 'srv.mjs', '--mode=ok'], { cwd: dir, env });
    expect(locked.code, locked.stderr).toBe(0);
    const artifact = JSON.parse(readFileSync(join(dir, 'mcp-lock.json'), 'utf8')).servers['hostile-ok'].artifact;
    expect(artifact.files.map((f: { path: string }) => f.path)).toEqual(['./pre.mjs', './srv.mjs']);
    expect((await runCli(['run', '--dry-run'], { cwd: dir, env })).code).toBe(0);
    appendFileSync(join(dir, 'pre.mjs'), '// changed\n');
    const r = await runCli(['run', '--dry-run'], { cwd: dir, env });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('the file ./pre.mjs changed since it was locked');
  }, 60_000);
});
