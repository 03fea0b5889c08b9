// A failed rule whose explanation (the names of what made it fail) runs past --rule-timeout:
// the verdict stands, and the report says why no name is listed (it said nothing: a rule that
// failed on 2,000 tools listed none, as if nothing offended).
import { describe, expect, it } from 'vitest';
import { compilePolicy } from '../../src/policy/compile.js';
import { evaluatePolicy } from '../../src/policy/evaluate.js';
import { buildPolicyInput } from '../../src/policy/input.js';
import { parsePolicy } from '../../src/policy/load.js';
import { ruleJson } from '../../src/report/check.js';
import { fixtureLock } from '../policy/helpers.js';

describe('an explanation that runs out of time is reported', () => {
  it('the rule fails on its first element; naming all of them would take n² steps', () => {
    const input = buildPolicyInput({ lock: fixtureLock('clean.lock.json') }) as unknown as { tools: Record<string, unknown>[] };
    const [tool] = input.tools;
    input.tools = Array.from({ length: 4000 }, (_, i) => ({ ...tool, name: `t${i}` }));
    // all() stops at the first element (one inner scan); the explanation evaluates every element.
    const policy = compilePolicy(parsePolicy(`rules:\n  - name: slow\n    expr: 'input.tools.all(t, input.tools.exists(u, u.name == "none") && false)'\n`, 'p.yaml'));
    const result = evaluatePolicy(policy, input as never, { timeoutMs: 200 });
    const [rule] = result.rules;
    expect(rule!.status).toBe('fail');
    expect(rule!.offending).toBeUndefined();
    expect(rule!.unexplained).toBe('the names of what made it fail were not found within 200 ms (--rule-timeout)');
    expect(ruleJson(rule!)).toMatchObject({ offending: null, unexplained: 'the names of what made it fail were not found within 200 ms (--rule-timeout)' });
  });
});
