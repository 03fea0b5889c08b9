import { createLockfile, serializeLockfile } from '../../src/lockfile/build.js';
import type { JsonObject } from '../../src/canonical/index.js';

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

/** The bytes of a real lockfile with one server (`s` unless named) offering the given tools, each as the lockfile stores it. */
export function toolsLockText(tools: JsonObject[], server = 's'): string {
  const record = Object.create(null) as Record<string, JsonObject>;
  for (const t of tools) record[t.name as string] = t;
  return serializeLockfile(
    createLockfile([
      {
        name: server,
        transport: { type: 'stdio', command: 'node', args: ['s.mjs'], env: [] },
        surface: {
          identity: { serverInfo: { name: server, version: '1' }, protocolVersion: '2025-11-25', capabilities: { tools: {} } },
          tools: record,
          prompts: Object.create(null),
          resources: Object.create(null),
          resourceTemplates: Object.create(null),
        },
      },
    ]),
  );
}
