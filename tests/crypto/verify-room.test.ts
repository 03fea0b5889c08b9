// verify reads the lockfile once into a buffer with room in front (readLockfileBytes with room) and
// writes each signature's PAE header there, so each signed message is one buffer. These tests
// pin that the in-place message gives exactly the answers of the two-part one, leaves the
// lockfile's bytes alone, and that the reader fails as readLockfileBytes does.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLockfileBytes } from '../../cmd/lockfile-read.js';
import { privateKeyFromSeed } from '../../src/crypto/keys.js';
import { PAE_ROOM, signLockfile, verifyLockfileSignature } from '../../src/lockfile/signature.js';
import { oneToolLockText } from '../helpers/lockfiles.js';

const alice = privateKeyFromSeed(new Uint8Array(32).fill(0xa1));
const bob = privateKeyFromSeed(new Uint8Array(32).fill(0xb0));

/** `lock` copied into a fresh buffer after `room` bytes of junk. */
function withRoom(lock: Uint8Array, room: number): Uint8Array {
  const buffer = Buffer.alloc(room + lock.length, 0x5a);
  buffer.set(lock, room);
  return buffer.subarray(room);
}

describe('the PAE written in place before the lockfile', () => {
  const lock = new Uint8Array(Buffer.from(oneToolLockText({ description: 'room' }), 'utf8'));
  const two = signLockfile(lock, bob, signLockfile(lock, alice).envelope).envelope;

  it('verifies with two signers, the lockfile bytes untouched, as without room', () => {
    const viewed = withRoom(lock, PAE_ROOM);
    const inPlace = verifyLockfileSignature(viewed, two, [alice.publicKey, bob.publicKey], { threshold: 2, room: PAE_ROOM });
    const parts = verifyLockfileSignature(lock, two, [alice.publicKey, bob.publicKey], { threshold: 2 });
    expect(inPlace).toEqual(parts);
    expect(inPlace.verified).toBe(true);
    expect(Buffer.compare(Buffer.from(viewed), Buffer.from(lock))).toBe(0);
  });

  it('a changed byte fails in place exactly as in parts (digest mismatch, both signatures invalid)', () => {
    const changed = new Uint8Array(lock);
    changed[changed.length - 3]! ^= 1;
    const inPlace = verifyLockfileSignature(withRoom(changed, PAE_ROOM), two, [alice.publicKey, bob.publicKey], { threshold: 2, room: PAE_ROOM });
    const parts = verifyLockfileSignature(changed, two, [alice.publicKey, bob.publicKey], { threshold: 2 });
    expect(inPlace).toEqual(parts);
    expect(inPlace.verified).toBe(false);
    expect(inPlace.problems.map((p) => p.code)).toEqual(['DIGEST_MISMATCH', 'INVALID_SIGNATURE', 'INVALID_SIGNATURE', 'THRESHOLD_NOT_MET']);
  });

  it('room too small, or claimed beyond the buffer, falls back to parts and never writes outside the buffer', () => {
    const small = withRoom(lock, 10);
    expect(verifyLockfileSignature(small, two, [alice.publicKey], { allowUnknownSigners: true, room: 10 }).verified).toBe(true);
    // A caller claiming more room than the view has before it (offset 0): the parts path, no throw.
    expect(lock.byteOffset).toBe(0);
    expect(verifyLockfileSignature(lock, two, [alice.publicKey], { allowUnknownSigners: true, room: PAE_ROOM }).verified).toBe(true);
  });
});

describe('sign with the PAE written in place (sign reads with room, as verify does)', () => {
  const lock = new Uint8Array(Buffer.from(oneToolLockText({ description: 'sign room' }), 'utf8'));

  it('makes the same signature as without room, leaves the lockfile bytes alone, and verify accepts it', () => {
    const plain = signLockfile(lock, alice);
    for (const room of [PAE_ROOM, 10]) {
      const viewed = withRoom(lock, room);
      const inPlace = signLockfile(viewed, alice, undefined, { room });
      expect(inPlace).toEqual(plain);
      expect(Buffer.compare(Buffer.from(viewed), Buffer.from(lock))).toBe(0);
    }
    expect(verifyLockfileSignature(lock, plain.envelope, [alice.publicKey]).verified).toBe(true);
    // Room claimed beyond the buffer (offset 0): the joined copy, no write outside the buffer.
    expect(signLockfile(lock, alice, undefined, { room: PAE_ROOM })).toEqual(plain);
  });
});

describe('readLockfileBytes with room', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcptrust-room-'));
  const text = oneToolLockText({ description: 'read' });
  writeFileSync(join(dir, 'mcp-lock.json'), text);
  mkdirSync(join(dir, 'folder.json'));

  it('reads the exact bytes with the room in front', () => {
    const bytes = readLockfileBytes(dir, 'mcp-lock.json', 1 << 20, PAE_ROOM);
    expect(bytes.byteOffset).toBeGreaterThanOrEqual(PAE_ROOM);
    expect(bytes.buffer.byteLength).toBeGreaterThanOrEqual(PAE_ROOM + bytes.length);
    expect(bytes.toString('utf8')).toBe(text);
  });

  it('fails with the errors it has without room: missing file, a folder, over the bound', () => {
    for (const [file, max, why] of [['nope.json', 1 << 20, /: no such file$/], ['folder.json', 1 << 20, /: not a regular file$/], ['mcp-lock.json', 10, /over the 10-byte limit$/]] as const) {
      let want: unknown;
      let got: unknown;
      try {
        readLockfileBytes(dir, file, max);
      } catch (error) {
        want = error;
      }
      try {
        readLockfileBytes(dir, file, max, PAE_ROOM);
      } catch (error) {
        got = error;
      }
      expect(want).toBeInstanceOf(Error);
      expect(got).toBeInstanceOf(Error);
      expect((want as Error).message).toMatch(why);
      expect((got as Error).message).toBe((want as Error).message);
      expect((got as { code?: string }).code).toBe((want as { code?: string }).code);
    }
  });
});
