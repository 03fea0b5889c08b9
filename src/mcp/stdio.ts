import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { JSONRPCMessageSchema, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { statSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { formatBytes, printable } from '../util/text.js';
import { ServerError } from './errors.js';
import { BACKLOG_BYTES } from './limits.js';
import { duplicateKeyError, messageTooDeepError, notUtf8Error } from './duplicates.js';
import { MIN_SECRET_LENGTH, redactSecrets } from './target.js';

// Fatal: a byte sequence that is not UTF-8 is refused, never replaced. The BOM is kept, so a
// line that starts with one is still not JSON, as before.
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

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
  /** Secret values (5 characters or more) to scrub from stderr as it arrives, before it is cut. */
  secrets?: readonly string[];
}

/**
 * Keeps the last `max` bytes of the server's stderr, with every secret replaced by [REDACTED]
 * *before* the cut: text is decoded and scrubbed as it arrives, holding back only the last
 * (longest secret − 1) characters, which may be the start of a secret still being written, and
 * any occurrence that crosses that point. The 64 KiB cut then falls on scrubbed text, so it can
 * never leave the end of a secret on screen. At the other edge, a stream that stops in the
 * middle of a secret (read while the server was still writing, or the server died mid-write)
 * has that beginning replaced too when it is 5 characters or more, the length below which
 * values are not treated as secrets.
 */
class RedactedTail {
  private chunks: string[] = [];
  private sizes: number[] = [];
  private size = 0;
  private carry = '';
  private readonly decoder = new StringDecoder('utf8');
  private readonly hold: number;

  constructor(
    private readonly max: number,
    private readonly secrets: readonly string[],
  ) {
    this.hold = secrets.reduce((n, s) => Math.max(n, s.length - 1), 0);
  }

  push(chunk: Buffer): void {
    const text = this.carry + this.decoder.write(chunk);
    if (text === '') return;
    let cut = text.length - this.hold;
    if (cut <= 0) {
      this.carry = text;
      return;
    }
    // An occurrence that starts before the cut ends after it is kept whole in what is scrubbed
    // now (the cut moves past it, and again if that makes another one cross it).
    for (let moved = true; moved; ) {
      moved = false;
      for (const secret of this.secrets) {
        for (let i = text.indexOf(secret, Math.max(0, cut - secret.length + 1)); i !== -1 && i < cut; i = text.indexOf(secret, i + 1)) {
          if (i + secret.length > cut) {
            cut = i + secret.length;
            moved = true;
          }
        }
      }
    }
    this.keep(redactSecrets(text.slice(0, cut), this.secrets));
    this.carry = text.slice(cut);
  }

  private keep(text: string): void {
    if (text === '') return;
    const bytes = Buffer.byteLength(text);
    this.chunks.push(text);
    this.sizes.push(bytes);
    this.size += bytes;
    while (this.chunks.length > 1 && this.size - this.sizes[0]! >= this.max) {
      this.size -= this.sizes.shift()!;
      this.chunks.shift();
    }
  }

  text(): string {
    let rest = redactSecrets(this.carry, this.secrets);
    for (const secret of this.secrets) {
      const started = startOfSecretAtEnd(rest, secret);
      if (started >= MIN_SECRET_LENGTH) rest = `${rest.slice(0, rest.length - started)}[REDACTED]`;
    }
    const all = Buffer.from(this.chunks.join('') + rest, 'utf8');
    let start = Math.max(0, all.length - this.max);
    // Cut on a character boundary: skip UTF-8 continuation bytes (10xxxxxx).
    while (start < all.length && (all[start]! & 0xc0) === 0x80) start++;
    return all.subarray(start).toString('utf8');
  }
}

/**
 * The length of the longest beginning of `secret` (shorter than all of it) that `text` ends
 * with, in time linear in the secret's length (Knuth–Morris–Pratt).
 */
function startOfSecretAtEnd(text: string, secret: string): number {
  if (secret.length < 2) return 0;
  const failure = new Array<number>(secret.length).fill(0);
  for (let i = 1, k = 0; i < secret.length; i++) {
    while (k > 0 && secret[i] !== secret[k]) k = failure[k - 1]!;
    if (secret[i] === secret[k]) k++;
    failure[i] = k;
  }
  let k = 0;
  for (let i = Math.max(0, text.length - secret.length + 1); i < text.length; i++) {
    while (k > 0 && (k === secret.length || text[i] !== secret[k])) k = failure[k - 1]!;
    if (text[i] === secret[k]) k++;
  }
  return k === secret.length ? failure[k - 1]! : k;
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
 * The error of a server that could not be started, for a spawn error thrown at once or emitted
 * after: a working folder that does not exist or is not a folder is named as such (spawn reports
 * a missing cwd as ENOENT, which would read as a missing command).
 */
function spawnFailure(command: string, cwd: string | undefined, error: NodeJS.ErrnoException): ServerError {
  const folder = cwd === undefined ? undefined : folderProblem(cwd);
  const why = folder
    ? `its working folder (cwd) ${printable(cwd!, 200)} ${folder}`
    : error.code === 'ENOENT'
      ? 'command not found (is it installed and on PATH?)'
      : error.code === 'EACCES'
        ? 'permission denied'
        : error.message;
  return new ServerError('SPAWN_FAILED', `could not start ${printable(command, 80)}: ${why}`);
}

/** Why `cwd` cannot be a working folder ("does not exist", "is not a folder"), or undefined. */
function folderProblem(cwd: string): string | undefined {
  try {
    return statSync(cwd).isDirectory() ? undefined : 'is not a folder';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? 'does not exist' : code === 'ENOTDIR' ? 'is not a folder' : undefined;
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
  private readonly stderrTail: RedactedTail;
  private closed = false;
  private exited: Promise<void> = Promise.resolve();

  constructor(private readonly options: StdioOptions) {
    this.stderrTail = new RedactedTail(options.stderrBytes, options.secrets ?? []);
  }

  /** The server's last stderr lines, secrets scrubbed, otherwise raw (callers make them printable). */
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
        reject(spawnFailure(command, cwd, error as NodeJS.ErrnoException));
        return;
      }
      this.child = child;
      this.exited = new Promise((done) => child.once('close', () => done()));
      child.once('error', (error: NodeJS.ErrnoException) => {
        const failure = spawnFailure(command, cwd, error);
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
      child.stdin.on('drain', () => this.ondrain?.());
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

  /** Stops reading the server's stdout until resume(): the server then waits on a full pipe. */
  pause(): void {
    this.child?.stdout.pause();
  }

  resume(): void {
    this.child?.stdout.resume();
  }

  /** Called when what was queued for the server's stdin has been written (see `backlogged`). */
  ondrain?: () => void;

  /** More than BACKLOG_BYTES wait to be written to a server that is not reading its stdin. */
  get backlogged(): boolean {
    return (this.child?.stdin.writableLength ?? 0) >= BACKLOG_BYTES;
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
    let decoded: string;
    try {
      decoded = UTF8.decode(raw);
    } catch {
      this.fail(notUtf8Error());
      return;
    }
    const text = decoded.replace(/\r$/, '');
    const shown = () => printable(this.options.redact ? this.options.redact(text) : text, 120);
    if (text.trim() === '') return;
    const tooDeep = messageTooDeepError(text);
    if (tooDeep) {
      this.fail(tooDeep);
      return;
    }
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
    // Duplicate member names would be resolved last-wins by JSON.parse, silently: refused.
    const duplicate = duplicateKeyError(text, json);
    if (duplicate) {
      this.fail(duplicate);
      return;
    }
    if (isPlainJsonRpcMessage(json)) {
      this.onmessage?.(json);
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

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isRequestId = (v: unknown) => typeof v === 'string' || Number.isSafeInteger(v);

/** Whether every own key of `value` is one of `allowed` (a strict zod object refuses any other). */
function keysWithin(value: Record<string, unknown>, allowed: readonly string[]): boolean {
  for (const key in value) if (!allowed.includes(key)) return false;
  return true;
}

/**
 * The common shapes of a JSON-RPC 2.0 message, checked by hand on the hot path (the proxy
 * crosses it twice per call): a request, notification, result or error response whose members
 * are exactly the ones JSONRPCMessageSchema allows, with no `_meta` in params or result and no
 * member of `error` beyond code, message and data. Every message it accepts is one the schema
 * accepts and would return unchanged (same members, same values); anything else, valid or not,
 * goes to the schema, which decides (tests/proxy/perf-jsonrpc-shape.test.ts pins both).
 */
export function isPlainJsonRpcMessage(value: unknown): value is JSONRPCMessage {
  if (!isRecord(value) || value.jsonrpc !== '2.0') return false;
  if (typeof value.method === 'string') {
    const params = value.params;
    if (params !== undefined && (!isRecord(params) || '_meta' in params)) return false;
    return value.id === undefined ? keysWithin(value, ['jsonrpc', 'method', 'params']) : isRequestId(value.id) && keysWithin(value, ['jsonrpc', 'id', 'method', 'params']);
  }
  if (value.result !== undefined) {
    return isRequestId(value.id) && isRecord(value.result) && !('_meta' in value.result) && keysWithin(value, ['jsonrpc', 'id', 'result']);
  }
  const error = value.error;
  if (!isRecord(error) || !Number.isSafeInteger(error.code) || typeof error.message !== 'string' || !keysWithin(error, ['code', 'message', 'data'])) return false;
  return (value.id === undefined || isRequestId(value.id)) && keysWithin(value, ['jsonrpc', 'id', 'error']);
}

function tooLarge(size: number, max: number, partial = false): ServerError {
  return new ServerError(
    'MESSAGE_TOO_LARGE',
    partial
      ? `server sent a message larger than the ${formatBytes(max)} limit per message (mcptrust stopped reading there)`
      : `server sent a message of ${formatBytes(size)}, over the ${formatBytes(max)} limit per message`,
  );
}
