import { createLockfile, serializeLockfile } from '../../src/lockfile/build.js';
import type { JsonObject } from '../../src/canonical/index.js';
import { LockfileError, lockfileText, parseLockfile, type ParseOptions } from '../../src/lockfile/parse.js';
import { parseLockfileBytes } from '../../src/lockfile/read.js';
import { ITEM_COLLECTION, ITEM_KINDS, type LockedServer, type Lockfile, type ServerSurface } from '../../src/lockfile/types.js';
import { createRecord } from '../../src/util/record.js';

/** The bytes of a real lockfile with one server and one tool, `read` (the crypto tests sign it). */
export function oneToolLockText(options: { server?: string; description?: string; args?: string[]; capabilities?: JsonObject } = {}): string {
  const { server = 'notes', description = 'Read a note.', args = ['s.mjs'], capabilities = { tools: {} } } = options;
  const tools = Object.create(null);
  tools.read = { name: 'read', description, inputSchema: { type: 'object' } };
  return serializeLockfile(
    createLockfile([
      {
        name: server,
        transport: { type: 'stdio', command: 'node', args, env: [] },
        surface: {
          identity: { serverInfo: { name: server, version: '1' }, protocolVersion: '2025-11-25', capabilities },
          tools,
          prompts: Object.create(null),
          resources: Object.create(null),
          resourceTemplates: Object.create(null),
        },
      },
    ]),
  );
}

/**
 * The bytes of a real lockfile with several servers, each offering the named tools (name →
 * description), e.g. `{ files: { read_file: 'Read a file.' }, docs: { 'read_fіle': 'Read a doc.' } }`.
 */
export function serversLockText(servers: Record<string, Record<string, string>>): string {
  return serializeLockfile(
    createLockfile(
      Object.entries(servers).map(([server, named]) => {
        const tools = Object.create(null);
        for (const [name, description] of Object.entries(named)) tools[name] = { name, description, inputSchema: { type: 'object' } };
        return {
          name: server,
          transport: { type: 'stdio' as const, command: 'node', args: [`${server}.mjs`], env: [] },
          surface: {
            identity: { serverInfo: { name: server, version: '1' }, protocolVersion: '2025-11-25', capabilities: { tools: {} } },
            tools,
            prompts: Object.create(null),
            resources: Object.create(null),
            resourceTemplates: Object.create(null),
          },
        };
      }),
    ),
  );
}

/** Null-prototype records of `items`, keyed by `key` (as the lockfile keeps a collection). */
function recordOf(items: JsonObject[], key: string): Record<string, JsonObject> {
  const record = Object.create(null) as Record<string, JsonObject>;
  for (const item of items) record[item[key] as string] = item;
  return record;
}

/**
 * One locked server (`s` unless named, launched as `node s.mjs`) offering the given tools and
 * resource templates, each as the lockfile stores it: what the proxy and policy tests enforce.
 */
export function lockedServer(options: { tools?: JsonObject[]; resourceTemplates?: JsonObject[]; name?: string; capabilities?: JsonObject } = {}): LockedServer {
  const { tools = [], resourceTemplates = [], name = 's', capabilities = { tools: {} } } = options;
  return {
    name,
    transport: { type: 'stdio', command: 'node', args: ['s.mjs'], env: [] },
    surface: {
      identity: { serverInfo: { name, version: '1' }, protocolVersion: '2025-11-25', capabilities },
      tools: recordOf(tools, 'name'),
      prompts: Object.create(null) as Record<string, JsonObject>,
      resources: Object.create(null) as Record<string, JsonObject>,
      resourceTemplates: recordOf(resourceTemplates, 'uriTemplate'),
    },
  };
}

/** The bytes of a real lockfile with one server (`s` unless named) offering the given tools, each as the lockfile stores it. */
export function toolsLockText(tools: JsonObject[], server = 's'): string {
  return serializeLockfile(createLockfile([lockedServer({ tools, name: server })]));
}

/**
 * The surface of a server "demo" 1.0.0 offering `tools` (name → the rest of its definition), no
 * prompts or resources: the input of createLockfile and surfaceDigest in the lockfile tests.
 */
export function demoSurface(tools: Record<string, object>): ServerSurface {
  const s: ServerSurface = {
    identity: { serverInfo: { name: 'demo', version: '1.0.0' }, protocolVersion: '2025-11-25', capabilities: { tools: {} } },
    tools: createRecord(),
    prompts: createRecord(),
    resources: createRecord(),
    resourceTemplates: createRecord(),
  };
  for (const [name, def] of Object.entries(tools)) s.tools[name] = { name, ...def } as never;
  return s;
}

/** A read's lockfile, or its LockfileError as "CODE: message" (anything else is thrown on). */
export type ReadOutcome = { lock: Lockfile; error?: undefined } | { error: string; lock?: undefined };

export function readOutcome(read: () => Lockfile): ReadOutcome {
  try {
    return { lock: read() };
  } catch (error) {
    if (!(error instanceof LockfileError)) throw error;
    return { error: `${error.code}: ${error.message}` };
  }
}

/**
 * The same bytes read by parseLockfileBytes (src/lockfile/read.ts) and by the strict reader, with
 * the same options: both outcomes, and whether the first was read on its bytes.
 */
export function readBothWays(bytes: Uint8Array, source: string, options: ParseOptions): { fast: ReadOutcome; strict: ReadOutcome; onBytes: boolean } {
  let onBytes = false;
  const fast = readOutcome(() => {
    const read = parseLockfileBytes(bytes, source, options);
    onBytes = read.onBytes;
    return read.lock;
  });
  const strict = readOutcome(() => parseLockfile(lockfileText(bytes, source), source, options));
  return { fast, strict, onBytes };
}

/**
 * The items of a lazily read lockfile (readLockfileForDiff) whose definitions were parsed: read
 * at least once, or put there since (a plain member, not the reader's accessor), as
 * "server kind key", sorted.
 */
export function parsedItems(lock: Lockfile): string[] {
  const out: string[] = [];
  for (const [name, server] of Object.entries(lock.servers)) {
    for (const kind of ITEM_KINDS) {
      const record = server.surface[ITEM_COLLECTION[kind]];
      for (const key of Object.keys(record)) if (Object.getOwnPropertyDescriptor(record, key)!.get === undefined) out.push(`${name} ${kind} ${key}`);
    }
  }
  return out.sort();
}
