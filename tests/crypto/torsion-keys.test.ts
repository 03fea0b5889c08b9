// Public keys outside the prime-order subgroup. For A = [a]B and T a point of small order, the
// key A + T has another encoding, so another key id, and the cofactored verification equation
// ([8][S]B = [8]R + [8][k]A', RFC 8032 §5.1.7) accepts a signature made with the secret a for
// it, since [8]T is the identity. Without a subgroup check one person could therefore sign twice
// under two key ids and meet `--threshold 2` alone. mcptrust refuses such keys where public keys
// are loaded (verify, check, keyring folders, scan --key), exit 2 naming the file.
//
// The torsion points are the eight small-order encodings of testdata/rfc8032/negative.json (the
// list of "Taming the many EdDSAs", Chalkias, Garillot and Nikolaenko, 2020, and of libsodium's
// blocklist); the order-8 one, y = 0x26e8…fc05, is the usual T8.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ed from '@noble/ed25519';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyEd25519 } from '../../src/crypto/ed25519.js';
import { KeyError } from '../../src/crypto/errors.js';
import { keyIdOf, parsePublicKeyPem, privateKeyFromSeed, type PublicKey } from '../../src/crypto/keys.js';
import {
  digestBytes,
  parseSignatureEnvelope,
  preAuthEncoding,
  serializeSignatureEnvelope,
  signLockfile,
  verifyLockfileSignature,
  type SignatureEntry,
} from '../../src/lockfile/signature.js';
import { readTrustedKeys } from '../../src/mtf/index.js';
import { fixtureServer, repoRoot, runCli, tempDir } from '../helpers/cli.js';
import { L, T8, le, toLe } from '../helpers/ed25519.js';
import { oneToolLockText } from '../helpers/lockfiles.js';


const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const pem = (raw: Uint8Array) => `-----BEGIN PUBLIC KEY-----\n${Buffer.concat([SPKI_PREFIX, raw]).toString('base64')}\n-----END PUBLIC KEY-----\n`;

const negative = JSON.parse(readFileSync(join(repoRoot, 'testdata', 'rfc8032', 'negative.json'), 'utf8')) as { smallOrderEncodings: string[] };
const torsion = negative.smallOrderEncodings
  .map((h) => ed.Point.fromBytes(new Uint8Array(Buffer.from(h, 'hex')), false))
  .filter((t) => !t.is0());

// Alice's real key pair (a published test seed, never a real key).
const seed = new Uint8Array(32).fill(7);
const alice = privateKeyFromSeed(seed);
const { scalar: a } = ed.utils.getExtendedPublicKey(seed);
/** A + T8: another key id, no new secret. */
const twinRaw = ed.Point.fromBytes(alice.publicKey.raw, false).add(T8).toBytes();
const twinSpki = new Uint8Array(Buffer.concat([SPKI_PREFIX, twinRaw]));
/** The twin as an already-loaded key, bypassing the loader (what the loader must never produce). */
const twinUnchecked: PublicKey = { raw: twinRaw, spki: twinSpki, keyId: keyIdOf(twinSpki) };

const lock = new Uint8Array(Buffer.from(oneToolLockText()));

/** A signature for the key id of the twin made with Alice's secret scalar: S = r + k'·a, k' = H(R || A + T || M). */
function twinSignature(): SignatureEntry {
  const message = preAuthEncoding(1, 'ed25519', twinUnchecked.keyId, digestBytes(lock), lock);
  const r = le(new Uint8Array(createHash('sha512').update('nonce').digest())) % L;
  const rBytes = ed.Point.BASE.multiply(r).toBytes();
  const k = le(new Uint8Array(createHash('sha512').update(rBytes).update(twinRaw).update(message).digest())) % L;
  const signature = new Uint8Array(Buffer.concat([rBytes, toLe((r + k * a) % L)]));
  return { algorithm: 'ed25519', keyid: twinUnchecked.keyId, signature };
}

/** One secret, two signatures under two key ids, in the exact form `sign` writes. */
function twoIdsOneSecret(): string {
  const own = signLockfile(lock, alice).envelope;
  return serializeSignatureEnvelope({ ...own, signatures: [...own.signatures, twinSignature()] });
}

let root: string;
let cleanup: () => void;
beforeAll(() => {
  ({ dir: root, cleanup } = tempDir('mcptrust-torsion-'));
  writeFileSync(join(root, 'mcp-lock.json'), lock);
  writeFileSync(join(root, 'mcp-lock.json.sig'), twoIdsOneSecret());
  writeFileSync(join(root, 'alice.pub'), pem(alice.publicKey.raw));
  writeFileSync(join(root, 'twin.pub'), pem(twinRaw));
  mkdirSync(join(root, 'ring'));
  writeFileSync(join(root, 'ring', 'alice.pub'), pem(alice.publicKey.raw));
  writeFileSync(join(root, 'ring', 'twin.pub'), pem(twinRaw));
});
afterAll(() => cleanup());

describe('the attack a subgroup check stops', () => {
  it('A + T8 is a different key id whose cofactored check accepts a signature made with A\'s secret', () => {
    expect(twinUnchecked.keyId).not.toBe(alice.publicKey.keyId);
    const message = preAuthEncoding(1, 'ed25519', twinUnchecked.keyId, digestBytes(lock), lock);
    expect(verifyEd25519(twinSignature().signature, message, twinRaw)).toBe(true);
    // Given keys that skipped the loader, one secret meets a threshold of two: this is why the
    // loader must refuse the twin.
    const result = verifyLockfileSignature(lock, parseSignatureEnvelope(Buffer.from(twoIdsOneSecret())), [alice.publicKey, twinUnchecked], { threshold: 2 });
    expect(result.verified).toBe(true);
    expect(result.signers).toHaveLength(2);
  });
});

describe('public keys outside the prime-order subgroup are refused when loaded', () => {
  it('the key loader refuses A + T for every torsion point T, with INVALID_PUBLIC_KEY naming the file', () => {
    expect(torsion).toHaveLength(7);
    for (const t of torsion) {
      const raw = ed.Point.fromBytes(alice.publicKey.raw, false).add(t).toBytes();
      let error: unknown;
      try {
        parsePublicKeyPem(Buffer.from(pem(raw)), 'keys/twin.pub');
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(KeyError);
      expect((error as KeyError).code).toBe('INVALID_PUBLIC_KEY');
      expect((error as KeyError).message).toMatch(/^keys\/twin\.pub: the Ed25519 public key is not in the prime-order subgroup/);
    }
    // The real key still loads, with its own key id.
    expect(parsePublicKeyPem(Buffer.from(pem(alice.publicKey.raw)), 'alice.pub').keyId).toBe(alice.publicKey.keyId);
  });

  it('verify --threshold 2 with A and A + T and one secret is refused: exit 2 naming the file', async () => {
    const r = await runCli(['verify', '--key', 'alice.pub', '--key', 'twin.pub', '--threshold', '2'], { cwd: root });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error: twin\.pub: the Ed25519 public key is not in the prime-order subgroup/);
  });

  it('a keyring folder holding A + T is refused: exit 2 naming the file', async () => {
    const r = await runCli(['verify', '--keyring', 'ring', '--threshold', '2'], { cwd: root });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/ring\/twin\.pub: the Ed25519 public key is not in the prime-order subgroup/);
  });

  it('check refuses A + T before any server starts: exit 2 naming the file', async () => {
    const r = await runCli(['check', '--key', 'alice.pub', '--key', 'twin.pub', '--threshold', '2', '--', ...fixtureServer('does-not-exist.mjs')], { cwd: root });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/twin\.pub: the Ed25519 public key is not in the prime-order subgroup/);
  });

  it('scan --key refuses A + T (its key loader), naming the file', async () => {
    expect(() => readTrustedKeys([join(root, 'twin.pub')])).toThrow(/twin\.pub: the Ed25519 public key is not in the prime-order subgroup/);
    mkdirSync(join(root, 'bundle'));
    writeFileSync(join(root, 'bundle', 'manifest.json'), JSON.stringify({ manifest_version: '0.3', name: 'b', version: '1.0.0', server: { type: 'node', entry_point: 'index.js' } }));
    writeFileSync(join(root, 'bundle', 'index.js'), '');
    const r = await runCli(['scan', 'bundle', '--key', 'twin.pub'], { cwd: root });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/twin\.pub: the Ed25519 public key is not in the prime-order subgroup/);
  });
});
