import type { JsonValue } from '../canonical/index.js';

export interface StrictJsonProblem {
  kind: 'syntax' | 'duplicate-key';
  message: string;
}

/**
 * Counts the member names in a JSON text: strings followed (after white space) by a colon.
 * One pass over char codes, no allocation; used to notice duplicate keys that JSON.parse
 * silently collapses.
 */
function countMemberNames(text: string): number {
  let count = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    if (text.charCodeAt(i) !== 0x22) continue;
    i++;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x5c) i += 2;
      else if (c === 0x22) break;
      else i++;
    }
    let j = i + 1;
    while (j < n) {
      const c = text.charCodeAt(j);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) j++;
      else break;
    }
    if (text.charCodeAt(j) === 0x3a) count++;
  }
  return count;
}

function countParsedKeys(value: JsonValue): number {
  if (value === null || typeof value !== 'object') return 0;
  if (Array.isArray(value)) {
    let sum = 0;
    for (const item of value) sum += countParsedKeys(item);
    return sum;
  }
  let sum = 0;
  for (const key in value) sum += 1 + countParsedKeys(value[key] as JsonValue);
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
    const message = error instanceof RangeError ? 'nested too deeply' : (error as Error).message;
    return { problem: { kind: 'syntax', message } };
  }
  if (countMemberNames(text) !== countParsedKeys(value)) {
    const where = findDuplicate(text);
    return { problem: { kind: 'duplicate-key', message: `duplicate key ${where ?? '(location unknown)'}` } };
  }
  return { value };
}
