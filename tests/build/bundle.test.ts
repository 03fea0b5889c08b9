// The shipped bin is the esbuild bundle of scripts/bundle.mjs (dist/bin/, built by `npm run build`):
// these tests run it as a user does, as a process, and check that it is whole — every command of
// the program reachable from it, the offline commands loading nothing from outside it — and that
// --debug stack traces name the TypeScript sources.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VERSION } from '../../src/version.js';
import { builtCli, fixtureServer, repoRoot, runCli, spawnCli, tempDir } from '../helpers/cli.js';

const binDir = join(repoRoot, 'dist', 'bin');

/** The commands a --help lists (the lines under "Commands:"). */
function commandsOf(help: string): string[] {
  const section = help.split(/^Commands:$/m)[1] ?? '';
  return [...section.split(/\n\s*\n/)[0]!.matchAll(/^ {2}([a-z][a-z-]*)/gm)].map((m) => m[1]!).filter((c) => c !== 'help');
}

describe('the shipped bin is the bundle', () => {
  let scratch: ReturnType<typeof tempDir>;
  const env = () => ({ PATH: process.env.PATH, HOME: scratch.dir, NO_COLOR: '1' });
  beforeAll(() => {
    scratch = tempDir();
  });
  afterAll(() => scratch.cleanup());

  it('package.json "bin" is dist/bin/mcptrust.js, built, executable, with its source map', () => {
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { bin: Record<string, string>; files: string[] };
    expect(pkg.bin).toEqual({ mcptrust: 'dist/bin/mcptrust.js' });
    expect(builtCli).toBe(join(repoRoot, 'dist', 'bin', 'mcptrust.js'));
    expect(existsSync(builtCli), 'build first: npm run build').toBe(true);
    expect(readFileSync(builtCli, 'utf8')).toMatch(/^#!\/usr\/bin\/env node\n/);
    expect(readFileSync(builtCli, 'utf8')).toContain('//# sourceMappingURL=mcptrust.js.map');
    expect(pkg.files).toContain('dist/bin');
  });

  it('--version answers from the bundle', async () => {
    const r = await spawnCli(['--version'], { cwd: scratch.dir, env: env() });
    expect(r).toMatchObject({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
  });

  it('every command of the program is reachable from the bundle, with the same help', async () => {
    const source = await runCli(['--help'], { cwd: scratch.dir, env: env() });
    const bundled = await spawnCli(['--help'], { cwd: scratch.dir, env: env() });
    expect(bundled).toMatchObject({ code: 0, stderr: '' });
    expect(bundled.stdout).toBe(source.stdout);
    const commands = commandsOf(source.stdout);
    expect(commands).toEqual(expect.arrayContaining(['lock', 'diff', 'keygen', 'sign', 'verify', 'policy', 'check', 'scan']));
    // Each command has its own program build (the bin sends `mcptrust NAME …` there), help has all.
    for (const name of [...commands, 'all']) expect(existsSync(join(binDir, name, 'program.js')), `dist/bin/${name}/program.js`).toBe(true);
    for (const command of commands) {
      const fromSource = await runCli([command, '--help'], { cwd: scratch.dir, env: env() });
      const r = await spawnCli([command, '--help'], { cwd: scratch.dir, env: env() });
      expect({ command, code: r.code, stderr: r.stderr, stdout: r.stdout }).toEqual({ command, code: 0, stderr: '', stdout: fromSource.stdout });
    }
  }, 120_000);

  it('locks a live server, signs and verifies from the bundle; a changed byte fails verification', async () => {
    const run = (argv: string[]) => spawnCli(argv, { cwd: scratch.dir, env: env() });
    expect((await run(['lock', '--', ...fixtureServer('example-server.mjs')])).code).toBe(0);
    expect((await run(['keygen', '--name', 'bundle'])).code).toBe(0);
    expect((await run(['sign', '--key', 'bundle.key'])).code).toBe(0);
    const ok = await run(['verify', '--key', 'bundle.pub']);
    expect(ok).toMatchObject({ code: 0, stderr: '' });
    expect(ok.stdout).toMatch(/^verified mcp-lock\.json: signed by 1 trusted key/);
    const lockPath = join(scratch.dir, 'mcp-lock.json');
    const signed = readFileSync(lockPath);
    writeFileSync(lockPath, signed.toString('utf8').replace('"lockfileVersion"', ' "lockfileVersion"'));
    const bad = await run(['verify', '--key', 'bundle.pub']);
    expect(bad.code).toBe(1);
    writeFileSync(lockPath, signed);
  }, 60_000);

  it('verify, diff --against, policy check and --help load no file from outside the bundle, with its code caches', () => {
    // Depends on the lockfile and keys of the test above. A loader hook reports every ES module
    // loaded; NODE_DEBUG=module reports every CommonJS file Node requires; a preload reports every
    // file opened with openSync or read with readFileSync, which is how dist/bin/load.js reads the
    // program build's files (openSync, read into the buffer they are compiled from) and their code
    // caches (readFileSync).
    const hook = join(scratch.dir, 'hook.mjs');
    writeFileSync(hook, "import { writeSync } from 'node:fs';\nexport async function load(url, context, next) { writeSync(2, `LOADED ${url}\\n`); return next(url, context); }\n");
    const register = join(scratch.dir, 'register.mjs');
    writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hook).href)});\n`);
    const reads = join(scratch.dir, 'reads.cjs');
    writeFileSync(
      reads,
      "const fs = require('node:fs');\nfor (const name of ['readFileSync', 'openSync']) {\n  const real = fs[name];\n  fs[name] = function (path, ...rest) { if (typeof path === 'string') fs.writeSync(2, `READ ${path}\\n`); return real.call(this, path, ...rest); };\n}\n",
    );
    const binUrl = `${pathToFileURL(binDir).href}/`;
    for (const argv of [['verify', '--key', 'bundle.pub'], ['diff', '--against', 'mcp-lock.json'], ['policy', 'check', '--preset', 'strict'], ['--help']]) {
      const r = spawnSync(process.execPath, ['--require', reads, '--import', register, builtCli, ...argv], { cwd: scratch.dir, env: { ...env(), NODE_DEBUG: 'module' }, encoding: 'utf8' });
      expect({ argv, status: r.status }).toEqual({ argv, status: 0 });
      const esm = [...r.stderr.matchAll(/^LOADED (\S+)$/gm)].map((m) => m[1]!);
      expect(esm).toContain(pathToFileURL(builtCli).href);
      expect({ argv, outside: esm.filter((url) => !url.startsWith(binUrl) && !url.startsWith('node:')) }).toEqual({ argv, outside: [] });
      const required = [...new Set([...r.stderr.matchAll(/^MODULE \d+: load "([^"]+)"/gm)].map((m) => m[1]!))].filter((path) => path !== reads);
      expect({ argv, required }).toEqual({ argv, required: [builtCli, join(binDir, 'load.js')] });
      // readFileSync opens through openSync: each path once.
      const code = [...new Set([...r.stderr.matchAll(/^READ (\S+\.(?:js|cjs|mjs|cache))$/gm)].map((m) => m[1]!))].filter((path) => !required.includes(path));
      const build = join(binDir, argv[0] === '--help' ? 'all' : argv[0]!);
      expect({ argv, outside: code.filter((path) => !path.startsWith(`${build}/`)) }).toEqual({ argv, outside: [] });
      // Every file the run compiled had its cache from the build's own runs of these commands.
      const sources = code.filter((path) => path.endsWith('.js'));
      expect(sources).toContain(join(build, 'program.js'));
      expect({ argv, cached: code.filter((path) => path.endsWith('.cache')) }).toEqual({ argv, cached: sources.map((path) => `${path}.cache`) });
    }
  }, 60_000);

  it('--debug stack traces name the TypeScript sources; without it there is no stack', async () => {
    const debug = await spawnCli(['verify', '--debug', '--key', 'missing.pub'], { cwd: scratch.dir, env: env() });
    expect(debug.code).toBe(2);
    expect(debug.stderr).toMatch(/^error: cannot read public key .*missing\.pub/);
    // A frame of the command, mapped back from the chunk to cmd/commands/verify.ts:LINE:COLUMN.
    expect(debug.stderr).toMatch(/\n\s+at .*[/\\]cmd[/\\]commands[/\\]verify\.ts:\d+:\d+\)?\n/);
    // No frame left in a chunk of the bundle (only the bin's own, which loads before --debug is seen).
    expect(debug.stderr).not.toMatch(/dist[/\\]bin[/\\][a-z]+[/\\]/);
    const plain = await spawnCli(['verify', '--key', 'missing.pub'], { cwd: scratch.dir, env: env() });
    expect(plain.code).toBe(2);
    expect(plain.stderr).not.toMatch(/\n\s+at /);
  });
});
