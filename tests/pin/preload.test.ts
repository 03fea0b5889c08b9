// Code an interpreter loads before the script (`node -r ./pre.js`, `--import`, `--loader`,
// `bun --preload`, `tsx --import`) runs as much as the script does: a path-valued preload is
// pinned as a file of the local artifact like the entry script, so changing it fails check and
// run. A preload named as a module (`-r dotenv/config`) resolves from node_modules, which is
// not pinned: the launch stays local and records it as a module preload.
import { appendFileSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isPathSpecifier, parseLaunch } from '../../src/launch/index.js';
import { repoRoot, runCli, tempDir } from '../helpers/cli.js';

const line = (text: string) => {
  const [command, ...args] = text.split(' ');
  return parseLaunch(command!, args);
};

describe('preloads on a launch line', () => {
  it('path-valued preloads are recorded with their argument index; module preloads are not files', () => {
    expect(line('node -r ./pre.js server.js')).toEqual({ kind: 'local', interpreter: 'node', file: 'server.js', fileArgIndex: 2, preloads: [{ file: './pre.js', argIndex: 1 }] });
    expect(line('node --require=/opt/pre.cjs --import ./hook.mjs --loader ../l.mjs --experimental-loader file:///x/l.mjs s.mjs')).toMatchObject({
      kind: 'local',
      file: 's.mjs',
      fileArgIndex: 7,
      preloads: [
        { file: '/opt/pre.cjs', argIndex: 0 },
        { file: './hook.mjs', argIndex: 2 },
        { file: '../l.mjs', argIndex: 4 },
        { file: 'file:///x/l.mjs', argIndex: 6 },
      ],
    });
    expect(line('node -r dotenv/config server.js')).toEqual({ kind: 'local', interpreter: 'node', file: 'server.js', fileArgIndex: 2, modulePreloads: ['dotenv/config'] });
    expect(line('bun --preload ./p.ts run.ts')).toMatchObject({ kind: 'local', file: 'run.ts', preloads: [{ file: './p.ts', argIndex: 1 }] });
    expect(line('bun run -r ./p.ts src/index.ts')).toMatchObject({ kind: 'local', file: 'src/index.ts', fileArgIndex: 3, preloads: [{ file: './p.ts', argIndex: 2 }] });
    expect(line('tsx --import ./reg.mjs src/server.ts')).toMatchObject({ kind: 'local', file: 'src/server.ts', preloads: [{ file: './reg.mjs', argIndex: 1 }] });
    // --env-file is not code: not a preload (its values may be secrets and differ per machine).
    expect(line('node --env-file ./.env server.js')).not.toHaveProperty('preloads');
    // deno's -r is --reload, not a preload.
    expect(line('deno run -r https://x server.ts')).not.toHaveProperty('preloads');
  });

  it('isPathSpecifier follows Node: relative, absolute, drive and file: URLs are files; bare names are modules', () => {
    for (const p of ['./a.js', '../a.js', '/a.js', '.\\a.js', 'C:\\a.js', 'c:/a.js', 'file:///a.js']) expect(isPathSpecifier(p), p).toBe(true);
    for (const m of ['dotenv/config', 'tsx', '@scope/pkg/register', 'ts-node/register', 'a:b']) expect(isPathSpecifier(m), m).toBe(false);
  });
});

describe('a path-valued preload is pinned end to end', () => {
  const serverSource = readFileSync(join(repoRoot, 'testdata', 'npm-registry', 'mcp-server.mjs'), 'utf8');
  const node = process.execPath;
  let root: ReturnType<typeof tempDir>;
  let proj: string;
  beforeEach(() => {
    root = tempDir('mcptrust-pin-preload-');
    proj = join(root.dir, 'checkout');
    mkdirSync(proj);
    writeFileSync(join(proj, 'server.mjs'), serverSource);
    writeFileSync(join(proj, 'pre.js'), '// preloaded before the server\n');
  });
  afterEach(() => root.cleanup());
  const cli = (argv: string[]) => runCli(argv, { cwd: proj, env: { PATH: process.env.PATH, HOME: root.dir } });

  it('lock pins ./pre.js beside the script; a changed pre.js fails check (exit 1, naming it) and run', async () => {
    const launch = ['--', node, '-r', './pre.js', './server.mjs'];
    const locked = await cli(['lock', ...launch]);
    expect(locked.code, locked.stderr).toBe(0);
    const artifact = JSON.parse(readFileSync(join(proj, 'mcp-lock.json'), 'utf8')).servers['npm-fixture'].artifact;
    expect(artifact.files.map((f: { path: string }) => f.path)).toEqual(['./pre.js', './server.mjs']);
    expect(artifact.spec).toBe('./server.mjs');
    expect((await cli(['check', ...launch])).code).toBe(0);
    expect((await cli(['run', '--dry-run'])).code).toBe(0);

    appendFileSync(join(proj, 'pre.js'), 'process.env.SOMETHING = "else";\n');
    const checked = await cli(['check', ...launch]);
    expect(checked.code).toBe(1);
    expect(checked.stdout).toMatch(/local file "\.\/pre\.js" changed/);
    const ran = await cli(['run', '--dry-run']);
    expect(ran.code).toBe(1);
    expect(ran.stderr).toMatch(/pre\.js/);
  });

  it('--import with a path is pinned too; a module preload adds no file', async () => {
    writeFileSync(join(proj, 'hook.mjs'), '// hook\n');
    expect((await cli(['lock', '--', node, '--import', './hook.mjs', 'server.mjs'])).code).toBe(0);
    const files = JSON.parse(readFileSync(join(proj, 'mcp-lock.json'), 'utf8')).servers['npm-fixture'].artifact.files;
    expect(files.map((f: { path: string }) => f.path)).toEqual(['./hook.mjs', './server.mjs']);
  });
});
