/**
 * Attack round 14 (word scanner): AsciiWordSet (src/safety/ascii.ts), rewritten in 6dad8d5 and
 * 3927aaa to index words by their first two characters, with one-character words in a table of
 * their own. It gates quietText: a miss lets a poisoned description skip the analysis.
 *
 * A differential fuzz against an oracle written here, independently of the scanner: for forward
 * words the regular expression the class comment names (`\b` before a word-initial word, flag
 * `i`, no `u`), tried sticky at each position; for backward words a plain reverse scan of the
 * comment's rule (the word spelled backwards ends at the position, case-folded over ASCII only,
 * and one whose first character is a word character only where no ASCII letter follows). The
 * scan order is the class's: at each position the forward words first, then the backward words
 * that end there. RANDOM word sets (not TRIGGER_WORDS): letters of both cases, digits, `_`,
 * punctuation, shared prefixes, case duplicates, one-character words, words that are prefixes of
 * one another; texts of those words, near-misses, non-ASCII look-alikes (é, İ, Kelvin K, long s,
 * surrogates), NUL and control characters, at both ends. Seeded; over 20,000 cases.
 */
import { describe, expect, it } from 'vitest';
import { AsciiWordSet } from '../../src/safety/ascii.js';
import { seededRandom } from '../helpers/random.js';

// ---------------------------------------------------------------------------------------------
// The oracle.

const escaped = (w: string) => w.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
const lowerAscii = (c: number) => (c >= 65 && c <= 90 ? c + 32 : c);
const isWordCode = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;
const isLetterCode = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90);

/** The pattern of the class comment, for `search`. */
function forwardPattern(words: readonly string[], flags: string): RegExp | undefined {
  if (words.length === 0) return undefined;
  return new RegExp(words.map((w) => (/^\w/.test(w) ? '\\b' : '') + escaped(w)).join('|'), flags);
}

/** Start of a backward word that ends at `i` (its first character as spelled is text[i]), or -1. */
function backwardAt(back: readonly string[], text: string, i: number): number {
  for (const word of back) {
    const w = word.toLowerCase();
    const length = w.length;
    if (length > i + 1) continue;
    let ok = true;
    for (let j = 0; j < length; j++) {
      const d = text.charCodeAt(i - j);
      if (d >= 128 || lowerAscii(d) !== w.charCodeAt(j)) {
        ok = false;
        break;
      }
    }
    if (!ok) continue;
    if (isWordCode(w.charCodeAt(0)) && i + 1 < text.length && isLetterCode(text.charCodeAt(i + 1))) continue;
    return i - length + 1;
  }
  return -1;
}

/** The oracle's `find`: the first match in scan order (forward at its start, backward at its end). */
function oracleFind(words: readonly string[], back: readonly string[], text: string): number {
  const sticky = forwardPattern(words, 'iy');
  for (let i = 0; i < text.length; i++) {
    if (sticky !== undefined) {
      sticky.lastIndex = i;
      if (sticky.test(text)) return i;
    }
    if (back.length > 0) {
      const at = backwardAt(back, text, i);
      if (at >= 0) return at;
    }
  }
  return -1;
}

// ---------------------------------------------------------------------------------------------
// Random word sets and texts.

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = LOWER.toUpperCase();
const DIGITS = '0123456789';
const PUNCT = './\\%<&#-~';
const WORD_ALPHABET = LOWER + UPPER + DIGITS + '_' + PUNCT + ' ';
/** Characters that look like, fold to or sit next to ASCII letters, and must never match one. */
const HOSTILE = ['é', '\u0130', '\u0131', '\u212a', '\u017f', '\ud83d\ude00', '\ud800', '\udc00', '\u0000', '\u0001', '\u001f', '\u007f', '\t', '\n', '\r', '\u00a0', '\ufeff', '\u200b', 'ﬀ', 'Ａ'];
const FILLER_CHARS = LOWER + UPPER + DIGITS + '_' + PUNCT + ' ,;:!?()[]{}"\'=+*@$^|`';

function pick<T>(random: () => number, list: readonly T[] | string): T {
  return list[Math.floor(random() * list.length)] as T;
}
function int(random: () => number, lo: number, hi: number): number {
  return lo + Math.floor(random() * (hi - lo + 1));
}
function mixCase(word: string, random: () => number): string {
  let out = '';
  for (const ch of word) out += random() < 0.5 ? ch.toUpperCase() : ch.toLowerCase();
  return out;
}
function randomWord(random: () => number, min: number, max: number, alphabet = WORD_ALPHABET): string {
  let w = '';
  const length = int(random, min, max);
  // Small alphabets make shared pairs and near-misses likely.
  const small: string = random() < 0.5 ? alphabet : pick(random, [LOWER.slice(0, 3), 'aA_.', 'ab/', 'x1%', 'aB-~']);
  for (let k = 0; k < length; k++) w += pick(random, small);
  return w;
}

/** A random set: plain words, shared prefixes, case duplicates, prefixes of others, single characters. */
function randomSet(random: () => number, backward: boolean): string[] {
  const words: string[] = [];
  const count = int(random, 1, 14);
  for (let k = 0; k < count; k++) {
    const r = random();
    if (words.length > 0 && r < 0.2) {
      const base = pick(random, words);
      words.push(base + randomWord(random, 1, 4)); // shares a prefix / has a word as prefix
    } else if (words.length > 0 && r < 0.3) {
      const base = pick(random, words);
      if (base.length > (backward ? 2 : 1)) words.push(base.slice(0, int(random, backward ? 2 : 1, base.length - 1))); // a prefix of another
    } else if (words.length > 0 && r < 0.4) {
      words.push(mixCase(pick(random, words), random)); // duplicate differing in case
    } else if (!backward && r < 0.5) {
      words.push(pick(random, WORD_ALPHABET)); // one character: letter, digit, punctuation, space
    } else {
      words.push(randomWord(random, backward ? 2 : 1, 12));
    }
  }
  return words.filter((w) => w.length > 0 && (!backward || w.length >= 2));
}

const reverse = (s: string) => [...s].reverse().join('');

function nearMiss(word: string, random: () => number): string {
  if (word.length <= 1) return pick(random, FILLER_CHARS);
  const r = random();
  if (r < 0.3) return word.slice(0, -1);
  if (r < 0.6) {
    const at = int(random, 1, word.length - 1);
    return word.slice(0, at) + pick(random, [...HOSTILE, ...FILLER_CHARS.split('')]) + word.slice(at + 1);
  }
  if (r < 0.8) {
    // A look-alike for one letter: Kelvin for k, long s for s, dotted I for i.
    const map: Record<string, string> = { k: '\u212a', K: '\u212a', s: '\u017f', S: '\u017f', i: '\u0130', I: '\u0130', e: 'é' };
    const chars = word.split('');
    const at = chars.findIndex((c) => map[c] !== undefined);
    if (at >= 0) chars[at] = map[chars[at]!]!;
    else chars[int(random, 0, chars.length - 1)] = pick(random, HOSTILE);
    return chars.join('');
  }
  return pick(random, HOSTILE) + word.slice(1);
}

function randomText(random: () => number, words: readonly string[], back: readonly string[]): string {
  let text = '';
  const pieces = int(random, 0, 10);
  for (let k = 0; k < pieces; k++) {
    const r = random();
    if (r < 0.25 && words.length > 0) text += mixCase(pick(random, words), random);
    else if (r < 0.4 && back.length > 0) text += mixCase(reverse(pick(random, back)), random);
    else if (r < 0.6 && (words.length > 0 || back.length > 0)) {
      const fromBack = back.length > 0 && (words.length === 0 || random() < 0.5);
      const w = fromBack ? reverse(pick(random, back)) : pick(random, words);
      text += nearMiss(mixCase(w, random), random);
    } else if (r < 0.75) text += pick(random, HOSTILE);
    else {
      const length = int(random, 1, 4);
      for (let j = 0; j < length; j++) text += pick(random, FILLER_CHARS);
    }
  }
  return text;
}

// ---------------------------------------------------------------------------------------------

describe('AsciiWordSet against an independent oracle, random word sets', () => {
  it('forward words only: find equals String.prototype.search with the comment\'s pattern (12,000 cases)', () => {
    const random = seededRandom(0x5eed14);
    let cases = 0;
    let matched = 0;
    for (let set = 0; set < 600; set++) {
      const words = randomSet(random, false);
      const scanner = new AsciiWordSet(words);
      const pattern = forwardPattern(words, 'i')!;
      for (let t = 0; t < 20; t++) {
        const text = randomText(random, words, []);
        const expected = text.search(pattern);
        const got = scanner.find(text);
        if (got !== expected) expect({ words, text, got }).toEqual({ words, text, got: expected });
        expect(scanner.test(text)).toBe(expected >= 0);
        if (expected >= 0) matched++;
        cases++;
      }
    }
    expect(cases).toBe(12_000);
    // The fuzz must exercise both answers.
    expect(matched).toBeGreaterThan(2_000);
    expect(cases - matched).toBeGreaterThan(2_000);
  });

  it('backward words only: find equals the reverse scan (5,000 cases)', () => {
    const random = seededRandom(0xbac14);
    let cases = 0;
    let matched = 0;
    for (let set = 0; set < 250; set++) {
      const back = randomSet(random, true);
      if (back.length === 0) continue;
      const scanner = new AsciiWordSet([], back);
      for (let t = 0; t < 20; t++) {
        const text = randomText(random, [], back);
        const expected = oracleFind([], back, text);
        const got = scanner.find(text);
        if (got !== expected) expect({ back, text, got }).toEqual({ back, text, got: expected });
        if (expected >= 0) matched++;
        cases++;
      }
    }
    expect(cases).toBeGreaterThan(4_500);
    expect(matched).toBeGreaterThan(1_000);
    expect(cases - matched).toBeGreaterThan(1_000);
  });

  it('forward and backward words in one set: find equals the oracle in scan order (6,000 cases)', () => {
    const random = seededRandom(0xb07414);
    let cases = 0;
    let matched = 0;
    for (let set = 0; set < 300; set++) {
      const words = randomSet(random, false);
      const back = randomSet(random, true);
      if (back.length === 0) continue;
      const scanner = new AsciiWordSet(words, back);
      for (let t = 0; t < 20; t++) {
        const text = randomText(random, words, back);
        const expected = oracleFind(words, back, text);
        const got = scanner.find(text);
        if (got !== expected) expect({ words, back, text, got }).toEqual({ words, back, text, got: expected });
        if (expected >= 0) matched++;
        cases++;
      }
    }
    expect(cases).toBeGreaterThan(5_500);
    expect(matched).toBeGreaterThan(1_000);
  });

  it('the oracle itself: sticky-per-position agrees with search on forward sets, and the comment\'s own examples', () => {
    const random = seededRandom(77);
    for (let k = 0; k < 500; k++) {
      const words = randomSet(random, false);
      const text = randomText(random, words, []);
      expect(oracleFind(words, [], text)).toBe(text.search(forwardPattern(words, 'i')!));
    }
    // The class comment: `new AsciiWordSet([], ['ignore'])` finds "erongi" in "erongi all" and "xerongi.", not in "erongix".
    for (const [text, at] of [['erongi all', 0], ['xerongi.', 1], ['erongix', -1]] as const) {
      expect(oracleFind([], ['ignore'], text)).toBe(at);
      expect(new AsciiWordSet([], ['ignore']).find(text)).toBe(at);
    }
  });

  it('crafted edges: one-character words of every printable kind, at both ends, after non-ASCII and control characters', () => {
    let cases = 0;
    const singles = ['a', 'Z', '7', '_', '.', '/', '\\', '%', '<', '&', '#', '-', '~', ' '];
    for (const single of singles) {
      const words = [single, `${single}${single}x`, single === ' ' ? 'qq' : `${single.toLowerCase()}b`];
      const scanner = new AsciiWordSet(words);
      const pattern = forwardPattern(words, 'i')!;
      for (const before of ['', 'x', '_', '9', ' ', '.', ...HOSTILE]) {
        for (const form of [single, single.toUpperCase(), single.toLowerCase(), `${single}B`]) {
          for (const after of ['', 'x', ' ', ...HOSTILE]) {
            const text = `${before}${form}${after}`;
            expect(scanner.find(text), JSON.stringify({ words, text })).toBe(text.search(pattern));
            cases++;
          }
        }
      }
    }
    expect(cases).toBeGreaterThan(2_000);
  });

  it('non-ASCII look-alikes never stand for ASCII: K (U+212A) is not k, ſ (U+017F) is not s, İ (U+0130) is not i', () => {
    const scanner = new AsciiWordSet(['kill', 'ssh', 'ignore', 'k', 's']);
    expect(scanner.find('\u212aill \u017f\u017fh \u0130gnore')).toBe(-1);
    expect(scanner.find('\u212aill \u017f\u017fh \u0130gnore k')).toBe(16);
    expect(scanner.find('x\u212akill')).toBe(2); // a non-ASCII unit is not a word character: \b holds after it
    const back = new AsciiWordSet([], ['kill', 'ssh']);
    expect(back.find('lli\u212a hs\u017f')).toBe(-1);
    expect(back.find('llik\u212a')).toBe(0); // no ASCII letter follows
    expect(back.find('llikK')).toBe(-1);
  });
});

describe('AsciiWordSet: linear on adversarial 1 MiB inputs', () => {
  const MiB = 1 << 20;

  // Many words sharing a pair, each a near-miss of the text: every position tries every word.
  const sharing = Array.from({ length: 40 }, (_, k) => 'a'.repeat(2 + (k % 11)) + String.fromCharCode(98 + (k % 20)));
  // Backward words of digits: a digit is not a letter, so a backward word may end at every position.
  const digits = Array.from({ length: 8 }, (_, k) => '1'.repeat(2 + k) + String.fromCharCode(98 + k));
  // Word-initial words can start only after a non-word character: runs of a's one space apart.
  const runs = `${'a'.repeat(12)} `.repeat(Math.floor(MiB / 13));
  const cases: [string, AsciiWordSet, string][] = [
    ['forward words aa…b over runs of a…a', new AsciiWordSet(sharing), runs],
    ['forward words aa…b over runs of A/a mixed', new AsciiWordSet(sharing), runs.replace(/aa/g, 'aA')],
    ['punctuation words ..…/ over dots (tried at every position)', new AsciiWordSet(Array.from({ length: 8 }, (_, k) => '.'.repeat(2 + k) + '/')), '.'.repeat(MiB)],
    ['punctuation and one-character-pair words over %%%', new AsciiWordSet(['%%<', '%%%%%&', '%%%%%%%%%#', '%-', '%~']), '%'.repeat(MiB)],
    ['backward words 11…1b over 1…1 (tried at every position)', new AsciiWordSet([], digits), '1'.repeat(MiB)],
    ['backward words __…_b over _…_', new AsciiWordSet([], digits.map((w) => w.replace(/1/g, '_'))), '_'.repeat(MiB)],
    ['both, sharing pairs', new AsciiWordSet([...sharing, ...digits], digits), `${runs.slice(0, MiB / 2)}${'1'.repeat(MiB / 2)}`],
  ];

  it.each(cases)('%s: no match, steps within maxStep per character', (_name, scanner, text) => {
    expect(scanner.find(text)).toBe(-1);
    expect(scanner.steps).toBeGreaterThan(text.length); // the adversary makes it work
    expect(scanner.steps).toBeLessThanOrEqual(scanner.maxStep * text.length);
  });

  it('a word after 1 MiB of near-misses is found at its index (forward and backward)', () => {
    const forward = new AsciiWordSet(sharing);
    const prefix = 'a'.repeat(MiB);
    // Inside the run of a's the word-initial words cannot start (no \b): the word after a space can.
    const text = `${prefix} aab`;
    expect(forward.find(text)).toBe(text.search(forwardPattern(sharing, 'i')!));
    expect(forward.find(text)).toBe(MiB + 1);
    expect(forward.steps).toBeLessThanOrEqual(forward.maxStep * text.length);

    const nearMisses = 'aaa\u212a aaz_ aa.b '.repeat(MiB / 16);
    const text2 = `${nearMisses}AAB`;
    expect(forward.find(text2)).toBe(text2.search(forwardPattern(sharing, 'i')!));
    expect(forward.find(text2)).toBe(nearMisses.length);

    const backward = new AsciiWordSet([], ['kill', 'ignore']);
    const text3 = `${'llikx '.repeat(MiB / 6)}erongi`;
    expect(backward.find(text3)).toBe(oracleFind([], ['kill', 'ignore'], text3));
    expect(backward.find(text3)).toBe(text3.length - 6);
    expect(backward.steps).toBeLessThanOrEqual(backward.maxStep * text3.length);
  });
});
