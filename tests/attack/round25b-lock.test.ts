import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { builtCli, fixtureServer, tempDir } from '../helpers/cli.js';

// Round 25b: lock (and diff, check) now declare every client capability (ef7dff9) and answer
// roots/list with no roots; testdata/servers/round25-server.mjs answers back with requests of its
// own. Each mode is read by the built bin, whose peak resident memory (VmHWM) is sampled.
const scratch = tempDir('mcptrust-r25b-lock-');
afterAll(() => scratch.cleanup());
const SECRET = 'r25b-secret-value-7f3a9c';
const env = { PATH: process.env.PATH, HOME: scratch.dir, SECRET };
const server = fixtureServer('round25-server.mjs');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
  peakMb: number;
}

function hwmMb(pid: number): number {
  try {
    return Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
  } catch {
    return 0;
  }
}

/** The built bin as a process, its peak RSS sampled every 20 ms (VmHWM only grows). */
function runBuilt(argv: string[], cwd: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(process.execPath, [builtCli, ...argv], { cwd, env });
    let stdout = '';
    let stderr = '';
    let peakMb = 0;
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const sampler = setInterval(() => (peakMb = Math.max(peakMb, hwmMb(child.pid!))), 20);
    const killer = setTimeout(() => child.kill('SIGKILL'), 150_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(sampler);
      clearTimeout(killer);
      resolve({ code: code ?? -1, stdout, stderr, ms: performance.now() - start, peakMb });
    });
  });
}

let n = 0;
function freshDir(): string {
  const dir = join(scratch.dir, `d${n++}`);
  mkdirSync(dir);
  return dir;
}

const lockArgs = (mode: string, timeout: number) => ['lock', '--timeout', String(timeout), '--env', `MODE=${mode}`, '--env', 'SECRET', '--', ...server];

function expectClean(r: Run, dir: string, files: string[]): void {
  expect(r.stderr).not.toMatch(/\n\s+at |TypeError|RangeError|Uncaught|node:internal/);
  expect(r.stdout + r.stderr).not.toContain(SECRET);
  expect(readdirSync(dir).sort()).toEqual(files);
  for (const f of files) expect(readFileSync(join(dir, f), 'utf8')).not.toContain(SECRET);
}

const PROBE_ANSWERS = [
  'roots/list={"result":{"roots":[]}}',
  'sampling/createMessage={"error":{"code":-32601}}',
  'elicitation/create={"error":{"code":-32601}}',
  'elicitation/create={"error":{"code":-32601}}',
  'tasks/list={"error":{"code":-32601}}',
  'tasks/get={"error":{"code":-32601}}',
  'ping={"result":{}}',
].join('; ');

interface LockFile {
  servers: Record<string, { tools: Record<string, { definition: { description?: string } }>; transport: unknown }>;
}

describe('round 25b: lock against a server that asks the reader things', () => {
  it('plain: locked, exit 0, one lockfile, no secret', async () => {
    const dir = freshDir();
    const r = await runBuilt(lockArgs('plain', 10), dir);
    expect(r.code, r.stderr).toBe(0);
    expectClean(r, dir, ['mcp-lock.json']);
    expect(Object.keys((JSON.parse(readFileSync(join(dir, 'mcp-lock.json'), 'utf8')) as LockFile).servers.round24.tools)).toEqual(['echo']);
  });

  it('probe: roots/list is answered with no roots, sampling, elicitation (form and url) and tasks are refused with -32601, ping answered; nothing of the user shows', async () => {
    const dir = freshDir();
    const r = await runBuilt(lockArgs('probe', 10), dir);
    expect(r.code, r.stderr).toBe(0);
    expectClean(r, dir, ['mcp-lock.json']);
    const text = readFileSync(join(dir, 'mcp-lock.json'), 'utf8');
    const lock = JSON.parse(text) as LockFile;
    expect(lock.servers.round24.tools.answers.definition.description).toBe(PROBE_ANSWERS);
    // Nothing of the user's environment or files: not the folder, not HOME, not the user.
    expect(text).not.toContain(dir);
    expect(text).not.toContain(scratch.dir);
    if (process.env.USER) expect(text).not.toContain(`"${process.env.USER}"`);
  });

  it('preinit: 500 requests before the initialize answer are answered or refused, and the lock is the honest surface', async () => {
    const dir = freshDir();
    const r = await runBuilt(lockArgs('preinit', 10), dir);
    expect(r.code, r.stderr).toBe(0);
    expectClean(r, dir, ['mcp-lock.json']);
    const plainDir = freshDir();
    expect((await runBuilt(lockArgs('plain', 10), plainDir)).code).toBe(0);
    // The same surface as plain (the lockfile differs only in nothing: same env names).
    expect(readFileSync(join(dir, 'mcp-lock.json'), 'utf8')).toBe(readFileSync(join(plainDir, 'mcp-lock.json'), 'utf8'));
  });

  for (const mode of ['flood', 'hugeid'] as const) {
    it(`${mode}: locked with a generous --timeout, peak RSS bounded (under 800 MB: 200 ids of 1 MiB, read and answered, peak about 530 MB)`, async () => {
      const dir = freshDir();
      const r = await runBuilt(lockArgs(mode, 30), dir);
      expect(r.code, r.stderr).toBe(0);
      expectClean(r, dir, ['mcp-lock.json']);
      expect(r.peakMb).toBeLessThan(800);
    });

    it(`${mode}: with --timeout 1 it fails (exit 3, named timeout), writes nothing, within the timeout plus slack`, async () => {
      const dir = freshDir();
      const r = await runBuilt(lockArgs(mode, 1), dir);
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr).toMatch(/^error: server did not answer [a-z/]+ within 1s \(raise --timeout if it is just slow\)\n$/);
      expect(r.stdout).toBe('');
      expectClean(r, dir, []);
      expect(r.peakMb).toBeLessThan(400);
      expect(r.ms).toBeLessThan(1_000 + 15_000);
    });
  }

  it('hugeparams: a 20 MiB sampling request is over the 16 MiB message bound: exit 3, named, nothing written', async () => {
    const dir = freshDir();
    const r = await runBuilt(lockArgs('hugeparams', 10), dir);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toBe('error: server sent a message larger than the 16 MiB limit per message (mcptrust stopped reading there) (during tools/list)\n');
    expectClean(r, dir, []);
    expect(r.peakMb).toBeLessThan(400);
  });

  it('deaf: tools/list never answered: exit 3 after --timeout, nothing written', async () => {
    const dir = freshDir();
    const r = await runBuilt(lockArgs('deaf', 2), dir);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toBe('error: server did not answer tools/list within 2s (raise --timeout if it is just slow)\n');
    expectClean(r, dir, []);
    expect(r.ms).toBeLessThan(2_000 + 15_000);
  });

  it('stall (--timeout 1): exit 3, named timeout, nothing written, no secret (memory and time: see the OPEN findings)', async () => {
    const dir = freshDir();
    const r = await runBuilt(lockArgs('stall', 1), dir);
    expect(r.code, r.stderr).toBe(3);
    // Which comes first under load varies: the 1 s timeout, or the SDK giving up on the flood of 64 KiB ids.
    expect(r.stderr).toMatch(/^error: server (did not answer [a-z/]+ within 1s \(raise --timeout if it is just slow\)|broke the protocol[^\n]*)\n$/);
    expectClean(r, dir, []);
  });

  it('a failed re-lock leaves the old lockfile byte for byte (hugeparams, deaf over a plain lock)', async () => {
    const dir = freshDir();
    expect((await runBuilt(lockArgs('plain', 10), dir)).code).toBe(0);
    const before = readFileSync(join(dir, 'mcp-lock.json'));
    for (const mode of ['hugeparams', 'deaf']) {
      const r = await runBuilt([...lockArgs(mode, 1).slice(0, 1), '--force', ...lockArgs(mode, 1).slice(1)], dir);
      expect(r.code, r.stderr).toBe(3);
      expectClean(r, dir, ['mcp-lock.json']);
      expect(readFileSync(join(dir, 'mcp-lock.json')).equals(before)).toBe(true);
    }
  });
});

describe('round 25b: diff and check read the same way', () => {
  const lockDir = freshDir();
  const live = (cmd: 'diff' | 'check', mode: string, timeout: number) => [cmd, '--timeout', String(timeout), '--env', `MODE=${mode}`, '--env', 'SECRET', '--', ...server];

  it('a plain lock: plain and preinit show no drift (exit 0), the lockfile untouched', async () => {
    expect((await runBuilt(lockArgs('plain', 10), lockDir)).code).toBe(0);
    const before = readFileSync(join(lockDir, 'mcp-lock.json'));
    for (const cmd of ['diff', 'check'] as const) {
      for (const mode of ['plain', 'preinit']) {
        const r = await runBuilt(live(cmd, mode, 10), lockDir);
        expect(r.code, `${cmd} ${mode}: ${r.stdout}${r.stderr}`).toBe(0);
        expectClean(r, lockDir, ['mcp-lock.json']);
      }
    }
    expect(readFileSync(join(lockDir, 'mcp-lock.json')).equals(before)).toBe(true);
  });

  it('probe: diff reports the added tool with the same answers (roots empty, the rest refused), exit 1', async () => {
    const r = await runBuilt([...live('diff', 'probe', 10).slice(0, 1), '--format', 'json', ...live('diff', 'probe', 10).slice(1)], lockDir);
    expect(r.code, r.stderr).toBe(1);
    expectClean(r, lockDir, ['mcp-lock.json']);
    expect(r.stdout).toContain(JSON.stringify(PROBE_ANSWERS).slice(1, -1));
    const c = await runBuilt(live('check', 'probe', 10), lockDir);
    expect(c.code, c.stderr).toBe(1);
    expect(c.stdout).toContain('✗ drift');
    expectClean(c, lockDir, ['mcp-lock.json']);
  });

  for (const cmd of ['diff', 'check'] as const) {
    it(`${cmd}: flood and hugeid read within a generous --timeout (no drift), hugeparams and deaf fail with exit 3 (under 800 MB) and a one-line reason`, async () => {
      for (const mode of ['flood', 'hugeid']) {
        const r = await runBuilt(live(cmd, mode, 30), lockDir);
        expect(r.code, `${cmd} ${mode}: ${r.stderr}`).toBe(0);
        expect(r.peakMb).toBeLessThan(800);
        expectClean(r, lockDir, ['mcp-lock.json']);
      }
      const big = await runBuilt(live(cmd, 'hugeparams', 10), lockDir);
      expect(big.code).toBe(3);
      expect(big.stderr).toBe('error: server sent a message larger than the 16 MiB limit per message (mcptrust stopped reading there) (during tools/list)\n');
      expectClean(big, lockDir, ['mcp-lock.json']);
      const deaf = await runBuilt(live(cmd, 'deaf', 2), lockDir);
      expect(deaf.code).toBe(3);
      expect(deaf.stderr).toBe('error: server did not answer tools/list within 2s (raise --timeout if it is just slow)\n');
      expect(deaf.ms).toBeLessThan(2_000 + 15_000);
      expectClean(deaf, lockDir, ['mcp-lock.json']);
    });
  }

  it('diff -o: a failed live read writes no report file', async () => {
    const r = await runBuilt(['diff', '-o', 'report.txt', '--timeout', '1', '--env', 'MODE=deaf', '--', ...server], lockDir);
    expect(r.code).toBe(3);
    expectClean(r, lockDir, ['mcp-lock.json']);
  });
});

describe('round 25b: a server that stops reading and keeps asking (OPEN)', () => {
  // OPEN: the reader answers every server-to-client request (roots/list, or "method not found")
  // by writing to the server's stdin with no backlog bound (the proxy stops reading at 4 MiB; the
  // reader does not), and the SDK keeps each request (its params, an AbortController, a pending
  // write) until that write completes, which it never does. Memory grows at the rate the server
  // writes, for the whole --timeout.
  // Reproduction: mcptrust lock --timeout 5 -- node testdata/servers/round25b-stall.mjs
  //   observed: exit 3 "server did not answer tools/list within 5s" after ~5.5 s, but the mcptrust
  //   process peaks at ~1.6 GB (VmHWM); with --env ID=small (small ids, 64 KiB params, tiny
  //   answers) ~1.1 GB; round25-server.mjs --env MODE=stall, default --timeout 30: 1.73 GB.
  //   expected: peak bounded like the proxy's (stop reading the server past a backlog, or fail at
  //   once: a server that does not read its stdin cannot be locked), a few hundred MB at most.
  it.skip('OPEN: lock against a server that stops reading its stdin and keeps sending requests grows without bound (1.6 GB in 5 s)', async () => {
    const dir = freshDir();
    const r = await runBuilt(['lock', '--timeout', '5', '--', ...fixtureServer('round25b-stall.mjs')], dir);
    expect(r.code).toBe(3);
    expect(r.peakMb).toBeLessThan(400);
  });

  // OPEN: with ids of one length (64 KiB + 5 digits), V8 hashes strings longer than 16,383
  // characters by their length alone, so the SDK's per-request Map (_requestHandlerAbortControllers,
  // get/set/delete by request id) degrades to a linear scan per request: quadratic CPU. The
  // timeout fires, the server is killed at once, but the process stays busy for seconds more (a CPU
  // profile: 6.2 s in Protocol._onrequest's finally, 3.4 s in _onrequest).
  // Reproduction: mcptrust lock --timeout 5 --env MODE=stall -- node testdata/servers/round25-server.mjs
  //   observed: exit 3 after 11.5 s (--timeout 2: 3.7 s; 10: 24.7 s; default 30: 77 s), 680 MB.
  //   expected: exit 3 within --timeout plus small slack (round25b-stall.mjs, whose ids differ in
  //   length, ends 0.5 s after its 5 s timeout).
  it.skip('OPEN: lock --timeout 5 against MODE=stall (same-length 64 KiB ids) ends after ~11.5 s, not ~5 s', async () => {
    const dir = freshDir();
    const r = await runBuilt(lockArgs('stall', 5), dir);
    expect(r.code).toBe(3);
    expect(r.ms).toBeLessThan(5_000 + 3_000);
  });
});
