import type { JsonValue } from '../canonical/index.js';
import { printable } from './text.js';

export interface StrictJsonProblem {
  kind: 'syntax' | 'duplicate-key';
  /**
   * What is wrong and where ("unexpected character at line 3, column 7"). Never quotes the text:
   * the file may be a symlink to a secret (a token file), and an error message is printed.
   */
  message: string;
  /** 1-based line and column (in UTF-16 code units) of the problem, when it has one place. */
  line?: number;
  column?: number;
}

/** Deepest nesting accepted in a JSON file: far beyond any real schema, well within every recursive consumer. */
export const MAX_JSON_DEPTH = 512;

/**
 * Deepest nesting of one item a server lists (a tool, prompt, resource or template definition,
 * the definition object itself being level 1), and of each part of its identity. The one depth
 * rule: `lock` refuses a deeper item, and the lockfile reader accepts this depth plus the levels
 * the lockfile wraps around an item, so lock never writes a lockfile the reader refuses. Far
 * beyond any real schema; small enough that every recursive walker over the lockfile (RFC 8785
 * printer, schema diff, text analysis, policy input) stays far from the stack limit.
 */
export const MAX_ITEM_DEPTH = 256;

/** 1-based line and column of a UTF-16 offset (a "\r\n" counts as one line break). */
export function lineColumnAt(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  let nl = text.indexOf('\n');
  while (nl !== -1 && nl < offset) {
    line++;
    lineStart = nl + 1;
    nl = text.indexOf('\n', lineStart);
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * What may come next in a JSON text, white space aside, for the hand-written scanners
 * (locateJsonSyntaxError here, src/lockfile/fast-check.ts on bytes): a value, a value or the
 * "]" of an empty array, "," or the container's closer, a key, a key or the "}" of an empty
 * object, a colon. The key states are the three highest.
 */
export const VALUE = 0;
export const VALUE_OR_CLOSE = 1;
export const AFTER = 2;
export const KEY = 3;
export const KEY_OR_CLOSE = 4;
export const COLON = 5;

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isHex = (c: number) => isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);

/**
 * Finds the first RFC 8259 syntax error in a text that JSON.parse refused, and says what it is
 * without quoting the text (JSON.parse's own message quotes the first bytes of the file). One
 * pass, no recursion, no regular expression: linear in the text.
 */
export function locateJsonSyntaxError(text: string, maxDepth = Infinity): { offset: number; reason: string } | undefined {
  const n = text.length;
  let i = 0;
  // 0: array, 1: object
  const stack: number[] = [];
  let state = VALUE;
  const unexpected = (at: number) =>
    text.charCodeAt(at) === 0x2f && (text.charCodeAt(at + 1) === 0x2f || text.charCodeAt(at + 1) === 0x2a)
      ? { offset: at, reason: 'a comment (JSON has no comments)' }
      : { offset: at, reason: 'unexpected character' };
  const scanString = (): { offset: number; reason: string } | undefined => {
    i++;
    for (;;) {
      if (i >= n) return { offset: n, reason: 'unterminated string' };
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return undefined;
      }
      if (c < 0x20) return { offset: i, reason: 'control character in a string (escape it)' };
      if (c === 0x5c) {
        const e = text.charCodeAt(i + 1);
        if (e === 0x75) {
          for (let k = 2; k < 6; k++) if (!isHex(text.charCodeAt(i + k))) return { offset: i, reason: 'invalid \\u escape in a string' };
          i += 6;
        } else if (e === 0x22 || e === 0x5c || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) {
          i += 2;
        } else {
          return { offset: i, reason: 'invalid escape in a string' };
        }
        continue;
      }
      i++;
    }
  };
  const scanNumber = (): { offset: number; reason: string } | undefined => {
    const start = i;
    if (text.charCodeAt(i) === 0x2d) i++;
    if (text.charCodeAt(i) === 0x30) i++;
    else if (isDigit(text.charCodeAt(i))) while (isDigit(text.charCodeAt(i))) i++;
    else return { offset: start, reason: 'invalid number' };
    if (text.charCodeAt(i) === 0x2e) {
      i++;
      if (!isDigit(text.charCodeAt(i))) return { offset: start, reason: 'invalid number' };
      while (isDigit(text.charCodeAt(i))) i++;
    }
    if (text.charCodeAt(i) === 0x65 || text.charCodeAt(i) === 0x45) {
      i++;
      if (text.charCodeAt(i) === 0x2b || text.charCodeAt(i) === 0x2d) i++;
      if (!isDigit(text.charCodeAt(i))) return { offset: start, reason: 'invalid number' };
      while (isDigit(text.charCodeAt(i))) i++;
    }
    return undefined;
  };
  for (;;) {
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else break;
    }
    if (i >= n) return state === AFTER && stack.length === 0 ? undefined : { offset: n, reason: 'unexpected end of the text' };
    const c = text.charCodeAt(i);
    if (state === VALUE || state === VALUE_OR_CLOSE) {
      if (state === VALUE_OR_CLOSE && c === 0x5d) {
        stack.pop();
        i++;
        state = AFTER;
        continue;
      }
      if (c === 0x7b || c === 0x5b) {
        if (stack.length >= maxDepth) return { offset: i, reason: `nested more than ${maxDepth} levels deep` };
        stack.push(c === 0x7b ? 1 : 0);
        i++;
        state = c === 0x7b ? KEY_OR_CLOSE : VALUE_OR_CLOSE;
        continue;
      }
      let problem: { offset: number; reason: string } | undefined;
      if (c === 0x22) problem = scanString();
      else if (c === 0x2d || isDigit(c)) problem = scanNumber();
      else if (text.startsWith('true', i)) i += 4;
      else if (text.startsWith('false', i)) i += 5;
      else if (text.startsWith('null', i)) i += 4;
      else problem = unexpected(i);
      if (problem) return problem;
      state = AFTER;
      continue;
    }
    if (state === AFTER) {
      const top = stack[stack.length - 1];
      if (top === undefined) return { offset: i, reason: 'unexpected character after the end of the JSON value' };
      if (c === 0x2c) {
        i++;
        state = top === 1 ? KEY : VALUE;
      } else if ((c === 0x5d && top === 0) || (c === 0x7d && top === 1)) {
        stack.pop();
        i++;
      } else {
        const u = unexpected(i);
        return u.reason === 'unexpected character' ? { offset: i, reason: top === 1 ? 'expected "," or "}"' : 'expected "," or "]"' } : u;
      }
      continue;
    }
    if (state === KEY_OR_CLOSE && c === 0x7d) {
      stack.pop();
      i++;
      state = AFTER;
      continue;
    }
    if (state === KEY || state === KEY_OR_CLOSE) {
      if (c !== 0x22) {
        const u = unexpected(i);
        return u.reason === 'unexpected character' ? { offset: i, reason: 'expected a property name in double quotes' } : u;
      }
      const problem = scanString();
      if (problem) return problem;
      state = COLON;
      continue;
    }
    // COLON
    if (c !== 0x3a) return { offset: i, reason: 'expected ":"' };
    i++;
    state = VALUE;
  }
}

/**
 * The offset of the quote that closes the string opened at `open`, or -1 when it is never
 * closed. Jumps from quote to quote with indexOf (memchr-fast); a quote preceded by an odd
 * number of backslashes is escaped: part of the string.
 */
function closingQuote(text: string, open: number): number {
  let close = text.indexOf('"', open + 1);
  while (close !== -1) {
    let backslashes = 0;
    for (let k = close - 1; text.charCodeAt(k) === 0x5c; k--) backslashes++;
    if ((backslashes & 1) === 0) break;
    close = text.indexOf('"', close + 1);
  }
  return close;
}

/**
 * Counts the member names of a parsed value, without recursion (a hostile file may nest a
 * million levels deep), and says whether every object's keys enumerate in RFC 8785 order
 * (UTF-16 code units, ascending): then JSON.stringify of any part of the value is its canonical
 * form (src/canonical). Its depth needs no check here: a text JSON.parse accepted nests exactly
 * as deep as its value, and parseJsonStrict counts that on the text before parsing.
 */
function walkParsedKeys(root: JsonValue): { keys: number; keyOrdered: boolean; finite: boolean } {
  let sum = 0;
  let ordered = true;
  // JSON.parse reads a number beyond a double's range (1e400) as Infinity, which no JSON text
  // or RFC 8785 form can hold (JSON.stringify prints it as null).
  let finite = true;
  const values: JsonValue[] = [root];
  while (values.length > 0) {
    const value = values.pop()!;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const item = value[i];
        if (typeof item === 'object' && item !== null) values.push(item);
        else if (typeof item === 'number' && !Number.isFinite(item)) finite = false;
      }
      continue;
    }
    let previous: string | undefined;
    for (const key in value as Record<string, JsonValue>) {
      sum++;
      // Code-unit order, as Array.prototype.sort and RFC 8785 §3.2.3 compare; equal keys cannot
      // occur (one object), so `<` is the whole test.
      if (previous !== undefined && !(previous < key)) ordered = false;
      previous = key;
      const child = (value as Record<string, JsonValue>)[key]!;
      if (typeof child === 'object' && child !== null) values.push(child);
      else if (typeof child === 'number' && !Number.isFinite(child)) finite = false;
    }
  }
  return { keys: sum, keyOrdered: ordered, finite };
}

/**
 * One pass over a JSON text, before JSON.parse sees it: whether it nests deeper than
 * `maxDepth` (JSON.parse would build every level first: a 20 MB file of "[" took 38 s and
 * 1.4 GB), and the number of colons outside strings, which in a text JSON.parse accepts is the
 * number of member names (a colon only ever follows one). Strings are skipped from quote to
 * quote with indexOf (memchr-fast); a quote after an odd run of backslashes is escaped. Any
 * text, valid or not; brackets and colons inside strings do not count. Linear: each backslash
 * run is counted once, by the one quote that ends it.
 */
function scanJsonText(text: string, maxDepth: number): { tooDeep: boolean; names: number } {
  const n = text.length;
  let depth = 0;
  let names = 0;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i++);
    // White space (and any other control character, which is no structure either) first: most
    // of a pretty-printed file outside its strings is indentation.
    if (c <= 0x20) continue;
    if (c === 0x22) {
      const close = closingQuote(text, i - 1);
      // An unterminated string: nothing after its opening quote is structure.
      if (close === -1) break;
      i = close + 1;
      continue;
    }
    if (c === 0x3a) names++;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > maxDepth) return { tooDeep: true, names };
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return { tooDeep: false, names };
}

/** A duplicated member name: the path of the object holding it, the name, and its offset in the text. */
export interface DuplicateKey {
  /** Member names and array indexes from the top of the document to the object (the first MAX_PATH_PARTS of them). */
  path: (string | number)[];
  /** The object sits deeper than the path given. */
  truncated: boolean;
  key: string;
  offset: number;
}

/**
 * Finds the first duplicated member name. One pass over the text with an explicit stack (no
 * recursion); the path is built only once a duplicate is found, so the pass stays linear
 * whatever the nesting.
 */
function findDuplicate(text: string): DuplicateKey | undefined {
  // Only reached when the counts differ: a slower re-parse that keeps every object's keys.
  // Parallel stacks (no object per level): the key set of an object (undefined for an array),
  // the index of the current element, the name of the current member.
  const sets: (Set<string> | undefined)[] = [];
  const indexes: number[] = [];
  const pendings: (string | undefined)[] = [];
  let i = 0;
  const n = text.length;
  const readString = (): string => {
    const start = i;
    i++;
    while (i < n && text.charCodeAt(i) !== 0x22) i += text.charCodeAt(i) === 0x5c ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x7b || c === 0x5b) {
      sets.push(c === 0x7b ? new Set() : undefined);
      indexes.push(0);
      pendings.push(undefined);
      i++;
    } else if (c === 0x7d || c === 0x5d) {
      sets.pop();
      indexes.pop();
      pendings.pop();
      i++;
    } else if (c === 0x2c) {
      const top = sets.length - 1;
      if (top >= 0 && !sets[top]) indexes[top]!++;
      i++;
    } else if (c === 0x22) {
      const at = i;
      const s = readString();
      let j = i;
      while (j < n && (text.charCodeAt(j) === 0x20 || text.charCodeAt(j) === 0x0a || text.charCodeAt(j) === 0x0d || text.charCodeAt(j) === 0x09)) j++;
      const keys = sets[sets.length - 1];
      if (text.charCodeAt(j) === 0x3a && keys) {
        if (keys.has(s)) {
          const path: (string | number)[] = [];
          const depth = sets.length - 1;
          for (let k = 0; k < depth && k < MAX_PATH_PARTS; k++) path.push(sets[k] ? (pendings[k] ?? '') : indexes[k]!);
          return { path, truncated: depth > MAX_PATH_PARTS, key: s, offset: at };
        }
        keys.add(s);
        pendings[pendings.length - 1] = s;
      }
    } else i++;
  }
  return undefined;
}

/** How much of a path an error message names: enough to find the place, bounded whatever the nesting. */
const MAX_PATH_PARTS = 32;

/** "$.mcpServers[2].env" ("…" at the end when the path was cut). */
export function formatJsonPath(path: readonly (string | number)[], truncated = false): string {
  let out = '$';
  for (const part of path) {
    out += typeof part === 'number' ? `[${part}]` : /^[A-Za-z_$][\w$]*$/.test(part) ? `.${part}` : `[${JSON.stringify(part.length > 80 ? `${part.slice(0, 80)}…` : part)}]`;
  }
  return truncated ? `${out}…` : out;
}

/**
 * The first duplicated member name of a text that JSON.parse accepted as `value`, or undefined.
 * Linear: counts member names in the text (scanJsonText's colons, one per name in a text
 * JSON.parse accepted) and in the parsed value, and looks for the duplicate only when they
 * differ (JSON.parse keeps the last of duplicated names, silently).
 */
export function findDuplicateKey(text: string, value: unknown): DuplicateKey | undefined {
  const parsedKeys = value !== null && typeof value === 'object' ? walkParsedKeys(value as JsonValue).keys : 0;
  if (scanJsonText(text, Infinity).names === parsedKeys) return undefined;
  // Counts differ but no duplicate found would be a scanner bug: report it at the start rather than pass.
  return findDuplicate(text) ?? { path: [], truncated: false, key: '', offset: 0 };
}

/**
 * Whether a JSON text nests deeper than `maxDepth` levels, counted on the text itself: one pass,
 * constant memory; brackets inside strings (escapes skipped) do not count. Any text, valid or not.
 */
export function nestingExceeds(text: string, maxDepth: number): boolean {
  return scanJsonText(text, maxDepth).tooDeep;
}

/** What parseJsonStrict returns for a text it accepts. */
export interface StrictJsonValue {
  value: JsonValue;
  /**
   * Every object's keys enumerate in RFC 8785 order (UTF-16 code units), at every level: then
   * JSON.stringify of the value, or of any part of it, is that part's RFC 8785 canonical form
   * (digestOfKeyOrdered in src/canonical hashes it without sorting a copy first). False for
   * any other order, and for integer-like keys JavaScript enumerates first ("10" after "9").
   */
  keyOrdered: boolean;
}

/**
 * JSON.parse that refuses what JSON.parse accepts silently: duplicate member names (RFC 8259
 * says they make behaviour unpredictable; RFC 7493 I-JSON forbids them), and nesting deeper
 * than `maxDepth`. Returns the value or a problem naming its line and column; never quotes the
 * text, never throws on bad input. Three linear passes, each once: one over the text (depth,
 * member names), JSON.parse, one over the value (member names, key order); the duplicate is
 * looked for only when the two counts differ.
 */
export function parseJsonStrict(text: string, options: { maxDepth?: number; finiteNumbers?: boolean } = {}): StrictJsonValue | { problem: StrictJsonProblem } {
  const maxDepth = options.maxDepth ?? MAX_JSON_DEPTH;
  // Counted before JSON.parse, which would build every level first. A syntax error before the
  // level that is too deep is still named by line and column.
  const scanned = scanJsonText(text, maxDepth);
  if (scanned.tooDeep) {
    const found = locateJsonSyntaxError(text, maxDepth);
    const depth = `nested more than ${maxDepth} levels deep`;
    if (!found || found.reason === depth) return { problem: { kind: 'syntax', message: depth } };
    const { line, column } = lineColumnAt(text, found.offset);
    return { problem: { kind: 'syntax', message: `${found.reason} at line ${line}, column ${column}`, line, column } };
  }
  let value: JsonValue;
  try {
    value = JSON.parse(text) as JsonValue;
  } catch {
    const found = locateJsonSyntaxError(text, maxDepth);
    if (!found) return { problem: { kind: 'syntax', message: 'nested too deeply' } };
    const { line, column } = lineColumnAt(text, found.offset);
    return { problem: { kind: 'syntax', message: `${found.reason} at line ${line}, column ${column}`, line, column } };
  }
  const walked = value !== null && typeof value === 'object' ? walkParsedKeys(value) : { keys: 0, keyOrdered: true, finite: typeof value !== 'number' || Number.isFinite(value) };
  if (scanned.names !== walked.keys) {
    const found = findDuplicate(text);
    if (!found) return { problem: { kind: 'duplicate-key', message: 'duplicate key (location unknown)' } };
    const { line, column } = lineColumnAt(text, found.offset);
    return {
      problem: { kind: 'duplicate-key', message: `duplicate key ${printable(formatJsonPath(found.path, found.truncated), 200)}: "${printable(found.key, 80)}" at line ${line}, column ${column}`, line, column },
    };
  }
  // Asked for by readers that digest or sign what they read (the lockfile): such a number has
  // no canonical form, so it is refused rather than digested as null.
  if (options.finiteNumbers === true && !walked.finite) {
    return { problem: { kind: 'syntax', message: 'a number too large for a double-precision value (it has no RFC 8785 form)' } };
  }
  return { value, keyOrdered: walked.keyOrdered };
}
