import type { ServerResponse } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/cli.js';
import { lockedHttpServer, sseEvent as event } from '../helpers/http-server.js';
import { ProxyProcess } from '../proxy/harness.js';

// An HTTP server's event stream was bounded whole, at the 16 MiB limit of one message (64 MiB
// for legacy SSE): a proxied session whose server sent more than that in one stream (a long
// operation's progress, a chatty log, the standalone stream over hours) was cut, and the
// transport closed with it, ending the agent's session. The bound is per event now; an event
// over it is still refused by name.
const scratch = tempDir('mcptrust-proxy-http-stream-');
const env = { PATH: process.env.PATH, HOME: scratch.dir };
const MiB = 1024 * 1024;
const tools = [
  { name: 'long', inputSchema: { type: 'object' } },
  { name: 'huge', inputSchema: { type: 'object' } },
];

async function stream(res: ServerResponse, id: number, name: string): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'mcp-session-id': 's1' });
  const write = async (text: string) => {
    if (!res.write(text)) await new Promise((r) => res.once('drain', r));
  };
  if (name === 'huge') {
    // One event of 17 MiB, its data split over many lines.
    await write('event: message\n');
    for (let i = 0; i < 17; i++) await write(`data: ${'x'.repeat(MiB)}\n`);
    return void res.end('\n');
  }
  for (let i = 0; i < 40; i++) await write(event({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'x'.repeat(MiB - 200) } }));
  res.end(event({ jsonrpc: '2.0', id, result: { content: [{ type: 'text', text: 'done' }] } }));
}

const server = lockedHttpServer(scratch.dir, env, { name: 'http-stream', tools, capabilities: { tools: {}, logging: {} }, onCall: (m, res) => void stream(res, m.id, m.params?.name ?? '') });
afterAll(() => scratch.cleanup());

describe('proxy over HTTP: an event stream longer than one message', () => {
  it('40 MiB of notifications in one stream reach the agent, then the result; the session goes on', async () => {
    const p = new ProxyProcess(['--lock', 'http.json', '--timeout', '120s', '--url', server.url], scratch.dir);
    await p.initialize();
    const answer = await p.call(1, 'tools/call', { name: 'long', arguments: {} });
    expect(answer.result).toEqual({ content: [{ type: 'text', text: 'done' }] });
    // The proxy passes at most 1,000 notifications a second: all 40 arrive.
    expect(p.messages.filter((m) => m.method === 'notifications/message')).toHaveLength(40);
    expect((await p.call(2, 'ping', {})).result).toEqual({});
    p.child.stdin.end();
    expect((await p.exited).code).toBe(0);
  }, 120_000);

  it('one event of 17 MiB is refused by name, and never reaches the agent whole', async () => {
    const p = new ProxyProcess(['--lock', 'http.json', '--timeout', '120s', '--url', server.url], scratch.dir);
    await p.initialize();
    p.send({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'huge', arguments: {} } });
    const { code } = await p.exited;
    expect(code).toBe(3);
    expect(p.stderr).toContain('server sent an event of more than 16 MiB, the limit per message');
    expect(p.messages.some((m) => JSON.stringify(m).length > 16 * MiB)).toBe(false);
  }, 120_000);
});
