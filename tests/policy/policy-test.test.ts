import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/cli.js';
import { fixtures } from './helpers.js';

const policies = ['--preset', 'baseline', '--policy', join(fixtures, 'mcptrust-starter.yaml')];

describe('mcptrust policy test DIR', () => {
  it('runs every case of testdata/policy/cases (lockfiles and input documents) and passes (exit 0)', async () => {
    const r = await runCli(['policy', 'test', 'cases', ...policies], { cwd: fixtures });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').filter((l) => /^ {2}[✓✗] /.test(l))).toEqual([
      '  ✓ clean',
      '  ✓ critical-drift',
      '  ✓ drifted',
      '  ✓ lookalike',
      '  ✓ missing-field',
    ]);
    expect(r.stdout).toContain('✓ all 5 cases passed');
    const json = JSON.parse((await runCli(['policy', 'test', 'cases', ...policies, '--format', 'json'], { cwd: fixtures })).stdout);
    expect(json.counts).toEqual({ cases: 5, passed: 5, failed: 0 });
    expect(json.cases.find((c: { name: string }) => c.name === 'missing-field').got).toEqual({ error: 'EVAL_ERROR' });
  });

  describe('with a folder of its own', () => {
    let dir: string;
    let cleanup: () => void;
    beforeEach(() => {
      ({ dir, cleanup } = tempDir('mcptrust-policy-test-'));
      copyFileSync(join(fixtures, 'drifted.lock.json'), join(dir, 'drifted.lock.json'));
    });
    afterEach(() => cleanup());
    const test = (...extra: string[]) => runCli(['policy', 'test', '.', ...policies, ...extra], { cwd: dir });
    const expectFile = (text: string) => writeFileSync(join(dir, 'drifted.expect.yaml'), text);

    it('an expectation that does not hold fails the case (exit 1), saying what was expected and what came', async () => {
      expectFile('passed: true\nrules:\n  No exec tools: pass\n  no_high_risk_tools: warn\noffending:\n  No high risk: ["tool example-notes/read_note"]\n');
      const r = await test();
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('  ✗ drifted\n');
      expect(r.stdout).toContain('→ expected the policies to pass, but they denied');
      expect(r.stdout).toContain(`→ rule "No exec tools" (${join(fixtures, 'mcptrust-starter.yaml')}): expected pass, got fail`);
      expect(r.stdout).toContain('expected "tool example-notes/read_note" among the offending names; listed: "tool example-notes/exec_shell"');
      expect(r.stdout).not.toContain('no_high_risk_tools');
      expect(r.stdout).toContain('✗ 1 case of 1 failed');
    });

    it('an unexpected evaluation error fails the case; an expected one passes', async () => {
      writeFileSync(join(dir, 'bare.input.json'), '{"tools": []}');
      writeFileSync(join(dir, 'bare.expect.yaml'), 'passed: false\n');
      expectFile('passed: false\n');
      const r = await test();
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/✗ bare\n {6}→ the policies gave no verdict: \S+:\d+:\d+: rule "[^"]+" cannot be evaluated: /);
      expect(r.stdout).toContain('  ✓ drifted');
    });

    it('malformed cases are exit 2 naming the file (and line:column), before any case runs', async () => {
      const cases: [Record<string, string>, RegExp][] = [
        [{ 'drifted.expect.yaml': 'pased: true\n' }, /drifted\.expect\.yaml:1:1: unknown field "pased"; did you mean "passed"\?/],
        [{ 'drifted.expect.yaml': 'rules:\n  No exec tools: denied\n' }, /drifted\.expect\.yaml:2:18: the outcome of rule "No exec tools" must be one of pass, warn, fail/],
        [{ 'drifted.expect.yaml': 'rules:\n  no_exec_tools: fail\n' }, /drifted\.expect\.yaml: no rule is named "no_exec_tools" in the policies given; did you mean "No exec tools"\?/],
        [{ 'drifted.expect.yaml': 'passed: true\npassed: false\n' }, /drifted\.expect\.yaml:2:1: is not valid YAML \(a duplicate key\)/],
        [{ 'drifted.expect.yaml': 'error: EVAL_ERROR\npassed: false\n' }, /"error" expects no verdict/],
        [{ 'drifted.expect.yaml': 'passed: true\n', 'x.input.json': '{"a": 1, "a": 2}', 'x.expect.yaml': 'passed: true\n' }, /x\.input\.json:1:10: a duplicate key in \$/],
        [{ 'drifted.expect.yaml': 'passed: true\n', 'x.input.json': '{"a": [1,}', 'x.expect.yaml': 'passed: true\n' }, /x\.input\.json:1:10: is not valid JSON/],
        [{ 'drifted.expect.yaml': 'passed: true\n', 'y.input.json': '{}' }, /y\.input\.json: no y\.expect\.yaml says what to expect of it/],
        [{ 'drifted.expect.yaml': 'passed: true\n', 'z.expect.yaml': 'passed: true\n' }, /z\.expect\.yaml: no z\.input\.json or z\.lock\.json to test/],
        [{ 'drifted.expect.yaml': 'passed: true\n', 'drifted.input.json': '{}' }, /case "drifted" has both an \.input\.json and a \.lock\.json/],
      ];
      for (const [index, [files, message]] of cases.entries()) {
        const sub = join(dir, `case-${index}`);
        mkdirSync(sub);
        copyFileSync(join(dir, 'drifted.lock.json'), join(sub, 'drifted.lock.json'));
        for (const [name, text] of Object.entries(files)) writeFileSync(join(sub, name), text);
        const r = await runCli(['policy', 'test', sub, ...policies], { cwd: dir });
        expect(r.code, JSON.stringify(files)).toBe(2);
        expect(r.stdout, JSON.stringify(files)).toBe('');
        expect(r.stderr, JSON.stringify(files)).toMatch(message);
      }
      const empty = await runCli(['policy', 'test', join(dir, 'nothing-here'), ...policies], { cwd: dir });
      expect(empty.code).toBe(2);
      expect(empty.stderr).toMatch(/cannot read the test folder .*nothing-here: no such folder/);
      mkdirSync(join(dir, 'empty'));
      const none = await runCli(['policy', 'test', 'empty', ...policies], { cwd: dir });
      expect(none.code).toBe(2);
      expect(none.stderr).toMatch(/empty: no test cases \(NAME\.expect\.yaml with NAME\.input\.json or NAME\.lock\.json\)/);
    });
  });
});
