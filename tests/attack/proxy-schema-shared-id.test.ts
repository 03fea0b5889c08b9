import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../src/canonical/index.js';
import { Enforcer } from '../../src/proxy/enforce.js';
import { lockedServer } from '../helpers/lockfiles.js';

// Locked schemas were compiled into one shared ajv instance, which keeps every schema by its
// `$id`. Two tools whose schemas share an `$id` (generated schemas often do): the second was
// blocked as uncompilable. And a tool whose schema is only a `$ref` to that id compiled with
// the other tool's schema once that had been compiled (order-dependent), though the proxy
// promises that a `$ref` to anything outside the schema does not compile.
const a: JsonObject = { name: 'a', inputSchema: { $id: 'https://example.com/args', type: 'object', properties: { x: { type: 'string' }, next: { $ref: '#' } }, additionalProperties: false } };
const b: JsonObject = { name: 'b', inputSchema: { $id: 'https://example.com/args', type: 'object', properties: { y: { type: 'number' } }, additionalProperties: false } };
const c: JsonObject = { name: 'c', inputSchema: { $ref: 'https://example.com/args' } };
const server = lockedServer({ tools: [a, b, c] });
const call = (e: Enforcer, name: string, args: unknown) => e.checkRequest('tools/call', { name, arguments: args });

describe('proxy: locked schemas are compiled each on its own', () => {
  it('two tools with the same $id both validate, each by its own schema', () => {
    const e = new Enforcer(server);
    expect(call(e, 'a', { x: 'ok', next: { x: 'deeper' } }).verdict).toBe('allowed');
    expect(call(e, 'b', { y: 1 }).verdict).toBe('allowed');
    expect(call(e, 'b', { x: 'ok' }).verdict).toBe('blocked');
    // a's recursive schema still works after b was compiled.
    expect(call(e, 'a', { x: 'ok', next: { y: 1 } }).verdict).toBe('blocked');
    expect(call(e, 'a', { x: 'ok', next: { x: 'fine' } }).verdict).toBe('allowed');
  });

  it('a $ref to another tool\'s $id does not compile, whatever was compiled before', () => {
    const e = new Enforcer(server);
    expect(call(e, 'a', { x: 'ok' }).verdict).toBe('allowed');
    const decision = call(e, 'c', { x: 'ok' });
    expect(decision.verdict).toBe('blocked');
    expect(decision.reason).toMatch(/cannot be compiled/);
  });
});
