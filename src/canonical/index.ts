import { createHash, hash } from 'node:crypto';

/** A JSON value as JSON.parse produces it. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** RFC 8785 (JCS) canonical form of a JSON value. */
export function canonicalize(value: unknown): string {
  const sorted = sortedCopy(value);
  return sorted === NO_FAST_PATH ? printCanonical(value, 0) : JSON.stringify(sorted);
}

export interface CanonicalInfo {
  /** `sha256:<hex>` over the UTF-8 bytes of the canonical form. */
  digest: string;
  /** Size of the canonical form in UTF-8 bytes. */
  bytes: number;
  /** The value with keys in canonical order (for printing without sorting again). */
  sorted: unknown;
}

// Definitions are never mutated once read (from a server or a file), and the same object is
// digested by the size check, the item digest and the surface digest: remember per object.
const infoCache = new WeakMap<object, CanonicalInfo>();

/** Digest and size of a value's RFC 8785 canonical form (computed once per object). */
export function canonicalInfo(value: unknown): CanonicalInfo {
  const cacheable = typeof value === 'object' && value !== null;
  if (cacheable) {
    const hit = infoCache.get(value);
    if (hit) return hit;
  }
  // JSON.stringify of a key-sorted copy is the RFC 8785 form (its string and number
  // serialization is the one §3.2.2 prescribes) and is several times faster than the library;
  // documents JavaScript cannot key-order (integer-like keys) go through the hand-written
  // printer. Not through json-canonicalize: it prints any object with a "toJSON" member with
  // plain JSON.stringify, unsorted (a server could make digests depend on key order).
  // tests/canonical checks both paths on the published vectors and on random documents.
  const sorted = sortedCopy(value);
  const text = sorted === NO_FAST_PATH ? printCanonical(value, 0) : JSON.stringify(sorted);
  const info = {
    digest: sha256Text(text),
    bytes: Buffer.byteLength(text, 'utf8'),
    sorted: sorted === NO_FAST_PATH ? value : sorted,
  };
  if (cacheable) infoCache.set(value, info);
  return info;
}

/** `sha256:<hex>` of a string's UTF-8 bytes; the one-shot hash (no Hash object per item). */
function sha256Text(text: string): string {
  return `sha256:${hash('sha256', text, 'hex')}`;
}

/** `sha256:<hex>` over the UTF-8 bytes of the RFC 8785 canonical form. */
export function digestOf(value: unknown): string {
  return canonicalInfo(value).digest;
}

/**
 * digestOf for a value read from JSON whose keys the caller knows to enumerate in RFC 8785
 * order at every level (parseJsonStrict's `keyOrdered`): its JSON.stringify is then already the
 * canonical form, because JSON.stringify prints strings and finite numbers as RFC 8785 §3.2.2
 * does and keys in enumeration order, so it is hashed without building a sorted copy. The result
 * is remembered like canonicalInfo's, so later digestOf calls on the same object are free.
 * tests/canonical checks it against digestOf on the published vectors and on random documents.
 */
export function digestOfKeyOrdered(value: JsonObject): string {
  const hit = infoCache.get(value);
  if (hit) return hit.digest;
  const text = JSON.stringify(value);
  const info = { digest: sha256Text(text), bytes: Buffer.byteLength(text, 'utf8'), sorted: value };
  infoCache.set(value, info);
  return info.digest;
}

/**
 * The digest already computed for this object (by digestOf, canonicalInfo or
 * digestOfKeyOrdered), or undefined: lets a comparison use digests when both sides have them
 * and fall back to comparing the values otherwise, without hashing anything new.
 */
export function knownDigest(value: object): string | undefined {
  return infoCache.get(value)?.digest;
}

/** `sha256:<hex>` over raw bytes. */
export function digestBytes(bytes: Uint8Array | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

// RFC 8785 §3.2.3: properties sorted by their names as arrays of UTF-16 code units, which is
// exactly what the default Array.prototype.sort comparison does on strings.
function sortedKeys(object: object): string[] {
  return Object.keys(object).sort();
}

const INTEGER_LIKE = /^(?:0|[1-9]\d*)$/;

/**
 * A copy with object keys inserted in RFC 8785 order, or undefined when some key is
 * integer-like: JavaScript puts such keys ("10", "9") first in numeric order whatever the
 * insertion order, so only the hand-written printer can order them.
 */
function sortedCopy(node: unknown): unknown {
  if (node === null || typeof node !== 'object') {
    if (typeof node === 'number' && !Number.isFinite(node)) throw new TypeError('non-finite number in JSON');
    return node;
  }
  // A copy this function made is already in order: reuse it rather than walk it again.
  if (sortedCopies.has(node)) return node;
  if (Array.isArray(node)) {
    const out = new Array(node.length);
    for (let i = 0; i < node.length; i++) {
      const item = sortedCopy(node[i]);
      if (item === NO_FAST_PATH) return NO_FAST_PATH;
      out[i] = item === undefined ? null : item;
    }
    sortedCopies.add(out);
    return out;
  }
  const out: Record<string, unknown> = {};
  const keys = Object.keys(node);
  if (keys.length > 1) keys.sort();
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    // Only keys starting with a digit or "_" can be the trouble cases; test those alone.
    const first = key.charCodeAt(0);
    if ((first >= 0x30 && first <= 0x39 && INTEGER_LIKE.test(key)) || (first === 0x5f && key === '__proto__')) return NO_FAST_PATH;
    const value = (node as Record<string, unknown>)[key];
    if (value === undefined) continue;
    const item = sortedCopy(value);
    if (item === NO_FAST_PATH) return NO_FAST_PATH;
    out[key] = item;
  }
  sortedCopies.add(out);
  return out;
}
const NO_FAST_PATH = Symbol('no fast path');
const sortedCopies = new WeakSet<object>();

/**
 * Pretty-printed JSON whose property order, string escaping and number formatting are those
 * of RFC 8785, so that removing the insignificant whitespace gives back the canonical form.
 * JSON.stringify already formats strings and finite numbers as RFC 8785 §3.2.2 prescribes;
 * what it cannot do is order integer-like keys, so such documents take the slow printer.
 */
export function prettyCanonical(value: unknown, indent = 2): string {
  const fast = sortedCopy(value);
  if (fast !== NO_FAST_PATH) return JSON.stringify(fast, null, indent);
  return printCanonical(value, indent);
}

/**
 * The hand-written RFC 8785 printer: keys sorted by UTF-16 code units whatever JavaScript's
 * own property order, strings and numbers as JSON.stringify (= §3.2.2) prints them. With
 * `indent` 0 it prints the canonical form itself; otherwise the same, pretty-printed.
 */
function printCanonical(value: unknown, indent: number): string {
  const compact = indent === 0;
  const pad = ' '.repeat(indent);
  const out: string[] = [];
  const write = (node: unknown, depth: number): void => {
    if (node === null || typeof node !== 'object') {
      if (typeof node === 'number' && !Number.isFinite(node)) throw new TypeError('non-finite number in JSON');
      if (node === undefined) throw new TypeError('undefined in JSON');
      out.push(JSON.stringify(node));
      return;
    }
    const inner = compact ? '' : pad.repeat(depth + 1);
    const open = compact ? '' : '\n';
    const comma = compact ? ',' : ',\n';
    const close = compact ? '' : `\n${pad.repeat(depth)}`;
    if (Array.isArray(node)) {
      if (node.length === 0) {
        out.push('[]');
        return;
      }
      out.push('[', open);
      for (let i = 0; i < node.length; i++) {
        out.push(inner);
        // As JSON.stringify does: a hole or undefined in an array is null.
        write(node[i] === undefined ? null : node[i], depth + 1);
        if (i < node.length - 1) out.push(comma);
      }
      out.push(close, ']');
      return;
    }
    const keys = sortedKeys(node).filter((k) => (node as Record<string, unknown>)[k] !== undefined);
    if (keys.length === 0) {
      out.push('{}');
      return;
    }
    out.push('{', open);
    keys.forEach((key, i) => {
      out.push(inner, JSON.stringify(key), compact ? ':' : ': ');
      write((node as Record<string, unknown>)[key], depth + 1);
      if (i < keys.length - 1) out.push(comma);
    });
    out.push(close, '}');
  };
  write(value, 0);
  return out.join('');
}

export interface Nesting {
  /** The value nests deeper than the `maxDepth` asked about (a scalar is 0 levels; `{}` is 1). */
  tooDeep: boolean;
  /**
   * Bytes that `JSON.stringify(value, null, indent)`, printed at indentation `level`, adds to
   * the canonical form: a line break and indentation before every member and element and before
   * every closing bracket of a non-empty container, and a space after every colon. Only
   * meaningful when not `tooDeep`.
   */
  prettyExtraBytes: number;
}

/**
 * Measures a JSON value's nesting and pretty-printing overhead in one pass, without recursion
 * (attacker-controlled: a server may send a value nested 100,000 levels deep, which would
 * overflow the stack of any recursive walker). Stops as soon as it passes `maxDepth`.
 */
export function measureNesting(value: unknown, maxDepth: number, level = 0, indent = 2): Nesting {
  let extra = 0;
  if (typeof value !== 'object' || value === null) return { tooDeep: false, prettyExtraBytes: 0 };
  // Two parallel stacks rather than one of {value, depth} objects: no allocation per node.
  const values: object[] = [value];
  const depths: number[] = [1];
  while (values.length > 0) {
    const node = values.pop()!;
    const depth = depths.pop()!;
    if (depth > maxDepth) return { tooDeep: true, prettyExtraBytes: extra };
    let count = 0;
    if (Array.isArray(node)) {
      count = node.length;
      for (let i = 0; i < node.length; i++) {
        const item: unknown = node[i];
        if (typeof item === 'object' && item !== null) {
          values.push(item);
          depths.push(depth + 1);
        }
      }
    } else {
      for (const key in node) {
        const child = (node as Record<string, unknown>)[key];
        if (child === undefined) continue;
        count++;
        extra++; // ": " rather than ":"
        if (typeof child === 'object' && child !== null) {
          values.push(child);
          depths.push(depth + 1);
        }
      }
    }
    if (count > 0) {
      const at = level + depth - 1;
      extra += count * (1 + indent * (at + 1)) + 1 + indent * at;
    }
  }
  return { tooDeep: false, prettyExtraBytes: extra };
}
