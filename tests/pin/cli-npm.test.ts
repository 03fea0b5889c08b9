// npm launch identity end to end, against the loopback registry (tests/helpers/npm-registry.ts)
// and a real `npx`: lock pins version, integrity and the installed tree; check fails on each
// change with the surface unchanged; an unreachable registry is exit 3 naming it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, runCli, tempDir } from '../helpers/cli.js';
import { npmEnv, startNpmRegistry, type NpmRegistryFixture } from '../helpers/npm-registry.js';

const serverSource = readFileSync(join(repoRoot, 'testdata', 'npm-registry', 'mcp-server.mjs'), 'utf8');
const pkg = (name: string, version: string, extra: Record<string, string> = {}, dependencies: Record<string, string> = { 'fx-pin-dep': '^1.0.0' }) => ({
  name,
  version,
  files: { 'server.mjs': serverSource, ...extra },
  bin: { [name]: 'server.mjs' },
  dependencies,
});
const dep = (version: string, body = 'module.exports = 1;\n') => ({ name: 'fx-pin-dep', version, files: { 'index.js': body } });

let registry: NpmRegistryFixture;
let home: ReturnType<typeof tempDir>;
let good: { integrity: string };
let runs = 0;

beforeAll(async () => {
  registry = await startNpmRegistry();
  home = tempDir('mcptrust-pin-npm-');
  registry.publish(dep('1.0.0'));
  good = registry.publish(pkg('fx-pin', '1.0.0'));
  registry.publish(pkg('fx-pin-other', '1.0.0'));
});
afterAll(async () => {
  await registry.close();
  home.cleanup();
});

/** The CLI with npm pointed at the loopback registry only, for mcptrust and (via --env) the server. */
function cli(command: string, argv: string[], registryUrl = registry.url) {
  // A fresh npm cache each run, as on a CI runner: npm and npx would otherwise answer from the
  // packuments they cached a moment ago, before the registry changed.
  const npm = { ...npmEnv(registryUrl, home.dir), npm_config_cache: join(home.dir, `cache-${++runs}`) };
  const envFlags = Object.entries(npm)
    .filter(([k]) => k.startsWith('npm_config_'))
    .flatMap(([k, v]) => ['--env', `${k}=${v}`]);
  return runCli([command, ...envFlags, '--timeout', '60s', ...argv], { cwd: home.dir, env: { PATH: process.env.PATH, HOME: home.dir } });
}
const lockJson = () => JSON.parse(readFileSync(join(home.dir, 'mcp-lock.json'), 'utf8'));

describe('an npm launch is pinned to its exact bytes', () => {
  it('lock records version, the tarball integrity and the installed tree; check passes on the same bytes', async () => {
    const r = await cli('lock', ['--', 'npx', '-y', 'fx-pin']);
    expect(r.code, r.stderr).toBe(0);
    const artifact = lockJson().servers['npm-fixture'].artifact;
    expect(artifact).toMatchObject({ type: 'npm', spec: 'fx-pin', name: 'fx-pin', version: '1.0.0', integrity: good.integrity });
    expect(artifact.dependencies.map((d: { path: string; version: string }) => `${d.path}@${d.version}`)).toEqual(['node_modules/fx-pin@1.0.0', 'node_modules/fx-pin-dep@1.0.0']);
    // Nothing machine-specific is recorded: no registry URL, no home folder.
    expect(JSON.stringify(lockJson())).not.toContain(home.dir);
    expect(JSON.stringify(lockJson())).not.toContain('127.0.0.1');
    const checked = await cli('check', ['--', 'npx', '-y', 'fx-pin']);
    expect(checked.code, checked.stdout + checked.stderr).toBe(0);
  }, 180_000);

  it('the same version re-published with other bytes: check fails, critical', async () => {
    registry.republish(pkg('fx-pin', '1.0.0', { 'extra.js': '// other code\n' }));
    try {
      const r = await cli('check', ['--format', 'json', '--', 'npx', '-y', 'fx-pin']);
      expect(r.code).toBe(1);
      const drift = JSON.parse(r.stdout).drift;
      expect(JSON.stringify(drift)).toMatch(/npm \\"fx-pin\\"@1\.0\.0 was re-published with other bytes/);
      expect(JSON.stringify(drift)).toMatch(/"severity":"critical"/);
    } finally {
      registry.republish(pkg('fx-pin', '1.0.0'));
    }
  }, 180_000);

  it('a changed transitive dependency: check fails and says which', async () => {
    registry.publish(dep('1.0.1'));
    const r = await cli('diff', ['--format', 'json', '--', 'npx', '-y', 'fx-pin']);
    expect(r.code, r.stderr).toBe(1);
    expect(JSON.parse(r.stdout).changes[0].reasons, r.stdout).toContain('dependency "fx-pin-dep" changed version: 1.0.0 → 1.0.1');
  }, 180_000);

  it('a new latest: check fails, old → new version', async () => {
    registry.publish(pkg('fx-pin', '1.1.0'));
    const r = await cli('diff', ['--format', 'json', '--', 'npx', '-y', 'fx-pin']);
    expect(r.code, r.stderr).toBe(1);
    expect(JSON.parse(r.stdout).changes[0].reasons).toContain('a new version behind "fx-pin" is run: 1.0.0 → 1.1.0');
  }, 180_000);

  it('another package (other args): check fails, high', async () => {
    const r = await cli('diff', ['--format', 'json', '--', 'npx', '-y', 'fx-pin-other']);
    expect(r.code).toBe(1);
    const reasons = JSON.parse(r.stdout).changes[0].reasons.join('\n');
    expect(reasons).toMatch(/launched with other arguments/);
    expect(reasons).toMatch(/another package: npm "fx-pin"@1\.0\.0 → npm "fx-pin-other"@1\.0\.0/);
  }, 180_000);

  it('an unreachable registry: exit 3 naming it, nothing written', async () => {
    const before = readFileSync(join(home.dir, 'mcp-lock.json'));
    const r = await cli('lock', ['--force', '--timeout', '5s', '--', 'npx', '-y', 'fx-pin'], 'http://127.0.0.1:9/');
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/127\.0\.0\.1:9/);
    expect(readFileSync(join(home.dir, 'mcp-lock.json'))).toEqual(before);
  }, 180_000);
});
