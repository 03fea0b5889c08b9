// `lock` writes the lockfile in pieces (lockfileChunks, each definition printed as its page
// arrived) instead of one ~10 MB string: the bytes must be exactly serializeLockfile's, and the
// write as atomic as before.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '../../src/canonical/index.js';
import { createLockfile, definitionText, lockfileChunks, serializeLockfile } from '../../src/lockfile/build.js';
import { parseLockfile } from '../../src/lockfile/parse.js';
import type { LockedServer } from '../../src/lockfile/types.js';
import { createRecord } from '../../src/util/record.js';
import { writeFileAtomic } from '../../src/util/fs.js';
import { fixtureServer, runCli, tempDir } from '../helpers/cli.js';

let scratch: ReturnType<typeof tempDir>;
beforeAll(() => {
  scratch = tempDir();
});
afterAll(() => scratch.cleanup());

function server(name: string, tools: JsonObject[], extra: Partial<LockedServer['surface']> = {}): LockedServer {
  const record = createRecord<JsonObject>();
  for (const t of tools) record[t.name as string] = t;
  return {
    name,
    transport: { type: 'stdio', command: 'node', args: ['server.mjs', '--flag'], env: ['TOKEN', 'A'] },
    surface: {
      identity: { serverInfo: { name, version: '1.0.0' }, protocolVersion: '2025-11-25', capabilities: { tools: {}, prompts: { listChanged: true } }, instructions: 'Use\nwith care' },
      tools: record,
      prompts: createRecord(),
      resources: createRecord(),
      resourceTemplates: createRecord(),
      ...extra,
    },
  };
}

// Keys out of order, nested schemas, arrays, escapes, non-ASCII and astral characters, empty
// containers, numbers JSON prints in exponent form.
function tool(i: number): JsonObject {
  return {
    name: `tool_${String(i).padStart(5, '0')}`,
    inputSchema: { type: 'object', required: ['id'], properties: { limit: { maximum: 100, minimum: 1, type: 'integer' }, id: { type: 'string', description: `id "${i}"\t\u2028` } } },
    description: `Tool ${i}: reads a record — ünïcödé 𝒳 and a line\nbreak`,
    annotations: { readOnlyHint: i % 2 === 0, title: '' },
    _meta: { list: [1, 2.5, 1e21, -0, [], {}, null, true] },
  };
}

const joined = (lock: Parameters<typeof serializeLockfile>[0]) => [...lockfileChunks(lock)].join('');

describe('lockfileChunks', () => {
  it('gives the bytes of serializeLockfile for a 10,000-tool surface, with and without texts printed ahead', () => {
    const tools = Array.from({ length: 10_000 }, (_, i) => tool((i * 7919) % 10_000));
    const lock = createLockfile([server('big', tools)]);
    const expected = serializeLockfile(lock);
    expect(expected.length).toBeGreaterThan(5_000_000);
    // First with nothing printed ahead (the fall-back path), then as lock does it.
    expect(joined(lock)).toBe(expected);
    for (const t of tools) definitionText(t);
    expect(joined(lock)).toBe(expected);
  });

  it('gives the same bytes where JavaScript cannot key-order (integer-like and __proto__ keys) and for odd names', () => {
    const odd: JsonObject[] = [
      { name: '10', description: 'integer-like name', inputSchema: { type: 'object', properties: { '2': { type: 'string' }, '10': { type: 'string' }, b: {} } } },
      { name: '9', description: 'another', inputSchema: { type: 'object' } },
      { name: '__proto__', description: 'prototype name', inputSchema: { type: 'object' } },
      { name: 'z\u0000"\\', description: '', inputSchema: { type: 'object' } },
      { name: 'é', description: 'non-ASCII name', inputSchema: { type: 'object' } },
      { name: '\u{1d4b3}', description: 'astral name', inputSchema: { type: 'object' } },
      { name: '\uff21', description: 'sorts by UTF-16 units', inputSchema: { type: 'object' } },
    ];
    const prompts = createRecord<JsonObject>();
    prompts.p = { name: 'p', arguments: [{ name: 'a', required: true }] };
    const lock = createLockfile([server('s2', odd, { prompts }), server('1', [tool(1)]), server('__proto__', [])]);
    for (const t of odd) definitionText(t);
    expect(joined(lock)).toBe(serializeLockfile(lock));
    expect(serializeLockfile(parseLockfile(joined(lock)))).toBe(joined(lock));
  });
});

describe('writeFileAtomic with text pieces', () => {
  it('writes exactly the joined pieces, across batch boundaries', () => {
    const path = join(scratch.dir, 'pieces.json');
    const pieces = Array.from({ length: 30_000 }, (_, i) => `${i}:ä𝒳\n`);
    writeFileAtomic(path, pieces);
    expect(readFileSync(path, 'utf8')).toBe(pieces.join(''));
  });

  it('leaves the old file and no temporary file when producing the pieces fails, and rethrows that error', () => {
    const dir = join(scratch.dir, 'fail');
    const path = join(dir, 'mcp-lock.json');
    mkdirSync(dir);
    writeFileSync(path, 'old\n');
    const boom = new TypeError('non-finite number in JSON');
    function* pieces() {
      // More than one batch first, so part of the new content is already on disk.
      for (let i = 0; i < 3_000; i++) yield 'x'.repeat(1_000);
      throw boom;
    }
    expect(() => writeFileAtomic(path, pieces())).toThrow(boom);
    expect(readFileSync(path, 'utf8')).toBe('old\n');
    expect(readdirSync(dir)).toEqual(['mcp-lock.json']);
  });
});

describe('mcptrust lock (streamed write)', () => {
  it('writes the canonical bytes of what it read, and a relock of the same surface is unchanged', async () => {
    const out = join(scratch.dir, 'shuffle.json');
    const env = { PATH: process.env.PATH, HOME: scratch.dir };
    const args = ['lock', '--name', 'shuffle', '-o', out, '--', ...fixtureServer('shuffle-server.mjs', '--tools=1200', '--page=100', '--seed=3')];
    const r = await runCli(args, { cwd: scratch.dir, env });
    expect(r.code).toBe(0);
    const text = readFileSync(out, 'utf8');
    const lock = parseLockfile(text);
    expect(Object.keys(lock.servers.shuffle!.surface.tools)).toHaveLength(1200);
    expect(text).toBe(serializeLockfile(lock));
    expect((await runCli(args, { cwd: scratch.dir, env })).code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(text);
    expect(existsSync(out)).toBe(true);
    expect(readdirSync(scratch.dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
