// speaksOfFileAccess (src/mtf/declarations.ts) gates the FILE_ACCESS pattern on the words every
// branch of it needs; the gate must never hide a match, whatever the case or the characters.
import { describe, expect, it } from 'vitest';
import { FILE_ACCESS, speaksOfFileAccess } from '../../src/mtf/declarations.js';

const VERBS = ['read', 'reads', 'opens', 'accesses', 'loads', 'scans', 'dumps', 'collects', 'uploads', 'from', 'writes'];
const MIDDLE = ['', 'any ', 'arbitrary ', 'all ', 'the ', "the user's ", 'your ', 'local ', 'the local '];
const OBJECTS = ['file', 'files', 'file system', 'filesystem', 'disk', 'home directory', 'home folder', 'filesystems', 'disks', 'homes', 'f1le', 'd1sk', 'record'];
const ODD = ['ſ', 'K', 'İ', 'ı', 'Ｆ', '\u0307', 'é', '\t', '\n', '  '];

function mixCase(text: string, seed: number): string {
  let out = '';
  for (let i = 0; i < text.length; i++) out += (seed >> i % 13) & 1 ? text[i]!.toUpperCase() : text[i]!;
  return out;
}

describe('speaksOfFileAccess', () => {
  it('agrees with FILE_ACCESS on every phrase of its grammar, in mixed case, with odd characters around', () => {
    let matches = 0;
    let seed = 1;
    for (const verb of VERBS) {
      for (const middle of MIDDLE) {
        for (const object of OBJECTS) {
          for (let k = 0; k < 4; k++) {
            seed = (seed * 1103515245 + 12345) >>> 0;
            const odd = ODD[seed % ODD.length]!;
            const text = mixCase(`${k & 1 ? odd : ''}This tool ${verb} ${middle}${object}${k & 2 ? odd : '.'}`, seed);
            const expected = FILE_ACCESS.test(text);
            if (expected) matches++;
            expect([text, speaksOfFileAccess(text)]).toEqual([text, expected]);
          }
        }
      }
    }
    // The grammar reaches both answers many times.
    expect(matches).toBeGreaterThan(300);
  });

  it('agrees on random texts built from the letters the pattern reads', () => {
    const alphabet = 'fFiIlLeEdDsSkKhHoOmMrRaA ſKİı\u0307 ';
    let seed = 7;
    for (let n = 0; n < 20_000; n++) {
      let text = '';
      const length = 4 + (n % 40);
      for (let i = 0; i < length; i++) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        text += alphabet[seed % alphabet.length];
      }
      const withVerb = `reads ${text}`;
      expect(speaksOfFileAccess(withVerb)).toBe(FILE_ACCESS.test(withVerb));
      expect(speaksOfFileAccess(text)).toBe(FILE_ACCESS.test(text));
    }
  });
});
