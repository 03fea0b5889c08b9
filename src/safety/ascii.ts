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
 * The words are listed by their first two characters (a word of one character is marked alone).
 * At each position, only the list of the two characters there is tried, and word-initial words
 * only where the previous character is not a word character; each try compares at most the
 * word's length. So the work per position is bounded by the longest lists' total length, a
 * constant of the set (`maxStep`): linear in the text. Built from fixed lists only; nothing from an analysed text becomes a word.
 */
const EMPTY_TABLE = new Uint8Array(128);

export class AsciiWordSet {
  /**
   * The words of two characters or more that can match at a position, by the pair of characters
   * there (first * 128 + second, as the text has them): an index into `lists`, 0 when none can.
   * One lookup skips most positions of most texts. Upper and lower case alike.
   */
  private index: Uint16Array | undefined;
  /** The word lists `index` points to: the words that start with a pair, in the order given. */
  private lists: readonly (readonly string[])[] = [];
  /** 1 for a character that is a word of the set alone. */
  private singles = EMPTY_TABLE;
  /** The same as `index` and `lists` for the words read backwards (see the constructor), by their last two characters read backwards. */
  private backIndex: Uint16Array | undefined;
  private backLists: readonly (readonly string[])[] = [];
  /** The words as given, until the tables are built (on the first search: a set a run never asks costs nothing more). */
  private pending: { words: string[]; backward: string[] } | undefined;
  /** Character comparisons the last `find` made (tests bound it to show the scan linear). */
  steps = 0;

  /**
   * `words` are found as the class says. Each of `backward` (two characters or more) is found as
   * the text read backwards would show it: spelled backwards, and one that starts with a word
   * character only where it ends a run of letters in the text (the next character is not an
   * ASCII letter). So `new AsciiWordSet([], ['ignore'])` finds "erongi" in "erongi all" and in
   * "xerongi.", not in "erongix": what `ignore` at the start of a word would be in the reversed
   * text, or, read a run of letters at a time, in the text with each word reversed.
   */
  constructor(words: Iterable<string>, backward: Iterable<string> = []) {
    const list = [...words];
    const back = [...backward];
    for (const w of [...list, ...back]) if (w.length === 0 || !isPrintableAscii(w)) throw new Error(`AsciiWordSet: not a printable-ASCII word: ${JSON.stringify(w)}`);
    if (back.some((w) => w.length < 2)) throw new Error('AsciiWordSet: a backward word has two characters or more');
    this.pending = { words: list, backward: back };
  }

  /** Builds the tables from the pending words (once). */
  private build(): void {
    const { words, backward } = this.pending!;
    this.pending = undefined;
    const singles = new Uint8Array(128);
    [this.index, this.lists] = AsciiWordSet.pairsOf(words, singles);
    this.singles = singles;
    [this.backIndex, this.backLists] = backward.length > 0 ? AsciiWordSet.pairsOf(backward, new Uint8Array(128)) : [undefined, []];
  }

  /** Most character comparisons one position can cost: the longest lists' total lengths. */
  get maxStep(): number {
    if (this.pending !== undefined) this.build();
    let most = 0;
    for (const lists of [this.lists, this.backLists]) {
      let longest = 0;
      for (const list of lists) {
        let length = 0;
        for (const w of list) length += w.length;
        longest = Math.max(longest, length);
      }
      most += longest;
    }
    return most + 1;
  }

  /** The index and word lists of `words` (see `index`); a word of one character is marked in `singles`. */
  private static pairsOf(words: Iterable<string>, singles: Uint8Array): [Uint16Array, string[][]] {
    const byPair: string[][] = [];
    const pairs: number[] = [];
    for (const word of new Set([...words].map((w) => w.toLowerCase()))) {
      if (word.length === 0 || !isPrintableAscii(word)) throw new Error(`AsciiWordSet: not a printable-ASCII word: ${JSON.stringify(word)}`);
      const first = word.charCodeAt(0);
      if (word.length === 1) {
        singles[first] = 1;
        singles[first >= 97 && first <= 122 ? first - 32 : first] = 1;
        continue;
      }
      const pair = first * 128 + word.charCodeAt(1);
      const list = byPair[pair];
      if (list === undefined) {
        byPair[pair] = [word];
        pairs.push(pair);
      } else list.push(word);
    }
    const index = new Uint16Array(128 * 128);
    const lists: string[][] = [[]];
    for (const pair of pairs) {
      const id = lists.push(byPair[pair]!) - 1;
      const first = pair >> 7;
      const second = pair & 127;
      // Both cases of each: the codes a text may show.
      const upperFirst = first >= 97 && first <= 122 ? first - 32 : first;
      const upperSecond = second >= 97 && second <= 122 ? second - 32 : second;
      index[first * 128 + second] = id;
      index[upperFirst * 128 + second] = id;
      index[first * 128 + upperSecond] = id;
      index[upperFirst * 128 + upperSecond] = id;
    }
    return [index, lists];
  }

  /**
   * Index of the leftmost occurrence of a word of the set in `text` (see the class), or -1. With
   * backward words, the start of the first match the scan completes: a backward word is found
   * when the scan reaches its last character in the text (its first as spelled).
   */
  find(text: string): number {
    if (this.pending !== undefined) this.build();
    const n = text.length;
    const { lists, singles, backIndex, backLists } = this;
    const index = this.index!;
    let steps = 0;
    let found = -1;
    // The characters before, at and after position i (0 past either end: not a word character).
    let before = 0;
    let c = n > 0 ? text.charCodeAt(0) : 0;
    scan: for (let i = 0; i < n; i++) {
      const next = i + 1 < n ? text.charCodeAt(i + 1) : 0;
      if (c < 128) {
        const word = WORD_CHAR[c] === 1;
        // A word-initial word (its first character is a word character) needs `\b` before it:
        // inside a word, nothing can start. Only the words of the pair here are tried.
        if (!(word && before < 128 && WORD_CHAR[before] === 1)) {
          if (singles[c] === 1) {
            steps++;
            found = i;
            break scan;
          }
          const at = next < 128 ? index[c * 128 + next]! : 0;
          if (at !== 0) {
            const list = lists[at]!;
            for (let k = 0; k < list.length; k++) {
              const w = list[k]!;
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
        }
        // A backward word ends here (its first character is this one): one that starts with a
        // word character only where no ASCII letter follows.
        if (backIndex !== undefined && (!word || next >= 128 || LETTER[next] === 0)) {
          const back = backIndex[c * 128 + (before < 128 ? before : 0)]!;
          if (back !== 0) {
            const list = backLists[back]!;
            for (let k = 0; k < list.length; k++) {
              const w = list[k]!;
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
    if (this.pending !== undefined) this.build();
    const c = text.charCodeAt(i);
    if (!(c < 128)) return false;
    const before = i > 0 ? text.charCodeAt(i - 1) : 0;
    if (WORD_CHAR[c] === 1 && before < 128 && WORD_CHAR[before] === 1) return false;
    if (this.singles[c] === 1) return true;
    const next = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
    const at = next < 128 ? this.index![c * 128 + next]! : 0;
    if (at === 0) return false;
    const list = this.lists[at]!;
    for (let k = 0; k < list.length; k++) {
      const w = list[k]!;
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
    if (this.pending !== undefined) this.build();
    const c = text.charCodeAt(i);
    if (this.backIndex === undefined || !(c < 128)) return false;
    const next = i + 1 < text.length ? text.charCodeAt(i + 1) : 0;
    if (WORD_CHAR[c] === 1 && next < 128 && LETTER[next] === 1) return false;
    const before = i > 0 ? text.charCodeAt(i - 1) : 0;
    const back = this.backIndex[c * 128 + (before < 128 ? before : 0)]!;
    if (back === 0) return false;
    const list = this.backLists[back]!;
    for (let k = 0; k < list.length; k++) {
      const w = list[k]!;
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
