/**
 * quietText's hand-written scanners (src/safety/ascii.ts) against the regular expressions they
 * replace (issue 13: the word alternation cost milliseconds to compile on first use). The oracle
 * of the word test is the alternation quietText used before, built here from TRIGGER_WORDS by the
 * same code: thousands of random and crafted texts — every word at the start, middle and end,
 * after a word character or not, in mixed case, as the prefix of a longer word, overlapping,
 * near-misses — must give the same leftmost match index and the same quiet verdict. Linear time
 * is shown on a comparison counter (no wall time is asserted).
 */
import { describe, expect, it } from 'vitest';
import { AsciiWordSet } from '../../src/safety/ascii.js';
import { isAsciiText, isPlainText, isPrintableAscii } from '../../src/util/text.js';
import { CIPHER_BACKWARD_WORDS, INSTRUCTION_RULES, quietText, reversed, SPEC_PHRASE_WORDS, TRIGGER_WORDS } from '../../src/safety/index.js';
import { seededRandom } from '../helpers/random.js';
import { respelled } from './reference/safety.js';

// The oracle: quietText's former word test, character for character.
const escapeWord = (w: string) => w.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
const ORACLE = new RegExp(TRIGGER_WORDS.map((w) => (/^\w/.test(w) ? `\\b${escapeWord(w)}` : escapeWord(w))).join('|'), 'i');
// The backward words, as the text read backwards shows them: spelled backwards, and one that
// starts with a word character only where no ASCII letter follows it.
const BACKWARD_ORACLE = new RegExp(CIPHER_BACKWARD_WORDS.map((w) => `${escapeWord(reversed(w))}${/^\w/.test(w) ? '(?![A-Za-z])' : ''}`).join('|'), 'i');
const PLAIN_TEXT = /^[\t\n\r\x20-\x7e]*$/;
const PRINTABLE = /^[\x20-\x7e]*$/;
const ASCII_ONLY = /^[\x00-\x7f]*$/;
const LONG_RUN = /[A-Za-z0-9+/_-]{48}/;
/** quietText as it was: the plain-text pattern, the alternation, the base64 run. */
const oracleLoud = (t: string) => ORACLE.test(t) || BACKWARD_ORACLE.test(t);
/** quietText: also quiet respelled (leetspeak, spaced-out letters; the reference's respelling). */
const oracleQuiet = (t: string) => {
  if (t.length === 0) return true;
  if (!PLAIN_TEXT.test(t) || oracleLoud(t) || LONG_RUN.test(t)) return false;
  const r = respelled(t);
  return r === undefined || !oracleLoud(r);
};

const SCANNER = new AsciiWordSet(TRIGGER_WORDS);
const BACKWARD = new AsciiWordSet([], CIPHER_BACKWARD_WORDS);
const BOTH = new AsciiWordSet(TRIGGER_WORDS, CIPHER_BACKWARD_WORDS);


const PRINTABLE_CHARS = Array.from({ length: 95 }, (_, i) => String.fromCharCode(0x20 + i)).join('') + '\t\n\r';
const WORD_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_';
const NON_WORD = ' \t\n\r.,;:!?-/\\\'"`()[]{}<>~@#$%^&*+=|';
const FILLER = ['the', 'a', 'record', 'by', 'id', 'returns', 'it', 'as', 'JSON', 'with', 'paging', 'options', 'reads', 'list', 'of', 'items', 'tool', 'number'];

function mixCase(word: string, random: () => number): string {
  let out = '';
  for (const ch of word) out += random() < 0.5 ? ch.toUpperCase() : ch.toLowerCase();
  return out;
}

function expectSame(text: string): void {
  expect(SCANNER.find(text), JSON.stringify(text)).toBe(text.search(ORACLE));
  expect(BACKWARD.test(text), JSON.stringify(text)).toBe(BACKWARD_ORACLE.test(text));
  expect(BOTH.test(text), JSON.stringify(text)).toBe(ORACLE.test(text) || BACKWARD_ORACLE.test(text));
  expect(quietText(text), JSON.stringify(text)).toBe(oracleQuiet(text));
}

describe('TRIGGER_WORDS', () => {
  it('holds every word a signal needs: each rule\'s first gate, the MTF phrase words, the URL and escape words', () => {
    const words = new Set(TRIGGER_WORDS);
    for (const rule of INSTRUCTION_RULES) for (const w of rule.gates[0]!) expect(words.has(w), w).toBe(true);
    for (const w of [...SPEC_PHRASE_WORDS, '/', 'www.', '\\', '.ssh', '169.254.', 'localhost:']) expect(words.has(w), w).toBe(true);
    expect(TRIGGER_WORDS.length).toBeGreaterThan(80);
  });
});

describe('AsciiWordSet against the alternation it replaces', () => {
  it('every word at the start, middle and end, after a word character or not, in three cases', () => {
    const random = seededRandom(1);
    let cases = 0;
    for (const word of TRIGGER_WORDS) {
      for (const form of [word, word.toUpperCase(), mixCase(word, random)]) {
        for (const before of ['', ' ', 'x', 'X', '7', '_', '.', '-', '/', 'text ', 'text', 'a\n', '\t']) {
          for (const after of ['', ' ', 's', 'ed', '_x', '.', ' end', 'text']) {
            expectSame(`${before}${form}${after}`);
            expectSame(`Reads a record ${before}${form}${after} and returns it.`);
            cases += 2;
          }
        }
      }
    }
    expect(cases).toBeGreaterThan(20_000);
  });

  it('prefixes, near-misses and overlaps of every word', () => {
    const random = seededRandom(2);
    for (const word of TRIGGER_WORDS) {
      for (let cut = 1; cut < word.length; cut++) {
        const prefix = word.slice(0, cut);
        expectSame(prefix);
        expectSame(` ${prefix} `);
        expectSame(`${prefix}${word}`);
        expectSame(`${prefix} ${mixCase(word, random)}`);
        // One character changed: a near-miss at every position of the word.
        const changed = `${word.slice(0, cut)}${word[cut] === 'q' ? 'z' : 'q'}${word.slice(cut + 1)}`;
        expectSame(changed);
        expectSame(`x ${changed} y`);
      }
      expectSame(`${word}${word}`);
      expectSame(`${word.slice(0, -1)}${word}`);
      // Backwards, before and after letters, digits and punctuation.
      for (const around of ['', ' ', 'x', '7', '_', '.']) expectSame(`${around}${reversed(word)}${around}`);
      expectSame(`${word.slice(0, -1)} ${word.slice(0, -1)} ${word.slice(0, -1)}`);
    }
  });

  it('random texts of filler, words, near-misses and punctuation', () => {
    const random = seededRandom(3);
    const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
    let quiet = 0;
    let loud = 0;
    for (let n = 0; n < 6000; n++) {
      const parts: string[] = [];
      const count = Math.floor(random() * 12);
      for (let k = 0; k < count; k++) {
        const r = random();
        const word = pick(TRIGGER_WORDS);
        if (r < 0.35) parts.push(pick(FILLER));
        else if (r < 0.45) parts.push(mixCase(word, random));
        else if (r < 0.65) parts.push(word.slice(0, 1 + Math.floor(random() * Math.max(1, word.length - 1))));
        else if (r < 0.75) parts.push(pick([...WORD_CHARS]) + word);
        else if (r < 0.85) parts.push(pick([...NON_WORD]));
        else parts.push(Array.from({ length: Math.floor(random() * 8) }, () => pick([...PRINTABLE_CHARS])).join(''));
        parts.push(random() < 0.7 ? ' ' : random() < 0.5 ? '' : pick([...NON_WORD]));
      }
      const text = parts.join('');
      expectSame(text);
      if (oracleQuiet(text)) quiet++;
      else loud++;
    }
    // Both verdicts are well exercised.
    expect(quiet).toBeGreaterThan(500);
    expect(loud).toBeGreaterThan(500);
  });

  it('random printable ASCII, and strings with non-ASCII code units', () => {
    const random = seededRandom(4);
    const odd = ['\u017f', '\u212a', '\u0130', '\u0131', '\u00e9', '\ud83d', '\ude00', '\u0000', '\u007f', '\u00a0', '\u2028', '\uff53'];
    for (let n = 0; n < 4000; n++) {
      const length = Math.floor(random() * 60);
      let text = '';
      for (let k = 0; k < length; k++) text += PRINTABLE_CHARS[Math.floor(random() * PRINTABLE_CHARS.length)];
      expectSame(text);
      // A non-ASCII unit never matches a word character, nor makes one a word character before a word.
      const spliced = text.slice(0, length >> 1) + odd[n % odd.length]! + 'send' + text.slice(length >> 1);
      expectSame(spliced);
      expectSame(`${odd[n % odd.length]!}ecretly and \u212aeep`);
    }
  });
});

describe('isPlainText, isPrintableAscii and isAsciiText against their patterns', () => {
  it('every UTF-16 code unit alone and inside printable text', () => {
    const differ: string[] = [];
    let plain = 0;
    for (let c = 0; c < 0x10000; c++) {
      const ch = String.fromCharCode(c);
      for (const text of [ch, `ab${ch}`, `${ch}cd`, `a ${ch} b`]) {
        if (isPlainText(text) !== PLAIN_TEXT.test(text)) differ.push(`isPlainText U+${c.toString(16)} in ${JSON.stringify(text)}`);
        if (isPrintableAscii(text) !== PRINTABLE.test(text)) differ.push(`isPrintableAscii U+${c.toString(16)} in ${JSON.stringify(text)}`);
        if (isAsciiText(text) !== ASCII_ONLY.test(text)) differ.push(`isAsciiText U+${c.toString(16)} in ${JSON.stringify(text)}`);
      }
      if (isPlainText(ch)) plain++;
    }
    expect(differ).toEqual([]);
    expect(plain).toBe(95 + 3);
    expect(isPlainText('')).toBe(true);
    expect(isPrintableAscii('')).toBe(true);
    expect(isPlainText('line one\nline two\r\n\ttab')).toBe(true);
    expect(isPrintableAscii('line one\nline two')).toBe(false);
    expect(isPlainText('a\u000bb')).toBe(false);
    expect(isPlainText('\u{1f600}')).toBe(false);
    expect(isAsciiText('\u0000\u007f')).toBe(true);
    expect(isAsciiText('caf\u00e9')).toBe(false);
  });
});

describe('AsciiWordSet is linear', () => {
  const MiB = 1024 * 1024;
  const pad = (unit: string, size: number) => unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
  // Near-misses of every word that are quiet themselves (a near-miss of "/etc/" holds "/"), so
  // the scan runs to the end: each word start tries a whole bucket, most of it many characters deep.
  const nearMisses = TRIGGER_WORDS.map((w) => w.slice(0, -1)).filter((w) => w.length > 0 && !ORACLE.test(w));
  // [name, unit, scanner]: the forward word set, and the set with its backward words (quietText's).
  const ADVERSARIES: [string, string, AsciiWordSet][] = [
    ['near-misses of every word, space-separated', nearMisses.join(' ') + ' ', SCANNER],
    ['near-misses in upper case', nearMisses.join(' ').toUpperCase() + ' ', SCANNER],
    // Two characters of a word's start: each passes the scanner's pair table and tries its bucket.
    ['a word start at every third character', 'se co pr ig ex fo su ', SCANNER],
    ['one long near-miss over and over', 'surreptitiousl ', SCANNER],
    // Each ends (read backwards: starts) as a backward word does, and differs at its other end.
    ['backward near-misses, space-separated', CIPHER_BACKWARD_WORDS.map((w) => `q${reversed(w).slice(1)}`).filter((w) => w.length > 0 && !BACKWARD_ORACLE.test(w) && !ORACLE.test(w)).join(' ') + ' ', BOTH],
    ['one long backward near-miss over and over', 'xlsuoititperrus ', BOTH],
  ];

  it('the work per character is bounded by a small constant of the word set', () => {
    expect(SCANNER.maxStep).toBeGreaterThan(0);
    expect(SCANNER.maxStep).toBeLessThan(256);
    expect(BOTH.maxStep).toBeLessThan(512);
  });

  it.each(ADVERSARIES)('%s: 1 MiB and 2 MiB, no match, steps within maxStep per character and doubling with the text', (_name, unit, scanner) => {
    const one = pad(unit, MiB);
    const two = pad(unit, 2 * MiB);
    expect(scanner.find(one)).toBe(-1);
    const steps1 = scanner.steps;
    expect(scanner.find(two)).toBe(-1);
    const steps2 = scanner.steps;
    expect(steps1).toBeGreaterThan(MiB / 16);
    expect(steps1).toBeLessThanOrEqual(MiB * scanner.maxStep);
    expect(steps2).toBeLessThanOrEqual(2 * MiB * scanner.maxStep);
    // Twice the text, twice the work (up to the unit cut at the end).
    expect(Math.abs(steps2 - 2 * steps1)).toBeLessThanOrEqual(unit.length * scanner.maxStep);
    // And quietText gives the pattern's answer on it.
    expect(quietText(one)).toBe(oracleQuiet(one));
  });

  it('a word after 1 MiB of near-misses is still found, at its index', () => {
    const text = `${pad(nearMisses.join(' ') + ' ', MiB)} exfiltrate`;
    expect(SCANNER.find(text)).toBe(text.search(ORACLE));
    expect(SCANNER.find(text)).toBe(MiB + 1);
    expect(quietText(text)).toBe(false);
  });
});

describe('AsciiWordSet construction', () => {
  it('refuses a word that is empty or not printable ASCII', () => {
    expect(() => new AsciiWordSet(['ok', ''])).toThrow(/not a printable-ASCII word/);
    expect(() => new AsciiWordSet(['caf\u00e9'])).toThrow(/not a printable-ASCII word/);
    expect(() => new AsciiWordSet(['a\tb'])).toThrow(/not a printable-ASCII word/);
  });

  it('a word-initial word needs a word boundary; a punctuation-initial one does not', () => {
    const set = new AsciiWordSet(['send', '.ssh']);
    expect(set.find('resend')).toBe(-1);
    expect(set.find('re-Send')).toBe(3);
    expect(set.find('x.SSH')).toBe(1);
    expect(set.find('sen')).toBe(-1);
  });

  it('a word of one character matches whatever follows it, in either case; a word that shares its first character still matches', () => {
    const set = new AsciiWordSet(['x', 'xray', '%', '%2e']);
    expect(set.find('ax')).toBe(-1);
    expect(set.find('a X')).toBe(2);
    expect(set.find('a x\u00e9')).toBe(2);
    expect(set.find('ab%')).toBe(2);
    expect(set.find('XRAY')).toBe(0);
    expect(set.find('ab\u00e9%2E')).toBe(3);
    const pairOnly = new AsciiWordSet(['xray']);
    expect(pairOnly.find('a x')).toBe(-1);
    expect(pairOnly.find('a xRa')).toBe(-1);
    expect(pairOnly.find('a xRaY!')).toBe(2);
  });

  it('refuses a backward word of one character (its start would depend on the order of the words)', () => {
    expect(() => new AsciiWordSet([], ['x'])).toThrow(/two characters or more/);
  });
});
