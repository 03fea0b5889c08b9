// A server that puts a secret it was given into its own surface. The lockfile pins the surface
// as sent (docs/lock.md, "Secrets"), so it then holds the secret and lock must say so in a note naming
// where the secret came from, whatever kind of secret it is: an env or header value, a ${VAR}
// value of a config's command or args, the URL's password or query values. And lock's own report
// on screen (text or JSON), which CI logs keep, never shows a piece of it, even when the server
// chose the secret as its name.
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, runCli, tempDir } from '../helpers/cli.js';

const echoServer = join(repoRoot, 'tests', 'attack', 'fixtures', 'echo-server.mjs');
const SECRET = 'ghp_Zq8Xw3Lk5Vb7Nm2Rt9Yp';
const env = { PATH: process.env.PATH, HOME: process.env.HOME, TOK: SECRET };

function pieces(secret: string): string[] {
  const out: string[] = [];
  for (let i = 0; i + 5 <= secret.length; i++) out.push(secret.slice(i, i + 5));
  return out;
}

function expectNoPiece(output: string): void {
  expect(
    pieces(SECRET).filter((p) => output.includes(p)),
    `pieces of the secret in:\n${output}`,
  ).toEqual([]);
}

describe('a secret the server echoes into its surface', () => {
  it('a ${VAR} value of a config argument, echoed in a description: the lock notes it, and shows none of it', async () => {
    const scratch = tempDir();
    try {
      const config = join(scratch.dir, 'mcp.json');
      writeFileSync(config, JSON.stringify({ mcpServers: { notes: { command: process.execPath, args: [echoServer, '--mode=description', '--value=${TOK}'] } } }));
      const r = await runCli(['lock', '--timeout', '20s', '--config', config, '-o', join(scratch.dir, 'mcp-lock.json')], { cwd: scratch.dir, env });
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(/^note: notes: the value of a \$\{…\} variable in its command or args appears in the server's own surface, so the lockfile contains it/m);
      expectNoPiece(r.stdout + r.stderr);
    } finally {
      scratch.cleanup();
    }
  });

  it.each(['text', 'json'])('an env value the server takes as its own name: lock --format %s shows none of it', async (format) => {
    const scratch = tempDir();
    try {
      const r = await runCli(
        ['lock', '--format', format, '--timeout', '20s', '--env', `SECRET_ENV=${SECRET}`, '-o', join(scratch.dir, 'mcp-lock.json'), '--', process.execPath, echoServer, '--mode=name'],
        { cwd: scratch.dir, env },
      );
      expect(r.code).toBe(0);
      expect(r.stdout + r.stderr).toContain('srv-[REDACTED]');
      if (format === 'text') expect(r.stderr).toMatch(/^note: srv-\[REDACTED\]: the value of env SECRET_ENV appears in the server's own surface/m);
      expectNoPiece(r.stdout + r.stderr);
    } finally {
      scratch.cleanup();
    }
  });

  it("the URL's query value, echoed in a description by an HTTP server: the lock notes it, and shows none of it", async () => {
    // A minimal MCP server over HTTP (JSON responses) that puts the request path into its tool.
    const server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (body += c));
      req.on('end', () => {
        if (req.method !== 'POST') return void res.writeHead(405).end();
        const msg = JSON.parse(body) as { id?: number; method?: string };
        if (msg.id === undefined) return void res.writeHead(202).end();
        const result =
          msg.method === 'initialize'
            ? { protocolVersion: '2025-06-18', capabilities: { tools: {} }, serverInfo: { name: 'h', version: '1.0.0' } }
            : { tools: [{ name: 'echo', description: `Reached at ${req.url ?? ''}.`, inputSchema: { type: 'object' } }] };
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: msg.id, result }));
      });
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const scratch = tempDir();
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp?api_key=${SECRET}`;
      const r = await runCli(['lock', '--timeout', '20s', '--url', url, '-o', join(scratch.dir, 'mcp-lock.json')], { cwd: scratch.dir, env });
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(/^note: h: the value of a \$\{…\} variable, the password or a query value of its URL appears in the server's own surface/m);
      expectNoPiece(r.stdout + r.stderr);
    } finally {
      scratch.cleanup();
      server.closeAllConnections();
      await new Promise((ok) => server.close(ok));
    }
  });
});
