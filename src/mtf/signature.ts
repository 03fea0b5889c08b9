/**
 * The mcptrust bundle signature (AI-03): a detached JSON file next to the bundle,
 * `<bundle>.sig` (for `server.mcpb` → `server.mcpb.sig`; for a folder `dir` → `dir.sig`).
 *
 *   {
 *     "format": "mcptrust-bundle-signature",
 *     "version": 1,
 *     "algorithm": "ed25519",
 *     "keyId": "sha256:<hex of the signer's SPKI>",
 *     "payload": {                       // MTF-0.1 §5.1.2, plus the bundle digest
 *       "mtf_version": "0.1",
 *       "payload_type": "bundle_signature",
 *       "subject": { "name", "version", "bundle_sha256", "manifest_sha256", "sbom_sha256" | null },
 *       "timestamp": "<ISO 8601>",
 *       "signer_identity": "<keyId>"
 *     },
 *     "signature": "<base64, 64 bytes>"
 *   }
 *
 * Signed bytes: the ASCII header "mcptrust-bundle-signature/v1\n" followed by the RFC 8785 (JCS)
 * form of the whole object without "signature" — so no field of the envelope (format, version,
 * algorithm, key id, payload) can change without breaking the signature (domain separation keeps
 * a lockfile signature from ever verifying as a bundle signature and the reverse).
 *   bundle_sha256   sha256 of the .mcpb bytes, or the folder listing digest (src/mtf/context.ts)
 *   manifest_sha256 sha256 of the JCS form of manifest.json (§5.1.2 "hash of canonical manifest")
 *   sbom_sha256     sha256 of the bundle's SBOM file bytes (findSbom), null when there is none
 */
import { canonicalize } from '../canonical/index.js';
import { constantTimeEqual } from '../crypto/constant-time.js';
import { signEd25519, verifyEd25519 } from '../crypto/ed25519.js';
import type { PrivateKey, PublicKey } from '../crypto/keys.js';
import { digestBytes } from '../canonical/index.js';
import { parseJsonStrict } from '../util/json.js';
import { asRecord, field } from './source.js';
import type { BundleContext, BundleFile } from './types.js';

export const BUNDLE_SIGNATURE_FORMAT = 'mcptrust-bundle-signature';
export const BUNDLE_SIGNATURE_VERSION = 1;
const HEADER = 'mcptrust-bundle-signature/v1\n';
const MAX_SIGNATURE_TEXT = 64 * 1024;

export interface BundleSubject {
  name: string;
  version: string;
  bundle_sha256: string;
  manifest_sha256: string;
  sbom_sha256: string | null;
}

export interface BundleSignature {
  format: typeof BUNDLE_SIGNATURE_FORMAT;
  version: typeof BUNDLE_SIGNATURE_VERSION;
  algorithm: 'ed25519';
  keyId: string;
  payload: {
    mtf_version: '0.1';
    payload_type: 'bundle_signature';
    subject: BundleSubject;
    timestamp: string;
    signer_identity: string;
  };
  signature: string;
}

const SBOM_NAMES = [/^sbom\.cdx\.json$/, /^bom\.cdx\.json$/, /^sbom\.json$/, /^bom\.json$/, /^sbom\.spdx\.json$/, /\.cdx\.json$/, /\.spdx\.json$/];

/** The SBOM file at the bundle root, by the usual names (first match in this order). */
export function findSbom(files: readonly BundleFile[]): BundleFile | undefined {
  for (const re of SBOM_NAMES) {
    const hit = files.find((f) => !f.path.includes('/') && re.test(f.path));
    if (hit) return hit;
  }
  return undefined;
}

/** The subject a signature over this bundle must name. */
export function bundleSubject(ctx: Pick<BundleContext, 'manifest' | 'bundleHash' | 'files'>): BundleSubject {
  const sbom = findSbom(ctx.files);
  return {
    name: String(field(ctx.manifest, 'name') ?? ''),
    version: String(field(ctx.manifest, 'version') ?? ''),
    bundle_sha256: ctx.bundleHash,
    manifest_sha256: ctx.manifest ? digestBytes(canonicalize(ctx.manifest)).replace(/^sha256:/, '') : '',
    sbom_sha256: sbom?.sha256 ?? null,
  };
}

function signedBytes(envelope: Omit<BundleSignature, 'signature'>): Uint8Array {
  return Buffer.from(HEADER + canonicalize(envelope), 'utf8');
}

/** A signature file's text for this bundle, signed with `key`. */
export function createBundleSignature(ctx: Pick<BundleContext, 'manifest' | 'bundleHash' | 'files'>, key: PrivateKey, now = new Date()): string {
  const envelope: Omit<BundleSignature, 'signature'> = {
    format: BUNDLE_SIGNATURE_FORMAT,
    version: BUNDLE_SIGNATURE_VERSION,
    algorithm: 'ed25519',
    keyId: key.publicKey.keyId,
    payload: {
      mtf_version: '0.1',
      payload_type: 'bundle_signature',
      subject: bundleSubject(ctx),
      timestamp: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      signer_identity: key.publicKey.keyId,
    },
  };
  const signature = Buffer.from(signEd25519(signedBytes(envelope), key.seed)).toString('base64');
  return `${JSON.stringify({ ...envelope, signature }, null, 2)}\n`;
}

export type SignatureCheck =
  | { ok: true; keyId: string; subject: BundleSubject }
  | { ok: false; reason: 'malformed' | 'unsupported' | 'unknown-key' | 'invalid' | 'subject-mismatch'; message: string };

/** Parses and verifies a signature file's text against trusted keys and the expected subject. Fail closed. */
export function verifyBundleSignature(text: string, keys: readonly PublicKey[], expected: BundleSubject): SignatureCheck {
  if (text.length > MAX_SIGNATURE_TEXT) return { ok: false, reason: 'malformed', message: 'signature file is larger than 64 KiB' };
  const parsed = parseJsonStrict(text);
  if ('problem' in parsed) return { ok: false, reason: 'malformed', message: `signature file: ${parsed.problem.message}` };
  const doc = asRecord(parsed.value);
  if (!doc) return { ok: false, reason: 'malformed', message: 'signature file is not a JSON object' };
  const allowed = new Set(['format', 'version', 'algorithm', 'keyId', 'payload', 'signature']);
  const extra = Object.keys(doc).find((k) => !allowed.has(k));
  if (extra !== undefined) return { ok: false, reason: 'malformed', message: `signature file has an unknown field ${JSON.stringify(extra.slice(0, 40))}` };
  if (field(doc, 'format') !== BUNDLE_SIGNATURE_FORMAT) return { ok: false, reason: 'unsupported', message: 'not an mcptrust bundle signature (format)' };
  if (field(doc, 'version') !== BUNDLE_SIGNATURE_VERSION) return { ok: false, reason: 'unsupported', message: `unsupported bundle signature version ${JSON.stringify(field(doc, 'version'))}` };
  if (field(doc, 'algorithm') !== 'ed25519') return { ok: false, reason: 'unsupported', message: 'unsupported signature algorithm (only ed25519)' };
  const keyId = field(doc, 'keyId');
  const sig = field(doc, 'signature');
  const payload = asRecord(field(doc, 'payload'));
  if (typeof keyId !== 'string' || typeof sig !== 'string' || !payload) return { ok: false, reason: 'malformed', message: 'signature file lacks keyId, payload or signature' };
  if (!/^[A-Za-z0-9+/]{86}==$/.test(sig)) return { ok: false, reason: 'malformed', message: 'signature is not 64 bytes of base64' };
  const key = keys.find((k) => constantTimeEqual(k.keyId, keyId));
  if (!key) return { ok: false, reason: 'unknown-key', message: `signed by key ${keyId.slice(0, 80)}, which is not among the trusted keys (--key)` };
  const { signature: _omit, ...envelope } = doc;
  let valid = false;
  try {
    valid = verifyEd25519(Buffer.from(sig, 'base64'), signedBytes(envelope as Omit<BundleSignature, 'signature'>), key.raw);
  } catch {
    valid = false;
  }
  if (!valid) return { ok: false, reason: 'invalid', message: 'the signature does not verify: the signature file was altered or made with another key' };
  const subject = asRecord(field(payload, 'subject'));
  if (field(payload, 'payload_type') !== 'bundle_signature' || !subject) return { ok: false, reason: 'malformed', message: 'payload is not a bundle_signature' };
  for (const k of ['bundle_sha256', 'manifest_sha256', 'sbom_sha256', 'name', 'version'] as const) {
    const got = field(subject, k);
    const want = expected[k];
    const same = typeof got === 'string' && typeof want === 'string' ? constantTimeEqual(got, want) : got === want;
    if (!same) return { ok: false, reason: 'subject-mismatch', message: `the signature was made over another bundle: ${k} differs (signed ${JSON.stringify(String(got)).slice(0, 80)}, bundle has ${JSON.stringify(String(want)).slice(0, 80)})` };
  }
  return { ok: true, keyId, subject: subject as unknown as BundleSubject };
}
