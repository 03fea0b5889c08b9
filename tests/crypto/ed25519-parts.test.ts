// signEd25519Parts (src/crypto/ed25519.ts): the RFC 8032 signature of a message given in parts,
// hashed where they lie. It must be byte for byte noble's signEd25519 of the joined message: on
// the RFC 8032 §7.1 vectors (testdata/rfc8032) and on random seeds and messages cut at random
// places, and accepted by OpenSSL (node:crypto) too. signEd25519Native (OpenSSL's signer, what
// sign uses) and publicKeyFromSeed (OpenSSL's derivation) must give the same bytes as noble.
import { createPublicKey, randomBytes, verify as nodeVerify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as ed from '@noble/ed25519';
import { publicKeyFromSeed, signEd25519, signEd25519Native, signEd25519Parts, verifyEd25519 } from '../../src/crypto/ed25519.js';
import { repoRoot } from '../helpers/cli.js';

const { vectors } = JSON.parse(readFileSync(join(repoRoot, 'testdata', 'rfc8032', 'vectors.json'), 'utf8')) as {
  vectors: { name: string; secretKey: string; publicKey: string; message: string; signature: string }[];
};
const bytes = (hex: string) => new Uint8Array(Buffer.from(hex, 'hex'));
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function cuts(message: Uint8Array, pieces: number): Uint8Array[] {
  const at = Array.from({ length: pieces - 1 }, () => Math.floor(Math.random() * (message.length + 1))).sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let from = 0;
  for (const to of [...at, message.length]) {
    out.push(message.subarray(from, to));
    from = to;
  }
  return out;
}

describe('signEd25519Parts', () => {
  for (const v of vectors) {
    it(`${v.name}: the RFC signature, whole or in parts`, () => {
      const m = bytes(v.message);
      expect(hex(signEd25519Parts([m], bytes(v.secretKey)))).toBe(v.signature);
      expect(hex(signEd25519Parts(cuts(m, 4), bytes(v.secretKey)))).toBe(v.signature);
      expect(hex(signEd25519Parts([new Uint8Array(0), m, new Uint8Array(0)], bytes(v.secretKey)))).toBe(v.signature);
    });
  }

  it('equals noble signEd25519 of the joined message for 200 random seeds and messages', () => {
    for (let i = 0; i < 200; i++) {
      const seed = new Uint8Array(randomBytes(32));
      const message = new Uint8Array(randomBytes(Math.floor(Math.random() * 3000)));
      const parts = cuts(message, 1 + (i % 5));
      const signature = signEd25519Parts(parts, seed);
      expect(hex(signature)).toBe(hex(signEd25519(message, seed)));
      const publicKey = publicKeyFromSeed(seed);
      expect(verifyEd25519(signature, parts, publicKey)).toBe(true);
      if (i % 20 === 0) {
        const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') }, format: 'jwk' });
        expect(nodeVerify(null, message, key, signature)).toBe(true);
      }
    }
  });
});

describe('signEd25519Native and publicKeyFromSeed (OpenSSL) against the RFC and noble', () => {
  for (const v of vectors) {
    it(`${v.name}: the RFC public key and signature`, () => {
      expect(hex(publicKeyFromSeed(bytes(v.secretKey)))).toBe(v.publicKey);
      expect(hex(signEd25519Native(bytes(v.message), bytes(v.secretKey)))).toBe(v.signature);
    });
  }

  it('equals noble getPublicKey and sign for 200 random seeds and messages', () => {
    for (let i = 0; i < 200; i++) {
      const seed = new Uint8Array(randomBytes(32));
      const message = new Uint8Array(randomBytes(Math.floor(Math.random() * 3000)));
      expect(hex(publicKeyFromSeed(seed))).toBe(hex(ed.getPublicKey(seed)));
      expect(hex(signEd25519Native(message, seed))).toBe(hex(signEd25519(message, seed)));
    }
  });

  it('refuses a seed that is not 32 bytes', () => {
    expect(() => signEd25519Native(new Uint8Array(1), new Uint8Array(31))).toThrow(RangeError);
    expect(() => publicKeyFromSeed(new Uint8Array(33))).toThrow(RangeError);
  });
});
