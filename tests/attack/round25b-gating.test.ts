import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureServer, runCli, tempDir } from '../helpers/cli.js';
import { ProxyProcess } from '../proxy/harness.js';

// Round 25b: lock now declares every client capability, sub-capabilities included (elicitation
// form and url; tasks.requests.sampling…), so the lock pins tools a server shows only to agents
// declaring them. Behind the proxy, what the server asks of the agent passes only as far as the
// agent declared it (docs/proxy.md). testdata/servers/round25b-asker.mjs's tool `ask` sends the
// agent any request and returns its answer; a raw agent (ProxyProcess) shows what reaches it.
const scratch = tempDir('mcptrust-r25b-gating-');
const server = fixtureServer('round25b-asker.mjs');
afterAll(() => scratch.cleanup());

beforeAll(async () => {
  const r = await runCli(['lock', '--', ...server], { cwd: scratch.dir, env: { PATH: process.env.PATH, HOME: scratch.dir } });
  expect(r.code, r.stderr).toBe(0);
});

const SAMPLING = { messages: [{ role: 'user', content: { type: 'text', text: 'hi' } }], maxTokens: 5 };
const FORM = { mode: 'form', message: 'Name?', requestedSchema: { type: 'object', properties: { n: { type: 'string' } } } };
const URL_MODE = { mode: 'url', message: 'Log in', url: 'https://phish.invalid/login-r25b', elicitationId: 'e1' };

/** A proxy session for an agent declaring `capabilities`; the agent answers any request it is sent with {agent: method}. */
async function agent(capabilities: Record<string, unknown>): Promise<{ p: ProxyProcess; ask: (method: string, params?: unknown) => Promise<{ text: string; reached: boolean }> }> {
  const p = new ProxyProcess(['--lock', 'mcp-lock.json', '--', ...server], scratch.dir);
  p.send({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities, clientInfo: { name: 'r25b-agent', version: '1' } } });
  await p.response(0);
  p.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  let id = 10;
  const ask = async (method: string, params?: unknown) => {
    const callId = id++;
    const before = p.messages.length;
    p.send({ jsonrpc: '2.0', id: callId, method: 'tools/call', params: { name: 'ask', arguments: params === undefined ? { method } : { method, params } } });
    // Answer whatever request reaches the agent meanwhile.
    const answer = await p.next((m) => (m.id === callId && !('method' in m)) || ('method' in m && 'id' in m && m.method === method && p.messages.indexOf(m) >= before));
    let reached = false;
    if ('method' in answer) {
      reached = true;
      p.send({ jsonrpc: '2.0', id: answer.id, result: { agent: method } });
    }
    const result = await p.next((m) => m.id === callId && !('method' in m));
    return { text: (result.result as { content: { text: string }[] }).content[0].text, reached };
  };
  return { p, ask };
}

async function end(p: ProxyProcess): Promise<void> {
  p.child.stdin.end();
  expect((await p.exited).code).toBe(0);
}

describe('round 25b: what the server asks of the agent passes as far as the agent declared it', () => {
  it('an agent declaring nothing: roots/list, sampling and elicitation never reach it; the server gets an error', async () => {
    const { p, ask } = await agent({});
    for (const [method, params] of [['roots/list', {}], ['sampling/createMessage', SAMPLING], ['elicitation/create', FORM], ['elicitation/create', URL_MODE]] as const) {
      const r = await ask(method, params);
      expect(r.reached, method).toBe(false);
      expect(JSON.parse(r.text), method).toMatchObject({ error: { message: expect.stringMatching(/^blocked by mcptrust: /) } });
    }
    expect(p.messages.filter((m) => 'method' in m && 'id' in m)).toEqual([]);
    expect(p.stderr).toContain('blocked: sampling/createMessage');
    await end(p);
  });

  it('roots only: roots/list reaches the agent and its answer the server; sampling and elicitation do not', async () => {
    const { p, ask } = await agent({ roots: { listChanged: true } });
    const roots = await ask('roots/list', {});
    expect(roots.reached).toBe(true);
    expect(JSON.parse(roots.text)).toEqual({ result: { agent: 'roots/list' } });
    for (const [method, params] of [['sampling/createMessage', SAMPLING], ['elicitation/create', FORM]] as const) {
      const r = await ask(method, params);
      expect(r.reached, method).toBe(false);
      expect(JSON.parse(r.text)).toMatchObject({ error: { message: expect.stringMatching(/^blocked by mcptrust: /) } });
    }
    await end(p);
  });

  it('tasks/list, tasks/get and tasks/cancel never reach an agent that did not declare tasks', async () => {
    const { p, ask } = await agent({ sampling: {} });
    for (const method of ['tasks/list', 'tasks/get', 'tasks/cancel', 'tasks/result']) {
      const r = await ask(method, method === 'tasks/list' ? {} : { taskId: 't1' });
      expect(r.reached, method).toBe(false);
    }
    await end(p);
  });

  // OPEN: the proxy gates server requests by the top-level capability only
  // (src/proxy/session.ts SERVER_REQUEST_CAPABILITY): an agent that declared elicitation in form
  // mode only (`{form: {}}`, or `{}`, which the specification reads as form only) is still sent a
  // URL-mode elicitation (a link the user is asked to open), which the specification says a server
  // MUST NOT send it; lock itself now declares `{form, url}`, so the lock pins url-only tools too.
  // Reproduction: mcptrust lock -- node testdata/servers/round25b-asker.mjs; mcptrust proxy --lock
  //   mcp-lock.json -- node testdata/servers/round25b-asker.mjs; the agent initializes with
  //   capabilities {elicitation: {form: {}}} and calls tools/call ask {method: "elicitation/create",
  //   params: {mode: "url", message: "Log in", url: "https://phish.invalid/login-r25b", elicitationId: "e1"}}.
  //   observed: the URL-mode elicitation/create reaches the agent.
  //   expected: refused by the proxy ("blocked by mcptrust: the agent did not declare elicitation.url"),
  //   as a request for an undeclared capability is.
  it.skip('OPEN: a URL-mode elicitation reaches an agent that declared form-mode elicitation only', async () => {
    for (const elicitation of [{ form: {} }, {}]) {
      const { p, ask } = await agent({ elicitation });
      const form = await ask('elicitation/create', FORM);
      expect(form.reached).toBe(true);
      const url = await ask('elicitation/create', URL_MODE);
      expect(url.reached).toBe(false);
      await end(p);
    }
  });

  // OPEN: likewise a task-augmented sampling request (params.task) reaches an agent that declared
  // sampling but not tasks.requests.sampling.createMessage; the specification has the server send
  // it only to an agent that declared that.
  // Reproduction: as above, the agent declares {sampling: {}} and calls ask {method:
  //   "sampling/createMessage", params: {task: {ttl: 60000}, messages: […], maxTokens: 5}}.
  //   observed: it reaches the agent. expected: refused, or passed without `task`.
  it.skip('OPEN: a task-augmented sampling/createMessage reaches an agent that declared sampling without tasks', async () => {
    const { p, ask } = await agent({ sampling: {} });
    const r = await ask('sampling/createMessage', { ...SAMPLING, task: { ttl: 60_000 } });
    expect(r.reached).toBe(false);
    await end(p);
  });
});
