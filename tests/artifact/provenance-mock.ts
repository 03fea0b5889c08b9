/**
 * npm-style SLSA provenance bundles made at test time with @sigstore/mock: an ephemeral Fulcio CA
 * (with a CT log for the SCT) and an ephemeral Rekor log, and the trusted root (JSON) that trusts
 * exactly those. Nothing here touches the network: the mock's CA and log are called directly.
 */
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { initializeCA, initializeCTLog, initializeTLog } from '@sigstore/mock';
import npa from 'npm-package-arg';

const toPurl = (npa as unknown as { toPurl(spec: string): string }).toPurl;

export const ISSUER = 'https://token.actions.githubusercontent.com';

export interface MockSigstore {
  trustedRoot: Record<string, unknown>;
  /** When the certificates are issued (the mock CA's clock). */
  issuedAt: Date;
  /** Signs `statement` as GitHub Actions for `identity` and returns the Sigstore bundle (JSON). */
  bundle(statement: unknown, identity: CiIdentity, options?: { logAt?: Date; legacyExtensions?: boolean }): Promise<Record<string, unknown>>;
}

export interface CiIdentity {
  repository: string;
  commit: string;
  /** e.g. `.github/workflows/release.yml` */
  workflow: string;
  ref: string;
}

const OIDS = {
  legacyIssuer: '1.3.6.1.4.1.57264.1.1',
  legacySha: '1.3.6.1.4.1.57264.1.3',
  legacyRepository: '1.3.6.1.4.1.57264.1.5',
  issuer: '1.3.6.1.4.1.57264.1.8',
  buildSigner: '1.3.6.1.4.1.57264.1.9',
  sourceRepository: '1.3.6.1.4.1.57264.1.12',
  sourceDigest: '1.3.6.1.4.1.57264.1.13',
  buildConfig: '1.3.6.1.4.1.57264.1.18',
};

function p256(): { publicKey: KeyObject; privateKey: KeyObject } {
  return generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
}

function spki(key: KeyObject): Buffer {
  return key.export({ format: 'der', type: 'spki' });
}

/**
 * A mock Sigstore whose certificates are issued at `clock` (valid ten minutes, like Fulcio's)
 * and whose log entries are integrated at `logAt` (default: the same time). The mock's root
 * certificate is valid from the real "now" for a year, so `clock` defaults to a whole second a
 * minute from now.
 */
export async function startMockSigstore(clock = new Date(Math.floor(Date.now() / 1000) * 1000 + 60_000)): Promise<MockSigstore> {
  const issuedAt = clock;
  const ctKeys = p256();
  const caKeys = p256();
  const logKeys = p256();
  const ctlog = await initializeCTLog(ctKeys, clock);
  const ca = await initializeCA(caKeys, ctlog, clock);
  const validFrom = new Date(clock.getTime() - 24 * 3600 * 1000).toISOString();
  const logSpki = spki(logKeys.publicKey);
  const trustedRoot = {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [
      {
        baseUrl: 'https://rekor.sigstore.dev',
        hashAlgorithm: 'SHA2_256',
        publicKey: { rawBytes: logSpki.toString('base64'), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start: validFrom } },
        logId: { keyId: createHash('sha256').update(logSpki).digest('base64') },
      },
    ],
    certificateAuthorities: [
      {
        subject: { organization: 'sigstore.mock', commonName: 'sigstore' },
        uri: 'https://fulcio.sigstore.dev',
        certChain: { certificates: [{ rawBytes: Buffer.from(ca.rootCertificate.buffer).toString('base64') }] },
        validFor: { start: validFrom },
      },
    ],
    ctlogs: [
      {
        baseUrl: 'https://ctfe.sigstore.dev',
        hashAlgorithm: 'SHA2_256',
        publicKey: { rawBytes: ctlog.publicKey.toString('base64'), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start: validFrom } },
        logId: { keyId: Buffer.from(ctlog.logID.buffer).toString('base64') },
      },
    ],
    timestampAuthorities: [],
  };

  return {
    trustedRoot,
    issuedAt,
    async bundle(statement, identity, options = {}) {
      const signing = p256();
      const workflowRef = `${identity.repository}/${identity.workflow}@${identity.ref}`;
      const cert = Buffer.from(
        (
          await ca.issueCertificate({
            publicKey: new Uint8Array(spki(signing.publicKey)),
            subjectAltName: workflowRef,
            // Fulcio's v2 extensions (DER strings), or only the legacy GitHub ones (raw strings)
            // of certificates issued before them.
            extensions: options.legacyExtensions
              ? [
                  { oid: OIDS.legacyIssuer, value: ISSUER, legacy: true },
                  { oid: OIDS.legacySha, value: identity.commit, legacy: true },
                  { oid: OIDS.legacyRepository, value: new URL(identity.repository).pathname.slice(1), legacy: true },
                ]
              : [
                  { oid: OIDS.issuer, value: ISSUER },
                  { oid: OIDS.buildSigner, value: workflowRef },
                  { oid: OIDS.sourceRepository, value: identity.repository },
                  { oid: OIDS.sourceDigest, value: identity.commit },
                  { oid: OIDS.buildConfig, value: workflowRef },
                ],
          })
        ).buffer,
      );
      const payloadType = 'application/vnd.in-toto+json';
      const payload = Buffer.from(JSON.stringify(statement));
      // DSSE pre-authentication encoding (https://github.com/secure-systems-lab/dsse/blob/master/protocol.md).
      const pae = Buffer.concat([
        Buffer.from(`DSSEv1 ${payloadType.length} ${payloadType} ${payload.length} `),
        payload,
      ]);
      const signature = sign('sha256', pae, signing.privateKey);
      const certPem = `-----BEGIN CERTIFICATE-----\n${cert.toString('base64')}\n-----END CERTIFICATE-----\n`;
      const tlog = await initializeTLog('https://rekor.sigstore.dev', logKeys, options.logAt ?? clock);
      const logged = await tlog.log({
        apiVersion: '0.0.1',
        kind: 'dsse',
        spec: {
          envelopeHash: { algorithm: 'sha256', value: createHash('sha256').update(payload).digest('hex') },
          payloadHash: { algorithm: 'sha256', value: createHash('sha256').update(payload).digest('hex') },
          signatures: [{ signature: signature.toString('base64'), verifier: Buffer.from(certPem).toString('base64') }],
        },
      });
      const entry = Object.values(logged)[0] as {
        body: string;
        integratedTime: number;
        logID: string;
        logIndex: number;
        verification: {
          signedEntryTimestamp: string;
          inclusionProof: { logIndex: number; treeSize: number; rootHash: string; hashes: string[]; checkpoint: string };
        };
      };
      const proof = entry.verification.inclusionProof;
      return {
        mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
        verificationMaterial: {
          certificate: { rawBytes: cert.toString('base64') },
          tlogEntries: [
            {
              logIndex: String(entry.logIndex),
              logId: { keyId: Buffer.from(entry.logID, 'hex').toString('base64') },
              kindVersion: { kind: 'dsse', version: '0.0.1' },
              integratedTime: String(entry.integratedTime),
              inclusionPromise: { signedEntryTimestamp: entry.verification.signedEntryTimestamp },
              // The mock's log holds this one entry: a proof of a tree of size 1 and its signed checkpoint.
              inclusionProof: {
                logIndex: String(proof.logIndex),
                rootHash: Buffer.from(proof.rootHash, 'hex').toString('base64'),
                treeSize: String(proof.treeSize),
                hashes: proof.hashes,
                checkpoint: { envelope: proof.checkpoint },
              },
              canonicalizedBody: entry.body,
            },
          ],
          timestampVerificationData: { rfc3161Timestamps: [] },
        },
        dsseEnvelope: {
          payload: payload.toString('base64'),
          payloadType,
          signatures: [{ sig: signature.toString('base64'), keyid: '' }],
        },
      };
    },
  };
}

/** The SLSA v1 statement npm publishes for `name@version` built by `identity` (GitHub Actions). */
export function slsaV1Statement(name: string, version: string, tarball: Buffer | { sha512Hex: string }, identity: CiIdentity): unknown {
  const sha512 = Buffer.isBuffer(tarball) ? createHash('sha512').update(tarball).digest('hex') : tarball.sha512Hex;
  return {
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name: toPurl(`${name}@${version}`), digest: { sha512 } }],
    predicateType: 'https://slsa.dev/provenance/v1',
    predicate: {
      buildDefinition: {
        buildType: 'https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1',
        externalParameters: { workflow: { ref: identity.ref, repository: identity.repository, path: identity.workflow } },
        internalParameters: { github: { event_name: 'release' } },
        resolvedDependencies: [{ uri: `git+${identity.repository}@${identity.ref}`, digest: { gitCommit: identity.commit } }],
      },
      runDetails: { builder: { id: 'https://github.com/actions/runner/github-hosted' }, metadata: {} },
    },
  };
}

/** The older SLSA v0.2 statement npm published. */
export function slsaV02Statement(name: string, version: string, tarball: Buffer, identity: CiIdentity): unknown {
  const ownerRepo = new URL(identity.repository).pathname.slice(1);
  return {
    _type: 'https://in-toto.io/Statement/v0.1',
    subject: [{ name: toPurl(`${name}@${version}`), digest: { sha512: createHash('sha512').update(tarball).digest('hex') } }],
    predicateType: 'https://slsa.dev/provenance/v0.2',
    predicate: {
      buildType: 'https://github.com/npm/cli/gha/v2',
      builder: { id: 'https://github.com/actions/runner' },
      invocation: {
        configSource: {
          uri: `git+${identity.repository}@${identity.ref}`,
          digest: { sha1: identity.commit },
          entryPoint: `${ownerRepo}/${identity.workflow}@${identity.ref}`,
        },
      },
    },
  };
}

export function sriOf(tarball: Buffer): string {
  return `sha512-${createHash('sha512').update(tarball).digest('base64')}`;
}
