// Key files: PEM PKCS#8 (private) and SPKI (public) for Ed25519 (RFC 8410), the same files
// `openssl genpkey -algorithm ed25519` writes. Key files are attacker-controlled input: they are
// bounded by the caller, decoded strictly (./key-files.ts), and any other key type is refused by
// name. Every public key read here is checked in full by publicKeyProblem (./ed25519.ts): an
// acceptable key natively, any other with @noble/ed25519, which names the problem. The PEM code
// itself lives in ./key-files.ts, which loads no noble, for `mcptrust verify` (cmd/keys.ts).
import { publicKeyProblem } from './ed25519.js';
import { parsePublicKeyPemChecked, publicKeyFromRawChecked, type PublicKey } from './key-files.js';

export {
  encodePrivateKeyPem,
  encodePublicKeyPem,
  KEY_ALGORITHM,
  keyIdOf,
  MAX_KEY_FILE_BYTES,
  parsePrivateKeyPem,
  privateKeyFromSeed,
  type PrivateKey,
  type PublicKey,
} from './key-files.js';

/** A public key from its 32 raw bytes; refuses non-canonical points, small-order points and points outside the prime-order subgroup. */
export function publicKeyFromRaw(raw: Uint8Array, source = 'public key'): PublicKey {
  return publicKeyFromRawChecked(raw, source, publicKeyProblem);
}

/** An Ed25519 public key from a PEM SPKI file's bytes, checked as publicKeyFromRaw checks it. */
export function parsePublicKeyPem(bytes: Uint8Array, source: string): PublicKey {
  return parsePublicKeyPemChecked(bytes, source, publicKeyProblem);
}
