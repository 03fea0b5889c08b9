import { canonicalInfo, digestOf, prettyCanonical, type JsonObject } from '../canonical/index.js';
import { createRecord, sortedRecord, type NameRecord } from '../util/record.js';
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
 * The digest over a server's whole surface: its identity and the digest of every item. The
 * transport is left out on purpose, so moving a server from `npx` to a local path does not
 * count as a change of what it offers.
 */
export function surfaceDigest(surface: ServerSurface): string {
  return digestOf({
    identity: identityJson(surface),
    tools: digestItems(surface.tools),
    prompts: digestItems(surface.prompts),
    resources: digestItems(surface.resources),
    resourceTemplates: digestItems(surface.resourceTemplates),
  });
}

/**
 * The digest a reviewer approves (`lock --approve`): the server's surface digest (the `digest`
 * its lockfile entry records) together with how it is launched or reached (its `transport`), as
 * the RFC 8785 form of `{digest, transport}`. The transport is in it because the diff grades a
 * transport change like any other change: approving a surface must not let another program or
 * host through. Anyone can recompute it from a lockfile entry.
 */
export function approvalDigest(server: Pick<LockedServer, 'transport' | 'surface'>): string {
  return digestOf({ digest: surfaceDigest(server.surface), transport: transportJson(server.transport) });
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
    for (const kind of ITEM_KINDS) {
      const collection = ITEM_COLLECTION[kind];
      const items = server.surface[collection];
      const written: JsonObject = createRecord();
      for (const key of Object.keys(items).sort()) {
        const info = canonicalInfo(items[key]);
        written[key] = { digest: info.digest, definition: info.sorted as JsonObject };
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

/** A lockfile from servers, sorted by name. */
export function createLockfile(servers: LockedServer[]): Lockfile {
  const record = createRecord<LockedServer>();
  for (const server of servers) record[server.name] = server;
  return { lockfileVersion: LOCKFILE_VERSION, servers: sortedRecord(record) };
}
