import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, expect } from 'vitest';
import { runCli } from './cli.js';
import type { AddressInfo } from 'node:net';

/** One JSON-RPC request as the fixture sees it. */
export interface HttpRequest {
  id?: number;
  method: string;
  params?: { protocolVersion?: string; name?: string; [key: string]: unknown };
}

/**
 * A Streamable HTTP MCP server on loopback for tests of what real servers will not do: it
 * answers initialize (with `name` and `capabilities`), tools/list (with `tools`) and every other
 * request with `{}` as JSON, takes notifications with 202, refuses GET with 405, and hands each
 * tools/call to `onCall`, which writes the response itself (an error status, an event stream).
 */
export async function startHttpServer(options: {
  name: string;
  tools: unknown[];
  capabilities?: Record<string, unknown>;
  onCall: (message: HttpRequest & { id: number }, res: ServerResponse, req: IncomingMessage) => void;
}): Promise<{ url: string; server: Server; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    if (req.method !== 'POST') return void res.writeHead(405).end();
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const m = JSON.parse(body) as HttpRequest;
      if (m.id === undefined) return void res.writeHead(202).end();
      if (m.method === 'tools/call') return options.onCall(m as HttpRequest & { id: number }, res, req);
      const result =
        m.method === 'initialize'
          ? { protocolVersion: m.params?.protocolVersion, capabilities: options.capabilities ?? { tools: {} }, serverInfo: { name: options.name, version: '1.0.0' } }
          : m.method === 'tools/list'
            ? { tools: options.tools }
            : {};
      res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 's1' }).end(JSON.stringify({ jsonrpc: '2.0', id: m.id, result }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
  const close = async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  };
  return { url, server, close };
}

/** One server-sent event carrying a JSON-RPC message. */
export const sseEvent = (message: unknown) => `event: message\ndata: ${JSON.stringify(message)}\n\n`;

/**
 * A startHttpServer for a whole test file: started and locked into `http.json` in `dir` before
 * its tests (`mcptrust lock --url`, which must pass), closed after them. `url` is set once started.
 */
export function lockedHttpServer(dir: string, env: NodeJS.ProcessEnv, options: Parameters<typeof startHttpServer>[0]): { url: string } {
  const state = { url: '' };
  let close: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const started = await startHttpServer(options);
    state.url = started.url;
    close = started.close;
    const r = await runCli(['lock', '-o', 'http.json', '--url', started.url], { cwd: dir, env });
    expect(r.code, r.stderr).toBe(0);
  }, 60_000);
  afterAll(async () => {
    await close?.();
  });
  return state;
}
