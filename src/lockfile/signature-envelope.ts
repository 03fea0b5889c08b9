// The detached signature of a lockfile, `mcp-lock.json.sig`: a versioned JSON envelope holding
// one Ed25519 signature per approving key. What is signed is not the lockfile alone but a
// pre-authentication encoding (in the spirit of DSSE's PAE) of a fixed context string, the
// envelope version, the algorithm, the key id and the exact lockfile bytes, each length-prefixed,
// so no byte of the lockfile and no field of the envelope can change without breaking it.
//
// This module must stay light: `mcptrust verify` loads it on its fast path. It never parses the
// lockfile (verification is over bytes), imports neither the canonicalizer nor the MCP SDK, and
// needs no @noble/ed25519: the Ed25519 verification is passed in (verifyLockfileSignatureWith),
// and verifyLockfileSignatureNatively answers with node:crypto's alone when every signature is
// valid. ./signature.ts adds signing and the full verification, with the reference for a "no".
import { createHash } from 'node:crypto';
import { constantTimeEqual } from '../crypto/constant-time.js';
import { verifyEd25519Native } from '../crypto/ed25519-native.js';
import { KEY_ALGORITHM, type PublicKey } from '../crypto/key-files.js';
import { BaseError, type ErrorCategory } from '../errors.js';
import { MAX_LOCKFILE_BYTES } from './types.js';
import { parseJsonStrict } from '../util/json.js';
import { printable } from '../util/text.js';

/** The envelope format versions this build reads. Anything else is refused (exit 2). */
export const SIGNATURE_VERSION = 1;
export const SUPPORTED_SIGNATURE_VERSIONS: readonly number[] = [1];
/** Domain separation: a signature made for anything else never verifies as a lockfile signature. */
export const SIGNATURE_CONTEXT = 'mcptrust-lockfile-signature';
/** A bound on signatures in one envelope (and so on verification work). */
export const MAX_SIGNATURES = 64;
export const MAX_SIGNATURE_FILE_BYTES = 1024 * 1024;
/** The largest lockfile sign and verify read (10,000 large tools fit with room to spare): the one lockfile bound. */
export const MAX_SIGNED_LOCKFILE_BYTES = MAX_LOCKFILE_BYTES;

export type SignatureErrorCode = 'MALFORMED_SIGNATURE_FILE' | 'UNKNOWN_SIGNATURE_VERSION' | 'SIGNING_FAILED';

/** A signature file that cannot be read as an envelope, or a signature that could not be made (exit 2). */
export class SignatureError extends BaseError<SignatureErrorCode> {
  constructor(code: SignatureErrorCode, message: string, category: ErrorCategory = 'input') {
    super(category, code, message);
  }
}

export interface SignatureEntry {
  algorithm: typeof KEY_ALGORITHM;
  /** `sha256:` + hex SHA-256 of the signer's SPKI DER (keyIdOf in src/crypto/key-files.ts). */
  keyid: string;
  /** The 64-byte Ed25519 signature over the pre-authentication encoding. */
  signature: Uint8Array;
}

export interface SignatureEnvelope {
  signatureVersion: number;
  /** `sha256:` + hex SHA-256 of the exact lockfile bytes (checked, then every signature is checked). */
  lockfileDigest: string;
  signatures: SignatureEntry[];
  /**
   * True only when the envelope is in the one form `sign` writes: set by signLockfile, and by
   * parseSignatureEnvelope when the file's bytes are exactly serializeSignatureEnvelope's for what
   * it holds. Verification requires it, so that no byte of the signature file can change (white
   * space, key order, signature order, `1.0` for `1`, a final newline) and still verify.
   */
  canonical: boolean;
}

/** `sha256:` + lowercase hex SHA-256 of `bytes`. */
export function digestBytes(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/**
 * The signed message, a pre-authentication encoding in the spirit of DSSE's PAE:
 *   PAE = LEN(context) SP context SP LEN(version) SP version SP LEN(algorithm) SP algorithm
 *         SP LEN(keyid) SP keyid SP LEN(digest) SP digest SP LEN(lockfile) SP lockfile
 * where LEN is the byte length in ASCII decimal without leading zeros, SP one 0x20 byte, and
 * digest the envelope's `lockfileDigest`. Every field is length-prefixed, so the encoding is
 * injective: two different tuples never give the same bytes. The lockfile goes in whole, byte
 * for byte; the digest is in too so that no field of the envelope is outside the signature.
 */
export function preAuthEncoding(version: number, algorithm: string, keyid: string, lockfileDigest: string, lockfile: Uint8Array): Uint8Array {
  const prefix = preAuthPrefix(version, algorithm, keyid, lockfileDigest, lockfile.length);
  const out = new Uint8Array(prefix.length + lockfile.length);
  out.set(prefix, 0);
  out.set(lockfile, prefix.length);
  return out;
}

function preAuthPrefix(version: number, algorithm: string, keyid: string, lockfileDigest: string, lockfileLength: number): Uint8Array {
  const head: string[] = [];
  for (const field of [SIGNATURE_CONTEXT, String(version), algorithm, keyid, lockfileDigest]) {
    head.push(String(Buffer.byteLength(field, 'utf8')), field);
  }
  head.push(String(lockfileLength), '');
  return Buffer.from(head.join(' '), 'utf8');
}

const KEYID = /^sha256:[0-9a-f]{64}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;
const BASE64_SIGNATURE = /^[A-Za-z0-9+/]{86}==$/;

function malformed(source: string, what: string): never {
  // `what` may quote the file (a duplicate key, a JSON syntax error's excerpt): never let its
  // control characters reach a terminal.
  throw new SignatureError('MALFORMED_SIGNATURE_FILE', printable(`${source}: ${what}`, 400));
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function onlyKeys(source: string, path: string, object: Record<string, unknown>, allowed: readonly string[]): void {
  for (const key of Object.keys(object)) {
    if (!allowed.includes(key)) malformed(source, `${path} has an unknown field "${printable(key, 60)}"`);
  }
  for (const key of allowed) {
    if (!Object.prototype.hasOwnProperty.call(object, key)) malformed(source, `${path} lacks the field "${key}"`);
  }
}

/**
 * Reads a signature file (attacker-controlled; parsed defensively): valid UTF-8, strict JSON
 * without duplicate keys, an allow-listed version, exactly the known fields, canonical base64.
 * Throws SignatureError (exit 2) for anything else; never checks a signature.
 */
export function parseSignatureEnvelope(bytes: Uint8Array, source = 'mcp-lock.json.sig'): SignatureEnvelope {
  if (bytes.length > MAX_SIGNATURE_FILE_BYTES) malformed(source, `over ${MAX_SIGNATURE_FILE_BYTES} bytes`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return malformed(source, 'not valid UTF-8 text');
  }
  let parsed: ReturnType<typeof parseJsonStrict>;
  try {
    parsed = parseJsonStrict(text);
  } catch {
    // Fail closed with the right exit code: e.g. a megabyte of "[[[[…" overflows the stack of
    // the duplicate-key count after JSON.parse accepted it.
    return malformed(source, 'not valid JSON (nested too deeply)');
  }
  if ('problem' in parsed) malformed(source, `not valid JSON (${parsed.problem.message})`);
  const root = parsed.value;
  if (!isObject(root)) return malformed(source, 'must be a JSON object');
  const version = root.signatureVersion;
  if (typeof version !== 'number' || !Number.isSafeInteger(version)) malformed(source, '"signatureVersion" must be an integer');
  if (!SUPPORTED_SIGNATURE_VERSIONS.includes(version)) {
    throw new SignatureError(
      'UNKNOWN_SIGNATURE_VERSION',
      `${source}: signature format version ${version} is not supported by this mcptrust (reads ${SUPPORTED_SIGNATURE_VERSIONS.join(', ')})`,
    );
  }
  onlyKeys(source, 'the envelope', root, ['signatureVersion', 'lockfileDigest', 'signatures']);
  if (typeof root.lockfileDigest !== 'string' || !DIGEST.test(root.lockfileDigest)) malformed(source, '"lockfileDigest" must be "sha256:" and 64 lowercase hex digits');
  const list = root.signatures;
  if (!Array.isArray(list) || list.length === 0) return malformed(source, '"signatures" must be a non-empty array');
  if (list.length > MAX_SIGNATURES) malformed(source, `holds ${list.length} signatures, over the limit of ${MAX_SIGNATURES}`);
  const signatures: SignatureEntry[] = list.map((item: unknown, i: number) => {
    const path = `signatures[${i}]`;
    if (!isObject(item)) return malformed(source, `${path} must be an object`);
    onlyKeys(source, path, item, ['algorithm', 'keyid', 'signature']);
    if (item.algorithm !== KEY_ALGORITHM) malformed(source, `${path}.algorithm must be "${KEY_ALGORITHM}"`);
    if (typeof item.keyid !== 'string' || !KEYID.test(item.keyid)) malformed(source, `${path}.keyid must be "sha256:" and 64 lowercase hex digits`);
    const b64 = item.signature;
    if (typeof b64 !== 'string' || !BASE64_SIGNATURE.test(b64)) malformed(source, `${path}.signature must be a 64-byte signature in base64`);
    const signature = new Uint8Array(Buffer.from(b64, 'base64'));
    // Canonical base64 only: the unused low bits of the last character must be zero, so one
    // signature has exactly one spelling.
    if (signature.length !== 64 || Buffer.from(signature).toString('base64') !== b64) malformed(source, `${path}.signature is not canonical base64`);
    return { algorithm: KEY_ALGORITHM, keyid: item.keyid, signature };
  });
  const envelope: SignatureEnvelope = { signatureVersion: version, lockfileDigest: root.lockfileDigest, signatures, canonical: false };
  // Every byte of the file is bound, not only what the signatures cover: the file must be exactly
  // what `sign` writes for these values (verifyLockfileSignature fails otherwise, exit 1).
  envelope.canonical = constantTimeEqual(Buffer.from(serializeSignatureEnvelope(envelope), 'utf8'), bytes);
  return envelope;
}

/** Signatures in the one order a signature file lists them: by key id. */
export function sortByKeyId(signatures: readonly SignatureEntry[]): SignatureEntry[] {
  return [...signatures].sort((a, b) => (a.keyid < b.keyid ? -1 : a.keyid > b.keyid ? 1 : 0));
}

/**
 * The bytes of a signature file, its one canonical form: fixed key order, signatures sorted by
 * key id, two-space indentation, the version as a plain integer, a final newline.
 */
export function serializeSignatureEnvelope(envelope: Omit<SignatureEnvelope, 'canonical'>): string {
  const signatures = sortByKeyId(envelope.signatures).map((s) => ({ algorithm: s.algorithm, keyid: s.keyid, signature: Buffer.from(s.signature).toString('base64') }));
  return `${JSON.stringify({ signatureVersion: envelope.signatureVersion, lockfileDigest: envelope.lockfileDigest, signatures }, null, 2)}\n`;
}

export type VerifyProblemCode = 'DIGEST_MISMATCH' | 'NON_CANONICAL_ENVELOPE' | 'INVALID_SIGNATURE' | 'UNKNOWN_KEY' | 'DUPLICATE_SIGNER' | 'THRESHOLD_NOT_MET';

export interface VerifyProblem {
  code: VerifyProblemCode;
  keyid?: string;
  message: string;
}

export interface VerifyOptions {
  /** Distinct trusted keys whose valid signatures are required (default 1). */
  threshold?: number;
  /** Ignore (rather than fail on) signatures by keys that are not trusted; they never count. */
  allowUnknownSigners?: boolean;
  /**
   * How many bytes just before `lockfile` in its buffer belong to the caller and may be
   * overwritten (see PAE_ROOM): each PAE header is written there, so each signed message is one
   * buffer and the lockfile is never copied. 0 (the default): the message is passed in parts.
   */
  room?: number;
}

/** An Ed25519 verification: true when `signature` is valid for the concatenation of `message` under `publicKey`. */
export type Ed25519Verifier = (signature: Uint8Array, message: Uint8Array | readonly Uint8Array[], publicKey: Uint8Array) => boolean;

/** Room to leave before the lockfile's bytes for the PAE header (about 200 bytes in version 1). */
export const PAE_ROOM = 512;

/** The PAE for one signature: in place in the caller's room when it fits, else as two parts. */
export function paeMessage(version: number, algorithm: string, keyid: string, lockfileDigest: string, lockfile: Uint8Array, room: number): Uint8Array | Uint8Array[] {
  const header = preAuthPrefix(version, algorithm, keyid, lockfileDigest, lockfile.length);
  if (header.length > room || header.length > lockfile.byteOffset) return [header, lockfile];
  const whole = new Uint8Array(lockfile.buffer, lockfile.byteOffset - header.length, header.length + lockfile.length);
  whole.set(header, 0);
  return whole;
}

export interface VerifyResult {
  /** True only when every check passed; starts false. */
  verified: boolean;
  /** The `lockfileDigest` the signatures cover (inside the signed bytes). */
  lockfileDigest: string;
  threshold: number;
  /** Key ids of the distinct trusted keys with a valid signature, in envelope order. */
  signers: string[];
  /** Key ids of signatures by keys that are not trusted (ignored with allowUnknownSigners). */
  unknownSigners: string[];
  problems: VerifyProblem[];
}

/**
 * Verifies an envelope against the exact lockfile bytes and a set of trusted public keys.
 * Pure and synchronous; the caller reads the files. Fails closed: the envelope must have been
 * read in its canonical form (`canonical`), every signature by a trusted
 * key must verify over the PAE of these bytes, a signature by an untrusted key is a failure
 * (unless allowUnknownSigners), a key may sign only once, and at least `threshold` distinct
 * trusted keys must have signed.
 *
 * The envelope's `lockfileDigest` is inside the signed bytes, so a valid signature vouches for it;
 * it is recomputed only when verification fails, to say whether the lockfile itself changed. This
 * keeps a successful verify to one hash of the lockfile per signature. Each signature is checked
 * by `verify` (verifyEd25519 in ./signature.ts's verifyLockfileSignature).
 */
export function verifyLockfileSignatureWith(
  verify: Ed25519Verifier,
  lockfile: Uint8Array,
  envelope: SignatureEnvelope,
  trusted: readonly PublicKey[],
  options: VerifyOptions = {},
): VerifyResult {
  const threshold = options.threshold ?? 1;
  if (!Number.isSafeInteger(threshold) || threshold < 1) throw new RangeError('threshold must be a whole number of at least 1');
  const result: VerifyResult = {
    verified: false,
    lockfileDigest: envelope.lockfileDigest,
    threshold,
    signers: [],
    unknownSigners: [],
    problems: [],
  };
  // Fail closed: only `canonical: true` exactly (set from the file's bytes) lets a result pass.
  if (envelope.canonical !== true) {
    result.problems.push({
      code: 'NON_CANONICAL_ENVELOPE',
      message: 'the signature file is not in canonical form (not byte for byte what mcptrust sign writes); re-sign the lockfile or restore the file',
    });
  }
  const seen = new Set<string>();
  for (const entry of envelope.signatures) {
    const key = trusted.find((k) => constantTimeEqual(k.keyId, entry.keyid));
    if (!key) {
      result.unknownSigners.push(entry.keyid);
      if (!options.allowUnknownSigners) {
        result.problems.push({
          code: 'UNKNOWN_KEY',
          keyid: entry.keyid,
          message: `signed by ${entry.keyid}, which is not a trusted key (add its public key with --key or --keyring, or pass --allow-unknown-signers)`,
        });
      }
      continue;
    }
    const message = paeMessage(envelope.signatureVersion, entry.algorithm, entry.keyid, envelope.lockfileDigest, lockfile, options.room ?? 0);
    if (!verify(entry.signature, message, key.raw)) {
      result.problems.push({ code: 'INVALID_SIGNATURE', keyid: entry.keyid, message: `the signature by ${entry.keyid} does not verify` });
      continue;
    }
    if (seen.has(key.keyId)) {
      result.problems.push({ code: 'DUPLICATE_SIGNER', keyid: entry.keyid, message: `${entry.keyid} signed more than once; it counts once` });
      continue;
    }
    seen.add(key.keyId);
    result.signers.push(key.keyId);
  }
  if (result.signers.length < threshold) {
    const distinctTrusted = new Set(trusted.map((k) => k.keyId)).size;
    const impossible = distinctTrusted < threshold ? ` (only ${distinctTrusted} distinct trusted key${distinctTrusted === 1 ? ' was' : 's were'} given)` : '';
    result.problems.push({
      code: 'THRESHOLD_NOT_MET',
      message: `${result.signers.length} distinct trusted key${result.signers.length === 1 ? '' : 's'} signed; ${threshold} required${impossible}`,
    });
  }
  if (result.problems.length > 0) {
    const actual = digestBytes(lockfile);
    if (!constantTimeEqual(actual, envelope.lockfileDigest)) {
      result.problems.unshift({
        code: 'DIGEST_MISMATCH',
        message: `the lockfile was changed after it was signed (it is ${actual}; the signatures are over ${envelope.lockfileDigest})`,
      });
    }
  }
  result.verified = result.problems.length === 0;
  return result;
}

/**
 * verifyLockfileSignature's result when it is a success, found with node:crypto's verification
 * alone (verifyEd25519Native, whose "yes" implies the reference's); undefined otherwise, for
 * verifyLockfileSignature (./signature.ts) to decide and explain. A success here is exactly
 * verifyLockfileSignature's: it has no problems, so every signature by a trusted key verified
 * natively, and verifyEd25519 takes each of those native "yes" as its answer.
 */
export function verifyLockfileSignatureNatively(
  lockfile: Uint8Array,
  envelope: SignatureEnvelope,
  trusted: readonly PublicKey[],
  options: VerifyOptions = {},
): VerifyResult | undefined {
  const result = verifyLockfileSignatureWith(verifyEd25519Native, lockfile, envelope, trusted, options);
  return result.verified ? result : undefined;
}
