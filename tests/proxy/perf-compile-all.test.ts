// The proxy compiles every locked tool's schemas before it answers the agent's initialize
// (cmd/commands/proxy.ts calls Enforcer.compileAll while the server boots), so the first
// tools/call no longer loads ajv and compiles the 2020-12 meta-schema (about a second on a busy
// machine). Pinned here: compileAll compiles every inputSchema and outputSchema up front, and an
// enforcer that did decides every call and result exactly as one that compiles on first use.
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../src/canonical/index.js';
import { Enforcer } from '../../src/proxy/enforce.js';
import { lockedServer } from '../helpers/lockfiles.js';

const tools: JsonObject[] = [
  { name: 'echo', inputSchema: { type: 'object', properties: { message: { type: 'string', maxLength: 20 } }, required: ['message'], additionalProperties: false } },
  { name: 'weather', inputSchema: { type: 'object' }, outputSchema: { type: 'object', properties: { temperature: { type: 'number' } }, required: ['temperature'] } },
  { name: 'lookaround', inputSchema: { type: 'object', properties: { s: { type: 'string', pattern: '(?=a)b' } } } },
  { name: 'old', inputSchema: { $schema: 'http://json-schema.org/draft-04/schema#', type: 'object' } },
  { name: 'seven', inputSchema: { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', properties: { n: { type: 'number' } } } },
  { name: 'bad-output', inputSchema: { type: 'object' }, outputSchema: { $ref: 'http://169.254.169.254/schema.json' } },
  { name: 'no-schema' },
];

const server = lockedServer({ tools });

const compiled = (e: Enforcer) => e as unknown as { inputs: Map<string, unknown>; outputs: Map<string, unknown> };

describe('Enforcer.compileAll', () => {
  it('compiles every locked inputSchema and outputSchema before any call', () => {
    const eager = new Enforcer(server);
    expect(compiled(eager).inputs.size).toBe(0);
    eager.compileAll();
    expect([...compiled(eager).inputs.keys()].sort()).toEqual(tools.map((t) => t.name).sort());
    expect([...compiled(eager).outputs.keys()].sort()).toEqual(['bad-output', 'weather']);
  });

  it('decides every call and result as an enforcer that compiles on first use', () => {
    const eager = new Enforcer(server);
    eager.compileAll();
    const lazy = new Enforcer(server);
    const calls = [
      { name: 'echo', arguments: { message: 'hi' } },
      { name: 'echo', arguments: { message: 5 } },
      { name: 'echo', arguments: { message: 'x', path: '/etc' } },
      { name: 'lookaround', arguments: { s: 'b' } },
      { name: 'old', arguments: {} },
      { name: 'seven', arguments: { n: 'x' } },
      { name: 'seven', arguments: { n: 1 } },
      { name: 'no-schema', arguments: {} },
      { name: 'not-locked', arguments: {} },
    ];
    for (const params of calls) expect(eager.checkRequest('tools/call', params)).toEqual(lazy.checkRequest('tools/call', params));
    const results: [string, unknown][] = [
      ['weather', { content: [], structuredContent: { temperature: 3 } }],
      ['weather', { content: [], structuredContent: { temperature: 'hot' } }],
      ['weather', { content: [] }],
      ['bad-output', { content: [], structuredContent: {} }],
      ['echo', { content: [] }],
    ];
    for (const [name, result] of results) expect(eager.checkToolResult(name, result)).toEqual(lazy.checkToolResult(name, result));
    // And the refusals are the ones the schemas call for, not merely equal.
    expect(eager.checkRequest('tools/call', { name: 'old', arguments: {} }).reason).toMatch(/dialect the proxy does not validate/);
    expect(eager.checkToolResult('bad-output', { content: [], structuredContent: {} })).toMatchObject({ verdict: 'blocked', reason: expect.stringMatching(/^outputSchema: the locked schema cannot be compiled/) });
  });
});
