import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureServer, runCli, tempDir } from '../helpers/cli.js';
import { fixtures } from './helpers.js';

const policyCheck = (...args: string[]) => runCli(['policy', 'check', ...args], { cwd: fixtures });

describe('--policy is repeatable and combines with --preset (layered)', () => {
  it('policy check applies every rule of every file, each result labelled with its file', async () => {
    const r = await policyCheck('--preset', 'baseline', '--policy', 'mcptrust-starter.yaml', '--policy', 'strict-mixed.yaml', '--lock', 'drifted.lock.json');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('policies preset:baseline + mcptrust-starter.yaml + strict-mixed.yaml on drifted.lock.json');
    expect(r.stdout).toContain('  preset:baseline (baseline, mode strict): 2 of 6 rules passed');
    expect(r.stdout).toContain('  mcptrust-starter.yaml (Starter, mode strict): 2 of 4 rules passed');
    expect(r.stdout).toMatch(/ {4}✗ No exec tools \[error\]\n.*→ exec\* tools are not allowed\.\n {10}- tool example-notes\/exec_shell\n/);
    expect(r.stdout).toContain('✗ policy denied: 2 rules failed, 4 warnings');

    const json = JSON.parse((await policyCheck('--policy', 'mcptrust-starter.yaml', '--preset', 'baseline', '--lock', 'drifted.lock.json', '--format', 'json')).stdout);
    expect(json.policy.policies.map((p: { source: string; passed: boolean }) => `${p.source}:${p.passed}`)).toEqual(['preset:baseline:true', 'mcptrust-starter.yaml:false']);
    expect(json.policy.source).toBe('preset:baseline + mcptrust-starter.yaml');
    expect(json.policy.rules).toHaveLength(10);
    expect(json.policy.rules.find((x: { name: string }) => x.name === 'No exec tools')).toMatchObject({
      source: 'mcptrust-starter.yaml',
      outcome: 'fail',
      offending: { items: [{ name: 'tool example-notes/exec_shell', why: [] }], total: 1 },
    });
  });

  it('a compile error in any file is exit 2, and every broken file is named', async () => {
    const r = await policyCheck('--policy', 'does-not-compile.yaml', '--preset', 'strict', '--policy', 'typo-field.yaml', '--lock', 'clean.lock.json');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('does-not-compile.yaml:6:11: rule "missing operand" does not compile');
    expect(r.stderr).toContain('typo-field.yaml:5:11: rule "described" does not compile');
  });

  it('policy explain prints every file; JSON is a list when there are several', async () => {
    const text = await runCli(['policy', 'explain', '--preset', 'strict', '--policy', 'mcptrust-v3.yaml'], { cwd: fixtures });
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('policy strict (preset:strict)');
    expect(text.stdout).toContain('policy Fail closed (mcptrust-v3.yaml)');
    const json = JSON.parse((await runCli(['policy', 'explain', '--preset', 'strict', '--policy', 'mcptrust-v3.yaml', '--format', 'json'], { cwd: fixtures })).stdout);
    expect(json.map((p: { source: string }) => p.source)).toEqual(['preset:strict', 'mcptrust-v3.yaml']);
  });

  it('policy check --format junit names each rule after its own policy and lists the offending items', async () => {
    const r = await policyCheck('--preset', 'baseline', '--policy', 'mcptrust-starter.yaml', '--lock', 'drifted.lock.json', '--format', 'junit');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/<testcase name="No exec tools" classname="mcptrust.policy.Starter" time="[\d.]+">\n {6}<failure message="exec\* tools are not allowed." type="failure">exec\* tools are not allowed.\n- tool example-notes\/exec_shell<\/failure>/);
    expect(r.stdout).toMatch(/<testcase name="no_high_risk_tools" classname="mcptrust.policy.baseline"/);
  });
});

describe('mcptrust check with layered policies', () => {
  let dir: string;
  let cleanup: () => void;
  beforeAll(async () => {
    ({ dir, cleanup } = tempDir('mcptrust-layered-'));
    expect((await runCli(['lock', '--', ...fixtureServer('example-server.mjs')], { cwd: dir })).code).toBe(0);
    writeFileSync(join(dir, 'prefix.yaml'), 'name: prefix\nrules:\n  - name: approved_prefix\n    expr: \'input.tools.all(t, t.name.startsWith("notes_") || t.name == "read_note")\'\n');
  });
  afterAll(() => cleanup());

  it('applies --preset and every --policy, and names the offending tools in text and JSON', async () => {
    const server = ['--', ...fixtureServer('example-server.mjs')];
    const text = await runCli(['check', '--preset', 'strict', '--policy', 'prefix.yaml', ...server], { cwd: dir });
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/✗ policy {4}strict \+ prefix \(preset:strict \+ prefix\.yaml, mode strict\): \d+ of \d+ rules passed, 1 failed/);
    expect(text.stdout).toContain('prefix.yaml (prefix, mode strict): 0 of 1 rule passed');
    expect(text.stdout).toContain('- tool example-notes/search_notes');
    expect(text.stdout).toContain('- tool example-notes/write_note');
    expect(text.stdout).not.toContain('- tool example-notes/read_note');
    const json = JSON.parse((await runCli(['check', '--preset', 'strict', '--policy', 'prefix.yaml', '--format', 'json', ...server], { cwd: dir })).stdout);
    expect(json.policy.policies.map((p: { source: string }) => p.source)).toEqual(['preset:strict', 'prefix.yaml']);
    const offending = json.policy.rules.at(-1).offending;
    expect(offending.total).toBe(2);
    expect(offending.items.map((i: { name: string }) => i.name)).toEqual(['tool example-notes/search_notes', 'tool example-notes/write_note']);
    // The predicate has parts: each of them is named as a reason.
    expect(offending.items[0].why).toEqual(['t.name.startsWith("notes_")', 't.name == "read_note"']);
  }, 30_000);
});
