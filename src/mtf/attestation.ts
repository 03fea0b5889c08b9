/**
 * SLSA provenance attestations (MTF-0.1 §5.3) for PR-03 / PR-04. Accepted shapes, each
 * attacker-controlled and parsed defensively:
 *   - an in-toto Statement v1 (unsigned),
 *   - a DSSE envelope {payloadType, payload, signatures[]} (verified with the --key Ed25519 keys
 *     over the DSSE pre-authentication encoding),
 *   - a Sigstore bundle {dsseEnvelope, verificationMaterial} (its certificate chain needs the
 *     Sigstore trust root, which an offline scanner does not carry),
 *   - `.intoto.jsonl`: one of the above per line.
 * Where: inside the bundle (`attestation.json`, `.slsa/provenance.json`, `*.intoto.jsonl`, or
 * `_meta["org.mpaktrust"].attestation.bundle_path`) the subject must name the bundle's CONTENT
 * digest (a file inside the archive cannot name the archive's own hash; see context.ts); next to
 * the bundle (`<bundle>.intoto.jsonl`, `<bundle>.provenance.json`) it must name the bundle digest.
 */
import { constantTimeEqual } from '../crypto/constant-time.js';
import { verifyEd25519 } from '../crypto/ed25519.js';
import type { PublicKey } from '../crypto/keys.js';
import { parseJsonStrict } from '../util/json.js';
import { asArray, asRecord, asString, field, mtfExtension } from './source.js';
import type { BundleContext } from './types.js';

export const TRUSTED_BUILDERS = [
  'https://github.com/slsa-framework/slsa-github-generator/',
  'https://github.com/actions/runner/github-hosted',
  'https://gitlab.com/',
  'https://cloudbuild.googleapis.com/',
];

export interface Attestation {
  /** File it came from (bundle path or sidecar path) and line for .jsonl. */
  file: string;
  line?: number;
  /** Inside the bundle (subject = content digest) or beside it (subject = bundle digest). */
  inside: boolean;
  statement?: Record<string, unknown>;
  /** 'verified' by a trusted key, 'unsigned', 'unverified' (signed, no trusted key matched), 'sigstore' (needs trust root). */
  signature: 'verified' | 'unsigned' | 'unverified' | 'sigstore';
  problem?: string;
}

/** DSSE v1 pre-authentication encoding. */
function pae(type: string, body: Buffer): Buffer {
  const t = Buffer.from(type, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${t.length} `), t, Buffer.from(` ${body.length} `), body]);
}

function fromDocument(doc: unknown, keys: readonly PublicKey[]): Pick<Attestation, 'statement' | 'signature' | 'problem'> {
  const d = asRecord(doc);
  if (!d) return { signature: 'unsigned', problem: 'not a JSON object' };
  if (field(d, '_type') !== undefined) return { statement: d, signature: 'unsigned' };
  const sigstore = asRecord(field(d, 'dsseEnvelope'));
  const envelope = sigstore ?? d;
  const payloadType = asString(field(envelope, 'payloadType'));
  const payload = asString(field(envelope, 'payload'));
  if (payloadType === undefined || payload === undefined) return { signature: 'unsigned', problem: 'neither an in-toto statement nor a DSSE envelope' };
  if (payload.length > 4 * 1024 * 1024 || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(payload)) return { signature: 'unsigned', problem: 'DSSE payload is not base64' };
  const body = Buffer.from(payload, 'base64');
  const parsed = parseJsonStrict(body.toString('utf8'));
  if ('problem' in parsed) return { signature: 'unsigned', problem: `DSSE payload: ${parsed.problem.message}` };
  const statement = asRecord(parsed.value);
  if (!statement) return { signature: 'unsigned', problem: 'DSSE payload is not a JSON object' };
  const signatures = (asArray(field(envelope, 'signatures')) ?? []).slice(0, 16);
  if (signatures.length === 0) return { statement, signature: 'unsigned' };
  const message = pae(payloadType, body);
  for (const s of signatures) {
    const sig = asString(field(asRecord(s), 'sig'));
    if (!sig || !/^[A-Za-z0-9+/_-]{86}(?:==)?$/.test(sig)) continue;
    const bytes = Buffer.from(sig, 'base64');
    for (const key of keys) {
      let ok = false;
      try {
        ok = verifyEd25519(bytes, message, key.raw);
      } catch {
        ok = false;
      }
      if (ok) return { statement, signature: 'verified' };
    }
  }
  return { statement, signature: sigstore ? 'sigstore' : 'unverified' };
}

function parseFile(text: string, file: string, inside: boolean, keys: readonly PublicKey[]): Attestation[] {
  if (file.endsWith('.jsonl')) {
    const out: Attestation[] = [];
    for (const [i, line] of text.split('\n').slice(0, 100).entries()) {
      if (line.trim() === '') continue;
      const parsed = parseJsonStrict(line);
      out.push('problem' in parsed ? { file, line: i + 1, inside, signature: 'unsigned', problem: parsed.problem.message } : { file, line: i + 1, inside, ...fromDocument(parsed.value, keys) });
    }
    return out;
  }
  const parsed = parseJsonStrict(text);
  if ('problem' in parsed) return [{ file, inside, signature: 'unsigned', problem: parsed.problem.message }];
  return [{ file, inside, ...fromDocument(parsed.value, keys) }];
}

/** Every attestation inside or beside the bundle. */
export function readAttestations(ctx: BundleContext, keys: readonly PublicKey[]): Attestation[] {
  const declared = asString(field(asRecord(field(mtfExtension(ctx.manifest), 'attestation')), 'bundle_path'))?.replace(/^\.\//, '');
  const out: Attestation[] = [];
  for (const file of ctx.files) {
    const inside = file.path === 'attestation.json' || file.path === '.slsa/provenance.json' || file.path.endsWith('.intoto.jsonl') || file.path === declared;
    if (!inside || file.text === undefined) continue;
    out.push(...parseFile(file.text, file.path, true, keys));
  }
  for (const side of ctx.sidecarAttestations ?? []) out.push(...parseFile(side.text, side.path, false, keys));
  return out;
}

/** The statement's SLSA builder id. */
export function builderId(statement: Record<string, unknown>): string | undefined {
  return asString(field(asRecord(field(asRecord(field(asRecord(field(statement, 'predicate')), 'runDetails')), 'builder')), 'id'));
}

/** Git commits named by the statement's resolved dependencies. */
export function sourceCommits(statement: Record<string, unknown>): string[] {
  const deps = asArray(field(asRecord(field(asRecord(field(statement, 'predicate')), 'buildDefinition')), 'resolvedDependencies')) ?? [];
  const out: string[] = [];
  for (const d of deps.slice(0, 100)) {
    const digest = asRecord(field(asRecord(d), 'digest'));
    const commit = asString(field(digest, 'gitCommit')) ?? asString(field(digest, 'sha1'));
    if (commit) out.push(commit.toLowerCase());
  }
  return out;
}

/** Whether one of the statement's subjects carries this sha256. */
export function subjectMatches(statement: Record<string, unknown>, sha256: string | undefined): boolean {
  if (!sha256) return false;
  for (const s of (asArray(field(statement, 'subject')) ?? []).slice(0, 1000)) {
    const digest = asString(field(asRecord(field(asRecord(s), 'digest')), 'sha256'));
    if (digest && constantTimeEqual(digest.toLowerCase(), sha256)) return true;
  }
  return false;
}
