// Hostile HTTP servers against `mcptrust lock --url`: each is a small node:http server on an
// ephemeral 127.0.0.1 port, defined here, that stops itself (every socket is destroyed when
// the test ends, and no response lives longer than SELF_STOP_MS). Each case asserts the exit
// code, the message (a hanging step's TIMEOUT names the --timeout) and that nothing was written;
// no wall time is asserted (speed belongs in `npm run bench`), the test's own timeout is the hang guard.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, ServerError } from '../../src/mcp/index.js';
import { readServerSurface } from '../../src/mcp/surface.js';
import { runCli, tempDir } from '../helpers/cli.js';

// Long enough for every step a fixture does answer to pass on a loaded machine (at 500 ms the
// well-behaved sanity case itself timed out under load); the hanging step ends by it.
const TIMEOUT = '3s';
/**
 * The hang guard (vitest timeout) of a case that ends by the --timeout: the 3 s bound plus
 * generous slack for a loaded machine. The promise checked is "ends by the timeout", shown by
 * the TIMEOUT message naming it; speed is for the benchmarks.
 */
const GUARD_MS = 3_000 + 30_000;
/** No fixture response outlives this, whatever the client does. */
const SELF_STOP_MS = 15_000;
const SECRET = 'sk-live-9f8e7d6c5b4a';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string, port: number) => void;

async function withServer<T>(handler: Handler, use: (url: string, port: number) => Promise<T>): Promise<T> {
  const sockets = new Set<Socket>();
  let port = 0;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      if (body.length < 1_000_000) body += c;
    });
    req.on('end', () => handler(req, res, body, port));
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const stop = setTimeout(() => {
    for (const s of sockets) s.destroy();
    server.close();
  }, SELF_STOP_MS);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
  try {
    return await use(`http://127.0.0.1:${port}/mcp`, port);
  } finally {
    clearTimeout(stop);
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  }
}

function rpc(body: string): { id?: number; method?: string } {
  try {
    return JSON.parse(body) as { id?: number; method?: string };
  } catch {
    return {};
  }
}

const INIT_RESULT = { protocolVersion: '2025-06-18', capabilities: { tools: {} }, serverInfo: { name: 'http-fixture', version: '1.0.0' } };

/** Answers initialize and tools/list properly as JSON; `override` handles what it wants first. */
function mcpHandler(override?: (req: IncomingMessage, res: ServerResponse, msg: { id?: number; method?: string }) => boolean): Handler {
  return (req, res, body) => {
    const msg = rpc(body);
    if (override?.(req, res, msg)) return;
    if (req.method !== 'POST') {
      res.writeHead(405).end();
      return;
    }
    if (msg.id === undefined) {
      res.writeHead(202).end();
      return;
    }
    const result = msg.method === 'initialize' ? INIT_RESULT : msg.method === 'tools/list' ? { tools: [{ name: 'echo', inputSchema: { type: 'object' } }] } : {};
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: msg.id, result }));
  };
}

async function lockAgainst(handler: Handler, extra: string[] = [], env: NodeJS.ProcessEnv = {}) {
  const { dir, cleanup } = tempDir();
  try {
    const r = await withServer(handler, (url) =>
      runCli(['lock', '--timeout', TIMEOUT, '--url', url, ...extra], { cwd: dir, env: { PATH: process.env.PATH, ...env } }),
    );
    return { ...r, files: readdirSync(dir) };
  } finally {
    cleanup();
  }
}

describe.concurrent('lock --url against a hostile HTTP server', () => {
  it('sanity: a well-behaved fixture locks (exit 0)', async () => {
    const r = await lockAgainst(mcpHandler());
    expect(r.code, r.stderr).toBe(0);
    expect(r.files).toEqual(['mcp-lock.json']);
  });

  it('legacy SSE that sends keep-alives forever and never an endpoint: exit 3 by the timeout', async () => {
    const r = await lockAgainst(
      mcpHandler((req, res) => {
        if (req.method === 'POST') {
          res.writeHead(404).end();
          return true;
        }
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        const t = setInterval(() => res.write(': keep-alive\n\n'), 50);
        res.on('close', () => clearInterval(t));
        return true;
      }),
    );
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/^error: server did not answer initialize within 3s/m);
    expect(r.files).toEqual([]);
  }, GUARD_MS);

  it('slow-loris: never sends response headers: exit 3 by the timeout', async () => {
    const r = await lockAgainst(() => {}, ['--transport', 'sse']);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/^error: server did not answer initialize within 3s/m);
    expect(r.files).toEqual([]);
  }, GUARD_MS);

  it('answers initialize, then never answers the initialized notification: exit 3 by the timeout', async () => {
    const r = await lockAgainst(mcpHandler((_req, _res, msg) => msg.method === 'notifications/initialized'));
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/^error: server did not answer notifications\/initialized within 3s/m);
    expect(r.files).toEqual([]);
  }, GUARD_MS);

  it('streams SSE keep-alives forever in answer to initialize: exit 3 by the timeout', async () => {
    const r = await lockAgainst(
      mcpHandler((req, res, msg) => {
        if (msg.method !== 'initialize') return false;
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        const t = setInterval(() => res.write(': keep-alive\n\n'), 50);
        res.on('close', () => clearInterval(t));
        return true;
      }),
    );
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/^error: server did not answer initialize within 3s/m);
    expect(r.files).toEqual([]);
  }, GUARD_MS);

  it('trickles a tools/list body a byte at a time (slow-loris body): exit 3 by the timeout', async () => {
    const r = await lockAgainst(
      mcpHandler((_req, res, msg) => {
        if (msg.method !== 'tools/list') return false;
        res.writeHead(200, { 'content-type': 'application/json' });
        const t = setInterval(() => res.write(' '), 20);
        res.on('close', () => clearInterval(t));
        return true;
      }),
    );
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/^error: server did not answer tools\/list within 3s/m);
    expect(r.files).toEqual([]);
  }, GUARD_MS);

  it('redirects to another origin: not followed, exit 3, the secret header never sent there', async () => {
    let leaked = false;
    const r = await withServer(
      (req, res) => {
        if (req.headers['x-api-key'] !== undefined) leaked = true;
        res.writeHead(500).end();
      },
      async (otherUrl) => {
        return lockAgainst(
          (_req, res) => void res.writeHead(307, { location: otherUrl }).end(),
          ['--header', 'X-Api-Key: ${KEY}'],
          { KEY: SECRET },
        );
      },
    );
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/redirect/i);
    expect(leaked).toBe(false);
    expect(r.stderr).not.toContain(SECRET);
    expect(r.files).toEqual([]);
  });

  it('sends a 100 KB response header: exit 3 with a one-line message, no stack', async () => {
    const r = await lockAgainst((_req, res) => void res.writeHead(200, { 'x-junk': 'a'.repeat(100_000) }).end('{}'));
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/^error: /);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.files).toEqual([]);
  });

  it('echoes the Authorization header back in its error body: the value is redacted', async () => {
    const r = await lockAgainst(
      (req, res) => void res.writeHead(401, { 'content-type': 'text/plain' }).end(`bad token: ${req.headers.authorization}`),
      ['--transport', 'streamable-http', '--header', 'Authorization: Bearer ${TOKEN}'],
      { TOKEN: SECRET },
    );
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/HTTP 401/);
    expect(r.stderr).not.toContain(SECRET);
    expect(r.stderr).toContain('[REDACTED]');
  });

  it('echoes a header in a JSON-RPC error to tools/list: the value is redacted', async () => {
    const r = await lockAgainst(
      mcpHandler((req, res, msg) => {
        if (msg.method !== 'tools/list') return false;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ jsonrpc: '2.0', id: msg.id, error: { code: -32000, message: `forbidden for key ${String(req.headers['x-api-key'])}` } }));
        return true;
      }),
      ['--header', 'X-Api-Key: ${KEY}'],
      { KEY: SECRET },
    );
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr, r.stderr).toMatch(/^error: server returned an error to tools\/list: forbidden for key \[REDACTED\]/m);
    expect(r.stderr).not.toContain(SECRET);
  });

  it('a URL with user:password: the password never reaches stderr or the lockfile, sent as Basic auth', async () => {
    let auth: string | undefined;
    const { dir, cleanup } = tempDir();
    try {
      const r = await withServer(
        mcpHandler((req) => {
          auth ??= req.headers.authorization;
          return false;
        }),
        (url) => runCli(['lock', '--timeout', '5s', '--url', url.replace('http://', `http://me:${SECRET}@`)], { cwd: dir, env: { PATH: process.env.PATH } }),
      );
      expect(r.code, r.stderr).toBe(0);
      expect(auth).toBe(`Basic ${Buffer.from(`me:${SECRET}`).toString('base64')}`);
      const text = (await import('node:fs')).readFileSync(join(dir, 'mcp-lock.json'), 'utf8');
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain('me@');
      expect(r.stderr + r.stdout).not.toContain(SECRET);
    } finally {
      cleanup();
    }
  });

  it('a URL with userinfo against a server that is down: exit 3, the password not in the message', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const port = await withServer(() => {}, async (_u, p) => p);
      const r = await runCli(['lock', '--timeout', '2s', '--url', `http://me:${SECRET}@127.0.0.1:${port}/mcp?token=${SECRET}`], { cwd: dir, env: { PATH: process.env.PATH } });
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr).toMatch(/cannot connect to the server \(ECONNREFUSED\)/);
      expect(r.stderr).not.toContain(SECRET);
      expect(existsSync(join(dir, 'mcp-lock.json'))).toBe(false);
    } finally {
      cleanup();
    }
  });
});

describe('an unexpected failure while reading a server', () => {
  it('is a ServerError (exit 3) with one escaped, scrubbed line, never a raw TypeError', async () => {
    const target = { kind: 'http' as const, url: `http://[${SECRET}\u001b[2J`, headers: { 'X-Key': SECRET }, transport: 'auto' as const };
    const error = await readServerSurface(target, DEFAULT_LIMITS).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerError);
    expect((error as ServerError).code).toBe('PROTOCOL');
    expect((error as ServerError).message).toMatch(/^server could not be read: /);
    expect((error as ServerError).message).not.toContain(SECRET);
    expect((error as ServerError).message).not.toContain('\u001b');
  });
});
