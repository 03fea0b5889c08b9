// The bounds on a server as a whole (tests of issue 9): the surface size summed over every list
// (and over every server read together), the depth of one item (one rule for lock and for the
// lockfile reader), and duplicate member names inside a definition, over stdio and HTTP. Each
// case asserts the exit code, the message naming the bound, and that nothing was written.
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, MAX_ITEM_DEPTH, readServers, ServerError } from '../../src/mcp/index.js';
import { LOCKFILE_ITEM_WRAP, LockfileError, MAX_LOCKFILE_DEPTH, parseLockfile } from '../../src/lockfile/parse.js';
import { createLockfile, serializeLockfile } from '../../src/lockfile/build.js';
import { createRecord } from '../../src/util/record.js';
import { fixtureServer, runCli, tempDir } from '../helpers/cli.js';

async function lockIn(argv: string[]) {
  const { dir, cleanup } = tempDir();
  try {
    const r = await runCli(argv, { cwd: dir });
    return { ...r, files: readdirSync(dir) };
  } finally {
    cleanup();
  }
}

const bulk = (...args: string[]) => fixtureServer('bulk-server.mjs', ...args);

describe('the surface size bound', () => {
  it('3,000 tools of 1 MB each (every per-item, per-message and item-count bound kept): exit 3 naming the bound, nothing written', async () => {
    // Before the bound: the heap limit after ~90 s (exit 134). It stops within the first pages.
    const r = await lockIn(['lock', '--', ...bulk('--mode=large-tools', '--count=3000', '--size=1000000', '--page=15')]);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/^error: tool "tool_\d+" takes the surface over the surface size limit of 64 MiB \(its size in the lockfile, summed over all lists of the server\)$/m);
    expect(r.stderr).not.toMatch(/heap|Invalid string length|\n\s+at /);
    expect(r.files).toEqual([]);
  }, 120_000);

  it('is shared by the servers read together (a --config lock is bounded as a whole)', async () => {
    const target = { kind: 'stdio' as const, command: process.execPath, args: bulk('--mode=large-tools', '--count=4', '--size=100000', '--page=2').slice(1), env: {} };
    // Each server takes about 400 KB of lockfile: one fits under 600 KB, two do not.
    const limits = { ...DEFAULT_LIMITS, maxSurfaceBytes: 600_000 };
    const one = await readServers([{ name: 'a', target }], limits);
    expect(Object.keys(one.servers[0]!.surface.tools)).toHaveLength(4);
    const error = await readServers([{ name: 'a', target }, { name: 'b', target }], limits, {}, 1).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ServerError);
    expect((error as ServerError).code).toBe('SURFACE_TOO_LARGE');
    expect((error as ServerError).details.join('\n')).toMatch(/over the surface size limit of 585\.9 KiB \(its size in the lockfile, summed over all lists of the 2 servers read together\)/);
  }, 60_000);

  it('counts what the lockfile will hold: a surface within it serializes to no more than the bound', async () => {
    const target = { kind: 'stdio' as const, command: process.execPath, args: bulk('--mode=large-tools', '--count=4', '--size=100000', '--page=2').slice(1), env: {} };
    const read = await readServers([{ name: 'a', target }], { ...DEFAULT_LIMITS, maxSurfaceBytes: 600_000 });
    const bytes = Buffer.byteLength(serializeLockfile(createLockfile(read.servers)));
    expect(bytes).toBeGreaterThan(400_000);
    expect(bytes).toBeLessThanOrEqual(600_000);
  }, 60_000);
});

/** A definition nested exactly `n` levels (the definition itself is level 1), as the fixture builds it. */
function deepDefinition(n: number): Record<string, unknown> {
  let level = 2;
  let levels = 0;
  while (level + 2 <= n) {
    level += 2;
    levels++;
  }
  let schema: Record<string, unknown> = level === n ? { type: 'object' } : { type: 'object', properties: {} };
  for (let i = 0; i < levels; i++) schema = { type: 'object', properties: { x: schema } };
  return { name: 'deep', description: `A tool nested ${n} levels deep.`, inputSchema: schema };
}

describe('the item depth bound (one rule for lock and the lockfile reader)', () => {
  it('a 10,000-level schema: exit 3 naming the depth bound, no stack overflow, nothing written', async () => {
    const r = await lockIn(['lock', '--', ...bulk('--mode=deep', '--depth=10000')]);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(`error: tool "deep" nests more than ${MAX_ITEM_DEPTH} levels deep, over the depth limit of ${MAX_ITEM_DEPTH} levels per item\n`);
    expect(r.files).toEqual([]);
  });

  it.each([10_000, MAX_ITEM_DEPTH + 1])("the server's identity nested %d levels (capabilities): exit 3 naming the bound", async (depth) => {
    const r = await lockIn(['lock', '--', ...bulk('--mode=deep-identity', `--depth=${depth}`)]);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(`error: the server's capabilities nests more than 256 levels deep, over the depth limit of 256 levels per item\n`);
    expect(r.files).toEqual([]);
  });

  it("the server's identity nested to the bound: locked, and read back", async () => {
    const { dir, cleanup } = tempDir();
    try {
      const server = bulk('--mode=deep-identity', `--depth=${MAX_ITEM_DEPTH}`);
      const lock = await runCli(['lock', '--', ...server], { cwd: dir });
      expect(lock.code, lock.stderr).toBe(0);
      const diff = await runCli(['diff', '--', ...server], { cwd: dir });
      expect(diff.code, diff.stderr).toBe(0);
    } finally {
      cleanup();
    }
  });

  it('one level over the bound: refused by lock (exit 3), nothing written', async () => {
    const r = await lockIn(['lock', '--', ...bulk('--mode=deep', `--depth=${MAX_ITEM_DEPTH + 1}`)]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^error: tool "deep" nests more than 256 levels deep, over the depth limit of 256 levels per item$/m);
    expect(r.files).toEqual([]);
  });

  it('at the bound: locked, and the lockfile then passes sign, verify, diff, policy, check and scan --lock', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const server = bulk('--mode=deep', `--depth=${MAX_ITEM_DEPTH}`);
      const run = (...argv: string[]) => runCli(argv, { cwd: dir });
      const lock = await run('lock', '--', ...server);
      expect(lock.code, lock.stderr).toBe(0);
      const text = readFileSync(join(dir, 'mcp-lock.json'), 'utf8');
      expect(parseLockfile(text).servers['bulk-deep']!.surface.tools.deep).toEqual(deepDefinition(MAX_ITEM_DEPTH));
      expect((await run('keygen', '--name', 'k')).code).toBe(0);
      expect((await run('sign', '--key', 'k.key')).code).toBe(0);
      const steps: [string[], number][] = [
        [['verify', '--key', 'k.pub'], 0],
        [['diff', '--', ...server], 0],
        [['diff', '--against', 'mcp-lock.json'], 0],
        [['policy', 'check', '--preset', 'strict', '--', ...server], 0],
        [['check', '--key', 'k.pub', '--preset', 'baseline', '--', ...server], 0],
        [['scan', '--lock', 'mcp-lock.json'], 0],
        // A change deep inside: drift found and graded (exit 1), not a refusal of the lockfile.
        [['diff', '--', ...bulk('--mode=deep', `--depth=${MAX_ITEM_DEPTH - 1}`)], 1],
      ];
      for (const [argv, code] of steps) {
        const r = await run(...argv);
        expect(r.code, `${argv.slice(0, 2).join(' ')}: ${r.stderr}`).toBe(code);
        expect(r.stderr).not.toMatch(/call stack|levels deep/);
      }
    } finally {
      cleanup();
    }
  }, 120_000);

  it('the reader accepts the item bound plus the lockfile wrapping, and refuses one level more', () => {
    expect(MAX_LOCKFILE_DEPTH).toBe(MAX_ITEM_DEPTH + LOCKFILE_ITEM_WRAP);
    const lockWith = (depth: number) => {
      const tools = createRecord<never>();
      tools.deep = deepDefinition(depth) as never;
      const surface = {
        identity: { serverInfo: { name: 'd', version: '1' }, protocolVersion: '2025-06-18', capabilities: { tools: {} } },
        tools,
        prompts: createRecord<never>(),
        resources: createRecord<never>(),
        resourceTemplates: createRecord<never>(),
      };
      return serializeLockfile(createLockfile([{ name: 'd', transport: { type: 'stdio', command: 'x', args: [], env: [] }, surface }]));
    };
    expect(parseLockfile(lockWith(MAX_ITEM_DEPTH)).servers.d!.surface.tools.deep).toEqual(deepDefinition(MAX_ITEM_DEPTH));
    let error: unknown;
    try {
      parseLockfile(lockWith(MAX_ITEM_DEPTH + 1), 'deep.json');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(LockfileError);
    expect((error as LockfileError).code).toBe('MALFORMED_JSON');
    expect((error as Error).message).toBe(`deep.json is not valid JSON: nested more than ${MAX_LOCKFILE_DEPTH} levels deep`);
  });
});

describe('duplicate member names inside a definition', () => {
  it('over stdio, inside an input schema: exit 3 naming the list, the item and the key, nothing written', async () => {
    const r = await lockIn(['lock', '--', ...bulk('--mode=duplicate-key')]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(
      /^error: server sent tool "search" \(item 2 of its tools list\) with the key "query" twice in inputSchema\.properties; JSON parsers disagree on which one counts, so mcptrust refuses the definition \(during tools\/list\)$/m,
    );
    expect(r.files).toEqual([]);
  });

  it('over stdio, at the top of a definition (two descriptions): exit 3', async () => {
    const r = await lockIn(['lock', '--', ...bulk('--mode=duplicate-key-top')]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^error: server sent tool "read" \(item 1 of its tools list\) with the key "description" twice at the top of its definition;/m);
    expect(r.files).toEqual([]);
  });

  const DUPLICATE_RESULT =
    '{"tools":[{"name":"search","inputSchema":{"type":"object","properties":{"q":{"type":"string"},"q":{"type":"number"}}}}]}';

  async function withHttpServer<T>(eventStream: boolean, use: (url: string) => Promise<T>): Promise<T> {
    const sockets = new Set<Socket>();
    const server: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        if (req.method !== 'POST') {
          res.writeHead(405).end();
          return;
        }
        const message = JSON.parse(body) as { id?: number; method?: string };
        if (message.id === undefined) {
          res.writeHead(202).end();
          return;
        }
        const result =
          message.method === 'initialize'
            ? JSON.stringify({ protocolVersion: '2025-06-18', capabilities: { tools: {} }, serverInfo: { name: 'dup-http', version: '1' } })
            : message.method === 'tools/list'
              ? DUPLICATE_RESULT
              : undefined;
        const text = result === undefined ? JSON.stringify({ jsonrpc: '2.0', id: message.id, error: { code: -32601, message: 'no' } }) : `{"jsonrpc":"2.0","id":${message.id},"result":${result}}`;
        if (eventStream) {
          // The message split over two chunks, the event ended by CRLF CRLF.
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.write(`event: message\r\ndata: ${text.slice(0, 40)}`);
          setTimeout(() => res.end(`${text.slice(40)}\r\n\r\n`), 20);
        } else {
          res.writeHead(200, { 'content-type': 'application/json' }).end(text);
        }
      });
    });
    server.on('connection', (s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      return await use(`http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    }
  }

  it.each([
    ['a JSON response', false],
    ['an event stream', true],
  ])('over Streamable HTTP, in %s: exit 3 naming the item and the key, nothing written', async (_, eventStream) => {
    await withHttpServer(eventStream, async (url) => {
      const r = await lockIn(['lock', '--transport', 'streamable-http', '--timeout', '20s', '--url', url]);
      expect(r.code, r.stderr).toBe(3);
      // Ended when the message is refused (this message, not a TIMEOUT at the 20s --timeout).
      expect(r.stderr).toMatch(/^error: server sent tool "search" \(item 1 of its tools list\) with the key "q" twice in inputSchema\.properties;/m);
      expect(r.files).toEqual([]);
    });
  }, 20_000 + 30_000);

  it('a well-formed server still locks (no false positive on escaped quotes and colons in strings)', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const r = await runCli(['lock', '--', ...fixtureServer('example-server.mjs')], { cwd: dir });
      expect(r.code, r.stderr).toBe(0);
      expect(existsSync(join(dir, 'mcp-lock.json'))).toBe(true);
    } finally {
      cleanup();
    }
  });
});
