import type { JsonValue } from '../canonical/index.js';
import { printable } from './text.js';

export interface StrictJsonProblem {
  kind: 'syntax' | 'duplicate-key';
  message: string;
}

/**
 * Counts the member names in a JSON text: strings followed (after white space) by a colon.
 * Only called on text JSON.parse accepted, so every quote outside a string opens one; the
 * scan jumps from quote to quote with indexOf (memchr-fast) instead of visiting every char.
 * Used to notice duplicate keys that JSON.parse silently collapses.
 */
function countMemberNames(text: string): number {
  let count = 0;
  const n = text.length;
  let open = text.indexOf('"');
  while (open !== -1) {
    let close = text.indexOf('"', open + 1);
    // A quote preceded by an odd number of backslashes is escaped: part of the string.
    while (close !== -1) {
      let backslashes = 0;
      for (let k = close - 1; text.charCodeAt(k) === 0x5c; k--) backslashes++;
      if ((backslashes & 1) === 0) break;
      close = text.indexOf('"', close + 1);
    }
    if (close === -1) break;
    let j = close + 1;
    while (j < n) {
      const c = text.charCodeAt(j);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) j++;
      else break;
    }
    if (text.charCodeAt(j) === 0x3a) count++;
    open = text.indexOf('"', j);
  }
  return count;
}

/** Deepest nesting accepted: far beyond any real schema, well within every recursive consumer. */
export const MAX_JSON_DEPTH = 512;

/**
 * Counts the member names of a parsed value, without recursion (a hostile file may nest a
 * million levels deep); returns -1 when the value nests deeper than MAX_JSON_DEPTH, so later
 * recursive code (canonicalization, schema checks) never meets such a document.
 */
function countParsedKeys(root: JsonValue): number {
  let sum = 0;
  // Two parallel stacks rather than one of {value, depth} objects: no allocation per node.
  const values: JsonValue[] = [root];
  const depths: number[] = [1];
  while (values.length > 0) {
    const value = values.pop()!;
    const depth = depths.pop()!;
    if (depth > MAX_JSON_DEPTH) return -1;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const item = value[i];
        if (typeof item === 'object' && item !== null) {
          values.push(item);
          depths.push(depth + 1);
        }
      }
      continue;
    }
    for (const key in value as Record<string, JsonValue>) {
      sum++;
      const child = (value as Record<string, JsonValue>)[key]!;
      if (typeof child === 'object' && child !== null) {
        values.push(child);
        depths.push(depth + 1);
      }
    }
  }
  return sum;
}

/** Finds the first duplicated member name, with its path, for the error message. */
function findDuplicate(text: string): string | undefined {
  // Only reached when the counts differ: a slower re-parse that keeps every object's keys.
  const stack: { keys: Set<string>; path: string; pending?: string; index: number; array: boolean }[] = [];
  let i = 0;
  const n = text.length;
  const readString = (): string => {
    const start = i;
    i++;
    while (i < n && text.charCodeAt(i) !== 0x22) i += text.charCodeAt(i) === 0x5c ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const childPath = (): string => {
    const top = stack[stack.length - 1];
    if (!top) return '$';
    return top.array ? `${top.path}[${top.index}]` : `${top.path}.${top.pending ?? ''}`;
  };
  while (i < n) {
    const c = text[i];
    if (c === '{' || c === '[') {
      stack.push({ keys: new Set(), path: childPath(), index: 0, array: c === '[' });
      i++;
    } else if (c === '}' || c === ']') {
      stack.pop();
      i++;
    } else if (c === ',') {
      const top = stack[stack.length - 1];
      if (top?.array) top.index++;
      i++;
    } else if (c === '"') {
      const s = readString();
      let j = i;
      while (j < n && /\s/.test(text[j]!)) j++;
      const top = stack[stack.length - 1];
      if (text[j] === ':' && top && !top.array) {
        if (top.keys.has(s)) return `${top.path || '$'}: "${s}"`;
        top.keys.add(s);
        top.pending = s;
      }
    } else i++;
  }
  return undefined;
}

/**
 * JSON.parse that refuses what JSON.parse accepts silently: duplicate member names (RFC 8259
 * says they make behaviour unpredictable; RFC 7493 I-JSON forbids them). Returns the value or
 * a problem; never throws on bad input.
 */
export function parseJsonStrict(text: string): { value: JsonValue } | { problem: StrictJsonProblem } {
  let value: JsonValue;
  try {
    value = JSON.parse(text) as JsonValue;
  } catch (error) {
    const message = error instanceof RangeError ? 'nested too deeply' : printable((error as Error).message, 200);
    return { problem: { kind: 'syntax', message } };
  }
  const parsedKeys = value !== null && typeof value === 'object' ? countParsedKeys(value) : 0;
  if (parsedKeys < 0) return { problem: { kind: 'syntax', message: `nested more than ${MAX_JSON_DEPTH} levels deep` } };
  if (countMemberNames(text) !== parsedKeys) {
    const where = findDuplicate(text);
    return { problem: { kind: 'duplicate-key', message: `duplicate key ${where ?? '(location unknown)'}` } };
  }
  return { value };
}
