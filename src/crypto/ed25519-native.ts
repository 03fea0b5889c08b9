// The parts of Ed25519 (RFC 8032) that node:crypto (OpenSSL) does natively, with no
// @noble/ed25519 and none of its BigInt curve arithmetic: seeds and public keys, signing, a
// verification whose "yes" is taken (verifyEd25519Native) and a check whose "yes" means a public
// key is acceptable (publicKeyAcceptedNatively). A "no" from either is not an answer: it is
// decided again by the reference in ./ed25519.ts (noble), which gives the message. Kept apart so
// that `mcptrust verify` of valid signatures by valid keys never loads noble (issue 13:
// start-up); ./ed25519.ts re-exports the few of these its importers use with the noble-based API.
import { createPrivateKey, createPublicKey, diffieHellman, randomBytes, sign as nodeSign, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { constantTimeEqual } from './constant-time.js';

export const SEED_LENGTH = 32;
export const PUBLIC_KEY_LENGTH = 32;
export const SIGNATURE_LENGTH = 64;

/** The order of the prime-order subgroup, L = 2^252 + 27742317777372353535851937790883648493 (RFC 8032 §5.1). */
export const L = 2n ** 252n + 27742317777372353535851937790883648493n;

const P = 2n ** 255n - 19n;

function bigIntToLe32(n: bigint): Buffer {
  // 0 <= n < 2^256: its 64 hex digits, least significant byte first (native conversions: a
  // byte-by-byte BigInt loop costs about a millisecond before it is optimised).
  return Buffer.from(n.toString(16).padStart(64, '0'), 'hex').reverse();
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

/**
 * X25519 keys are made from JWKs (raw bytes, base64url): OpenSSL's first DER decoding costs about
 * a millisecond more. The private key's public half, X25519(5L - 1, 9), is 9 again: the base point
 * has order L, so [5L - 1]B = -B, whose u is B's.
 */
const X25519_BASE_U = bigIntToLe32(9n).toString('base64url');
let lMinusOneKey: KeyObject | undefined;

/**
 * Whether the point encoded by `publicKey` lies in the prime-order subgroup, with one native X25519
 * scalar multiplication instead of noble's BigInt [L]A. For a canonical encoding of a point that
 * is not of small order: write A = A' + T (A' of order L, T of order dividing 8) and k = 5L - 1.
 * k is -1 mod L and a multiple of 8, so [k]A = -A'; and k lies between 2^254 and 2^255 with its
 * low three bits clear, so X25519's clamping leaves it unchanged. X25519 works on
 * u = (1 + y) / (1 - y), the Montgomery image of A (an isomorphism of the groups), and
 * u(P) = u(-P). So X25519(k, u(A)) = u(A') equals u(A) exactly when A = ±A', that is when T = 0
 * (A = -A' would need T = -2A', impossible for A' not the identity). For a y that is no curve
 * point at all, see publicKeyAcceptedNatively: the answer is then "not". Any error means "not".
 */
export function isTorsionFree(publicKey: Uint8Array): boolean {
  try {
    const yBytes = Buffer.from(publicKey);
    yBytes[31]! &= 0x7f;
    const y = BigInt(`0x${yBytes.reverse().toString('hex')}`);
    const u = bigIntToLe32((((1n + y) * invertModP(1n - y)) % P + P) % P);
    lMinusOneKey ??= createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d: bigIntToLe32(5n * L - 1n).toString('base64url'), x: X25519_BASE_U }, format: 'jwk' });
    const publicU = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: u.toString('base64url') }, format: 'jwk' });
    return constantTimeEqual(diffieHellman({ privateKey: lMinusOneKey, publicKey: publicU }), u);
  } catch {
    return false;
  }
}

/** A fresh 32-byte secret seed from the operating system's CSPRNG. */
export function generateSeed(): Uint8Array {
  return new Uint8Array(randomBytes(SEED_LENGTH));
}

// RFC 8410 §4 and §7: SubjectPublicKeyInfo { AlgorithmIdentifier { id-Ed25519 (1.3.101.112) },
// BIT STRING (32 bytes) } and OneAsymmetricKey v1 { version 0, AlgorithmIdentifier,
// OCTET STRING { OCTET STRING (32-byte seed) } }. DER allows exactly one encoding of each.
/** DER prefix of an Ed25519 SubjectPublicKeyInfo, followed by the 32-byte key. */
export const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
/** DER prefix of an Ed25519 PKCS#8 v1 private key, followed by the 32-byte seed. */
export const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

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
  return new Uint8Array(spki.subarray(ED25519_SPKI_PREFIX.length));
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
const L_BYTES = bigIntToLe32(L);

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

/** The KeyObject of the last public key checked natively (verify checks several signatures by few keys). */
let lastNativeKey: { x: string; key: KeyObject } | undefined;

/**
 * node:crypto's (OpenSSL's) Ed25519 verification, taken only as a "yes" that implies
 * verifyEd25519Reference's (./ed25519.ts): OpenSSL checks S < L, decodes A and accepts only when
 * encode([S]B - [k]A) equals R byte for byte, k = SHA-512(R || A || M) mod L (the cofactorless
 * equation). Equality with an encoding the library produced makes R the canonical encoding of a
 * curve point, and the cofactorless equation implies the cofactored one ([8]·0 = 0). The rest of
 * the reference's strict rules are checked here on the bytes first: S < L, A canonical and not of
 * small order, R not of small order (its canonical small-order encodings are listed). Anything
 * OpenSSL refuses, or any error, is decided by the reference path, so the answer is the
 * reference's in every case; only valid signatures skip its BigInt arithmetic.
 */
export function verifyEd25519Native(signature: Uint8Array, message: Uint8Array | readonly Uint8Array[], publicKey: Uint8Array): boolean {
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
 * True when `publicKey` is certainly an acceptable public key (publicKeyProblem in ./ed25519.ts
 * would return undefined), decided without a square root or any noble arithmetic:
 *  1. y (the low 255 bits) < p, on the bytes;
 *  2. not one of the eight small-order encodings, nor y = 1 or y = p - 1 with the sign bit set
 *     ("negative zero", x = 0): plausibleLargeOrderEncoding;
 *  3. isTorsionFree: X25519(k, u) = u for k = 5L - 1 and u = (1 + y) / (1 - y).
 * Step 3 also proves that y is the y of a curve point, so the encoding decodes. If it is not
 * (x^2 = (y^2 - 1) / (d y^2 + 1) has no root), u is the u of a point Q of the quadratic twist
 * (u^3 + A u^2 + u is then not a square), whose group has order 4·L' with L' = 2^253 - 9 - 2δ
 * prime (L = 2^252 + δ; the twist has 2(p + 1) - 8L points). X25519's ladder computes u([k]Q) on
 * the twist just as on the curve, and u([k]Q) = u(Q) means [k]Q = ±Q, so [k - 1]Q or [k + 1]Q is
 * the identity: the order of Q divides 5L - 2 or 5L, both odd, so it is odd and divides 4·L',
 * hence 1 (the identity, which has no u) or L', and L' divides neither 5L - 2 nor 5L (their
 * remainders are 7237005577332262213973186563042994241079054901598886434288766440612523438949
 * and …951; tests/crypto/public-key-fast.test.ts recomputes all of this). So the twist never
 * passes. With the point on the curve, step 1 and a nonzero x (step 2) make the encoding the
 * canonical one of the point the sign bit selects, step 2 leaves no point of small order (a
 * torsion-free point of small order is the identity, y = 1), and step 3 is the reference's own
 * subgroup check. A "false" is not an answer: the reference decides, and says why.
 */
export function publicKeyAcceptedNatively(publicKey: Uint8Array): boolean {
  return publicKey.length === PUBLIC_KEY_LENGTH && plausibleLargeOrderEncoding(publicKey) && isTorsionFree(publicKey);
}
