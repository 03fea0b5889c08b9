// The detached signature of a lockfile, `mcp-lock.json.sig`: the envelope format, the signed
// pre-authentication encoding and their parsing are in ./signature-envelope.ts (what callers of
// this module use of it is re-exported here); this module adds signing and the full verification,
// whose every "no" is decided by the Ed25519 reference (@noble/ed25519, through verifyEd25519).
// `mcptrust verify` loads it only when verifyLockfileSignatureNatively did not already succeed.
import { constantTimeEqual } from '../crypto/constant-time.js';
import { signEd25519Native, verifyEd25519 } from '../crypto/ed25519.js';
import { KEY_ALGORITHM, type PrivateKey, type PublicKey } from '../crypto/keys.js';
import {
  digestBytes,
  paeMessage,
  preAuthEncoding,
  SIGNATURE_VERSION,
  SignatureError,
  sortByKeyId,
  verifyLockfileSignatureWith,
  type SignatureEntry,
  type SignatureEnvelope,
  type VerifyOptions,
  type VerifyResult,
} from './signature-envelope.js';

export {
  digestBytes,
  MAX_SIGNATURE_FILE_BYTES,
  MAX_SIGNED_LOCKFILE_BYTES,
  PAE_ROOM,
  parseSignatureEnvelope,
  preAuthEncoding,
  serializeSignatureEnvelope,
  SIGNATURE_VERSION,
  SignatureError,
  type SignatureEntry,
  type SignatureEnvelope,
  type VerifyResult,
} from './signature-envelope.js';

export interface SignOutcome {
  envelope: SignatureEnvelope;
  /** The new signature's key id. */
  keyid: string;
  /** True when this key had already signed these bytes and its signature was replaced. */
  replaced: boolean;
  /** Key ids whose signatures were over different lockfile bytes and were dropped. */
  dropped: string[];
}

/**
 * Adds `key`'s signature over `lockfile` to `existing` (or to a new envelope). Another key's
 * signature over the same bytes is kept; this key's own is replaced; signatures over other
 * bytes (the lockfile changed since) no longer approve anything and are dropped. The new
 * signature is verified, by the verification `mcptrust verify` runs, before it is returned.
 * The PAE is one buffer, signed and checked natively: with `options.room` (see PAE_ROOM) its
 * header is written in the caller's room just before the lockfile, which is then never copied;
 * without it the two are joined into a new buffer.
 */
export function signLockfile(lockfile: Uint8Array, key: PrivateKey, existing?: SignatureEnvelope, options: { room?: number } = {}): SignOutcome {
  const lockfileDigest = digestBytes(lockfile);
  const keyid = key.publicKey.keyId;
  const pae = paeMessage(SIGNATURE_VERSION, KEY_ALGORITHM, keyid, lockfileDigest, lockfile, options.room ?? 0);
  const message = pae instanceof Uint8Array ? pae : preAuthEncoding(SIGNATURE_VERSION, KEY_ALGORITHM, keyid, lockfileDigest, lockfile);
  const signature = signEd25519Native(message, key.seed);
  if (!verifyEd25519(signature, message, key.publicKey.raw)) {
    throw new SignatureError('SIGNING_FAILED', 'the signature just made does not verify; nothing written');
  }
  let kept: SignatureEntry[] = [];
  let dropped: string[] = [];
  if (existing) {
    if (constantTimeEqual(existing.lockfileDigest, lockfileDigest)) kept = existing.signatures;
    else dropped = existing.signatures.map((s) => s.keyid);
  }
  const replaced = kept.some((s) => constantTimeEqual(s.keyid, keyid));
  const entry: SignatureEntry = { algorithm: KEY_ALGORITHM, keyid, signature };
  const signatures = sortByKeyId([...kept.filter((s) => !constantTimeEqual(s.keyid, keyid)), entry]);
  return { envelope: { signatureVersion: SIGNATURE_VERSION, lockfileDigest, signatures, canonical: true }, keyid, replaced, dropped };
}

/**
 * Verifies an envelope against the exact lockfile bytes and a set of trusted public keys
 * (verifyLockfileSignatureWith in ./signature-envelope.ts, with verifyEd25519: node:crypto's
 * "yes", the reference's every "no"). Pure and synchronous; the caller reads the files.
 */
export function verifyLockfileSignature(lockfile: Uint8Array, envelope: SignatureEnvelope, trusted: readonly PublicKey[], options: VerifyOptions = {}): VerifyResult {
  return verifyLockfileSignatureWith(verifyEd25519, lockfile, envelope, trusted, options);
}
