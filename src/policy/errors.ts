import { BaseError } from '../errors.js';

export type PolicyErrorCode =
  | 'MALFORMED_YAML'
  | 'DUPLICATE_KEY'
  | 'INVALID_POLICY'
  | 'DUPLICATE_RULE'
  | 'COMPILE_ERROR'
  | 'EVAL_TIMEOUT'
  | 'EVAL_ERROR'
  | 'INVALID_TEST'
  | 'UNKNOWN_PRESET';

/**
 * A policy that cannot be used as written (exit 2): unreadable YAML, a shape the schema
 * refuses, a rule that does not compile, or one that cannot be evaluated (in time, or at all) on
 * the input.
 * A policy that runs and denies is not an error; it is a result (exit 1, decided in cmd/).
 */
export class PolicyError extends BaseError<PolicyErrorCode> {
  constructor(code: PolicyErrorCode, message: string, options?: { cause?: unknown; details?: readonly string[] }) {
    super('input', code, message, options);
  }
}
