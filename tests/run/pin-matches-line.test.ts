import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/cli.js';
import { lockedServerFolder } from '../helpers/locked-server.js';

// `run` with a local pin starts the line only when the files it runs (the script or file and
// each preload named by a path) are exactly the pinned files: a lockfile edited by hand to run
// another script, or to add or drop a preload, is refused (exit 1) before anything starts.

const scratch = tempDir('mcptrust-run-line-');
afterAll(() => scratch.cleanup());
const env = { PATH: process.env.PATH, HOME: scratch.dir };

const locked = (name: string, line: string[]) =>
  lockedServerFolder(join(scratch.dir, name), env, line, { 'pre.mjs': '// a preload\n', 'evil.mjs': "import('node:fs').then((fs) => fs.writeFileSync('RAN', ''));\n" });

const edit = (dir: string, from: string, to: string) => {
  const text = readFileSync(join(dir, 'mcp-lock.json'), 'utf8');
  expect(text).toContain(from);
  writeFileSync(join(dir, 'mcp-lock.json'), text.replace(from, to));
};

const dryRun = (dir: string) => runCli(['run', '--dry-run', '--format', 'json'], { cwd: dir, env });

describe('run: the line runs exactly the pinned files', () => {
  it('a line with a preload as locked is verified (both files pinned)', async () => {
    const dir = await locked('ok', ['node', '--import=./pre.mjs', 'srv.mjs', '--mode=ok']);
    const r = await dryRun(dir);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ verified: true, started: false, artifact: 'local', files: 2, command: ['node', '--import=./pre.mjs', 'srv.mjs', '--mode=ok'] });
  });

  it.each([
    ['another script', '"srv.mjs"', '"evil.mjs"', /its launch line runs \.\/evil\.mjs, which the lock's local pin does not name; lock it again\. Nothing was started/],
    ['a preload added', '"srv.mjs"', '"-r", "./evil.mjs", "srv.mjs"', /its launch line runs \.\/evil\.mjs, which the lock's local pin does not name/],
    ['the preload swapped', '"--import=./pre.mjs"', '"--import=./evil.mjs"', /its launch line runs \.\/evil\.mjs, which the lock's local pin does not name/],
    ['the preload dropped', '"--import=./pre.mjs",', '', /the lock's local pin names \.\/pre\.mjs, which its launch line does not run; lock it again/],
  ])('%s: exit 1, nothing on stdout, nothing started', async (label, from, to, message) => {
    const dir = await locked(label.replace(/ /g, '-'), ['node', '--import=./pre.mjs', 'srv.mjs', '--mode=ok']);
    edit(dir, from, to);
    const r = await dryRun(dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    // Without --dry-run it stops at the same check.
    const started = await runCli(['run'], { cwd: dir, env });
    expect(started.code).toBe(1);
    expect(existsSync(join(dir, 'RAN'))).toBe(false);
  });

  it('a line turned into another kind of local launch (a file run directly) is refused', async () => {
    const dir = await locked('kind', ['node', 'srv.mjs', '--mode=ok']);
    edit(dir, '"command": "node"', '"command": "./evil.mjs"');
    const r = await dryRun(dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/runs \.\/evil\.mjs, which the lock's local pin does not name/);
  });
});

describe("run: no inspector, no package import: code the pin does not name", () => {
  it.each([
    ['--inspect', '"--inspect", "srv.mjs"'],
    ['--inspect-brk', '"--inspect-brk", "srv.mjs"'],
    ['--inspect-port=0.0.0.0:9229', '"--inspect-port=0.0.0.0:9229", "srv.mjs"'],
  ])('a line edited to open the inspector (%s) is refused, naming it, nothing started', async (flag, to) => {
    const dir = await locked(`inspect-${flag.replace(/[^a-z0-9]/gi, '')}`, ['node', 'srv.mjs', '--mode=ok']);
    edit(dir, '"srv.mjs"', to);
    for (const argv of [['run', '--dry-run'], ['run']]) {
      const r = await runCli(argv, { cwd: dir, env });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`it opens the inspector (${flag}), a debugger port through which whoever reaches it runs code in the server`);
    }
    expect(existsSync(join(dir, 'RAN'))).toBe(false);
  });

  it.each(['--watch', '--watch-path=.'])('a line edited to run in watch mode (%s) is refused: the script would rerun with whatever it holds later', async (flag) => {
    const dir = await locked(`watch-${flag.replace(/[^a-z]/gi, '')}`, ['node', 'srv.mjs', '--mode=ok']);
    edit(dir, '"srv.mjs"', `"${flag}", "srv.mjs"`);
    const r = await dryRun(dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`it runs in watch mode (${flag}), which reruns the server with whatever its files hold when they change, after they were verified`);
  });

  it("an inspector given in the server's NODE_OPTIONS is refused too", async () => {
    const dir = await locked('inspect-env', ['node', 'srv.mjs', '--mode=ok']);
    // The lock declares NODE_OPTIONS (an undeclared one never reaches the server).
    const lock = JSON.parse(readFileSync(join(dir, 'mcp-lock.json'), 'utf8'));
    lock.servers['hostile-ok'].transport.env = ['NODE_OPTIONS'];
    writeFileSync(join(dir, 'mcp-lock.json'), JSON.stringify(lock, null, 2));
    const r = await runCli(['run', '--dry-run', '--env', 'NODE_OPTIONS=--max-old-space-size=100 --inspect=0.0.0.0:9229'], { cwd: dir, env });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('its NODE_OPTIONS has --inspect=0.0.0.0:9229, not an option known to load no code');
  });

  it("--inspect after the script is the server's own argument: verified", async () => {
    const dir = await locked('inspect-arg', ['node', 'srv.mjs', '--mode=ok', '--inspect']);
    const r = await dryRun(dir);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ verified: true, command: ['node', 'srv.mjs', '--mode=ok', '--inspect'] });
  });

  it('a package import as a preload (--import=#hook) is refused: the file it names through package.json is not pinned', async () => {
    const dir = await locked('hash-import', ['node', 'srv.mjs', '--mode=ok']);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ imports: { '#hook': './evil.mjs' } }));
    edit(dir, '"srv.mjs"', '"--import=#hook", "srv.mjs"');
    const r = await dryRun(dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/loads a package import \(a package\.json "imports" entry\); not pinned/);
    expect(existsSync(join(dir, 'RAN'))).toBe(false);
  });
});

describe("run: NODE_OPTIONS people set for honest reasons still run", () => {
  it.each(['--max-old-space-size=4096', '--openssl-legacy-provider --no-warnings', '"--title" "my server" --dns-result-order=ipv4first', '--max_old_space_size=200 --enable-source-maps'])('NODE_OPTIONS=%j: verified', async (value) => {
    const dir = await locked(`honest-options-${value.replace(/[^a-z0-9]/gi, '').slice(0, 30)}`, ['node', 'srv.mjs', '--mode=ok']);
    const lock = JSON.parse(readFileSync(join(dir, 'mcp-lock.json'), 'utf8'));
    lock.servers['hostile-ok'].transport.env = ['NODE_OPTIONS'];
    writeFileSync(join(dir, 'mcp-lock.json'), JSON.stringify(lock, null, 2));
    const r = await runCli(['run', '--dry-run', '--format', 'json', '--env', `NODE_OPTIONS=${value}`], { cwd: dir, env });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ verified: true, started: false });
  });
});
