// Ed25519 (RFC 8032, PureEdDSA): signing, verification and the public-key check, with
// @noble/ed25519 as the reference for what node:crypto cannot decide. node:crypto (OpenSSL) derives
// public keys from seeds and makes the signatures `sign` writes (signEd25519Native,
// publicKeyFromSeed: deterministic, so byte for byte noble's, which the tests check), and answers
// every valid signature and every acceptable public key first (./ed25519-native.ts, which loads no
// noble). @noble/ed25519, in its strict mode, decodes points and does the curve arithmetic of the
// reference verification and of the public-key check, which decide every "no" and give its message
// (see verifyEd25519Reference for why its verification equation is spelled out here). node:crypto
// also provides SHA-512 (which noble v3 asks the caller to supply for its synchronous API) and
// randomness. A command that must not load noble for a "yes" (verify) imports ./ed25519-native.ts
// and this module only when the native answer is "no".
import { createHash } from 'node:crypto';
import * as ed from '@noble/ed25519';
import { constantTimeEqual } from './constant-time.js';
import { isTorsionFree, L, PUBLIC_KEY_LENGTH, publicKeyAcceptedNatively, SIGNATURE_LENGTH, verifyEd25519Native } from './ed25519-native.js';

export { generateSeed, publicKeyFromSeed, signEd25519Native, SMALL_ORDER_ENCODINGS } from './ed25519-native.js';

ed.hashes.sha512 = (message) => new Uint8Array(createHash('sha512').update(message).digest());

function littleEndianToBigInt(bytes: Uint8Array): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]!);
  return n;
}

/**
 * Decodes a point strictly (RFC 8032 §5.1.3): y < p, no "negative zero" x, and the encoding is
 * the one the point re-encodes to. Returns undefined for anything else.
 */
function decodeCanonicalPoint(bytes: Uint8Array): InstanceType<typeof ed.Point> | undefined {
  try {
    const point = ed.Point.fromBytes(bytes, false);
    if (!constantTimeEqual(point.toBytes(), bytes)) return undefined;
    return point;
  } catch {
    return undefined;
  }
}

/**
 * Why a 32-byte string is not an acceptable Ed25519 public key, or undefined when it is: wrong
 * length, not a canonical encoding of a curve point, a point of small order (such keys let one
 * signature verify for many messages; libsodium refuses them too), or a point outside the
 * prime-order subgroup. The last one matters for thresholds: for A = [a]B, the key A + T (T of
 * order 8) has another encoding and so another key id, yet the cofactored equation of RFC 8032
 * §5.1.7 accepts a signature made with a for it (see verifyEd25519), so one secret could count as
 * two distinct signers. A key made from a seed is always [a]B, so only a crafted key is refused.
 * Checked where public keys are loaded (src/crypto/keys.ts), not in verifyEd25519, which stays
 * the RFC's cofactored verification and agrees with noble (tests/crypto/ed25519-differential).
 * An acceptable key is recognized natively (publicKeyAcceptedNatively: no square root, no noble);
 * every other answer, and so every message, is publicKeyProblemReference's.
 */
export function publicKeyProblem(publicKey: Uint8Array): string | undefined {
  if (publicKeyAcceptedNatively(publicKey)) return undefined;
  return publicKeyProblemReference(publicKey);
}

/**
 * publicKeyProblem decided by noble alone (its strict decoding, with the square root, and its
 * small-order test) and the native subgroup check: what publicKeyProblem returns for every key
 * publicKeyAcceptedNatively does not accept, and the cross-check of that fast path in
 * tests/crypto/public-key-fast.test.ts.
 */
export function publicKeyProblemReference(publicKey: Uint8Array): string | undefined {
  if (publicKey.length !== PUBLIC_KEY_LENGTH) return `is ${publicKey.length} bytes, not ${PUBLIC_KEY_LENGTH}`;
  const point = decodeCanonicalPoint(publicKey);
  if (!point) return 'is not a canonical encoding of a curve point';
  if (point.isSmallOrder()) return 'is a point of small order';
  // [L]A must be the identity: decided natively by isTorsionFree (./ed25519-native.ts; noble's own
  // point.isTorsionFree(), a BigInt [L/2]A, is the cross-check in tests/crypto/torsion-native).
  if (!isTorsionFree(publicKey)) return 'is not in the prime-order subgroup ([L]A is not the identity: it has a torsion component, so one secret could stand behind several key ids)';
  return undefined;
}

/** A deterministic RFC 8032 Ed25519 signature of `message`. */
export function signEd25519(message: Uint8Array, seed: Uint8Array): Uint8Array {
  return ed.sign(message, seed);
}

/**
 * The same RFC 8032 §5.1.6 signature as signEd25519, over the concatenation of `parts`, each
 * hashed in order where it lies: a many-MiB lockfile is never copied into one message (noble's
 * sign copies it three times). The steps, with noble's expanded key (`prefix`, scalar `s`, `A`):
 *  1. r = SHA-512(prefix || M) mod L
 *  2. R = [r]B
 *  3. k = SHA-512(R || A || M) mod L
 *  4. S = (r + k·s) mod L; the signature is R || S (S little-endian, 32 bytes).
 * tests/crypto/ed25519-parts.test.ts checks it byte for byte against noble's sign on the
 * RFC 8032 vectors and on random messages split at random places.
 */
export function signEd25519Parts(parts: readonly Uint8Array[], seed: Uint8Array): Uint8Array {
  const { prefix, scalar, pointBytes } = ed.utils.getExtendedPublicKey(seed);
  const nonce = createHash('sha512').update(prefix);
  for (const part of parts) nonce.update(part);
  const r = littleEndianToBigInt(nonce.digest()) % L;
  // As noble's sign: multiply refuses r = 0 rather than sign with the identity point.
  const rBytes = ed.Point.BASE.multiply(r).toBytes();
  const challenge = createHash('sha512').update(rBytes).update(pointBytes);
  for (const part of parts) challenge.update(part);
  const k = littleEndianToBigInt(challenge.digest()) % L;
  const sBig = (r + k * scalar) % L;
  const out = new Uint8Array(SIGNATURE_LENGTH);
  out.set(rBytes, 0);
  let v = sBig;
  for (let i = 32; i < 64; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** The point -B: multiplying it (rather than B) by L - s gives [s]B without noble's 4,224-point base table. */
const NEG_BASE = ed.Point.BASE.negate();
let verifications = 0;

/**
 * [s]B for 0 <= s < L. noble multiplies B through a table it builds on first use (about as
 * long as a dozen plain multiplications): worth it only when a process verifies many
 * signatures, so the first few use a plain double-and-add on -B, since (L - s)(-B) = [s]B.
 */
function multiplyBase(s: bigint): InstanceType<typeof ed.Point> {
  if (s === 0n) return ed.Point.ZERO;
  verifications++;
  return verifications > 8 ? ed.Point.BASE.multiply(s, false) : NEG_BASE.multiply(L - s, false);
}

/**
 * Strict RFC 8032 §5.1.7 verification of `signature` over the concatenation of `message` (one
 * buffer or several parts, hashed in order without being copied together). Fail closed: any
 * wrong length, any exception from a primitive, means invalid.
 *
 * Decoding and curve arithmetic are @noble/ed25519's (`Point.fromBytes` in its strict, non-ZIP215
 * mode, `add`, `multiply`, `clearCofactor`); SHA-512 is node's. The steps, after RFC 8032 §5.1.7:
 *  1. A and R decode strictly (y < p, no x = 0 with the sign bit set) and are the canonical
 *     encodings of their points; S < L. A and R of small order are refused (libsodium does the
 *     same; noble's strict verify refuses small-order A).
 *  2. k = SHA-512(R || A || M) mod L.
 *  3. [8]([S]B - R - [k]A) is the identity (the cofactored equation the RFC allows), so a mixed-
 *     order A or R (prime-order point plus torsion) is accepted, exactly as noble does.
 * noble's `multiply(n, false)` returns the identity for n = 0 (S = 0, k = 0) and throws for
 * n >= L, so S >= L is refused twice over. The result equals noble's
 * `verify(sig, msg, pub, { zip215: false })` with small-order R also refused;
 * tests/crypto/ed25519-differential.test.ts checks that on random and crafted signatures (S >= L,
 * y >= p, negative zero, small- and mixed-order A and R) on both paths for [S]B, and the other
 * tests cross-check tweetnacl, node:crypto and the RFC 8032 vectors. It is written out here so that a many-MiB lockfile is neither copied into one buffer
 * (twice) nor made to wait for noble's base-point table (about 17 ms at start-up), which is what
 * keeps `mcptrust verify` close to bare node start-up time.
 */
export function verifyEd25519Reference(signature: Uint8Array, message: Uint8Array | readonly Uint8Array[], publicKey: Uint8Array): boolean {
  let valid = false;
  try {
    if (signature.length !== SIGNATURE_LENGTH || publicKey.length !== PUBLIC_KEY_LENGTH) return false;
    const a = decodeCanonicalPoint(publicKey);
    if (!a || a.isSmallOrder()) return false;
    const rBytes = signature.subarray(0, 32);
    const r = decodeCanonicalPoint(rBytes);
    if (!r || r.isSmallOrder()) return false;
    const s = littleEndianToBigInt(signature.subarray(32, 64));
    if (s >= L) return false;
    const hash = createHash('sha512').update(rBytes).update(publicKey);
    for (const part of message instanceof Uint8Array ? [message] : message) hash.update(part);
    const k = littleEndianToBigInt(hash.digest()) % L;
    const sB = multiplyBase(s);
    const kA = a.multiply(k, false);
    valid = sB.subtract(r).subtract(kA).clearCofactor().is0();
  } catch {
    valid = false;
  }
  return valid;
}

/**
 * Strict RFC 8032 §5.1.7 verification of `signature` over the concatenation of `message`, with
 * exactly verifyEd25519Reference's answer: node:crypto's native verification first (see
 * verifyEd25519Native for why its "yes" implies the reference's), the reference for every "no". A valid
 * signature costs one native check instead of two BigInt scalar multiplications; an invalid one
 * costs both. The native check needs the message in one buffer: parts are joined for it (pass one
 * buffer, as verify does with its PAE, to avoid that copy).
 */
export function verifyEd25519(signature: Uint8Array, message: Uint8Array | readonly Uint8Array[], publicKey: Uint8Array): boolean {
  if (verifyEd25519Native(signature, message, publicKey)) return true;
  return verifyEd25519Reference(signature, message, publicKey);
}

