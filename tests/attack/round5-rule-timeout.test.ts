// Round 5 attack: the rule time limit now runs in this context (runInThisContext with a timeout)
// and reaches the rule through a global keyed by Symbol.for('mcptrust.policy.rule'), set only
// while a rule runs. A rule's program that re-enters evaluation, throws values that are not
// Errors, or tampers with that global must neither change another rule's verdict nor leave
// anything on the global object; a time-out must leave the engine usable.
import { describe, expect, it } from 'vitest';
import type { CompiledPolicy } from '../../src/policy/compile.js';
import { evaluatePolicies, evaluatePolicy } from '../../src/policy/evaluate.js';
import { buildPolicyInput } from '../../src/policy/input.js';
import { cleanInput, compile, fixtureLock, fixtureText, oneRule, policyError } from '../policy/helpers.js';

const RULE = Symbol.for('mcptrust.policy.rule');
const globalSymbols = () => Object.getOwnPropertySymbols(globalThis);

/** `policy` with its first rule's program replaced by `run` (the rest of the program kept: ast, etc.). */
function withProgram(policy: CompiledPolicy, run: (context: unknown) => unknown): CompiledPolicy {
  const original = policy.rules[0]!.program;
  const program = Object.assign((context: unknown) => run(context), original);
  return { policy: policy.policy, rules: [{ rule: policy.rules[0]!.rule, program: program as typeof original }, ...policy.rules.slice(1)] };
}

const evalError = policyError;

describe('the in-context rule time limit', () => {
  it('a rule that re-enters evaluation gets its own verdict, and so does the rule it ran', () => {
    const before = globalSymbols().length;
    const inner = oneRule('size(input.tools) == 0', 'inner');
    let innerPassed: boolean | undefined;
    const outer = withProgram(oneRule('size(input.tools) > 0', 'outer'), (context) => {
      innerPassed = evaluatePolicy(inner, cleanInput()).passed;
      // After the inner evaluation, the global is gone; the outer rule still answers.
      expect(globalSymbols()).not.toContain(RULE);
      return true;
    });
    const result = evaluatePolicies([outer, oneRule('size(input.tools) > 0', 'after')], cleanInput());
    expect(innerPassed).toBe(false);
    expect(result.rules.map((r) => [r.name, r.status])).toEqual([
      ['outer', 'pass'],
      ['after', 'pass'],
    ]);
    expect(globalSymbols()).not.toContain(RULE);
    expect(globalSymbols().length).toBe(before);
  });

  it('values thrown that are not Errors are EVAL_ERRORs naming the rule, never a crash or a verdict', () => {
    // null and undefined included (errorText used to read `.summary` off them: a TypeError).
    for (const thrown of ['a string', 42, { message: 'an object' }, Symbol('s'), { code: 'NOT_A_TIMEOUT' }, null, undefined]) {
      const policy = withProgram(oneRule('true'), () => {
        throw thrown;
      });
      const error = evalError(() => evaluatePolicy(policy, cleanInput()));
      expect(error.code).toBe('EVAL_ERROR');
      expect(error.message).toMatch(/^p\.yaml:4:11: rule "r" cannot be evaluated: /);
      expect(globalSymbols()).not.toContain(RULE);
    }
  });

  it('a program that deletes or replaces the global while it runs changes no other rule', () => {
    const g = globalThis as unknown as Record<symbol, unknown>;
    const tamper = withProgram(oneRule('true', 'tamper'), () => {
      expect(typeof g[RULE]).toBe('function');
      g[RULE] = () => false;
      return true;
    });
    const result = evaluatePolicies([tamper, oneRule('size(input.tools) > 0', 'next'), oneRule('size(input.tools) == 0', 'last')], cleanInput());
    expect(result.rules.map((r) => [r.name, r.status])).toEqual([
      ['tamper', 'pass'],
      ['next', 'pass'],
      ['last', 'fail'],
    ]);
    expect(globalSymbols()).not.toContain(RULE);
  });

  it('a CEL expression cannot name the global (no such identifier in the language)', () => {
    expect(() => oneRule('globalThis != null')).toThrow(expect.objectContaining({ code: 'COMPILE_ERROR' }));
    expect(() => oneRule('Symbol.for("mcptrust.policy.rule") != null')).toThrow(expect.objectContaining({ code: 'COMPILE_ERROR' }));
  });

  it('after a time-out, the next rules of another evaluation pass in the same process, and nothing is left behind', () => {
    const before = globalSymbols().length;
    const slow = compile(fixtureText('slow.yaml'), 'slow.yaml');
    const redos = buildPolicyInput({ lock: fixtureLock('redos.lock.json') });
    for (let i = 0; i < 2; i++) {
      expect(evalError(() => evaluatePolicy(slow, redos, { timeoutMs: 100 })).code).toBe('EVAL_TIMEOUT');
      expect(globalSymbols()).not.toContain(RULE);
      expect(evaluatePolicy(oneRule('size(input.tools) > 0'), cleanInput(), { timeoutMs: 100 }).passed).toBe(true);
      expect(evaluatePolicy(slow, cleanInput(), { timeoutMs: 1000 }).passed).toBe(true);
    }
    expect(globalSymbols().length).toBe(before);
  });

  it('a program that loops forever is stopped by the watchdog (runInThisContext terminates this context\'s code)', () => {
    const spin = withProgram(oneRule('true', 'spin'), () => {
      for (;;) {
        // burns until the watchdog fires
      }
    });
    const error = evalError(() => evaluatePolicy(spin, cleanInput(), { timeoutMs: 100 }));
    expect(error.code).toBe('EVAL_TIMEOUT');
    expect(error.message).toBe('p.yaml: rule "spin" did not finish within 100 ms; simplify the expression (nested comprehensions, costly matches()) or raise --rule-timeout');
    expect(evaluatePolicy(oneRule('size(input.tools) > 0'), cleanInput()).passed).toBe(true);
  });
});
