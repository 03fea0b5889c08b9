// publicKeyProblem decides "in the prime-order subgroup" with one native X25519 multiplication by
// 5L - 1 (src/crypto/ed25519.ts isTorsionFree). These tests cross-check it with noble's BigInt
// point.isTorsionFree() ([L]A = identity) on every torsion component of random points, on keys
// made from seeds, and on the boundary cases (small order, non-canonical encodings).
import { createHash, randomBytes } from 'node:crypto';
import * as ed from '@noble/ed25519';
import { describe, expect, it } from 'vitest';
import { publicKeyFromSeed, publicKeyProblem, SMALL_ORDER_ENCODINGS } from '../../src/crypto/ed25519.js';

ed.hashes.sha512 = (m) => new Uint8Array(createHash('sha512').update(m).digest());

const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const T8 = ed.Point.fromBytes(Buffer.from('26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05', 'hex'), false);
const B = ed.Point.BASE;
const SUBGROUP = /prime-order subgroup/;
const randomScalar = () => {
  let n = 0n;
  for (const b of randomBytes(64)) n = (n << 8n) | BigInt(b);
  return (n % (L - 1n)) + 1n;
};

describe('the native subgroup check agrees with [L]A = identity', () => {
  it('keys made from seeds are accepted', () => {
    for (let i = 0; i < 40; i++) expect(publicKeyProblem(publicKeyFromSeed(new Uint8Array(randomBytes(32))))).toBeUndefined();
  });

  it('[r]B + [j]T8 for every j in 0..7: refused exactly when noble finds a torsion component', () => {
    let refused = 0;
    for (let i = 0; i < 6; i++) {
      const prime = B.multiply(randomScalar());
      let torsion = ed.Point.ZERO;
      for (let j = 0; j < 8; j++) {
        const point = prime.add(torsion);
        const noble = point.isTorsionFree();
        expect(noble).toBe(j === 0);
        const problem = publicKeyProblem(point.toBytes());
        if (noble) expect(problem).toBeUndefined();
        else {
          expect(problem).toMatch(SUBGROUP);
          refused++;
        }
        torsion = torsion.add(T8);
      }
    }
    expect(refused).toBe(6 * 7);
  });

  it('random curve points (random y that decode) agree with noble', () => {
    let checked = 0;
    for (let i = 0; checked < 40 && i < 400; i++) {
      let point: InstanceType<typeof ed.Point>;
      try {
        point = ed.Point.fromBytes(new Uint8Array(randomBytes(32)), false);
      } catch {
        continue;
      }
      if (point.isSmallOrder()) continue;
      checked++;
      const problem = publicKeyProblem(point.toBytes());
      // A random curve point is in the subgroup about one time in eight.
      if (point.isTorsionFree()) expect(problem).toBeUndefined();
      else expect(problem).toMatch(SUBGROUP);
    }
    expect(checked).toBe(40);
  });

  it('small-order points are refused as such, before the subgroup check', () => {
    for (const hex of SMALL_ORDER_ENCODINGS) expect(publicKeyProblem(Buffer.from(hex, 'hex'))).toBe('is a point of small order');
  });
});
