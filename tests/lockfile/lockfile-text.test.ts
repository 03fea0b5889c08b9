// lockfileText (cmd/lockfile-read.ts): an ASCII file is read as Latin-1, which must give exactly
// the string UTF-8 decoding gives, and any other file is decoded as UTF-8, invalid bytes included.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { lockfileText } from '../../cmd/lockfile-read.js';

describe('lockfileText', () => {
  it('is bytes.toString("utf8") for ASCII, UTF-8, invalid UTF-8, NUL and empty input', () => {
    const cases = [
      Buffer.from('{"lockfileVersion":1,"servers":{}}\n'),
      Buffer.alloc(0),
      Buffer.from([0x00, 0x7f, 0x41]),
      Buffer.from('{"d":"café ☕ 𝄞"}', 'utf8'),
      // Latin-1 bytes that are not UTF-8: each becomes U+FFFD, never "é".
      Buffer.from([0x7b, 0x22, 0xe9, 0x22, 0x7d]),
      Buffer.from([0x80]),
      Buffer.from([0xff, 0xfe, 0x41]),
      // A large ASCII file with one non-ASCII byte at the end.
      Buffer.concat([Buffer.alloc(3 << 20, 0x61), Buffer.from([0xc3, 0xa9])]),
      Buffer.alloc(3 << 20, 0x20),
    ];
    for (let i = 0; i < 200; i++) cases.push(randomBytes(1 + (i % 64)));
    for (const bytes of cases) {
      const text = lockfileText(bytes);
      expect(text.length).toBe(bytes.toString('utf8').length);
      expect(text === bytes.toString('utf8')).toBe(true);
    }
    expect(lockfileText(Buffer.from([0xe9]))).toBe('\ufffd');
  });
});
