import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { builtCli, fixtureServer, tempDir } from '../helpers/cli.js';

// Round 25b over Streamable HTTP: the reader (lock, diff, check, the proxy's preflight) declares
// every client capability (ef7dff9), and a server may send it requests on the event stream of a
// POST; each answer is a POST of its own. testdata/servers/round25b-http.mjs sends COUNT of them
// on the tools/list stream, then (ANSWER=1) the tools/list result or (ANSWER=0) nothing more.
const scratch = tempDir('mcptrust-r25b-http-');
afterAll(() => scratch.cleanup());

function hwmMb(pid: number): number {
  try {
    return Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
  } catch {
    return 0;
  }
}

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
  peakMb: number;
  server: { answers: number; maxOpen: number; posts: number; first: Record<string, unknown> };
}

let n = 0;
async function lockHttp(serverEnv: Record<string, string>, timeout: number): Promise<Outcome & { dir: string }> {
  const dir = join(scratch.dir, `d${n++}`);
  mkdirSync(dir);
  const srv = spawn(fixtureServer('round25b-http.mjs')[0], fixtureServer('round25b-http.mjs').slice(1), { env: { PATH: process.env.PATH, ...serverEnv }, stdio: ['pipe', 'pipe', 'inherit'] });
  let sout = '';
  srv.stdout.on('data', (d) => (sout += d));
  while (!sout.includes('\n')) await new Promise((r) => setTimeout(r, 20));
  const { url } = JSON.parse(sout.split('\n')[0]) as { url: string };
  const start = performance.now();
  const child = spawn(process.execPath, [builtCli, 'lock', '--timeout', String(timeout), '--url', url], { cwd: dir, env: { PATH: process.env.PATH, HOME: dir } });
  let stdout = '';
  let stderr = '';
  let peakMb = 0;
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr += c));
  const sampler = setInterval(() => (peakMb = Math.max(peakMb, hwmMb(child.pid!))), 20);
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
  const ms = performance.now() - start;
  clearInterval(sampler);
  srv.stdin.end();
  await new Promise((r) => srv.on('close', r));
  return { code, stdout, stderr, ms, peakMb, dir, server: JSON.parse(sout.split('\n')[1]) as Outcome['server'] };
}

describe('round 25b: lock --url against a server that asks the reader things on its event stream', () => {
  it('300 requests then the answer: locked (exit 0); roots/list answered with no roots, sampling and elicitation refused (-32601)', async () => {
    const r = await lockHttp({ COUNT: '300', ANSWER: '1' }, 10);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(readdirSync(r.dir)).toEqual(['mcp-lock.json']);
    expect(r.server.first).toEqual({ q0: { result: { roots: [] } }, q1: { error: -32601 }, q2: { error: -32601 } });
  });

  it('20,000 requests and no answer (--timeout 3): exit 3, the timeout named, nothing written, peak RSS under 400 MB, under 1,000 connections when the server acknowledges answers at once', async () => {
    const r = await lockHttp({ COUNT: '20000', ANSWER: '0' }, 3);
    expect(r.code, r.stderr).toBe(3);
    // Node's MaxListenersExceededWarning lines may come around it: the OPEN finding below.
    const own = r.stderr.split('\n').filter((l) => l !== '' && !/MaxListenersExceededWarning|--trace-warnings/.test(l));
    expect(own).toEqual(['error: server did not answer tools/list within 3s (raise --timeout if it is just slow)']);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe('');
    expect(readdirSync(r.dir)).toEqual([]);
    expect(r.peakMb).toBeLessThan(400);
    expect(r.server.maxOpen).toBeLessThan(1_000);
    expect(r.ms).toBeLessThan(3_000 + 15_000);
  });

  // OPEN: every answer to a server request is a POST whose fetch adds an abort listener to one
  // AbortSignal of the transport; past 1,500 in flight Node prints a MaxListenersExceededWarning
  // per further POST on mcptrust's stderr, so lock's one-line error comes after hundreds or
  // thousands of lines of Node's own warnings (naming the process id and "Possible EventTarget
  // memory leak"). A server that acknowledges the answers slowly keeps them in flight.
  // Reproduction: DELAY=4000 COUNT=20000 ANSWER=0 node testdata/servers/round25b-http.mjs (prints
  //   its url); mcptrust lock --timeout 5 --url <url>
  //   observed: exit 3, stderr 500-1,600 lines, all but the last "(node:PID)
  //   MaxListenersExceededWarning: Possible EventTarget memory leak detected. 1501 abort listeners
  //   added to [AbortSignal]…" (also without DELAY on some runs: 1,800 lines in one).
  //   expected: stderr is the one line "error: server did not answer tools/list within 5s (raise
  //   --timeout if it is just slow)", as over stdio, whatever the server sends.
  it.skip("OPEN: a server flooding the reader with requests over HTTP fills lock's stderr with Node MaxListenersExceededWarning lines", async () => {
    const r = await lockHttp({ COUNT: '20000', ANSWER: '0', DELAY: '4000' }, 5);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe('error: server did not answer tools/list within 5s (raise --timeout if it is just slow)\n');
  });

  // OPEN: the answers the reader POSTs are not bounded in number: each server request gets its own
  // POST at once, each on a new connection while the others wait, so a server that acknowledges
  // them slowly has lock open connections up to the file descriptor limit (the proxy's own session
  // holds at most 256 waiting POSTs, src/mcp/upstream.ts MAX_WAITING_POSTS), and the process grows
  // and outlives its --timeout.
  // Reproduction: DELAY=60000 COUNT=100000 ANSWER=0 node testdata/servers/round25b-http.mjs;
  //   mcptrust lock --timeout 15 --url <url>
  //   observed: exit 3 after ~21 s, ~10,360 connections open at once at the server, peak RSS 590 MB
  //   (with a 1,024 descriptor limit: 1,005 connections, the limit reached).
  //   expected: answers in flight bounded (a few hundred at most, as the proxy's), exit within the
  //   timeout plus small slack.
  it.skip('OPEN: lock --url opens one connection per unanswered server request, without bound (10,000 at once)', async () => {
    const r = await lockHttp({ COUNT: '100000', ANSWER: '0', DELAY: '60000' }, 15);
    expect(r.code).toBe(3);
    expect(r.server.maxOpen).toBeLessThan(1_000);
    expect(r.peakMb).toBeLessThan(400);
    expect(r.ms).toBeLessThan(15_000 + 3_000);
  });
});
