import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { diffLockfiles } from '../../src/diff/index.js';
import { compilePolicy, referencedNames } from '../../src/policy/compile.js';
import { PolicyError } from '../../src/policy/errors.js';
import { evaluatePolicy } from '../../src/policy/evaluate.js';
import { POLICY_INPUT_SCHEMA } from '../../src/policy/input-schema.js';
import { buildPolicyInput, celJson, mtfServerDoc, policyInputJson, type PolicyInput } from '../../src/policy/input.js';
import { scanLockfile } from '../../src/mtf/live.js';
import type { Lockfile } from '../../src/lockfile/types.js';

const mtfOf = (lock: Lockfile) => new Map(scanLockfile(lock).servers.map((s) => [s.server, mtfServerDoc(s)]));
import { cleanInput, compile, fixtureLock, fixtureText, oneRule, policyError, presetText } from './helpers.js';
import { withinHangGuard } from '../helpers/watchdog.js';

const compileError = (text: string, source: string) => policyError(() => compile(text, source));

describe('compilePolicy', () => {
  it('names the file, the rule and the position of a rule that does not compile', () => {
    const e = compileError(fixtureText('does-not-compile.yaml'), 'does-not-compile.yaml');
    expect(e.code).toBe('COMPILE_ERROR');
    expect(e.category).toBe('input');
    expect(e.message).toBe(
      'does-not-compile.yaml:6:11: rule "missing operand" does not compile: Unexpected token: RPAREN (at 1:32 in the expression)',
    );
    expect(e.details).toEqual(['  input.tools.exists(t, t.name ==)', `  ${' '.repeat(31)}^`]);
  });

  it('lists every broken rule, not only the first', () => {
    const e = compileError("rules:\n  - name: a\n    expr: '1 +'\n  - name: b\n    expr: 'true'\n  - name: c\n    expr: '(('\n", 'two.yaml');
    expect(e.message).toMatch(/^two\.yaml:3:11: rule "a" does not compile/);
    expect(e.details.at(-1)).toMatch(/^two\.yaml:7:11: rule "c" does not compile/);
  });

  it('reports positions inside multi-line expressions', () => {
    const e = compileError("rules:\n  - name: m\n    expr: |\n      size(input.tools) > 0 &&\n        input.tools.all(t, t.name ==)\n", 'multi.yaml');
    expect(e.message).toMatch(/^multi\.yaml:3:11: rule "m" does not compile: .* \(at 2:31 in the expression\)$/);
  });

  it('refuses type errors and expressions that cannot be a bool before anything runs', () => {
    expect(compileError(fixtureText('not-bool.yaml'), 'not-bool.yaml').message).toMatch(
      /rule "counts tools" does not compile: the expression must give a bool, but gives int/,
    );
    expect(compileError("rules: [{name: t, expr: '1 + \"a\"'}]", 'type.yaml').message).toMatch(/rule "t" does not compile: .*int.*string/);
    expect(compileError("rules: [{name: u, expr: 'other.x'}]", 'var.yaml').message).toMatch(/rule "u" does not compile/);
  });

  it('bounds the size of an expression (cel-js parser limits)', () => {
    const huge = `${'1+'.repeat(4000)}1 > 0`;
    expect(compileError(`rules: [{name: big, expr: '${huge}'}]`, 'big.yaml').message).toMatch(/rule "big" does not compile: .*maxAstNodes/);
  });
});

describe('evaluatePolicy', () => {
  it('makes MCPTrust-style rules over the flat tool list work', () => {
    const policy = compile(fixtureText('mcptrust-starter.yaml'));
    const ok = evaluatePolicy(policy, cleanInput());
    expect(ok.passed).toBe(true);
    expect(ok.rules.map((r) => r.status)).toEqual(['pass', 'pass', 'pass', 'pass']);
    const bad = evaluatePolicy(policy, buildPolicyInput({ lock: fixtureLock('drifted.lock.json') }));
    expect(bad.passed).toBe(false);
    expect(bad.rules.map((r) => [r.name, r.status])).toEqual([
      ['Has tools', 'pass'],
      ['No exec tools', 'fail'],
      ['No high risk', 'fail'],
      ['Few arguments', 'pass'],
    ]);
    expect(bad.rules[1]!.message).toBe('exec* tools are not allowed.');
  });

  it('gives MCPTrust supply-chain rules the verdict MCPTrust gives without artifact data: fail, not error', () => {
    // mcptrust pins no npm/OCI artifact, so `has(input.artifact)` is false, as in MCPTrust
    // without --lockfile pinning; the optional MCPTrust v3 fields are present.
    const input = cleanInput();
    const status = (expr: string) => evaluatePolicy(oneRule(expr), input).rules[0]!.status;
    expect(status('has(input.artifact) && input.artifact.integrity != ""')).toBe('fail');
    expect(status('has(input.artifact) && has(input.artifact.provenance) && input.artifact.provenance.verified == true')).toBe('fail');
    expect(status('!has(input.provenance) || input.provenance.method == "cosign_slsa"')).toBe('pass');
    expect(status('!input.tools.exists(t, t.name in ["exec", "shell", "eval", "run_command"])')).toBe('pass');
    expect(status('input.tools.all(t, t.input_schema == t.inputSchema) && input.server.name == "example-notes"')).toBe('pass');
    expect(status('!has(input.drift) || !input.drift.hasDrift || !input.drift.items.exists(x, x.severity == "critical")')).toBe('pass');
  });

  it('mode strict fails only on failed error rules; mode warn turns every failure into a warning', () => {
    const undescribed = buildPolicyInput({ lock: fixtureLock('undescribed.lock.json') });
    const strict = evaluatePolicy(compile(fixtureText('strict-mixed.yaml')), undescribed);
    expect(strict.passed).toBe(false);
    expect(strict.rules.map((r) => [r.name, r.outcome])).toEqual([
      ['described', 'warn'],
      ['no_file_resources', 'fail'],
    ]);
    expect(strict.counts).toEqual({ rules: 2, passed: 0, warnings: 1, failures: 1 });

    const warn = evaluatePolicy(compile(fixtureText('warn-mode.yaml')), buildPolicyInput({ lock: fixtureLock('drifted.lock.json') }));
    expect(warn.passed).toBe(true);
    expect(warn.rules.map((r) => [r.name, r.severity, r.status, r.outcome])).toEqual([
      ['no_exec', 'error', 'fail', 'warn'],
      ['described', 'warn', 'pass', 'pass'],
    ]);
  });

  it('a rule that cannot be evaluated (a key missing at run time) is EVAL_ERROR, exit 2: neither a denial nor a pass', () => {
    // Type-checked fields exist; a key of server-written JSON may not.
    const policy = compile("name: t\nrules:\n  - name: ok\n    expr: 'true'\n  - name: r\n    expr: 'input.tools.all(t, t.inputSchema.nosuchfield == 1)'\n  - name: s\n    expr: 'input.server.version.size() > 0 && input.tools[99].name == \"x\"'\n");
    let error: unknown;
    try {
      evaluatePolicy(policy, cleanInput());
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PolicyError);
    expect((error as PolicyError).code).toBe('EVAL_ERROR');
    expect((error as PolicyError).category).toBe('input');
    expect((error as PolicyError).message).toMatch(/^p\.yaml:6:11: rule "r" cannot be evaluated: .*nosuchfield.*; a rule that cannot be evaluated gives no verdict/);
    // Every rule that errs is listed, not only the first.
    expect((error as PolicyError).details).toEqual([expect.stringMatching(/^p\.yaml:8:11: rule "s" cannot be evaluated: /)]);
  });

  it('reads server JSON with "constructor" or "__proto__" keys as ordinary maps (no spurious evaluation error)', () => {
    const lock = fixtureLock('clean.lock.json');
    const server = Object.values(lock.servers)[0]!;
    const tool = Object.values(server.surface.tools)[0]!;
    const properties = JSON.parse('{"constructor":{"type":"string"},"__proto__":{"type":"number"},"x":{"constructor":"s"}}');
    (tool as { inputSchema: unknown }).inputSchema = { type: 'object', properties };
    const input = buildPolicyInput({ lock });
    const rules = [
      'input.tools.exists(t, has(t.inputSchema.properties.constructor) && t.inputSchema.properties.constructor.type == "string")',
      'input.tools.exists(t, has(t.inputSchema.properties.x) && size(t.inputSchema.properties) == 3)',
      'input.tools.exists(t, has(t.inputSchema.properties.x) && "__proto__" in t.inputSchema.properties && t.inputSchema.properties.x.constructor == "s")',
      'input.tools.all(t, !has(t.inputSchema.properties) || size(t.inputSchema.properties) <= 5)',
    ];
    for (const expr of rules) {
      const rule = evaluatePolicy(oneRule(expr), input).rules[0]!;
      expect(`${rule.status} ${rule.message ?? ''}`, expr).toBe('pass ');
    }
    // Printed as the same JSON the server wrote.
    const printed = JSON.parse(policyInputJson(input)) as PolicyInput;
    expect(JSON.stringify(printed.tools.find((t) => t.name === tool.name)!.inputSchema)).toBe(JSON.stringify({ type: 'object', properties }));
  });

  it('converts nested server JSON in linear time and leaves ordinary JSON untouched', () => {
    const plain = { a: [{ b: { c: 1 } }], d: 'x' };
    expect(celJson(plain)).toBe(plain);
    let deep: Record<string, unknown> = JSON.parse('{"constructor":1}');
    for (let i = 0; i < 60; i++) deep = i % 2 ? { a: deep, s: "x" } : { b: [1, deep] };
    // Under the hang guard: an exponential walk of 60 levels would never end.
    const out = withinHangGuard(() => celJson(deep as never)) as unknown as Map<string, unknown>;
    expect(out).toBeInstanceOf(Map);
  });

  it('a dynamic expression that does not give a bool is EVAL_ERROR (exit 2)', () => {
    expect(() => evaluatePolicy(oneRule('input.tools[0].inputSchema.type'), cleanInput())).toThrow(
      expect.objectContaining({ code: 'EVAL_ERROR', message: expect.stringContaining('rule "r" cannot be evaluated: the expression gave a string, not a bool') }),
    );
  });

  it('stops an expression that runs too long (nested comprehensions) with EVAL_TIMEOUT naming the rule', () => {
    const input = cleanInput() as PolicyInput;
    const many = { ...input, tools: Array.from({ length: 2000 }, (_, i) => ({ ...input.tools[0]!, name: `t${i}` })) };
    const policy = oneRule('input.tools.all(a, input.tools.all(b, input.tools.all(c, a.name != "x")))');
    let error: unknown;
    try {
      // Under the hang guard: running to completion (2000³ steps) would take minutes.
      withinHangGuard(() => evaluatePolicy(policy, many, { timeoutMs: 150 }));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PolicyError);
    expect((error as PolicyError).code).toBe('EVAL_TIMEOUT');
    expect((error as PolicyError).message).toBe(
      'p.yaml: rule "r" did not finish within 150 ms; simplify the expression (nested comprehensions, costly matches()) or raise --rule-timeout',
    );
  });

  it('stops catastrophic backtracking in matches() over attacker-controlled text', () => {
    const policy = compile(fixtureText('slow.yaml'), 'slow.yaml');
    expect(() => evaluatePolicy(policy, buildPolicyInput({ lock: fixtureLock('redos.lock.json') }), { timeoutMs: 150 })).toThrow(
      expect.objectContaining({ code: 'EVAL_TIMEOUT' }),
    );
    // The same rule is quick on ordinary text, and the engine is usable after a timeout.
    expect(evaluatePolicy(policy, cleanInput(), { timeoutMs: 150 }).passed).toBe(true);
  });

  it('leaves nothing on the global object, after a pass, a failure or a timeout', () => {
    const rule = Symbol.for('mcptrust.policy.rule');
    const before = Object.getOwnPropertySymbols(globalThis).length;
    expect(evaluatePolicy(oneRule('size(input.tools) > 0'), cleanInput()).passed).toBe(true);
    expect(evaluatePolicy(oneRule('size(input.tools) == 0'), cleanInput()).passed).toBe(false);
    expect(() => evaluatePolicy(compile(fixtureText('slow.yaml'), 'slow.yaml'), buildPolicyInput({ lock: fixtureLock('redos.lock.json') }), { timeoutMs: 100 })).toThrow(
      expect.objectContaining({ code: 'EVAL_TIMEOUT' }),
    );
    expect(Object.getOwnPropertySymbols(globalThis)).not.toContain(rule);
    expect(Object.getOwnPropertySymbols(globalThis).length).toBe(before);
  });
});

describe('the presets', () => {
  const baseline = () => compile(presetText('baseline'), 'preset:baseline');
  const strict = () => compile(presetText('strict'), 'preset:strict');
  const failing = (r: ReturnType<typeof evaluatePolicy>) => r.rules.filter((x) => x.outcome !== 'pass').map((x) => `${x.name}:${x.outcome}`);

  it('the clean lock passes both', () => {
    expect(failing(evaluatePolicy(baseline(), cleanInput()))).toEqual([]);
    expect(failing(evaluatePolicy(strict(), cleanInput()))).toEqual([]);
  });

  it('baseline warns about risky tools, descriptions and resources but fails only on critical drift', () => {
    const drifted = buildPolicyInput({ lock: fixtureLock('drifted.lock.json') });
    const alone = evaluatePolicy(baseline(), drifted);
    expect(alone.passed).toBe(true);
    expect(failing(alone)).toEqual(['no_high_risk_tools:warn', 'no_suspicious_descriptions:warn', 'no_internal_resources:warn']);

    const changes = diffLockfiles(fixtureLock('clean.lock.json'), fixtureLock('drifted.lock.json')).changes;
    const withDrift = evaluatePolicy(baseline(), buildPolicyInput({ lock: fixtureLock('drifted.lock.json'), drift: { against: 'lockfile', changes } }));
    expect(withDrift.passed).toBe(false);
    expect(failing(withDrift)).toContain('no_critical_drift:fail');
  });

  it('baseline warns about look-alike names', () => {
    const r = evaluatePolicy(baseline(), buildPolicyInput({ lock: fixtureLock('lookalike.lock.json') }));
    expect(r.passed).toBe(true);
    expect(failing(r)).toEqual(['plain_tool_names:warn']);
  });

  it('strict fails on drift, look-alike names, undescribed tools, file:// and internal resources, risky tools', () => {
    const changes = diffLockfiles(fixtureLock('clean.lock.json'), fixtureLock('drifted.lock.json')).changes;
    expect(failing(evaluatePolicy(strict(), buildPolicyInput({ lock: fixtureLock('drifted.lock.json'), drift: { against: 'lockfile', changes } })))).toEqual([
      'no_drift:fail',
      'no_high_risk_tools:fail',
      'no_suspicious_descriptions:fail',
      'no_internal_resources:fail',
    ]);
    expect(failing(evaluatePolicy(strict(), buildPolicyInput({ lock: fixtureLock('lookalike.lock.json') })))).toEqual(['ascii_names:fail']);
    expect(failing(evaluatePolicy(strict(), buildPolicyInput({ lock: fixtureLock('undescribed.lock.json') })))).toEqual([
      'tools_have_descriptions:fail',
      'no_file_scheme:fail',
      'no_internal_resources:fail',
    ]);
  });
});

describe('buildPolicyInput', () => {
  const validate = new Ajv({ strict: false, allErrors: true }).compile(POLICY_INPUT_SCHEMA);

  it('builds inputs that validate against schemas/policy-input.schema.json', () => {
    const changes = diffLockfiles(fixtureLock('clean.lock.json'), fixtureLock('drifted.lock.json')).changes;
    for (const input of [
      cleanInput(),
      buildPolicyInput({ lock: fixtureLock('lookalike.lock.json') }),
      buildPolicyInput({ lock: fixtureLock('undescribed.lock.json'), verification: { verified: true, signers: ['sha256:ab'] } }),
      buildPolicyInput({ lock: fixtureLock('drifted.lock.json'), drift: { against: 'live', changes } }),
      buildPolicyInput({ lock: fixtureLock('lookalike.lock.json'), mtf: mtfOf(fixtureLock('lookalike.lock.json')) }),
    ]) {
      const ok = validate(JSON.parse(policyInputJson(input)));
      expect(validate.errors ?? []).toEqual([]);
      expect(ok).toBe(true);
    }
  });

  it('describes each tool with derived flags, risk and capabilities, in one flat list across servers', () => {
    const input = buildPolicyInput({ lock: fixtureLock('lookalike.lock.json') });
    expect(input.source).toBe('lockfile');
    expect(input.server).toEqual({ name: 'example-notes', version: '1.0.0' });
    expect(input.tools.map((t) => t.name)).toEqual(['read_f\u0456le', 'read_note', 'search_notes', 'search\u200bnotes', 'write_note']);
    const cyrillic = input.tools[0]!;
    expect(cyrillic.flags).toEqual({ nonAscii: true, invisible: false, bidi: false, confusable: true, nonStandard: true });
    expect(input.tools[3]!.flags).toMatchObject({ invisible: true });
    expect(input.tools[2]!.flags).toEqual({ nonAscii: false, invisible: false, bidi: false, confusable: false, nonStandard: false });
    expect(input.tools[1]!.input_schema).toBe(input.tools[1]!.inputSchema);

    const drifted = buildPolicyInput({ lock: fixtureLock('drifted.lock.json') });
    const exec = drifted.tools.find((t) => t.name === 'exec_shell')!;
    expect(exec.risk_level).toBe('HIGH');
    expect(exec.capabilities).toContain('command-execution');
    const poisoned = drifted.tools.find((t) => t.name === 'read_note')!;
    expect(poisoned.descriptionSignals.map((s) => s.kind)).toEqual(expect.arrayContaining(['concealment', 'sensitive-path']));
    const metadata = drifted.resources.items.find((r) => r.name === 'metadata')!;
    expect(metadata).toMatchObject({ scheme: 'http', address: 'link-local', internal: true });
  });

  it('carries the drift with MCPTrust aliases, and records that nothing was compared otherwise', () => {
    expect(cleanInput().drift).toEqual({ checked: false, against: '', hasDrift: false, breaking: false, maxSeverity: '', items: [] });
    const changes = diffLockfiles(fixtureLock('clean.lock.json'), fixtureLock('drifted.lock.json')).changes;
    const drift = buildPolicyInput({ lock: fixtureLock('drifted.lock.json'), drift: { against: 'live', changes } }).drift;
    expect(drift).toMatchObject({ checked: true, against: 'live', hasDrift: true, breaking: true, maxSeverity: 'critical' });
    const exec = drift.items.find((i) => i.name === 'exec_shell')!;
    expect(exec).toMatchObject({ kind: 'tool', type: 'tool', id: 'exec_shell', change: 'added', severity: 'critical' });
    expect(exec.message).toBe(exec.reasons.join('; '));
  });

  it('carries the MTF results (CD-01, CD-03) of each server, in input.mtf and on the server', () => {
    const lock = fixtureLock('lookalike.lock.json');
    const input = buildPolicyInput({ lock, mtf: mtfOf(lock) });
    expect(input.mtf.available).toBe(true);
    expect(input.mtf.servers).toHaveLength(1);
    expect(input.mtf.servers[0]).toMatchObject({ server: 'example-notes', passed: false, risk: 'CRITICAL' });
    expect(input.servers[0]!.mtf).toMatchObject({ passed: false, controls: { 'CD-03': { status: 'fail' } } });
    expect(cleanInput().mtf).toEqual({ available: false, servers: [] });
    const strictResult = evaluatePolicy(compile(presetText('strict'), 'strict'), input);
    expect(strictResult.rules.find((r) => r.name === 'mtf_declaration_and_description_safety')!.outcome).toBe('fail');
    const clean = fixtureLock('clean.lock.json');
    const ok = evaluatePolicy(compile(presetText('strict'), 'strict'), buildPolicyInput({ lock: clean, mtf: mtfOf(clean) }));
    expect(ok.passed).toBe(true);
  });

  it('computes costly fields only for rules that name them; reaching one otherwise fails closed', () => {
    const lock = fixtureLock('drifted.lock.json');
    let scans = 0;
    const mtf = () => (scans++, mtfOf(lock));
    const lean = buildPolicyInput({ lock, mtf }, { names: new Set(['input', 'tools', 'name']) });
    const exec = lean.tools.find((t) => t.name === 'exec_shell')!;
    expect('risk_level' in exec || 'descriptionSignals' in exec || 'mtf' in lean).toBe(false);
    expect(scans).toBe(0);
    expect(() => evaluatePolicy(oneRule('!input.tools.exists(t, t["risk" + "_level"] == "HIGH")'), lean)).toThrow(
      expect.objectContaining({ code: 'EVAL_ERROR', message: expect.stringMatching(/rule "r" cannot be evaluated: .*risk_level/) }),
    );

    const policy = oneRule('!input.tools.exists(t, t.risk_level == "HIGH") && input.mtf.servers.all(m, m.passed)');
    const named = buildPolicyInput({ lock, mtf }, { names: referencedNames(policy.policy) });
    expect(scans).toBe(1);
    expect(named.tools.find((t) => t.name === 'exec_shell')!.risk_level).toBe('HIGH');
    expect(evaluatePolicy(policy, named).rules[0]!.status).toBe('fail');
  });

  it('lists resource schemes, prompt names and templates (MCPTrust v3 fields)', () => {
    const input = buildPolicyInput({ lock: fixtureLock('undescribed.lock.json') });
    expect(input.resources.schemes).toEqual(['file', 'notes']);
    expect(input.prompts.names).toEqual(['daily_review', 'summarize_notes']);
    expect(input.resources.templates[0]).toMatchObject({ uriTemplate: 'notes://{id}', internal: false });
    expect(input.resources.templates[0]!.templateHash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(input.tools.find((t) => t.name === 'get_status')).toMatchObject({ description: '', hasDescription: false, annotations: {} });
    // MCPTrust's prompts.definitions: name → {argumentsHash}, usable from rules.
    expect(Object.keys(input.prompts.definitions)).toEqual(['daily_review', 'summarize_notes']);
    expect(input.prompts.definitions.daily_review!.argumentsHash).toMatch(/^sha256:[0-9a-f]{64}$/);
    const rule = (expr: string) => evaluatePolicy(oneRule(expr), input).rules[0]!;
    expect(rule('"daily_review" in input.prompts.definitions && !("debug" in input.prompts.definitions)').status).toBe('pass');
    expect(rule('input.prompts.definitions.all(n, input.prompts.definitions[n].argumentsHash.startsWith("sha256:"))').status).toBe('pass');
  });
});
