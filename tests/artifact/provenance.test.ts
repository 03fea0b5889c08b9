/**
 * Offline verification of npm SLSA provenance: bundles made with @sigstore/mock against the
 * mock's own trust root, the same bundles against the real public-good root, and one real
 * registry attestation (testdata/provenance/) against the root @sigstore/tuf ships.
 */
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyNpmAttestations, verifyProvenanceBundle, publicGoodTrustedRoot, MAX_ATTESTATIONS } from '../../src/artifact/provenance.js';
import { slsaV02Statement, slsaV1Statement, sriOf, startMockSigstore, type CiIdentity, type MockSigstore } from './provenance-mock.js';

const NAME = '@acme/mcp-server';
const VERSION = '1.2.3';
const TARBALL = Buffer.from('the exact tarball bytes of @acme/mcp-server@1.2.3');
const PKG = { name: NAME, version: VERSION, integrity: sriOf(TARBALL) };
const CI: CiIdentity = {
  repository: 'https://github.com/acme/mcp-server',
  commit: '0123456789abcdef0123456789abcdef01234567',
  workflow: '.github/workflows/release.yml',
  ref: 'refs/tags/v1.2.3',
};

function doc(bundle: unknown, predicateType = 'https://slsa.dev/provenance/v1'): string {
  return JSON.stringify({ attestations: [{ predicateType, bundle }] });
}

let sigstore: MockSigstore;
let good: Record<string, unknown>;
beforeAll(async () => {
  sigstore = await startMockSigstore();
  good = await sigstore.bundle(slsaV1Statement(NAME, VERSION, TARBALL, CI), CI);
});

describe('npm provenance verified offline (mock Sigstore, injected trust root)', () => {
  it('a bundle for this exact tarball verifies and records repository, commit, workflow and builder', () => {
    expect(verifyNpmAttestations(doc(good), PKG, { trustedRoot: sigstore.trustedRoot })).toEqual({
      verified: true,
      sourceRepository: CI.repository,
      sourceCommit: CI.commit,
      workflow: CI.workflow,
      builder: 'https://github.com/actions/runner/github-hosted',
    });
  });

  it('an SLSA v0.2 statement verifies too', async () => {
    const b = await sigstore.bundle(slsaV02Statement(NAME, VERSION, TARBALL, CI), CI);
    expect(verifyNpmAttestations(doc(b, 'https://slsa.dev/provenance/v0.2'), PKG, { trustedRoot: sigstore.trustedRoot })).toMatchObject({
      verified: true,
      sourceRepository: CI.repository,
      sourceCommit: CI.commit,
      workflow: CI.workflow,
      builder: 'https://github.com/actions/runner',
    });
  });

  it('a certificate with only the legacy GitHub extensions (issued before Fulcio v2 ones) verifies from them and its SAN', async () => {
    const b = await sigstore.bundle(slsaV1Statement(NAME, VERSION, TARBALL, CI), CI, { legacyExtensions: true });
    expect(verifyNpmAttestations(doc(b), PKG, { trustedRoot: sigstore.trustedRoot })).toMatchObject({
      verified: true,
      sourceRepository: CI.repository,
      sourceCommit: CI.commit,
      workflow: CI.workflow,
    });
    const other = await sigstore.bundle(slsaV1Statement(NAME, VERSION, TARBALL, { ...CI, repository: 'https://github.com/trusted/project' }), CI, { legacyExtensions: true });
    expect(verifyNpmAttestations(doc(other), PKG, { trustedRoot: sigstore.trustedRoot })?.verified).toBe(false);
  });

  it('a bundle for another package is refused', async () => {
    const b = await sigstore.bundle(slsaV1Statement('@acme/other', VERSION, TARBALL, CI), CI);
    const record = verifyNpmAttestations(doc(b), PKG, { trustedRoot: sigstore.trustedRoot });
    expect(record).toEqual({ verified: false, reason: 'the provenance is for another package, not pkg:npm/%40acme/mcp-server@1.2.3' });
  });

  it('a bundle for another version of the package is refused', async () => {
    const b = await sigstore.bundle(slsaV1Statement(NAME, '1.2.4', TARBALL, CI), CI);
    expect(verifyNpmAttestations(doc(b), PKG, { trustedRoot: sigstore.trustedRoot })?.verified).toBe(false);
  });

  it('a bundle whose subject is another tarball (a re-publish) is refused', () => {
    const other = { ...PKG, integrity: sriOf(Buffer.from('other bytes')) };
    expect(verifyNpmAttestations(doc(good), other, { trustedRoot: sigstore.trustedRoot })).toEqual({
      verified: false,
      reason: 'the provenance subject is another tarball (its sha512 is not the pinned integrity)',
    });
  });

  it('a pinned integrity without sha512 cannot be compared and is not verified', () => {
    const sha1 = { ...PKG, integrity: `sha1-${createHash('sha1').update(TARBALL).digest('base64')}` };
    expect(verifyNpmAttestations(doc(good), sha1, { trustedRoot: sigstore.trustedRoot })).toEqual({
      verified: false,
      reason: 'the pinned integrity has no sha512 digest to compare with the provenance subject',
    });
  });

  it('a tampered signature is refused', () => {
    const tampered = structuredClone(good) as { dsseEnvelope: { signatures: { sig: string }[] } };
    const sig = Buffer.from(tampered.dsseEnvelope.signatures[0]!.sig, 'base64');
    sig[sig.length - 1] = sig[sig.length - 1]! ^ 1;
    tampered.dsseEnvelope.signatures[0]!.sig = sig.toString('base64');
    const record = verifyNpmAttestations(doc(tampered), PKG, { trustedRoot: sigstore.trustedRoot });
    expect(record?.verified).toBe(false);
    // The log entry names the original signature, so the mismatch is caught there first.
    expect(record?.reason).toBe('the transparency-log entry does not verify for this signature');
  });

  it('a tampered payload (the statement swapped after signing) is refused', () => {
    const tampered = structuredClone(good) as { dsseEnvelope: { payload: string } };
    const statement = slsaV1Statement(NAME, VERSION, TARBALL, { ...CI, repository: 'https://github.com/evil/fork' });
    tampered.dsseEnvelope.payload = Buffer.from(JSON.stringify(statement)).toString('base64');
    const record = verifyNpmAttestations(doc(tampered), PKG, { trustedRoot: sigstore.trustedRoot });
    expect(record).toEqual({ verified: false, reason: 'the transparency-log entry does not verify for this signature' });
  });

  it('a certificate logged after its ten-minute validity window is refused (verification uses the logged time)', async () => {
    const issued = sigstore.issuedAt;
    const late = await sigstore.bundle(slsaV1Statement(NAME, VERSION, TARBALL, CI), CI, {
      logAt: new Date(issued.getTime() + 11 * 60 * 1000),
    });
    expect(verifyNpmAttestations(doc(late), PKG, { trustedRoot: sigstore.trustedRoot })).toEqual({
      verified: false,
      reason: 'the signing certificate is not trusted at the logged time (no chain to the trusted Fulcio root, expired, or no valid SCT)',
    });
  });

  it('a mock-made bundle checked against the real public-good root is not verified', () => {
    const record = verifyNpmAttestations(doc(good), PKG);
    expect(record?.verified).toBe(false);
    expect(record?.reason).toMatch(/^the (signing certificate is not trusted|transparency-log entry does not verify)/);
  });

  it('a bundle from another trust root (another mock Sigstore) is not verified', async () => {
    const other = await startMockSigstore();
    const b = await other.bundle(slsaV1Statement(NAME, VERSION, TARBALL, CI), CI);
    expect(verifyNpmAttestations(doc(b), PKG, { trustedRoot: sigstore.trustedRoot })?.verified).toBe(false);
  });

  it('a predicate claiming another repository than the certificate names is refused', async () => {
    const claimed = slsaV1Statement(NAME, VERSION, TARBALL, { ...CI, repository: 'https://github.com/trusted/project' });
    const b = await sigstore.bundle(claimed, CI);
    expect(verifyNpmAttestations(doc(b), PKG, { trustedRoot: sigstore.trustedRoot })).toEqual({
      verified: false,
      reason: 'the provenance claims source https://github.com/trusted/project but was signed for https://github.com/acme/mcp-server',
    });
  });

  it('a predicate claiming another commit or workflow than the certificate is refused', async () => {
    const commit = await sigstore.bundle(slsaV1Statement(NAME, VERSION, TARBALL, { ...CI, commit: 'f'.repeat(40) }), CI);
    expect(verifyNpmAttestations(doc(commit), PKG, { trustedRoot: sigstore.trustedRoot })?.reason).toBe(
      'the provenance claims another commit than the signing certificate',
    );
    const workflow = await sigstore.bundle(slsaV1Statement(NAME, VERSION, TARBALL, { ...CI, workflow: '.github/workflows/other.yml' }), CI);
    expect(verifyNpmAttestations(doc(workflow), PKG, { trustedRoot: sigstore.trustedRoot })?.reason).toBe(
      'the provenance claims another workflow than the signing certificate',
    );
  });

  it('a claim that is not one printable line is refused (it would be written into the lockfile)', async () => {
    const b = await sigstore.bundle(slsaV1Statement(NAME, VERSION, TARBALL, { ...CI, workflow: '.github/workflows/a\nb.yml' }), CI);
    expect(verifyNpmAttestations(doc(b), PKG, { trustedRoot: sigstore.trustedRoot })).toEqual({
      verified: false,
      reason: 'the provenance names a source, workflow or builder that is not one line of at most 1024 characters',
    });
  });

  it('--expected-source must match the certified source repository', () => {
    const ok = verifyNpmAttestations(doc(good), PKG, { trustedRoot: sigstore.trustedRoot, expectedSource: /^https:\/\/github\.com\/acme\// });
    expect(ok?.verified).toBe(true);
    const no = verifyNpmAttestations(doc(good), PKG, { trustedRoot: sigstore.trustedRoot, expectedSource: /^https:\/\/github\.com\/other\// });
    expect(no).toEqual({
      verified: false,
      reason: 'source https://github.com/acme/mcp-server does not match --expected-source',
      sourceRepository: CI.repository,
      sourceCommit: CI.commit,
      workflow: CI.workflow,
      builder: 'https://github.com/actions/runner/github-hosted',
    });
  });

  it('the unsigned outer predicateType does not decide: a signed non-SLSA statement is refused', async () => {
    const statement = { ...(slsaV1Statement(NAME, VERSION, TARBALL, CI) as object), predicateType: 'https://github.com/npm/attestation/tree/main/specs/publish/v0.1' };
    const b = await sigstore.bundle(statement, CI);
    expect(verifyNpmAttestations(doc(b), PKG, { trustedRoot: sigstore.trustedRoot })).toEqual({
      verified: false,
      reason: 'the signed statement is not SLSA provenance',
    });
  });
});

describe('attacker-shaped attestation documents are recorded as not verified', () => {
  const root = () => ({ trustedRoot: sigstore.trustedRoot });
  it.each([
    ['not JSON', '{"attestations": [', 'the attestations document is not JSON'],
    ['no list', '{"attestations": {}}', 'the attestations document has no attestations list'],
    ['only the publish attestation', JSON.stringify({ attestations: [{ predicateType: 'https://github.com/npm/attestation/tree/main/specs/publish/v0.1', bundle: {} }] }), 'no SLSA provenance attestation'],
    ['a bundle that is not a Sigstore bundle', doc({ mediaType: 'nonsense' }), 'the provenance is not a valid Sigstore bundle'],
    ['a bundle without a bundle', doc(undefined), 'the provenance is not a valid Sigstore bundle'],
  ])('%s', (_label, body, reason) => {
    expect(verifyNpmAttestations(body, PKG, root())).toEqual({ verified: false, reason });
  });

  it('an empty attestations list means no provenance (undefined)', () => {
    expect(verifyNpmAttestations('{"attestations":[]}', PKG, root())).toBeUndefined();
  });

  it('two SLSA provenance bundles are refused rather than one picked', () => {
    const body = JSON.stringify({ attestations: [{ predicateType: 'https://slsa.dev/provenance/v1', bundle: good }, { predicateType: 'https://slsa.dev/provenance/v1', bundle: good }] });
    expect(verifyNpmAttestations(body, PKG, root())).toEqual({ verified: false, reason: 'more than one SLSA provenance attestation' });
  });

  it(`more than ${MAX_ATTESTATIONS} attestations are refused`, () => {
    const body = JSON.stringify({ attestations: Array.from({ length: MAX_ATTESTATIONS + 1 }, () => ({ predicateType: 'x', bundle: {} })) });
    expect(verifyNpmAttestations(body, PKG, root())?.reason).toBe(`the attestations document lists more than ${MAX_ATTESTATIONS} attestations`);
  });
});

describe('a real npm registry attestation, verified offline against the shipped public-good root', () => {
  // testdata/provenance/README.md: @playwright/cli@0.1.1 as the registry served it.
  const body = readFileSync(new URL('../../testdata/provenance/playwright-cli-0.1.1-attestations.json', import.meta.url));
  const pkg = {
    name: '@playwright/cli',
    version: '0.1.1',
    integrity: 'sha512-9k11ZfDwAfMVDDIuEVW1Wvs8SoDNXIY1dNQ+9C9/SS8ZmElkcxesu5eoL7vNa96ntibUGaq1TM2qQoqvdl/I9g==',
  };

  it('verifies and records the certified repository, commit and workflow (its certificate expired in February 2026: the logged time decides, not now)', () => {
    expect(verifyNpmAttestations(body, pkg)).toEqual({
      verified: true,
      sourceRepository: 'https://github.com/microsoft/playwright-cli',
      sourceCommit: 'd1c6d1113932ddcee243e8b111b6d4aea553df20',
      workflow: '.github/workflows/publish.yml',
      builder: 'https://github.com/actions/runner/github-hosted',
    });
  });

  it('is refused for another tarball of the same version', () => {
    const other = { ...pkg, integrity: sriOf(Buffer.from('a re-published tarball')) };
    expect(verifyNpmAttestations(body, other)?.reason).toBe('the provenance subject is another tarball (its sha512 is not the pinned integrity)');
  });

  it('is refused against a trust root that is not the one it chains to (the mock root)', () => {
    expect(verifyNpmAttestations(body, pkg, { trustedRoot: sigstore.trustedRoot })?.verified).toBe(false);
  });

  it('the shipped root is the public-good one (Fulcio and Rekor of sigstore.dev)', () => {
    const root = publicGoodTrustedRoot() as { certificateAuthorities: { uri: string }[]; tlogs: { baseUrl: string }[] };
    expect(root.certificateAuthorities.map((ca) => ca.uri)).toContain('https://fulcio.sigstore.dev');
    expect(root.tlogs.map((t) => t.baseUrl)).toContain('https://rekor.sigstore.dev');
  });

  it('a single bundle can be checked on its own', () => {
    const parsed = JSON.parse(body.toString('utf8')) as { attestations: { predicateType: string; bundle: unknown }[] };
    const slsa = parsed.attestations.find((a) => a.predicateType === 'https://slsa.dev/provenance/v1')!;
    expect(verifyProvenanceBundle(slsa.bundle, pkg).verified).toBe(true);
  });
});
