import { isPrintableAscii } from '../util/text.js';

/**
 * A hand-written word scanner for src/safety's quiet test (which lets clean texts skip the
 * analysis; its plain-text and printable checks are src/util/text.ts's), in place of a regular
 * expression: V8 compiles a pattern on its first use (to bytecode, then to native code on the
 * next), and for a large case-insensitive alternation that costs milliseconds — a visible share
 * of a short command such as `policy check` on a small lockfile. This loop costs nothing before
 * its first call and answers exactly as the pattern it replaces (tests/safety/ascii-scan.test.ts
 * compares them on thousands of texts). One pass: linear.
 */

// Tables over ASCII (lookups, not calls: cheap even before the scan is compiled to machine code).
/** 1 for [A-Za-z0-9_], a word character of a regular expression without the `u` flag. */
const WORD_CHAR = new Uint8Array(128);
/** ASCII lower case. */
const FOLD = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  WORD_CHAR[c] = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 ? 1 : 0;
  FOLD[c] = c >= 65 && c <= 90 ? c + 32 : c;
}
/** 1 for [A-Za-z]. */
const LETTER = new Uint8Array(128);
for (let c = 0; c < 128; c++) LETTER[c] = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) ? 1 : 0;

/**
 * A fixed set of printable-ASCII words, found case-insensitively; a word that starts with a word
 * character ([A-Za-z0-9_]) only at the start of a word. `find` answers as the regular expression
 * `new RegExp(words.map((w) => (/^\w/.test(w) ? '\\b' : '') + escaped(w)).join('|'), 'i')`
 * would with `search`: the index of the leftmost match, or -1. Where the text is ASCII that is
 * plain ASCII case folding; a non-ASCII code unit never matches a word character (the pattern
 * has no `u` flag: no case mapping crosses into ASCII, and `\w` and `\b` are ASCII-only).
 *
 * The words are bucketed by their lower-case first character. At each position, only the bucket
 * of the character there is tried, and a word-initial bucket only where the previous character
 * is not a word character; each try compares at most the word's length. So the work per
 * position is bounded by the longest bucket's total length, a constant of the set (`maxStep`):
 * linear in the text. Built from fixed lists only; nothing from an analysed text becomes a word.
 */
export class AsciiWordSet {
  /** Per first character (0–127, upper and lower case alike): the words that start with it, lower-cased. */
  private readonly buckets: (readonly string[] | undefined)[];
  /** The same for the words read backwards (see the constructor), by their first character. */
  private readonly backBuckets: (readonly string[] | undefined)[] | undefined;
  /**
   * Per pair of lower-cased characters (first * 128 + second), 1 when a word starts with that
   * pair (for backward words, ends with it, read backwards); 2 at [first * 128] when a word is the
   * one character alone. A position whose next character (backwards: previous) starts no word's
   * pair skips its bucket with one lookup: most positions of most texts.
   */
  private readonly pairs: Uint8Array;
  private readonly backPairs: Uint8Array;
  /** Most character comparisons one position can cost: the longest bucket's total length. */
  readonly maxStep: number;
  /** Character comparisons the last `find` made (tests bound it to show the scan linear). */
  steps = 0;

  /**
   * `words` are found as the class says. Each of `backward` is found as the text read backwards
   * would show it: spelled backwards, and one that starts with a word character only where it
   * ends a run of letters in the text (the next character is not an ASCII letter). So
   * `new AsciiWordSet([], ['ignore'])` finds "erongi" in "erongi all" and in "xerongi.", not in
   * "erongix": what `ignore` at the start of a word would be in the reversed text, or, read a
   * run of letters at a time, in the text with each word reversed.
   */
  constructor(words: Iterable<string>, backward: Iterable<string> = []) {
    this.buckets = AsciiWordSet.bucketsOf(words);
    const back = [...backward];
    this.backBuckets = back.length > 0 ? AsciiWordSet.bucketsOf(back) : undefined;
    this.pairs = AsciiWordSet.pairsOf(this.buckets);
    this.backPairs = AsciiWordSet.pairsOf(this.backBuckets ?? []);
    const step = (buckets: readonly (readonly string[] | undefined)[]) => Math.max(0, ...buckets.filter((b) => b !== undefined).map((b) => b.reduce((n, w) => n + w.length, 0)));
    this.maxStep = step(this.buckets) + (this.backBuckets ? step(this.backBuckets) : 0);
  }

  private static pairsOf(buckets: readonly (readonly string[] | undefined)[]): Uint8Array {
    const pairs = new Uint8Array(128 * 128);
    for (const bucket of buckets) {
      for (const w of bucket ?? []) {
        if (w.length === 1) pairs[w.charCodeAt(0) * 128] = 2;
        else pairs[w.charCodeAt(0) * 128 + w.charCodeAt(1)] = 1;
      }
    }
    return pairs;
  }

  private static bucketsOf(words: Iterable<string>): (readonly string[] | undefined)[] {
    const buckets: string[][] = [];
    for (const word of new Set([...words].map((w) => w.toLowerCase()))) {
      if (word.length === 0 || !isPrintableAscii(word)) throw new Error(`AsciiWordSet: not a printable-ASCII word: ${JSON.stringify(word)}`);
      (buckets[word.charCodeAt(0)] ??= []).push(word);
    }
    return Array.from({ length: 128 }, (_, c) => buckets[FOLD[c]!]);
  }

  /**
   * Index of the leftmost occurrence of a word of the set in `text` (see the class), or -1. With
   * backward words, the start of the first match the scan completes: a backward word is found
   * when the scan reaches its last character in the text (its first as spelled).
   */
  find(text: string): number {
    const n = text.length;
    const { buckets, backBuckets, pairs, backPairs } = this;
    let steps = 0;
    let found = -1;
    // The characters before, at and after position i (0 past either end: not a word character).
    let before = 0;
    let c = n > 0 ? text.charCodeAt(0) : 0;
    scan: for (let i = 0; i < n; i++) {
      const next = i + 1 < n ? text.charCodeAt(i + 1) : 0;
      if (c < 128) {
        const word = WORD_CHAR[c] === 1;
        const pair = FOLD[c]! * 128;
        // A word-initial word (its first character is a word character) needs `\b` before it:
        // inside a word, nothing can start. A word's first two characters must be here.
        if (!(word && before < 128 && WORD_CHAR[before] === 1) && (pairs[pair] === 2 || (next < 128 && pairs[pair + FOLD[next]!] === 1))) {
          for (const w of buckets[c]!) {
            if (i + w.length > n) continue;
            let j = 1;
            steps++;
            for (; j < w.length; j++) {
              const d = text.charCodeAt(i + j);
              if (d >= 128 || FOLD[d] !== w.charCodeAt(j)) break;
              steps++;
            }
            if (j === w.length) {
              found = i;
              break scan;
            }
          }
        }
        // A backward word ends here (its first character is this one): one that starts with a
        // word character only where no ASCII letter follows.
        if (backBuckets !== undefined && (!word || next >= 128 || LETTER[next] === 0) && (backPairs[pair] === 2 || (before < 128 && backPairs[pair + FOLD[before]!] === 1))) {
          for (const w of backBuckets[c]!) {
            if (w.length > i + 1) continue;
            let j = 1;
            steps++;
            for (; j < w.length; j++) {
              const d = text.charCodeAt(i - j);
              if (d >= 128 || FOLD[d] !== w.charCodeAt(j)) break;
              steps++;
            }
            if (j === w.length) {
              found = i - w.length + 1;
              break scan;
            }
          }
        }
      }
      before = c;
      c = next;
    }
    this.steps = steps;
    return found;
  }

  /**
   * Whether a word of the set starts at `i` in `text`, as `find` finds it (a word-initial word
   * only where the previous character is not a word character). At most `maxStep` comparisons.
   */
  startsAt(text: string, i: number): boolean {
    const c = text.charCodeAt(i);
    if (!(c < 128)) return false;
    const before = i > 0 ? text.charCodeAt(i - 1) : 0;
    if (WORD_CHAR[c] === 1 && before < 128 && WORD_CHAR[before] === 1) return false;
    for (const w of this.buckets[c] ?? []) {
      if (i + w.length > text.length) continue;
      let j = 1;
      for (; j < w.length; j++) {
        const d = text.charCodeAt(i + j);
        if (d >= 128 || FOLD[d] !== w.charCodeAt(j)) break;
      }
      if (j === w.length) return true;
    }
    return false;
  }

  /**
   * Whether a backward word of the set ends at `i` in `text` (its first character as spelled is
   * at `i`, the rest before it), as `find` finds it (a word-initial word only where no ASCII
   * letter follows). At most `maxStep` comparisons.
   */
  endsAt(text: string, i: number): boolean {
    const c = text.charCodeAt(i);
    if (this.backBuckets === undefined || !(c < 128)) return false;
    const next = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
    if (WORD_CHAR[c] === 1 && next < 128 && LETTER[next] === 1) return false;
    for (const w of this.backBuckets[c] ?? []) {
      if (w.length > i + 1) continue;
      let j = 1;
      for (; j < w.length; j++) {
        const d = text.charCodeAt(i - j);
        if (d >= 128 || FOLD[d] !== w.charCodeAt(j)) break;
      }
      if (j === w.length) return true;
    }
    return false;
  }

  /** Whether `text` holds a word of the set (see the class). */
  test(text: string): boolean {
    return this.find(text) >= 0;
  }
}
