// `--config` servers whose args and URL use `${VAR}`: the lockfile records what the config
// wrote, the variables are expanded only to connect, and no expanded value reaches the lockfile
// or any output of lock, diff or check. Lockfiles are portable: another HOME, or a rotated
// secret, is no drift.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAgentConfig } from '../../src/config/agent-config.js';
import { parseLockfile } from '../../src/lockfile/parse.js';
import { redactWrittenUrl, targetSecrets } from '../../src/mcp/target.js';
import { fixtureServer, repoRoot, runCli, tempDir } from '../helpers/cli.js';

const [node, shuffle] = fixtureServer('shuffle-server.mjs') as [string, string];
const filesystemBin = join(repoRoot, 'node_modules', '@modelcontextprotocol', 'server-filesystem', 'dist', 'index.js');
const base = { PATH: process.env.PATH, HOME: process.env.HOME };

// Distinct, greppable values; each is also checked in pieces of 12 characters.
const FIRST = { API_TOKEN: 'tok-a1b2c3d4e5f6g7h8', TENANT: 'tenant-7q8w9e0r1t', PASSWORD: 'pw-z9y8x7w6v5u4', API_KEY: 'key-m1n2b3v4c5x6' };
const ROTATED = { API_TOKEN: 'tok-ROTATED-00112233', TENANT: 'tenant-ROTATED-4455', PASSWORD: 'pw-ROTATED-667788', API_KEY: 'key-ROTATED-99aabb' };

function expectNoSecret(where: string, text: string, values: Record<string, string>): void {
  for (const [name, value] of Object.entries(values)) {
    for (let i = 0; i + 12 <= value.length; i++) {
      if (text.includes(value.slice(i, i + 12))) throw new Error(`${where} contains (part of) the value of ${name}`);
    }
  }
}

let scratch: ReturnType<typeof tempDir>;
let server: Server;
let port = 0;
const sockets = new Set<Socket>();
/** The paths the HTTP fixture was asked for: proof that the URL was expanded to connect. */
const paths: string[] = [];

beforeAll(async () => {
  scratch = tempDir();
  // A minimal MCP server over HTTP (JSON responses), answering on any path.
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      paths.push(req.url ?? '');
      if (req.method !== 'POST') return void res.writeHead(405).end();
      const msg = JSON.parse(body) as { id?: number; method?: string };
      if (msg.id === undefined) return void res.writeHead(202).end();
      const result =
        msg.method === 'initialize'
          ? { protocolVersion: '2025-06-18', capabilities: { tools: {} }, serverInfo: { name: 'remote-fixture', version: '1.0.0' } }
          : msg.method === 'tools/list'
            ? { tools: [{ name: 'echo', description: 'Echoes its input.', inputSchema: { type: 'object' } }] }
            : {};
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: msg.id, result }));
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => server.close(r));
  scratch.cleanup();
});

function writeConfig(file: string, servers: Record<string, unknown>): string {
  const path = join(scratch.dir, file);
  writeFileSync(path, JSON.stringify({ mcpServers: servers }, null, 2));
  return path;
}

const localServer = (flag: string) => ({
  command: node,
  args: [shuffle, '--tools=3', '--seed=7', `${flag}=\${API_TOKEN}`],
  env: { MCP_TOKEN: '${API_TOKEN}' },
});
const remoteServer = (path: string) => ({
  url: `http://bot:\${PASSWORD}@127.0.0.1:\${MCP_PORT}/${path}/\${TENANT}?api_key=\${API_KEY}&region=\${REGION:-eu}`,
  headers: { Authorization: 'Bearer ${API_TOKEN}' },
});

describe('--config: args and URLs are recorded as written, never expanded', () => {
  it('locks the ${VAR} forms; a rotated secret is no drift; a changed form is reported without any value, in every format', async () => {
    const config = writeConfig('secrets.json', { local: localServer('--api-key'), remote: remoteServer('mcp') });
    const lockPath = join(scratch.dir, 'secrets-lock.json');
    const env1 = { ...base, ...FIRST, MCP_PORT: String(port) };
    const lock = await runCli(['lock', '--config', config, '-o', lockPath], { cwd: scratch.dir, env: env1 });
    expect(lock.code).toBe(0);
    // Expanded to connect...
    expect(paths).toContain(`/mcp/${FIRST.TENANT}?api_key=${FIRST.API_KEY}&region=eu`);
    // ...recorded as written, the URL without its userinfo and query values.
    const bytes = readFileSync(lockPath, 'utf8');
    const parsed = parseLockfile(bytes);
    expect(parsed.servers.local!.transport).toEqual({ type: 'stdio', command: node, args: [shuffle, '--tools=3', '--seed=7', '--api-key=${API_TOKEN}'], env: ['MCP_TOKEN'] });
    expect(parsed.servers.remote!.transport).toEqual({ type: 'streamable-http', url: 'http://127.0.0.1:${MCP_PORT}/mcp/${TENANT}?api_key=REDACTED&region=REDACTED', headers: ['Authorization'] });
    expectNoSecret('the lockfile', bytes, FIRST);
    expectNoSecret('lock output', lock.stdout + lock.stderr, FIRST);

    // Every secret rotated: the same recorded forms, no drift.
    const env2 = { ...base, ...ROTATED, MCP_PORT: String(port) };
    for (const format of ['text', 'json', 'markdown', 'sarif']) {
      const r = await runCli(['diff', '--lock', lockPath, '--config', config, '--format', format], { cwd: scratch.dir, env: env2 });
      expect(r.code, `diff --format ${format}: ${r.stderr}`).toBe(0);
      expectNoSecret(`diff --format ${format}`, r.stdout + r.stderr, { ...FIRST, ...ROTATED });
    }
    expect(paths).toContain(`/mcp/${ROTATED.TENANT}?api_key=${ROTATED.API_KEY}&region=eu`);
    for (const format of ['text', 'json', 'junit']) {
      const r = await runCli(['check', '--lock', lockPath, '--config', config, '--preset', 'baseline', '--format', format], { cwd: scratch.dir, env: env2 });
      expect(r.code, `check --format ${format}: ${r.stdout}${r.stderr}`).toBe(0);
      expectNoSecret(`check --format ${format}`, r.stdout + r.stderr, { ...FIRST, ...ROTATED });
    }

    // Another flag and another path: drift in the transport, printed in its recorded form only.
    const changed = writeConfig('secrets-changed.json', { local: localServer('--key'), remote: remoteServer('v2') });
    for (const format of ['text', 'json', 'markdown', 'sarif']) {
      const r = await runCli(['diff', '--lock', lockPath, '--config', changed, '--format', format], { cwd: scratch.dir, env: env2 });
      expect(r.code, `diff --format ${format}: ${r.stderr}`).toBe(1);
      expect(r.stdout).toContain('--key=${API_TOKEN}');
      expect(r.stdout).toContain('/v2/${TENANT}');
      expectNoSecret(`diff --format ${format} (drift)`, r.stdout + r.stderr, { ...FIRST, ...ROTATED });
    }
    for (const format of ['text', 'json', 'junit']) {
      const r = await runCli(['check', '--lock', lockPath, '--config', changed, '--preset', 'baseline', '--format', format], { cwd: scratch.dir, env: env2 });
      expectNoSecret(`check --format ${format} (drift)`, r.stdout + r.stderr, { ...FIRST, ...ROTATED });
    }
    // A relock over the old one with the rotated values writes the same bytes.
    const relockPath = join(scratch.dir, 'secrets-relock.json');
    expect((await runCli(['lock', '--config', config, '-o', relockPath], { cwd: scratch.dir, env: env2 })).code).toBe(0);
    expect(readFileSync(relockPath, 'utf8')).toBe(bytes);
  });

  it('a lock made with HOME=/…/alice shows no drift with HOME=/…/bob (server-filesystem, ${HOME}/data)', async () => {
    const alice = join(scratch.dir, 'home', 'alice');
    const bob = join(scratch.dir, 'home', 'bob');
    for (const home of [alice, bob]) mkdirSync(join(home, 'data'), { recursive: true });
    const config = writeConfig('fs.json', { files: { command: node, args: [filesystemBin, '${HOME}/data'] } });
    const lockPath = join(scratch.dir, 'fs-lock.json');
    const lock = await runCli(['lock', '--config', config, '-o', lockPath], { cwd: scratch.dir, env: { PATH: base.PATH, HOME: alice } });
    expect(lock.code, lock.stderr).toBe(0);
    const bytes = readFileSync(lockPath, 'utf8');
    expect(parseLockfile(bytes).servers.files!.transport).toEqual({ type: 'stdio', command: node, args: [filesystemBin, '${HOME}/data'], env: [] });
    expect(bytes).not.toContain(alice);
    const diff = await runCli(['diff', '--lock', lockPath, '--config', config], { cwd: scratch.dir, env: { PATH: base.PATH, HOME: bob } });
    expect(diff.code, diff.stdout + diff.stderr).toBe(0);
    expect(diff.stdout).toMatch(/no drift/i);
    const check = await runCli(['check', '--lock', lockPath, '--config', config], { cwd: scratch.dir, env: { PATH: base.PATH, HOME: bob } });
    expect(check.code, check.stdout + check.stderr).toBe(0);
  });

  it('parses a config into the expanded target to start and the written form to record', () => {
    const text = JSON.stringify({
      servers: {
        s: { command: '${HOME}/bin/server', args: ['--root=${workspaceFolder}', '--token=${env:TOKEN}'] },
        h: { url: 'https://${HOST:-example.com}/mcp?key=${TOKEN}' },
        plain: { command: 'npx', args: ['-y', 'pkg'] },
      },
    });
    const [s, h, plain] = parseAgentConfig(text, '/proj/.vscode/mcp.json', { HOME: '/home/alice', TOKEN: 'secret-123456' });
    expect(s!.target).toEqual({
      kind: 'stdio',
      command: '/home/alice/bin/server',
      args: ['--root=/proj', '--token=secret-123456'],
      env: {},
      written: { command: '${HOME}/bin/server', args: ['--root=${workspaceFolder}', '--token=${env:TOKEN}'] },
      substituted: ['/home/alice', 'secret-123456'],
      // A workspace config's server without a cwd starts in the project folder, as the agent starts it.
      cwd: '/proj',
    });
    expect(h!.target).toMatchObject({ url: 'https://example.com/mcp?key=secret-123456', written: { url: 'https://${HOST:-example.com}/mcp?key=${TOKEN}' } });
    // The expanded values are secrets to scrub from whatever the server prints.
    expect(targetSecrets(h!.target)).toContain('secret-123456');
    expect(plain!.target).not.toHaveProperty('written');
    expect(plain!.target).not.toHaveProperty('substituted');
  });

  it.each([
    ['https://${HOST}/mcp', 'https://${HOST}/mcp'],
    ['https://user:${PASS}@${HOST}:${PORT}/a/${B}?t=${T}&x=1#frag', 'https://${HOST}:${PORT}/a/${B}?t=REDACTED&x=REDACTED'],
    ['${MCP_URL}', '${MCP_URL}'],
    ['https://Example.COM/p?k=v', 'https://example.com/p?k=REDACTED'],
    ['https://u:p@example.com/', 'https://example.com/'],
  ])('records the URL %s as %s', (written, recorded) => {
    expect(redactWrittenUrl(written)).toBe(recorded);
  });
});
