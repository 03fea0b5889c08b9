import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { builtCli, repoRoot } from '../helpers/cli.js';

export const fixturePath = join(repoRoot, 'testdata', 'proxy-servers', 'fixture-server.mjs');
export const everythingBin = join(repoRoot, 'node_modules', '@modelcontextprotocol', 'server-everything', 'dist', 'index.js');

/** The command of the fixture server in a mode (see testdata/proxy-servers/README.md). */
export function fixture(mode: string): string[] {
  return [process.execPath, fixturePath, mode];
}

/** A proxy process driven line by line, as an agent would over stdio. */
export class ProxyProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly messages: Record<string, unknown>[] = [];
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private buffer = '';
  private waiters: (() => void)[] = [];

  constructor(args: string[], cwd: string) {
    this.child = spawn(process.execPath, [builtCli, 'proxy', ...args], { cwd, env: { PATH: process.env.PATH, HOME: cwd } });
    this.child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      this.buffer += chunk;
      let newline: number;
      while ((newline = this.buffer.indexOf('\n')) !== -1) {
        this.messages.push(JSON.parse(this.buffer.slice(0, newline)) as Record<string, unknown>);
        this.buffer = this.buffer.slice(newline + 1);
      }
      for (const wake of this.waiters.splice(0)) wake();
    });
    this.child.stderr.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
    // A test that kills the proxy, or a proxy that stops reading an agent it cannot answer, leaves
    // writes pending: they end in EPIPE, which is no finding of the test's.
    this.child.stdin.on('error', () => {});
  }

  send(message: unknown): void {
    this.child.stdin.write(`${typeof message === 'string' ? message : JSON.stringify(message)}\n`);
  }

  /** The first message (from the start) that `match` accepts; waits for it. */
  async next(match: (m: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
    for (;;) {
      const found = this.messages.find(match);
      if (found) return found;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  response(id: unknown): Promise<Record<string, unknown>> {
    return this.next((m) => m.id === id && ('result' in m || 'error' in m));
  }

  async initialize(capabilities: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    this.send({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities, clientInfo: { name: 'test-agent', version: '1' } } });
    const answer = await this.response(0);
    this.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    return answer;
  }

  async call(id: number, method: string, params: unknown): Promise<Record<string, unknown>> {
    this.send({ jsonrpc: '2.0', id, method, params });
    return this.response(id);
  }
}

/** Whether a process with this pid still runs. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Waits (bounded by the test timeout) until every server process that wrote to `pidFile` (the
 * preflight's and the session's) is gone; returns their pids.
 */
export async function gone(pidFile: string, count = 2): Promise<number[]> {
  const pids = () => (existsSync(pidFile) ? readFileSync(pidFile, 'utf8').split('\n').filter(Boolean).map(Number) : []);
  while (pids().length < count) await new Promise((r) => setTimeout(r, 20));
  for (const pid of pids()) while (alive(pid)) await new Promise((r) => setTimeout(r, 20));
  return pids();
}

/** The audit file's lines, parsed. */
export function auditLines(file: string): Record<string, unknown>[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
}
