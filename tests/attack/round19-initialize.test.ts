/**
 * Round 19 attack on "lock pins the initialize result as the server sent it" (commit 13382f0):
 * guardTransport (src/mcp/surface.ts) keeps the first message whose id is the initialize
 * request's and that the SDK's `isJSONRPCResultResponse` accepts; the lock's identity
 * (capabilities, serverInfo) is taken from it instead of the SDK's parsed copy.
 *
 * The fixture testdata/servers/round19-init-server.mjs writes the lines a test gives it, verbatim,
 * as its answer to initialize (see its header). Properties that hold are plain tests; findings
 * are `it('FIXED (was OPEN): …')` with the exact reproduction, whose body asserts the expected behaviour.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot, runCli, tempDir } from '../helpers/cli.js';

const scratch = tempDir('mcptrust-round19i-');
afterAll(() => scratch.cleanup());
const env = { PATH: process.env.PATH, HOME: scratch.dir };
const serverFile = join(repoRoot, 'testdata', 'servers', 'round19-init-server.mjs');

/** One initialize response line; `id` is `$ID` (the request's id), `$SID` (it as a string) or a JSON text. */
const init = (capabilities: string, serverInfo: string, id = '$ID', extra = '') =>
  `{"jsonrpc":"2.0","id":${id},"result":{"protocolVersion":"2025-06-18","capabilities":${capabilities},"serverInfo":${serverInfo}${extra}}}`;

let count = 0;
/** A script file for the fixture; one path per call unless `file` is given (to keep a launch line the same). */
function script(lines: string[], file = join(scratch.dir, `script${++count}.json`)): string {
  writeFileSync(file, JSON.stringify({ init: lines }));
  return file;
}
const line = (file: string) => ['node', serverFile, `--script=${file}`];

interface Identity {
  capabilities: Record<string, unknown>;
  serverInfo: Record<string, unknown>;
  protocolVersion: string;
}
/** `lock --no-pin` of the fixture answering with `lines`, into its own output file. */
async function lock(lines: string[], options: { file?: string; out?: string; extra?: string[] } = {}) {
  const out = options.out ?? join(scratch.dir, `lock${++count}.json`);
  const r = await runCli(['lock', '--no-pin', '--timeout', '10s', ...(options.extra ?? []), '--output', out, '--', ...line(script(lines, options.file))], { cwd: scratch.dir, env });
  const text = existsSync(out) ? readFileSync(out, 'utf8') : undefined;
  const servers = text === undefined ? undefined : (JSON.parse(text) as { servers: Record<string, { identity: Identity; tools: Record<string, unknown> }> }).servers;
  return { ...r, out, text, servers };
}

function expectRefusedNothingWritten(r: Awaited<ReturnType<typeof lock>>, message: RegExp): void {
  expect(r.code, r.stderr).toBe(3);
  expect(r.stderr).toMatch(message);
  expect(r.stderr).not.toMatch(/\n\s+at |internal error/);
  expect(r.text).toBeUndefined();
}

// ————————————————————————————————————————————————————————————————————————————————
// 1. Several messages carrying the initialize id (the guard and the SDK agree)
// ————————————————————————————————————————————————————————————————————————————————

describe('1. messages with the initialize id: the guard keeps what the SDK takes', () => {
  it('two valid responses with the id: the first is pinned (the one the SDK took), the second is ignored', async () => {
    const r = await lock([init('{"tools":{},"a":1}', '{"name":"first","version":"1"}'), init('{"tools":{},"b":2}', '{"name":"second","version":"2"}')]);
    expect(r.code, r.stderr).toBe(0);
    expect(Object.keys(r.servers!)).toEqual(['first']);
    expect(r.servers!.first!.identity.capabilities).toEqual({ a: 1, tools: {} });
  });

  it.each<[string, string[], RegExp]>([
    ['a response with an extra top-level key (the strict guard refuses it) before a valid one', [init('{"tools":{}}', '{"name":"first","version":"1"}').replace('{"jsonrpc"', '{"x":1,"jsonrpc"'), init('{"tools":{}}', '{"name":"second","version":"2"}')], /server sent a message that is not JSON-RPC 2\.0/],
    ['an error response before a valid one', ['{"jsonrpc":"2.0","id":$ID,"error":{"code":1,"message":"no"}}', init('{"tools":{}}', '{"name":"second","version":"2"}')], /server returned an error to initialize: no \(code 1\)/],
    ['a JSON-RPC batch holding the response', [`[${init('{"tools":{}}', '{"name":"batch","version":"1"}')}]`, init('{"tools":{}}', '{"name":"after","version":"1"}')], /server sent a message that is not JSON-RPC 2\.0/],
    ['a server request with the id that also carries a result', ['{"jsonrpc":"2.0","id":$ID,"method":"ping","result":{"capabilities":{"evil":{}},"serverInfo":{"name":"evil","version":"1"}}}', init('{"tools":{}}', '{"name":"real","version":"1"}')], /server sent a message that is not JSON-RPC 2\.0/],
    ['a notification carrying id and result fields', ['{"jsonrpc":"2.0","method":"notifications/message","id":$ID,"result":{"capabilities":{"evil":{}},"serverInfo":{"name":"evil","version":"1"}}}', init('{"tools":{}}', '{"name":"real","version":"1"}')], /server sent a message that is not JSON-RPC 2\.0/],
    ['a result the SDK schema refuses (capabilities.tools a string)', [init('{"tools":"yes"}', '{"name":"s","version":"1"}')], /./],
    ['a result without serverInfo', ['{"jsonrpc":"2.0","id":$ID,"result":{"protocolVersion":"2025-06-18","capabilities":{}}}'], /./],
    ['capabilities that are an array', [init('[]', '{"name":"s","version":"1"}')], /./],
  ])('%s: exit 3, clear message, nothing written', async (_label, lines, message) => {
    expectRefusedNothingWritten(await lock(lines), message);
  });

  it('a notification and a server request before the response do not displace it', async () => {
    const r = await lock([
      '{"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"hi"}}',
      '{"jsonrpc":"2.0","id":"srv-1","method":"ping"}',
      init('{"tools":{},"real":true}', '{"name":"real","version":"1"}'),
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.servers!.real!.identity.capabilities).toEqual({ real: true, tools: {} });
  });
});

// ————————————————————————————————————————————————————————————————————————————————
// 2. Numbers, prototype-named keys, names, bounds
// ————————————————————————————————————————————————————————————————————————————————

describe('2. what is pinned from the result as sent', () => {
  it('1e400 in capabilities (or serverInfo): exit 3 with a clear message, nothing written', async () => {
    expectRefusedNothingWritten(await lock([init('{"tools":{},"x":{"n":1e400}}', '{"name":"big","version":"1"}')]), /non-finite number in JSON/);
    expectRefusedNothingWritten(await lock([init('{"tools":{}}', '{"name":"big","version":"1","n":-1e400}')]), /non-finite number in JSON/);
  });

  it('-0, 1.0, 1E+2, 0.1e1 are pinned in canonical form; locked twice the bytes are identical, and diff is exit 0', async () => {
    const file = join(scratch.dir, 'numbers.json');
    const lines = [init('{"tools":{},"x":{"a":-0,"b":1.0,"c":1E+2,"d":0.1e1,"e":1e-7,"f":123456789012345678901234567890}}', '{"name":"nums","version":"1","n":-0.0}')];
    const first = await lock(lines, { file });
    expect(first.code, first.stderr).toBe(0);
    expect(first.servers!.nums!.identity.capabilities.x).toEqual({ a: 0, b: 1, c: 100, d: 1, e: 1e-7, f: 1.2345678901234568e29 });
    expect(first.text).toContain('"e": 1e-7');
    expect(first.text).toContain('"f": 1.2345678901234568e+29');
    // The same numbers spelled otherwise are the same pin.
    const again = await lock([init('{"x":{"f":1.2345678901234568e29,"e":0.0000001,"d":1,"c":100,"b":1,"a":0},"tools":{}}', '{"n":0,"version":"1","name":"nums"}')], { file });
    expect(again.text).toBe(first.text);
    const diff = await runCli(['diff', '--no-pin', '--lock', first.out, '--', ...line(file)], { cwd: scratch.dir, env });
    expect(diff.code, diff.stdout + diff.stderr).toBe(0);
  });

  it('__proto__, constructor and toString at every level of capabilities and serverInfo: own members, pinned byte-stable; listing is decided by an own "tools" only', async () => {
    const file = join(scratch.dir, 'proto.json');
    const lines = [init('{"__proto__":{"tools":{}},"constructor":{"toString":{},"__proto__":{"prompts":{}}},"toString":{"__proto__":{"valueOf":1}},"hasOwnProperty":{}}', '{"name":"p","version":"1","__proto__":{"name":"x"},"toString":"s","constructor":1,"valueOf":{}}')];
    const first = await lock(lines, { file });
    expect(first.code, first.stderr).toBe(0);
    const identity = first.servers!.p!.identity;
    expect(Object.keys(identity.capabilities).sort()).toEqual(['__proto__', 'constructor', 'hasOwnProperty', 'toString']);
    expect(Object.keys(identity.serverInfo).sort()).toEqual(['__proto__', 'constructor', 'name', 'toString', 'valueOf', 'version']);
    expect(first.servers!.p!.tools).toEqual({}); // tools only under __proto__: not an own capability, not listed
    const again = await lock(lines, { file });
    expect(again.text).toBe(first.text);
    expect((await runCli(['diff', '--no-pin', '--lock', first.out, '--', ...line(file)], { cwd: scratch.dir, env })).code).toBe(0);
    // A change under __proto__ is drift, at its path.
    script([init('{"__proto__":{"tools":{"x":1}},"constructor":{"toString":{},"__proto__":{"prompts":{}}},"toString":{"__proto__":{"valueOf":1}},"hasOwnProperty":{}}', '{"name":"p","version":"1","__proto__":{"name":"x"},"toString":"s","constructor":1,"valueOf":{}}')], file);
    const drift = await runCli(['diff', '--no-pin', '--format', 'json', '--lock', first.out, '--', ...line(file)], { cwd: scratch.dir, env });
    expect(drift.code).toBe(1);
    expect((JSON.parse(drift.stdout) as { changes: { detail: { paths: string[] } }[] }).changes[0]!.detail.paths).toEqual(['/capabilities/__proto__/tools/x']);
  });

  it('"tools": {} is listed; an empty capabilities object lists nothing', async () => {
    const listed = await lock([init('{"tools":{}}', '{"name":"t1","version":"1"}')]);
    expect(Object.keys(listed.servers!.t1!.tools)).toEqual(['t']);
    const none = await lock([init('{}', '{"name":"t2","version":"1"}')]);
    expect(none.servers!.t2!.tools).toEqual({});
  });

  it('serverInfo.name "__proto__" names the server "__proto__"; an empty name gives "server"; every reader reads the lockfile back (exit 0)', async () => {
    const proto = await lock([init('{"tools":{}}', '{"name":"__proto__","version":"1"}')]);
    expect(proto.code, proto.stderr).toBe(0);
    expect(Object.keys(proto.servers!)).toEqual(['__proto__']);
    const empty = await lock([init('{"tools":{}}', '{"name":"","version":"1"}')]);
    expect(Object.keys(empty.servers!)).toEqual(['server']);
    for (const r of [proto, empty]) {
      const p = await runCli(['policy', 'check', '--preset', 'baseline', '--lock', r.out], { cwd: scratch.dir, env });
      expect([0, 1]).toContain(p.code);
      expect(p.stderr).not.toMatch(/internal error/);
    }
  });

  it('a duplicate key in capabilities: exit 3, nothing written', async () => {
    expectRefusedNothingWritten(await lock([init('{"tools":{},"tools":{"x":1}}', '{"name":"dup","version":"1"}')]), /key "tools" twice/);
  });

  it('capabilities nested past 256 levels: exit 3 naming the bound, nothing written; at 250 levels it locks and reads back', async () => {
    const nest = (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;
    expectRefusedNothingWritten(await lock([init(`{"tools":{},"deep":${nest(300)}}`, '{"name":"deep","version":"1"}')]), /deep|nest|level/i);
    const ok = await lock([init(`{"tools":{},"deep":${nest(250)}}`, '{"name":"deep","version":"1"}')]);
    expect(ok.code, ok.stderr).toBe(0);
    expect((await runCli(['policy', 'check', '--preset', 'baseline', '--lock', ok.out], { cwd: scratch.dir, env })).stderr).not.toMatch(/internal error|deeper/);
  });

  it('capabilities that change between two starts of the same line are drift for diff and check (exit 1), the path named', async () => {
    const file = join(scratch.dir, 'drift.json');
    const first = await lock([init('{"tools":{},"weird":{"v":1}}', '{"name":"d","version":"1","build":"a"}')], { file });
    expect(first.code, first.stderr).toBe(0);
    script([init('{"tools":{},"weird":{"v":2}}', '{"name":"d","version":"1","build":"b"}')], file);
    const diff = await runCli(['diff', '--no-pin', '--format', 'json', '--lock', first.out, '--', ...line(file)], { cwd: scratch.dir, env });
    expect(diff.code).toBe(1);
    expect((JSON.parse(diff.stdout) as { changes: { detail: { paths: string[] } }[] }).changes[0]!.detail.paths.sort()).toEqual(['/capabilities/weird/v', '/serverInfo/build']);
    const check = await runCli(['check', '--no-pin', '--lock', first.out, '--', ...line(file)], { cwd: scratch.dir, env });
    expect(check.code, check.stdout + check.stderr).toBe(1);
    // and the unchanged server passes check
    script([init('{"tools":{},"weird":{"v":1}}', '{"name":"d","version":"1","build":"a"}')], file);
    const same = await runCli(['check', '--no-pin', '--lock', first.out, '--', ...line(file)], { cwd: scratch.dir, env });
    expect(same.code, same.stdout + same.stderr).toBe(0);
  });
});

// ————————————————————————————————————————————————————————————————————————————————
// 3. Streamable HTTP: the initialize response as JSON and over SSE
// ————————————————————————————————————————————————————————————————————————————————

describe('3. Streamable HTTP', () => {
  /** A server answering initialize with `initLines` (raw JSON texts, `$ID` replaced), as JSON (one line) or as SSE events. */
  async function lockOver(initLines: string[], sse: boolean) {
    const server: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        if (req.method !== 'POST') return void res.writeHead(405).end();
        const msg = body === '' ? {} : (JSON.parse(body) as { id?: number | string; method?: string });
        if (msg.id === undefined) return void res.writeHead(202).end();
        const texts = msg.method === 'initialize'
          ? initLines.map((l) => l.replaceAll('$SID', JSON.stringify(String(msg.id))).replaceAll('$ID', JSON.stringify(msg.id)))
          : [JSON.stringify({ jsonrpc: '2.0', id: msg.id, result: msg.method === 'tools/list' ? { tools: [{ name: 'echo', inputSchema: { type: 'object' } }] } : {} })];
        if (sse) res.writeHead(200, { 'content-type': 'text/event-stream' }).end(texts.map((t) => `event: message\ndata: ${t}\n\n`).join(''));
        else res.writeHead(200, { 'content-type': 'application/json' }).end(texts[0]);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const out = join(scratch.dir, `http${++count}.lock.json`);
    try {
      const r = await runCli(['lock', '--timeout', '10s', '--output', out, '--url', `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`], { cwd: scratch.dir, env });
      const text = existsSync(out) ? readFileSync(out, 'utf8') : undefined;
      return { ...r, text, identity: text === undefined ? undefined : (Object.values((JSON.parse(text) as { servers: Record<string, { identity: Identity }> }).servers)[0]!.identity) };
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  }

  it('the same initialize result as JSON and over SSE pins the same identity, unknown members and __proto__ kept', async () => {
    const lines = [init('{"tools":{"x":[1]},"weird":{"__proto__":{"v":1}}}', '{"name":"h","version":"1","extra":true}')];
    const json = await lockOver(lines, false);
    const sse = await lockOver(lines, true);
    expect(json.code, json.stderr).toBe(0);
    expect(sse.code, sse.stderr).toBe(0);
    expect(sse.identity).toEqual(json.identity);
    expect(Object.keys(json.identity!.capabilities.weird as object)).toEqual(['__proto__']);
    expect(json.identity!.serverInfo).toEqual({ name: 'h', version: '1', extra: true });
  });

  it('over SSE, a second event with the initialize id is ignored (the first is pinned)', async () => {
    const r = await lockOver([init('{"tools":{},"n":1}', '{"name":"first","version":"1"}'), init('{"tools":{},"n":2}', '{"name":"second","version":"1"}')], true);
    expect(r.code, r.stderr).toBe(0);
    expect(r.identity!.serverInfo.name).toBe('first');
    expect(r.identity!.capabilities.n).toBe(1);
  });
});

// ————————————————————————————————————————————————————————————————————————————————
// 4. Findings
// ————————————————————————————————————————————————————————————————————————————————

describe('4. FIXED (were OPEN) findings', () => {
  // The SDK's Protocol._onresponse matches a response by Number(response.id): the id "0" (or "",
  // " 0", "0.0") answers the initialize request 0. guardTransport compares with ===, so it skips
  // that response and keeps the next one with the numeric id, which the SDK drops as "a response
  // for an unknown message ID" and never validates.
  it('FIXED (was OPEN): the guard pins a response the SDK never took. Repro: fixture round19-init-server.mjs answering initialize with two lines, {"jsonrpc":"2.0","id":"0","result":{…"capabilities":{"tools":{}},"serverInfo":{"name":"honest","version":"1"}}} then {"jsonrpc":"2.0","id":0,"result":{…"capabilities":{"tools":"yes","evil":{}},"serverInfo":{}}}; `mcptrust lock --no-pin -- node round19-init-server.mjs --script=FILE`: exit 0, the lock names the server "server" and pins capabilities {"evil":{},"tools":"yes"} and serverInfo {} — a result the SDK schema refuses (no name, no version, tools a string), while the SDK negotiated with the first. The same with id "" for the first. Expected: the pinned identity is the response the SDK took (the first), or lock refuses (exit 3)', async () => {
    for (const sid of ['$SID', '""']) {
      const r = await lock([init('{"tools":{}}', '{"name":"honest","version":"1"}', sid), init('{"tools":"yes","evil":{}}', '{}')]);
      if (r.code === 0) {
        expect(Object.keys(r.servers!)).toEqual(['honest']);
        expect(r.servers!.honest!.identity.capabilities).toEqual({ tools: {} });
      } else expectRefusedNothingWritten(r, /./);
    }
  });

  it('FIXED (was OPEN): the same over Streamable HTTP (SSE). Repro: a POST /mcp server answering initialize with an event stream of two events, {"jsonrpc":"2.0","id":"0","result":{…valid, serverInfo "honest"…}} then {"jsonrpc":"2.0","id":0,"result":{"protocolVersion":"2025-06-18","capabilities":{"tools":"yes"},"serverInfo":{}}}; `mcptrust lock --url http://127.0.0.1:PORT/mcp`: exit 0, server "server", capabilities {"tools":"yes"}, serverInfo {}. Expected: the SDK-validated first response pinned, or exit 3', async () => {
    const server: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        if (req.method !== 'POST') return void res.writeHead(405).end();
        const m = JSON.parse(body) as { id?: number; method?: string };
        if (m.id === undefined) return void res.writeHead(202).end();
        const texts = m.method === 'initialize'
          ? [init('{"tools":{}}', '{"name":"honest","version":"1"}', JSON.stringify(String(m.id))), init('{"tools":"yes"}', '{}', JSON.stringify(m.id))]
          : [JSON.stringify({ jsonrpc: '2.0', id: m.id, result: m.method === 'tools/list' ? { tools: [] } : {} })];
        res.writeHead(200, { 'content-type': 'text/event-stream' }).end(texts.map((t) => `event: message\ndata: ${t}\n\n`).join(''));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const out = join(scratch.dir, `http-sid${++count}.lock.json`);
    try {
      const r = await runCli(['lock', '--timeout', '10s', '--output', out, '--url', `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`], { cwd: scratch.dir, env });
      if (r.code === 0) expect(Object.keys((JSON.parse(readFileSync(out, 'utf8')) as { servers: object }).servers)).toEqual(['honest']);
      else expect(existsSync(out)).toBe(false);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('FIXED (was OPEN): through the same id mismatch, a serverInfo.name that is an object whose toString/valueOf are not functions crashes lock after the lockfile is written. Repro: initialize answered with {"jsonrpc":"2.0","id":"0","result":{…valid…}} then {"jsonrpc":"2.0","id":0,"result":{"protocolVersion":"2025-06-18","capabilities":{"tools":{}},"serverInfo":{"name":{"toString":1,"valueOf":1},"version":"2"}}}; `mcptrust lock --no-pin --output L -- node round19-init-server.mjs --script=FILE`: exit 2 "internal error: Cannot convert object to primitive value … please report it", and L was written anyway (cmd/render/lock.ts String(info.name)). Expected: exit 3 with a protocol message, nothing written', async () => {
    const r = await lock([init('{"tools":{}}', '{"name":"honest","version":"1"}', '$SID'), init('{"tools":{}}', '{"name":{"toString":1,"valueOf":1},"version":{"toString":1}}')]);
    expect(r.stderr).not.toMatch(/internal error/);
    if (r.code !== 0) expect(r.text).toBeUndefined();
  });
});
