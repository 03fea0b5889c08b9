import { describe, expect, it } from 'vitest';
import { canonicalize, digestOf, type JsonObject } from '../../src/canonical/index.js';
import { digestRecordText, surfaceDigest } from '../../src/lockfile/build.js';
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

describe('surfaceDigest printed through JSON.stringify where the names allow it', () => {
  /** The digest as the canonical printer alone gives it: RFC 8785 of the whole object form. */
  const byPrinter = (s: ServerSurface) => {
    const digests = (items: Record<string, unknown>) => Object.fromEntries(Object.keys(items).map((k) => [k, digestOf(items[k])]));
    const { serverInfo, protocolVersion, capabilities, instructions } = s.identity;
    const identity = instructions === undefined ? { serverInfo, protocolVersion, capabilities } : { serverInfo, protocolVersion, capabilities, instructions };
    return digestOf({ identity, tools: digests(s.tools), prompts: digests(s.prompts), resources: digests(s.resources), resourceTemplates: digests(s.resourceTemplates) });
  };
  const names: [string, string[]][] = [
    ['plain names', ['read_file', 'write_file', 'a', 'B']],
    ['integer-like names (JavaScript enumerates them first)', ['10', '9', '1', 'a', '$', '4294967294', '01']],
    ['one integer-like name after a name that sorts before digits', ['$schema', '0']],
    ['"__proto__", "constructor", unicode and escapes', ['__proto__', 'constructor', 'é', '\ud83d\ude02', '\ue000', '"quoted"', 'back\\slash', '\u0000']],
  ];
  it.each(names)('%s: the same digest as the printer alone', (_label, list) => {
    const s = surface();
    for (const name of list) {
      s.tools[name] = { name, inputSchema: { type: 'object' } };
      s.prompts[name] = { name };
      s.resources[name] = { uri: name, name };
    }
    expect(surfaceDigest(s)).toBe(byPrinter(s));
    const tools = createRecord<JsonObject>();
    for (const name of list) tools[name] = { name };
    expect(digestRecordText(tools)).toBe(canonicalize(Object.fromEntries(list.map((n) => [n, digestOf({ name: n })]))));
  });
});
