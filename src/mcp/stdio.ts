import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { JSONRPCMessageSchema, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { formatBytes, printable } from '../util/text.js';
import { ServerError } from './errors.js';

export interface StdioOptions {
  command: string;
  args: string[];
  /** The complete environment of the server process (already minimal). */
  env: Record<string, string>;
  cwd?: string;
  maxMessageBytes: number;
  stderrBytes: number;
  /** Removes secret values from server text before it goes into an error message. */
  redact?: (text: string) => string;
}

/** Keeps the last `max` bytes of a stream. */
class TailBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  constructor(private readonly max: number) {}
  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size - (this.chunks[0]?.length ?? 0) >= this.max && this.chunks.length > 1) {
      this.size -= this.chunks.shift()!.length;
    }
  }
  text(): string {
    const all = Buffer.concat(this.chunks);
    return all.subarray(Math.max(0, all.length - this.max)).toString('utf8');
  }
}

/** How long after the server exits its pipes may stay open (output still in flight). */
const PIPE_GRACE_MS = 300;

const liveGroups = new Set<number>();
let exitHookInstalled = false;

/** Ends every server process group still running when mcptrust itself exits. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const pid of liveGroups) killGroup(pid, 'SIGKILL');
  });
}

// Servers run in their own process group (detached), so a Ctrl-C on the terminal does not reach
// them, and a signal ends mcptrust without its 'exit' event. While a server runs, these
// signals end its group first, then mcptrust dies of the same signal as it would have.
const ENDING_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function onEndingSignal(signal: NodeJS.Signals): void {
  for (const pid of liveGroups) killGroup(pid, 'SIGKILL');
  liveGroups.clear();
  for (const s of ENDING_SIGNALS) process.removeListener(s, onEndingSignal);
  process.kill(process.pid, signal);
}

function trackGroup(pid: number): void {
  if (liveGroups.size === 0) for (const s of ENDING_SIGNALS) process.on(s, onEndingSignal);
  liveGroups.add(pid);
}

function untrackGroup(pid: number): void {
  if (!liveGroups.delete(pid) || liveGroups.size > 0) return;
  for (const s of ENDING_SIGNALS) process.removeListener(s, onEndingSignal);
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    // A negative pid signals the whole process group: `npx` and the server it starts, and
    // anything the server spawned, end together.
    process.kill(process.platform === 'win32' ? pid : -pid, signal);
  } catch {
    // already gone
  }
}

/**
 * MCP stdio client transport with the bounds the SDK's does not have: a cap on one message,
 * chunks joined once per line (not once per chunk), stdout that is not JSON-RPC treated as the
 * protocol violation it is, a bounded stderr tail for error messages, and the whole process
 * tree ended on close. The first fatal problem is kept in `failure`, and the transport closes,
 * so pending requests end at once rather than at their timeout.
 */
export class BoundedStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  failure: ServerError | undefined;
  /** Set by the SDK client after initialize. */
  protocolVersion: string | undefined;
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;

  private child: ChildProcessWithoutNullStreams | undefined;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private readonly stderrTail: TailBuffer;
  private closed = false;
  private exited: Promise<void> = Promise.resolve();

  constructor(private readonly options: StdioOptions) {
    this.stderrTail = new TailBuffer(options.stderrBytes);
  }

  /** The server's last stderr lines, raw (callers make them printable). */
  stderrText(): string {
    return this.stderrTail.text();
  }

  start(): Promise<void> {
    installExitHook();
    return new Promise((resolve, reject) => {
      const { command, args, env, cwd } = this.options;
      let child: ChildProcessWithoutNullStreams;
      try {
        child = spawn(command, args, {
          env,
          cwd,
          stdio: ['pipe', 'pipe', 'pipe'],
          shell: false,
          detached: process.platform !== 'win32',
          windowsHide: true,
        });
      } catch (error) {
        reject(new ServerError('SPAWN_FAILED', `could not start ${printable(command, 80)}: ${(error as Error).message}`));
        return;
      }
      this.child = child;
      this.exited = new Promise((done) => child.once('close', () => done()));
      child.once('error', (error: NodeJS.ErrnoException) => {
        const why = error.code === 'ENOENT' ? 'command not found (is it installed and on PATH?)' : error.code === 'EACCES' ? 'permission denied' : error.message;
        const failure = new ServerError('SPAWN_FAILED', `could not start ${printable(command, 80)}: ${why}`);
        if (!child.pid) {
          reject(failure);
          return;
        }
        this.fail(failure);
      });
      child.once('spawn', () => {
        if (child.pid) trackGroup(child.pid);
        resolve();
      });
      child.stdout.on('data', (chunk: Buffer) => this.onStdout(chunk));
      child.stderr.on('data', (chunk: Buffer) => this.stderrTail.push(chunk));
      child.stdin.on('error', () => {
        // EPIPE when the server has gone: reported through 'close' with the exit status.
      });
      // 'close' waits for the pipes as well as the process, and a descendant that left the group
      // (setsid) may hold them open for ever: soon after the server itself exits, let go of them.
      child.once('exit', (code, signal) => {
        this.exit ??= { code, signal };
        setTimeout(() => this.releasePipes(child), PIPE_GRACE_MS).unref();
      });
      child.once('close', (code, signal) => {
        if (child.pid) {
          // The server is gone, maybe without a word: end whatever it left running in its group.
          killGroup(child.pid, 'SIGKILL');
          untrackGroup(child.pid);
        }
        this.exit ??= { code, signal };
        this.handleClose();
      });
    });
  }

  private onStdout(chunk: Buffer): void {
    if (this.closed) return;
    let start = 0;
    let newline = chunk.indexOf(0x0a, start);
    while (newline !== -1) {
      const piece = chunk.subarray(start, newline);
      const line = this.pending.length === 0 ? piece : Buffer.concat([...this.pending, piece]);
      const size = this.pendingBytes + piece.length;
      this.pending = [];
      this.pendingBytes = 0;
      if (size > this.options.maxMessageBytes) {
        this.fail(tooLarge(size, this.options.maxMessageBytes));
        return;
      }
      this.onLine(line);
      if (this.closed) return;
      start = newline + 1;
      newline = chunk.indexOf(0x0a, start);
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      this.pending.push(rest);
      this.pendingBytes += rest.length;
      if (this.pendingBytes > this.options.maxMessageBytes) this.fail(tooLarge(this.pendingBytes, this.options.maxMessageBytes, true));
    }
  }

  private onLine(raw: Buffer): void {
    const text = raw.toString('utf8').replace(/\r$/, '');
    const shown = () => printable(this.options.redact ? this.options.redact(text) : text, 120);
    if (text.trim() === '') return;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      // MCP stdio: "The server MUST NOT write anything to its stdout that is not a valid MCP
      // message." Log lines belong on stderr; accepting them would let a server hide output.
      this.fail(
        new ServerError(
          'NOT_JSON',
          `server wrote non-JSON output on stdout: "${shown()}"; the MCP stdio transport allows only JSON-RPC messages on stdout (the server must log to stderr)`,
        ),
      );
      return;
    }
    const parsed = JSONRPCMessageSchema.safeParse(json);
    if (!parsed.success) {
      this.fail(new ServerError('PROTOCOL', `server sent a message that is not JSON-RPC 2.0: ${shown()}`));
      return;
    }
    this.onmessage?.(parsed.data);
  }

  private fail(error: ServerError): void {
    if (!this.failure) this.failure = error;
    void this.close();
  }

  setProtocolVersion(version: string): void {
    this.protocolVersion = version;
  }

  async send(message: JSONRPCMessage): Promise<void> {
    const child = this.child;
    if (!child || this.closed || !child.stdin.writable) throw new ServerError('EXITED', 'server is not running');
    await new Promise<void>((resolve, reject) => {
      child.stdin.write(`${JSON.stringify(message)}\n`, (error) => (error ? reject(error) : resolve()));
    });
  }

  private handleClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.onclose?.();
  }

  async close(): Promise<void> {
    const child = this.child;
    const wasClosed = this.closed;
    this.closed = true;
    if (child?.pid && this.exit === undefined) {
      child.stdin.end();
      killGroup(child.pid, 'SIGTERM');
      const timer = setTimeout(() => killGroup(child.pid!, 'SIGKILL'), 2_000);
      // A descendant that left the group may hold our pipes open: wait for 'close' at most 3 s.
      await Promise.race([this.exited, new Promise((r) => setTimeout(r, 3_000).unref())]);
      clearTimeout(timer);
      // The group leader is gone; end whatever it left behind in its group.
      killGroup(child.pid, 'SIGKILL');
      untrackGroup(child.pid);
    }
    if (child) this.releasePipes(child);
    if (!wasClosed) this.onclose?.();
  }

  /** Drops our ends of the server's pipes, so nothing left running can keep mcptrust alive. */
  private releasePipes(child: ChildProcessWithoutNullStreams): void {
    child.stdin.destroy();
    child.stdout.destroy();
    child.stderr.destroy();
    child.unref();
  }
}

function tooLarge(size: number, max: number, partial = false): ServerError {
  return new ServerError(
    'MESSAGE_TOO_LARGE',
    partial
      ? `server sent a message larger than the ${formatBytes(max)} limit per message (mcptrust stopped reading there)`
      : `server sent a message of ${formatBytes(size)}, over the ${formatBytes(max)} limit per message`,
  );
}
