import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtCli, runCli, tempDir } from '../helpers/cli.js';
import { peakRss, rssMb } from '../helpers/rss.js';
import { ProxyProcess } from '../proxy/harness.js';

// Round 24b: the HTTP read gate (8cb05e8) and the per-event bound of event streams (f62bdce),
// attacked with a loopback Streamable HTTP server of this file's own.
const scratch = tempDir('mcptrust-r24b-http-');
const env = { PATH: process.env.PATH, HOME: scratch.dir };
const MiB = 1024 * 1024;
const tools = ['json-partial', 'nocolon', 'small', 'big'].map((name) => ({ name, inputSchema: { type: 'object' } }));
/** How the server answers initialize and tools/list: plainly, or with a hostile event stream. */
let initMode: 'plain' | 'nocolon' | 'bom-dup' = 'plain';
let listMode: 'plain' | 'bom-dup' | 'dup' = 'plain';
let holdNotifications = false;
const held: ServerResponse[] = [];
let url = '';
const server = createServer((req, res) => {
  if (req.method !== 'POST') return void res.writeHead(405).end();
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    const m = JSON.parse(body) as { id?: number; method: string; params?: { protocolVersion?: string; name?: string } };
    if (m.id === undefined) {
      if (holdNotifications) return void held.push(res);
      return void res.writeHead(202).end();
    }
    if (m.method === 'initialize' && initMode === 'nocolon') return endless(res, 'data\n');
    if (m.method === 'tools/call') return call(res, m.id, m.params?.name ?? '');
    const result =
      m.method === 'initialize'
        ? { protocolVersion: m.params?.protocolVersion, capabilities: { tools: {}, logging: {} }, serverInfo: { name: 'r24b', version: '1.0.0' } }
        : m.method === 'tools/list'
          ? { tools }
          : {};
    let text = JSON.stringify({ jsonrpc: '2.0', id: m.id, result });
    if (m.method === 'tools/list' && listMode !== 'plain') {
      text = text.replace('"name":"small"', '"name":"small","name":"smuggled"');
      const prefix = listMode === 'bom-dup' ? '\u00ef\u00bb\u00bf' : '';
      res.writeHead(200, { 'content-type': 'text/event-stream', 'mcp-session-id': 's1' });
      return void res.end(`${prefix}data: ${text}\n\n`);
    }
    res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 's1' }).end(text);
  });
});

/** An event stream that writes `piece` for ever, as fast as the socket takes it. */
function endless(res: ServerResponse, piece: string): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'mcp-session-id': 's1' });
  const chunk = piece.repeat(Math.ceil(1_000_000 / piece.length));
  const pump = () => {
    while (!res.destroyed && res.write(chunk));
    if (!res.destroyed) res.once('drain', pump);
  };
  pump();
}

function call(res: ServerResponse, id: number, name: string): void {
  if (name === 'json-partial') {
    // A JSON body of 15 MiB, within the bound, whose last bytes never come.
    res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 's1' });
    res.write(`{"jsonrpc":"2.0","id":${id},"result":{"content":[{"type":"text","text":"${'x'.repeat(15 * MiB)}`);
    return;
  }
  if (name === 'nocolon') return endless(res, 'data\n');
  if (name === 'big') return void res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 's1' }).end(JSON.stringify({ jsonrpc: '2.0', id, result: { content: [{ type: 'text', text: 'y'.repeat(MiB) }] } }));
  res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 's1' }).end(JSON.stringify({ jsonrpc: '2.0', id, result: { content: [{ type: 'text', text: 'ok' }] } }));
}

beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
  const r = await runCli(['lock', '-o', 'http.json', '--url', url], { cwd: scratch.dir, env });
  expect(r.code, r.stderr).toBe(0);
}, 60_000);
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  scratch.cleanup();
});

/** `lock --url` as a process, with its peak RSS. */
async function lockProcess(out: string, timeout: string): Promise<{ code: number | null; stderr: string; peak: number }> {
  const child = spawn(process.execPath, [builtCli, 'lock', '-o', out, '--url', url, '--timeout', timeout], { cwd: scratch.dir, env });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  let peak = 0;
  let done = false;
  void exited.then(() => (done = true));
  while (!done) {
    peak = Math.max(peak, rssMb(child.pid!));
    await new Promise((r) => setTimeout(r, 100));
  }
  return { code: await exited, stderr, peak };
}

describe('round 24b: event streams the per-event bound does not see', () => {
  it('a plain duplicate member name in an event-stream tools/list is refused by lock --url (exit 3)', async () => {
    listMode = 'dup';
    try {
      const r = await runCli(['lock', '-o', 'dup.json', '--url', url], { cwd: scratch.dir, env });
      expect(r.code).toBe(3);
      expect(r.stderr).toContain('with the key "name" twice');
      expect(existsSync(join(scratch.dir, 'dup.json'))).toBe(false);
    } finally {
      listMode = 'plain';
    }
  });

  // Was OPEN: eventsource-parser (the SDK's) drops "ï»¿" (U+00EF U+00BB U+00BF, a BOM read as
  // Latin-1) at the start of the first chunk of every stream; MessageChecker does not, so the
  // stream's first line "ï»¿data: {…}" is no data line to the checker and its message is never
  // checked. Reproduction: a Streamable HTTP server answering tools/list with the event stream
  // body "\u00ef\u00bb\u00bfdata: {…"tools":[…{"name":"small","name":"smuggled",…}]}\n\n";
  // `mcptrust lock -o dup.json --url URL` exits 0 and pins tool "smuggled" (JSON.parse keeps the
  // last name; a first-wins agent reads "small"). Without the prefix: exit 3, "with the key
  // "name" twice". Expected: the same refusal (strip the prefix as the parser does, or refuse it).
  it('a stream starting with "ï»¿" is read as the SDK reads it: its duplicate name refused, exit 3 (was OPEN: lock pinned "smuggled")', async () => {
    listMode = 'bom-dup';
    try {
      const r = await runCli(['lock', '-o', 'bomdup.json', '--url', url], { cwd: scratch.dir, env });
      expect(r.code).toBe(3);
      expect(existsSync(join(scratch.dir, 'bomdup.json'))).toBe(false);
    } finally {
      listMode = 'plain';
    }
  });

  // Was OPEN: a line "data" with no colon is a data field with an empty value (HTML §9.2.6; the
  // SDK's eventsource-parser appends "\n" to the event's data for each one), but MessageChecker
  // counts only lines starting "data:", so the event is never over its bound while the SDK's
  // parser grows a string for ever (and a cons-string node per 5-byte line). Reproduction: a
  // server answering initialize with an event stream of "data\n" repeated without end;
  // `mcptrust lock -o out.json --url URL --timeout 30s` ends by the timeout (exit 3, nothing
  // written) but peaked at 2.4 GB RSS here (700 MB with --timeout 5s); the same stream with
  // "data:\n" lines is refused at 16 MiB. Expected: refused as "an event of more than 16 MiB".
  it('an event of "data" lines without a colon counts against the 16 MiB bound: exit 3, nothing written, bounded memory (was OPEN: 2.4 GB until --timeout)', async () => {
    initMode = 'nocolon';
    try {
      const r = await lockProcess('nocolon.json', '10s');
      expect(r.code).toBe(3);
      expect(existsSync(join(scratch.dir, 'nocolon.json'))).toBe(false);
      expect(r.peak).toBeLessThan(400);
    } finally {
      initMode = 'plain';
    }
  }, 60_000);
});

describe('round 24b: the proxy over HTTP, what the read gate holds and what it does not', () => {
  it('JSON bodies to an agent that stops reading: held, and every call completes once it reads again (no deadlock)', async () => {
    const p = new ProxyProcess(['--lock', 'http.json', '--timeout', '120s', '--url', url], scratch.dir);
    await p.initialize();
    p.child.stdout.pause();
    for (let id = 1; id <= 60; id++) p.send({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'big', arguments: {} } });
    const peak = await peakRss(p.child.pid!, 3000);
    p.child.stdout.resume();
    for (let id = 1; id <= 60; id++) expect(((await p.response(id)).result as { content: { text: string }[] }).content[0]!.text).toHaveLength(MiB);
    expect((await p.call(99, 'ping', {})).result).toEqual({});
    p.child.stdin.end();
    expect((await p.exited).code).toBe(0);
    expect(peak).toBeLessThan(400);
  }, 120_000);

  // Was OPEN (20 concurrent JSON bodies of 15 MiB whose last bytes never come grew the proxy to
  // about 720 MB while its agent read): now tests/attack/proxy-http-hold-budget.test.ts.

  // Was OPEN: the same "data" lines without a colon as above, through the proxy: the request times
  // out (-32001 after --timeout 3s) but the stream goes on being read, so the proxy grows for as
  // long as the server writes. Reproduction: tools/call of a tool whose answer is an event stream
  // of "data\n" for ever; proxy RSS 1 GB after 8 s here. Expected: the stream refused at 16 MiB
  // (and a stream whose request timed out no longer read).
  it('an event of "data" lines without a colon is refused at 16 MiB by the proxy too: bounded memory (was OPEN: 1 GB after 8 s)', async () => {
    const p = new ProxyProcess(['--lock', 'http.json', '--timeout', '3s', '--url', url], scratch.dir);
    await p.initialize();
    p.send({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'nocolon', arguments: {} } });
    const peak = await peakRss(p.child.pid!, 8000);
    p.child.kill('SIGKILL');
    expect(peak).toBeLessThan(300);
  }, 60_000);

  // Was OPEN: notifications (and the agent's responses) toward an HTTP server were POSTs nobody
  // bounded: a server that does not answer a notification's POST left each one in flight.
  // Reproduction: a server that never answers POSTs without an id; the agent writes 40,000 lines
  // of {"jsonrpc":"2.0","method":"notifications/roots/list_changed"}: after 6 s the server held
  // 3,212 open POSTs (and rising) and the proxy's RSS was 414 MB. Now past 256 POSTs waiting for
  // their answer the proxy stops reading the agent, as a stdio server's full stdin holds it: a
  // tools/call written after the flood is read once the server answers them, and answered.
  it('notifications to an HTTP server that does not answer them: at most 256 POSTs in flight, the agent held until it answers (was OPEN: without bound)', async () => {
    const p = new ProxyProcess(['--lock', 'http.json', '--timeout', '10s', '--url', url], scratch.dir);
    await p.initialize();
    holdNotifications = true;
    try {
      const line = `${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/roots/list_changed' })}\n`;
      for (let i = 0; i < 20; i++) p.child.stdin.write(line.repeat(2000));
      p.send({ jsonrpc: '2.0', id: 99, method: 'tools/call', params: { name: 'small', arguments: {} } });
      const peak = await peakRss(p.child.pid!, 6000);
      expect(held.length).toBeGreaterThan(200);
      expect(held.length).toBeLessThanOrEqual(260);
      expect(peak).toBeLessThan(300);
      expect(p.messages.some((m) => m.id === 99)).toBe(false);
      // The server answers what it holds (and every later one at once): the agent is read again.
      holdNotifications = false;
      for (const res of held.splice(0)) res.writeHead(202).end();
      const answer = await p.response(99);
      expect(answer.result ?? answer.error).toBeDefined();
      expect(answer.error).toBeUndefined();
    } finally {
      holdNotifications = false;
      for (const res of held.splice(0)) res.writeHead(202).end();
      p.child.kill('SIGKILL');
    }
  }, 60_000);
});
