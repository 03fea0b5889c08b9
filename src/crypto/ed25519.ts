// Ed25519 (RFC 8032, PureEdDSA). node:crypto (OpenSSL) derives public keys from seeds and makes
// the signatures `sign` writes (signEd25519Native, publicKeyFromSeed: deterministic, so byte for
// byte noble's, which the tests check). @noble/ed25519, in its strict mode, decodes points and
// does the curve arithmetic of verification (see verifyEd25519Reference for why its verification
// equation is spelled out here). node:crypto also provides SHA-512 (which noble v3 asks the caller
// to supply for its synchronous API), randomness, and a native first try of each verification
// (verifyEd25519): its "yes" is only taken where it implies the reference's.
import { createHash, createPrivateKey, createPublicKey, diffieHellman, randomBytes, sign as nodeSign, verify as nodeVerify, type KeyObject } from 'node:crypto';
import * as ed from '@noble/ed25519';
import { constantTimeEqual } from './constant-time.js';

ed.hashes.sha512 = (message) => new Uint8Array(createHash('sha512').update(message).digest());

export const SEED_LENGTH = 32;
export const PUBLIC_KEY_LENGTH = 32;
export const SIGNATURE_LENGTH = 64;

/** The order of the prime-order subgroup, L = 2^252 + 27742317777372353535851937790883648493 (RFC 8032 §5.1). */
const L = 2n ** 252n + 27742317777372353535851937790883648493n;

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
 */
export function publicKeyProblem(publicKey: Uint8Array): string | undefined {
  if (publicKey.length !== PUBLIC_KEY_LENGTH) return `is ${publicKey.length} bytes, not ${PUBLIC_KEY_LENGTH}`;
  const point = decodeCanonicalPoint(publicKey);
  if (!point) return 'is not a canonical encoding of a curve point';
  if (point.isSmallOrder()) return 'is a point of small order';
  // [L]A must be the identity: decided natively by isTorsionFree below (noble's own
  // point.isTorsionFree(), a BigInt [L/2]A, is the cross-check in tests/crypto/torsion-native).
  if (!isTorsionFree(publicKey)) return 'is not in the prime-order subgroup ([L]A is not the identity: it has a torsion component, so one secret could stand behind several key ids)';
  return undefined;
}

const P = 2n ** 255n - 19n;

function bigIntToLe32(n: bigint): Buffer {
  const out = Buffer.alloc(32);
  for (let i = 0; i < 32; i++) {
    out[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return out;
}

/** a^-1 mod p by the extended Euclidean algorithm (a not 0 mod p). */
function invertModP(a: bigint): bigint {
  let [t, newT, r, newR] = [0n, 1n, P, ((a % P) + P) % P];
  while (newR !== 0n) {
    const q = r / newR;
    [t, newT] = [newT, t - q * newT];
    [r, newR] = [newR, r - q * newR];
  }
  return t < 0n ? t + P : t;
}

/** DER prefixes of an X25519 PKCS#8 private key and SPKI public key (RFC 8410), each followed by 32 bytes. */
const X25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const X25519_SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');
let lMinusOneKey: KeyObject | undefined;

/**
 * Whether the point encoded by `publicKey` (already known to be a canonical encoding of a point
 * that is not of small order) lies in the prime-order subgroup, with one native X25519 scalar
 * multiplication instead of noble's BigInt [L]A. Write A = A' + T (A' of order L, T of order
 * dividing 8) and k = 5L - 1. k is -1 mod L and a multiple of 8, so [k]A = -A'; and k lies
 * between 2^254 and 2^255 with its low three bits clear, so X25519's clamping leaves it unchanged.
 * X25519 works on u = (1 + y) / (1 - y), the Montgomery image of A (an isomorphism of the groups),
 * and u(P) = u(-P). So X25519(k, u(A)) = u(A') equals u(A) exactly when A = ±A', that is when
 * T = 0 (A = -A' would need T = -2A', impossible for A' not the identity). Any error means "not".
 */
function isTorsionFree(publicKey: Uint8Array): boolean {
  try {
    const yBytes = Buffer.from(publicKey);
    yBytes[31]! &= 0x7f;
    let y = 0n;
    for (let i = 31; i >= 0; i--) y = (y << 8n) | BigInt(yBytes[i]!);
    const u = bigIntToLe32((((1n + y) * invertModP(1n - y)) % P + P) % P);
    lMinusOneKey ??= createPrivateKey({ key: Buffer.concat([X25519_PKCS8_PREFIX, bigIntToLe32(5n * L - 1n)]), format: 'der', type: 'pkcs8' });
    const publicU = createPublicKey({ key: Buffer.concat([X25519_SPKI_PREFIX, u]), format: 'der', type: 'spki' });
    return constantTimeEqual(diffieHellman({ privateKey: lMinusOneKey, publicKey: publicU }), u);
  } catch {
    return false;
  }
}

/** A fresh 32-byte secret seed from the operating system's CSPRNG. */
export function generateSeed(): Uint8Array {
  return new Uint8Array(randomBytes(SEED_LENGTH));
}

/** DER prefix of an Ed25519 PKCS#8 v1 private key (RFC 8410 §7), followed by the 32-byte seed. */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
/** DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410 §4), followed by the 32-byte key. */
const ED25519_SPKI_PREFIX_LENGTH = 12;

/** node:crypto's KeyObject of a seed (a few microseconds: no curve arithmetic until it is used). */
function nativePrivateKey(seed: Uint8Array): KeyObject {
  if (seed.length !== SEED_LENGTH) throw new RangeError(`an Ed25519 seed is ${SEED_LENGTH} bytes`);
  return createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}

/**
 * The public key of a 32-byte secret seed (RFC 8032 §5.1.5), derived natively (OpenSSL): the
 * same 32 bytes noble's getPublicKey gives (tests/crypto/ed25519.test.ts checks the RFC 8032
 * vectors and random seeds against noble), without its BigInt scalar multiplication.
 */
export function publicKeyFromSeed(seed: Uint8Array): Uint8Array {
  const spki = createPublicKey(nativePrivateKey(seed)).export({ format: 'der', type: 'spki' });
  return new Uint8Array(spki.subarray(ED25519_SPKI_PREFIX_LENGTH));
}

/**
 * A deterministic RFC 8032 Ed25519 signature of `message` (one buffer), made natively
 * (OpenSSL's PureEdDSA): byte for byte the signature signEd25519 and signEd25519Parts give, as
 * Ed25519 signing has exactly one result per key and message (tests/crypto/ed25519-parts.test.ts
 * checks all three on the RFC 8032 vectors and random messages). Two native SHA-512 passes over
 * the message and no BigInt arithmetic: what `mcptrust sign` uses on a many-MiB lockfile.
 */
export function signEd25519Native(message: Uint8Array, seed: Uint8Array): Uint8Array {
  return new Uint8Array(nodeSign(null, message, nativePrivateKey(seed)));
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
 * The canonical encodings of the eight points of small order (the torsion subgroup), the only
 * encodings a canonical small-order A or R can have. tests/crypto/ed25519-native.test.ts
 * recomputes them with noble.
 */
export const SMALL_ORDER_ENCODINGS: readonly string[] = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0000000000000000000000000000000000000000000000000000000000000080',
  '0100000000000000000000000000000000000000000000000000000000000000',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
];
const SMALL_ORDER_HEX = new Set(SMALL_ORDER_ENCODINGS);

/** L in 32 little-endian bytes, for the byte-wise S < L test. */
const L_BYTES = (() => {
  const out = new Uint8Array(32);
  let v = L;
  for (let i = 0; i < 32; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
})();

/**
 * True when the 32 bytes are a canonical point encoding as far as bytes alone can tell (y < p, no
 * x = 0 with the sign bit set, which happens only for y = 1 and y = p - 1) and not one of the
 * small-order encodings. Whether the point exists at all is left to the equation that uses it.
 */
function plausibleLargeOrderEncoding(bytes: Uint8Array): boolean {
  // y >= p = 2^255 - 19 only for y in [2^255 - 19, 2^255 - 1]: top byte 0x7f, the middle 0xff, the first >= 0xed.
  let allOnes = (bytes[31]! & 0x7f) === 0x7f;
  for (let i = 1; allOnes && i < 31; i++) allOnes = bytes[i] === 0xff;
  if (allOnes && bytes[0]! >= 0xed) return false;
  const sign = bytes[31]! & 0x80;
  if (sign !== 0) {
    // y = 1 or y = p - 1 (x = 0) with the sign bit set: "negative zero".
    let oneRest = bytes[0] === 0x01 || bytes[0] === 0xec;
    for (let i = 1; oneRest && i < 31; i++) oneRest = bytes[i] === (bytes[0] === 0x01 ? 0 : 0xff);
    if (oneRest && (bytes[31]! & 0x7f) === (bytes[0] === 0x01 ? 0 : 0x7f)) return false;
  }
  return !SMALL_ORDER_HEX.has(Buffer.from(bytes.buffer, bytes.byteOffset, 32).toString('hex'));
}

/** S < L, read little-endian. */
function scalarBelowOrder(s: Uint8Array): boolean {
  for (let i = 31; i >= 0; i--) {
    if (s[i]! !== L_BYTES[i]!) return s[i]! < L_BYTES[i]!;
  }
  return false;
}

/**
 * node:crypto's (OpenSSL's) Ed25519 verification, taken only as a "yes" that implies
 * verifyEd25519Reference's: OpenSSL checks S < L, decodes A and accepts only when
 * encode([S]B - [k]A) equals R byte for byte, k = SHA-512(R || A || M) mod L (the cofactorless
 * equation). Equality with an encoding the library produced makes R the canonical encoding of a
 * curve point, and the cofactorless equation implies the cofactored one ([8]·0 = 0). The rest of
 * the reference's strict rules are checked here on the bytes first: S < L, A canonical and not of
 * small order, R not of small order (its canonical small-order encodings are listed). Anything
 * OpenSSL refuses, or any error, is decided by the reference path, so the answer is the
 * reference's in every case; only valid signatures skip its BigInt arithmetic.
 */
/** The KeyObject of the last public key checked natively (verify checks several signatures by few keys). */
let lastNativeKey: { x: string; key: KeyObject } | undefined;

function nativeAccepts(signature: Uint8Array, message: Uint8Array | readonly Uint8Array[], publicKey: Uint8Array): boolean {
  try {
    if (signature.length !== SIGNATURE_LENGTH || publicKey.length !== PUBLIC_KEY_LENGTH) return false;
    if (!scalarBelowOrder(signature.subarray(32, 64))) return false;
    if (!plausibleLargeOrderEncoding(publicKey) || !plausibleLargeOrderEncoding(signature.subarray(0, 32))) return false;
    const x = Buffer.from(publicKey.buffer, publicKey.byteOffset, PUBLIC_KEY_LENGTH).toString('base64url');
    if (lastNativeKey?.x !== x) lastNativeKey = { x, key: createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' }) };
    const key = lastNativeKey.key;
    const bytes = message instanceof Uint8Array ? message : message.length === 1 ? message[0]! : Buffer.concat(message);
    return nodeVerify(null, bytes, key, signature) === true;
  } catch {
    return false;
  }
}

/**
 * Strict RFC 8032 §5.1.7 verification of `signature` over the concatenation of `message`, with
 * exactly verifyEd25519Reference's answer: node:crypto's native verification first (see
 * nativeAccepts for why its "yes" implies the reference's), the reference for every "no". A valid
 * signature costs one native check instead of two BigInt scalar multiplications; an invalid one
 * costs both. The native check needs the message in one buffer: parts are joined for it (pass one
 * buffer, as verify does with its PAE, to avoid that copy).
 */
export function verifyEd25519(signature: Uint8Array, message: Uint8Array | readonly Uint8Array[], publicKey: Uint8Array): boolean {
  if (nativeAccepts(signature, message, publicKey)) return true;
  return verifyEd25519Reference(signature, message, publicKey);
}

