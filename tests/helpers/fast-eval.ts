import { FAST_BAIL, type FastRule } from '../../src/policy/fast-eval.js';

/** A run's value, or that it threw (cel-js's error and the closures' alike). */
export type Outcome = { value: unknown } | { error: true };
export function outcome(run: () => unknown): Outcome {
  try {
    return { value: run() };
  } catch {
    return { error: true };
  }
}

/** The closures alone: their value, or FAST_BAIL when they leave the rule to cel-js; any other throw is a bug and fails the test. */
export function fastOnly(fast: FastRule, input: unknown): unknown {
  try {
    return fast(input);
  } catch (error) {
    if (error === FAST_BAIL) return FAST_BAIL;
    throw error;
  }
}
