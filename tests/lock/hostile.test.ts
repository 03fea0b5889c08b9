// Every hostile or broken server of PRODUCT.md ("Behaviour on bad input") against `mcptrust
// lock`: the exit code, the message, that it ended by the bound the product promises, and that
// nothing was written. The servers are modes of testdata/servers/hostile-server.mjs (see the
// README there). No wall time is asserted (it flakes on a loaded machine; speed belongs in
// `npm run bench`): a hanging server is shown to end by --timeout by its TIMEOUT message naming
// that value, one that fails by its own message (not a TIMEOUT); each test's vitest timeout, the
// promised bound plus generous slack, is the hang guard.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS, ServerError } from '../../src/mcp/index.js';
import { BoundedStdioTransport } from '../../src/mcp/stdio.js';
import { readServerSurface } from '../../src/mcp/surface.js';
import type { ServerErrorCode } from '../../src/mcp/errors.js';
import { builtCli, fixtureServer, repoRoot, runCli, spawnCli, tempDir } from '../helpers/cli.js';

const SERVER = join(repoRoot, 'testdata', 'servers', 'hostile-server.mjs');
/** --timeout for the cases that hang: they must end by it (a TIMEOUT naming it). */
const TIMEOUT_MS = 2_000;
/**
 * --timeout for the others: they must end by themselves, which their own message (not a
 * TIMEOUT) shows, and so before this.
 */
const LONG_TIMEOUT_MS = 30_000;
/** Start-up, teardown and a loaded machine: the hang guard of a test is its promised bound plus this. */
const SLACK_MS = 30_000;
/** Grace between SIGTERM and SIGKILL for a server that ignores SIGTERM (src/mcp/stdio.ts). */
const KILL_GRACE_MS = 2_000;

interface HostileCase {
  mode: string;
  code: ServerErrorCode;
  /** The first line of the error, on stderr. */
  message: RegExp;
  /** True when the case ends only by the --timeout (so it must take at least that long). */
  hangs?: boolean;
  /** More checks of the whole stderr. */
  stderr?: (stderr: string) => void;
}

const CASES: HostileCase[] = [
  {
    mode: 'no-init',
    code: 'TIMEOUT',
    hangs: true,
    message: /^error: server did not answer initialize within 2s \(raise --timeout if it is just slow\)$/m,
  },
  {
    mode: 'hang-list',
    code: 'TIMEOUT',
    hangs: true,
    message: /^error: server did not answer tools\/list within 2s \(raise --timeout if it is just slow\)$/m,
  },
  {
    mode: 'exit-handshake',
    code: 'EXITED',
    message: /^error: server exited with code 7 during initialize$/m,
    stderr: (s) => expect(s).toContain('server stderr (last lines):\n  hostile-server: crashing during the handshake\n'),
  },
  {
    mode: 'stdout-junk',
    code: 'NOT_JSON',
    message:
      /^error: server wrote non-JSON output on stdout: "Starting server v1\.0\.\.\."; the MCP stdio transport allows only JSON-RPC messages on stdout \(the server must log to stderr\) \(during initialize\)$/m,
  },
  {
    mode: 'stdout-ansi',
    code: 'NOT_JSON',
    // The escapes are shown, not played: \u{1b} instead of ESC, \u{7} instead of BEL.
    message: /^error: server wrote non-JSON output on stdout: "\\u\{1b\}\[2J\\u\{1b\}\]0;pwned\\u\{7\}\\u\{1b\}\[32mok\\u\{1b\}\[0m"; the MCP stdio transport allows only JSON-RPC messages/m,
  },
  {
    mode: 'rpc-error',
    code: 'RPC_ERROR',
    message: /^error: server returned an error to tools\/list: database unavailable \(code -32603\)$/m,
  },
  {
    mode: 'cursor-repeat',
    code: 'TOO_MANY_PAGES',
    message: /^error: server repeated nextCursor "again" in tools\/list: the listing would never end$/m,
  },
  {
    mode: 'cursor-forever',
    code: 'TOO_MANY_PAGES',
    message: /^error: server returned more than 1000 pages for tools\/list \(a nextCursor that never ends\?\)$/m,
  },
  {
    mode: 'many-tools',
    code: 'TOO_MANY_ITEMS',
    message: /^error: server listed more than 10000 tools \(raise --max-items if that is expected\)$/m,
  },
  {
    mode: 'huge-description',
    code: 'ITEM_TOO_LARGE',
    message: /^error: tool "big" is 8\.0 MiB, over the 1 MiB limit per item$/m,
  },
  {
    mode: 'huge-message',
    code: 'MESSAGE_TOO_LARGE',
    message: /^error: server sent a message larger than the 16 MiB limit per message \(mcptrust stopped reading there\) \(during tools\/list\)$/m,
  },
  {
    mode: 'stderr-flood',
    code: 'EXITED',
    message: /^error: server exited with code 1 during initialize$/m,
    stderr: (s) => {
      // Only the last lines of 32 MiB are shown, with their escapes made visible.
      expect(s).toMatch(/\n  fatal: \\u\{1b\}\[31mthe last words\\u\{1b\}\[0m of a flooding server\n$/);
      expect(s.match(/noise/g)!.length).toBeLessThanOrEqual(9 * 16);
      expect(s.length).toBeLessThan(4_000);
    },
  },
  {
    mode: 'duplicate',
    code: 'DUPLICATE_ITEM',
    message: /^error: server listed tool "search" twice; an agent could not tell which one it calls$/m,
  },
  {
    mode: 'invalid-tool',
    code: 'PROTOCOL',
    message: /^error: server's tools\/list item 2 \(tool "broken"\) on page 1 is invalid: inputSchema: /m,
  },
];

/** Whether a process still runs; a killed one its parent has not reaped yet (a zombie) does not. */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
  // Without /proc (not Linux) a process that answers signal 0 counts as running.
  if (!existsSync('/proc/self/stat')) return true;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false; // gone since signal 0
  }
}

/** The server and grandchild pids the process-tree modes write, once the server has started. */
function readPids(file: string): number[] {
  const pids = readFileSync(file, 'utf8').trim().split(' ').map(Number);
  expect(pids).toHaveLength(2);
  for (const pid of pids) expect(Number.isSafeInteger(pid) && pid > 1).toBe(true);
  return pids;
}

async function expectTreeGone(pids: number[]): Promise<void> {
  // The grandchild is reaped by init after its group is killed: allow it a moment.
  for (let i = 0; i < 20 && pids.some(isRunning); i++) await new Promise((r) => setTimeout(r, 50));
  for (const pid of pids) expect(isRunning(pid), `process ${pid} still runs`).toBe(false);
}

const lockArgs = (mode: string, timeoutMs: number, ...extra: string[]) => [
  'lock',
  '--timeout',
  `${timeoutMs}ms`,
  ...extra,
  '--',
  ...fixtureServer('hostile-server.mjs', `--mode=${mode}`),
];
const timeoutFor = (c: { hangs?: boolean }) => (c.hangs ? TIMEOUT_MS : LONG_TIMEOUT_MS);

/**
 * The hang guard of each case (its vitest timeout): the hanging ones end by their --timeout, the
 * others by themselves, before their --timeout could end them — so none outlives the longer
 * --timeout plus slack.
 */
const CASE_GUARD_MS = LONG_TIMEOUT_MS + SLACK_MS;

describe.concurrent('mcptrust lock against a hostile server', () => {
  it.each(CASES)('$mode: exit 3, a clear message naming its bound or its cause, nothing written', async (c) => {
    const { dir, cleanup } = tempDir();
    try {
      const r = await runCli(lockArgs(c.mode, timeoutFor(c)), { cwd: dir });
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr).toMatch(c.message);
      c.stderr?.(r.stderr);
      // Attacker-controlled text never reaches the terminal raw, and no stack trace is shown.
      expect(r.stderr).not.toMatch(/[\u001b\u0007\u200b\u202e]/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.stdout).toBe('');
      // Not the lockfile, and no temporary file left behind either.
      expect(existsSync(join(dir, 'mcp-lock.json'))).toBe(false);
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      cleanup();
    }
  }, CASE_GUARD_MS);
});

describe.concurrent('a failed lock leaves an existing lockfile untouched', () => {
  const template = tempDir();
  let original: Buffer;
  beforeAll(async () => {
    const r = await runCli(lockArgs('ok', LONG_TIMEOUT_MS), { cwd: template.dir });
    expect(r.code, r.stderr).toBe(0);
    original = readFileSync(join(template.dir, 'mcp-lock.json'));
  });
  afterAll(() => template.cleanup());

  it.each(CASES)('$mode with --force: exit 3 and the same bytes', async (c) => {
    const { dir, cleanup } = tempDir();
    try {
      cpSync(join(template.dir, 'mcp-lock.json'), join(dir, 'mcp-lock.json'));
      const r = await runCli(lockArgs(c.mode, timeoutFor(c), '--force'), { cwd: dir });
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr).toMatch(c.message);
      expect(readFileSync(join(dir, 'mcp-lock.json')).equals(original)).toBe(true);
      expect(readdirSync(dir)).toEqual(['mcp-lock.json']);
    } finally {
      cleanup();
    }
  }, CASE_GUARD_MS);
});

describe.concurrent('the bounded client reports each hostile case with its own error code', () => {
  it.each(CASES)('$mode: ServerError $code', async (c) => {
    const target = { kind: 'stdio' as const, command: process.execPath, args: [SERVER, `--mode=${c.mode}`], env: {} };
    const error = await readServerSurface(target, { ...DEFAULT_LIMITS, timeoutMs: c.hangs ? TIMEOUT_MS : LONG_TIMEOUT_MS }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ServerError);
    expect((error as ServerError).code).toBe(c.code);
    expect((error as ServerError).category).toBe('server');
  });

  it('keeps only a bounded tail of a server that floods stderr', async () => {
    const stderrBytes = 4096;
    const transport = new BoundedStdioTransport({
      command: process.execPath,
      args: [SERVER, '--mode=stderr-flood'],
      env: {},
      maxMessageBytes: DEFAULT_LIMITS.maxMessageBytes,
      stderrBytes,
    });
    const closed = new Promise<void>((resolve) => (transport.onclose = resolve));
    await transport.start();
    await closed;
    const tail = transport.stderrText();
    expect(Buffer.byteLength(tail)).toBeLessThanOrEqual(stderrBytes);
    expect(tail).toMatch(/fatal: \u001b\[31mthe last words\u001b\[0m of a flooding server\n$/);
    // What is held in memory is the tail plus at most one pipe chunk, not the 32 MiB sent.
    const held = (transport as unknown as { stderrTail: { size: number } }).stderrTail.size;
    expect(held).toBeLessThan(stderrBytes + 128 * 1024);
    expect(transport.exit).toEqual({ code: 1, signal: null });
  });
});

describe.concurrent('look-alike names', () => {
  const NAMES = ['read_file', 'read_f\u0456le', 'read_\u200bfile', '\u202eelif_daer'];

  it('lock fine (exit 0) with every name stored exactly, code point for code point', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const r = await runCli(lockArgs('lookalike', LONG_TIMEOUT_MS), { cwd: dir });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^locked 1 server into mcp-lock\.json\n  hostile-lookalike .*\n    4 tools, 0 prompts/);
      const bytes = readFileSync(join(dir, 'mcp-lock.json'));
      const lock = JSON.parse(bytes.toString('utf8'));
      const tools = lock.servers['hostile-lookalike'].tools;
      expect(Object.keys(tools).sort()).toEqual([...NAMES].sort());
      for (const name of NAMES) expect(tools[name].definition.name).toBe(name);
      const codePoints = (s: string) => [...s].map((ch) => ch.codePointAt(0)!.toString(16));
      expect(Object.keys(tools).map(codePoints)).toContainEqual(['72', '65', '61', '64', '5f', '66', '456', '6c', '65']);
      expect(Object.keys(tools).map(codePoints)).toContainEqual(['72', '65', '61', '64', '5f', '200b', '66', '69', '6c', '65']);
      expect(Object.keys(tools).map(codePoints)).toContainEqual(['202e', '65', '6c', '69', '66', '5f', '64', '61', '65', '72']);
      // Stored as the raw UTF-8 characters (RFC 8785 escapes none of them), not normalised away.
      for (const name of NAMES) expect(bytes.includes(Buffer.from(`"${name}"`, 'utf8'))).toBe(true);
      expect(bytes.includes(Buffer.from('\u202e', 'utf8'))).toBe(true);

      // Locking the same surface again is no drift and gives the same bytes.
      const again = await runCli(lockArgs('lookalike', LONG_TIMEOUT_MS), { cwd: dir });
      expect(again.code, again.stderr).toBe(0);
      expect(readFileSync(join(dir, 'mcp-lock.json')).equals(bytes)).toBe(true);
    } finally {
      cleanup();
    }
  });
});

describe.concurrent('the server process tree', () => {
  it('is gone after a lock of a server that ignores SIGTERM and has a grandchild', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const pidFile = join(dir, 'pids');
      const r = await runCli(['lock', '--timeout', '5s', '--', ...fixtureServer('hostile-server.mjs', '--mode=grandchild', `--pid-file=${pidFile}`)], { cwd: dir });
      expect(r.code, r.stderr).toBe(0);
      expect(existsSync(join(dir, 'mcp-lock.json'))).toBe(true);
      // Ignoring SIGTERM costs the server its grace period, then SIGKILL for the whole group.
      await expectTreeGone(readPids(pidFile));
    } finally {
      cleanup();
    }
  }, 5_000 + KILL_GRACE_MS + SLACK_MS);

  it('is gone after a timeout against such a server, and nothing is written', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const pidFile = join(dir, 'pids');
      const r = await runCli(['lock', '--timeout', '1s', '--', ...fixtureServer('hostile-server.mjs', '--mode=grandchild-hang', `--pid-file=${pidFile}`)], { cwd: dir });
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr).toMatch(/^error: server did not answer initialize within 1s \(raise --timeout if it is just slow\)$/m);
      await expectTreeGone(readPids(pidFile));
      expect(readdirSync(dir)).toEqual(['pids']);
    } finally {
      cleanup();
    }
  }, 1_000 + KILL_GRACE_MS + SLACK_MS);

  it('is gone when such a server exits during the handshake and leaves its grandchild behind', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const pidFile = join(dir, 'pids');
      const r = await runCli(['lock', '--timeout', '30s', '--', ...fixtureServer('hostile-server.mjs', '--mode=grandchild-exit', `--pid-file=${pidFile}`)], { cwd: dir });
      expect(r.code, r.stderr).toBe(3);
      // EXITED, not TIMEOUT: reported when it happened, before the --timeout.
      expect(r.stderr).toMatch(/^error: server exited with code 7 during initialize$/m);
      await expectTreeGone(readPids(pidFile));
      expect(readdirSync(dir)).toEqual(['pids']);
    } finally {
      cleanup();
    }
  }, 30_000 + SLACK_MS);

  // A descendant that left the server's process group (setsid) and holds its stdout: the
  // group kill cannot reach it, and mcptrust must not wait for it to let go of the pipes.
  it('does not keep mcptrust alive through a descendant in another session holding stdout', async () => {
    expect(existsSync(builtCli), 'build dist/ first: npx tsc -p tsconfig.build.json').toBe(true);
    const { dir, cleanup } = tempDir();
    let pids: number[] = [];
    try {
      const pidFile = join(dir, 'pids');
      const r = await spawnCli(['lock', '--timeout', '5s', '--', ...fixtureServer('hostile-server.mjs', '--mode=escaped', `--pid-file=${pidFile}`)], { cwd: dir, timeoutMs: 15_000 });
      pids = readPids(pidFile);
      expect(r.code, r.stderr).toBe(0);
      // The escaped grandchild holds the pipes for 20 s: it still runs, so mcptrust did not wait for it.
      expect(isRunning(pids[1]!), 'mcptrust ended only after the escaped process let go of its pipes').toBe(true);
      expect(readdirSync(dir).sort()).toEqual(['mcp-lock.json', 'pids']);
    } finally {
      for (const pid of pids.slice(1)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      cleanup();
    }
  });

  it('reports a server that exits while a descendant holds its stdout at once, not at the timeout', async () => {
    const { dir, cleanup } = tempDir();
    let pids: number[] = [];
    try {
      const pidFile = join(dir, 'pids');
      const r = await runCli(['lock', '--timeout', '20s', '--', ...fixtureServer('hostile-server.mjs', '--mode=escaped-exit', `--pid-file=${pidFile}`)], { cwd: dir });
      pids = readPids(pidFile);
      expect(r.code, r.stderr).toBe(3);
      // EXITED, not TIMEOUT (20 s), and while the escaped process (20 s) still holds the pipes.
      expect(r.stderr).toMatch(/^error: server exited with code 7 during initialize$/m);
      expect(isRunning(pids[1]!), 'mcptrust ended only after the escaped process let go of its pipes').toBe(true);
      expect(readdirSync(dir)).toEqual(['pids']);
    } finally {
      for (const pid of pids.slice(1)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      cleanup();
    }
  });

  // Servers run in their own process group, out of reach of a terminal's Ctrl-C: mcptrust must
  // end them itself when it is interrupted. Only a real process shows this (dist/, built first).
  it.each(['SIGINT', 'SIGTERM'] as const)('is gone when mcptrust gets %s mid-lock, and nothing is written', async (signal) => {
    expect(existsSync(builtCli), 'build dist/ first: npx tsc -p tsconfig.build.json').toBe(true);
    const { dir, cleanup } = tempDir();
    try {
      const pidFile = join(dir, 'pids');
      const cli = spawn(process.execPath, [builtCli, 'lock', '--timeout', '30s', '--', ...fixtureServer('hostile-server.mjs', '--mode=grandchild-hang', `--pid-file=${pidFile}`)], {
        cwd: dir,
        stdio: 'ignore',
      });
      const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => cli.once('close', (code, sig) => resolve({ code, signal: sig })));
      // Wait until the server has started and written both pids (the file may appear empty first).
      const written = () => existsSync(pidFile) && /^\d+ \d+\n$/.test(readFileSync(pidFile, 'utf8'));
      for (let i = 0; i < 200 && !written(); i++) await new Promise((r) => setTimeout(r, 25));
      const pids = readPids(pidFile);
      cli.kill(signal);
      // mcptrust dies of the signal it got, as it would without a handler (exit 130 / 143 in a
      // shell), not by its 30 s --timeout (which would be exit 3).
      expect(await ended).toEqual({ code: null, signal });
      await expectTreeGone(pids);
      expect(readdirSync(dir)).toEqual(['pids']);
    } finally {
      cleanup();
    }
  });
});

describe.concurrent('secret values of a stdio server', () => {
  const SECRET = 'sk-test-0123456789abcdef';
  it('are redacted when the server echoes them on stderr and in an error; -32001 from the server is an RPC error, not a timeout', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const r = await runCli(['lock', '--timeout', '10s', '--env', `API_KEY=${SECRET}`, '--', ...fixtureServer('hostile-server.mjs', '--mode=echo-env')], { cwd: dir });
      expect(r.code, r.stderr).toBe(3);
      expect(r.stderr).toMatch(/^error: server returned an error to initialize: no access with API_KEY=\[REDACTED\] \(code -32001\)$/m);
      expect(r.stderr).toMatch(/^ {2}API_KEY=\[REDACTED\]$/m);
      expect(r.stderr + r.stdout).not.toContain(SECRET);
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      cleanup();
    }
  });
});

describe.concurrent('text a server chose, on the terminal', () => {
  it('its serverInfo.name is escaped in the summary and in notes', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const r = await runCli(['lock', '--', ...fixtureServer('hostile-server.mjs', '--mode=ansi-name')], { cwd: dir });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/^note: \\u\{1b\}\]0;pwned\\u\{7\}\\u\{1b\}\[2Jevil: server does not implement resources\/templates\/list/m);
      expect(r.stdout).toContain('\\u{1b}]0;pwned');
      expect(r.stdout + r.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    } finally {
      cleanup();
    }
  });

  it('an existing lockfile path that is a folder: exit 2 naming it, no crash', async () => {
    const { dir, cleanup } = tempDir();
    try {
      mkdirSync(join(dir, 'mcp-lock.json'));
      const r = await runCli(['lock', '--', ...fixtureServer('hostile-server.mjs', '--mode=ok')], { cwd: dir });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/^error: cannot read lockfile .*mcp-lock\.json: not a regular file; refusing to overwrite it/m);
      expect(r.stderr).not.toMatch(/internal error/);
    } finally {
      cleanup();
    }
  });
});
