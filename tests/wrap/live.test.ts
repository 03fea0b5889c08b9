import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { builtCli, repoRoot, runCli, tempDir } from '../helpers/cli.js';

// A Claude Code project config with the real server-memory, locked, wrapped, then started the
// way the agent starts it: command + args + env of the entry, from the project folder. The SDK
// client must see the locked tools through the proxy.
const memoryBin = join(repoRoot, 'node_modules', '@modelcontextprotocol', 'server-memory', 'dist', 'index.js');
const scratch = tempDir('mcptrust-wrap-live-');
const project = join(scratch.dir, 'project');
const env = { PATH: process.env.PATH!, HOME: scratch.dir };
let client: Client | undefined;

afterAll(async () => {
  await client?.close();
  scratch.cleanup();
});

it('a wrapped .mcp.json entry, launched as the agent would, starts the proxy and serves the locked tools of server-memory', async () => {
  mkdirSync(project, { recursive: true });
  const config = join(project, '.mcp.json');
  const original = `{\n  "mcpServers": {\n    "memory": {\n      "command": ${JSON.stringify(process.execPath)},\n      "args": [${JSON.stringify(memoryBin)}],\n      "env": { "MEMORY_FILE_PATH": ${JSON.stringify(join(scratch.dir, 'memory.jsonl'))} }\n    }\n  }\n}\n`;
  writeFileSync(config, original);
  const locked = await runCli(['lock', '--config', config], { cwd: project, env });
  expect(locked.code, locked.stderr).toBe(0);
  const lockedTools = Object.keys(JSON.parse(readFileSync(join(project, 'mcp-lock.json'), 'utf8')).servers.memory.tools).sort();
  expect(lockedTools).toContain('create_entities');

  // The bin of this checkout stands for the `mcptrust` on the agent's PATH.
  const wrapped = await runCli(['wrap', '--config', config, '--command', `${process.execPath} ${builtCli}`], { cwd: project, env });
  expect(wrapped.code, wrapped.stderr).toBe(0);
  const entry = JSON.parse(readFileSync(config, 'utf8')).mcpServers.memory as { command: string; args: string[]; env: Record<string, string> };
  expect(entry.command).toBe(process.execPath);
  expect(entry.args.slice(0, 6)).toEqual([builtCli, 'proxy', '--lock', './mcp-lock.json', '--server', 'memory']);

  const transport = new StdioClientTransport({ command: entry.command, args: entry.args, env: { ...env, ...entry.env }, cwd: project, stderr: 'pipe' });
  let stderr = '';
  transport.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  client = new Client({ name: 'agent', version: '1.0.0' });
  await client.connect(transport, { timeout: 60_000 });
  const tools = (await client.listTools()).tools.map((t) => t.name).sort();
  expect(tools, stderr).toEqual(lockedTools);
  const created = await client.callTool({ name: 'create_entities', arguments: { entities: [{ name: 'a', entityType: 't', observations: [] }] } });
  expect(created.isError ?? false, stderr).toBe(false);
  await client.close();
  client = undefined;

  expect((await runCli(['unwrap', '--config', config], { cwd: project, env })).code).toBe(0);
  expect(readFileSync(config, 'utf8')).toBe(original);
}, 120_000);
