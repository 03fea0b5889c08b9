import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { ListRootsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLockfile } from '../../src/lockfile/parse.js';
import { repoRoot, runCli, tempDir } from '../helpers/cli.js';

// Real MCP servers from npm (devDependencies), started the way a user starts them.
const everythingBin = join(repoRoot, 'node_modules', '@modelcontextprotocol', 'server-everything', 'dist', 'index.js');
const filesystemBin = join(repoRoot, 'node_modules', '@modelcontextprotocol', 'server-filesystem', 'dist', 'index.js');
const memoryBin = join(repoRoot, 'node_modules', '@modelcontextprotocol', 'server-memory', 'dist', 'index.js');
const env = { PATH: process.env.PATH, HOME: process.env.HOME };

/**
 * What a bare SDK client sees, as independent ground truth for the lockfile: one that declares
 * every client capability, as lock does, so a server shows it the tools it lists only to an agent
 * that can serve them.
 */
async function listWithSdk(args: string[]) {
  const capabilities = { roots: { listChanged: true }, sampling: {}, elicitation: { form: {}, url: {} }, tasks: { list: {}, cancel: {}, requests: { sampling: { createMessage: {} }, elicitation: { create: {} } } } };
  const client = new Client({ name: 'ground-truth', version: '1' }, { capabilities });
  client.setRequestHandler(ListRootsRequestSchema, () => ({ roots: [] }));
  await client.connect(new StdioClientTransport({ command: process.execPath, args, stderr: 'ignore' }));
  try {
    const tools = (await client.listTools()).tools;
    const prompts = client.getServerCapabilities()?.prompts ? (await client.listPrompts()).prompts : [];
    const resources = client.getServerCapabilities()?.resources ? (await client.listResources()).resources : [];
    return { tools, prompts, resources, info: client.getServerVersion() };
  } finally {
    await client.close();
  }
}

let scratch: ReturnType<typeof tempDir>;
beforeAll(() => {
  scratch = tempDir();
});
afterAll(() => scratch.cleanup());

describe('lock against real servers from npm', () => {
  it('locks server-everything started with npx, exactly as the SDK lists it, and byte-identically twice', async () => {
    const dir = join(scratch.dir, 'everything');
    mkdirSync(dir);
    // npx runs the project's installed copy (no network), as for a user, and that is what is
    // pinned, from npm's install record: no registry is asked (a registry on a closed loopback
    // port would fail the lock with exit 3). tests/pin/local-install.test.ts asserts the pin.
    const npxEnv = { PATH: process.env.PATH, HOME: dir, npm_config_cache: join(dir, 'npm-cache'), npm_config_registry: 'http://127.0.0.1:9/', npm_config_update_notifier: 'false' };
    const argv = ['lock', '--', 'npx', '-y', '@modelcontextprotocol/server-everything'];
    const first = await runCli([...argv.slice(0, 1), '-o', join(dir, 'mcp-lock.json'), ...argv.slice(1)], { cwd: repoRoot, env: npxEnv });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/locked 1 server into .*mcp-lock\.json/);
    const bytes = readFileSync(join(dir, 'mcp-lock.json'));
    const lock = parseLockfile(bytes.toString('utf8'));
    const server = lock.servers['mcp-servers/everything']!;
    expect(server.transport).toEqual({ type: 'stdio', command: 'npx', args: ['-y', '@modelcontextprotocol/server-everything'], env: [] });
    const installed = JSON.parse(readFileSync(join(repoRoot, 'node_modules', '@modelcontextprotocol', 'server-everything', 'package.json'), 'utf8')) as { version: string };
    expect(server.artifact).toMatchObject({ type: 'npm', name: '@modelcontextprotocol/server-everything', version: installed.version });

    const truth = await listWithSdk([everythingBin]);
    expect(server.surface.identity.serverInfo).toEqual(truth.info);
    expect(Object.keys(server.surface.tools).sort()).toEqual(truth.tools.map((t) => t.name).sort());
    // The tools server-everything lists only to an agent with roots, sampling or elicitation are pinned too.
    expect(Object.keys(server.surface.tools)).toEqual(expect.arrayContaining(['get-roots-list', 'trigger-sampling-request', 'trigger-elicitation-request', 'trigger-url-elicitation']));
    for (const tool of truth.tools) expect(server.surface.tools[tool.name]).toEqual(tool);
    expect(Object.keys(server.surface.prompts).sort()).toEqual(truth.prompts.map((p) => p.name).sort());
    expect(Object.keys(server.surface.resources).sort()).toEqual(truth.resources.map((r) => r.uri).sort());
    expect(Object.keys(server.surface.resourceTemplates).length).toBeGreaterThan(0);
    expect(server.surface.identity.instructions).toMatch(/Everything Server/);

    // Launched by another program is a change lock refuses (exit 1) like diff; --force approves it.
    const refused = await runCli(['lock', '-o', join(dir, 'mcp-lock.json'), '--', process.execPath, everythingBin], { cwd: repoRoot, env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('high     ~ mcp-servers/everything: server modified: the server is now launched by another program');
    expect(readFileSync(join(dir, 'mcp-lock.json'))).toEqual(bytes);
    const second = await runCli(['lock', '--force', '-o', join(dir, 'mcp-lock.json'), '--', process.execPath, everythingBin], { cwd: repoRoot, env });
    expect(second.code).toBe(0);
    // Only the launch differs (node path instead of npx, and its pin), so compare the surfaces' bytes.
    const surfaceOf = (text: string) => JSON.stringify({ ...JSON.parse(text).servers['mcp-servers/everything'], transport: null, artifact: null });
    const again = readFileSync(join(dir, 'mcp-lock.json'), 'utf8');
    expect(JSON.parse(again).servers['mcp-servers/everything'].artifact).toMatchObject({ type: 'local', files: [{ path: everythingBin }] });
    expect(surfaceOf(again)).toBe(surfaceOf(bytes.toString('utf8')));
  });

  it('locks server-filesystem with its allowed directory argument', async () => {
    const root = join(scratch.dir, 'fs-root');
    mkdirSync(root);
    writeFileSync(join(root, 'hello.txt'), 'hi');
    const r = await runCli(['lock', '--name', 'files', '-o', join(scratch.dir, 'fs.json'), '--', process.execPath, filesystemBin, root], { cwd: scratch.dir, env });
    expect(r.code).toBe(0);
    const lock = parseLockfile(readFileSync(join(scratch.dir, 'fs.json'), 'utf8'));
    const tools = Object.keys(lock.servers.files!.surface.tools);
    expect(tools).toEqual(expect.arrayContaining(['read_text_file', 'write_file', 'edit_file', 'list_directory', 'move_file']));
    // The allowed directory is inside the lockfile's folder: recorded relative to it (portable).
    expect(lock.servers.files!.transport).toMatchObject({ type: 'stdio', args: [filesystemBin, './fs-root'] });
  });

  it('locks server-memory', async () => {
    const r = await runCli(['lock', '--format', 'json', '-o', join(scratch.dir, 'mem.json'), '--', process.execPath, memoryBin], {
      cwd: scratch.dir,
      env: { ...env, MEMORY_FILE_PATH: join(scratch.dir, 'memory.jsonl') },
    });
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.written).toBe(true);
    expect(summary.servers[0].name).toBe('memory-server');
    expect(summary.servers[0].counts.tools).toBe(9);
    expect(summary.servers[0].digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

async function startHttpEverything(mode: 'streamableHttp' | 'sse'): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, [everythingBin, mode], { env: { ...env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server-everything ${mode} did not start`)), 15_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      if (/listening|running/i.test(chunk.toString())) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  return { url: `http://127.0.0.1:${port}/${mode === 'sse' ? 'sse' : 'mcp'}`, child };
}

describe('lock over HTTP against server-everything on loopback', () => {
  let streamable: { url: string; child: ChildProcess };
  let sse: { url: string; child: ChildProcess };
  beforeAll(async () => {
    [streamable, sse] = await Promise.all([startHttpEverything('streamableHttp'), startHttpEverything('sse')]);
  });
  afterAll(() => {
    streamable?.child.kill();
    sse?.child.kill();
  });

  it('speaks Streamable HTTP, sends the header, and never writes its value', async () => {
    const out = join(scratch.dir, 'http.json');
    const r = await runCli(['lock', '--name', 'ev', '-o', out, '--url', `${streamable.url}?api_key=hunter2`, '--header', 'Authorization: Bearer ${TOKEN}', '--header', 'X-Team: platform'], {
      cwd: scratch.dir,
      env: { ...env, TOKEN: 'tok-7f3a9c' },
    });
    expect(r.code).toBe(0);
    const text = readFileSync(out, 'utf8');
    for (const secret of ['tok-7f3a9c', 'hunter2', 'platform']) {
      expect(text).not.toContain(secret);
      expect(r.stdout + r.stderr).not.toContain(secret);
    }
    const lock = parseLockfile(text);
    expect(lock.servers.ev!.transport).toEqual({ type: 'streamable-http', url: `${streamable.url}?api_key=REDACTED`, headers: ['Authorization', 'X-Team'] });
    expect(Object.keys(lock.servers.ev!.surface.tools)).toContain('echo');
  });

  it('falls back to legacy SSE when the server refuses Streamable HTTP, and says so', async () => {
    const out = join(scratch.dir, 'sse.json');
    const r = await runCli(['lock', '--name', 'ev', '-o', out, '--url', sse.url], { cwd: scratch.dir, env });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/used the legacy SSE transport/);
    expect(parseLockfile(readFileSync(out, 'utf8')).servers.ev!.transport.type).toBe('sse');
    const forced = await runCli(['lock', '--name', 'ev', '-o', join(scratch.dir, 'sse2.json'), '--transport', 'sse', '--url', sse.url], { cwd: scratch.dir, env });
    expect(forced.code).toBe(0);
    expect(forced.stderr).toBe('');
    // Same server, same surface, whatever the transport.
    const a = parseLockfile(readFileSync(out, 'utf8'));
    const b = parseLockfile(readFileSync(join(scratch.dir, 'http.json'), 'utf8'));
    expect(a.servers.ev!.surface.tools).toEqual(b.servers.ev!.surface.tools);
  });

  it('exits 3 naming the reason when nothing listens, and writes nothing', async () => {
    const port = await freePort();
    const out = join(scratch.dir, 'refused.json');
    const r = await runCli(['lock', '-o', out, '--url', `http://127.0.0.1:${port}/mcp`], { cwd: scratch.dir, env });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/cannot connect to the server \(ECONNREFUSED\)/);
    expect(existsSync(out)).toBe(false);
  });

  it('exits 2 for a missing ${VAR} in a header, before connecting', async () => {
    const r = await runCli(['lock', '--url', streamable.url, '--header', 'Authorization: Bearer ${NOPE_UNSET}'], { cwd: scratch.dir, env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/references \$\{NOPE_UNSET\}, which is not set/);
  });
});
