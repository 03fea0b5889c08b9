/**
 * npm provenance: the registry's attestations for one package version, verified offline.
 *
 * The registry serves `GET /-/npm/v1/attestations/<name>@<version>` →
 * `{ attestations: [{ predicateType, bundle }] }`, one Sigstore bundle per attestation. The SLSA
 * provenance bundle is a DSSE envelope around an in-toto statement, signed with a short-lived
 * Fulcio certificate whose extensions name the CI identity (repository, commit, workflow) that
 * asked for it, and logged in Rekor.
 *
 * What is checked, and against what (all of it offline — no TUF, Fulcio or Rekor request):
 * - the trust root is the public-good `trusted_root.json` that @sigstore/tuf ships in its seeds
 *   (read from node_modules, never refreshed over the network);
 * - @sigstore/verify's Verifier: the certificate chains to a trusted Fulcio CA and carries a valid
 *   SCT from a trusted CT log; the Rekor entry's signed entry timestamp (SET) verifies with a
 *   trusted Rekor key and the entry's body matches this envelope (inclusion proof and checkpoint
 *   too when present); the DSSE signature verifies with the certificate's key. The certificate
 *   and CA are checked for validity at the *verified timestamps* — the Rekor entry's
 *   integratedTime (authenticated by its SET) and any RFC 3161 timestamp — never at "now": a
 *   Fulcio certificate lives ten minutes, so "now" would reject every bundle, and the logged
 *   time is what proves the signature was made while the certificate was valid;
 * - here: the statement is the one the signature covers (the verified envelope's payload, not the
 *   unsigned outer `predicateType`), its subject names exactly `pkg:npm/<name>@<version>` with the
 *   sha512 of the pinned tarball, and the repository, commit and workflow the SLSA predicate
 *   claims agree with the certificate's Fulcio extensions (the CI identity Fulcio vouched for;
 *   the predicate alone is the signer's own claim).
 * Anything else is recorded as `verified: false` with a reason, never as verified.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { bundleFromJSON, type Bundle } from '@sigstore/bundle';
import { ASN1Obj } from '@sigstore/core';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { Verifier, toSignedEntity, toTrustMaterial, type Signer } from '@sigstore/verify';
import npa from 'npm-package-arg';
import ssri from 'ssri';
import { constantTimeEqual } from '../crypto/constant-time.js';
import { ArtifactError, registryOrigin } from './errors.js';
import { readBounded, unreachable } from './net.js';
import { followRedirects } from './npm.js';
import type { ProvenanceRecord } from './types.js';

/**
 * npm-registry-fetch options as the npm resolver builds them from the launch's npm config
 * (`registry`, `@scope:registry`, per-registry auth, proxy, cache, timeout, retries).
 */
export type NpmRegistryOptions = Record<string, unknown>;

/** The attestations document of one version is a few tens of KiB; anything past this is refused. */
export const MAX_ATTESTATIONS_BYTES = 1024 * 1024;
/** More attestations than this in one document is refused (npm publishes two). */
export const MAX_ATTESTATIONS = 16;

const SLSA_PREDICATES = new Set(['https://slsa.dev/provenance/v1', 'https://slsa.dev/provenance/v0.2']);
const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
const IN_TOTO_STATEMENTS = new Set(['https://in-toto.io/Statement/v1', 'https://in-toto.io/Statement/v0.1']);

// Fulcio certificate extensions (https://github.com/sigstore/fulcio/blob/main/docs/oid-info.md).
const OID_SOURCE_REPOSITORY_URI = '1.3.6.1.4.1.57264.1.12';
const OID_SOURCE_REPOSITORY_DIGEST = '1.3.6.1.4.1.57264.1.13';
const OID_BUILD_CONFIG_URI = '1.3.6.1.4.1.57264.1.18';
const OID_LEGACY_GITHUB_SHA = '1.3.6.1.4.1.57264.1.3';
const OID_LEGACY_GITHUB_REPOSITORY = '1.3.6.1.4.1.57264.1.5';
const GITHUB_ACTIONS_ISSUER = 'https://token.actions.githubusercontent.com';

/** A trusted root in its JSON form (`application/vnd.dev.sigstore.trustedroot+json`). */
export type TrustedRootJson = Record<string, unknown>;

let publicGood: TrustedRootJson | undefined;

/**
 * The Sigstore public-good trusted root exactly as @sigstore/tuf ships it in `seeds.json` (the
 * TUF repository's `trusted_root.json` target at the time that release was cut). Read from disk
 * once; no network.
 */
export function publicGoodTrustedRoot(): TrustedRootJson {
  if (publicGood) return publicGood;
  const require = createRequire(import.meta.url);
  const seeds = JSON.parse(readFileSync(require.resolve('@sigstore/tuf/seeds.json'), 'utf8')) as Record<
    string,
    { targets?: Record<string, string> }
  >;
  const encoded = seeds['https://tuf-repo-cdn.sigstore.dev']?.targets?.['trusted_root.json'];
  if (typeof encoded !== 'string') throw new Error('@sigstore/tuf seeds.json has no public-good trusted_root.json');
  publicGood = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')) as TrustedRootJson;
  return publicGood;
}

const verifiers = new WeakMap<TrustedRootJson, Verifier>();

/** One verifier per trust root (parsing its certificates and keys is most of a verification's cost). */
function verifierFor(root: TrustedRootJson): Verifier {
  let verifier = verifiers.get(root);
  if (!verifier) {
    verifier = new Verifier(toTrustMaterial(TrustedRoot.fromJSON(root)));
    verifiers.set(root, verifier);
  }
  return verifier;
}

export interface NpmPackageVersion {
  name: string;
  version: string;
  /** The pinned Subresource Integrity of the tarball; its sha512 is what the subject must name. */
  integrity: string;
}

export interface VerifyAttestationsOptions {
  expectedSource?: RegExp;
  /** Tests only: another trust root (e.g. one made by @sigstore/mock). Production never sets it. */
  trustedRoot?: TrustedRootJson;
}

/**
 * Fetches the registry's attestations for `pkg` and verifies its SLSA provenance offline.
 * `undefined`: the registry has no attestations for this version (404). An unreachable registry
 * or one answering an error status is an ArtifactError ('server', exit 3); a body that is too
 * large or not an attestations document is recorded as not verified.
 */
export async function npmProvenance(
  pkg: NpmPackageVersion,
  options: { registry: NpmRegistryOptions; expectedSource?: RegExp; signal?: AbortSignal },
): Promise<ProvenanceRecord | undefined> {
  // A name or version that cannot be named as a subject is not worth a request.
  const expected = expectedSubject(pkg);
  if (typeof expected === 'string') return unverified(expected);
  const body = await fetchAttestations(pkg, options.registry, options.signal);
  if (body === undefined) return undefined;
  if (body === 'too-large') return unverified(`the attestations document is larger than ${MAX_ATTESTATIONS_BYTES} bytes`);
  return verifyNpmAttestations(body, pkg, { expectedSource: options.expectedSource });
}

async function fetchAttestations(
  pkg: NpmPackageVersion,
  registry: NpmRegistryOptions,
  signal: AbortSignal | undefined,
): Promise<Buffer | 'too-large' | undefined> {
  const base = registryUrlOf(registry, pkg.name);
  const origin = registryOrigin(base);
  // `@scope/name` → `@scope%2fname`, as npm asks for it.
  const escaped = pkg.name.replace('/', '%2f');
  const url = new URL(`-/npm/v1/attestations/${escaped}@${encodeURIComponent(pkg.version)}`, base).toString();
  let res: Awaited<ReturnType<typeof followRedirects>>;
  try {
    // Each hop is checked: a public registry may not send us to a private address.
    res = await followRedirects(url, base, registry, {}, {}, signal, (error) => error);
  } catch (error) {
    if ((error as { statusCode?: unknown }).statusCode === 404) return undefined;
    throw unreachable(origin, error, signal);
  }
  try {
    return await readBounded(res.body as AsyncIterable<Buffer>, res.headers.get('content-length'), MAX_ATTESTATIONS_BYTES, 'the attestations document', origin);
  } catch (error) {
    if (error instanceof ArtifactError && error.code === 'TOO_LARGE') return 'too-large';
    throw unreachable(origin, error, signal);
  }
}

/** The registry this package is fetched from: its scope's registry, else the default one. */
function registryUrlOf(registry: NpmRegistryOptions, name: string): string {
  const options = registry as Record<string, unknown>;
  const scope = name.startsWith('@') ? name.slice(0, name.indexOf('/')) : undefined;
  const url = (scope && options[`${scope}:registry`]) || options.registry || 'https://registry.npmjs.org/';
  const text = String(url);
  return text.endsWith('/') ? text : `${text}/`;
}

/**
 * The synchronous core: verifies an attestations document (bytes as the registry sent them —
 * attacker-controlled; parsed defensively) for `pkg`. `undefined` when it lists no attestation.
 */
export function verifyNpmAttestations(
  body: Uint8Array | string,
  pkg: NpmPackageVersion,
  options: VerifyAttestationsOptions = {},
): ProvenanceRecord | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(typeof body === 'string' ? body : Buffer.from(body).toString('utf8'));
  } catch {
    return unverified('the attestations document is not JSON');
  }
  const list = isRecord(doc) ? doc.attestations : undefined;
  if (!Array.isArray(list)) return unverified('the attestations document has no attestations list');
  if (list.length === 0) return undefined;
  if (list.length > MAX_ATTESTATIONS) return unverified(`the attestations document lists more than ${MAX_ATTESTATIONS} attestations`);
  // The outer predicateType is unsigned: it only selects a candidate; the signed statement decides.
  const candidates = list.filter((a) => isRecord(a) && typeof a.predicateType === 'string' && SLSA_PREDICATES.has(a.predicateType));
  if (candidates.length === 0) return unverified('no SLSA provenance attestation');
  if (candidates.length > 1) return unverified('more than one SLSA provenance attestation');
  const bundleJson = (candidates[0] as Record<string, unknown>).bundle;
  return verifyProvenanceBundle(bundleJson, pkg, options);
}

/** Verifies one SLSA provenance Sigstore bundle (JSON) for `pkg`. */
export function verifyProvenanceBundle(
  bundleJson: unknown,
  pkg: NpmPackageVersion,
  options: VerifyAttestationsOptions = {},
): ProvenanceRecord {
  const expected = expectedSubject(pkg);
  if (typeof expected === 'string') return unverified(expected);

  let bundle: Bundle;
  try {
    bundle = bundleFromJSON(bundleJson);
  } catch {
    return unverified('the provenance is not a valid Sigstore bundle');
  }
  if (bundle.content.$case !== 'dsseEnvelope') return unverified('the provenance bundle holds no DSSE envelope');

  let signer: Signer;
  try {
    signer = verifierFor(options.trustedRoot ?? publicGoodTrustedRoot()).verify(toSignedEntity(bundle));
  } catch (error) {
    return unverified(sigstoreReason(error));
  }

  const envelope = bundle.content.dsseEnvelope;
  if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE) return unverified('the signed payload is not an in-toto statement');
  let statement: unknown;
  try {
    statement = JSON.parse(envelope.payload.toString('utf8'));
  } catch {
    return unverified('the signed statement is not JSON');
  }
  if (!isRecord(statement) || typeof statement._type !== 'string' || !IN_TOTO_STATEMENTS.has(statement._type)) {
    return unverified('the signed payload is not an in-toto statement');
  }
  if (typeof statement.predicateType !== 'string' || !SLSA_PREDICATES.has(statement.predicateType)) {
    return unverified('the signed statement is not SLSA provenance');
  }

  const subjectProblem = checkSubject(statement.subject, expected);
  if (subjectProblem) return unverified(subjectProblem);

  const claims = parsePredicate(statement.predicateType, statement.predicate);
  if (typeof claims === 'string') return unverified(claims);

  const identity = certificateIdentity(signer);
  // Everything recorded is written into the lockfile and shown in reports: one printable line, bounded.
  if (![claims.repository, claims.workflow, claims.builder, identity.repository, identity.commit].every(isRecordable)) {
    return unverified(`the provenance names a source, workflow or builder that is not one line of at most ${MAX_RECORDED_CHARS} characters`);
  }
  const mismatch = compareIdentity(claims, identity);
  if (mismatch) return unverified(mismatch);
  // From here the certificate and the predicate agree: the record holds the certified values.
  const record: ProvenanceRecord = {
    verified: false,
    sourceRepository: identity.repository as string,
    sourceCommit: identity.commit as string,
    workflow: claims.workflow,
    builder: claims.builder,
  };
  if (options.expectedSource) {
    options.expectedSource.lastIndex = 0;
    if (!options.expectedSource.test(identity.repository as string)) {
      return withReason(record, `source ${identity.repository} does not match --expected-source`);
    }
  }
  return { ...record, verified: true };
}

/** npm's own package URL for `name@version` (npm-package-arg's toPurl, untyped in its @types). */
const toPurl = (npa as unknown as { toPurl(spec: string): string }).toPurl;

interface ExpectedSubject {
  purl: string;
  sha512: Buffer;
}

function expectedSubject(pkg: NpmPackageVersion): ExpectedSubject | string {
  let purl: string;
  try {
    purl = toPurl(`${pkg.name}@${pkg.version}`);
  } catch {
    return 'the package name or version cannot be named as a package URL';
  }
  const parsed = ssri.parse(pkg.integrity, { single: false }) as unknown as Record<string, ssri.Hash[] | undefined> | null;
  const sha512 = parsed?.sha512?.[0]?.digest;
  if (!sha512) return 'the pinned integrity has no sha512 digest to compare with the provenance subject';
  return { purl, sha512: Buffer.from(sha512, 'base64') };
}

function checkSubject(subject: unknown, expected: ExpectedSubject): string | undefined {
  if (!Array.isArray(subject) || subject.length === 0) return 'the provenance statement has no subject';
  const named = subject.filter((s) => isRecord(s) && s.name === expected.purl);
  if (named.length === 0) return `the provenance is for another package, not ${expected.purl}`;
  for (const s of named) {
    const digest = isRecord(s) && isRecord(s.digest) ? s.digest.sha512 : undefined;
    if (typeof digest === 'string' && /^[0-9a-f]{128}$/.test(digest) && constantTimeEqual(Buffer.from(digest, 'hex'), expected.sha512)) {
      return undefined;
    }
  }
  return 'the provenance subject is another tarball (its sha512 is not the pinned integrity)';
}

interface PredicateClaims {
  repository: string;
  commit: string;
  workflow: string;
  /** The ref the workflow ran at, when the predicate says (to rebuild the build config URI). */
  ref?: string;
  builder: string;
}

/**
 * The source and build claims of npm's GitHub Actions provenance. SLSA v1: buildDefinition
 * .externalParameters.workflow {repository, path, ref}, resolvedDependencies[0].digest.gitCommit,
 * runDetails.builder.id. SLSA v0.2: invocation.configSource {uri: git+<repo>@<ref>, digest.sha1,
 * entryPoint: <owner/repo>/<path>@<ref>}, builder.id.
 */
function parsePredicate(type: string, predicate: unknown): PredicateClaims | string {
  if (!isRecord(predicate)) return 'the SLSA predicate is missing';
  if (type === 'https://slsa.dev/provenance/v1') {
    const def = isRecord(predicate.buildDefinition) ? predicate.buildDefinition : {};
    const ext = isRecord(def.externalParameters) ? def.externalParameters : {};
    const workflow = isRecord(ext.workflow) ? ext.workflow : {};
    const deps = Array.isArray(def.resolvedDependencies) ? def.resolvedDependencies : [];
    const first = isRecord(deps[0]) && isRecord(deps[0].digest) ? deps[0].digest : {};
    const run = isRecord(predicate.runDetails) ? predicate.runDetails : {};
    const builder = isRecord(run.builder) ? run.builder.id : undefined;
    if (
      typeof workflow.repository !== 'string' ||
      typeof workflow.path !== 'string' ||
      typeof first.gitCommit !== 'string' ||
      typeof builder !== 'string'
    ) {
      return 'the SLSA v1 predicate is not a GitHub Actions workflow build this version reads';
    }
    return {
      repository: workflow.repository,
      commit: first.gitCommit,
      workflow: workflow.path,
      ref: typeof workflow.ref === 'string' ? workflow.ref : undefined,
      builder,
    };
  }
  const invocation = isRecord(predicate.invocation) ? predicate.invocation : {};
  const source = isRecord(invocation.configSource) ? invocation.configSource : {};
  const digest = isRecord(source.digest) ? source.digest : {};
  const builder = isRecord(predicate.builder) ? predicate.builder.id : undefined;
  const uri = typeof source.uri === 'string' ? /^git\+(https:\/\/[^@\s]+)@(\S+)$/.exec(source.uri) : null;
  const entry = typeof source.entryPoint === 'string' ? source.entryPoint : undefined;
  if (!uri || typeof digest.sha1 !== 'string' || entry === undefined || typeof builder !== 'string') {
    return 'the SLSA v0.2 predicate is not a GitHub Actions workflow build this version reads';
  }
  const repository = uri[1] as string;
  const ref = uri[2] as string;
  // entryPoint is `<owner>/<repo>/<path>@<ref>` (GITHUB_WORKFLOW_REF).
  let ownerRepo: string;
  try {
    ownerRepo = new URL(repository).pathname.slice(1);
  } catch {
    return 'the SLSA v0.2 source is not a URL';
  }
  const suffix = `@${ref}`;
  if (!entry.startsWith(`${ownerRepo}/`) || !entry.endsWith(suffix)) {
    return 'the SLSA v0.2 entry point is not a workflow of the source repository';
  }
  return { repository, commit: digest.sha1, workflow: entry.slice(ownerRepo.length + 1, -suffix.length), ref, builder };
}

interface CertificateIdentity {
  repository?: string;
  commit?: string;
  buildConfig?: string;
}

/** The CI identity Fulcio put in the signing certificate (DER UTF8String extension values). */
function certificateIdentity(signer: Signer): CertificateIdentity {
  const der = new Map<string, string | undefined>();
  const raw = new Map<string, string | undefined>();
  for (const { oid, value } of signer.identity?.oids ?? []) {
    const id = oid?.id.join('.');
    if (!id) continue;
    const bytes = Buffer.from(value);
    // An extension given twice is not trusted either way (fail closed: read as absent).
    if (raw.has(id)) {
      der.set(id, undefined);
      raw.set(id, undefined);
      continue;
    }
    raw.set(id, bytes.toString('utf8'));
    try {
      const obj = ASN1Obj.parseBuffer(bytes);
      der.set(id, obj.tag.number === 12 ? obj.value.toString('utf8') : undefined);
    } catch {
      der.set(id, undefined);
    }
  }
  const fromGitHub = signer.identity?.extensions?.issuer === GITHUB_ACTIONS_ISSUER;
  // Certificates Fulcio issued before its v2 extensions (early 2023) carry the GitHub-only
  // legacy ones as raw strings: repository as `owner/repo`, the commit, and the workflow in
  // the subject alternative name (`https://github.com/owner/repo/<path>@<ref>`).
  const legacyRepository = fromGitHub ? raw.get(OID_LEGACY_GITHUB_REPOSITORY) : undefined;
  return {
    repository: der.get(OID_SOURCE_REPOSITORY_URI) ?? (legacyRepository ? `https://github.com/${legacyRepository}` : undefined),
    commit: der.get(OID_SOURCE_REPOSITORY_DIGEST) ?? (fromGitHub ? raw.get(OID_LEGACY_GITHUB_SHA) : undefined),
    buildConfig: der.get(OID_BUILD_CONFIG_URI) ?? (fromGitHub ? signer.identity?.subjectAlternativeName : undefined),
  };
}

function compareIdentity(claims: PredicateClaims, cert: CertificateIdentity): string | undefined {
  if (!cert.repository || !cert.commit || !cert.buildConfig) {
    return 'the signing certificate does not name a source repository, commit and workflow';
  }
  if (claims.repository !== cert.repository) {
    return `the provenance claims source ${claims.repository} but was signed for ${cert.repository}`;
  }
  if (claims.commit !== cert.commit) return 'the provenance claims another commit than the signing certificate';
  const prefix = `${cert.repository}/${claims.workflow}@`;
  if (!cert.buildConfig.startsWith(prefix) || (claims.ref !== undefined && cert.buildConfig !== `${prefix}${claims.ref}`)) {
    return 'the provenance claims another workflow than the signing certificate';
  }
  return undefined;
}

/** One line for each failure the Sigstore libraries report (their codes, not their messages). */
function sigstoreReason(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  switch (code) {
    case 'CERTIFICATE_ERROR':
      return 'the signing certificate is not trusted at the logged time (no chain to the trusted Fulcio root, expired, or no valid SCT)';
    case 'SIGNATURE_ERROR':
      return 'the provenance signature does not verify';
    case 'TIMESTAMP_ERROR':
      return 'the provenance has no verifiable timestamp (transparency-log entry or timestamp authority)';
    case 'TLOG_ERROR':
    case 'TLOG_BODY_ERROR':
    case 'TLOG_INCLUSION_PROMISE_ERROR':
    case 'TLOG_INCLUSION_PROOF_ERROR':
    case 'TLOG_MISSING_INCLUSION_ERROR':
      return 'the transparency-log entry does not verify for this signature';
    case 'PUBLIC_KEY_ERROR':
      return 'the provenance is signed with a key, not a trusted certificate';
    default:
      return 'the provenance bundle does not verify';
  }
}

/** The longest source, commit, workflow or builder recorded (real ones are well under 200). */
export const MAX_RECORDED_CHARS = 1024;

function isRecordable(value: string | undefined): boolean {
  // eslint-disable-next-line no-control-regex
  return value === undefined || (value.length > 0 && value.length <= MAX_RECORDED_CHARS && !/[\u0000-\u001f\u007f-\u009f]/.test(value));
}

function unverified(reason: string): ProvenanceRecord {
  return { verified: false, reason };
}

function withReason(record: ProvenanceRecord, reason: string): ProvenanceRecord {
  return { ...record, verified: false, reason };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
