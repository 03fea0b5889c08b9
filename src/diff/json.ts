import type { JsonObject, JsonValue } from '../canonical/index.js';
import { hasOwn } from '../util/record.js';

/** Nesting depth past which equality switches from recursion to an explicit stack. */
const RECURSION_LIMIT = 200;

/**
 * Structural equality of two JSON values, ignoring object key order (what the canonical digest
 * compares, without hashing): the fast path that lets unchanged items skip all diff work.
 * Attacker-controlled nesting cannot exhaust the call stack: deep values are compared with an
 * explicit stack.
 */
export function sameJson(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  return same(a, b, 0);
}

function same(a: JsonValue | undefined, b: JsonValue | undefined, depth: number): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (depth > RECURSION_LIMIT) return sameIterative(a, b);
  const arrayA = Array.isArray(a);
  if (arrayA !== Array.isArray(b)) return false;
  if (arrayA) {
    const x = a as JsonValue[];
    const y = b as JsonValue[];
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!same(x[i], y[i], depth + 1)) return false;
    return true;
  }
  const x = a as JsonObject;
  const y = b as JsonObject;
  let count = 0;
  for (const key in x) {
    count++;
    const value = y[key];
    // JSON values are never undefined; an inherited member (toString, constructor) is a function,
    // which equals no JSON value. Only "__proto__" reads back an object without being own.
    if (value === undefined || (key === '__proto__' && !hasOwn(y, key)) || !same(x[key], value, depth + 1)) return false;
  }
  // Same number of own keys, all of them found in y: the key sets are equal.
  for (const key in y) {
    void key;
    if (--count < 0) return false;
  }
  return count === 0;
}

function sameIterative(a: JsonValue, b: JsonValue): boolean {
  const stack: [JsonValue | undefined, JsonValue | undefined][] = [[a, b]];
  while (stack.length > 0) {
    const [x, y] = stack.pop()!;
    if (x === y) continue;
    if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) return false;
    if (Array.isArray(x) !== Array.isArray(y)) return false;
    if (Array.isArray(x)) {
      const ya = y as JsonValue[];
      if (x.length !== ya.length) return false;
      for (let i = 0; i < x.length; i++) stack.push([x[i], ya[i]]);
      continue;
    }
    const xo = x as JsonObject;
    const yo = y as JsonObject;
    const keys = Object.keys(xo);
    if (keys.length !== Object.keys(yo).length) return false;
    for (const key of keys) {
      if (!hasOwn(yo, key)) return false;
      stack.push([xo[key], yo[key]]);
    }
  }
  return true;
}

/** Sorted own keys: every walk over server data goes in one order, whatever order it was sent in. */
export function sortedKeys(object: object): string[] {
  return Object.keys(object).sort();
}

/** The sorted union of two objects' own keys. */
/**
 * The member `key` of a JSON object, undefined when it is not its own: a key one side lacks
 * (`toString`, `constructor`, `__proto__`) must not read as the inherited member.
 */
export function member(object: JsonObject, key: string): JsonValue | undefined {
  return hasOwn(object, key) ? object[key] : undefined;
}

export function unionKeys(a: object, b: object): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
}
