// The signature envelope (src/lockfile/signature.ts): what is signed, how it is parsed, and that
// no single bit of the lockfile or of the signature file can change without verification failing.
import { describe, expect, it } from 'vitest';
import { privateKeyFromSeed, type PrivateKey } from '../../src/crypto/keys.js';
import {
  digestBytes,
  parseSignatureEnvelope,
  preAuthEncoding,
  serializeSignatureEnvelope,
  SignatureError,
  signLockfile,
  verifyLockfileSignature,
  type SignatureEnvelope,
  type VerifyResult,
} from '../../src/lockfile/signature.js';
import { verifyEd25519 } from '../../src/crypto/ed25519.js';
import { oneToolLockText } from '../helpers/lockfiles.js';

const alice = privateKeyFromSeed(new Uint8Array(32).fill(0xa1));
const bob = privateKeyFromSeed(new Uint8Array(32).fill(0xb0));
const carol = privateKeyFromSeed(new Uint8Array(32).fill(0xc4));

/** A small but real lockfile: one server, one tool (small, since every one of its bits is flipped below). */
function smallLockfile(description = 'Read a note.'): Uint8Array {
  return new Uint8Array(Buffer.from(oneToolLockText({ server: 'n', description, args: [], capabilities: {} })));
}

const sign = (lock: Uint8Array, key: PrivateKey, existing?: SignatureEnvelope) => signLockfile(lock, key, existing).envelope;
const sigBytes = (env: SignatureEnvelope) => new Uint8Array(Buffer.from(serializeSignatureEnvelope(env)));

/** What `mcptrust verify` does with the two files' bytes: parse the envelope, then verify. */
function check(lock: Uint8Array, sig: Uint8Array, trusted = [alice.publicKey], threshold = 1): VerifyResult | SignatureError {
  let envelope: SignatureEnvelope;
  try {
    envelope = parseSignatureEnvelope(sig, 'test.sig');
  } catch (error) {
    if (error instanceof SignatureError) return error;
    throw error;
  }
  return verifyLockfileSignature(lock, envelope, trusted, { threshold });
}

describe('the signed message (pre-authentication encoding)', () => {
  it('is length-prefixed fields: context, version, algorithm, key id, lockfile digest, lockfile bytes', () => {
    const pae = Buffer.from(preAuthEncoding(1, 'ed25519', 'sha256:ab', 'sha256:cd', new Uint8Array(Buffer.from('{}\n'))));
    expect(pae.toString('utf8')).toBe('27 mcptrust-lockfile-signature 1 1 7 ed25519 9 sha256:ab 9 sha256:cd 3 {}\n');
  });

  it('the signature is an Ed25519 signature over exactly that encoding', () => {
    const lock = smallLockfile();
    const env = sign(lock, alice);
    const entry = env.signatures[0]!;
    const pae = preAuthEncoding(1, 'ed25519', alice.publicKey.keyId, env.lockfileDigest, lock);
    expect(verifyEd25519(entry.signature, pae, alice.publicKey.raw)).toBe(true);
    expect(env.lockfileDigest).toBe(digestBytes(lock));
  });
});

describe('sign', () => {
  it('adds a signature per key, replaces a key\'s own, drops signatures over other bytes', () => {
    const lock = smallLockfile();
    const one = signLockfile(lock, alice);
    expect(one.replaced).toBe(false);
    const two = signLockfile(lock, bob, one.envelope);
    expect(two.envelope.signatures.map((s) => s.keyid).sort()).toEqual([alice.publicKey.keyId, bob.publicKey.keyId].sort());
    const again = signLockfile(lock, alice, two.envelope);
    expect(again.replaced).toBe(true);
    expect(again.envelope.signatures).toHaveLength(2);
    const relocked = signLockfile(smallLockfile('changed'), carol, again.envelope);
    expect(relocked.dropped.sort()).toEqual([alice.publicKey.keyId, bob.publicKey.keyId].sort());
    expect(relocked.envelope.signatures.map((s) => s.keyid)).toEqual([carol.publicKey.keyId]);
  });

  it('writes a deterministic file (signatures sorted by key id), which reads back the same', () => {
    const lock = smallLockfile();
    const ab = sign(lock, bob, sign(lock, alice));
    const ba = sign(lock, alice, sign(lock, bob));
    expect(serializeSignatureEnvelope(ab)).toBe(serializeSignatureEnvelope(ba));
    const back = parseSignatureEnvelope(sigBytes(ab));
    expect(serializeSignatureEnvelope(back)).toBe(serializeSignatureEnvelope(ab));
  });
});

describe('verify', () => {
  const lock = smallLockfile();
  const both = sign(lock, bob, sign(lock, alice));

  it('passes with the signer\'s key and names it', () => {
    const r = check(lock, sigBytes(sign(lock, alice))) as VerifyResult;
    expect(r.verified).toBe(true);
    expect(r.signers).toEqual([alice.publicKey.keyId]);
    expect(r.problems).toEqual([]);
  });

  it('threshold 2: two distinct trusted keys pass', () => {
    const r = check(lock, sigBytes(both), [alice.publicKey, bob.publicKey], 2) as VerifyResult;
    expect(r.verified).toBe(true);
    expect(r.signers.sort()).toEqual([alice.publicKey.keyId, bob.publicKey.keyId].sort());
  });

  it('threshold 2: the same key twice fails, whether trusted twice or signing twice', () => {
    const single = sign(lock, alice);
    const r1 = check(lock, sigBytes(single), [alice.publicKey, alice.publicKey], 2) as VerifyResult;
    expect(r1.verified).toBe(false);
    expect(r1.problems.map((p) => p.code)).toEqual(['THRESHOLD_NOT_MET']);
    expect(r1.problems[0]!.message).toMatch(/1 distinct trusted key signed; 2 required \(only 1 distinct trusted key was given\)/);
    const doubled: SignatureEnvelope = { ...single, signatures: [single.signatures[0]!, single.signatures[0]!] };
    const r2 = check(lock, sigBytes(doubled), [alice.publicKey, bob.publicKey], 2) as VerifyResult;
    expect(r2.verified).toBe(false);
    expect(r2.problems.map((p) => p.code)).toEqual(['DUPLICATE_SIGNER', 'THRESHOLD_NOT_MET']);
  });

  it('a signature by a key that is not trusted fails, unless told to ignore it (it never counts)', () => {
    const r = check(lock, sigBytes(both), [alice.publicKey]) as VerifyResult;
    expect(r.verified).toBe(false);
    expect(r.problems.map((p) => p.code)).toEqual(['UNKNOWN_KEY']);
    expect(r.problems[0]!.keyid).toBe(bob.publicKey.keyId);
    const env = parseSignatureEnvelope(sigBytes(both));
    const lenient = verifyLockfileSignature(lock, env, [alice.publicKey], { allowUnknownSigners: true });
    expect(lenient.verified).toBe(true);
    expect(lenient.unknownSigners).toEqual([bob.publicKey.keyId]);
    expect(verifyLockfileSignature(lock, env, [alice.publicKey], { allowUnknownSigners: true, threshold: 2 }).verified).toBe(false);
  });

  it('a changed lockfile is reported as changed, with both digests', () => {
    const r = check(smallLockfile('Read a note!'), sigBytes(both), [alice.publicKey, bob.publicKey]) as VerifyResult;
    expect(r.verified).toBe(false);
    expect(r.problems[0]!.code).toBe('DIGEST_MISMATCH');
    expect(r.problems[0]!.message).toMatch(/^the lockfile was changed after it was signed \(it is sha256:[0-9a-f]{64}; the signatures are over sha256:/);
    expect(r.problems.slice(1).map((p) => p.code)).toEqual(['INVALID_SIGNATURE', 'INVALID_SIGNATURE', 'THRESHOLD_NOT_MET']);
  });
});

describe('every single-bit flip is rejected', () => {
  const lock = smallLockfile();
  const sig = sigBytes(sign(lock, alice));

  it('the untouched pair verifies (so the flips below are what fails)', () => {
    expect((check(lock, sig) as VerifyResult).verified).toBe(true);
  });

  // In eight slices of the bytes, one test each (none holds vitest's worker for long).
  it.each([0, 1, 2, 3, 4, 5, 6, 7])(`every bit of the lockfile (${lock.length} bytes), slice %i of 8`, (part) => {
    const envelope = parseSignatureEnvelope(sig);
    const from = Math.floor((lock.length * part) / 8) * 8;
    const to = Math.floor((lock.length * (part + 1)) / 8) * 8;
    let rejected = 0;
    for (let bit = from; bit < to; bit++) {
      const flipped = lock.slice();
      flipped[bit >> 3]! ^= 1 << (bit & 7);
      const r = verifyLockfileSignature(flipped, envelope, [alice.publicKey]);
      if (r.verified) throw new Error(`flipping bit ${bit} of the lockfile was not detected`);
      expect(r.problems[0]!.code).toBe('DIGEST_MISMATCH');
      rejected++;
    }
    expect(rejected).toBe(to - from);
    expect(rejected).toBeGreaterThan(0);
  });

  it(`every bit of the signature file (${sig.length} bytes)`, () => {
    const outcomes: Record<string, number> = {};
    for (let bit = 0; bit < sig.length * 8; bit++) {
      const flipped = sig.slice();
      flipped[bit >> 3]! ^= 1 << (bit & 7);
      const r = check(lock, flipped);
      if (!(r instanceof SignatureError) && r.verified) throw new Error(`flipping bit ${bit} of the signature file was not detected`);
      const outcome = r instanceof SignatureError ? r.code : r.problems.map((p) => p.code).join('+');
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    }
    expect(Object.values(outcomes).reduce((a, b) => a + b, 0)).toBe(sig.length * 8);
    // Each kind of rejection happens: malformed file (exit 2), unknown key, bad signature (exit 1).
    expect(outcomes.MALFORMED_SIGNATURE_FILE).toBeGreaterThan(0);
    expect(outcomes['UNKNOWN_KEY+THRESHOLD_NOT_MET']).toBeGreaterThan(0);
    expect(outcomes['INVALID_SIGNATURE+THRESHOLD_NOT_MET']).toBeGreaterThan(0);
  });
});

describe('parsing the signature file (attacker-controlled)', () => {
  const lock = smallLockfile();
  const good = JSON.parse(serializeSignatureEnvelope(sign(lock, alice)));
  const parse = (value: unknown) => () => parseSignatureEnvelope(new Uint8Array(Buffer.from(typeof value === 'string' ? value : JSON.stringify(value))), 'x.sig');
  const expectCode = (fn: () => unknown, code: string, message: RegExp) => {
    let caught: unknown;
    try {
      fn();
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SignatureError);
    expect((caught as SignatureError).code).toBe(code);
    expect((caught as SignatureError).message).toMatch(message);
  };

  it('refuses an unknown version by number', () => {
    expectCode(parse({ ...good, signatureVersion: 2 }), 'UNKNOWN_SIGNATURE_VERSION', /^x\.sig: signature format version 2 is not supported by this mcptrust \(reads 1\)$/);
  });

  it('refuses malformed envelopes, each with a message naming the problem', () => {
    const entry = good.signatures[0];
    expectCode(parse('{'), 'MALFORMED_SIGNATURE_FILE', /not valid JSON/);
    expectCode(parse('[]'), 'MALFORMED_SIGNATURE_FILE', /must be a JSON object/);
    expectCode(parse(`{"signatureVersion":1,"signatureVersion":1,"lockfileDigest":"${good.lockfileDigest}","signatures":[]}`), 'MALFORMED_SIGNATURE_FILE', /duplicate key/);
    expectCode(parse({ ...good, extra: 1 }), 'MALFORMED_SIGNATURE_FILE', /unknown field "extra"/);
    expectCode(parse({ signatureVersion: 1, signatures: good.signatures }), 'MALFORMED_SIGNATURE_FILE', /lacks the field "lockfileDigest"/);
    expectCode(parse({ ...good, lockfileDigest: 'sha256:AB' }), 'MALFORMED_SIGNATURE_FILE', /lockfileDigest/);
    expectCode(parse({ ...good, signatures: [] }), 'MALFORMED_SIGNATURE_FILE', /non-empty array/);
    expectCode(parse({ ...good, signatures: Array(65).fill(entry) }), 'MALFORMED_SIGNATURE_FILE', /over the limit of 64/);
    expectCode(parse({ ...good, signatures: [{ ...entry, algorithm: 'rsa' }] }), 'MALFORMED_SIGNATURE_FILE', /algorithm must be "ed25519"/);
    expectCode(parse({ ...good, signatures: [{ ...entry, keyid: entry.keyid.toUpperCase() }] }), 'MALFORMED_SIGNATURE_FILE', /keyid must be/);
    expectCode(parse({ ...good, signatures: [{ ...entry, signature: entry.signature.slice(4) }] }), 'MALFORMED_SIGNATURE_FILE', /64-byte signature in base64/);
    expectCode(parse({ ...good, signatures: [{ ...entry, __proto__x: 1 }] }), 'MALFORMED_SIGNATURE_FILE', /unknown field "__proto__x"/);
    expectCode(() => parseSignatureEnvelope(new Uint8Array([0x7b, 0xff, 0x7d]), 'x.sig'), 'MALFORMED_SIGNATURE_FILE', /not valid UTF-8/);
  });

  it('refuses non-canonical base64 for the signature (one signature, one spelling)', () => {
    const entry = good.signatures[0];
    const b64: string = entry.signature;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const at = b64.length - 3; // 64 bytes: "xx==" ends, the character before "==" has 4 unused bits
    const other = b64.slice(0, at) + alphabet[alphabet.indexOf(b64[at]!) ^ 1] + '==';
    expect(Buffer.from(other, 'base64').equals(Buffer.from(b64, 'base64'))).toBe(true);
    expectCode(parse({ ...good, signatures: [{ ...entry, signature: other }] }), 'MALFORMED_SIGNATURE_FILE', /not canonical base64/);
  });
});
