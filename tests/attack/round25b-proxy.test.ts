import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixtureServer, runCli, tempDir } from '../helpers/cli.js';
import { ProxyProcess } from '../proxy/harness.js';

// Round 25b: the proxy's preflight reads with lock's reader, which now declares every client
// capability (ef7dff9). testdata/servers/round25-server.mjs asks the reader things of its own
// (MODE); toward the agent's own session it is honest.
const scratch = tempDir('mcptrust-r25b-proxy-');
afterAll(() => scratch.cleanup());
const SECRET = 'r25b-proxy-secret-4d1e8b';
const server = fixtureServer('round25-server.mjs');

function hwmMb(pid: number): number {
  try {
    return Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
  } catch {
    return 0;
  }
}

let n = 0;
async function lockedDir(mode: string): Promise<string> {
  const dir = join(scratch.dir, `d${n++}`);
  mkdirSync(dir);
  const r = await runCli(['lock', '--env', `MODE=${mode}`, '--env', `SECRET=${SECRET}`, '--', ...server], { cwd: dir, env: { PATH: process.env.PATH, HOME: dir } });
  expect(r.code, r.stderr).toBe(0);
  return dir;
}

/** A proxy for the server in `mode` enforcing `dir`'s lock; its peak RSS sampled. */
function proxy(dir: string, mode: string, timeout: string): { p: ProxyProcess; peak: () => number; started: number } {
  const p = new ProxyProcess(['--timeout', timeout, '--env', `MODE=${mode}`, '--env', `SECRET=${SECRET}`, '--', ...server], dir);
  let peakMb = 0;
  const sampler = setInterval(() => (peakMb = Math.max(peakMb, hwmMb(p.child.pid!))), 20);
  void p.exited.then(() => clearInterval(sampler));
  return { p, peak: () => peakMb, started: performance.now() };
}

function expectNoLeak(p: ProxyProcess, dir: string): void {
  expect(p.stderr).not.toContain(SECRET);
  expect(JSON.stringify(p.messages)).not.toContain(SECRET);
  expect(p.stderr).not.toMatch(/\n\s+at |TypeError|RangeError|Uncaught|node:internal/);
  expect(readdirSync(dir)).toEqual(['mcp-lock.json']);
}

async function expectServes(p: ProxyProcess): Promise<void> {
  const init = await p.initialize();
  expect((init.result as { serverInfo: unknown }).serverInfo).toEqual({ name: 'round24', version: '1.0.0' });
  const list = await p.call(1, 'tools/list', {});
  expect((list.result as { tools: { name: string }[] }).tools.map((t) => t.name)).toEqual(['echo']);
  const call = await p.call(2, 'tools/call', { name: 'echo', arguments: { text: 'hi' } });
  expect(call.result).toEqual({ content: [{ type: 'text', text: 'hi' }] });
  p.child.stdin.end();
  expect((await p.exited).code).toBe(0);
  expect(p.stderr).not.toContain('withheld');
}

describe("round 25b: the proxy's preflight against a server that asks the reader things", () => {
  it('plain and preinit: the preflight passes, the agent is served, nothing withheld', async () => {
    const dir = await lockedDir('plain');
    for (const mode of ['plain', 'preinit']) {
      const { p } = proxy(dir, mode, '10s');
      await expectServes(p);
      expectNoLeak(p, dir);
    }
  });

  it('probe, locked in probe mode: the preflight reads the same answers (no drift); the agent sees only what the server lists to it', async () => {
    const dir = await lockedDir('probe');
    const lock = JSON.parse(readFileSync(join(dir, 'mcp-lock.json'), 'utf8')) as { servers: { round24: { tools: Record<string, { definition: { description: string } }> } } };
    expect(lock.servers.round24.tools.answers.definition.description).toMatch(/^roots\/list=\{"result":\{"roots":\[\]\}\}; sampling\/createMessage=\{"error":\{"code":-32601\}\}/);
    const { p } = proxy(dir, 'probe', '10s');
    await expectServes(p);
    expectNoLeak(p, dir);
  });

  it('probe against a plain lock: the preflight finds the added tool, exit 1 with the diff on stderr; the agent gets no answer', async () => {
    const dir = await lockedDir('plain');
    const { p } = proxy(dir, 'probe', '10s');
    p.send({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'a', version: '1' } } });
    expect((await p.exited).code).toBe(1);
    expect(p.stderr).toContain('tool "answers" added');
    expect(p.messages).toEqual([]);
    expectNoLeak(p, dir);
  });

  for (const mode of ['flood', 'hugeid']) {
    it(`${mode}: the preflight reads through it (generous --timeout), peak RSS under 800 MB (about 460 MB with 1 MiB ids), the agent is served`, async () => {
      const dir = await lockedDir('plain');
      const { p, peak } = proxy(dir, mode, '30s');
      await expectServes(p);
      expectNoLeak(p, dir);
      expect(peak()).toBeLessThan(800);
    });
  }

  for (const [mode, timeout, message] of [
    ['hugeparams', '10s', /server sent a message larger than the 16 MiB limit per message/],
    ['deaf', '2s', /server did not answer tools\/list within 2s/],
    ['stall', '1s', /server (did not answer [a-z/]+ within 1s|broke the protocol)/],
  ] as const) {
    it(`${mode}: the preflight fails with exit 3 and the reason on stderr; the agent gets no answer`, async () => {
      const dir = await lockedDir('plain');
      const { p, started } = proxy(dir, mode, timeout);
      p.send({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'a', version: '1' } } });
      expect((await p.exited).code).toBe(3);
      expect(p.stderr).toMatch(message);
      expect(p.messages).toEqual([]);
      expectNoLeak(p, dir);
      if (mode === 'deaf') expect(performance.now() - started).toBeLessThan(2_000 + 15_000);
    });
  }

  // OPEN (the preflight has lock's two stall findings, see round25b-lock.test.ts): the reader
  // queues its answers to a server that does not read its stdin without bound, and same-length
  // 64 KiB ids make the SDK's per-request Map quadratic.
  // Reproduction: mcptrust proxy --timeout 5s --env MODE=stall -- node testdata/servers/round25-server.mjs
  //   (lock made with --env MODE=plain), the agent sends initialize.
  //   observed: exit 3 "server did not answer tools/list within 5s" after 11.8 s; proxy peak 690 MB.
  //   expected: exit 3 within the timeout plus slack, memory bounded as the proxy's own session
  //   bounds it (4 MiB backlog to a server that is not reading).
  it.skip('OPEN: preflight against MODE=stall (--timeout 5s) peaks at ~690 MB and ends after ~11.8 s', async () => {
    const dir = await lockedDir('plain');
    const { p, peak, started } = proxy(dir, 'stall', '5s');
    p.send({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'a', version: '1' } } });
    expect((await p.exited).code).toBe(3);
    expect(peak()).toBeLessThan(400);
    expect(performance.now() - started).toBeLessThan(5_000 + 3_000);
  });
});
