// The proxy compiles locked tools' schemas before it answers the agent's initialize
// (Enforcer.compileAll). Before that change, a tool's schemas were compiled on its first call
// only, so a lock's size did not delay the first answer. Compiling keeps every validator in
// memory, and a lock `mcptrust lock` writes may hold 64 MiB of schemas: compiling all of them up
// front held the agent's initialize for seconds and grew the proxy by hundreds of megabytes
// (5,000 tools of 20 properties, 7 MB of lock: 6.5 s of CPU and 240 MB; 10,000 tools of 90, 61 MB:
// 10 s and 460 MB). The up-front work is bounded; the tools past the bound are compiled on first
// use, with the same verdicts.
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../src/canonical/index.js';
import type { LockedServer } from '../../src/lockfile/types.js';
import { Enforcer } from '../../src/proxy/enforce.js';
import { lockedServer } from '../helpers/lockfiles.js';

const COUNT = 2_000;

function lockOf(count: number): LockedServer {
  const tools: JsonObject[] = [];
  for (let i = 0; i < count; i++) {
    const properties: Record<string, JsonObject> = {};
    for (let j = 0; j < 20; j++) properties[`p${j}`] = { type: 'string', maxLength: 10 + i + j };
    tools.push({ name: `t${i}`, inputSchema: { type: 'object', properties, required: ['p0'], additionalProperties: false } });
  }
  return lockedServer({ tools });
}

const compiled = (e: Enforcer) => (e as unknown as { inputs: Map<string, unknown> }).inputs;

describe('the schemas compiled before the agent is answered are bounded', () => {
  it('a lock of 2,000 tools of 20 properties has only its first tools compiled up front; the others decide the same on first use', () => {
    const server = lockOf(COUNT);
    const eager = new Enforcer(server);
    eager.compileAll();
    const upFront = compiled(eager).size;
    expect(upFront).toBeGreaterThan(0);
    expect(upFront).toBeLessThan(COUNT / 4);
    const lazy = new Enforcer(server);
    for (const i of [0, upFront - 1, upFront, COUNT - 1]) {
      for (const args of [{ p0: 'x' }, { p1: 'x' }, { p0: 'x'.repeat(10 + i + 1) }, { p0: 'x', extra: 1 }]) {
        const params = { name: `t${i}`, arguments: args };
        expect(eager.checkRequest('tools/call', params)).toEqual(lazy.checkRequest('tools/call', params));
      }
    }
    expect(eager.checkRequest('tools/call', { name: `t${COUNT - 1}`, arguments: { p0: 'x', extra: 1 } }).verdict).toBe('blocked');
    expect(eager.checkRequest('tools/call', { name: `t${COUNT - 1}`, arguments: { p0: 'x' } }).verdict).toBe('allowed');
  });
});
