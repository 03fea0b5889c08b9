// Key files: PEM PKCS#8 (private) and SPKI (public) for Ed25519 (RFC 8410), the same files
// `openssl genpkey -algorithm ed25519` writes. Key files are attacker-controlled input: they are
// bounded by the caller, decoded strictly here, and any other key type is refused by name.
// node:crypto is used only to read DER structures that are not the fixed Ed25519 forms (to name
// a foreign key type, or to read a PKCS#8 v2 key that carries its public key too).
//
// This module needs no @noble/ed25519: a public key is checked by the function its caller passes
// (./keys.ts passes publicKeyProblem, the full check) or, in parsePublicKeyPemNatively, by the
// native check alone, which can only say "acceptable" (`mcptrust verify` asks it first and loads
// ./keys.ts only when it cannot; issue 13).
import { createHash, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { constantTimeEqual } from './constant-time.js';
import {
  ED25519_PKCS8_PREFIX as PKCS8_PREFIX,
  ED25519_SPKI_PREFIX as SPKI_PREFIX,
  publicKeyAcceptedNatively,
  publicKeyFromSeed,
  PUBLIC_KEY_LENGTH,
  SEED_LENGTH,
} from './ed25519-native.js';
import { KeyError } from './errors.js';

/** The only signature algorithm mcptrust uses. */
export const KEY_ALGORITHM = 'ed25519';

/** The most bytes a key file may have (a 16384-bit RSA key in PEM is about 13 KiB). */
export const MAX_KEY_FILE_BYTES = 64 * 1024;

export interface PublicKey {
  /** The 32-byte Ed25519 public key (RFC 8032 encoding). */
  raw: Uint8Array;
  /** Its DER SubjectPublicKeyInfo, the bytes inside the PEM. */
  spki: Uint8Array;
  /** `sha256:` and the lowercase hex SHA-256 of `spki`. */
  keyId: string;
}

export interface PrivateKey {
  /** The 32-byte secret seed (RFC 8032 "private key"). */
  seed: Uint8Array;
  publicKey: PublicKey;
}

/**
 * The key id of a public key: `sha256:` + hex SHA-256 of its DER SubjectPublicKeyInfo, so it can
 * be recomputed with standard tools:
 *   openssl pkey -pubin -in NAME.pub -outform DER | sha256sum
 */
export function keyIdOf(spki: Uint8Array): string {
  return `sha256:${createHash('sha256').update(spki).digest('hex')}`;
}

/** Why 32 raw bytes are not an acceptable public key, or undefined (publicKeyProblem in ./ed25519.ts). */
export type PublicKeyCheck = (raw: Uint8Array) => string | undefined;

/** A public key from its 32 raw bytes, refused (INVALID_PUBLIC_KEY) when `check` finds a problem. */
export function publicKeyFromRawChecked(raw: Uint8Array, source: string, check: PublicKeyCheck): PublicKey {
  const problem = check(raw);
  if (problem) throw new KeyError('INVALID_PUBLIC_KEY', `${source}: the Ed25519 public key ${problem}`);
  return publicKeyRecord(raw);
}

/** The PublicKey record of 32 raw bytes, unchecked: callers check the point first, or derived it from a seed. */
function publicKeyRecord(raw: Uint8Array): PublicKey {
  const spki = new Uint8Array(Buffer.concat([SPKI_PREFIX, raw]));
  return { raw: new Uint8Array(raw), spki, keyId: keyIdOf(spki) };
}

/**
 * The key pair of a 32-byte secret seed. Its public key is [a]B for the seed's clamped scalar a
 * (RFC 8032 §5.1.5): always a canonical encoding (the library encodes it), in the prime-order
 * subgroup (a multiple of B), and never of small order (a lies in [2^254, 2^255) and is a
 * multiple of 8, so it is no multiple of the odd L, and [a]B is not the identity). So the checks
 * publicKeyFromRaw (./keys.ts) makes on a key from a file (publicKeyProblem) cannot fail here and are not
 * repeated (tests/crypto/keys.test.ts checks random seeds against them).
 */
export function privateKeyFromSeed(seed: Uint8Array): PrivateKey {
  if (seed.length !== SEED_LENGTH) throw new KeyError('MALFORMED_KEY', `an Ed25519 seed is ${SEED_LENGTH} bytes, not ${seed.length}`);
  return { seed: new Uint8Array(seed), publicKey: publicKeyRecord(publicKeyFromSeed(seed)) };
}

function toPem(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** The SPKI PEM of a public key, byte for byte what `openssl pkey -pubout` prints. */
export function encodePublicKeyPem(key: PublicKey): string {
  return toPem('PUBLIC KEY', key.spki);
}

/** The PKCS#8 (v1, RFC 8410) PEM of a private key, as `openssl genpkey -algorithm ed25519` writes it. */
export function encodePrivateKeyPem(key: PrivateKey): string {
  return toPem('PRIVATE KEY', Buffer.concat([PKCS8_PREFIX, key.seed]));
}

const FOREIGN_LABELS: Record<string, string> = {
  'RSA PRIVATE KEY': 'an RSA private key (PKCS#1)',
  'RSA PUBLIC KEY': 'an RSA public key (PKCS#1)',
  'EC PRIVATE KEY': 'an EC private key (SEC 1)',
  'EC PARAMETERS': 'EC parameters',
  'DSA PRIVATE KEY': 'a DSA private key',
  'OPENSSH PRIVATE KEY': 'an OpenSSH-format private key',
  CERTIFICATE: 'an X.509 certificate',
};

/** One PEM block, decoded strictly: one BEGIN/END pair with the same label, base64 that re-encodes to itself. */
function decodePem(bytes: Uint8Array, source: string): { label: string; der: Uint8Array } {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new KeyError('MALFORMED_KEY', `${source}: not a PEM key file (not text)`);
  }
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
  while (lines.length > 0 && lines[0]!.trim() === '') lines.shift();
  const begins = lines.filter((l) => l.startsWith('-----BEGIN ')).length;
  if (begins === 0) {
    if (lines[0]?.startsWith('ssh-')) throw new KeyError('UNSUPPORTED_KEY_TYPE', `${source}: an OpenSSH public key; mcptrust reads PEM (SPKI) public keys`);
    throw new KeyError('MALFORMED_KEY', `${source}: not a PEM key file (no -----BEGIN line)`);
  }
  if (begins > 1) throw new KeyError('MALFORMED_KEY', `${source}: holds ${begins} PEM blocks; a key file must hold exactly one key`);
  const begin = /^-----BEGIN ([A-Z0-9 ]{1,40})-----$/.exec(lines[0] ?? '');
  const end = /^-----END ([A-Z0-9 ]{1,40})-----$/.exec(lines[lines.length - 1] ?? '');
  if (!begin || !end || begin[1] !== end[1] || lines.length < 3) {
    throw new KeyError('MALFORMED_KEY', `${source}: malformed PEM (expected one -----BEGIN …----- / -----END …----- block and nothing else)`);
  }
  const label = begin[1]!;
  const body = lines.slice(1, -1);
  if (!body.every((l) => /^[A-Za-z0-9+/=]{1,76}$/.test(l))) {
    throw new KeyError('MALFORMED_KEY', `${source}: malformed PEM (bad base64 line or PEM headers)`);
  }
  const b64 = body.join('');
  const der = Buffer.from(b64, 'base64');
  if (b64.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || der.toString('base64') !== b64) {
    throw new KeyError('MALFORMED_KEY', `${source}: malformed PEM (invalid base64)`);
  }
  return { label, der: new Uint8Array(der) };
}

/** "an RSA key", "an X25519 key", "an EC (prime256v1) key"… */
function describeKeyObject(key: KeyObject): string {
  const type = key.asymmetricKeyType ?? 'unknown';
  const names: Record<string, string> = {
    rsa: 'an RSA key',
    'rsa-pss': 'an RSA-PSS key',
    dsa: 'a DSA key',
    dh: 'a Diffie-Hellman key',
    x25519: 'an X25519 key (key agreement, not signing)',
    x448: 'an X448 key (key agreement, not signing)',
    ed448: 'an Ed448 key',
    ed25519: 'an Ed25519 key',
  };
  if (type === 'ec') return `an EC key (${key.asymmetricKeyDetails?.namedCurve ?? 'unknown curve'})`;
  return names[type] ?? `a key of type ${type}`;
}

function refuseForeign(source: string, what: string): never {
  throw new KeyError('UNSUPPORTED_KEY_TYPE', `${source}: ${what}; mcptrust signs and verifies with Ed25519 keys only (make one with mcptrust keygen)`);
}

function refuseLabel(source: string, label: string, wanted: 'public' | 'private'): never {
  if (label === 'ENCRYPTED PRIVATE KEY') {
    throw new KeyError('ENCRYPTED_KEY', `${source}: an encrypted private key; mcptrust reads unencrypted PKCS#8 (decrypt it with openssl pkey into a file only you can read)`);
  }
  if (wanted === 'public' && label === 'PRIVATE KEY') {
    throw new KeyError('WRONG_KEY_KIND', `${source}: a private key; verify needs the public key (the .pub file) — never hand out the private key`);
  }
  if (wanted === 'private' && label === 'PUBLIC KEY') {
    throw new KeyError('WRONG_KEY_KIND', `${source}: a public key; sign needs the private key (the .key file)`);
  }
  const foreign = FOREIGN_LABELS[label];
  if (foreign) refuseForeign(source, foreign);
  throw new KeyError('MALFORMED_KEY', `${source}: a PEM "${label}" block, not ${wanted === 'public' ? 'a PUBLIC KEY' : 'a PRIVATE KEY'}`);
}

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  if (bytes.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[i] !== prefix[i]) return false;
  return true;
}

/** The 32 raw bytes of the Ed25519 public key in a PEM SPKI file's bytes, not yet checked as a point. */
function readPublicKeyPem(bytes: Uint8Array, source: string): Uint8Array {
  const { label, der } = decodePem(bytes, source);
  if (label !== 'PUBLIC KEY') refuseLabel(source, label, 'public');
  if (der.length === SPKI_PREFIX.length + PUBLIC_KEY_LENGTH && startsWith(der, SPKI_PREFIX)) {
    return der.subarray(SPKI_PREFIX.length);
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' });
  } catch {
    throw new KeyError('MALFORMED_KEY', `${source}: not a valid SubjectPublicKeyInfo structure`);
  }
  if (key.asymmetricKeyType === 'ed25519') {
    // Only one DER encoding of an Ed25519 SPKI exists; anything else is a malformed encoding.
    throw new KeyError('MALFORMED_KEY', `${source}: a non-canonical encoding of an Ed25519 public key`);
  }
  return refuseForeign(source, describeKeyObject(key));
}

/** An Ed25519 public key from a PEM SPKI file's bytes, its point checked by `check`. */
export function parsePublicKeyPemChecked(bytes: Uint8Array, source: string, check: PublicKeyCheck): PublicKey {
  return publicKeyFromRawChecked(readPublicKeyPem(bytes, source), source, check);
}

/**
 * parsePublicKeyPem (./keys.ts) where the native check can decide: the same key, or the same
 * KeyError for a file that is not an Ed25519 PEM public key; undefined when the point is not one
 * publicKeyAcceptedNatively accepts, for the full check to decide (and to say why).
 */
export function parsePublicKeyPemNatively(bytes: Uint8Array, source: string): PublicKey | undefined {
  const raw = readPublicKeyPem(bytes, source);
  return publicKeyAcceptedNatively(raw) ? publicKeyRecord(raw) : undefined;
}

/** An Ed25519 private key from a PEM PKCS#8 file's bytes. */
export function parsePrivateKeyPem(bytes: Uint8Array, source: string): PrivateKey {
  const { label, der } = decodePem(bytes, source);
  if (label !== 'PRIVATE KEY') refuseLabel(source, label, 'private');
  if (der.length === PKCS8_PREFIX.length + SEED_LENGTH && startsWith(der, PKCS8_PREFIX)) {
    return privateKeyFromSeed(der.subarray(PKCS8_PREFIX.length));
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' });
  } catch {
    throw new KeyError('MALFORMED_KEY', `${source}: not a valid PKCS#8 private key structure`);
  }
  if (key.asymmetricKeyType !== 'ed25519') return refuseForeign(source, describeKeyObject(key));
  // A PKCS#8 v2 (OneAsymmetricKey) key may carry its public key: it must be the seed's.
  const jwk = key.export({ format: 'jwk' });
  const seed = typeof jwk.d === 'string' ? Buffer.from(jwk.d, 'base64url') : Buffer.alloc(0);
  if (seed.length !== SEED_LENGTH) throw new KeyError('MALFORMED_KEY', `${source}: the Ed25519 seed is not ${SEED_LENGTH} bytes`);
  const pair = privateKeyFromSeed(seed);
  const stated = typeof jwk.x === 'string' ? Buffer.from(jwk.x, 'base64url') : undefined;
  if (stated && !constantTimeEqual(stated, pair.publicKey.raw)) {
    throw new KeyError('MALFORMED_KEY', `${source}: the public key stored in the file does not belong to its private key`);
  }
  return pair;
}
