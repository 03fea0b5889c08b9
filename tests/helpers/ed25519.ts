// The Ed25519 arithmetic and the reference verdict the crypto tests share: little-endian scalars,
// the group order L, the point of order 8, and "what mcptrust must answer" (noble's strict
// verify, with a small-order R refused too). Importing it points noble at node's SHA-512.
import { createHash } from 'node:crypto';
import * as ed from '@noble/ed25519';

ed.hashes.sha512 = (m) => new Uint8Array(createHash('sha512').update(m).digest());

/** The order of the prime-order subgroup. */
export const L = 2n ** 252n + 27742317777372353535851937790883648493n;

export const le = (b: Uint8Array): bigint => {
  let n = 0n;
  for (let i = b.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(b[i]!);
  return n;
};

export const toLe = (n: bigint, len = 32): Uint8Array => {
  const out = new Uint8Array(len);
  for (let i = 0; i < len; i++) {
    out[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return out;
};

export const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
export const bytes = (h: string) => new Uint8Array(Buffer.from(h, 'hex'));
export const cat = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));
/** RFC 8032's k = SHA-512(R ‖ A ‖ M) mod L. */
export const challenge = (r: Uint8Array, a: Uint8Array, m: Uint8Array) => le(new Uint8Array(createHash('sha512').update(r).update(a).update(m).digest())) % L;

/** A point of order 8 (RFC 8032 has none; this is the standard one, y = 0x26e8…fc05). */
export const T8 = ed.Point.fromBytes(bytes('26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05'), false);

export function nobleStrict(sig: Uint8Array, msg: Uint8Array, pub: Uint8Array): boolean {
  try {
    return ed.verify(sig, msg, pub, { zip215: false });
  } catch {
    return false;
  }
}

/** True when the first 32 bytes of sig decode (strictly) to a point of small order. */
export function rIsSmallOrder(sig: Uint8Array): boolean {
  try {
    return ed.Point.fromBytes(sig.subarray(0, 32), false).isSmallOrder();
  } catch {
    return false;
  }
}

/** What mcptrust must answer: noble's strict verify, with small-order R refused too. */
export const expected = (sig: Uint8Array, msg: Uint8Array, pub: Uint8Array) => nobleStrict(sig, msg, pub) && !rIsSmallOrder(sig);
