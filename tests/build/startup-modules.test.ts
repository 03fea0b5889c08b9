// Start-up of the offline commands (issue 13): what a short `verify`, `diff --against` or
// `policy check` loads of Node itself is most of what it costs after node's own start-up. These
// built-ins are loaded only by commands that need them (the network, a terminal, timers of
// perf_hooks), so an offline command on a small lockfile with its output piped must not load them.
// Nor does a `verify` that succeeds load @noble/ed25519: node:crypto answers valid signatures by
// valid keys, and noble (the reference for every "no") is loaded only for a "no".
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtCli, fixtureServer, spawnCli, tempDir } from '../helpers/cli.js';

const HEAVY = ['net', 'tty', 'dns', 'dns/promises', 'perf_hooks', 'http', 'https', 'child_process', 'worker_threads'];

describe('offline commands load no network, terminal or timing built-ins', () => {
  let scratch: ReturnType<typeof tempDir>;
  const env = () => ({ PATH: process.env.PATH, HOME: scratch.dir, NO_COLOR: '1' });
  let report: string;
  beforeAll(async () => {
    scratch = tempDir();
    for (const argv of [['lock', '--', ...fixtureServer('example-server.mjs')], ['keygen', '--name', 'startup'], ['sign', '--key', 'startup.key']]) {
      expect((await spawnCli(argv, { cwd: scratch.dir, env: env() })).code).toBe(0);
    }
    report = join(scratch.dir, 'report.cjs');
    writeFileSync(report, "process.on('exit', () => require('node:fs').writeSync(2, `BUILTINS ${process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13)).join(' ')}\\n`));\n");
  }, 60_000);
  afterAll(() => scratch.cleanup());

  /**
   * The files of dist/bin a run compiles (dist/bin/load.js compiles each with node:vm's Script,
   * Node's loader under --debug) and the sources their source maps name.
   */
  function compiledSources(argv: string[]): { status: number | null; files: string[]; sources: Set<string> } {
    const hook = join(scratch.dir, 'scripts.cjs');
    writeFileSync(
      hook,
      `const vm = require('node:vm'); const Module = require('node:module'); const files = new Set();
const Script = vm.Script;
vm.Script = class extends Script { constructor(source, options) { super(source, options); if (options && options.filename) files.add(options.filename); } };
const compile = Module.prototype._compile;
Module.prototype._compile = function (content, filename) { files.add(filename); return compile.call(this, content, filename); };
process.on('exit', () => require('node:fs').writeSync(2, \`SCRIPTS \${JSON.stringify([...files])}\\n\`));
`,
    );
    const r = spawnSync(process.execPath, ['--require', hook, builtCli, ...argv], { cwd: scratch.dir, env: env(), encoding: 'utf8' });
    const files = (JSON.parse(r.stderr.match(/^SCRIPTS (.*)$/m)?.[1] ?? '[]') as string[]).filter((f) => f.startsWith(join(builtCli, '..')));
    const sources = new Set<string>();
    for (const file of files) {
      if (!existsSync(`${file}.map`)) continue;
      for (const source of (JSON.parse(readFileSync(`${file}.map`, 'utf8')) as { sources: string[] }).sources) sources.add(source.replace(/^(\.\.\/)+/, ''));
    }
    return { status: r.status, files, sources };
  }
  const noble = (sources: Set<string>) => [...sources].filter((s) => s.includes('node_modules/@noble/'));

  it('mcptrust verify of a valid signature by a valid key loads no @noble/ed25519', () => {
    const run = compiledSources(['verify', '--key', 'startup.pub']);
    expect(run.status).toBe(0);
    // The run is seen: the command's own code and the native Ed25519 module are among the files.
    expect(run.sources).toContain('cmd/commands/verify.ts');
    expect(run.sources).toContain('src/crypto/ed25519-native.ts');
    expect(noble(run.sources)).toEqual([]);
  });

  it('mcptrust verify of a changed lockfile loads noble, to decide the "no" (the check above can see it)', () => {
    const lock = readFileSync(join(scratch.dir, 'mcp-lock.json'), 'utf8');
    // One byte more than what was signed.
    writeFileSync(join(scratch.dir, 'changed-lock.json'), `${lock}\n`);
    const run = compiledSources(['verify', '--key', 'startup.pub', '--lock', 'changed-lock.json', '--sig', 'mcp-lock.json.sig']);
    expect(run.status).toBe(1);
    expect(noble(run.sources)).toEqual(['node_modules/@noble/ed25519/index.js']);
  });

  it('mcptrust --version compiles no program file: the bin answers it alone', () => {
    const run = compiledSources(['--version']);
    expect(run.status).toBe(0);
    // Only the bin itself (dist/bin/mcptrust.js), which holds the version and the output code.
    expect(run.files.map((f) => f.slice(join(builtCli, '..').length + 1))).toEqual(['mcptrust.js']);
    expect(run.sources).toContain('cmd/print-version.ts');
    expect(run.sources).toContain('cmd/io.ts');
  });

  for (const argv of [['verify', '--key', 'startup.pub'], ['diff', '--against', 'mcp-lock.json'], ['policy', 'check', '--preset', 'strict'], ['--version']]) {
    it(`mcptrust ${argv.join(' ')}`, () => {
      // stdin, stdout and stderr are pipes, as in CI.
      const r = spawnSync(process.execPath, ['--require', report, builtCli, ...argv], { cwd: scratch.dir, env: env(), encoding: 'utf8' });
      expect(r.status).toBe(0);
      const loaded = new Set(r.stderr.match(/^BUILTINS (.*)$/m)?.[1]?.split(' '));
      expect(loaded.size).toBeGreaterThan(10);
      expect({ argv, heavy: HEAVY.filter((m) => loaded.has(m)) }).toEqual({ argv, heavy: [] });
    });
  }
});
