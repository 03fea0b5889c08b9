import type { ServerResponse } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/cli.js';
import { lockedHttpServer, sseEvent as event } from '../helpers/http-server.js';
import { peakRss } from '../helpers/rss.js';
import { ProxyProcess } from '../proxy/harness.js';

// Back-pressure toward the agent over HTTP. A Streamable HTTP server answers each tools/call with
// an event stream of 15 log notifications of 1 MiB, then the result, writing each event only
// when the socket drains. The agent sends 20 calls and stops reading. A stdio server was already
// held (the proxy stops reading it past 4 MiB queued for the agent); an HTTP server's streams
// were read whole: about 300 MiB queued in the proxy. Now the proxy stops reading every response
// body while its agent is not reading, so the server is held by the socket as a pipe holds it.
const scratch = tempDir('mcptrust-proxy-http-bp-');
const env = { PATH: process.env.PATH, HOME: scratch.dir };
const MiB = 1024 * 1024;
/** Bytes of log notifications the server has written so far. */
let written = 0;
const read = { name: 'read', inputSchema: { type: 'object', properties: { name: { type: 'string' } } } };

async function stream(res: ServerResponse, id: number): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'mcp-session-id': 's1' });
  for (let i = 0; i < 15; i++) {
    const text = event({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'x'.repeat(MiB - 200) } });
    written += text.length;
    if (!res.write(text)) await new Promise((r) => res.once('drain', r));
    if (res.destroyed) return;
  }
  res.end(event({ jsonrpc: '2.0', id, result: { content: [{ type: 'text', text: 'done' }] } }));
}

const server = lockedHttpServer(scratch.dir, env, { name: 'http-flood', tools: [read], capabilities: { tools: {}, logging: {} }, onCall: (m, res) => void stream(res, m.id) });
afterAll(() => scratch.cleanup());

describe('proxy over HTTP: an agent that does not read', () => {
  it('holds the server: the proxy stops reading its event streams, and every call still completes once the agent reads', async () => {
    const p = new ProxyProcess(['--lock', 'http.json', '--timeout', '120s', '--url', server.url], scratch.dir);
    await p.initialize();
    p.child.stdout.pause();
    for (let id = 1; id <= 20; id++) p.send({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'read', arguments: { name: 'x' } } });
    const peak = await peakRss(p.child.pid!, 5000);
    const heldAt = written;
    p.child.stdout.resume();
    for (let id = 1; id <= 20; id++) expect((await p.response(id)).result).toEqual({ content: [{ type: 'text', text: 'done' }] });
    p.child.stdin.end();
    expect((await p.exited).code).toBe(0);
    // 300 MiB to send. Unheld, the proxy read all of it and grew past 1 GB; held, the server got
    // out about 106 MiB (20 sockets' buffers, and the 4 MiB bound) and the proxy stayed near 110 MB.
    expect(heldAt).toBeLessThan(200 * MiB);
    expect(peak).toBeLessThan(300);
    expect(written).toBeGreaterThanOrEqual(300 * (MiB - 200));
  }, 180_000);
});
