// The rules' closures (src/policy/fast-eval.ts) against cel-js, which stays the definition of a
// rule's value: on the shipped presets and the rule kinds of the bench over real inputs (where the
// closures must decide, or the speed-up is gone), and on generated rules over generated inputs
// (where every answer must be cel-js's: the same value, or an error from both). A closure that
// decides where cel-js errs, or decides differently, fails here.
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { scanLockfile } from '../../src/mtf/live.js';
import { parseLockfile } from '../../src/lockfile/parse.js';
import { celEnvironment, compilePolicy } from '../../src/policy/compile.js';
import { compileFast, FAST_BAIL, type FastRule } from '../../src/policy/fast-eval.js';
import { buildPolicyInput, mtfServerDoc } from '../../src/policy/input.js';
import { parsePolicy } from '../../src/policy/load.js';
import { evaluatePolicies } from '../../src/policy/evaluate.js';
import type { Lockfile } from '../../src/lockfile/types.js';
import { CORPUS, RICH, SYNTHETIC } from '../helpers/lock-corpus.js';
import { seededRandom } from '../helpers/random.js';
import { fastOnly, outcome, type Outcome } from '../helpers/fast-eval.js';
import { compile, evaluateWithFast, fixtureLock, presetText } from './helpers.js';

/** The bench's rule kinds (scripts/bench/40-policy.mjs), plus the other macros and functions. */
const RULES = [
  'size(input.tools) > 0',
  '!input.tools.exists(t, t.name.startsWith("exec"))',
  '!input.tools.exists(t, t.risk_level == "HIGH")',
  'input.tools.all(t, t.hasDescription)',
  'input.tools.all(t, !t.flags.nonAscii && !t.flags.invisible && !t.flags.bidi && !t.flags.confusable)',
  'input.tools.all(t, !has(t.inputSchema.properties) || size(t.inputSchema.properties) <= 5)',
  'input.tools.all(t, t.name.startsWith("tool_") || t.name.endsWith("x") || t.name.contains("_"))',
  '!input.tools.exists(t, t.description.contains("shell"))',
  'input.tools.all(t, size(t.description) < 2000)',
  'input.tools.all(t, t.title == "" || size(t.title) < 200)',
  'input.tools.all(t, size(t.capabilities) == 0 || t.risk_level != "LOW")',
  'input.tools.all(t, t.inputSchema.type == "object")',
  'size(input.tools.filter(t, has(t.annotations.readOnlyHint) && t.annotations.readOnlyHint)) >= 0',
  '!input.drift.hasDrift',
  '!("file" in input.resources.schemes)',
  '!input.resources.items.exists(r, r.internal)',
  'input.servers.all(s, s.transport.type == "stdio" || s.transport.type == "sse")',
  'input.servers.all(s, s.identity.name != "")',
  'input.tools.all(t, t.name.matches("^[a-z0-9_]+$"))',
  'input.tools.exists_one(t, t.name == "tool_1") || size(input.tools) < 2',
  'size(input.tools.map(t, t.name)) == size(input.tools)',
  'input.servers.all(s, s.tools.all(t, t.server == s.name))',
  'input.mtf.servers.all(m, m.passed && m.controls["CD-01"].levelCap == null)',
  '!input.tools.exists(t, t.descriptionSignals.exists(s, s.severity == "critical" || s.severity == "high"))',
  'input.tools.all(t, t.shadows.size() == 0)',
];

const mtfOf = (lock: Lockfile) => new Map(scanLockfile(lock).servers.map((s) => [s.server, mtfServerDoc(s)]));
const inputOf = (lock: Lockfile) => buildPolicyInput({ lock, mtf: mtfOf(lock) });


describe('the rules teams write decide without cel-js, with its values', () => {
  const env = celEnvironment();
  const inputs: [string, unknown][] = [
    ...CORPUS.map(([name, text]): [string, unknown] => [name, inputOf(parseLockfile(text, name))]),
    ['lookalike fixture', inputOf(fixtureLock('lookalike.lock.json'))],
    ['drifted fixture', inputOf(fixtureLock('drifted.lock.json'))],
  ];

  it('every preset rule and every bench rule kind compiles to closures', () => {
    const exprs = [...['baseline', 'strict'].flatMap((p) => parsePolicy(presetText(p), `${p}.yaml`).rules.map((r) => r.expr)), ...RULES];
    for (const expr of exprs) expect(compileFast(env.parse(expr).ast), expr).toBeTypeOf('function');
  });

  it('on real inputs the closures decide every such rule, and give what cel-js gives', () => {
    const exprs = [...['baseline', 'strict'].flatMap((p) => parsePolicy(presetText(p), `${p}.yaml`).rules.map((r) => r.expr)), ...RULES];
    let decided = 0;
    for (const expr of exprs) {
      const program = env.parse(expr);
      const fast = compileFast(program.ast)!;
      for (const [label, input] of inputs) {
        const celValue = outcome(() => program({ input }));
        const own = fastOnly(fast, input);
        if (own === FAST_BAIL) continue;
        decided++;
        expect({ value: own }, `${label}: ${expr}`).toEqual(celValue);
      }
    }
    // Inputs without prompts, resources or an MTF server leave some rules to cel-js (a missing
    // key), but a rule over tools is always decided.
    expect(decided).toBeGreaterThan(exprs.length * inputs.length * 0.8);
  });

  it('a 40-tool synthetic lockfile: the bench rules are all decided by the closures', () => {
    const input = inputOf(parseLockfile(SYNTHETIC, 'synthetic'));
    for (const expr of RULES) {
      const program = env.parse(expr);
      const own = fastOnly(compileFast(program.ast)!, input);
      expect(own, expr).not.toBe(FAST_BAIL);
      expect(own, expr).toEqual(program({ input }));
    }
  });
});

describe('what the closures do not model goes to cel-js', () => {
  const env = celEnvironment();
  const fastOf = (expr: string) => compileFast(env.parse(expr).ast);

  it('operators and functions outside the model compile to no closures at all', () => {
    for (const expr of ['input.a + 1 == 2', '-input.a < 0', 'int(input.a) == 1', 'input.a == 1u', 'input.?a.orValue(1) == 1', 'cel.bind(x, 1, x == 1)', 'input.a.lowerAscii() == "a"', '{"a": 1}.a == 1', '[1, 2].size() == 2', 'input.m.all(k, v, true)', 'type(input.a) == string', 'b"x" == b"x"']) {
      expect(fastOf(expr), expr).toBeUndefined();
    }
  });

  it.each([
    ['a missing key', 'input.missing == 1', { a: 1 }],
    ['a double compared with an int', 'input.a < 2', { a: 1 }],
    ['a Map', 'input.m.k == "v"', { m: new Map([['k', 'v']]) }],
    ['an own "constructor" key', 'input.m.k == "v"', { m: { constructor: 'x', k: 'v' } }],
    ['a string ordering', 'input.s < "b"', { s: 'a' }],
    ['a list with a non-string element for in', '"a" in input.l', { l: [1, 'a'] }],
    ['a non-bool operand of &&', 'input.a && true', { a: 1 }],
    ['an index out of range', 'input.l[5] == 1', { l: [1] }],
    ['a macro over a map', 'input.m.all(k, k != "")', { m: { a: 1 } }],
    ['an invalid pattern', 'input.s.matches("(")', { s: 'a' }],
  ])('%s: the closures leave it, cel-js answers', (_label, expr, input) => {
    const program = env.parse(expr);
    const fast = compileFast(program.ast)!;
    expect(fast).toBeTypeOf('function');
    expect(fastOnly(fast, input)).toBe(FAST_BAIL);
    expect(outcome(() => evaluateWithFast(fast, () => program({ input }), input))).toEqual(outcome(() => program({ input })));
  });

  it('a rule the closures leave still gets its verdict and its offending names (a tool parameter named "constructor")', () => {
    const lock = parseLockfile(RICH, 'rich');
    const input = inputOf(lock);
    const compiled = compile('name: t\nrules:\n  - name: r\n    expr: \'input.tools.all(t, !has(t.inputSchema.properties) || !("constructor" in t.inputSchema.properties))\'\n    failure_msg: nope\n');
    const result = evaluatePolicies([compiled], input);
    const celOnly = evaluatePolicies([{ ...compiled, rules: compiled.rules.map(({ rule, program }) => ({ rule, program })) }], input);
    expect(result.rules.map(({ ms: _, ...r }) => r)).toEqual(celOnly.rules.map(({ ms: _, ...r }) => r));
  });
});

// Generated rules and inputs. The generator aims at the edges of the model: values of every kind
// (ints and doubles, Maps, null-prototype records, own "constructor" keys, surrogates, undefined),
// missing keys, mixed lists, shadowed macro variables and every operator, in and out of the model.
function generator(seed: number) {
  const rnd = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const KEYS = ['a', 'b', 'l', 'm', 's', 'constructor', 'n'];
  const STRINGS = ['', 'a', 'b', 'ab', 'file', 'HIGH', '😀', '\uD83D', 'é', 'a_b'];
  // A tame input holds only what the closures model (plain records, no undefined): they decide more.
  let tame = false;
  const leaf = (): unknown => {
    switch (Math.floor(rnd() * (tame ? 5 : 9))) {
      case 0: return pick(STRINGS);
      case 1: return rnd() < 0.5;
      case 2: return pick([0, 1, 2, 1.5, -1]);
      case 3: return pick([0n, 1n, 2n, -1n]);
      case 4: return null;
      case 5: return undefined;
      default: return pick(STRINGS);
    }
  };
  const value = (depth: number): unknown => {
    if (depth <= 0 || rnd() < 0.3) return leaf();
    const kind = Math.floor(rnd() * 6);
    const n = Math.floor(rnd() * 4);
    if (kind <= 1) return Array.from({ length: n }, () => value(depth - 1));
    const keys = tame ? KEYS.filter((k) => k !== 'constructor') : KEYS;
    const entries = Array.from({ length: n + 1 }, () => [pick(keys), value(depth - 1)] as const);
    if (kind === 2 && !tame) return new Map(entries);
    const record: Record<string, unknown> = kind === 3 ? Object.create(null) : {};
    for (const [k, v] of entries) record[k] = v;
    return record;
  };
  const input = (asTame: boolean) => {
    tame = asTame;
    const record: Record<string, unknown> = {};
    for (const k of KEYS) if (tame ? k !== 'constructor' : rnd() < 0.8) record[k] = value(3);
    return record;
  };
  const literal = () => pick(['"a"', '""', '"file"', '"😀"', '1', '0', '2', '1.5', 'true', 'false', 'null', '["a", "b"]', '[1, "a"]', '{"a": 1}']);
  const path = (vars: string[]): string => {
    let p = vars.length > 0 && rnd() < 0.4 ? pick(vars) : 'input';
    const steps = Math.floor(rnd() * 3);
    for (let i = 0; i < steps; i++) p = rnd() < 0.8 ? `${p}.${pick(KEYS.filter((k) => k !== 'constructor'))}` : `${p}[${pick(['0', '1', '"a"', '"s"'])}]`;
    return p;
  };
  const val = (depth: number, vars: string[]): string => {
    const r = rnd();
    if (depth <= 0 || r < 0.35) return rnd() < 0.6 ? path(vars) : literal();
    if (r < 0.5) return `size(${val(depth - 1, vars)})`;
    if (r < 0.6) return `${path(vars)}.size()`;
    if (r < 0.7) return `(${pred(depth - 1, vars)} ? ${val(depth - 1, vars)} : ${val(depth - 1, vars)})`;
    if (r < 0.8) return `${path(vars)}.filter(${nextVar(vars)}, ${pred(depth - 1, [...vars, nextVar(vars)])})`;
    if (r < 0.9) return `${path(vars)}.map(${nextVar(vars)}, ${val(depth - 1, [...vars, nextVar(vars)])})`;
    return `(${pred(depth - 1, vars)})`;
  };
  // Variables x, y, z; sometimes the same name again (shadowing).
  const nextVar = (vars: string[]) => (rnd() < 0.2 && vars.length > 0 ? vars[0]! : ['x', 'y', 'z'][vars.length % 3]!);
  const pred = (depth: number, vars: string[]): string => {
    const r = rnd();
    if (depth <= 0) return rnd() < 0.5 ? `${val(0, vars)} == ${val(0, vars)}` : path(vars);
    if (r < 0.12) return `${val(depth - 1, vars)} ${pick(['==', '!=', '<', '<=', '>', '>='])} ${val(depth - 1, vars)}`;
    if (r < 0.24) return `${pred(depth - 1, vars)} ${pick(['&&', '||'])} ${pred(depth - 1, vars)}`;
    if (r < 0.3) return `!${pred(depth - 1, vars)}`;
    if (r < 0.38) return `${val(depth - 1, vars)} in ${val(depth - 1, vars)}`;
    if (r < 0.46) return `has(${path(vars)}.${pick(KEYS.filter((k) => k !== 'constructor'))})`;
    if (r < 0.56) return `${val(depth - 1, vars)}.${pick(['startsWith', 'endsWith', 'contains', 'matches'])}(${pick(['"a"', '""', '"😀"', '"^a"', '"("', '"[a-z]+$"'])})`;
    if (r < 0.8) {
      const v = nextVar(vars);
      return `${val(depth - 1, vars)}.${pick(['all', 'exists', 'exists_one'])}(${v}, ${pred(depth - 1, [...vars, v])})`;
    }
    if (r < 0.9) return path(vars);
    return `(${pred(depth - 1, vars)} ? ${pred(depth - 1, vars)} : ${pred(depth - 1, vars)})`;
  };
  return { input, rule: () => pred(3, []) };
}

describe('generated rules over generated inputs: the answer is always cel-js\'s', () => {
  it('12,000 rules (those cel-js checks valid), each on 4 inputs', () => {
    const env = celEnvironment();
    const gen = generator(20261203);
    let decided = 0;
    let compared = 0;
    let compiled = 0;
    let checked = 0;
    for (let i = 0; i < 12_000; i++) {
      const expr = gen.rule();
      // Only rules that pass cel-js's check are ever evaluated (compilePolicy refuses the others).
      let program;
      try {
        program = env.parse(expr);
        if (!program.check().valid) continue;
      } catch {
        continue;
      }
      checked++;
      const fast = compileFast(program.ast);
      if (fast) compiled++;
      for (let j = 0; j < 4; j++) {
        const input = gen.input(j % 2 === 0);
        const cel = outcome(() => program({ input }));
        compared++;
        if (fast) {
          const own = fastOnly(fast, input);
          if (own !== FAST_BAIL) {
            decided++;
            if (!('value' in cel) || !isDeepStrictEqual(own, cel.value)) {
              expect.fail(`the closures decided ${String(own)} where cel-js gives ${'value' in cel ? String(cel.value) : 'an error'}: ${expr} on ${JSON.stringify(input, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v instanceof Map ? [...v] : v))}`);
            }
          }
        }
        expect(outcome(() => evaluateWithFast(fast, () => program({ input }), input))).toEqual(cel);
      }
    }
    // The generator must reach the model, not only its edges.
    expect(checked).toBeGreaterThan(3000);
    expect(compiled).toBeGreaterThan(checked / 2);
    expect(decided).toBeGreaterThan(compared / 10);
  });

  it('rules checked as compilePolicy checks them decide as cel-js on the 40-tool lockfile and the rich one', () => {
    const inputs = [inputOf(parseLockfile(SYNTHETIC, 'synthetic')), inputOf(parseLockfile(RICH, 'rich'))];
    const policy = compilePolicy(parsePolicy(`name: t\nrules:\n${RULES.map((r, i) => `  - name: r${i}\n    expr: '${r}'\n`).join('')}`, 'p.yaml'));
    for (const input of inputs) {
      for (const { rule, program, fast } of policy.rules) {
        expect(fast, rule.expr).toBeTypeOf('function');
        expect(outcome(() => evaluateWithFast(fast, () => program({ input }), input)), rule.expr).toEqual(outcome(() => program({ input })));
      }
    }
  });
});
