import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLockfile, serializeLockfile } from '../../src/lockfile/build.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { alive, auditLines, fixture, fixturePath, gone, ProxyProcess } from './harness.js';

// Each test locks the fixture in its mode (the lock pins the command, mode included), then
// drives the built proxy over stdio as an agent would.
const scratch = tempDir('mcptrust-proxy-');
const env = { PATH: process.env.PATH, HOME: scratch.dir };
const modes = ['plain', 'bait', 'list-changed', 'unsolicited', 'hang', 'crash', 'flood', 'sampling'];

beforeAll(async () => {
  for (const mode of modes) {
    const r = await runCli(['lock', '-o', `${mode}.json`, '--env', 'PIDFILE=/dev/null', '--', ...fixture(mode)], { cwd: scratch.dir, env });
    expect(r.code, r.stderr).toBe(0);
  }
}, 240_000);
afterAll(() => scratch.cleanup());

const proxy = (mode: string, ...flags: string[]) => {
  const pidFile = join(scratch.dir, `${mode}-${Math.random().toString(36).slice(2)}.pid`);
  const audit = join(scratch.dir, `${mode}-${Math.random().toString(36).slice(2)}.jsonl`);
  const p = new ProxyProcess(['--lock', `${mode}.json`, '--audit', audit, '--env', `PIDFILE=${pidFile}`, ...flags, '--', ...fixture(mode)], scratch.dir);
  return { p, pidFile, audit };
};

describe('preflight', () => {
  it('refuses to start a server that drifted from the lock: exit 1, the diff on stderr, nothing on stdout', async () => {
    const tools = Object.create(null);
    tools.read = { name: 'read', description: 'Read a note by name.', inputSchema: { type: 'object' } };
    const lock = createLockfile([
      {
        name: 'proxy-fixture',
        transport: { type: 'stdio', command: process.execPath, args: [fixturePath, 'plain'], env: [] },
        surface: {
          identity: { serverInfo: { name: 'proxy-fixture', version: '1.0.0' }, protocolVersion: '2025-11-25', capabilities: { tools: { listChanged: true } } },
          tools,
          prompts: Object.create(null),
          resources: Object.create(null),
          resourceTemplates: Object.create(null),
        },
      },
    ]);
    writeFileSync(join(scratch.dir, 'drifted.json'), serializeLockfile(lock));
    const p = new ProxyProcess(['--lock', 'drifted.json', '--', ...fixture('plain')], scratch.dir);
    p.send({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'a', version: '1' } } });
    expect((await p.exited).code).toBe(1);
    expect(p.messages).toEqual([]);
    expect(p.stderr).toMatch(/drift: drifted\.json → the live server/);
    expect(p.stderr).toMatch(/tool "read"/);
    expect(p.stderr).toMatch(/mcptrust proxy: the live server drifted at or above --fail-on any; not started \(exit 1\)/);
  }, 120_000);

  it('exits 2 with a clear message for a missing lockfile, before starting anything', async () => {
    const p = new ProxyProcess(['--lock', 'nope.json', '--', ...fixture('plain')], scratch.dir);
    expect((await p.exited).code).toBe(2);
    expect(p.stderr).toMatch(/nope\.json/);
    expect(p.stderr).not.toMatch(/at .*\.js:\d+/);
  }, 120_000);
});

describe('enforcement against hostile servers', () => {
  it('bait and switch: a poisoned re-listing is withheld item by item', async () => {
    const { p, audit } = proxy('bait');
    await p.initialize();
    const first = await p.call(1, 'tools/list', {});
    expect((first.result as { tools: { name: string }[] }).tools.map((t) => t.name)).toEqual(['read']);
    const second = await p.call(2, 'tools/list', {});
    expect(second.result).toEqual({ tools: [] });
    const withheld = auditLines(audit).filter((l) => l.decision === 'withheld');
    expect(withheld.map((l) => [l.item, l.reason])).toEqual([
      ['read', 'its definition differs from the locked one'],
      ['exfiltrate', 'not in the lock'],
    ]);
    p.child.stdin.end();
    expect((await p.exited).code).toBe(0);
  }, 120_000);

  it('a tool added after list_changed stays invisible and uncallable', async () => {
    const { p } = proxy('list-changed');
    await p.initialize();
    expect((await p.call(1, 'tools/call', { name: 'read', arguments: { name: 'a' } })).result).toEqual({ content: [{ type: 'text', text: 'note a' }] });
    await p.next((m) => m.method === 'notifications/tools/list_changed');
    expect((await p.call(2, 'tools/list', {})).result).toEqual({ tools: [expect.objectContaining({ name: 'read' })] });
    const blocked = await p.call(3, 'tools/call', { name: 'exfiltrate', arguments: {} });
    expect(blocked.error).toEqual({ code: -32010, message: 'blocked by mcptrust: the tool is not in the lock' });
    p.child.stdin.end();
    await p.exited;
  }, 120_000);

  it('schema-breaking arguments never reach the server', async () => {
    const { p, audit } = proxy('plain');
    await p.initialize();
    const r = await p.call(1, 'tools/call', { name: 'read', arguments: { name: { token: 'sk-live-do-not-log' } } });
    expect(r.error).toEqual({ code: -32010, message: 'blocked by mcptrust: arguments do not match the locked inputSchema: /name must be string' });
    const lines = auditLines(audit);
    expect(lines.at(-1)).toMatchObject({ method: 'tools/call', item: 'read', decision: 'blocked' });
    expect(JSON.stringify(lines)).not.toContain('sk-live');
    expect(p.stderr).not.toContain('sk-live');
    p.child.stdin.end();
    await p.exited;
  }, 120_000);

  it('responses for ids the proxy never sent are dropped and logged; the real answer arrives once', async () => {
    const { p, audit } = proxy('unsolicited');
    await p.initialize();
    // The agent uses ids 1 and 6: the server's "id + 5" answer must not reach id 6.
    const r = await p.call(1, 'tools/call', { name: 'read', arguments: { name: 'a' } });
    expect(r.result).toEqual({ content: [{ type: 'text', text: 'note a' }] });
    expect(p.messages.filter((m) => JSON.stringify(m).includes('spoofed'))).toEqual([]);
    const dropped = auditLines(audit).filter((l) => l.decision === 'dropped');
    expect(dropped).toHaveLength(2);
    expect(dropped[0]).toMatchObject({ method: '(response)', reason: 'a response to an id the proxy never sent, or already answered' });
    p.child.stdin.end();
    await p.exited;
  }, 120_000);

  it('a server that never answers: the agent gets an error after the timeout; closing stdin ends the server', async () => {
    const { p, pidFile } = proxy('hang', '--timeout', '5s');
    await p.initialize();
    const r = await p.call(1, 'tools/call', { name: 'read', arguments: { name: 'a' } });
    expect(r.error).toEqual({ code: -32001, message: 'mcptrust proxy: the server did not answer tools/call within 5s' });
    p.child.stdin.end();
    expect((await p.exited).code).toBe(0);
    expect(await gone(pidFile)).toHaveLength(2);
  }, 120_000);

  it('a server that crashes: pending requests get an error, the proxy exits with its status, nothing is left running', async () => {
    const { p, pidFile } = proxy('crash');
    await p.initialize();
    const r = await p.call(1, 'tools/call', { name: 'read', arguments: { name: 'a' } });
    expect(r.error).toEqual({ code: -32000, message: 'mcptrust proxy: the server closed the connection before answering tools/call' });
    expect((await p.exited).code).toBe(7);
    expect(p.stderr).toMatch(/mcptrust proxy: the server exited with code 7/);
    expect(await gone(pidFile)).toHaveLength(2);
    expect(alive(p.child.pid!)).toBe(false);
  }, 120_000);

  it('a flood of notifications and list_changed is bounded and reported', async () => {
    const { p, audit } = proxy('flood');
    await p.initialize();
    const r = await p.call(1, 'tools/call', { name: 'read', arguments: { name: 'a' } });
    expect(r.result).toBeDefined();
    const logs = p.messages.filter((m) => m.method === 'notifications/message').length;
    const relists = p.messages.filter((m) => m.method === 'notifications/tools/list_changed').length;
    // At most 1,000 a second pass (the flood may span a few seconds on a busy machine), and
    // list_changed at most once a second: far fewer than were sent either way.
    expect(logs).toBeLessThan(5000);
    expect(relists).toBeGreaterThanOrEqual(1);
    expect(relists).toBeLessThan(10);
    expect(auditLines(audit).some((l) => l.decision === 'dropped' && /more than 1000 notifications a second/.test(String(l.reason)))).toBe(true);
    p.child.stdin.end();
    await p.exited;
  }, 120_000);

  it('a server request needing a capability the agent did not declare is answered by the proxy, not passed', async () => {
    const { p, audit } = proxy('sampling');
    await p.initialize();
    await p.call(1, 'tools/call', { name: 'read', arguments: { name: 'a' } });
    expect(p.messages.some((m) => m.method === 'sampling/createMessage')).toBe(false);
    expect(auditLines(audit)).toContainEqual(expect.objectContaining({ method: 'sampling/createMessage', decision: 'blocked', reason: 'the agent did not declare the sampling capability' }));
    p.child.stdin.end();
    await p.exited;

    const declared = proxy('sampling');
    await declared.p.initialize({ sampling: {} });
    declared.p.send({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'read', arguments: { name: 'a' } } });
    expect(await declared.p.next((m) => m.method === 'sampling/createMessage')).toMatchObject({ id: 'srv-1' });
    declared.p.child.stdin.end();
    await declared.p.exited;
  }, 120_000);

  it('--audit-only logs what would be blocked and forwards it', async () => {
    const { p, audit } = proxy('plain', '--audit-only');
    await p.initialize();
    const r = await p.call(1, 'tools/call', { name: 'exfiltrate', arguments: {} });
    expect(r.result).toEqual({ content: [{ type: 'text', text: 'note undefined' }] });
    expect(auditLines(audit).at(-1)).toMatchObject({ method: 'tools/call', item: 'exfiltrate', decision: 'blocked', enforced: false });
    // stderr and stdout are two pipes: the line written before the call was forwarded may be
    // read after the answer, so it is awaited (bounded by the test's timeout).
    const notice = /mcptrust proxy: would be blocked: tools\/call exfiltrate: the tool is not in the lock/;
    while (!notice.test(p.stderr)) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(p.stderr).toMatch(notice);
    p.child.stdin.end();
    await p.exited;
  }, 120_000);
});

describe('the agent side', () => {
  it('answers garbage, batches and non-JSON-RPC with errors and keeps serving', async () => {
    const { p } = proxy('plain');
    await p.initialize();
    p.send('this is not json');
    expect(await p.next((m) => m.id === null && (m.error as { code: number }).code === -32700)).toBeDefined();
    p.send([{ jsonrpc: '2.0', id: 7, method: 'ping' }]);
    expect(await p.next((m) => m.id === null && (m.error as { message: string }).message === 'Invalid Request: batches are not supported')).toBeDefined();
    p.send({ jsonrpc: '1.0', id: 8, method: 'ping' });
    expect((await p.response(8)).error).toMatchObject({ code: -32600 });
    p.send(`${'['.repeat(1000)}${']'.repeat(1000)}`);
    expect(await p.next((m) => (m.error as { message?: string } | undefined)?.message === 'Parse error: the message nests too deeply')).toBeDefined();
    expect((await p.call(9, 'ping', {})).result).toEqual({});
    p.child.stdin.end();
    expect((await p.exited).code).toBe(0);
  }, 120_000);
});
