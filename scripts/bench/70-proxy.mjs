// The proxy's cost (issue 11): 1,000 sequential tools/call through `mcptrust proxy` against the
// same calls sent straight to the same server, in one run (target: at most 2× direct, the proxy
// adding two pipe hops), and the proxy's peak RSS after 10,000 and 100,000 calls (target: flat).
// On Linux it also reports the CPU time (user + system, every thread) the proxy process spends
// per 1,000 calls against what the server itself spends on the same calls sent direct: a figure
// that a machine busy with other work skews far less than wall time.
// A third session goes through scripts/bench/relay.mjs, a relay in plain Node that parses and
// checks nothing: the floor of the two pipe hops for any proxy written in Node.
// The server is the raw fixture in testdata/proxy-servers (plain mode), so the server's own
// time is small and the proxy's share shows.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { median } from './lib.mjs';

const CALLS = 1_000;
const LONG = 100_000;
const ROUNDS = 9;

function lineClient(command, args, cwd) {
  const child = spawn(command, args, { cwd, stdio: ['pipe', 'pipe', 'ignore'] });
  let buffer = '';
  const waiting = new Map();
  child.stdout.setEncoding('utf8').on('data', (chunk) => {
    buffer += chunk;
    let newline;
    while ((newline = buffer.indexOf('\n')) !== -1) {
      const message = JSON.parse(buffer.slice(0, newline));
      buffer = buffer.slice(newline + 1);
      const resolve = waiting.get(message.id);
      if (resolve) {
        waiting.delete(message.id);
        resolve(message);
      }
    }
  });
  const request = (id, method, params) =>
    new Promise((resolve) => {
      waiting.set(id, resolve);
      child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`);
    });
  return { child, request };
}

async function session(command, args, cwd) {
  const client = lineClient(command, args, cwd);
  await client.request(0, 'initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'bench', version: '1' } });
  client.child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' })}\n`);
  return client;
}

async function calls(client, from, count) {
  const start = process.hrtime.bigint();
  for (let id = from; id < from + count; id++) {
    const answer = await client.request(id, 'tools/call', { name: 'read', arguments: { name: `n${id}` } });
    if (!answer.result) throw new Error(`tools/call ${id} failed: ${JSON.stringify(answer.error)}`);
  }
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** CPU time a process has run, all its threads, in ms (Linux: the scheduler's nanosecond count). */
const cpuMs = (pid) =>
  readdirSync(`/proc/${pid}/task`).reduce((sum, task) => {
    try {
      return sum + Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
    } catch {
      return sum; // a thread that ended meanwhile
    }
  }, 0);
const linux = process.platform === 'linux';

const peakRssMb = (pid) => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;

export async function run(ctx) {
  const server = [process.execPath, join(ctx.root, 'testdata', 'proxy-servers', 'fixture-server.mjs'), 'plain'];
  const locked = spawnSync(process.execPath, [ctx.cli, 'lock', '-o', 'proxy-lock.json', '--', ...server], { cwd: ctx.dir, encoding: 'utf8' });
  if (locked.status !== 0) throw new Error(`lock failed: ${locked.stderr}`);

  // The sessions stay open and take turns (direct, proxy, relay, direct…), nine rounds of 1,000
  // calls each, so that a machine busy with other work slows them alike. The ratios are the
  // medians of each round's own ratio: a round-trip over pipes costs what the scheduler makes of
  // it at that moment (the direct median moved from 55 to 84 ms between runs of one build), and a
  // ratio of two medians taken at different moments moved with it (1.5× to 4× for one build).
  const direct = await session(server[0], server.slice(1), ctx.dir);
  const proxied = await session(process.execPath, [ctx.cli, 'proxy', '--lock', 'proxy-lock.json', '--', ...server], ctx.dir);
  const relayed = await session(process.execPath, [join(ctx.root, 'scripts', 'bench', 'relay.mjs'), '--', ...server], ctx.dir);
  await calls(direct, 1, 200); // warm-up
  await calls(proxied, 1, 200);
  await calls(relayed, 1, 200);
  const directTimes = [];
  const proxyTimes = [];
  const relayTimes = [];
  const serverCpu = [];
  const proxyCpu = [];
  let next = 1_000;
  for (let round = 0; round < ROUNDS; round++) {
    const serverBefore = linux ? cpuMs(direct.child.pid) : 0;
    directTimes.push(await calls(direct, next, CALLS));
    if (linux) serverCpu.push(cpuMs(direct.child.pid) - serverBefore);
    const proxyBefore = linux ? cpuMs(proxied.child.pid) : 0;
    proxyTimes.push(await calls(proxied, next, CALLS));
    if (linux) proxyCpu.push(cpuMs(proxied.child.pid) - proxyBefore);
    relayTimes.push(await calls(relayed, next, CALLS));
    next += CALLS;
  }
  direct.child.kill();
  relayed.child.stdin.end();
  const directMs = median(directTimes);
  const proxyMs = median(proxyTimes);
  const relayMs = median(relayTimes);
  const perRound = (times, base) => median(times.map((t, i) => t / base[i]));
  const proxyRatio = perRound(proxyTimes, directTimes);
  const relayRatio = perRound(relayTimes, directTimes);
  const rows = [
    { name: `proxy: ${CALLS} tools/call direct (median of ${ROUNDS})`, wallMs: directMs },
    {
      name: `proxy: ${CALLS} tools/call through the proxy (median of ${ROUNDS})`,
      wallMs: proxyMs,
      ratio: proxyRatio,
      target: '≤ 2× direct',
      ok: proxyRatio <= 2,
      note: `median of the rounds' own ratios (the medians' ratio: ${(proxyMs / directMs).toFixed(2)}×)`,
    },
    {
      name: `proxy: ${CALLS} tools/call through a Node relay that checks nothing (median of ${ROUNDS})`,
      wallMs: relayMs,
      ratio: relayRatio,
      note: `the floor of two pipe hops in Node; the proxy is ${perRound(proxyTimes, relayTimes).toFixed(2)}× it`,
    },
  ];
  if (linux) {
    const server = median(serverCpu);
    const proxy = median(proxyCpu);
    rows.push({ name: `proxy: CPU of the server per ${CALLS} calls direct (median of ${ROUNDS})`, wallMs: server });
    rows.push({ name: `proxy: CPU of the proxy process per ${CALLS} calls (median of ${ROUNDS})`, wallMs: proxy, ratio: proxy / server, note: 'user + system, all threads; ratio to the server' });
    // Calls made so far: 200 + ROUNDS × 1,000. Up to 10,000, then up to 100,000.
    await calls(proxied, 10_000, 10_000 - 200 - ROUNDS * CALLS);
    const at10k = peakRssMb(proxied.child.pid);
    await calls(proxied, 20_000, LONG - 10_000);
    const at100k = peakRssMb(proxied.child.pid);
    rows.push({ name: 'proxy: peak RSS after 10,000 calls', wallMs: 0, peakRssMb: at10k });
    // Peak RSS (VmHWM) of the proxy process, so garbage waiting for a full collection counts too:
    // what a call leaves behind for the old generation shows here (docs/benchmarks.md has a run to
    // 300,000 calls).
    rows.push({ name: 'proxy: peak RSS after 100,000 calls', wallMs: 0, peakRssMb: at100k, ratio: at100k / at10k, target: 'flat (≤ 1.1×)', ok: at100k <= 1.1 * at10k });
  }
  proxied.child.stdin.end();
  return rows;
}
