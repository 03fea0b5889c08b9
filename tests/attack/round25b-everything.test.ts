import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { CreateMessageRequestSchema, ListRootsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtCli, runCli, tempDir } from '../helpers/cli.js';
import { everythingBin, ProxyProcess } from '../proxy/harness.js';

// Round 25b: server-everything lists some tools only to agents that declare roots, sampling,
// elicitation or tasks; lock now declares them all (ef7dff9) and pins all 19. Behind the built
// proxy, agents that declare (a) nothing, (b) roots only, (c) everything must each see what the
// server lists to them directly, with nothing withheld, and a call to a capable-only tool from an
// incapable agent is a locked tool with valid arguments: forwarded, and the server's own answer
// (its "not found") relayed.
const scratch = tempDir('mcptrust-r25b-everything-');
const env = { PATH: process.env.PATH!, HOME: scratch.dir };
const serverCommand = [process.execPath, everythingBin, 'stdio'];

const ALL = { roots: { listChanged: true }, sampling: {}, elicitation: { form: {}, url: {} }, tasks: { list: {}, cancel: {}, requests: { sampling: { createMessage: {} }, elicitation: { create: {} } } } };
const AGENTS = { none: {}, roots: { roots: { listChanged: true } }, all: ALL } as const;
type Kind = keyof typeof AGENTS;
const CONDITIONAL = ['get-roots-list', 'trigger-elicitation-request', 'trigger-elicitation-request-async', 'trigger-sampling-request', 'trigger-sampling-request-async', 'trigger-url-elicitation'];
const ROOT = { uri: 'file:///agent/project', name: 'agent-project' };

interface Session {
  client: Client;
  stderr: () => string;
  audit: string;
}

async function connect(kind: Kind, via: 'direct' | 'proxy'): Promise<Session> {
  const audit = join(scratch.dir, `audit-${kind}-${via}.jsonl`);
  const args = via === 'direct' ? serverCommand.slice(1) : [builtCli, 'proxy', '--lock', 'mcp-lock.json', '--audit', audit, '--', ...serverCommand];
  const transport = new StdioClientTransport({ command: process.execPath, args, cwd: scratch.dir, env, stderr: 'pipe' });
  let stderr = '';
  transport.stderr!.on('data', (d) => (stderr += d));
  const client = new Client({ name: `r25b-${kind}`, version: '1' }, { capabilities: AGENTS[kind] });
  if (kind !== 'none') client.setRequestHandler(ListRootsRequestSchema, () => ({ roots: [ROOT] }));
  if (kind === 'all') client.setRequestHandler(CreateMessageRequestSchema, () => ({ role: 'assistant', content: { type: 'text', text: 'sampled-by-agent' }, model: 'm' }));
  await client.connect(transport, { timeout: 120_000 });
  return { client, stderr: () => stderr, audit };
}

const sessions: Partial<Record<`${Kind}-${'direct' | 'proxy'}`, Session>> = {};

beforeAll(async () => {
  const locked = await runCli(['lock', '--', ...serverCommand], { cwd: scratch.dir, env });
  expect(locked.code, locked.stderr).toBe(0);
  for (const kind of Object.keys(AGENTS) as Kind[]) {
    sessions[`${kind}-direct`] = await connect(kind, 'direct');
    sessions[`${kind}-proxy`] = await connect(kind, 'proxy');
  }
}, 240_000);

afterAll(async () => {
  for (const s of Object.values(sessions)) await s?.client.close().catch(() => {});
  scratch.cleanup();
});

const names = async (s: Session) => (await s.client.listTools()).tools.map((t) => t.name).sort();
const text = (r: unknown) => JSON.stringify(r);
const auditLines = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('round 25b: server-everything, locked with every client capability, behind the proxy', () => {
  it('the lock pins all 19 tools, the six capability-gated ones included', () => {
    const lock = JSON.parse(readFileSync(join(scratch.dir, 'mcp-lock.json'), 'utf8')) as { servers: Record<string, { tools: Record<string, unknown> }> };
    const tools = Object.keys(Object.values(lock.servers)[0].tools);
    expect(tools.length).toBe(19);
    expect(tools).toEqual(expect.arrayContaining(CONDITIONAL));
  });

  it('each agent sees through the proxy exactly what the server lists to it directly (13, 14, 19 tools)', async () => {
    const counts: Record<string, number> = {};
    for (const kind of Object.keys(AGENTS) as Kind[]) {
      const direct = await names(sessions[`${kind}-direct`]!);
      const proxied = await names(sessions[`${kind}-proxy`]!);
      expect(proxied, kind).toEqual(direct);
      counts[kind] = proxied.length;
    }
    expect(counts).toEqual({ none: 13, roots: 14, all: 19 });
    expect(await names(sessions['none-proxy']!)).not.toContain('get-roots-list');
    expect(await names(sessions['roots-proxy']!)).toContain('get-roots-list');
    expect(await names(sessions['roots-proxy']!)).not.toContain('trigger-sampling-request');
  });

  it('an incapable agent calling a capable-only tool: the locked call is forwarded and the server\'s own "not found" relayed, as directly', async () => {
    for (const kind of ['none', 'roots'] as const) {
      const args = { name: 'trigger-sampling-request', arguments: { prompt: 'hi', maxTokens: 5 } };
      const proxied = await sessions[`${kind}-proxy`]!.client.callTool(args);
      const direct = await sessions[`${kind}-direct`]!.client.callTool(args);
      expect(proxied).toEqual(direct);
      expect(proxied).toEqual({ content: [{ type: 'text', text: 'MCP error -32602: Tool trigger-sampling-request not found' }], isError: true });
    }
    const roots = await sessions['none-proxy']!.client.callTool({ name: 'get-roots-list', arguments: {} });
    expect(roots).toEqual({ content: [{ type: 'text', text: 'MCP error -32602: Tool get-roots-list not found' }], isError: true });
  });

  it("a capable agent's own answers reach the server: its roots (not the lock's none), its sampling result", async () => {
    for (const kind of ['roots', 'all'] as const) {
      const r = await sessions[`${kind}-proxy`]!.client.callTool({ name: 'get-roots-list', arguments: {} });
      expect(text(r)).toContain('file:///agent/project');
      expect(text(r)).toContain('(1 total)');
    }
    const sampled = await sessions['all-proxy']!.client.callTool({ name: 'trigger-sampling-request', arguments: { prompt: 'hi', maxTokens: 5 } });
    expect(text(sampled)).toContain('sampled-by-agent');
  });

  it('no spurious withheld or blocked decisions: not on stderr, not in the audit; every list "N of N tools as locked"', async () => {
    for (const kind of Object.keys(AGENTS) as Kind[]) {
      const s = sessions[`${kind}-proxy`]!;
      expect(s.stderr(), kind).not.toMatch(/withheld|blocked|dropped|error/i);
      const lines = auditLines(s.audit);
      expect(lines.filter((l) => l.decision !== 'allowed'), kind).toEqual([]);
      const lists = lines.filter((l) => l.method === 'tools/list' && /tools as locked/.test(String(l.reason)));
      expect(lists.length).toBeGreaterThan(0);
      for (const l of lists) expect(l.reason).toMatch(/^(\d+) of \1 tools as locked$/);
      // The server asked the agent for roots only where the agent declared them.
      expect(lines.some((l) => l.method === 'roots/list'), kind).toBe(kind !== 'none');
    }
  });
});

describe('round 25b: a tasks-capable agent and the task-based tools the lock now pins (OPEN)', () => {
  // OPEN: lock declares tasks.requests.sampling/elicitation, so it pins
  // trigger-sampling-request-async and trigger-elicitation-request-async; the proxy forwards an
  // agent's tasks capability to the server, so the server lists them to such an agent and, on a
  // call, sends a task-augmented sampling/createMessage (passed: the agent declared sampling).
  // The agent answers with a task, and the server polls it with tasks/get, which the proxy refuses
  // ("does not pass the server request"): the tool fails every time behind the proxy, and a
  // `blocked: tasks/get` line lands on the proxy's stderr.
  // Reproduction: mcptrust lock -- node <server-everything>/dist/index.js stdio; then
  //   mcptrust proxy --lock mcp-lock.json -- node <server-everything>/dist/index.js stdio, the agent
  //   initializes (protocol 2025-11-25) declaring roots, sampling, elicitation {form,url} and tasks
  //   {list, cancel, requests: {sampling: {createMessage}, elicitation: {create}}}, calls tools/call
  //   trigger-sampling-request-async {prompt: "p", maxTokens: 5}, answers sampling/createMessage
  //   with {task: {taskId: "t1", status: "working", …}}.
  //   observed: result {isError: true, text: 'MCP error -32601: blocked by mcptrust: the proxy does
  //   not pass the server request "tasks/get"'}; stderr "mcptrust proxy: blocked: tasks/get: …".
  //   expected (directly, without the proxy: "[COMPLETED] Async sampling completed!" with the
  //   agent's result): either tasks/get, tasks/result (and tasks/list, tasks/cancel) pass to an
  //   agent that declared tasks, or the proxy does not forward a tasks capability it will not
  //   serve (then the server does not list those tools to the agent, and none fails).
  it.skip('OPEN: trigger-sampling-request-async, listed to a tasks-capable agent, fails behind the proxy (tasks/get blocked)', async () => {
    const p = new ProxyProcess(['--lock', 'mcp-lock.json', '--', ...serverCommand], scratch.dir);
    try {
      p.send({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: ALL, clientInfo: { name: 'tasks-agent', version: '1' } } });
      await p.response(0);
      p.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
      const list = await p.call(1, 'tools/list', {});
      expect((list.result as { tools: { name: string }[] }).tools.map((t) => t.name)).toContain('trigger-sampling-request-async');
      p.send({ jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'trigger-sampling-request-async', arguments: { prompt: 'p', maxTokens: 5 } } });
      const now = new Date().toISOString();
      const task = { taskId: 't1', createdAt: now, lastUpdatedAt: now, ttl: 300_000 };
      const sampling = await p.next((m) => m.method === 'sampling/createMessage');
      p.send({ jsonrpc: '2.0', id: sampling.id, result: { task: { ...task, status: 'working' } } });
      const answered = new Set<unknown>();
      for (;;) {
        const m = await p.next((x) => ((x.method === 'tasks/get' || x.method === 'tasks/result') && !answered.has(x.id)) || (x.id === 5 && !('method' in x)));
        if (m.id === 5 && !('method' in m)) {
          expect(JSON.stringify(m.result)).toContain('[COMPLETED]');
          expect(JSON.stringify(m.result)).toContain('task-result-from-agent');
          break;
        }
        answered.add(m.id);
        p.send({ jsonrpc: '2.0', id: m.id, result: m.method === 'tasks/get' ? { ...task, status: 'completed' } : { role: 'assistant', content: { type: 'text', text: 'task-result-from-agent' }, model: 'm' } });
      }
      expect(p.stderr).not.toContain('blocked');
    } finally {
      p.child.stdin.end();
      await p.exited;
    }
  });
});

