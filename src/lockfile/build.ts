import { cachedPretty, canonicalEntry, canonicalInfo, canonicalize, digestBytes, digestOf, itemDigest, prettyCanonical, provenItemDigestsOf, type JsonObject } from '../canonical/index.js';
import { createRecord, sortedRecord, type NameRecord } from '../util/record.js';
import { artifactJson } from './artifact.js';
import {
  ITEM_COLLECTION,
  ITEM_KINDS,
  LOCKFILE_VERSION,
  type LockedServer,
  type Lockfile,
  type ServerSurface,
  type TransportRecord,
} from './types.js';

/** Per-item entry as written to the lockfile: the digest of the canonical definition, then the definition. */
export interface ItemEntry {
  digest: string;
  definition: JsonObject;
}

/** Digest of each item in a collection, keyed like the collection. */
function digestItems(items: NameRecord<JsonObject>): NameRecord<string> {
  const out = createRecord<string>();
  for (const key of Object.keys(items).sort()) out[key] = digestOf(items[key]);
  return out;
}

/**
 * The RFC 8785 text of digestItems(items): JSON.stringify's, when the record enumerates its names
 * in code-unit order (its values are digests, ASCII strings, printed as RFC 8785 prints them);
 * otherwise (integer-like names, which JavaScript enumerates first) the canonical printer's.
 * tests/lock/surface-digest.test.ts compares it with the printer's on odd names.
 */
export function digestRecordText(items: NameRecord<JsonObject>): string {
  const digests = digestItems(items);
  const keys = Object.keys(digests);
  for (let i = 1; i < keys.length; i++) if (keys[i - 1]! > keys[i]!) return canonicalize(digests);
  return JSON.stringify(digests);
}

/**
 * The digest over a server's whole surface: its identity and the digest of every item. The
 * transport is left out on purpose, so moving a server from `npx` to a local path does not
 * count as a change of what it offers.
 */
export function surfaceDigest(surface: ServerSurface): string {
  const parts = surfaceParts(surface);
  const memo = surfaceDigests.get(surface);
  if (memo !== undefined && sameParts(memo.parts, parts)) return memo.digest;
  // The RFC 8785 text of {identity, prompts, resourceTemplates, resources, tools} (its keys in
  // that order), each collection a record of digests printed by digestRecordText.
  const digest = digestBytes(
    `{"identity":${canonicalize(identityJson(surface))},"prompts":${digestRecordText(surface.prompts)},"resourceTemplates":${digestRecordText(surface.resourceTemplates)},"resources":${digestRecordText(surface.resources)},"tools":${digestRecordText(surface.tools)}}`,
  );
  surfaceDigests.set(surface, { digest, parts });
  return digest;
}

// lock prints the surface digest in the lockfile, its summary and the approval digest: each
// was a canonical walk over every item's digest (tens of milliseconds at 10,000 tools). It is
// remembered per surface, with what it was computed from: the identity's canonical text and
// every collection's names and definition objects (compared by reference) on each call, so a
// surface whose identity changed or whose items were added, removed or replaced is digested
// again. (Definitions themselves are
// never mutated once read: see canonicalInfo.)
const surfaceDigests = new WeakMap<ServerSurface, { digest: string; parts: unknown[] }>();

/**
 * Records `digest` as the surface digest of `surface` as it is now (its parts, as above). Only
 * for a digest proven to be its own: src/lockfile/parse.ts, for a file whose bytes
 * lockfileBytesAccepted checked with every digest recomputed, records the written one.
 */
export function rememberProvenSurfaceDigest(surface: ServerSurface, digest: string): void {
  surfaceDigests.set(surface, { digest, parts: surfaceParts(surface) });
}

function surfaceParts(surface: ServerSurface): unknown[] {
  // The identity by value (its canonical text: a few hundred bytes), so a member changed in place
  // is seen too; the collections by reference, as definitions are never mutated once read. An
  // item of a collection whose digests are known by key (a lazily read lockfile's: reading an
  // item would parse it) stands by its digest (itemDigest), which an item put in its place does
  // not have, so the surface is digested again then.
  const parts: unknown[] = [canonicalize(identityJson(surface))];
  for (const kind of ITEM_KINDS) {
    const items = surface[ITEM_COLLECTION[kind]];
    const keys = Object.keys(items);
    parts.push(items, keys.length);
    if (provenItemDigestsOf(items) !== undefined) for (let i = 0; i < keys.length; i++) parts.push(keys[i], itemDigest(items, keys[i]!) ?? items[keys[i]!]);
    else for (let i = 0; i < keys.length; i++) parts.push(keys[i], items[keys[i]!]);
  }
  return parts;
}

function sameParts(a: unknown[], b: unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The digest a reviewer approves (`lock --approve`): the server's surface digest (the `digest`
 * its lockfile entry records) together with how it is launched or reached (its `transport`) and,
 * when pinned, which code it runs (its `artifact`), as the RFC 8785 form of
 * `{digest, transport[, artifact]}`. The transport is in it because the diff grades a
 * transport change like any other change: approving a surface must not let another program or
 * host through. Anyone can recompute it from a lockfile entry.
 */
export function approvalDigest(server: Pick<LockedServer, 'transport' | 'surface' | 'artifact'>): string {
  const approved: JsonObject = { digest: surfaceDigest(server.surface), transport: transportJson(server.transport) };
  // The artifact pin too (which bytes run): approving a surface must not let other code through.
  // Absent for a server with no pin, so the digests of such servers are what they always were.
  if (server.artifact !== undefined) approved.artifact = artifactJson(server.artifact);
  return digestOf(approved);
}

function identityJson(surface: ServerSurface): JsonObject {
  const { serverInfo, protocolVersion, capabilities, instructions } = surface.identity;
  const identity: JsonObject = { serverInfo, protocolVersion, capabilities };
  if (instructions !== undefined) identity.instructions = instructions;
  return identity;
}

function transportJson(transport: TransportRecord): JsonObject {
  if (transport.type === 'stdio') {
    return { type: 'stdio', command: transport.command, args: transport.args, env: [...new Set(transport.env)].sort() };
  }
  return { type: transport.type, url: transport.url, headers: [...new Set(transport.headers)].sort() };
}

/** The JSON document of a lockfile (plain data, ready for canonical printing). */
export function lockfileJson(lock: Lockfile): JsonObject {
  const servers: JsonObject = createRecord();
  for (const name of Object.keys(lock.servers).sort()) {
    const server = lock.servers[name] as LockedServer;
    const entry: JsonObject = {
      digest: surfaceDigest(server.surface),
      transport: transportJson(server.transport),
      identity: identityJson(server.surface),
    };
    if (server.artifact !== undefined) entry.artifact = artifactJson(server.artifact);
    for (const kind of ITEM_KINDS) {
      const collection = ITEM_COLLECTION[kind];
      const items = server.surface[collection];
      const written: JsonObject = createRecord();
      for (const key of Object.keys(items).sort()) {
        // The definition as read: every printer here orders its keys (RFC 8785) as it prints.
        const definition = items[key]!;
        written[key] = { digest: canonicalInfo(definition).digest, definition };
      }
      entry[collection] = written;
    }
    servers[name] = entry;
  }
  return { lockfileVersion: LOCKFILE_VERSION, servers };
}

/**
 * The exact bytes of `mcp-lock.json`: RFC 8785 key order, two-space indentation, a final
 * newline. The same surface always gives the same bytes, whatever order the server listed
 * items or object keys in.
 */
export function serializeLockfile(lock: Lockfile): string {
  return `${prettyCanonical(lockfileJson(lock))}\n`;
}

/** Nesting depth of an item definition in the lockfile: document, servers, server, collection, entry, definition. */
const DEFINITION_DEPTH = 5;

/**
 * An item definition as `serializeLockfile` prints it inside the lockfile (its lines indented
 * for their depth): the text `lock` printed as the definition's page arrived (canonicalEntry,
 * in the same walk as its digest) when there is one, else printed now.
 */
export function definitionText(definition: JsonObject): string {
  // Printed once (and remembered); a definition was depth-checked when it was read.
  return cachedPretty(definition, DEFINITION_DEPTH) ?? canonicalEntry(definition, Infinity, DEFINITION_DEPTH)!.pretty;
}

/**
 * The bytes of `serializeLockfile(lock)`, in pieces, for writing a large lockfile without
 * building it as one string first: the same document, with keys in RFC 8785 order (UTF-16 code
 * units, as the canonical printer sorts them) and two-space indentation, each definition's text
 * from `definitionText`. tests/lock/stream.test.ts compares the two on large and odd surfaces.
 */
export function* lockfileChunks(lock: Lockfile): Generator<string> {
  yield* prettyChunks(lockfileJson(lock), 0);
  yield '\n';
}

function* prettyChunks(node: unknown, depth: number): Generator<string> {
  if (depth === DEFINITION_DEPTH - 1) {
    // An item's entry ({definition, digest}): one piece, not one per member through every level
    // of generators above it (10,000 items made that a visible share of writing the file).
    yield prettyText(node, depth);
    return;
  }
  if (typeof node !== 'object' || node === null || Array.isArray(node) || depth >= DEFINITION_DEPTH) {
    const cached = depth === DEFINITION_DEPTH && typeof node === 'object' && node !== null ? cachedPretty(node, DEFINITION_DEPTH) : undefined;
    // Any other value below the descended levels: printed whole, indented for its depth.
    yield cached ?? prettyCanonical(node, 2, depth);
    return;
  }
  const record = node as Record<string, unknown>;
  const keys = Object.keys(record)
    .filter((key) => record[key] !== undefined)
    .sort();
  if (keys.length === 0) {
    yield '{}';
    return;
  }
  const inner = `\n${'  '.repeat(depth + 1)}`;
  for (let i = 0; i < keys.length; i++) {
    yield `${i === 0 ? '{' : ','}${inner}${JSON.stringify(keys[i])}: `;
    yield* prettyChunks(record[keys[i]!], depth + 1);
  }
  yield `\n${'  '.repeat(depth)}}`;
}

/** What prettyChunks yields for `node` at `depth`, as one string. */
function prettyText(node: unknown, depth: number): string {
  if (typeof node !== 'object' || node === null || Array.isArray(node) || depth >= DEFINITION_DEPTH) {
    const cached = depth === DEFINITION_DEPTH && typeof node === 'object' && node !== null ? cachedPretty(node, DEFINITION_DEPTH) : undefined;
    if (cached !== undefined) return cached;
    return typeof node === 'string' ? JSON.stringify(node) : prettyCanonical(node, 2, depth);
  }
  const record = node as Record<string, unknown>;
  const keys = Object.keys(record)
    .filter((key) => record[key] !== undefined)
    .sort();
  if (keys.length === 0) return '{}';
  const inner = `\n${'  '.repeat(depth + 1)}`;
  let text = '';
  for (let i = 0; i < keys.length; i++) text += `${i === 0 ? '{' : ','}${inner}${JSON.stringify(keys[i])}: ${prettyText(record[keys[i]!], depth + 1)}`;
  return `${text}\n${'  '.repeat(depth)}}`;
}

/** A lockfile from servers, sorted by name. */
export function createLockfile(servers: LockedServer[]): Lockfile {
  const record = createRecord<LockedServer>();
  for (const server of servers) record[server.name] = server;
  return { lockfileVersion: LOCKFILE_VERSION, servers: sortedRecord(record) };
}
