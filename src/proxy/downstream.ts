import type { Readable, Writable } from 'node:stream';
import { BACKLOG_BYTES } from '../mcp/limits.js';
import { MAX_JSON_DEPTH, nestingExceeds } from '../util/json.js';

/** What one line from the agent turned out to be. */
export type Incoming = { message: unknown } | { problem: 'parse' | 'too-large' | 'not-utf8' | 'too-deep' };

const UTF8 = new TextDecoder('utf-8', { fatal: true });



/**
 * The agent's side of the proxy: newline-delimited JSON-RPC on the proxy's own stdin and
 * stdout (MCP stdio transport). A line longer than `maxLineBytes` is skipped up to its end and
 * reported, never buffered; a line that is not UTF-8 or not JSON is reported; nothing here
 * throws on what the agent sends.
 */
export class LineChannel {
  onmessage?: (incoming: Incoming) => void;
  onclose?: () => void;
  /** Called when what was queued for the agent has been written out (see `backlogged`). */
  ondrain?: () => void;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private skipping = false;
  private closed = false;
  /** Paused: no further line of the agent is handed on, not even the rest of the chunk being read. */
  private paused = false;
  private stashed: Buffer | undefined;

  constructor(
    private readonly input: Readable,
    private readonly output: Writable,
    private readonly maxLineBytes: number,
  ) {}

  start(): void {
    this.input.on('data', (chunk: Buffer) => this.onData(chunk));
    const end = () => this.close();
    this.input.once('end', end);
    this.input.once('close', end);
    this.input.once('error', end);
    // The agent went away: nothing more can be written (EPIPE), the session ends.
    this.output.on('error', end);
    this.output.on('drain', () => this.ondrain?.());
  }

  /**
   * More than BACKLOG_BYTES (the server's stdin's bound too) wait to be written to an agent that
   * is not reading: the session then
   * stops reading both sides until they drain (see ProxySession.hold).
   */
  get backlogged(): boolean {
    return this.output.writableLength >= BACKLOG_BYTES;
  }

  /** Stops reading the agent's stdin until resume(): the agent then waits on a full pipe. */
  pause(): void {
    this.paused = true;
    this.input.pause();
  }

  resume(): void {
    this.paused = false;
    const rest = this.stashed;
    this.stashed = undefined;
    if (rest !== undefined) this.onData(rest);
    if (!this.paused) this.input.resume();
  }

  private onData(chunk: Buffer): void {
    if (this.paused) {
      this.stashed = this.stashed === undefined ? chunk : Buffer.concat([this.stashed, chunk]);
      return;
    }
    let start = 0;
    for (let newline = chunk.indexOf(0x0a); newline !== -1; newline = chunk.indexOf(0x0a, start)) {
      // A line handed on may pause the channel (the session holds both sides): the rest of the
      // chunk waits for resume(), as the rest of the pipe does.
      if (this.paused) {
        this.stashed = chunk.subarray(start);
        return;
      }
      const piece = chunk.subarray(start, newline);
      start = newline + 1;
      if (this.skipping || this.pendingBytes + piece.length > this.maxLineBytes) {
        this.skipping = false;
        this.pending = [];
        this.pendingBytes = 0;
        this.onmessage?.({ problem: 'too-large' });
        continue;
      }
      const line = this.pending.length === 0 ? piece : Buffer.concat([...this.pending, piece]);
      this.pending = [];
      this.pendingBytes = 0;
      this.onLine(line);
    }
    if (start < chunk.length && !this.skipping) {
      const rest = chunk.subarray(start);
      this.pendingBytes += rest.length;
      if (this.pendingBytes > this.maxLineBytes) {
        // Past the bound: forget what was kept and skip to the end of this line.
        this.skipping = true;
        this.pending = [];
        this.pendingBytes = 0;
      } else this.pending.push(Buffer.from(rest));
    }
  }

  private onLine(raw: Buffer): void {
    let text: string;
    try {
      text = UTF8.decode(raw);
    } catch {
      this.onmessage?.({ problem: 'not-utf8' });
      return;
    }
    if (text.trim() === '') return;
    // Checked on the text first: every later step (parse, validation, forwarding) may recurse.
    if (nestingExceeds(text, MAX_JSON_DEPTH)) {
      this.onmessage?.({ problem: 'too-deep' });
      return;
    }
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      this.onmessage?.({ problem: 'parse' });
      return;
    }
    this.onmessage?.({ message });
  }

  send(message: unknown): void {
    if (this.closed) return;
    this.output.write(`${JSON.stringify(message)}\n`);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.onclose?.();
  }
}
