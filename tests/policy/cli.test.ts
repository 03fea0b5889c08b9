import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { POLICY_INPUT_SCHEMA } from '../../src/policy/input-schema.js';
import { join } from 'node:path';
import { fixtureServer, runCli, tempDir } from '../helpers/cli.js';
import { fixtures } from './helpers.js';

const policyCheck = (...args: string[]) => runCli(['policy', 'check', ...args], { cwd: fixtures });

describe('mcptrust policy check', () => {
  it('each preset passes the clean lock (exit 0)', async () => {
    for (const preset of ['baseline', 'strict']) {
      const r = await policyCheck('--preset', preset, '--lock', 'clean.lock.json');
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`policy ${preset} (preset:${preset}, mode strict) on clean.lock.json`);
      expect(r.stdout).toMatch(/✓ policy passed: all \d+ rules passed/);
    }
  });

  it('strict fails a lock with look-alike names (exit 1), naming the rule and its message', async () => {
    const r = await policyCheck('--preset', 'strict', '--lock', 'lookalike.lock.json');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('✗ ascii_names [error]');
    expect(r.stdout).toContain('→ A tool or prompt name has non-ASCII, invisible, bidi-control or look-alike characters, or a tool name is not 1 to 128 characters');
    expect(r.stdout).toContain('✗ policy denied: 2 rules failed');
  });

  it('strict fails undescribed tools and file:// resources; baseline only warns (exit 0)', async () => {
    const strict = await policyCheck('--preset', 'strict', '--lock', 'undescribed.lock.json', '--format', 'json');
    expect(strict.code).toBe(1);
    const json = JSON.parse(strict.stdout);
    expect(json.passed).toBe(false);
    expect(json.policy.rules.filter((r: { outcome: string }) => r.outcome === 'fail').map((r: { name: string }) => r.name)).toEqual([
      'tools_have_descriptions',
      'no_file_scheme',
      'no_internal_resources',
      'mtf_declaration_and_description_safety',
    ]);
    expect(json.drift).toEqual({ checked: false, against: null, hasDrift: false, changes: 0, maxSeverity: null });

    const baseline = await policyCheck('--preset', 'baseline', '--lock', 'undescribed.lock.json');
    expect(baseline.code).toBe(0);
    expect(baseline.stdout).toContain('⚠ no_internal_resources [warn]');
    expect(baseline.stdout).toMatch(/⚠ policy passed with 1 warning/);
  });

  it('baseline fails on critical drift against another lockfile (exit 1), strict on any drift', async () => {
    const baseline = await policyCheck('--preset', 'baseline', '--lock', 'clean.lock.json', '--against', 'drifted.lock.json');
    expect(baseline.code).toBe(1);
    expect(baseline.stdout).toContain('6 changes against the other lockfile (most severe: critical, breaking)');
    expect(baseline.stdout).toContain('✗ no_critical_drift [error]');
    const strict = await policyCheck('--preset', 'strict', '--lock', 'clean.lock.json', '--against', 'drifted.lock.json', '--format', 'json');
    expect(strict.code).toBe(1);
    const rules = JSON.parse(strict.stdout).policy.rules;
    expect(rules.find((r: { name: string }) => r.name === 'no_drift')).toMatchObject({ status: 'fail', outcome: 'fail' });
    // Against itself: no drift, and the rules look at the same clean surface.
    expect((await policyCheck('--preset', 'strict', '--lock', 'clean.lock.json', '--against', 'clean.lock.json')).code).toBe(0);
  });

  it('evaluates the live server (and its drift) when one is given', async () => {
    // The clean lock's surface, launched as this machine launches it (the transport is compared too).
    const scratch = tempDir('mcptrust-policy-live-');
    const lock = join(scratch.dir, 'live.lock.json');
    expect((await runCli(['lock', '-o', lock, '--', ...fixtureServer('example-server.mjs')], { cwd: scratch.dir })).code).toBe(0);
    const same = await policyCheck('--preset', 'strict', '--lock', lock, '--', ...fixtureServer('example-server.mjs'));
    expect(same.code).toBe(0);
    expect(same.stdout).toContain('no drift against the live server');
    const changed = await policyCheck('--preset', 'strict', '--lock', lock, '--format', 'json', '--', ...fixtureServer('example-server.mjs', '--changed'));
    scratch.cleanup();
    expect(changed.code).toBe(1);
    const json = JSON.parse(changed.stdout);
    expect(json.drift).toMatchObject({ checked: true, against: 'live', hasDrift: true, maxSeverity: 'critical' });
    // The live surface is what the rules see: exec_shell exists only there.
    expect(json.policy.rules.find((r: { name: string }) => r.name === 'no_high_risk_tools').outcome).toBe('fail');
  }, 30_000);

  it('keeps MCPTrust policy files working', async () => {
    const starter = await policyCheck('--policy', 'mcptrust-starter.yaml', '--lock', 'drifted.lock.json');
    expect(starter.code).toBe(1);
    expect(starter.stdout).toContain('policy Starter (mcptrust-starter.yaml, mode strict) on drifted.lock.json');
    expect(starter.stdout).toContain('✗ No exec tools [error]');
    expect(starter.stdout).toContain('→ exec* tools are not allowed.');
    expect((await policyCheck('--policy', 'mcptrust-starter.yaml', '--lock', 'clean.lock.json')).code).toBe(0);
    const v3 = await policyCheck('--policy', 'mcptrust-v3.yaml', '--lock', 'clean.lock.json', '--against', 'drifted.lock.json');
    expect(v3.code).toBe(1);
    expect(v3.stdout).toContain('✗ no_critical_drift [error]');
    expect(v3.stdout).toContain('✓ named_server');
  });

  it('mode warn reports failures as warnings and exits 0; strict exits 1 only for error rules', async () => {
    const warn = await policyCheck('--policy', 'warn-mode.yaml', '--lock', 'drifted.lock.json');
    expect(warn.code).toBe(0);
    expect(warn.stdout).toContain('⚠ no_exec [error]');
    expect(warn.stdout).toContain('⚠ policy passed with 1 warning (mode warn: failures are warnings)');
    const strict = await policyCheck('--policy', 'strict-mixed.yaml', '--lock', 'undescribed.lock.json');
    expect(strict.code).toBe(1);
    expect(strict.stdout).toContain('⚠ described [warn]');
    expect(strict.stdout).toContain('✗ no_file_resources [error]');
    const onlyWarn = await policyCheck('--policy', 'strict-mixed.yaml', '--lock', 'clean.lock.json');
    expect(onlyWarn.code).toBe(0);
  });

  it('a rule that does not compile is exit 2 naming file, rule and position, before any rule runs', async () => {
    const r = await policyCheck('--policy', 'does-not-compile.yaml', '--lock', 'clean.lock.json', '--', ...fixtureServer('does-not-exist.mjs'));
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('error: does-not-compile.yaml:6:11: rule "missing operand" does not compile: Unexpected token: RPAREN (at 1:32 in the expression)');
  });

  it('an expression that runs too long is exit 2 naming the rule', async () => {
    const r = await policyCheck('--policy', 'slow.yaml', '--lock', 'redos.lock.json', '--rule-timeout', '200ms');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      'error: slow.yaml: rule "backtracking" did not finish within 200 ms; simplify the expression (nested comprehensions, costly matches()) or raise --rule-timeout\n',
    );
  });

  it('bad policy files and flags are exit 2 with one clear line', async () => {
    const cases: [string[], RegExp][] = [
      [['--policy', 'duplicate-key.yaml'], /^error: duplicate-key\.yaml:5:5: has a duplicate key/],
      [['--policy', 'unknown-field.yaml'], /rules\[0\] has an unknown field "serverity"/],
      [['--policy', 'nope.yaml'], /cannot read policy .*nope\.yaml: no such file/],
      [['--preset', 'lenient'], /unknown preset "lenient"; the presets are: baseline, strict/],
      [[], /say which policy to apply: --policy FILE or --preset NAME/],
      [['--preset', 'strict', '--preset', 'strict'], /preset:strict is given twice/],
      [['--policy', 'warn-mode.yaml', '--policy', './warn-mode.yaml'], /warn-mode\.yaml is given twice/],
      [['--preset', 'strict', '--lock', 'missing.json'], /cannot read lockfile .*missing\.json: no such file/],
      [['--preset', 'strict', '--lock', 'duplicate-key.yaml'], /duplicate-key\.yaml is not valid JSON/],
      [['--preset', 'strict', '--against', 'clean.lock.json', '--url', 'http://127.0.0.1:9/mcp'], /a live server or --against FILE, not both/],
    ];
    for (const [args, message] of cases) {
      const r = await policyCheck(...args, ...(args.includes('--lock') ? [] : ['--lock', 'clean.lock.json']));
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
  });
});

describe('mcptrust policy explain', () => {
  it('prints the rules of the strict preset', async () => {
    const r = await runCli(['policy', 'explain', '--preset', 'strict'], { cwd: fixtures });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('policy strict (preset:strict)');
    expect(r.stdout).toContain('mode strict: a failed rule of severity error fails the check (exit 1)');
    expect(r.stdout).toContain('no_drift [error]\n  expr: !input.drift.hasDrift\n  when it fails: The live server differs');
    for (const name of ['ascii_names', 'tools_have_descriptions', 'no_file_scheme', 'no_internal_resources']) expect(r.stdout).toContain(`${name} [error]`);
  });

  it('prints a policy file as JSON, in MCPTrust field names', async () => {
    const r = await runCli(['policy', 'explain', '--policy', 'mcptrust-v3.yaml', '--format', 'json'], { cwd: fixtures });
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json).toMatchObject({ name: 'Fail closed', mode: 'strict' });
    expect(json.rules[0]).toMatchObject({ name: 'no_critical_drift', severity: 'error', failure_msg: 'CRITICAL drift detected', control_refs: ['SOC2: CC6.1'] });
  });

  it('refuses a policy that does not compile (exit 2)', async () => {
    const r = await runCli(['policy', 'explain', '--policy', 'does-not-compile.yaml'], { cwd: fixtures });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/rule "missing operand" does not compile/);
  });
});

describe('mcptrust policy input', () => {
  it('prints the input document, valid against its schema, with drift when --against is given', async () => {
    const r = await runCli(['policy', 'input', '--lock', 'clean.lock.json', '--against', 'lookalike.lock.json'], { cwd: fixtures });
    expect(r.code).toBe(0);
    const input = JSON.parse(r.stdout);
    const validate = new Ajv({ strict: false }).compile(POLICY_INPUT_SCHEMA);
    expect(validate(input), JSON.stringify(validate.errors)).toBe(true);
    expect(input.source).toBe('against');
    expect(input.drift).toMatchObject({ checked: true, against: 'lockfile', hasDrift: true, maxSeverity: 'critical' });
    expect(input.tools.find((t: { name: string }) => t.name === 'read_f\u0456le').flags.confusable).toBe(true);
    expect(input.mtf.available).toBe(true);
    expect(input.mtf.servers[0]).toMatchObject({ server: 'example-notes', passed: false, risk: 'CRITICAL' });
  });
});
