import { describe, expect, it } from 'vitest';
import { diffLockfiles } from '../../src/diff/index.js';
import { compilePolicy } from '../../src/policy/compile.js';
import { evaluatePolicy } from '../../src/policy/evaluate.js';
import { MAX_OFFENDING } from '../../src/policy/explain.js';
import { buildPolicyInput, type PolicyInput } from '../../src/policy/input.js';
import { parsePolicy } from '../../src/policy/load.js';
import { fixtureLock, fixtureText, presetText } from './helpers.js';

const compile = (text: string, source = 'p.yaml') => compilePolicy(parsePolicy(text, source));
const oneRule = (expr: string) => compile(`name: t\nrules:\n  - name: r\n    expr: '${expr.replace(/'/g, "''")}'\n`);
const input = (name: string) => buildPolicyInput({ lock: fixtureLock(name) });
const offendingOf = (result: ReturnType<typeof evaluatePolicy>, rule: string) => result.rules.find((r) => r.name === rule)!.offending;
const names = (result: ReturnType<typeof evaluatePolicy>, rule: string) => offendingOf(result, rule)?.items.map((i) => i.name);

describe('a failed rule names what failed', () => {
  it('MCPTrust policy files, unchanged: !exists names the tools where the predicate holds', () => {
    const result = evaluatePolicy(compile(fixtureText('mcptrust-starter.yaml')), input('drifted.lock.json'));
    expect(names(result, 'No exec tools')).toEqual(['tool example-notes/exec_shell']);
    expect(names(result, 'No high risk')).toEqual(['tool example-notes/exec_shell']);
    expect(offendingOf(result, 'No exec tools')!.total).toBe(1);
    // Passing rules name nothing.
    expect(offendingOf(result, 'Has tools')).toBeUndefined();
  });

  it('all() names the elements where the predicate is not true, and which part of it failed', () => {
    const strict = compile(presetText('strict'), 'preset:strict');
    const lookalike = evaluatePolicy(strict, input('lookalike.lock.json'));
    expect(offendingOf(lookalike, 'ascii_names')!.items).toEqual([
      { name: 'tool example-notes/read_f\u0456le', why: ['t.flags.nonAscii', 't.flags.confusable', 't.flags.nonStandard'] },
      { name: 'tool example-notes/search\u200bnotes', why: ['t.flags.nonAscii', 't.flags.invisible', 't.flags.nonStandard'] },
    ]);
    const undescribed = evaluatePolicy(strict, input('undescribed.lock.json'));
    expect(names(undescribed, 'tools_have_descriptions')).toEqual(['tool example-notes/get_status']);
    expect(names(undescribed, 'no_internal_resources')).toEqual(['resource example-notes/file:///etc/hosts']);
  });

  it('a nested quantifier names the inner elements under each offending item', () => {
    const result = evaluatePolicy(compile(presetText('strict'), 'preset:strict'), input('drifted.lock.json'));
    const [poisoned] = offendingOf(result, 'no_suspicious_descriptions')!.items;
    expect(poisoned!.name).toBe('tool example-notes/read_note');
    expect(poisoned!.why.map((w) => w.split(':')[0])).toEqual(expect.arrayContaining(['concealment', 'sensitive-path']));
  });

  it('a disjunction that is false is explained by each of its parts (baseline no_critical_drift)', () => {
    const changes = diffLockfiles(fixtureLock('clean.lock.json'), fixtureLock('drifted.lock.json')).changes;
    const withDrift = buildPolicyInput({ lock: fixtureLock('drifted.lock.json'), drift: { against: 'lockfile', changes } });
    const result = evaluatePolicy(compile(presetText('baseline'), 'preset:baseline'), withDrift);
    const critical = changes.filter((c) => c.severity === 'critical').map((c) => `${c.kind} ${c.server}/${c.name} ${c.change}`);
    expect(critical.length).toBeGreaterThan(0);
    expect(names(result, 'no_critical_drift')).toEqual(critical);
  });

  it('is bounded: the first names and the total', () => {
    const base = input('clean.lock.json');
    const many: PolicyInput = { ...base, tools: Array.from({ length: 25 }, (_, i) => ({ ...base.tools[0]!, name: `t${String(i).padStart(2, '0')}` })) };
    const offending = offendingOf(evaluatePolicy(oneRule('input.tools.all(t, t.name.startsWith("ok_"))'), many), 'r')!;
    expect(offending.total).toBe(25);
    expect(offending.items).toHaveLength(MAX_OFFENDING);
    expect(offending.items[0]!.name).toBe('tool example-notes/t00');
  });

  it('names map keys and plain strings, and says nothing for a rule with no quantifier', () => {
    const undescribed = input('undescribed.lock.json');
    expect(names(evaluatePolicy(oneRule('input.resources.schemes.all(s, s != "file")'), undescribed), 'r')).toEqual(['file']);
    expect(names(evaluatePolicy(oneRule('input.prompts.definitions.all(n, n != "daily_review")'), undescribed), 'r')).toEqual(['daily_review']);
    expect(offendingOf(evaluatePolicy(oneRule('!("file" in input.resources.schemes)'), undescribed), 'r')).toBeUndefined();
  });
});
