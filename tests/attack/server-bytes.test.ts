// A server's raw bytes, before any JSON parser sees them: a message nested millions of levels
// deep is refused by a one-pass count (JSON.parse of a 16 MiB line of "[" took 15 s and 700 MB),
// and bytes that are not UTF-8 are a protocol violation, never replaced by U+FFFD and pinned as
// a name the server did not send. Over stdio and HTTP alike.
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_MESSAGE_DEPTH, messageTooDeepError } from '../../src/mcp/duplicates.js';
import { repoRoot, runCli, tempDir } from '../helpers/cli.js';

const rawServer = join(repoRoot, 'tests', 'attack', 'fixtures', 'raw-server.mjs');
const env = { PATH: process.env.PATH, HOME: process.env.HOME };
let cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

async function lockIn(args: string[]) {
  const scratch = tempDir();
  cleanups.push(scratch.cleanup);
  const out = join(scratch.dir, 'mcp-lock.json');
  const r = await runCli(['lock', '--timeout', '30s', '-o', out, ...args], { cwd: scratch.dir, env });
  return { ...r, written: existsSync(out) };
}

/** An HTTP MCP server that answers with `body(id, method)` bytes as application/json. */
async function httpServer(body: (id: number, method: string) => Buffer | undefined): Promise<string> {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST') return void res.writeHead(405).end();
      const msg = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id?: number; method: string };
      if (msg.id === undefined) return void res.writeHead(202).end();
      const custom = body(msg.id, msg.method);
      const result =
        msg.method === 'initialize'
          ? { protocolVersion: '2025-06-18', capabilities: { tools: {} }, serverInfo: { name: 'raw', version: '1.0.0' } }
          : { tools: [{ name: 'read', inputSchema: { type: 'object' } }] };
      res.writeHead(200, { 'content-type': 'application/json' }).end(custom ?? JSON.stringify({ jsonrpc: '2.0', id: msg.id, result }));
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise((ok) => server.close(ok));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
}

const notUtf8 = (id: number) =>
  Buffer.concat([
    Buffer.from(`{"jsonrpc":"2.0","id":${id},"result":{"tools":[{"name":"read`),
    Buffer.from([0xff, 0xc0, 0x80, 0xed, 0xa0, 0x80]),
    Buffer.from('","inputSchema":{"type":"object"}}]}}'),
  ]);

describe('nesting counted on the raw text, before JSON.parse', () => {
  it('counts only brackets outside strings, escapes included', () => {
    expect(messageTooDeepError(`${'['.repeat(MAX_MESSAGE_DEPTH)}${']'.repeat(MAX_MESSAGE_DEPTH)}`)).toBeUndefined();
    expect(messageTooDeepError(`["${'['.repeat(MAX_MESSAGE_DEPTH + 10)}\\"${'{'.repeat(10)}"]`)).toBeUndefined();
    expect(messageTooDeepError('['.repeat(MAX_MESSAGE_DEPTH + 1))?.code).toBe('ITEM_TOO_DEEP');
  });

  it('stdio: a 16 MiB line of "[": exit 3 naming the depth bound, not a parse of it', async () => {
    const r = await lockIn(['--', process.execPath, rawServer, '--mode=brackets']);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(`error: server sent a message nested more than ${MAX_MESSAGE_DEPTH} levels deep (mcptrust stopped reading there; the limit per item is 256 levels) (during initialize)\n`);
    expect(r.written).toBe(false);
  });

  it('HTTP: a JSON body of 8 MiB of "[": exit 3 naming the depth bound', async () => {
    const url = await httpServer((_, method) => (method === 'tools/list' ? Buffer.from('['.repeat(8 * 1024 * 1024)) : undefined));
    const r = await lockIn(['--url', url]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(new RegExp(`^error: server sent a message nested more than ${MAX_MESSAGE_DEPTH} levels deep`));
    expect(r.written).toBe(false);
  });
});

describe('bytes that are not UTF-8', () => {
  it('stdio: a tool name with invalid UTF-8: exit 3, nothing written', async () => {
    const r = await lockIn(['--', process.execPath, rawServer, '--mode=not-utf8']);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe('error: server sent a message that is not valid UTF-8 (MCP messages are UTF-8 JSON text) (during tools/list)\n');
    expect(r.written).toBe(false);
  });

  it('HTTP: a tool name with invalid UTF-8: exit 3, nothing written', async () => {
    const url = await httpServer((id, method) => (method === 'tools/list' ? notUtf8(id) : undefined));
    const r = await lockIn(['--url', url]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^error: server sent a message that is not valid UTF-8/);
    expect(r.written).toBe(false);
  });
});
