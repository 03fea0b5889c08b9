// `mcptrust lock` against the loopback registry and a real `npx`: a package whose registry
// announces attestations gets `artifact.provenance` in the lockfile (here a bundle made by
// @sigstore/mock, which the shipped public-good root does not trust: recorded as not verified,
// with its reason), and `check` on the same bytes passes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, runCli, tempDir } from '../helpers/cli.js';
import { npmEnv, startNpmRegistry, type NpmRegistryFixture } from '../helpers/npm-registry.js';
import { slsaV1Statement, startMockSigstore } from './provenance-mock.js';

const serverSource = readFileSync(join(repoRoot, 'testdata', 'npm-registry', 'mcp-server.mjs'), 'utf8');
const CI = { repository: 'https://github.com/acme/fx-prov', commit: 'c'.repeat(40), workflow: '.github/workflows/release.yml', ref: 'refs/tags/v1.0.0' };

let registry: NpmRegistryFixture;
let home: ReturnType<typeof tempDir>;
let runs = 0;

beforeAll(async () => {
  registry = await startNpmRegistry();
  home = tempDir('mcptrust-prov-cli-');
  const published = registry.publish({ name: 'fx-prov', version: '1.0.0', files: { 'server.mjs': serverSource }, bin: { 'fx-prov': 'server.mjs' } });
  const sha512Hex = Buffer.from(published.integrity.slice('sha512-'.length), 'base64').toString('hex');
  const sigstore = await startMockSigstore();
  const bundle = await sigstore.bundle(slsaV1Statement('fx-prov', '1.0.0', { sha512Hex }, CI), CI);
  registry.attestations('fx-prov', '1.0.0', { attestations: [{ predicateType: 'https://slsa.dev/provenance/v1', bundle }] });
});
afterAll(async () => {
  await registry.close();
  home.cleanup();
});

function cli(command: string, argv: string[]) {
  const npm = { ...npmEnv(registry.url, home.dir), npm_config_cache: join(home.dir, `cache-${++runs}`) };
  const envFlags = Object.entries(npm)
    .filter(([k]) => k.startsWith('npm_config_'))
    .flatMap(([k, v]) => ['--env', `${k}=${v}`]);
  return runCli([command, ...envFlags, '--timeout', '60s', ...argv], { cwd: home.dir, env: { PATH: process.env.PATH, HOME: home.dir } });
}

describe('lock records artifact.provenance', () => {
  it('an announced attestation that does not verify is recorded as not verified with its reason; check passes on the same bytes', async () => {
    const before = registry.requests.length;
    const r = await cli('lock', ['--', 'npx', '-y', 'fx-prov']);
    expect(r.code, r.stderr).toBe(0);
    const lock = JSON.parse(readFileSync(join(home.dir, 'mcp-lock.json'), 'utf8'));
    const artifact = Object.values(lock.servers as Record<string, { artifact: { name: string; provenance?: { verified: boolean; reason?: string } } }>)[0]!.artifact;
    expect(artifact.name).toBe('fx-prov');
    expect(artifact.provenance?.verified).toBe(false);
    expect(artifact.provenance?.reason).toMatch(/^the (signing certificate is not trusted|transparency-log entry does not verify)/);
    expect(registry.requests.slice(before).filter((p) => p.includes('/-/npm/v1/attestations/'))).toEqual(['GET /-/npm/v1/attestations/fx-prov@1.0.0']);
    // Nothing machine-specific: the registry URL is not recorded.
    expect(JSON.stringify(lock)).not.toContain('127.0.0.1');
    const checked = await cli('check', ['--', 'npx', '-y', 'fx-prov']);
    expect(checked.code, checked.stdout + checked.stderr).toBe(0);
  }, 180_000);
});
