import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtCli, runCli, tempDir } from '../helpers/cli.js';
import { auditLines, everythingBin } from './harness.js';

// server-everything, locked, then driven through the proxy by the SDK client exactly as an
// agent config would start it: `mcptrust proxy --lock … -- node <server-everything> stdio`.
const scratch = tempDir('mcptrust-proxy-real-');
const env = { PATH: process.env.PATH!, HOME: scratch.dir };
const audit = join(scratch.dir, 'audit.jsonl');
let client: Client;
let transport: StdioClientTransport;

beforeAll(async () => {
  const locked = await runCli(['lock', '--', process.execPath, everythingBin, 'stdio'], { cwd: scratch.dir, env });
  expect(locked.code, locked.stderr).toBe(0);
  transport = new StdioClientTransport({
    command: process.execPath,
    args: [builtCli, 'proxy', '--lock', 'mcp-lock.json', '--audit', audit, '--', process.execPath, everythingBin, 'stdio'],
    cwd: scratch.dir,
    env,
    stderr: 'pipe',
  });
  client = new Client({ name: 'test-agent', version: '1.0.0' });
  await client.connect(transport, { timeout: 120_000 });
}, 240_000);

afterAll(async () => {
  await client?.close();
  scratch.cleanup();
});

const blocked = async (work: Promise<unknown>): Promise<string> => {
  try {
    await work;
  } catch (error) {
    expect(error).toBeInstanceOf(McpError);
    expect((error as McpError).code).toBe(-32010);
    return (error as McpError).message;
  }
  throw new Error('expected the proxy to block this request');
};

describe('server-everything through the proxy', () => {
  it('lists the locked surface, whole', async () => {
    const tools = await client.listTools();
    expect(tools.tools.map((t) => t.name)).toContain('echo');
    expect(tools.tools.length).toBe(13);
    expect((await client.listPrompts()).prompts.length).toBe(4);
    expect((await client.listResourceTemplates()).resourceTemplates.map((t) => t.uriTemplate)).toContain('demo://resource/dynamic/text/{resourceId}');
  });

  it('calls locked tools, gets prompts and reads resources', async () => {
    expect(await client.callTool({ name: 'echo', arguments: { message: 'hello' } })).toEqual({ content: [{ type: 'text', text: 'Echo: hello' }] });
    expect(await client.callTool({ name: 'get-sum', arguments: { a: 2, b: 3 } })).toMatchObject({ content: [{ type: 'text', text: expect.stringContaining('5') }] });
    const structured = await client.callTool({ name: 'get-structured-content', arguments: { location: 'New York' } });
    expect(structured.structuredContent).toMatchObject({ temperature: expect.any(Number) });
    expect((await client.getPrompt({ name: 'args-prompt', arguments: { city: 'Paris' } })).messages.length).toBeGreaterThan(0);
    const read = await client.readResource({ uri: 'demo://resource/dynamic/text/1' });
    expect(read.contents[0]).toMatchObject({ uri: 'demo://resource/dynamic/text/1' });
  });

  it('blocks calls outside the lock, with the reason, before they reach the server', async () => {
    expect(await blocked(client.callTool({ name: 'echo', arguments: { message: 42 } }))).toMatch(/blocked by mcptrust: arguments do not match the locked inputSchema: \/message must be string/);
    expect(await blocked(client.callTool({ name: 'shell', arguments: {} }))).toMatch(/blocked by mcptrust: the tool is not in the lock/);
    expect(await blocked(client.getPrompt({ name: 'not-a-prompt' }))).toMatch(/blocked by mcptrust: the prompt is not in the lock/);
    expect(await blocked(client.getPrompt({ name: 'args-prompt', arguments: {} }))).toMatch(/required argument "city" is missing/);
    expect(await blocked(client.readResource({ uri: 'http://169.254.169.254/latest/meta-data/iam/' }))).toMatch(/neither a locked resource nor an expansion of a locked resource template/);
    expect(await blocked(client.readResource({ uri: 'file:///etc/passwd' }))).toMatch(/neither a locked resource/);
    expect(await blocked(client.readResource({ uri: 'demo://resource/dynamic/text/..%2F..%2Fsecret' }))).toMatch(/holds a slash/);
    expect(await blocked(client.readResource({ uri: 'demo://resource/dynamic/text/../../etc/passwd' }))).toMatch(/dot segment/);
  });

  it('writes one audit line per decision, with digests, never argument values', () => {
    const lines = auditLines(audit);
    const echo = lines.filter((l) => l.method === 'tools/call' && l.item === 'echo');
    expect(echo.map((l) => l.decision)).toEqual(['allowed', 'blocked']);
    expect(echo[0]!.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const text = JSON.stringify(lines);
    expect(text).not.toContain('hello');
    expect(text).not.toContain('Paris');
    expect(lines.every((l) => typeof l.time === 'string' && l.server === 'mcp-servers/everything')).toBe(true);
  });
});
