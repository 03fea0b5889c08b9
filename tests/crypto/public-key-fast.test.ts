// publicKeyProblem accepts a key natively (publicKeyAcceptedNatively in
// src/crypto/ed25519-native.ts: y < p, not a small-order or "negative zero" encoding, and
// X25519(5L - 1, u) = u) with no square root and no noble, and leaves every other key to
// publicKeyProblemReference (noble's strict decoding). These tests check the arithmetic the
// fast path's correctness argument rests on, and that publicKeyProblem answers exactly as the
// reference on random 32-byte strings and on every kind of crafted key: off-curve y (twist
// points), y >= p, small-order points, torsion components of order 2, 4 and 8, negative zero.
import { randomBytes } from 'node:crypto';
import * as ed from '@noble/ed25519';
import { describe, expect, it } from 'vitest';
import { publicKeyProblem, publicKeyProblemReference } from '../../src/crypto/ed25519.js';
import { publicKeyAcceptedNatively, publicKeyFromSeed, SMALL_ORDER_ENCODINGS } from '../../src/crypto/ed25519-native.js';
import { L, T8, hex, le, toLe } from '../helpers/ed25519.js';

const p = 2n ** 255n - 19n;
const delta = L - 2n ** 252n;
const A = 486662n;
const d = (((-121665n * modPow(121666n, p - 2n, p)) % p) + p) % p;

function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = ((base % modulus) + modulus) % modulus;
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
  }
  return result;
}

const mod = (n: bigint) => ((n % p) + p) % p;
const inv = (n: bigint) => modPow(n, p - 2n, p);
const isSquare = (n: bigint) => mod(n) === 0n || modPow(n, (p - 1n) / 2n, p) === 1n;

/** Miller–Rabin with fixed bases (enough to tell a prime from a composite of this size in a test). */
function isProbablePrime(n: bigint): boolean {
  let m = n - 1n;
  let s = 0;
  while ((m & 1n) === 0n) {
    m >>= 1n;
    s++;
  }
  outer: for (const a of [2n, 3n, 5n, 7n, 11n, 13n, 17n, 19n, 23n, 29n, 31n, 37n, 41n]) {
    let x = modPow(a, m, n);
    if (x === 1n || x === n - 1n) continue;
    for (let i = 1; i < s; i++) {
      x = (x * x) % n;
      if (x === n - 1n) continue outer;
    }
    return false;
  }
  return true;
}

/** The answer publicKeyProblem must give, and that the fast path, when it says yes, agrees. */
function expectSameAnswer(key: Uint8Array): string | undefined {
  const reference = publicKeyProblemReference(key);
  expect({ key: hex(key), problem: publicKeyProblem(key) }).toEqual({ key: hex(key), problem: reference });
  if (publicKeyAcceptedNatively(key)) expect({ key: hex(key), reference }).toEqual({ key: hex(key), reference: undefined });
  return reference;
}

const withSign = (y: bigint, sign: 0 | 1) => {
  const out = toLe(y);
  if (sign) out[31]! |= 0x80;
  return out;
};

const CANONICAL = 'is not a canonical encoding of a curve point';
const SMALL = 'is a point of small order';
const SUBGROUP = /^is not in the prime-order subgroup/;

describe('the arithmetic behind the native "yes"', () => {
  it('the twist has 4·L\' points with L\' = 2^253 - 9 - 2δ prime, and L\' divides neither 5L - 2 nor 5L', () => {
    const lPrime = 2n ** 253n - 9n - 2n * delta;
    expect(2n * (p + 1n) - 8n * L).toBe(4n * lPrime);
    expect(isProbablePrime(lPrime)).toBe(true);
    expect(isProbablePrime(L)).toBe(true);
    expect(isProbablePrime(lPrime * L)).toBe(false); // it can say "composite"
    const k = 5n * L - 1n;
    expect([k % 8n, k >= 2n ** 254n && k < 2n ** 255n, (k - 1n) % 2n, (k + 1n) % 2n]).toEqual([0n, true, 1n, 1n]);
    expect((k - 1n) % lPrime).toBe(7237005577332262213973186563042994241079054901598886434288766440612523438949n);
    expect((k + 1n) % lPrime).toBe(7237005577332262213973186563042994241079054901598886434288766440612523438951n);
  });

  it('a y that is no curve point has u = (1 + y) / (1 - y) on the twist (u^3 + A u^2 + u not a square)', () => {
    let offCurve = 0;
    for (let i = 0; i < 200; i++) {
      const y = le(new Uint8Array(randomBytes(32))) % p;
      if (y === 1n) continue;
      const onCurve = isSquare((y * y - 1n) * inv(d * y * y + 1n));
      const u = mod((1n + y) * inv(1n - y));
      expect(isSquare(u * u * u + A * u * u + u)).toBe(onCurve);
      if (!onCurve) offCurve++;
    }
    expect(offCurve).toBeGreaterThan(50);
  });
});

describe('publicKeyProblem gives exactly the reference\'s answer', () => {
  it('on 4,000 random 32-byte strings (off-curve, torsion components and acceptable keys among them)', () => {
    const seen = new Map<string, number>();
    for (let i = 0; i < 4000; i++) {
      const problem = expectSameAnswer(new Uint8Array(randomBytes(32)));
      const kind = problem === undefined ? 'accepted' : SUBGROUP.test(problem) ? 'torsion' : problem;
      seen.set(kind, (seen.get(kind) ?? 0) + 1);
    }
    // About half of all y are curve points, and one curve point in eight is torsion-free.
    expect(seen.get(CANONICAL)).toBeGreaterThan(1500);
    expect(seen.get('torsion')).toBeGreaterThan(1400);
    expect(seen.get('accepted')).toBeGreaterThan(150);
  });

  it('keys made from seeds are accepted natively', () => {
    for (let i = 0; i < 200; i++) {
      const key = publicKeyFromSeed(new Uint8Array(randomBytes(32)));
      expect(publicKeyAcceptedNatively(key)).toBe(true);
      expect(expectSameAnswer(key)).toBeUndefined();
    }
  });

  it('twist points (u^3 + A u^2 + u not a square), with either sign bit, are refused as no curve point', () => {
    let checked = 0;
    while (checked < 200) {
      const u = le(new Uint8Array(randomBytes(32))) % p;
      if (u === p - 1n || isSquare(u * u * u + A * u * u + u)) continue;
      const y = mod((u - 1n) * inv(u + 1n));
      for (const sign of [0, 1] as const) {
        const key = withSign(y, sign);
        expect(publicKeyAcceptedNatively(key)).toBe(false);
        expect(expectSameAnswer(key)).toBe(CANONICAL);
      }
      checked++;
    }
  });

  it('y >= p (every such y, both sign bits) is not canonical', () => {
    for (let y = p; y < 2n ** 255n; y++) {
      for (const sign of [0, 1] as const) expect(expectSameAnswer(withSign(y, sign))).toBe(CANONICAL);
    }
  });

  it('small-order points are refused as such; their encodings with the other sign bit are not canonical', () => {
    for (const encoding of SMALL_ORDER_ENCODINGS) {
      const key = new Uint8Array(Buffer.from(encoding, 'hex'));
      expect(expectSameAnswer(key)).toBe(SMALL);
      key[31]! ^= 0x80;
      // The order-4 points (y = 0) differ only in the sign bit: both are listed.
      expect(expectSameAnswer(key)).toBe(SMALL_ORDER_ENCODINGS.includes(hex(key)) ? SMALL : CANONICAL);
    }
  });

  it('"negative zero" (x = 0 with the sign bit set: y = 1 and y = p - 1) is not canonical', () => {
    for (const y of [1n, p - 1n]) expect(expectSameAnswer(withSign(y, 1))).toBe(CANONICAL);
  });

  it('A + T for T of order 2, 4 and 8 (every torsion component) is outside the subgroup; A itself is accepted', () => {
    for (let i = 0; i < 8; i++) {
      const a = ed.Point.BASE.multiply((le(new Uint8Array(randomBytes(32))) % (L - 1n)) + 1n);
      let torsion = ed.Point.ZERO;
      for (let j = 0; j < 8; j++) {
        for (const point of [a.add(torsion), a.negate().add(torsion)]) {
          const problem = expectSameAnswer(point.toBytes());
          if (j === 0) expect(problem).toBeUndefined();
          else expect(problem).toMatch(SUBGROUP);
        }
        torsion = torsion.add(T8);
      }
    }
  });

  it('wrong lengths name the length', () => {
    for (const n of [0, 31, 33, 64]) expect(expectSameAnswer(new Uint8Array(n))).toBe(`is ${n} bytes, not 32`);
  });
});
