import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/cli.js';
import { ProxyProcess } from '../proxy/harness.js';

// A Streamable HTTP server that answers initialize and tools/list, but refuses every tools/call
// POST with HTTP 500. The transport's send rejected and the proxy swallowed it: the agent's
// request waited for --timeout and was then told the server "did not answer" — it must be told
// at once that the request could not be delivered.
const scratch = tempDir('mcptrust-proxy-http-');
const env = { PATH: process.env.PATH, HOME: scratch.dir };
let server: Server;
let url = '';
const read = { name: 'read', inputSchema: { type: 'object', properties: { name: { type: 'string' } } } };

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.method !== 'POST') return void res.writeHead(405).end();
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const m = JSON.parse(body) as { id?: number; method: string; params?: { protocolVersion?: string } };
      if (m.id === undefined) return void res.writeHead(202).end();
      if (m.method === 'tools/call') return void res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error');
      const result =
        m.method === 'initialize'
          ? { protocolVersion: m.params?.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: 'http-500', version: '1.0.0' } }
          : m.method === 'tools/list'
            ? { tools: [read] }
            : {};
      res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 's1' }).end(JSON.stringify({ jsonrpc: '2.0', id: m.id, result }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
  const r = await runCli(['lock', '-o', 'http.json', '--url', url], { cwd: scratch.dir, env });
  expect(r.code, r.stderr).toBe(0);
}, 60_000);
afterAll(async () => {
  await new Promise((r) => server.close(r));
  scratch.cleanup();
});

describe('proxy over HTTP: a request the server refuses', () => {
  it('is answered with an error at once, not left to time out', async () => {
    const p = new ProxyProcess(['--lock', 'http.json', '--timeout', '20s', '--url', url], scratch.dir);
    await p.initialize();
    const answer = await p.call(1, 'tools/call', { name: 'read', arguments: { name: 'x' } });
    const error = answer.error as { code: number; message: string };
    expect(error.code).toBe(-32000);
    expect(error.message).toMatch(/could not deliver tools\/call to the server \(HTTP 500\)/);
    expect(error.message).not.toMatch(/did not answer/);
    p.child.stdin.end();
    expect((await p.exited).code).toBe(0);
  }, 60_000);
});
