import { itemDigest, knownDigest, type JsonObject, type JsonValue } from '../canonical/index.js';
import { ITEM_COLLECTION, ITEM_KINDS, type LockedServer, type Lockfile } from '../lockfile/types.js';
import { hasOwn } from '../util/record.js';
import { sameJson, unionKeys } from './json.js';

/**
 * Whether two item definitions are the same. When both already carry a digest of their RFC 8785
 * form (every definition of a lockfile read with its digests computed, src/lockfile/parse.ts),
 * the digests decide: equal canonical forms are exactly equal JSON values whatever the key
 * order, which is what sameJson compares. Otherwise (a live surface) the values are compared
 * with sameJson; nothing new is hashed here.
 */
export function sameItem(before: JsonObject, after: JsonObject): boolean {
  if (before === after) return true;
  const a = knownDigest(before);
  if (a !== undefined) {
    const b = knownDigest(after);
    if (b !== undefined) return a === b;
  }
  return sameJson(before, after);
}

/**
 * sameItem of the items `key` of two collections (both must hold it), by digests when both are
 * known without reading the items: the items of a lazily read lockfile (src/lockfile/fast-check.ts
 * lockfileFromAcceptedBytes) are parsed only when they differ.
 */
export function sameItemAt(before: Readonly<Record<string, JsonObject>>, after: Readonly<Record<string, JsonObject>>, key: string): boolean {
  const a = itemDigest(before, key);
  if (a !== undefined) {
    const b = itemDigest(after, key);
    if (b !== undefined) return a === b;
  }
  return sameItem(before[key]!, after[key]!);
}

/**
 * Whether two lockfiles pin exactly the same servers: the same names and, for each, every field
 * of the server entry equal (transport, artifact, identity, whatever else the model holds), and
 * the same items, compared by sameItem. The diff engine is loaded only when this is false, so
 * it must find every difference diffLockfiles can report (tests/diff/same.test.ts pins that).
 */
export function sameLockfiles(before: Lockfile, after: Lockfile): boolean {
  if (before === after) return true;
  const names = Object.keys(before.servers);
  if (names.length !== Object.keys(after.servers).length) return false;
  for (const name of names) {
    const b = after.servers[name];
    if (b === undefined || !sameServer(before.servers[name]!, b)) return false;
  }
  return true;
}

function sameServer(before: LockedServer, after: LockedServer): boolean {
  // Every field but the surface as JSON, so a field added to the model is compared without a
  // change here; the surface by its parts, the items by digest.
  for (const key of unionKeys(before, after)) {
    if (key === 'surface') continue;
    const x = (before as unknown as Record<string, JsonValue | undefined>)[key];
    const y = (after as unknown as Record<string, JsonValue | undefined>)[key];
    if (!sameJson(x, y)) return false;
  }
  const x = before.surface;
  const y = after.surface;
  for (const key of unionKeys(x, y)) {
    const collection = key as (typeof ITEM_COLLECTION)[keyof typeof ITEM_COLLECTION];
    if (ITEM_KINDS.some((kind) => ITEM_COLLECTION[kind] === collection)) continue;
    if (!sameJson((x as unknown as Record<string, JsonValue>)[key], (y as unknown as Record<string, JsonValue>)[key])) return false;
  }
  for (const kind of ITEM_KINDS) {
    const collection = ITEM_COLLECTION[kind];
    const oldItems = x[collection];
    const newItems = y[collection];
    const keys = Object.keys(oldItems);
    if (keys.length !== Object.keys(newItems).length) return false;
    for (const key of keys) {
      if (!hasOwn(newItems, key) || !sameItemAt(oldItems, newItems, key)) return false;
    }
  }
  return true;
}
