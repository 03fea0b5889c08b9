// Derives negative.json from the RFC 8032 §7.1 vectors in vectors.json: signatures and keys that
// a strict RFC 8032 verifier must refuse. Run from the repository root after `npm ci`:
//   node testdata/rfc8032/make-negative.mjs
// Every case is checked against its reason here before it is written.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import * as ed from '@noble/ed25519';

ed.hashes.sha512 = (m) => new Uint8Array(createHash('sha512').update(m).digest());
const here = new URL('.', import.meta.url);
const { vectors } = JSON.parse(readFileSync(new URL('vectors.json', here), 'utf8'));
const hex = (b) => Buffer.from(b).toString('hex');
const bytes = (h) => new Uint8Array(Buffer.from(h, 'hex'));
const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const le = (b) => { let n = 0n; for (let i = b.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(b[i]); return n; };
const toLe = (n) => { const out = new Uint8Array(32); for (let i = 0; i < 32; i++) { out[i] = Number(n & 0xffn); n >>= 8n; } return out; };
const [t1, t2, t3] = vectors;
const cases = [];

// 1. S + L: the group equation still holds, RFC 8032 §5.1.7 requires S < L (malleability).
{
  const sig = bytes(t1.signature);
  const sPlusL = le(sig.subarray(32)) + L;
  cases.push({ name: 'TEST 1 with S + L', why: 'S >= L (RFC 8032 §5.1.7: "if S is not in this range, reject"); ZIP-215 verifiers accept it', publicKey: t1.publicKey, message: t1.message, signature: hex(sig.subarray(0, 32)) + hex(toLe(sPlusL)) });
}
// 2. The message of TEST 2 with one bit flipped.
cases.push({ name: 'TEST 2, message bit flipped', why: 'the message is not the one signed', publicKey: t2.publicKey, message: '73', signature: t2.signature });
// 3. TEST 3's signature checked against TEST 2's key.
cases.push({ name: 'TEST 3 signature, TEST 2 key', why: 'the key did not make the signature', publicKey: t2.publicKey, message: t3.message, signature: t3.signature });
// 4. The identity as public key, R = identity, S = 0: the cofactored equation holds for every message.
cases.push({ name: 'small-order public key (identity), R = identity, S = 0', why: 'A of small order: one signature would verify any message; refused by strict verifiers (noble zip215: false, libsodium)', publicKey: '01' + '00'.repeat(31), message: '6d637074727573742d666f72676564', signature: '01' + '00'.repeat(31) + '00'.repeat(32) });
// 5. A real key and a signature with a small-order R that satisfies the equation (made with TEST 1's secret).
{
  const { scalar, pointBytes } = ed.utils.getExtendedPublicKey(bytes(t1.secretKey));
  const R = bytes('01' + '00'.repeat(31)); // identity
  const msg = bytes('6d637074727573742d736d616c6c2d52'); // "mcptrust-small-R"
  const k = le(createHash('sha512').update(R).update(pointBytes).update(msg).digest()) % L;
  const S = (k * scalar) % L; // [S]B = [k]A, so [S]B = R + [k]A with R = identity
  cases.push({ name: 'TEST 1 key, R = identity (small order), S = k·a', why: 'R of small order: the equation holds but R carries no commitment; refused by libsodium and by mcptrust (noble\'s strict mode alone accepts it)', publicKey: t1.publicKey, message: hex(msg), signature: hex(R) + hex(toLe(S)) });
  if (!ed.verify(bytes(cases.at(-1).signature), msg, bytes(t1.publicKey), { zip215: false })) throw new Error('case 5 should satisfy the equation');
}
// 6. R = identity with the sign bit set ("negative zero", x = 0 and x_0 = 1), RFC 8032 §5.1.3 step 4.
cases.push({ name: 'R = negative-zero encoding of the identity', why: 'non-canonical point encoding (RFC 8032 §5.1.3: x = 0 and x_0 = 1 fails decoding)', publicKey: t1.publicKey, message: t1.message, signature: '01' + '00'.repeat(30) + '80' + t1.signature.slice(64) });
// 7. Public key with y >= p (y = p + 1, a non-canonical encoding of the identity).
cases.push({ name: 'public key y = p + 1', why: 'non-canonical encoding (RFC 8032 §5.1.3: y >= p fails decoding)', publicKey: 'ee' + 'ff'.repeat(30) + '7f', message: t1.message, signature: t1.signature });
// 8. Truncated signature.
cases.push({ name: 'TEST 1, 63-byte signature', why: 'a signature is 64 bytes', publicKey: t1.publicKey, message: t1.message, signature: t1.signature.slice(0, 126) });

const smallOrder = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0000000000000000000000000000000000000000000000000000000000000080',
  '0100000000000000000000000000000000000000000000000000000000000000',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
];
for (const p of smallOrder) {
  let point;
  try { point = ed.Point.fromBytes(bytes(p), true); } catch { continue; }
  if (!point.isSmallOrder()) throw new Error(`${p} is not of small order`);
}
writeFileSync(
  new URL('negative.json', here),
  `${JSON.stringify({ source: 'derived from vectors.json (RFC 8032 §7.1) by make-negative.mjs; each case must be refused', cases, smallOrderEncodings: smallOrder }, null, 2)}\n`,
);
