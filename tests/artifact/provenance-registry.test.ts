/**
 * npmProvenance against the loopback registry fixture: one request per package, the real
 * attestation document verified through the fetch path, and a registry that is missing, broken,
 * oversized or unreachable.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pinLaunch } from '../../src/artifact/index.js';
import { ArtifactError } from '../../src/artifact/errors.js';
import { MAX_ATTESTATIONS_BYTES, npmProvenance } from '../../src/artifact/provenance.js';
import { tempDir } from '../helpers/cli.js';
import { npmEnv, startNpmRegistry, type NpmRegistryFixture } from '../helpers/npm-registry.js';
import { slsaV1Statement, sriOf, startMockSigstore } from './provenance-mock.js';

const REAL = readFileSync(new URL('../../testdata/provenance/playwright-cli-0.1.1-attestations.json', import.meta.url), 'utf8');
const PLAYWRIGHT = {
  name: '@playwright/cli',
  version: '0.1.1',
  integrity: 'sha512-9k11ZfDwAfMVDDIuEVW1Wvs8SoDNXIY1dNQ+9C9/SS8ZmElkcxesu5eoL7vNa96ntibUGaq1TM2qQoqvdl/I9g==',
};
const PKG = { name: '@acme/mcp-server', version: '1.2.3', integrity: sriOf(Buffer.from('acme tarball')) };

let registry: NpmRegistryFixture;
// No retries: a failing answer is reported at once (what is retried in production is the caller's choice).
const options = () => ({ registry: { registry: registry.url, retry: { retries: 0 } } });

beforeAll(async () => {
  registry = await startNpmRegistry();
});
afterAll(async () => {
  await registry.close();
});

describe('npmProvenance through a registry', () => {
  it('fetches the attestations with one request and verifies the real bundle offline', async () => {
    registry.attestations(PLAYWRIGHT.name, PLAYWRIGHT.version, JSON.parse(REAL));
    const before = registry.requests.length;
    const record = await npmProvenance(PLAYWRIGHT, options());
    expect(record).toEqual({
      verified: true,
      sourceRepository: 'https://github.com/microsoft/playwright-cli',
      sourceCommit: 'd1c6d1113932ddcee243e8b111b6d4aea553df20',
      workflow: '.github/workflows/publish.yml',
      builder: 'https://github.com/actions/runner/github-hosted',
    });
    expect(registry.requests.slice(before)).toEqual(['GET /-/npm/v1/attestations/@playwright/cli@0.1.1']);
  });

  it('--expected-source is applied to the fetched provenance', async () => {
    registry.attestations(PLAYWRIGHT.name, PLAYWRIGHT.version, JSON.parse(REAL));
    const record = await npmProvenance(PLAYWRIGHT, { ...options(), expectedSource: /^https:\/\/github\.com\/acme\// });
    expect(record).toMatchObject({ verified: false, reason: 'source https://github.com/microsoft/playwright-cli does not match --expected-source' });
  });

  it('a version without attestations (404) has no provenance: undefined', async () => {
    expect(await npmProvenance({ ...PKG, version: '9.9.9' }, options())).toBeUndefined();
  });

  it('a bundle made by another Sigstore (the mock) is not verified against the shipped public-good root', async () => {
    const sigstore = await startMockSigstore();
    const ci = { repository: 'https://github.com/acme/mcp-server', commit: 'a'.repeat(40), workflow: '.github/workflows/release.yml', ref: 'refs/tags/v1.2.3' };
    const bundle = await sigstore.bundle(slsaV1Statement(PKG.name, PKG.version, Buffer.from('acme tarball'), ci), ci);
    registry.attestations(PKG.name, PKG.version, { attestations: [{ predicateType: 'https://slsa.dev/provenance/v1', bundle }] });
    const record = await npmProvenance(PKG, options());
    expect(record?.verified).toBe(false);
    expect(record?.reason).toMatch(/^the (signing certificate is not trusted|transparency-log entry does not verify)/);
  });

  it('garbage instead of an attestations document is recorded as not verified', async () => {
    registry.route(`/-/npm/v1/attestations/${PKG.name}@2.0.0`, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('<html>not json</html>');
    });
    expect(await npmProvenance({ ...PKG, version: '2.0.0' }, options())).toEqual({ verified: false, reason: 'the attestations document is not JSON' });
  });

  it.each([
    ['declared by content-length', true],
    ['streamed without a length', false],
  ])(`a document larger than ${MAX_ATTESTATIONS_BYTES} bytes is refused by its bound (%s)`, async (_label, declared) => {
    const version = declared ? '3.0.0' : '3.0.1';
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const total = MAX_ATTESTATIONS_BYTES + chunk.length;
    registry.route(`/-/npm/v1/attestations/${PKG.name}@${version}`, (_req, res) => {
      res.writeHead(200, declared ? { 'content-type': 'application/json', 'content-length': total } : { 'content-type': 'application/json' });
      let sent = 0;
      const pump = (): void => {
        while (sent < total) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.on('error', () => undefined);
      pump();
    });
    expect(await npmProvenance({ ...PKG, version }, options())).toEqual({
      verified: false,
      reason: `the attestations document is larger than ${MAX_ATTESTATIONS_BYTES} bytes`,
    });
  });

  it('a registry answering an error status is unusable: ArtifactError server, named by origin only', async () => {
    registry.route(`/-/npm/v1/attestations/${PKG.name}@4.0.0`, (_req, res) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('boom');
    });
    const withToken = { registry: { registry: registry.url.replace('http://', 'http://user:s3cret-token@'), retry: { retries: 0 } } };
    const error = await npmProvenance({ ...PKG, version: '4.0.0' }, withToken).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArtifactError);
    expect(error).toMatchObject({ kind: 'server', category: 'server', code: 'REGISTRY_UNREACHABLE' });
    const origin = new URL(registry.url).origin;
    expect((error as Error).message).toBe(`registry ${origin} answered HTTP 500`);
    expect((error as Error).message).not.toContain('s3cret');
  });

  it('an unreachable registry is ArtifactError server (exit 3)', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    const error = await npmProvenance(PKG, { registry: { registry: `http://127.0.0.1:${port}/`, retry: { retries: 0 } } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArtifactError);
    expect(error).toMatchObject({ kind: 'server', code: 'REGISTRY_UNREACHABLE' });
    expect((error as Error).message).toBe(`registry http://127.0.0.1:${port} could not be reached (ECONNREFUSED)`);
  });
});

describe('pinning an npm launch records artifact.provenance (one request, only when announced)', () => {
  const ci = { repository: 'https://github.com/acme/fx-attested', commit: 'b'.repeat(40), workflow: '.github/workflows/release.yml', ref: 'refs/tags/v1.0.0' };
  const files = { 'index.js': 'module.exports = 1;\n' };
  let home: ReturnType<typeof tempDir>;
  beforeAll(() => {
    home = tempDir('mcptrust-prov-');
  });
  afterAll(() => home.cleanup());
  const pin = (spec: string) => pinLaunch({ command: 'npx', args: ['-y', spec] }, { cwd: home.dir, lockDir: home.dir, env: npmEnv(registry.url, home.dir) });
  const attestationRequests = (from: number) => registry.requests.slice(from).filter((r) => r.includes('/-/npm/v1/attestations/'));

  it('a package whose registry announces attestations gets them checked: a mock-Sigstore bundle is recorded as not verified', async () => {
    registry.publish({ name: 'fx-attested', version: '1.0.0', files });
    const sigstore = await startMockSigstore();
    const tarball = registry.packument('fx-attested') as { versions: Record<string, { dist: { integrity: string } }> };
    const sha512Hex = Buffer.from(tarball.versions['1.0.0']!.dist.integrity.slice('sha512-'.length), 'base64').toString('hex');
    const bundle = await sigstore.bundle(slsaV1Statement('fx-attested', '1.0.0', { sha512Hex }, ci), ci);
    registry.attestations('fx-attested', '1.0.0', { attestations: [{ predicateType: 'https://slsa.dev/provenance/v1', bundle }] });
    const before = registry.requests.length;
    const result = await pin('fx-attested');
    expect(result).toMatchObject({ type: 'npm', name: 'fx-attested', version: '1.0.0', provenance: { verified: false } });
    expect(result.provenance?.reason).toMatch(/^the (signing certificate is not trusted|transparency-log entry does not verify)/);
    expect(attestationRequests(before)).toEqual(['GET /-/npm/v1/attestations/fx-attested@1.0.0']);
  });

  it('the real attestation served for a look-alike tarball of the same name and version is refused: another tarball', async () => {
    registry.publish({ name: '@playwright/cli', version: '0.1.1', files });
    registry.attestations('@playwright/cli', '0.1.1', JSON.parse(REAL));
    const result = await pin('@playwright/cli@0.1.1');
    expect(result.provenance).toEqual({ verified: false, reason: 'the provenance subject is another tarball (its sha512 is not the pinned integrity)' });
  });

  it('a package without announced attestations costs no request and records no provenance', async () => {
    registry.publish({ name: 'fx-plain', version: '1.0.0', files });
    const before = registry.requests.length;
    const result = await pin('fx-plain');
    expect(result).toMatchObject({ type: 'npm', name: 'fx-plain' });
    expect(result).not.toHaveProperty('provenance');
    expect(attestationRequests(before)).toEqual([]);
  });
});
