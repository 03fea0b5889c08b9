// Differential tests of mcptrust's own RFC 8032 §5.1.7 verification equation (src/crypto/ed25519.ts)
// against @noble/ed25519's `verify(sig, msg, pub, { zip215: false })`. The one intended difference:
// mcptrust also refuses an R of small order (as libsodium does). Everything else must agree, on
// random inputs and on signatures crafted to sit on the edges of the specification: S >= L,
// non-canonical R and A (y >= p, "negative zero"), small-order and mixed-order A and R, A = B.
// Both of mcptrust's paths for [S]B are exercised: the double-and-add on -B of the first calls in
// a process, and noble's base table afterwards.
import { randomBytes } from 'node:crypto';
import * as ed from '@noble/ed25519';
import nacl from 'tweetnacl';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { publicKeyProblem, verifyEd25519 } from '../../src/crypto/ed25519.js';
import { L, T8, bytes, cat, challenge, expected, hex, le, nobleStrict, toLe } from '../helpers/ed25519.js';

type Verify = typeof verifyEd25519;
const P = 2n ** 255n - 19n;
const randomScalar = () => le(new Uint8Array(randomBytes(64))) % L;

const B = ed.Point.BASE;

/**
 * A signature with free choice of everything: R and A given as bytes (any encoding, canonical
 * or not), the nonce r and the discrete log a of A's prime-order part, so that S = r + k·a
 * satisfies the cofactored equation whenever R - [r]B and A - [a]B are of small order.
 */
function craft(rBytes: Uint8Array, r: bigint, aBytes: Uint8Array, a: bigint, msg: Uint8Array, sOffset = 0n): Uint8Array {
  const k = challenge(rBytes, aBytes, msg);
  const s = (((r + k * a) % L) + sOffset) % 2n ** 256n;
  return cat(rBytes, toLe(s));
}

/** A byte string for y with the sign bit x0: the raw encoding, canonical or not. */
const encode = (y: bigint, x0: 0 | 1) => {
  const b = toLe(y);
  b[31]! |= x0 << 7;
  return b;
};

interface Case {
  name: string;
  sig: Uint8Array;
  msg: Uint8Array;
  pub: Uint8Array;
  /** The answer mcptrust must give (also checked against noble, see `expected`). */
  want: boolean;
}

function craftedCases(): Case[] {
  const msg = new Uint8Array(Buffer.from('mcptrust differential'));
  const a = randomScalar();
  const A = B.multiply(a);
  const aBytes = A.toBytes();
  const r = randomScalar();
  const R = B.multiply(r);
  const rBytes = R.toBytes();
  const honest = craft(rBytes, r, aBytes, a, msg);
  const sOf = (sig: Uint8Array) => le(sig.subarray(32));
  const withS = (sig: Uint8Array, s: bigint) => cat(sig.subarray(0, 32), toLe(s));
  const cases: Case[] = [
    { name: 'honest signature', sig: honest, msg, pub: aBytes, want: true },
    { name: 'S + L (the equation holds mod L)', sig: withS(honest, sOf(honest) + L), msg, pub: aBytes, want: false },
    { name: 'S + 8L (still fits in 32 bytes)', sig: withS(honest, sOf(honest) + 8n * L), msg, pub: aBytes, want: false },
    { name: 'S = L', sig: withS(honest, L), msg, pub: aBytes, want: false },
    { name: 'S = L - 1', sig: withS(honest, L - 1n), msg, pub: aBytes, want: false },
    { name: 'S = 2^256 - 1', sig: withS(honest, 2n ** 256n - 1n), msg, pub: aBytes, want: false },
    { name: 'S = 0', sig: withS(honest, 0n), msg, pub: aBytes, want: false },
  ];

  // A = B (a = 1): noble multiplies the base point through its table, mcptrust too.
  {
    const k = challenge(rBytes, B.toBytes(), msg);
    cases.push({ name: 'A = B', sig: cat(rBytes, toLe((r + k) % L)), msg, pub: B.toBytes(), want: true });
  }
  // Mixed-order A = [a]B + T8: the cofactored equation (RFC 8032's "sufficient" check) holds.
  {
    const mixed = A.add(T8).toBytes();
    let sig = craft(rBytes, r, mixed, a, msg);
    // Pick a message for which k is not a multiple of 8, so a cofactorless verifier disagrees.
    let m = msg;
    for (let i = 0; challenge(rBytes, mixed, m) % 8n === 0n; i++) m = cat(msg, new Uint8Array([i]));
    sig = craft(rBytes, r, mixed, a, m);
    cases.push({ name: 'mixed-order A (cofactored equation holds)', sig, msg: m, pub: mixed, want: true });
    // tweetnacl's cofactorless check refuses it: the two RFC-allowed equations really differ here.
    expect(nacl.sign.detached.verify(m, sig, mixed)).toBe(false);
  }
  // Mixed-order R = [r]B + T8.
  {
    const mixedR = R.add(T8).toBytes();
    cases.push({ name: 'mixed-order R (cofactored equation holds)', sig: craft(mixedR, r, aBytes, a, msg), msg, pub: aBytes, want: true });
  }
  // Small-order R (each of the 8 torsion points, canonical encodings): S = k·a satisfies the equation.
  for (let i = 0; i < 8; i++) {
    const t = T8.multiply(BigInt(i === 0 ? 8 : i), false);
    const tBytes = t.toBytes();
    cases.push({ name: `R = [${i}]T8 (small order)`, sig: craft(tBytes, 0n, aBytes, a, msg), msg, pub: aBytes, want: false });
  }
  // Small-order A: with A = T, [S]B = R + [k]A holds up to torsion for S = r, for any message.
  for (let i = 0; i < 8; i++) {
    const t = T8.multiply(BigInt(i === 0 ? 8 : i), false);
    cases.push({ name: `A = [${i}]T8 (small order)`, sig: cat(rBytes, toLe(r)), msg, pub: t.toBytes(), want: false });
  }
  // Non-canonical encodings with y >= p: y = p + d is the point with y = d, for the d whose
  // point exists. The challenge is computed over the non-canonical bytes (as a ZIP-215
  // verifier would), so only the encoding rule can refuse them.
  for (let d = 0n; d < 19n; d++) {
    for (const x0 of [0, 1] as const) {
      const enc = encode(P + d, x0);
      let point;
      try {
        point = ed.Point.fromBytes(enc, true);
      } catch {
        continue; // y = d is not on the curve
      }
      // Small-order points: as R, S = k·a satisfies the equation; as A, S = r does (up to
      // torsion). Large-order ones (unknown discrete log) cannot satisfy it, but still go
      // through decoding. Either way strict decoding must refuse the encoding.
      const kind = point.isSmallOrder() ? 'small order' : 'large order';
      cases.push({ name: `R = non-canonical y = p + ${d}, x0 = ${x0} (${kind})`, sig: craft(enc, 0n, aBytes, a, msg), msg, pub: aBytes, want: false });
      cases.push({ name: `A = non-canonical y = p + ${d}, x0 = ${x0} (${kind})`, sig: cat(rBytes, toLe(r)), msg, pub: enc, want: false });
    }
  }
  // "Negative zero": x = 0 with the sign bit set (y = 1 is the identity, y = p - 1 has order 2).
  for (const y of [1n, P - 1n]) {
    const enc = encode(y, 1);
    cases.push({ name: `R = negative zero (y = ${y === 1n ? '1' : 'p - 1'})`, sig: craft(enc, 0n, aBytes, a, msg), msg, pub: aBytes, want: false });
    cases.push({ name: `A = negative zero (y = ${y === 1n ? '1' : 'p - 1'})`, sig: cat(rBytes, toLe(r)), msg, pub: enc, want: false });
  }
  // A non-canonical encoding of a large-order point: flip the sign bit of x = 0 is impossible
  // for those, and y >= p only reaches y < 19; so the last family is y not on the curve at all.
  for (let y = 2n; ; y++) {
    try {
      ed.Point.fromBytes(encode(y, 0), true);
    } catch {
      cases.push({ name: `A with y = ${y}, not on the curve`, sig: honest, msg, pub: encode(y, 0), want: false });
      cases.push({ name: `R with y = ${y}, not on the curve`, sig: cat(encode(y, 0), honest.subarray(32)), msg, pub: aBytes, want: false });
      break;
    }
  }
  return cases;
}

let warm: Verify;
/** A verifier from a freshly loaded module: its first 8 calls take the double-and-add path on -B. */
async function fresh(): Promise<Verify> {
  vi.resetModules();
  return (await import('../../src/crypto/ed25519.js')).verifyEd25519;
}

beforeAll(() => {
  warm = verifyEd25519;
  // Push the module-wide counter past the fast path, so `warm` uses noble's base table.
  const seed = new Uint8Array(32).fill(7);
  const pub = ed.getPublicKey(seed);
  const sig = ed.sign(new Uint8Array([1]), seed);
  for (let i = 0; i < 10; i++) expect(warm(sig, new Uint8Array([1]), pub)).toBe(true);
});

describe('crafted edge cases: mcptrust and noble strict agree (except small-order R, refused)', () => {
  const cases = craftedCases();

  it('covers every family: S range, A = B, mixed order, small order, non-canonical, off-curve', () => {
    expect(cases.length).toBeGreaterThan(40);
    expect(cases.filter((c) => c.want).length).toBe(4);
    expect(cases.some((c) => c.name.includes('non-canonical y = p + 1'))).toBe(true);
  });

  for (const c of cases) {
    it(`${c.want ? 'accepts' : 'refuses'}: ${c.name}`, async () => {
      expect(expected(c.sig, c.msg, c.pub), 'noble strict (with small-order R refused)').toBe(c.want);
      expect(warm(c.sig, c.msg, c.pub), 'table path').toBe(c.want);
      const first = await fresh();
      expect(first(c.sig, c.msg, c.pub), 'double-and-add path').toBe(c.want);
    });
  }

  it('small-order R is the only place mcptrust is stricter than noble: noble accepts those', () => {
    const smallR = cases.filter((c) => /^R = \[\d\]T8/.test(c.name));
    expect(smallR.length).toBe(8);
    for (const c of smallR) expect(nobleStrict(c.sig, c.msg, c.pub), c.name).toBe(true);
  });

  it('every refused public key is also refused by publicKeyProblem', () => {
    for (const c of cases.filter((x) => x.name.startsWith('A ') && !x.want)) expect(publicKeyProblem(c.pub), c.name).toBeDefined();
  });
});

describe('random inputs: mcptrust agrees with noble strict', () => {
  it('honest signatures, and each with R, S, A or the message altered at random', async () => {
    const first = await fresh();
    let agreeTrue = 0;
    for (let i = 0; i < 60; i++) {
      const seed = new Uint8Array(randomBytes(32));
      const pub = ed.getPublicKey(seed);
      const msg = new Uint8Array(randomBytes(i * 7));
      const sig = ed.sign(msg, seed);
      const variants: [Uint8Array, Uint8Array, Uint8Array][] = [[sig, msg, pub]];
      const alt = sig.slice();
      alt[randomBytes(1)[0]! % 64]! ^= 1 << (i % 8);
      variants.push([alt, msg, pub]);
      variants.push([cat(new Uint8Array(randomBytes(32)), sig.subarray(32)), msg, pub]); // random R (about half decode)
      variants.push([cat(sig.subarray(0, 32), toLe(randomScalar())), msg, pub]); // random S < L
      variants.push([cat(sig.subarray(0, 32), new Uint8Array(randomBytes(32))), msg, pub]); // random S, mostly >= L
      variants.push([sig, msg, new Uint8Array(randomBytes(32))]); // random A
      variants.push([sig, cat(msg, new Uint8Array([i])), pub]);
      for (const [s, m, p] of variants) {
        const want = expected(s, m, p);
        expect(warm(s, m, p)).toBe(want);
        if (i < 1) expect(first(s, m, p)).toBe(want);
        if (want) agreeTrue++;
      }
    }
    expect(agreeTrue).toBe(60); // exactly the honest ones
  });

  it('random valid-looking signatures: R a real point, S < L, never accepted by either', () => {
    const seed = new Uint8Array(randomBytes(32));
    const pub = ed.getPublicKey(seed);
    for (let i = 0; i < 40; i++) {
      const sig = cat(B.multiply(randomScalar()).toBytes(), toLe(randomScalar()));
      const msg = new Uint8Array(randomBytes(16));
      expect(nobleStrict(sig, msg, pub)).toBe(false);
      expect(warm(sig, msg, pub)).toBe(false);
    }
  });

  it('messages given in parts give the same answer as the whole', () => {
    const seed = new Uint8Array(randomBytes(32));
    const pub = ed.getPublicKey(seed);
    for (let i = 0; i < 10; i++) {
      const msg = new Uint8Array(randomBytes(100 + i));
      const sig = ed.sign(msg, seed);
      expect(warm(sig, [msg.subarray(0, i * 9), msg.subarray(i * 9)], pub)).toBe(true);
      expect(warm(sig, [msg.subarray(0, i * 9), msg.subarray(i * 9 + 1)], pub)).toBe(false);
    }
  });
});

describe('hex spelling of the crafted torsion point', () => {
  it('T8 has order exactly 8', () => {
    expect(T8.multiply(4n, false).is0()).toBe(false);
    expect(T8.multiply(8n, false).is0()).toBe(true);
    expect(hex(T8.toBytes())).toBe('26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05');
  });
});
