import { describe, expect, it } from 'vitest';
import { surfaceDigest } from '../../src/lockfile/build.js';
import type { ServerSurface } from '../../src/lockfile/types.js';
import { createRecord } from '../../src/util/record.js';
import { demoSurface } from '../helpers/lockfiles.js';

// lock asks for a server's surface digest several times (the lockfile, its summary, the
// approval digest), so it is remembered per surface: a surface that changed in any way must be
// digested again, never answered from memory.

function surface(): ServerSurface {
  const s = demoSurface({ a: { inputSchema: { type: 'object' } }, b: { description: 'second', inputSchema: { type: 'object' } } });
  s.prompts.p = { name: 'p' };
  return s;
}

/** The digest of a fresh copy: what surfaceDigest must say about the changed surface. */
const fresh = (s: ServerSurface) => surfaceDigest(JSON.parse(JSON.stringify(s)) as ServerSurface);

describe('surfaceDigest remembered per surface', () => {
  it('gives the same digest again for an unchanged surface', () => {
    const s = surface();
    const first = surfaceDigest(s);
    expect(surfaceDigest(s)).toBe(first);
    expect(fresh(s)).toBe(first);
  });

  const changes: [string, (s: ServerSurface) => void][] = [
    ['an item replaced under its name', (s) => (s.tools.b = { name: 'b', description: 'changed', inputSchema: { type: 'object' } })],
    ['an item added', (s) => (s.tools.c = { name: 'c', inputSchema: { type: 'object' } })],
    ['an item removed', (s) => delete s.tools.a],
    ['an item moved to another name', (s) => {
      s.tools.z = s.tools.a!;
      delete s.tools.a;
    }],
    ['a whole collection replaced', (s) => (s.prompts = createRecord())],
    ['the identity replaced', (s) => (s.identity = { ...s.identity, protocolVersion: '2024-11-05' })],
    ['a member of the identity replaced', (s) => (s.identity.instructions = 'new instructions')],
    ['the serverInfo replaced', (s) => (s.identity.serverInfo = { name: 'demo', version: '2.0.0' })],
    // Changed in place, not replaced: the identity is compared by value.
    ['the serverInfo version changed in place', (s) => ((s.identity.serverInfo as { version: string }).version = '2.0.0')],
    ['a capability added in place', (s) => ((s.identity.capabilities as Record<string, unknown>).prompts = {})],
  ];

  it.each(changes)('digests again after %s', (_what, change) => {
    const s = surface();
    const before = surfaceDigest(s);
    change(s);
    const after = surfaceDigest(s);
    expect(after).not.toBe(before);
    expect(after).toBe(fresh(s));
  });
});
