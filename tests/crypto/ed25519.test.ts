// Ed25519 as mcptrust uses it: the RFC 8032 §7.1 vectors (testdata/rfc8032), the negative cases
// derived from them, and every signature the tool makes cross-checked by two independent
// implementations (tweetnacl and node:crypto / OpenSSL).
import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ed from '@noble/ed25519';
import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';
import { constantTimeEqual } from '../../src/crypto/constant-time.js';
import {
  generateSeed,
  publicKeyFromSeed,
  publicKeyProblem,
  signEd25519,
  verifyEd25519,
} from '../../src/crypto/ed25519.js';
import { repoRoot } from '../helpers/cli.js';

interface Vector {
  name: string;
  secretKey: string;
  publicKey: string;
  message: string;
  signature: string;
}
/** noble's own strict verify (sha512 set up by src/crypto/ed25519.ts), as a third opinion. */
function verifyEd25519Noble(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  try {
    if (publicKeyProblem(publicKey) !== undefined) return false;
    return ed.verify(signature, message, publicKey, { zip215: false }) === true;
  } catch {
    return false;
  }
}

const dir = join(repoRoot, 'testdata', 'rfc8032');
const { vectors } = JSON.parse(readFileSync(join(dir, 'vectors.json'), 'utf8')) as { vectors: Vector[] };
const negative = JSON.parse(readFileSync(join(dir, 'negative.json'), 'utf8')) as {
  cases: (Omit<Vector, 'secretKey'> & { why: string })[];
  smallOrderEncodings: string[];
};
const bytes = (hex: string) => new Uint8Array(Buffer.from(hex, 'hex'));
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** node:crypto (OpenSSL) verification of a raw Ed25519 signature. */
function opensslVerifies(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') }, format: 'jwk' });
  return nodeVerify(null, message, key, signature);
}

describe('RFC 8032 §7.1 test vectors (testdata/rfc8032/vectors.json)', () => {
  it('holds the five Ed25519 tests of the RFC', () => {
    expect(vectors.map((v) => v.name)).toEqual(['TEST 1', 'TEST 2', 'TEST 3', 'TEST 1024', 'TEST SHA(abc)']);
    expect(bytes(vectors[3]!.message).length).toBe(1023);
  });

  for (const v of vectors) {
    it(`${v.name}: derives the public key, reproduces the signature byte for byte, and verifies it`, () => {
      const seed = bytes(v.secretKey);
      expect(hex(publicKeyFromSeed(seed))).toBe(v.publicKey);
      expect(hex(signEd25519(bytes(v.message), seed))).toBe(v.signature);
      expect(verifyEd25519(bytes(v.signature), bytes(v.message), bytes(v.publicKey))).toBe(true);
      expect(verifyEd25519Noble(bytes(v.signature), bytes(v.message), bytes(v.publicKey))).toBe(true);
    });

    it(`${v.name}: verifies a message given in parts exactly as the whole`, () => {
      const m = bytes(v.message);
      const cut = Math.floor(m.length / 3);
      expect(verifyEd25519(bytes(v.signature), [m.subarray(0, cut), new Uint8Array(0), m.subarray(cut)], bytes(v.publicKey))).toBe(true);
      // Parts are concatenated, not framed: the same bytes cut differently are the same message.
      expect(verifyEd25519(bytes(v.signature), [m, new Uint8Array([0])], bytes(v.publicKey))).toBe(false);
    });

    it(`${v.name}: every single-bit flip of the signature is refused`, () => {
      const sig = bytes(v.signature);
      const msg = bytes(v.message);
      const pub = bytes(v.publicKey);
      // Long messages: a sample of bits (every bit of TEST 1-3, SHA(abc) and every 7th of TEST 1024).
      const step = msg.length > 100 ? 7 : 1;
      for (let bit = 0; bit < 512; bit += step) {
        const flipped = sig.slice();
        flipped[bit >> 3]! ^= 1 << (bit & 7);
        expect(verifyEd25519(flipped, msg, pub), `bit ${bit}`).toBe(false);
      }
    });

    it(`${v.name}: a flipped bit of the message or the key is refused`, () => {
      const sig = bytes(v.signature);
      const msg = bytes(v.message.length === 0 ? '00' : v.message);
      if (v.message.length > 0) msg[0]! ^= 0x01;
      expect(verifyEd25519(sig, msg, bytes(v.publicKey))).toBe(false);
      const pub = bytes(v.publicKey);
      pub[0]! ^= 0x02;
      expect(verifyEd25519(sig, bytes(v.message), pub)).toBe(false);
    });
  }
});

describe('negative vectors (testdata/rfc8032/negative.json)', () => {
  for (const c of negative.cases) {
    it(`refuses: ${c.name} (${c.why})`, () => {
      expect(verifyEd25519(bytes(c.signature), bytes(c.message), bytes(c.publicKey))).toBe(false);
    });
  }

  it('the small-R case satisfies the group equation, so only the small-order check refuses it', () => {
    const c = negative.cases.find((x) => x.name.includes('R = identity (small order)'))!;
    // noble's strict branch alone accepts it; the cross-check implementations do too.
    expect(verifyEd25519Noble(bytes(c.signature), bytes(c.message), bytes(c.publicKey))).toBe(true);
    expect(opensslVerifies(bytes(c.signature), bytes(c.message), bytes(c.publicKey))).toBe(true);
    expect(verifyEd25519(bytes(c.signature), bytes(c.message), bytes(c.publicKey))).toBe(false);
  });

  it('the S + L case is refused although the equation holds modulo L', () => {
    const c = negative.cases.find((x) => x.name.includes('S + L'))!;
    expect(verifyEd25519(bytes(c.signature), bytes(c.message), bytes(c.publicKey))).toBe(false);
    expect(opensslVerifies(bytes(c.signature), bytes(c.message), bytes(c.publicKey))).toBe(false);
  });

  it('refuses every small-order public key, and non-canonical or wrong-length keys', () => {
    for (const enc of negative.smallOrderEncodings) expect(publicKeyProblem(bytes(enc)), enc).toBeDefined();
    expect(publicKeyProblem(bytes('ee' + 'ff'.repeat(30) + '7f'))).toMatch(/canonical/);
    expect(publicKeyProblem(bytes(vectors[0]!.publicKey).subarray(0, 31))).toMatch(/31 bytes/);
    for (const v of vectors) expect(publicKeyProblem(bytes(v.publicKey))).toBeUndefined();
  });
});

describe('every signature the tool makes, cross-checked', () => {
  it('tweetnacl and node:crypto verify signatures made by mcptrust, and agree with it on altered ones', () => {
    for (let i = 0; i < 40; i++) {
      const seed = generateSeed();
      const pub = publicKeyFromSeed(seed);
      const msg = new Uint8Array(Buffer.from(`message ${i} ${'x'.repeat(i * 13)}`));
      const sig = signEd25519(msg, seed);
      // tweetnacl derives the same public key from the seed and the same (deterministic) signature.
      const pair = nacl.sign.keyPair.fromSeed(seed);
      expect(hex(pair.publicKey)).toBe(hex(pub));
      expect(hex(nacl.sign.detached(msg, pair.secretKey))).toBe(hex(sig));
      expect(nacl.sign.detached.verify(msg, sig, pub)).toBe(true);
      expect(opensslVerifies(sig, msg, pub)).toBe(true);
      expect(verifyEd25519(sig, msg, pub)).toBe(true);
      const bad = sig.slice();
      bad[i % 64]! ^= 1 << (i % 8);
      expect(verifyEd25519(bad, msg, pub)).toBe(nacl.sign.detached.verify(msg, bad, pub));
      expect(verifyEd25519(bad, msg, pub)).toBe(false);
    }
  });

  it('the fast path (double-and-add on -B) and the table path give the same answers', () => {
    const seed = generateSeed();
    const pub = publicKeyFromSeed(seed);
    const msg = new Uint8Array([1, 2, 3]);
    const sig = signEd25519(msg, seed);
    // More than 8 verifications: later ones use noble's precomputed base table.
    const results = Array.from({ length: 12 }, () => verifyEd25519(sig, msg, pub));
    expect(results.every((r) => r)).toBe(true);
    const bad = sig.slice();
    bad[40]! ^= 4;
    expect(Array.from({ length: 12 }, () => verifyEd25519(bad, msg, pub)).some((r) => r)).toBe(false);
  });

  it('never throws: garbage of any length is simply invalid', () => {
    for (const len of [0, 1, 31, 32, 33, 63, 64, 65]) {
      expect(verifyEd25519(new Uint8Array(len).fill(0xff), new Uint8Array(0), new Uint8Array(32).fill(0xff))).toBe(false);
      expect(verifyEd25519(new Uint8Array(64), new Uint8Array(0), new Uint8Array(len))).toBe(false);
    }
  });
});

describe('constantTimeEqual', () => {
  it('compares bytes and strings exactly, unequal lengths are unequal', () => {
    expect(constantTimeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 3]))).toBe(true);
    expect(constantTimeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 4]))).toBe(false);
    expect(constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2, 3]))).toBe(false);
    expect(constantTimeEqual('sha256:ab', 'sha256:ab')).toBe(true);
    expect(constantTimeEqual('sha256:ab', 'sha256:aB')).toBe(false);
    expect(constantTimeEqual('', '')).toBe(true);
  });
});
