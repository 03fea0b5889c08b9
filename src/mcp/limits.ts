import { MAX_ITEM_DEPTH } from '../util/json.js';

export { MAX_ITEM_DEPTH };

/**
 * Bounds that keep a hostile server from hanging or exhausting mcptrust. Every one of them is
 * reported by name when a server crosses it.
 */
export interface Limits {
  /** Per-request timeout, in milliseconds (initialize and each list page). */
  timeoutMs: number;
  /** Largest single JSON-RPC message accepted, in bytes. */
  maxMessageBytes: number;
  /** Largest single item (tool, prompt, resource, template) in canonical form, in bytes. */
  maxItemBytes: number;
  /** Most items accepted in one list (tools, prompts, resources or templates). */
  maxItems: number;
  /** Most pages followed in one list. */
  maxPages: number;
  /** How much of the server's stderr is kept for error messages, in bytes. */
  stderrBytes: number;
  /**
   * Largest surface, in bytes of the lockfile that pins it (identity and every item of every
   * list, as written: canonical form, indentation and entry), summed over all servers read
   * together (a `--config` lock). Keeps memory bounded whatever the server sends within the
   * other bounds, and keeps every lockfile `lock` writes far under the size the reader accepts.
   */
  maxSurfaceBytes: number;
}

export const DEFAULT_LIMITS: Limits = {
  timeoutMs: 30_000,
  maxMessageBytes: 16 * 1024 * 1024,
  maxItemBytes: 1024 * 1024,
  maxItems: 10_000,
  maxPages: 1_000,
  stderrBytes: 64 * 1024,
  maxSurfaceBytes: 64 * 1024 * 1024,
};

/**
 * The surface size spent so far, shared by every server read in one run, so that a `--config`
 * lock of many servers is bounded as a whole, not per server.
 */
export class SurfaceBudget {
  used = 0;
  constructor(
    readonly limit: number,
    /** How many servers share it (said in the message when more than one). */
    readonly servers = 1,
  ) {}
}

/**
 * Bytes queued for a peer that is not reading (the proxy's agent on its stdout, a stdio server on
 * its stdin) past which the proxy stops reading both sides until the queue drains.
 */
export const BACKLOG_BYTES = 4 * 1024 * 1024;
