import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { describe, expect, it } from 'vitest';
import { POLICY_INPUT_SCHEMA } from '../../src/policy/input-schema.js';
import { parsePolicy } from '../../src/policy/load.js';
import { POLICY_SCHEMA } from '../../src/policy/policy-schema.js';
import { validate as generatedValidate } from '../../src/policy/policy-validate.generated.js';
import { repoRoot } from '../helpers/cli.js';
// @ts-expect-error -- a plain .mjs build script without types
import { policyValidatorSource } from '../../scripts/policy-schemas.mjs';
import { fixtureText, presetText, policyError } from './helpers.js';

const parseError = (text: string, source = 'p.yaml') => policyError(() => parsePolicy(text, source));

describe('parsePolicy', () => {
  it('reads an MCPTrust-format policy, defaulting mode to strict and severity to error', () => {
    const policy = parsePolicy(fixtureText('mcptrust-starter.yaml'), 'mcptrust-starter.yaml');
    expect(policy.name).toBe('Starter');
    expect(policy.mode).toBe('strict');
    expect(policy.rules.map((r) => r.name)).toEqual(['Has tools', 'No exec tools', 'No high risk', 'Few arguments']);
    expect(policy.rules.every((r) => r.severity === 'error')).toBe(true);
    expect(policy.rules[1]!.expr).toBe('!input.tools.exists(t, t.name.startsWith("exec"))');
    expect(policy.rules[1]!.failureMsg).toBe('exec* tools are not allowed.');
  });

  it('keeps MCPTrust explainability fields and records where each expression starts', () => {
    const policy = parsePolicy(fixtureText('mcptrust-v3.yaml'), 'v3.yaml');
    const rule = policy.rules[0]!;
    expect(rule.controlRefs).toEqual(['SOC2: CC6.1']);
    expect(rule.evidenceCommands).toEqual(['mcptrust check --lock mcp-lock.json -- <server command>']);
    expect(rule.exprPosition).toEqual({ line: 7, column: 11 });
    expect(policy.rules[2]!.severity).toBe('warn');
  });

  it('defaults the name to the source and the failure message to the rule name', () => {
    const policy = parsePolicy('rules:\n  - name: r\n    expr: "true"\n', 'org.yaml');
    expect(policy.name).toBe('org.yaml');
    expect(policy.rules[0]!.failureMsg).toBe('rule "r" failed');
  });

  it('refuses duplicate keys with their position', () => {
    const e = parseError(fixtureText('duplicate-key.yaml'), 'duplicate-key.yaml');
    expect(e.code).toBe('DUPLICATE_KEY');
    expect(e.message).toMatch(/^duplicate-key\.yaml:5:5: has a duplicate key/);
  });

  it('refuses malformed YAML, several documents and alias bombs', () => {
    expect(parseError('rules: [\n').code).toBe('MALFORMED_YAML');
    expect(parseError('rules: []\n---\nrules: []\n').code).toBe('MALFORMED_YAML');
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]', 'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]', 'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]', 'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]', 'e: [*d, *d, *d, *d, *d, *d, *d, *d, *d]', 'rules: []'].join('\n');
    const e = parseError(bomb);
    expect(e.code).toBe('MALFORMED_YAML');
    expect(e.message).toMatch(/resource|alias/i);
  });

  it('refuses unknown fields, so a typo cannot silently change a rule', () => {
    const e = parseError(fixtureText('unknown-field.yaml'), 'unknown-field.yaml');
    expect(e.code).toBe('INVALID_POLICY');
    expect(e.message).toBe('unknown-field.yaml is not a valid policy: rules[0] has an unknown field "serverity"');
  });

  it('refuses wrong shapes: no rules, an empty list, a bad mode or severity, a missing expr', () => {
    expect(parseError('name: x\n').message).toMatch(/needs a "rules" field/);
    expect(parseError('').message).toMatch(/is empty/);
    expect(parseError('rules: []\n').message).toMatch(/rules must NOT have fewer than 1 items/);
    expect(parseError('mode: lenient\nrules: [{name: a, expr: "true"}]\n').message).toMatch(/mode must be one of: warn, strict/);
    expect(parseError('rules: [{name: a, expr: "true", severity: fatal}]\n').message).toMatch(/rules\[0\]\.severity must be one of: warn, error/);
    expect(parseError('rules: [{name: a}]\n').message).toMatch(/rules\[0\] needs a "expr" field/);
    expect(parseError('rules: [{name: a, expr: 42}]\n').message).toMatch(/rules\[0\]\.expr must be string/);
  });

  it('refuses two rules with the same name', () => {
    const e = parseError('rules: [{name: a, expr: "true"}, {name: a, expr: "false"}]\n');
    expect(e.code).toBe('DUPLICATE_RULE');
  });

  it('loads both presets', () => {
    for (const preset of ['baseline', 'strict']) {
      const policy = parsePolicy(presetText(preset), preset);
      expect(policy.name).toBe(preset);
      expect(policy.mode).toBe('strict');
    }
  });
});

describe('shipped JSON Schemas', () => {
  it('schemas/policy.schema.json and schemas/policy-input.schema.json match their sources in src/policy', () => {
    const read = (f: string) => JSON.parse(readFileSync(join(repoRoot, 'schemas', f), 'utf8'));
    expect(read('policy.schema.json')).toEqual(POLICY_SCHEMA);
    expect(read('policy-input.schema.json')).toEqual(POLICY_INPUT_SCHEMA);
  });
});

describe('the ahead-of-time policy validator (src/policy/policy-validate.generated.ts)', () => {
  it('is what scripts/policy-schemas.mjs generates from POLICY_SCHEMA today (regenerate after changing the schema)', () => {
    const fresh = policyValidatorSource(Ajv, (standaloneCode as unknown as { default?: unknown }).default ?? standaloneCode, POLICY_SCHEMA);
    expect(readFileSync(join(repoRoot, 'src', 'policy', 'policy-validate.generated.ts'), 'utf8')).toBe(fresh);
  });

  it('gives the same verdict and first error as ajv compiling the schema at run time', () => {
    const runtime = new Ajv({ allErrors: false, strict: true }).compile(POLICY_SCHEMA);
    const generated = generatedValidate as unknown as ((v: unknown) => boolean) & { errors?: unknown };
    const rule = { name: 'r', expr: 'true' };
    const cases: unknown[] = [
      { rules: [rule] },
      { name: 'p', mode: 'warn', rules: [{ ...rule, severity: 'warn', failure_msg: 'x', control_refs: ['a'] }] },
      { rules: [] },
      {},
      [],
      'rules',
      { rules: [rule], extra: 1 },
      { rules: [{ ...rule, serverity: 'warn' }] },
      { rules: [{ name: 'r' }] },
      { rules: [{ ...rule, severity: 'fatal' }] },
      { mode: 'audit', rules: [rule] },
      { name: '', rules: [rule] },
      { name: 'x'.repeat(201), rules: [rule] },
      // maxLength counts code points, not UTF-16 units: 200 astral characters are 200 long.
      { name: '\u{1F600}'.repeat(200), rules: [rule] },
      { name: '\u{1F600}'.repeat(201), rules: [rule] },
      { name: '\ud800'.repeat(200), rules: [rule] },
      { rules: [{ ...rule, expr: '' }] },
      { rules: [{ ...rule, control_refs: [1] }] },
      { rules: [{ ...rule, evidence: 'x' }] },
      { rules: Array.from({ length: 1001 }, (_, i) => ({ name: `r${i}`, expr: 'true' })) },
    ];
    for (const value of cases) {
      const ok = runtime(value);
      expect(generated(value), JSON.stringify(value).slice(0, 80)).toBe(ok);
      if (!ok) expect(generated.errors).toEqual(runtime.errors);
    }
  });
});
