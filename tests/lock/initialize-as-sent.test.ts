// The lock pins the server's capabilities and serverInfo as the server sent them. The MCP SDK's
// parse of the initialize result keeps only the members its schema names: a capability it does
// not know (`weird`), a member of a known one (`tools.x`), a serverInfo field (`extra`) and any
// member named `__proto__` were dropped, so a change to them passed `diff` unseen.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot, runCli, tempDir } from '../helpers/cli.js';

const scratch = tempDir('mcptrust-init-sent-');
afterAll(() => scratch.cleanup());
const env = { PATH: process.env.PATH, HOME: scratch.dir };
const serverFile = join(repoRoot, 'testdata', 'servers', 'proto-keys-server.mjs');

/** A JSON object text with these members in this order (`__proto__` as an own member). */
const members = (pairs: [string, unknown][]) => `{${pairs.map(([k, v]) => `${JSON.stringify(k)}:${typeof v === 'string' && v.startsWith('{') ? v : JSON.stringify(v)}`).join(',')}}`;

function surfaceText(changes: { weird?: unknown; toolsX?: unknown; extra?: unknown; protoCap?: unknown; protoInfo?: unknown } = {}): string {
  const c = { weird: { a: 1 }, toolsX: 1, extra: 'e', protoCap: { v: 1 }, protoInfo: 'p', ...changes };
  const capabilities = members([
    ['tools', { listChanged: true, x: c.toolsX }],
    ['weird', c.weird],
    ['experimental', members([['__proto__', c.protoCap], ['y', {}]])],
  ]);
  const serverInfo = members([['name', 'sent'], ['version', '1.0.0'], ['extra', c.extra], ['__proto__', c.protoInfo]]);
  return `{"capabilities":${capabilities},"serverInfo":${serverInfo},"tools":[{"name":"a","inputSchema":{"type":"object"}}]}`;
}

let count = 0;
/** The one surface file the server reads (one path, so that the launch line stays the same). */
function surfaceFile(text: string): string {
  const file = join(scratch.dir, 'surface.json');
  writeFileSync(file, text);
  return file;
}

const line = (file: string) => ['node', serverFile, `--surface=${file}`];

describe('lock pins the initialize result as sent (stdio)', () => {
  const lockFile = join(scratch.dir, 'sent.lock.json');

  it('every capability and serverInfo member is in the lock, __proto__ included', async () => {
    const r = await runCli(['lock', '--no-pin', '--output', lockFile, '--', ...line(surfaceFile(surfaceText()))], { cwd: scratch.dir, env });
    expect(r.code, r.stderr).toBe(0);
    const text = readFileSync(lockFile, 'utf8');
    const identity = (JSON.parse(text) as { servers: Record<string, { identity: { capabilities: Record<string, unknown>; serverInfo: Record<string, unknown> } }> }).servers.sent!.identity;
    expect(Object.keys(identity.capabilities).sort()).toEqual(['experimental', 'tools', 'weird']);
    expect(identity.capabilities.tools).toEqual({ listChanged: true, x: 1 });
    expect(identity.capabilities.weird).toEqual({ a: 1 });
    expect(Object.keys(identity.capabilities.experimental as object).sort()).toEqual(['__proto__', 'y']);
    expect(Object.keys(identity.serverInfo).sort()).toEqual(['__proto__', 'extra', 'name', 'version']);
    expect(text).toContain('"__proto__": {\n');
    expect(text).toContain('"__proto__": "p"');
    // And the same server is no drift.
    const same = await runCli(['diff', '--no-pin', '--lock', lockFile, '--', ...line(surfaceFile(surfaceText()))], { cwd: scratch.dir, env });
    expect(same.code, same.stdout).toBe(0);
  });

  it.each<[string, Parameters<typeof surfaceText>[0], string]>([
    ['a capability the SDK does not know changes', { weird: { a: 2 } }, '/capabilities/weird/a'],
    ['a member of a known capability changes', { toolsX: 2 }, '/capabilities/tools/x'],
    ['an experimental capability named __proto__ changes', { protoCap: { v: 2 } }, '/capabilities/experimental/__proto__/v'],
    ['a serverInfo field the SDK does not know changes', { extra: 'f' }, '/serverInfo/extra'],
    ['a serverInfo member named __proto__ changes', { protoInfo: 'q' }, '/serverInfo/__proto__'],
  ])('%s: drift, exit 1, the path named', async (_label, change, path) => {
    const r = await runCli(['diff', '--no-pin', '--lock', lockFile, '--format', 'json', '--', ...line(surfaceFile(surfaceText(change)))], { cwd: scratch.dir, env });
    expect(r.code, r.stderr).toBe(1);
    const report = JSON.parse(r.stdout) as { changes: { detail: { paths: string[] } }[] };
    expect(report.changes).toHaveLength(1);
    expect(report.changes[0]!.detail.paths).toEqual([path]);
  });
});

describe('lock --url pins the initialize result as sent (Streamable HTTP)', () => {
  async function lockOver(capabilities: unknown, serverInfo: unknown): Promise<{ code: number; stderr: string; identity?: { capabilities: unknown; serverInfo: unknown } }> {
    const server: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const msg = body === '' ? {} : (JSON.parse(body) as { id?: number; method?: string });
        if (req.method !== 'POST') return void res.writeHead(405).end();
        if (msg.id === undefined) return void res.writeHead(202).end();
        const result = msg.method === 'initialize' ? { protocolVersion: '2025-06-18', capabilities, serverInfo } : msg.method === 'tools/list' ? { tools: [{ name: 'echo', inputSchema: { type: 'object' } }] } : {};
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: msg.id, result }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const out = join(scratch.dir, `http${++count}.lock.json`);
    try {
      const r = await runCli(['lock', '--timeout', '10s', '--output', out, '--url', `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`], { cwd: scratch.dir, env });
      if (r.code !== 0) return r;
      const lock = JSON.parse(readFileSync(out, 'utf8')) as { servers: Record<string, { identity: { capabilities: unknown; serverInfo: unknown } }> };
      return { ...r, identity: Object.values(lock.servers)[0]!.identity };
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  }

  it('members the SDK does not name are pinned', async () => {
    const r = await lockOver({ tools: { listChanged: false, x: [1, 2] }, weird: {} }, { name: 'http-sent', version: '2.0.0', extra: { deep: true } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.identity).toEqual({ capabilities: { tools: { listChanged: false, x: [1, 2] }, weird: {} }, serverInfo: { name: 'http-sent', version: '2.0.0', extra: { deep: true } }, protocolVersion: '2025-06-18' });
  });

  it('an initialize result the SDK refuses is still refused (exit 3), nothing written', async () => {
    const r = await lockOver({ tools: 'yes' }, { name: 'http-sent', version: '2.0.0' });
    expect(r.code).toBe(3);
    expect(r.identity).toBeUndefined();
  });
});
