import { constants } from 'node:buffer';
import type { ArtifactPin } from '../artifact/types.js';
import type { JsonObject } from '../canonical/index.js';
import type { NameRecord } from '../util/record.js';

/** The lockfile format versions this build reads. Anything else is refused (exit 2). */
export const LOCKFILE_VERSION = 1;
export const SUPPORTED_LOCKFILE_VERSIONS: readonly number[] = [1];
export const DEFAULT_LOCKFILE = 'mcp-lock.json';
/**
 * Largest lockfile read (10,000 items of up to 1 MiB each would not fit; real ones are far
 * smaller): 512 MiB, or less where the JavaScript engine's longest string is shorter (V8's is
 * 24 bytes short of 512 MiB), since every reader but verify decodes the file into one string.
 */
export const MAX_LOCKFILE_BYTES = Math.min(512 * 1024 * 1024, constants.MAX_STRING_LENGTH);

/** The four kinds of item a server lists, with the field that names each item. */
export const ITEM_KINDS = ['tool', 'prompt', 'resource', 'resourceTemplate'] as const;
export type ItemKind = (typeof ITEM_KINDS)[number];

export const ITEM_COLLECTION: Record<ItemKind, 'tools' | 'prompts' | 'resources' | 'resourceTemplates'> = {
  tool: 'tools',
  prompt: 'prompts',
  resource: 'resources',
  resourceTemplate: 'resourceTemplates',
};
export const ITEM_KEY_FIELD: Record<ItemKind, 'name' | 'uri' | 'uriTemplate'> = {
  tool: 'name',
  prompt: 'name',
  resource: 'uri',
  resourceTemplate: 'uriTemplate',
};

/** What the server says about itself in its initialize result. */
export interface ServerIdentity {
  serverInfo: JsonObject;
  protocolVersion: string;
  capabilities: JsonObject;
  instructions?: string;
}

/**
 * Everything a server offers an agent. Items are kept whole, exactly as the server sent them
 * (after schema validation), keyed by their name (tools, prompts), uri (resources) or
 * uriTemplate (templates), in null-prototype records.
 */
export interface ServerSurface {
  identity: ServerIdentity;
  tools: NameRecord<JsonObject>;
  prompts: NameRecord<JsonObject>;
  resources: NameRecord<JsonObject>;
  resourceTemplates: NameRecord<JsonObject>;
}

/** How the server was reached. Names of env vars and headers only, never their values. */
export type TransportRecord =
  | { type: 'stdio'; command: string; args: string[]; env: string[] }
  | { type: 'streamable-http' | 'sse'; url: string; headers: string[] };

export interface LockedServer {
  name: string;
  transport: TransportRecord;
  surface: ServerSurface;
  /**
   * Which code a stdio server runs (src/artifact/types.ts): the resolved package and its
   * dependency tree, image digest or local file digests. Absent for HTTP servers and in
   * lockfiles written before artifacts were pinned: such a server is "not pinned".
   */
  artifact?: ArtifactPin;
}

export interface Lockfile {
  lockfileVersion: number;
  servers: NameRecord<LockedServer>;
}
