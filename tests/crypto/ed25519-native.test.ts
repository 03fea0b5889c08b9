// verifyEd25519 asks node:crypto (OpenSSL) first and takes only its "yes", after byte checks that
// make that "yes" imply the reference's (verifyEd25519Reference, the BigInt path over noble);
// every "no" is re-decided by the reference. These tests pin that the answer is the reference's
// in every case: RFC 8032 vectors, the negative vectors, signatures OpenSSL accepts but the
// strict rules refuse (small-order R under a torsion key), signatures OpenSSL refuses but the
// cofactored equation accepts (mixed-order R), and random inputs against noble and tweetnacl.
import { createPublicKey, randomBytes, verify as nodeVerify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ed from '@noble/ed25519';
import nacl from 'tweetnacl';
import { describe, expect, it } from 'vitest';
import { SMALL_ORDER_ENCODINGS, publicKeyFromSeed, signEd25519, verifyEd25519, verifyEd25519Reference } from '../../src/crypto/ed25519.js';
import { repoRoot } from '../helpers/cli.js';
import { L, T8, bytes, cat, challenge, expected, hex, le, rIsSmallOrder, toLe } from '../helpers/ed25519.js';


function opensslVerifies(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  try {
    const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') }, format: 'jwk' });
    return nodeVerify(null, message, key, signature);
  } catch {
    return false;
  }
}


const B = ed.Point.BASE;

const dir = join(repoRoot, 'testdata', 'rfc8032');
const { vectors } = JSON.parse(readFileSync(join(dir, 'vectors.json'), 'utf8')) as { vectors: { name: string; publicKey: string; message: string; signature: string }[] };
const negative = JSON.parse(readFileSync(join(dir, 'negative.json'), 'utf8')) as {
  cases: { name: string; publicKey: string; message: string; signature: string }[];
  smallOrderEncodings: string[];
};

describe('native first, reference for every no: the same answers as the reference', () => {
  it('the small-order encodings the byte check refuses are exactly the eight points of the torsion subgroup', () => {
    const points: string[] = [];
    let p = ed.Point.ZERO;
    for (let i = 0; i < 8; i++) {
      points.push(hex(p.toBytes()));
      p = p.add(T8);
    }
    expect(p.is0()).toBe(true);
    expect(new Set(points).size).toBe(8);
    expect([...SMALL_ORDER_ENCODINGS].sort()).toEqual([...points].sort());
    expect([...SMALL_ORDER_ENCODINGS].sort()).toEqual([...negative.smallOrderEncodings].sort());
  });

  it('RFC 8032 vectors verify on both paths, with OpenSSL agreeing', () => {
    for (const v of vectors) {
      const [s, m, a] = [bytes(v.signature), bytes(v.message), bytes(v.publicKey)];
      expect(opensslVerifies(s, m, a), v.name).toBe(true);
      expect(verifyEd25519(s, m, a), v.name).toBe(true);
      expect(verifyEd25519Reference(s, m, a), v.name).toBe(true);
    }
  });

  it('every negative vector is refused on both paths', () => {
    expect(negative.cases.length).toBeGreaterThan(5);
    for (const c of negative.cases) {
      const [s, m, a] = [bytes(c.signature), bytes(c.message), bytes(c.publicKey)];
      expect(verifyEd25519(s, m, a), c.name).toBe(false);
      expect(verifyEd25519Reference(s, m, a), c.name).toBe(false);
    }
  });

  it('a small-order R that OpenSSL accepts (under a key with a torsion part) is refused', () => {
    // A = [a]B + T8, S = k·a: then [S]B - [k]A = -[k]T8, so R = -[k]T8 passes the cofactorless
    // equation whenever k (which depends on R) lands on it: about one message in eight.
    const a = (le(new Uint8Array(randomBytes(64))) % (L - 1n)) + 1n;
    const A = B.multiply(a).add(T8);
    const aBytes = A.toBytes();
    let found = 0;
    for (let i = 0; i < 400 && found < 3; i++) {
      const m = new Uint8Array(randomBytes(16));
      for (const rHex of SMALL_ORDER_ENCODINGS) {
        const rBytes = bytes(rHex);
        const k = challenge(rBytes, aBytes, m);
        const sig = cat(rBytes, toLe((k * a) % L));
        if (!opensslVerifies(sig, m, aBytes)) continue;
        found++;
        expect(rIsSmallOrder(sig)).toBe(true);
        expect(verifyEd25519(sig, m, aBytes)).toBe(false);
        expect(verifyEd25519Reference(sig, m, aBytes)).toBe(false);
      }
    }
    // OpenSSL did accept some: the byte check, not OpenSSL, is what refuses them.
    expect(found).toBeGreaterThan(0);
  });

  it('a mixed-order R that OpenSSL refuses but the cofactored equation accepts is accepted, as the reference does', () => {
    const seed = new Uint8Array(randomBytes(32));
    const { scalar, pointBytes } = ed.utils.getExtendedPublicKey(seed);
    for (let i = 0; i < 5; i++) {
      const m = new Uint8Array(randomBytes(40));
      const r = (le(new Uint8Array(randomBytes(64))) % (L - 1n)) + 1n;
      const rBytes = B.multiply(r).add(T8).toBytes();
      const k = challenge(rBytes, pointBytes, m);
      const sig = cat(rBytes, toLe((r + k * scalar) % L));
      expect(opensslVerifies(sig, m, pointBytes)).toBe(false);
      expect(expected(sig, m, pointBytes)).toBe(true);
      expect(verifyEd25519Reference(sig, m, pointBytes)).toBe(true);
      expect(verifyEd25519(sig, m, pointBytes)).toBe(true);
    }
  });

  it('S + L and non-canonical or negative-zero A and R are refused although the equation may hold', () => {
    const v = vectors[0]!;
    const [s, m, a] = [bytes(v.signature), bytes(v.message), bytes(v.publicKey)];
    const bigS = cat(s.subarray(0, 32), toLe(le(s.subarray(32)) + L));
    expect(verifyEd25519(bigS, m, a)).toBe(false);
    // Identity with the sign bit set ("negative zero") and y = p + 1 (a non-canonical identity).
    for (const bad of ['0100000000000000000000000000000000000000000000000000000000000080', 'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', 'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff']) {
      expect(verifyEd25519(cat(bytes(bad), s.subarray(32)), m, a), bad).toBe(false);
      expect(verifyEd25519(s, m, bytes(bad)), bad).toBe(false);
    }
  });

  it('random keys, messages and signatures, valid and altered: verifyEd25519 = reference = the rules, and tweetnacl agrees', () => {
    for (let i = 0; i < 150; i++) {
      const seed = new Uint8Array(randomBytes(32));
      const pub = publicKeyFromSeed(seed);
      const m = new Uint8Array(randomBytes(i % 7 === 0 ? 0 : 1 + (i % 200)));
      let sig = signEd25519(m, seed);
      let msg = m;
      let key = pub;
      const what = i % 4;
      if (what === 1) {
        sig = new Uint8Array(sig);
        sig[i % 64]! ^= 1 << (i % 8);
      } else if (what === 2 && m.length > 0) {
        msg = new Uint8Array(m);
        msg[i % m.length]! ^= 1;
      } else if (what === 3) {
        key = new Uint8Array(pub);
        key[i % 32]! ^= 1 << (i % 8);
      }
      const want = expected(sig, msg, key);
      expect(verifyEd25519Reference(sig, msg, key)).toBe(want);
      expect(verifyEd25519(sig, msg, key)).toBe(want);
      expect(verifyEd25519(sig, [msg.subarray(0, 3), msg.subarray(3)], key)).toBe(want);
      if (what === 0) expect(want).toBe(true);
      expect(nacl.sign.detached.verify(msg, sig, key)).toBe(want);
    }
  });

  it('never throws: garbage of any length is simply invalid', () => {
    for (const n of [0, 1, 31, 32, 33, 63, 64, 65]) {
      expect(verifyEd25519(new Uint8Array(randomBytes(n)), new Uint8Array(3), new Uint8Array(randomBytes(32)))).toBe(false);
      expect(verifyEd25519(new Uint8Array(randomBytes(64)), new Uint8Array(3), new Uint8Array(randomBytes(n)))).toBe(false);
    }
  });
});
