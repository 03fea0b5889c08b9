// The policy input builds its costly derived fields (risk, description signals, shadows, MTF)
// only when a rule names them. A rule that reads an object whole sees its fields without naming
// any: enumerating a tool's keys (`t.all(k, …)`), counting them (`size(t)`), testing a computed
// key (`k in t`, `t[?k]`) or comparing tools whole. Such a rule was evaluated on the lean input,
// where the derived fields were simply absent, and a rule that `mcptrust policy input` (the full
// document) fails passed: a denial became an allow, exit 0. Such rules now get the full input.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compilePolicy, referencedNames } from '../../src/policy/compile.js';
import { evaluatePolicy } from '../../src/policy/evaluate.js';
import { buildPolicyInput } from '../../src/policy/input.js';
import { parsePolicy } from '../../src/policy/load.js';
import { parseLockfile } from '../../src/lockfile/parse.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { serversLockText } from '../helpers/lockfiles.js';

const policyText = (expr: string) => `name: t\nmode: strict\nrules:\n  - name: r\n    expr: '${expr}'\n    failure_msg: nope\n    severity: error\n`;
const compile = (expr: string) => compilePolicy(parsePolicy(policyText(expr), 'p.yaml'));

const LOCK = serversLockText({
  files: { read_file: 'Read a file.' },
  docs: { read_file: 'Read a doc.' },
});

// Each fails on the full input (every tool has risk_level "LOW", 16 fields, and shadows).
const WHOLE = [
  'input.tools.all(t, t.all(k, !k.endsWith("_level") || t[k] != "LOW"))',
  'input.tools.all(t, size(t) < 15)',
  'input.tools.all(t, !(("risk" + "_level") in t))',
  'input.tools.all(t, t[?("shad" + "ows")].orValue([]).size() == 0)',
];

let scratch: ReturnType<typeof tempDir>;
beforeAll(() => {
  scratch = tempDir('mcptrust-whole-');
  writeFileSync(join(scratch.dir, 'mcp-lock.json'), LOCK);
});
afterAll(() => scratch.cleanup());

describe('a rule that reads a tool whole', () => {
  const lock = parseLockfile(LOCK);
  const full = buildPolicyInput({ lock });

  for (const expr of WHOLE) {
    it(`gets the verdict of the full input: ${expr}`, async () => {
      const policy = compile(expr);
      expect(evaluatePolicy(policy, full).rules[0]!.status).toBe('fail');
      const lean = buildPolicyInput({ lock }, { names: referencedNames(policy.policy) });
      expect(evaluatePolicy(policy, lean).rules[0]!.status).toBe('fail');
      writeFileSync(join(scratch.dir, 'p.yaml'), policyText(expr));
      const r = await runCli(['policy', 'check', '--policy', 'p.yaml'], { cwd: scratch.dir });
      expect(r.code).toBe(1);
    });
  }

  it('rules that name their fields still get the lean input', () => {
    for (const expr of ['!input.tools.exists(t, t.risk_level == "HIGH")', 'input.tools.filter(t, t.name == "x").size() == 0', 'input.tools.all(t, "name" in t)']) {
      const names = referencedNames(compile(expr).policy);
      expect(names.has('shadows')).toBe(false);
      expect(names.has('mtf')).toBe(false);
    }
  });

  it("reading the server's own data whole (inputSchema, annotations) keeps the lean input; a tool or a mapped list read whole does not", () => {
    const lean = [
      'input.tools.all(t, !has(t.inputSchema.properties) || size(t.inputSchema.properties) <= 5)',
      '!input.tools.exists(t, has(t.annotations.destructiveHint) && t.annotations.destructiveHint)',
      'input.tools.all(t, t.inputSchema.properties.all(k, k != "cmd"))',
      'input.tools.all(t, !("cmd" in t.inputSchema.properties))',
    ];
    for (const expr of lean) {
      const names = referencedNames(compile(expr).policy);
      expect([expr, names.has('descriptionSignals'), names.has('shadows'), names.has('mtf')]).toEqual([expr, false, false, false]);
    }
    const whole = ['input.tools.map(t, t) == []', 'input.tools.exists(t, t.annotations == t)', 'input.tools.exists(t, size(t.inputSchema.properties) == size(t))'];
    for (const expr of whole) expect([expr, referencedNames(compile(expr).policy).has('shadows')]).toEqual([expr, true]);
  });
});
