import { createContext, Script } from 'node:vm';
import { printable } from '../util/text.js';
import type { CompiledPolicy } from './compile.js';
import { PolicyError } from './errors.js';
import type { PolicyMode, RuleSeverity } from './load.js';

/**
 * How long one rule may run before the whole evaluation is abandoned. It bounds rule evaluation
 * only: the input is built before (src/policy/input.ts), in time linear in the lockfile, since
 * every pattern run over server text is linear (tests/safety/linear.test.ts).
 */
export const DEFAULT_RULE_TIMEOUT_MS = 2000;

/**
 * pass: the expression was true. fail: it was false. error: it could not be evaluated on this
 * input (a missing field, a type mismatch, a non-boolean result) — counted as a failure
 * (fail closed), as MCPTrust does.
 */
export type RuleStatus = 'pass' | 'fail' | 'error';
/** What the rule's status means under the policy's mode: a failure of an error rule in strict mode fails the check. */
export type RuleOutcome = 'pass' | 'warn' | 'fail';

export interface RuleResult {
  name: string;
  severity: RuleSeverity;
  status: RuleStatus;
  outcome: RuleOutcome;
  /** The rule's failure_msg when it failed, the evaluation error when it errored. */
  message?: string;
  description?: string;
  controlRefs: string[];
  ms: number;
}

export interface PolicyResult {
  name: string;
  source: string;
  mode: PolicyMode;
  /** False when at least one rule's outcome is `fail`. */
  passed: boolean;
  rules: RuleResult[];
  counts: { rules: number; passed: number; warnings: number; failures: number };
}

export interface EvaluateOptions {
  /** Per-rule time limit in milliseconds (default 2 s). */
  timeoutMs?: number;
}

// One vm context whose only use is to carry the time limit: `runInContext(…, { timeout })`
// arms V8's watchdog, which terminates whatever JavaScript runs in the isolate, including a
// comprehension over a huge list or a catastrophic regular expression in `matches()`.
// The one-call script is compiled once, not once per rule.
let sandbox: { run: (() => unknown) | null } | undefined;
let caller: Script | undefined;
function runWithTimeout<T>(fn: () => T, timeoutMs: number): T {
  sandbox ??= createContext({ run: null }) as { run: (() => unknown) | null };
  caller ??= new Script('run()', { filename: 'mcptrust-policy-rule' });
  sandbox.run = fn;
  try {
    return caller.runInContext(sandbox, { timeout: timeoutMs, displayErrors: false }) as T;
  } finally {
    sandbox.run = null;
  }
}

function isTimeout(error: unknown): boolean {
  return (error as { code?: unknown })?.code === 'ERR_SCRIPT_EXECUTION_TIMEOUT';
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'bigint') return 'an int';
  if (typeof value === 'number') return 'a double';
  return typeof value === 'object' ? 'a map' : `a ${typeof value}`;
}

/**
 * Evaluates every compiled rule over `input`, each under a time limit. A rule that runs out
 * of time is an input error (PolicyError EVAL_TIMEOUT, exit 2) naming the rule: the policy
 * cannot give a verdict, and the gate must not hang or pass.
 */
export function evaluatePolicy(compiled: CompiledPolicy, input: unknown, options: EvaluateOptions = {}): PolicyResult {
  const timeoutMs = options.timeoutMs ?? DEFAULT_RULE_TIMEOUT_MS;
  const { policy } = compiled;
  const context = { input };
  const rules: RuleResult[] = [];
  for (const { rule, program } of compiled.rules) {
    const start = performance.now();
    let status: RuleStatus;
    let message: string | undefined;
    try {
      const value = runWithTimeout(() => program(context), timeoutMs);
      if (value === true) status = 'pass';
      else if (value === false) {
        status = 'fail';
        message = rule.failureMsg;
      } else {
        status = 'error';
        message = `the expression gave ${describeValue(value)}, not a bool`;
      }
    } catch (error) {
      if (isTimeout(error)) {
        throw new PolicyError(
          'EVAL_TIMEOUT',
          `${policy.source}: rule "${printable(rule.name, 80)}" did not finish within ${timeoutMs} ms; simplify the expression (nested comprehensions, costly matches()) or raise --rule-timeout`,
          { cause: error },
        );
      }
      status = 'error';
      const e = error as { summary?: unknown; message?: unknown };
      const text = typeof e.summary === 'string' && e.summary !== '' ? e.summary : String(e.message ?? error);
      message = `cannot be evaluated: ${printable(text.split('\n')[0] ?? '', 200)}`;
    }
    const failed = status !== 'pass';
    const outcome: RuleOutcome = !failed ? 'pass' : policy.mode === 'strict' && rule.severity === 'error' ? 'fail' : 'warn';
    const result: RuleResult = {
      name: rule.name,
      severity: rule.severity,
      status,
      outcome,
      controlRefs: rule.controlRefs,
      ms: performance.now() - start,
    };
    if (message !== undefined) result.message = message;
    if (rule.description !== undefined) result.description = rule.description;
    rules.push(result);
  }
  const counts = {
    rules: rules.length,
    passed: rules.filter((r) => r.outcome === 'pass').length,
    warnings: rules.filter((r) => r.outcome === 'warn').length,
    failures: rules.filter((r) => r.outcome === 'fail').length,
  };
  return { name: policy.name, source: policy.source, mode: policy.mode, passed: counts.failures === 0, rules, counts };
}
