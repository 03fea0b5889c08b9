import { Script } from 'node:vm';
import { printable } from '../util/text.js';
import { celEnvironment, type CompiledPolicy } from './compile.js';
import { PolicyError } from './errors.js';
import { explainFailure, type Offending } from './explain.js';
import { FAST_BAIL, fastValue, matchesOverflow } from './fast-eval.js';
import type { PolicyMode, RuleSeverity } from './load.js';
import { nowMs } from '../util/clock.js';

/**
 * How long one rule may run before the whole evaluation is abandoned. It bounds rule evaluation
 * only: the input is built before (src/policy/input.ts), in time linear in the lockfile, since
 * every pattern run over server text is linear (tests/safety/linear.test.ts).
 */
export const DEFAULT_RULE_TIMEOUT_MS = 2000;

/**
 * pass: the expression was true; fail: it was false. A rule that cannot be evaluated on this
 * input (a missing field, a type mismatch, a result that is not a bool) gets no status: the
 * whole evaluation is a PolicyError EVAL_ERROR (exit 2) — neither a denial nor a pass.
 */
export type RuleStatus = 'pass' | 'fail';
/** What the rule's status means under the policy's mode: a failure of an error rule in strict mode fails the check. */
export type RuleOutcome = 'pass' | 'warn' | 'fail';

export interface RuleResult {
  name: string;
  /** The file the rule comes from (`org.yaml`, `preset:strict`) and its policy's name. */
  source: string;
  policy: string;
  severity: RuleSeverity;
  status: RuleStatus;
  outcome: RuleOutcome;
  /** The rule's failure_msg when it failed. */
  message?: string;
  /** When it failed: the first names of the input elements that make it false, and how many there are (src/policy/explain.ts). */
  offending?: Offending;
  /** When it failed and its names could not be found (the explanation ran past the time limit): why. */
  unexplained?: string;
  description?: string;
  controlRefs: string[];
  ms: number;
}

/** One policy file's share of a result. */
export interface PolicySummary {
  name: string;
  source: string;
  mode: PolicyMode;
  passed: boolean;
  counts: RuleCounts;
}

export interface RuleCounts {
  rules: number;
  passed: number;
  warnings: number;
  failures: number;
}

/**
 * The result of one or several policy files (`--policy` repeatable, with `--preset`): every
 * rule of every file, each labelled with its file. With one file, name/source/mode are its own;
 * with several, the names and sources joined with " + " and mode "mixed" when they differ.
 */
export interface PolicyResult {
  name: string;
  source: string;
  mode: PolicyMode | 'mixed';
  /** False when at least one rule's outcome is `fail`. */
  passed: boolean;
  rules: RuleResult[];
  counts: RuleCounts;
  policies: PolicySummary[];
}

export interface EvaluateOptions {
  /** Per-rule time limit in milliseconds (default 2 s). */
  timeoutMs?: number;
}

// The time limit: `runInThisContext(…, { timeout })` arms V8's watchdog, which terminates
// whatever JavaScript runs in the isolate meanwhile, including a comprehension over a huge list or
// a catastrophic regular expression in `matches()`. The one-call script reaches the rule through
// a symbol-keyed global (no name a program could clash with), set only while it runs; it runs in
// this context, so no second context is made (one costs as much as a small rule's evaluation).
const RULE_KEY = 'mcptrust.policy.rule';
const RULE = Symbol.for(RULE_KEY);
let caller: Script | undefined;
function runWithTimeout<T>(fn: () => T, timeoutMs: number): T {
  caller ??= new Script(`globalThis[Symbol.for('${RULE_KEY}')]()`, { filename: 'mcptrust-policy-rule' });
  const global = globalThis as unknown as Record<symbol, (() => unknown) | undefined>;
  global[RULE] = fn;
  try {
    return caller.runInThisContext({ timeout: timeoutMs, displayErrors: false }) as T;
  } finally {
    delete global[RULE];
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

function countsOf(rules: readonly RuleResult[]): RuleCounts {
  return {
    rules: rules.length,
    passed: rules.filter((r) => r.outcome === 'pass').length,
    warnings: rules.filter((r) => r.outcome === 'warn').length,
    failures: rules.filter((r) => r.outcome === 'fail').length,
  };
}

/**
 * cel-js reports any exception of matches() as "Invalid regular expression: PATTERN", a
 * stack overflow on a long text included: when PATTERN compiles, that is what happened, and the
 * error says so (matchesOverflow) instead of calling a valid pattern invalid.
 */
function regexOverflow(error: unknown): Error | undefined {
  const message = (error as { message?: unknown } | null)?.message;
  if (typeof message !== 'string' || !message.startsWith(INVALID_PATTERN)) return undefined;
  const pattern = message.slice(INVALID_PATTERN.length).split('\n')[0]!;
  try {
    new RegExp(pattern);
  } catch {
    return undefined;
  }
  return matchesOverflow(pattern);
}
const INVALID_PATTERN = 'Invalid regular expression: ';

function errorText(error: unknown): string {
  // Anything may be thrown, null and undefined included.
  const e = (error ?? {}) as { summary?: unknown; message?: unknown };
  const text = typeof e.summary === 'string' && e.summary !== '' ? e.summary : String(e.message ?? error);
  return printable(text.split('\n')[0] ?? '', 200);
}

/**
 * Evaluates every rule of every compiled policy over `input`, each under a time limit, and
 * explains each failed rule by the input elements that make it false. Fails closed, as an
 * input error (exit 2), when a rule runs out of time (EVAL_TIMEOUT) or cannot be evaluated on
 * this input (EVAL_ERROR: a missing key, a type mismatch, a result that is not a bool): the
 * policy cannot give a verdict as written, so there is neither a denial nor a pass. Every
 * rule that errs is listed.
 */
export function evaluatePolicies(compiled: readonly CompiledPolicy[], input: unknown, options: EvaluateOptions = {}): PolicyResult {
  const timeoutMs = options.timeoutMs ?? DEFAULT_RULE_TIMEOUT_MS;
  const context = { input };
  const environment = celEnvironment();
  const rules: RuleResult[] = [];
  const errors: string[] = [];
  const policies: PolicySummary[] = [];
  for (const { policy, rules: compiledRules } of compiled) {
    const own: RuleResult[] = [];
    for (const { rule, program, fast } of compiledRules) {
      const start = nowMs();
      let value: unknown;
      try {
        // The closures first (src/policy/fast-eval.ts); a rule they leave is cel-js's, under a
        // time limit of its own, so its verdict is the one cel-js alone gives.
        value = fast === undefined ? FAST_BAIL : runWithTimeout(() => fastValue(fast, input), timeoutMs);
        if (value === FAST_BAIL) value = runWithTimeout(() => program(context), timeoutMs);
      } catch (error) {
        if (isTimeout(error)) {
          throw new PolicyError(
            'EVAL_TIMEOUT',
            `${policy.source}: rule "${printable(rule.name, 80)}" did not finish within ${timeoutMs} ms; simplify the expression (nested comprehensions, costly matches()) or raise --rule-timeout`,
            { cause: error },
          );
        }
        errors.push(`${policy.source}:${rule.exprPosition.line}:${rule.exprPosition.column}: rule "${printable(rule.name, 80)}" cannot be evaluated: ${errorText(regexOverflow(error) ?? error)}`);
        continue;
      }
      if (value !== true && value !== false) {
        errors.push(`${policy.source}:${rule.exprPosition.line}:${rule.exprPosition.column}: rule "${printable(rule.name, 80)}" cannot be evaluated: the expression gave ${describeValue(value)}, not a bool`);
        continue;
      }
      const status: RuleStatus = value ? 'pass' : 'fail';
      const outcome: RuleOutcome = status === 'pass' ? 'pass' : policy.mode === 'strict' && rule.severity === 'error' ? 'fail' : 'warn';
      const result: RuleResult = { name: rule.name, source: policy.source, policy: policy.name, severity: rule.severity, status, outcome, controlRefs: rule.controlRefs, ms: 0 };
      if (status === 'fail') {
        result.message = rule.failureMsg;
        // The explanation runs under the same time limit; one that runs out only loses the names.
        try {
          const offending = runWithTimeout(() => explainFailure(environment, program.ast, input), timeoutMs);
          if (offending) result.offending = offending;
        } catch (error) {
          // No names: the verdict stands on the rule itself, and the report says why none are listed.
          result.unexplained = isTimeout(error)
            ? `the names of what made it fail were not found within ${timeoutMs} ms (--rule-timeout)`
            : 'the names of what made it fail could not be found';
        }
      }
      if (rule.description !== undefined) result.description = rule.description;
      result.ms = nowMs() - start;
      own.push(result);
    }
    const counts = countsOf(own);
    policies.push({ name: policy.name, source: policy.source, mode: policy.mode, passed: counts.failures === 0, counts });
    rules.push(...own);
  }
  if (errors.length > 0) {
    const [first, ...rest] = errors;
    throw new PolicyError('EVAL_ERROR', `${first!}; a rule that cannot be evaluated gives no verdict (fix the rule or the input)`, { details: rest });
  }
  const counts = countsOf(rules);
  const modes = new Set(policies.map((p) => p.mode));
  return {
    name: policies.map((p) => p.name).join(' + '),
    source: policies.map((p) => p.source).join(' + '),
    mode: modes.size === 1 ? policies[0]!.mode : 'mixed',
    passed: counts.failures === 0,
    rules,
    counts,
    policies,
  };
}

/** evaluatePolicies for one policy. */
export function evaluatePolicy(compiled: CompiledPolicy, input: unknown, options: EvaluateOptions = {}): PolicyResult {
  return evaluatePolicies([compiled], input, options);
}
