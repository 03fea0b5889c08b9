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
}

export const DEFAULT_LIMITS: Limits = {
  timeoutMs: 30_000,
  maxMessageBytes: 16 * 1024 * 1024,
  maxItemBytes: 1024 * 1024,
  maxItems: 10_000,
  maxPages: 1_000,
  stderrBytes: 64 * 1024,
};
