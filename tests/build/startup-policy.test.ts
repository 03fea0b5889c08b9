// `policy check --preset strict` on a small lockfile (issue 13): the preset comes parsed from the
// build, so the YAML parser is not loaded, and neither are the live-server modules' node:fs/promises.
// A policy file still goes through the YAML parser, and a preset file edited after the build is
// parsed from its text: the parsed copy is only ever used for the exact text it was made from.
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtCli, fixtureServer, repoRoot, spawnCli, tempDir } from '../helpers/cli.js';

/** Records every file the bin's loader compiles and the built-ins loaded, printed at exit. */
const REPORT = `
const vm = require('node:vm');
const files = [];
const Script = vm.Script;
vm.Script = class extends Script { constructor(source, options) { super(source, options); files.push(options.filename); } };
process.on('exit', () => require('node:fs').writeSync(2, 'LOADED ' + JSON.stringify({ files, builtins: process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13)) }) + '\\n'));
`;

/** Whether any compiled file of the build holds code of the yaml package (its source map names it). */
const loadsYaml = (files: string[]) => files.some((f) => f.endsWith('.js') && readFileSync(`${f}.map`, 'utf8').includes('node_modules/yaml/'));

describe('policy check --preset loads no YAML parser', () => {
  let scratch: ReturnType<typeof tempDir>;
  const env = () => ({ PATH: process.env.PATH, HOME: scratch.dir, NO_COLOR: '1' });
  let report: string;
  const run = (bin: string, argv: string[]) => {
    const r = spawnSync(process.execPath, ['--require', report, bin, ...argv], { cwd: scratch.dir, env: env(), encoding: 'utf8' });
    const line = r.stderr.match(/^LOADED (.*)$/m)?.[1];
    return { status: r.status, stdout: r.stdout, loaded: JSON.parse(line ?? '{"files":[],"builtins":[]}') as { files: string[]; builtins: string[] } };
  };
  beforeAll(async () => {
    scratch = tempDir();
    expect((await spawnCli(['lock', '--', ...fixtureServer('example-server.mjs')], { cwd: scratch.dir, env: env() })).code).toBe(0);
    report = join(scratch.dir, 'report.cjs');
    writeFileSync(report, REPORT);
    writeFileSync(join(scratch.dir, 'org.yaml'), "name: org\nrules:\n  - name: has_tools\n    expr: 'size(input.tools) > 0'\n");
  }, 60_000);
  afterAll(() => scratch.cleanup());

  it('--preset strict: no yaml package, no node:fs/promises', () => {
    const r = run(builtCli, ['policy', 'check', '--preset', 'strict']);
    expect(r.stdout).toContain('policy passed');
    expect(r.status).toBe(0);
    expect(r.loaded.files.length).toBeGreaterThan(5);
    expect(loadsYaml(r.loaded.files)).toBe(false);
    expect(r.loaded.builtins.filter((m) => m.includes('fs/promises'))).toEqual([]);
  });

  it('--policy FILE: the YAML parser reads it', () => {
    const r = run(builtCli, ['policy', 'check', '--policy', 'org.yaml']);
    expect(r.status).toBe(0);
    expect(loadsYaml(r.loaded.files)).toBe(true);
  });

  it('a preset edited after the build is read from its YAML, edit included', () => {
    // A copy of the installation (the bin finds policies/ beside its dist/).
    const install = join(scratch.dir, 'install');
    cpSync(join(repoRoot, 'dist', 'bin'), join(install, 'dist', 'bin'), { recursive: true });
    cpSync(join(repoRoot, 'policies'), join(install, 'policies'), { recursive: true });
    cpSync(join(repoRoot, 'package.json'), join(install, 'package.json'));
    symlinkSync(join(repoRoot, 'node_modules'), join(install, 'node_modules'));
    const bin = join(install, 'dist', 'bin', 'mcptrust.js');
    const strict = join(install, 'policies', 'strict.yaml');
    const shipped = run(bin, ['policy', 'check', '--preset', 'strict', '--format', 'json']);
    expect(loadsYaml(shipped.loaded.files)).toBe(false);
    writeFileSync(strict, readFileSync(strict, 'utf8').replace('name: strict\n', 'name: strict-edited\n'));
    const edited = run(bin, ['policy', 'check', '--preset', 'strict', '--format', 'json']);
    expect(loadsYaml(edited.loaded.files)).toBe(true);
    const names = (stdout: string) => (JSON.parse(stdout) as { policy: { policies?: { name: string }[] } }).policy;
    expect(JSON.stringify(names(shipped.stdout))).toContain('"strict"');
    expect(JSON.stringify(names(edited.stdout))).toContain('"strict-edited"');
    expect(edited.status).toBe(shipped.status);
  });
});
