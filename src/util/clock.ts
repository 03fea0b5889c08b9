/**
 * Milliseconds from an arbitrary start, for durations in reports: what `performance.now()`
 * gives, without the global `performance`, whose first use loads node:perf_hooks (a dozen
 * modules of start-up for a command that only times its steps).
 */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
