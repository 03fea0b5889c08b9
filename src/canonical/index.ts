import { createHash, hash } from 'node:crypto';

/** A JSON value as JSON.parse produces it. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** RFC 8785 (JCS) canonical form of a JSON value. */
export function canonicalize(value: unknown): string {
  const writer = new CanonicalWriter(false, Infinity);
  writer.write(value, 0, 0);
  return writer.compact;
}

export interface CanonicalInfo {
  /** `sha256:<hex>` over the UTF-8 bytes of the canonical form. */
  digest: string;
  /** Size of the canonical form in UTF-8 bytes. */
  bytes: number;
}

/** canonicalInfo plus the pretty text `canonicalEntry` printed at `level` (see cachedPretty). */
interface CachedInfo extends CanonicalInfo {
  pretty?: string;
  level?: number;
}

// Definitions are never mutated once read (from a server or a file), and the same object is
// digested by the size check, the item digest and the surface digest: remember per object.
const infoCache = new WeakMap<object, CachedInfo>();

/** Digest and size of a value's RFC 8785 canonical form (computed once per object). */
export function canonicalInfo(value: unknown): CanonicalInfo {
  const cacheable = typeof value === 'object' && value !== null;
  if (cacheable) {
    const hit = infoCache.get(value);
    if (hit) return hit;
  }
  const text = canonicalize(value);
  const info: CachedInfo = { digest: sha256Text(text), bytes: Buffer.byteLength(text, 'utf8') };
  if (cacheable) infoCache.set(value, info);
  return info;
}

export interface CanonicalEntry extends CanonicalInfo {
  /** The pretty text (see prettyCanonical), its lines indented for nesting level `level`. */
  pretty: string;
  /** Its size in UTF-8 bytes. */
  prettyBytes: number;
}

/**
 * One walk over a value read from a server: refuses it (undefined) when it nests deeper than
 * `maxDepth` (a scalar is 0 levels, `{}` is 1; the walk stops there, so an attacker's 100,000
 * levels cost no stack), else its canonical digest and size and its pretty text as printed at
 * indentation `level` of a document. The result is remembered like canonicalInfo's, and the
 * text is given back by cachedPretty, so the lockfile is written by joining texts. The pretty
 * text is kept up to `maxPrettyLength` characters only (its size, `prettyBytes`, is exact
 * whatever the bound): a caller that refuses a longer text never has it built.
 */
export function canonicalEntry(value: unknown, maxDepth: number, level: number, maxPrettyLength = Infinity): CanonicalEntry | undefined {
  const writer = new CanonicalWriter(true, maxDepth, 2, maxPrettyLength);
  if (!writer.write(value, level, 0)) return undefined;
  const { compact, pretty, prettyLength } = writer;
  // The pretty text is kept until the lockfile is written: flatten it now (reading a character
  // makes V8 flatten a concatenated string), or it stays a tree of a hundred or so pieces per
  // item, which doubled the heap and the garbage collector's work on a 10,000-tool listing.
  pretty.charCodeAt(0);
  const bytes = Buffer.byteLength(compact, 'utf8');
  // The pretty text adds only ASCII white space to the canonical one.
  const entry = { digest: sha256Text(compact), bytes, pretty, prettyBytes: bytes + prettyLength - compact.length, level };
  if (typeof value === 'object' && value !== null) {
    // A text cut at the bound is no text of the value: only its digest and size are remembered.
    infoCache.set(value, prettyLength > maxPrettyLength ? { digest: entry.digest, bytes } : entry);
  }
  return entry;
}

/** The pretty text canonicalEntry printed for this object at this level, if it did. */
export function cachedPretty(value: object, level: number): string | undefined {
  const hit = infoCache.get(value);
  return hit?.level === level ? hit.pretty : undefined;
}

/** `sha256:<hex>` of a string's UTF-8 bytes; the one-shot hash (no Hash object per item). */
function sha256Text(text: string): string {
  return `sha256:${hash('sha256', text, 'hex')}`;
}

/** `sha256:<hex>` over the UTF-8 bytes of the RFC 8785 canonical form. */
export function digestOf(value: unknown): string {
  if (typeof value === 'object' && value !== null) {
    const proven = provenDigests.get(value);
    if (proven !== undefined) return proven;
  }
  return canonicalInfo(value).digest;
}

// Digests a reader proved without computing them here: src/lockfile/read.ts, for a file whose
// bytes lockfileBytesAccepted checked with every digest recomputed from the bytes, records each
// definition's written digest (equal to its own, or the check would have refused the file).
// Kept apart from infoCache, which also holds the canonical size.
const provenDigests = new WeakMap<object, string>();

/**
 * Records `digest` as the RFC 8785 digest of `value`, for digestOf, digestOfKeyOrdered and
 * knownDigest. Only for a digest proven to be the value's own (see provenDigests above).
 */
export function rememberProvenDigest(value: object, digest: string): void {
  provenDigests.set(value, digest);
}

// The digests of a collection's items by key, proven by the reader that made the collection
// without parsing its definitions (src/lockfile/fast-check.ts lockfileFromAcceptedBytes).
const provenItemDigests = new WeakMap<object, ReadonlyMap<string, string>>();

/** Records the proven digest of each item of `collection` by its key (see provenItemDigests). */
export function rememberProvenItemDigests(collection: object, digests: ReadonlyMap<string, string>): void {
  provenItemDigests.set(collection, digests);
}

/** The digests rememberProvenItemDigests recorded for `collection` (the same map while they hold), or undefined. */
export function provenItemDigestsOf(collection: object): ReadonlyMap<string, string> | undefined {
  return provenItemDigests.get(collection);
}

/**
 * The digest of `collection[key]` when known without reading the item (a lazily read
 * lockfile's, which reading would parse) or already known for the item itself (knownDigest),
 * else undefined. `collection` is a record of definitions (null prototype: `key` is its own).
 */
export function itemDigest(collection: Readonly<Record<string, object>>, key: string): string | undefined {
  const own = Object.getOwnPropertyDescriptor(collection, key);
  if (own === undefined) return undefined;
  // Not read yet (the lazy reader's accessor): the digest proven for its key.
  if (own.get !== undefined) return provenItemDigests.get(collection)?.get(key);
  // Read, or put there since (replaced, or deleted and put back): the value's own digest, which
  // the reader proved for a definition it parsed and nothing proved for one put in its place.
  const item = own.value as unknown;
  return typeof item === 'object' && item !== null ? knownDigest(item) : undefined;
}

/**
 * digestOf for a value read from JSON whose keys the caller knows to enumerate in RFC 8785
 * order at every level (parseJsonStrict's `keyOrdered`): its JSON.stringify is then already the
 * canonical form, because JSON.stringify prints strings and finite numbers as RFC 8785 §3.2.2
 * does and keys in enumeration order, so it is hashed without walking it key by key. The
 * result is remembered like canonicalInfo's, so later digestOf calls on the same object are free.
 * tests/canonical checks it against digestOf on the published vectors and on random documents.
 */
export function digestOfKeyOrdered(value: JsonObject): string {
  const proven = provenDigests.get(value);
  if (proven !== undefined) return proven;
  const hit = infoCache.get(value);
  if (hit) return hit.digest;
  const text = JSON.stringify(value);
  const info = { digest: sha256Text(text), bytes: Buffer.byteLength(text, 'utf8') };
  infoCache.set(value, info);
  return info.digest;
}

/**
 * The digest already computed for this object (by digestOf, canonicalInfo, canonicalEntry or
 * digestOfKeyOrdered) or proven for it (rememberProvenDigest), or undefined: lets a comparison use digests when both sides have them
 * and fall back to comparing the values otherwise, without hashing anything new.
 */
export function knownDigest(value: object): string | undefined {
  return provenDigests.get(value) ?? infoCache.get(value)?.digest;
}

/** `sha256:<hex>` over raw bytes. */
export function digestBytes(bytes: Uint8Array | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/**
 * Pretty-printed JSON whose property order, string escaping and number formatting are those
 * of RFC 8785, so that removing the insignificant whitespace gives back the canonical form.
 * `level` indents every line after the first for a value printed at that nesting level of a
 * larger document (as JSON.stringify(document, null, indent) would print it there).
 */
export function prettyCanonical(value: unknown, indent = 2, level = 0): string {
  const writer = new CanonicalWriter(true, Infinity, indent);
  writer.write(value, level, 0);
  return writer.pretty;
}

const BREAKS: string[] = [];
/** A line break and the indentation of nesting level `level`, two spaces a level. */
function lineBreak(level: number): string {
  return (BREAKS[level] ??= `\n${'  '.repeat(level)}`);
}

/**
 * The RFC 8785 printer: one walk that writes the canonical text and, when asked, the same
 * document pretty-printed, straight from the value, without a key-sorted copy. Properties in
 * the order of their names as arrays of UTF-16 code units (§3.2.3), which is what the default
 * Array.prototype.sort comparison does on strings, whatever JavaScript's own property order
 * (integer-like keys come first in it) and whatever the names ("__proto__", "toJSON" are
 * ordinary names: the value is read, never rebuilt). Strings and finite numbers as
 * JSON.stringify prints them, which is the serialization §3.2.2 prescribes (-0 as 0, 1e+21,
 * lone surrogates escaped). What JSON.stringify leaves out (undefined, functions, symbols) is
 * left out of objects and is null in arrays, as JSON.stringify does; non-finite numbers throw.
 * Not json-canonicalize: it prints any object with a "toJSON" member through plain
 * JSON.stringify, unsorted (a server could make digests depend on key order).
 * tests/canonical checks it on the published vectors and against the library on random and
 * adversarial documents.
 */
class CanonicalWriter {
  compact = '';
  pretty = '';
  /** Length of the whole pretty text, which is kept only up to `maxPrettyLength`. */
  prettyLength = 0;

  constructor(
    private readonly withPretty: boolean,
    private readonly maxDepth: number,
    private readonly indent = 2,
    private readonly maxPrettyLength = Infinity,
  ) {}

  /** Appends to the pretty text while it is within its bound; past it, only counts. */
  private addPretty(text: string): void {
    this.prettyLength += text.length;
    if (this.prettyLength <= this.maxPrettyLength) this.pretty += text;
  }

  private lineBreak(level: number): string {
    return this.indent === 2 ? lineBreak(level) : `\n${' '.repeat(this.indent * level)}`;
  }

  /** Writes `node` (at pretty indentation `level`, `depth` containers deep); false when too deep. */
  write(node: unknown, level: number, depth: number): boolean {
    if (typeof node !== 'object' || node === null) {
      const text = scalarText(node);
      this.compact += text;
      if (this.withPretty) this.addPretty(text);
      return true;
    }
    if (depth >= this.maxDepth) return false;
    const pretty = this.withPretty;
    if (Array.isArray(node)) {
      const length = node.length;
      if (length === 0) {
        this.compact += '[]';
        if (pretty) this.addPretty('[]');
        return true;
      }
      const inner = pretty ? this.lineBreak(level + 1) : '';
      for (let i = 0; i < length; i++) {
        this.compact += i === 0 ? '[' : ',';
        if (pretty) this.addPretty((i === 0 ? '[' : ',') + inner);
        const item: unknown = node[i];
        if (!this.write(isOmitted(item) ? null : item, level + 1, depth + 1)) return false;
      }
      this.compact += ']';
      if (pretty) this.addPretty(`${this.lineBreak(level)}]`);
      return true;
    }
    const keys = Object.keys(node);
    if (keys.length > 1) keys.sort();
    const inner = pretty ? this.lineBreak(level + 1) : '';
    let first = true;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      const value: unknown = (node as Record<string, unknown>)[key];
      if (isOmitted(value)) continue;
      const name = quote(key);
      this.compact += `${first ? '{' : ','}${name}:`;
      if (pretty) this.addPretty(`${first ? '{' : ','}${inner}${name}: `);
      first = false;
      if (!this.write(value, level + 1, depth + 1)) return false;
    }
    if (first) {
      this.compact += '{}';
      if (pretty) this.addPretty('{}');
    } else {
      this.compact += '}';
      if (pretty) this.addPretty(`${this.lineBreak(level)}}`);
    }
    return true;
  }
}

/** What JSON.stringify leaves out of an object (and prints as null in an array). */
function isOmitted(value: unknown): boolean {
  return value === undefined || typeof value === 'function' || typeof value === 'symbol';
}

// What JSON.stringify escapes in a string: '"', '\\', control characters, and lone surrogates
// (any surrogate is sent to it here, which leaves a valid pair as it is). One character class:
// linear in the string, whatever it holds.
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** A string's JSON text, as JSON.stringify prints it; quoted directly when nothing needs escaping. */
function quote(text: string): string {
  return NEEDS_ESCAPE.test(text) ? JSON.stringify(text) : `"${text}"`;
}

function scalarText(node: unknown): string {
  if (typeof node === 'string') return quote(node);
  if (typeof node === 'number' && !Number.isFinite(node)) throw new TypeError('non-finite number in JSON');
  if (isOmitted(node)) throw new TypeError('undefined in JSON');
  // A bigint throws here, as JSON.stringify does.
  return JSON.stringify(node);
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
