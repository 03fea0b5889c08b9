import type { JsonObject } from '../../src/canonical/index.js';
import { createLockfile } from '../../src/lockfile/build.js';
import type { Lockfile, ServerSurface, TransportRecord } from '../../src/lockfile/types.js';
import { createRecord } from '../../src/util/record.js';
import { driftSurface } from '../../testdata/servers/drift-surface.mjs';

const keyed = (items: Record<string, unknown>[], field: string) => {
  const out = createRecord<JsonObject>();
  for (const item of items) out[item[field] as string] = item as JsonObject;
  return out;
};

/** The drift fixture's surface with `switches`, as an in-memory lockfile (no process started). */
export function driftLock(switches: readonly string[] = [], name = 'drift-fixture', transport: TransportRecord = { type: 'stdio', command: 'node', args: ['drift-server.mjs'], env: [] }): Lockfile {
  const s = driftSurface(switches);
  const surface: ServerSurface = {
    identity: { serverInfo: s.serverInfo as JsonObject, protocolVersion: '2025-11-25', capabilities: s.capabilities as JsonObject, instructions: s.instructions },
    tools: keyed(s.tools, 'name'),
    prompts: keyed(s.prompts, 'name'),
    resources: keyed(s.resources, 'uri'),
    resourceTemplates: keyed(s.resourceTemplates, 'uriTemplate'),
  };
  return createLockfile([{ name, transport, surface }]);
}

/** A one-tool lockfile, for focused rules. */
export function toolLock(tool: JsonObject, server = 's'): Lockfile {
  const tools = createRecord<JsonObject>();
  tools[tool.name as string] = tool;
  return createLockfile([
    {
      name: server,
      transport: { type: 'stdio', command: 'x', args: [], env: [] },
      surface: { identity: { serverInfo: { name: server, version: '1' }, protocolVersion: '2025-11-25', capabilities: { tools: {} } }, tools, prompts: createRecord(), resources: createRecord(), resourceTemplates: createRecord() },
    },
  ]);
}
