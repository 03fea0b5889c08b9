/**
 * One hang guard for tests that run synchronous code on adversarial input (a 1 MiB run of white
 * space, a repeated near-match) — a hang guard, NOT a speed check. Tests must not assert wall
 * times: they flake on a loaded CI machine; speed belongs in `npm run bench`.
 *
 * vitest's own per-test timeout cannot interrupt synchronous code (a runaway regex holds the
 * worker until it finishes, possibly for hours). V8's watchdog can: `fn` runs under a node:vm
 * timeout, and a call still running after `ms` is terminated with ERR_SCRIPT_EXECUTION_TIMEOUT,
 * failing the test instead of holding the worker. The bound is generous on purpose: it only
 * separates "finishes" from "hangs" (quadratic or worse), never "fast" from "slow".
 */
import { runInNewContext } from 'node:vm';

/** Runs `fn` and returns its result; throws ERR_SCRIPT_EXECUTION_TIMEOUT if it is still running after `ms`. */
export function withinHangGuard<T>(fn: () => T, ms = 60_000): T {
  return runInNewContext('run()', { run: fn }, { timeout: ms }) as T;
}
