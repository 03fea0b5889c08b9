/**
 * bun lines that run something else than the pinned script (found in session 18 with bun 1.4.5):
 *  - `bun run srv.mjs` runs the nearest package.json's script named "srv.mjs" (a shell command)
 *    instead of the file, and `bun srv` the script "srv": an honest, even signed, lock of the
 *    line, plus a package.json script added next to it, ran the script;
 *  - `--config FILE` / `-c FILE` reads another bunfig (its preloads run first), and `--cwd DIR`
 *    runs DIR/srv.mjs, not the pinned ./srv.mjs.
 * `run` now refuses each before anything starts. The refusals need no bun (they come before it is
 * started); the end-to-end case runs only where bun is installed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { editedCopy, lockedBase } from '../helpers/locked-server.js';

const { scratch, env, base } = lockedBase('mcptrust-bun-');

let count = 0;
/**
 * A folder holding the locked srv.mjs and a lock whose line is `command args` (in `sub`, a
 * subfolder, when given), with `files` written relative to the top folder.
 */
function lineIn(command: string, args: string[], files: Record<string, string> = {}, sub = ''): string {
  const top = join(scratch.dir, `b${++count}`);
  return editedCopy(base(), join(top, sub), (t) => Object.assign(t, { command, args }), files, { root: top });
}

const dryRun = (dir: string) => runCli(['run', '--dry-run'], { cwd: dir, env });
const scripts = (names: Record<string, string>) => JSON.stringify({ name: 'app', scripts: names });

describe('a package.json script named as the script', () => {
  it.each<[string, string[]]>([
    ['bun run srv.mjs', ['run', 'srv.mjs', '--mode=ok']],
    ['bun srv.mjs', ['srv.mjs', '--mode=ok']],
  ])('%s beside a package.json with a script "srv.mjs": exit 1, named', async (_label, args) => {
    const dir = lineIn('bun', args, { 'package.json': scripts({ 'srv.mjs': 'touch RAN' }) });
    const r = await dryRun(dir);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('the nearest package.json has a script named srv.mjs, which bun runs (a shell command) instead of the file');
  });

  it('the nearest package.json is a parent folder\'s when the lock folder has none: exit 1', async () => {
    const dir = lineIn('bun', ['run', 'srv.mjs', '--mode=ok'], { 'package.json': scripts({ 'srv.mjs': 'touch RAN' }) }, 'mcp');
    expect((await dryRun(dir)).code).toBe(1);
  });

  it("a package.json of the lock folder without that script hides the parent's (bun reads the nearest only): verified", async () => {
    const dir = lineIn('bun', ['run', 'srv.mjs', '--mode=ok'], { 'package.json': scripts({ 'srv.mjs': 'touch RAN' }), 'mcp/package.json': scripts({ start: 'bun run srv.mjs' }) }, 'mcp');
    const r = await dryRun(dir);
    expect(r.code, r.stderr).toBe(0);
  });

  it('a package.json that cannot be read (not JSON, a folder) is refused: its scripts cannot be checked', async () => {
    const notJson = lineIn('bun', ['run', 'srv.mjs', '--mode=ok'], { 'package.json': '{ "scripts": ' });
    const r = await dryRun(notJson);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("and that package.json cannot be read to check them");
    const folder = lineIn('bun', ['run', 'srv.mjs', '--mode=ok'], { 'package.json/x': '' });
    expect((await dryRun(folder)).code).toBe(1);
  });

  it('a script named "toString" or "__proto__" is only a match when it is the script argument (own members only)', async () => {
    const dir = lineIn('bun', ['run', 'srv.mjs', '--mode=ok'], { 'package.json': '{"scripts":{"__proto__":"x","toString":"y","srv.mjs.bak":"z"}}' });
    expect((await dryRun(dir)).code).toBe(0);
  });

  it('a node line ignores package.json scripts: verified', async () => {
    const dir = lineIn('node', ['srv.mjs', '--mode=ok'], { 'package.json': scripts({ 'srv.mjs': 'touch RAN' }) });
    expect((await dryRun(dir)).code).toBe(0);
  });
});

describe('bun options that read another config or run from another folder', () => {
  it.each<[string[]]>([[['--config=./x.toml']], [['--config', './x.toml']], [['-c', './x.toml']], [['-c=./x.toml']], [['--cwd=sub']], [['--cwd', 'sub']]])('bun %j srv.mjs: exit 1, named', async (option) => {
    const dir = lineIn('bun', [...option, 'srv.mjs', '--mode=ok'], { 'x.toml': 'preload = ["./evil.mjs"]\n', 'sub/srv.mjs': "console.log('not pinned')\n" });
    const r = await dryRun(dir);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/bun's (?:--config|-c|--cwd)\S* makes it read another config file/);
  });

  it('the same words after the script are the server\'s own arguments: verified', async () => {
    const dir = lineIn('bun', ['srv.mjs', '--mode=ok', '--config=./x.toml', '--cwd=sub']);
    expect((await dryRun(dir)).code).toBe(0);
  });
});

const hasBun = spawnSync('bun', ['--version'], { stdio: 'ignore' }).status === 0;

describe.skipIf(!hasBun)('with bun installed', () => {
  it('bun itself runs the script instead of the file (the threat), and run refuses the line before bun starts', async () => {
    const dir = lineIn('bun', ['run', 'srv.mjs', '--mode=ok'], { 'package.json': scripts({ 'srv.mjs': 'touch RAN #' }) });
    spawnSync('bun', ['run', 'srv.mjs'], { cwd: dir, env, stdio: 'ignore' });
    expect(existsSync(join(dir, 'RAN'))).toBe(true);
    spawnSync('rm', ['-f', join(dir, 'RAN')]);
    const r = await runCli(['run'], { cwd: dir, env });
    expect(r.code).toBe(1);
    expect(existsSync(join(dir, 'RAN'))).toBe(false);
  });
});
