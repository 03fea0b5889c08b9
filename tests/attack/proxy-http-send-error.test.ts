import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/cli.js';
import { lockedHttpServer } from '../helpers/http-server.js';
import { ProxyProcess } from '../proxy/harness.js';

// A Streamable HTTP server that answers initialize and tools/list, but refuses every tools/call
// POST with HTTP 500. The transport's send rejected and the proxy swallowed it: the agent's
// request waited for --timeout and was then told the server "did not answer" — it must be told
// at once that the request could not be delivered.
const scratch = tempDir('mcptrust-proxy-http-');
const env = { PATH: process.env.PATH, HOME: scratch.dir };
const read = { name: 'read', inputSchema: { type: 'object', properties: { name: { type: 'string' } } } };

const server = lockedHttpServer(scratch.dir, env, {
    name: 'http-500',
    tools: [read],
    onCall: (_, res) => void res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error'),
  });
afterAll(() => scratch.cleanup());

describe('proxy over HTTP: a request the server refuses', () => {
  it('is answered with an error at once, not left to time out', async () => {
    const p = new ProxyProcess(['--lock', 'http.json', '--timeout', '20s', '--url', server.url], scratch.dir);
    await p.initialize();
    const answer = await p.call(1, 'tools/call', { name: 'read', arguments: { name: 'x' } });
    const error = answer.error as { code: number; message: string };
    expect(error.code).toBe(-32000);
    expect(error.message).toMatch(/could not deliver tools\/call to the server \(HTTP 500\)/);
    expect(error.message).not.toMatch(/did not answer/);
    p.child.stdin.end();
    expect((await p.exited).code).toBe(0);
  }, 60_000);
});
