import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/cli.js';
import { lockedHttpServer, sseEvent } from '../helpers/http-server.js';
import { peakRss } from '../helpers/rss.js';
import { ProxyProcess } from '../proxy/harness.js';

// What the proxy holds for messages an HTTP server has begun and not finished, counted across
// every response body of the session (src/mcp/http.ts HoldBudget). Before, each request in
// flight could hold its own unfinished message of up to 16 MiB: 20 JSON bodies of 15 MiB whose
// last bytes never come grew the proxy to about 720 MB, with an agent that reads everything
// (round 24b's OPEN finding). Now past 16 MiB held only the message begun first reads on, and
// the others wait in their sockets, so the server is held as a stdio server is, mid-line.
const scratch = tempDir('mcptrust-proxy-hold-');
const env = { PATH: process.env.PATH, HOME: scratch.dir };
const MiB = 1024 * 1024;
const tools = ['partial', 'slow-json', 'slow-event', 'small'].map((name) => ({ name, inputSchema: { type: 'object' } }));

/** Writes `text` in 64 KiB pieces, waiting a turn between them and for the socket to drain. */
async function trickle(res: ServerResponse, text: string, end: boolean): Promise<void> {
  for (let at = 0; at < text.length && !res.destroyed; at += 64 * 1024) {
    if (!res.write(text.slice(at, at + 64 * 1024))) await new Promise((r) => res.once('drain', r));
    await new Promise((r) => setImmediate(r));
  }
  if (end) res.end();
}

const answer = (id: number, text: string) => JSON.stringify({ jsonrpc: '2.0', id, result: { content: [{ type: 'text', text }] } });

function onCall(m: { id: number; params?: { name?: string; arguments?: { digit?: string } } }, res: ServerResponse): void {
  const name = m.params?.name;
  // The proxy numbers its own requests upstream: the digit the answer repeats comes from the call.
  const digit = m.params?.arguments?.digit ?? '0';
  if (name === 'partial') {
    // A JSON body of 15 MiB, within the bound, whose closing bytes never come.
    res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 's1' });
    void trickle(res, answer(m.id, 'x'.repeat(15 * MiB)).slice(0, -10), false);
    return;
  }
  if (name === 'slow-json') {
    res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 's1' });
    void trickle(res, answer(m.id, digit.repeat(10 * MiB)), true);
    return;
  }
  if (name === 'slow-event') {
    // One event of 10 MiB in a stream, after a small notification.
    res.writeHead(200, { 'content-type': 'text/event-stream', 'mcp-session-id': 's1' });
    const note = sseEvent({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: `call ${digit}` } });
    void trickle(res, note + sseEvent(JSON.parse(answer(m.id, digit.repeat(10 * MiB)))), true);
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 's1' }).end(answer(m.id, 'ok'));
}

const server = lockedHttpServer(scratch.dir, env, { name: 'hold-budget', tools, capabilities: { tools: {}, logging: {} }, onCall });
afterAll(() => scratch.cleanup());

describe('proxy over HTTP: unfinished messages are held within one budget across responses', () => {
  it('20 JSON bodies of 15 MiB that never end: the proxy stays bounded while its agent reads (was OPEN: about 720 MB)', async () => {
    const p = new ProxyProcess(['--lock', 'http.json', '--timeout', '5s', '--url', server.url], scratch.dir);
    await p.initialize();
    for (let id = 1; id <= 20; id++) p.send({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'partial', arguments: {} } });
    const peak = await peakRss(p.child.pid!, 4000);
    // The calls end as the proxy's --timeout says, each with an error to the agent.
    for (let id = 1; id <= 20; id++) expect((await p.response(id)).error).toMatchObject({ code: -32001 });
    p.child.kill('SIGKILL');
    expect(peak).toBeLessThan(300);
  }, 90_000);

  it('honest large answers in parallel, JSON bodies and events, more than the budget together: every one arrives whole and in order of its own bytes', async () => {
    const p = new ProxyProcess(['--lock', 'http.json', '--timeout', '120s', '--url', server.url], scratch.dir);
    await p.initialize();
    // 6 answers of 10 MiB written a piece at a time, interleaved on 6 sockets: 60 MiB begun at
    // once against a budget of 16 MiB. None may wait for ever on another.
    for (let id = 1; id <= 6; id++) p.send({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: id % 2 ? 'slow-json' : 'slow-event', arguments: { digit: String(id) } } });
    for (let id = 1; id <= 6; id++) {
      const text = ((await p.response(id)).result as { content: { text: string }[] }).content[0]!.text;
      expect(text.length, `call ${id}`).toBe(10 * MiB);
      expect(text === String(id).repeat(10 * MiB), `call ${id}`).toBe(true);
    }
    // The notifications before each event-stream answer came through too.
    for (const id of [2, 4, 6]) expect(p.messages.some((m) => m.method === 'notifications/message' && (m.params as { data?: string }).data === `call ${id}`), `call ${id}`).toBe(true);
    // Nothing is left held: a small call is answered at once.
    expect((await p.call(99, 'tools/call', { name: 'small', arguments: {} })).result).toEqual({ content: [{ type: 'text', text: 'ok' }] });
    p.child.stdin.end();
    expect((await p.exited).code).toBe(0);
  }, 180_000);

  it('lock --url reads through the same bounded fetch: the honest listing is pinned whole', async () => {
    const r = await runCli(['lock', '-o', 'ok.json', '--url', server.url], { cwd: scratch.dir, env });
    expect(r.code, r.stderr).toBe(0);
    expect(Object.keys(JSON.parse(readFileSync(`${scratch.dir}/ok.json`, 'utf8')).servers['hold-budget'].tools)).toEqual(['partial', 'slow-event', 'slow-json', 'small']);
  }, 60_000);
});
