import { ToolSchema } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { isCommonTool } from '../../src/mcp/surface.js';

// lock checks each listed tool with a hand check first and leaves the rest to the SDK's
// ToolSchema (which also words the error). The hand check must never accept what the schema
// refuses: a tool it lets through is locked without the schema's look.

const base = () => ({
  name: 'read_file',
  title: 'Read file',
  description: 'Reads a file',
  inputSchema: { type: 'object', properties: { path: { type: 'string' }, n: { type: 'integer' } }, required: ['path'], additionalProperties: false },
  outputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
  annotations: { title: 'Read', readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  execution: { taskSupport: 'optional' },
  _meta: { 'vendor/x': 1 },
  extra: 'kept',
});

const PATHS = [
  ['name'], ['title'], ['description'], ['icons'], ['inputSchema'], ['outputSchema'], ['annotations'], ['execution'], ['_meta'], ['__proto__'], ['constructor'],
  ['inputSchema', 'type'], ['inputSchema', 'properties'], ['inputSchema', 'required'], ['inputSchema', 'properties', 'path'], ['inputSchema', 'required', '0'], ['inputSchema', '__proto__'],
  ['inputSchema', 'properties', '__proto__'], ['outputSchema', 'type'], ['outputSchema', 'properties', 'text'], ['outputSchema', 'required'],
  ['annotations', 'title'], ['annotations', 'readOnlyHint'], ['annotations', 'destructiveHint'], ['annotations', 'idempotentHint'], ['annotations', 'openWorldHint'], ['annotations', '__proto__'],
  ['execution', 'taskSupport'], ['execution', '__proto__'], ['_meta', '__proto__'], ['_meta', 'x'],
];
const DELETE = Symbol('delete');
const VALUES: unknown[] = [DELETE, null, 0, -1.5, '', 'x', 'object', 'optional', 'forbidden', 'required', true, false, [], ['a'], [1], {}, { type: 'object' }, { a: {} }, { a: 1 }, [{}]];

/** Sets (or deletes) a member at a path, as an own data member even for "__proto__". */
function mutate(tool: Record<string, unknown>, path: string[], value: unknown): void {
  let node: Record<string, unknown> = tool;
  for (const key of path.slice(0, -1)) {
    const next = Object.prototype.hasOwnProperty.call(node, key) ? node[key] : undefined;
    if (typeof next !== 'object' || next === null) return;
    node = next as Record<string, unknown>;
  }
  const last = path[path.length - 1]!;
  if (value === DELETE) delete node[last];
  else Object.defineProperty(node, last, { value, enumerable: true, writable: true, configurable: true });
}

/** The tool as a server's JSON reaches lock: parsed from text (own "__proto__" members stay data). */
const asReceived = (tool: unknown) => JSON.parse(JSON.stringify(tool)) as unknown;

describe('isCommonTool (the hand check before ToolSchema)', () => {
  it('accepts the common tool shapes, with and without the optional members', () => {
    expect(isCommonTool(asReceived(base()))).toBe(true);
    expect(isCommonTool(asReceived({ name: 't', inputSchema: { type: 'object' } }))).toBe(true);
  });

  it('never accepts a tool ToolSchema refuses: every single and double mutation of a full tool', () => {
    let accepted = 0;
    let refusedBySchema = 0;
    let sentToSchema = 0;
    const check = (tool: unknown) => {
      const schemaOk = ToolSchema.safeParse(tool).success;
      if (!schemaOk) refusedBySchema++;
      if (isCommonTool(tool)) {
        accepted++;
        expect(schemaOk, JSON.stringify(tool)).toBe(true);
      } else sentToSchema++;
    };
    let seed = 99;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (const path of PATHS) {
      for (const value of VALUES) {
        const one = base();
        mutate(one, path, value);
        check(asReceived(one));
        // and a second, random mutation on top
        const two = base();
        mutate(two, path, value);
        mutate(two, PATHS[rand(PATHS.length)]!, VALUES[rand(VALUES.length)]);
        check(asReceived(two));
      }
    }
    // The run exercised both sides: many accepted by hand, many refused by the schema.
    expect(accepted).toBeGreaterThan(200);
    expect(refusedBySchema).toBeGreaterThan(200);
    expect(sentToSchema).toBeGreaterThanOrEqual(refusedBySchema);
  });

  it('leaves what it does not recognise to the schema: icons, an own "__proto__", a null', () => {
    expect(isCommonTool(asReceived({ ...base(), icons: [{ src: 'data:,' }] }))).toBe(false);
    expect(ToolSchema.safeParse(asReceived({ ...base(), icons: [{ src: 'data:,' }] })).success).toBe(true);
    expect(isCommonTool(JSON.parse('{"name":"t","inputSchema":{"type":"object"},"__proto__":{}}'))).toBe(false);
    expect(isCommonTool(asReceived({ ...base(), title: null }))).toBe(false);
    expect(isCommonTool(asReceived({ ...base(), inputSchema: { type: 'object', properties: [] } }))).toBe(false);
    expect(isCommonTool(null)).toBe(false);
    expect(isCommonTool([])).toBe(false);
  });
});
