import { timingSafeEqual } from 'node:crypto';

/**
 * The one comparison for digests, signatures, key ids and key bytes: its time does not depend
 * on where two equal-length inputs first differ. Lengths are not secret (every digest and key
 * of one kind has a fixed length), so inputs of different lengths are simply unequal. Strings
 * are compared as their UTF-8 bytes.
 */
export function constantTimeEqual(a: Uint8Array | string, b: Uint8Array | string): boolean {
  const x = typeof a === 'string' ? Buffer.from(a, 'utf8') : a;
  const y = typeof b === 'string' ? Buffer.from(b, 'utf8') : b;
  if (x.length !== y.length) return false;
  return timingSafeEqual(x, y);
}
