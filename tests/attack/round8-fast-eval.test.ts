// Round 8 attack: policy rules in the modelled part of CEL also run as closures
// (src/policy/fast-eval.ts), and a rule's answer must stay exactly cel-js's: the same value, the
// same error, the same verdict — and the same stop at --rule-timeout. This file goes where
// tests/policy/fast-eval.test.ts does not: hostile values (prototype tricks, sparse and
// decorated arrays, surrogates, huge ints, -0/NaN, Sets, Dates…) against rules checked as
// compilePolicy checks them, mixed static and dynamic operand types, generated rules over the
// documented input fields of hostile lockfiles through evaluatePolicies and `mcptrust policy
// check`, megabyte texts, and the time limit.
//
// No value or error differs from cel-js's: not on the hostile values, not on 600 generated
// schema-valid rules over six hostile lockfiles, not on generated rules over mutated input
// documents (`policy test` inputs), not through the bin (exploration ran 12,000 + 3,200 such
// rules on more seeds; none differed). The findings were about the work done, which the time
// limit turned into a different answer; fixed since, they are plain tests:
// - an index (`m[k]`, `l[i]`) typed its container by its first element first (typedByFirst, a
//   for-in over every map on the way), which cel-js does not do for an index: on a map of many
//   keys each access cost the whole map. One tool with 20,000 parameters, all required, and the
//   rule REQUIRED_TYPED: 0.19 s and a pass before, exit 2 EVAL_TIMEOUT at the default 2 s;
// - the closures evaluated a method call's receiver before its argument, cel-js the argument
//   first: when the argument errs, cel-js never evaluates the receiver, the closures did. A rule
//   that passed (the error absorbed by `||`) ran out of time (exit 2 EVAL_TIMEOUT), or the
//   process died out of memory (SIGABRT);
// - a rule the closures leave late (the last element errs) was evaluated twice within one time
//   limit: a rule that took 60% of --rule-timeout with cel-js alone ran out of time. cel-js now
//   gets the rule's whole time limit after a bail (the limit is armed once per evaluation).
import { writeFileSync } from 'node:fs';
import { Script, type RunningScriptOptions } from 'node:vm';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseLockfile } from '../../src/lockfile/parse.js';
import { scanLockfile } from '../../src/mtf/live.js';
import { celEnvironment, compilePolicy, referencedNames, type CompiledPolicy } from '../../src/policy/compile.js';
import { PolicyError } from '../../src/policy/errors.js';
import { evaluatePolicies } from '../../src/policy/evaluate.js';
import { compileFast, FAST_BAIL, type FastRule } from '../../src/policy/fast-eval.js';
import { evaluateWithFast } from '../policy/helpers.js';
import { buildPolicyInput, celJson, mtfServerDoc, policyInputJson } from '../../src/policy/input.js';
import type { JsonValue } from '../../src/canonical/index.js';
import { parsePolicy } from '../../src/policy/load.js';
import type { Lockfile } from '../../src/lockfile/types.js';
import { runCli, spawnCli, tempDir } from '../helpers/cli.js';
import { lockOf, obj } from '../helpers/lock-corpus.js';
import { seededRandom } from '../helpers/random.js';

// In-process runs of the CLI with the closures switched off: cel-js alone, as before 0056740.
const switches = vi.hoisted(() => ({ celOnly: false }));
vi.mock('../../src/policy/fast-eval.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../src/policy/fast-eval.js')>();
  return { ...actual, compileFast: (ast: Parameters<typeof actual.compileFast>[0]) => (switches.celOnly ? undefined : actual.compileFast(ast)) };
});

const cel = celEnvironment();

type Outcome = { value: unknown } | { error: string };
function outcome(run: () => unknown): Outcome {
  try {
    return { value: run() };
  } catch (error) {
    return { error: error === FAST_BAIL ? 'FAST_BAIL' : String((error as Error)?.message ?? error) };
  }
}

/** The expression as compilePolicy checks it (parse + cel-js check; the check sets static types the evaluation uses). */
function checked(expr: string) {
  const program = cel.parse(expr);
  const result = program.check();
  if (!result.valid) throw new Error(`${expr}: ${String(result.error)}`);
  return program;
}

/** Outcomes equal as cel-js's: the same value (deeply, same JS type) or the same error message. */
function sameOutcome(a: Outcome, b: Outcome): boolean {
  if ('error' in a || 'error' in b) return 'error' in a && 'error' in b && a.error === b.error;
  return typeof a.value === typeof b.value && isDeepStrictEqual(a.value, b.value);
}

const show = (v: unknown) => {
  try {
    return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x instanceof Map ? ['Map', ...x] : x instanceof Set ? ['Set', ...x] : x === undefined ? 'undefined' : x));
  } catch {
    return String(v);
  }
};

// ---------------------------------------------------------------------------------------------
// Hostile values, rules checked as compilePolicy checks them
// ---------------------------------------------------------------------------------------------

function hostileInputs(): [string, Record<string, unknown>][] {
  const protoOwn = JSON.parse('{"__proto__": {"x": "y"}, "k": "v"}') as Record<string, unknown>;
  const nullProto = Object.assign(Object.create(null) as Record<string, unknown>, { a: 'a', b: ['x'] });
  const sparse: unknown[] = [];
  sparse[1] = 'a';
  const decorated = Object.assign(['a', 'b'], { foo: 'bar', length2: 'x' });
  const inherits = Object.create({ inh: 'i' }) as Record<string, unknown>;
  inherits.own = 'o';
  const arrayProto = Object.setPrototypeOf({ a: 'a' }, Array.prototype) as Record<string, unknown>;
  const reproto = JSON.parse('{"k": "v"}') as Record<string, unknown>;
  Object.setPrototypeOf(reproto, { constructor: Object, inh: 'i' });
  return [
    ['own __proto__ key', { m: protoOwn, l: ['a'], s: 'a' }],
    ['null prototype', { m: nullProto, l: [nullProto], s: 'a' }],
    ['sparse array', { l: sparse, m: {}, s: 'a' }],
    ['array with extra properties', { l: decorated, m: { l: decorated }, s: 'a' }],
    ['undefined inside', { l: ['a', undefined, 'b'], m: { a: undefined, b: 'b' }, s: 'a' }],
    ['inherited keys', { m: inherits, l: [inherits], s: 'a' }],
    ['object with Array.prototype', { m: arrayProto, l: [arrayProto], s: 'a' }],
    ['prototype with a constructor', { m: reproto, l: [reproto], s: 'a' }],
    ['String objects', { s: new String('abc'), l: [new String('a')], m: { s: new String('a') } }],
    ['ints beyond 2^64', { i: 2n ** 70n, j: -(2n ** 70n), l: [2n ** 70n], m: { i: 2n ** 70n }, s: 'a' }],
    ['-0 and 0', { d: -0, e: 0, l: [-0], m: { d: -0 }, s: 'a' }],
    ['NaN', { d: NaN, e: NaN, l: [NaN], m: { d: NaN }, s: 'a' }],
    ['surrogates', { s: '\uD83D\uDE00\uD800', t: '\uDE00\uD83D', l: ['\uD800', '\uD83D\uDE00'], m: { '\uD800': 'x' } }],
    ['nested lists', { l: [[['a']]], m: { a: { b: { c: 'd' } } }, s: 'a' }],
    ['frozen', Object.freeze({ l: Object.freeze(['a', 'b']), m: Object.freeze({ a: 'b' }), s: 'a' })],
    ['constructor: a string', { m: { constructor: 'x', a: 'b' }, l: [{ constructor: 'x' }], s: 'a' }],
    ['constructor: Object', { m: { constructor: Object, a: 'b' }, l: [{ constructor: Object, a: 'b' }], s: 'a' }],
    ['constructor: Array', { m: { constructor: Array, a: 'b' }, l: [{ constructor: Array, a: 'b' }], s: 'a' }],
    ['constructor: Map', { m: { constructor: Map, a: 'b' }, l: [{ constructor: Map }], s: 'a' }],
    ['constructor: undefined', { m: { constructor: undefined, a: 'b' }, l: [{ constructor: undefined, a: 'b' }], s: 'a' }],
    ['constructor: null', { m: { constructor: null, a: 'b' }, l: [{ constructor: null, a: 'b' }], s: 'a' }],
    ['hasOwnProperty key', { m: { hasOwnProperty: 'x', a: 'b' }, l: ['a'], s: 'a' }],
    ['mixed list', { l: ['a', 1n, true, null, 1.5], m: { a: 1n, b: 'x' }, s: 'a' }],
    ['undefined first', { l: [undefined, 'a'], m: { a: [undefined] }, s: 'a' }],
    ['Map first', { l: [new Map([['a', 'b']]), 'a'], m: { a: new Map() }, s: 'a' }],
    ['empty key', { m: { '': 'e' }, l: [''], s: '' }],
    ['integer-like keys', { m: { '2': 'two', '1': 'one', a: 'a' }, l: ['1'], s: '1' }],
    ['lists of lists', { l: [[], ['a']], m: { a: [] }, s: 'a' }],
    ['ints', { l: [1n, 2n, 3n], m: { a: 1n }, i: 3n, j: 3n, s: 'abc' }],
    ['bools', { l: [true, false], m: { a: true }, b: true, s: 'a' }],
    ['nulls', { l: [null, 'a'], m: { a: null }, n: null, s: 'a' }],
    ['doubles', { l: [1.5, 2], m: { a: 1.0 }, d: 1.0, e: 1.0, i: 1n, s: 'a' }],
    ['Date', { m: { a: new Date(0) }, l: [new Date(0)], s: 'a' }],
    ['function', { m: { a: () => 1 }, l: [() => 1], s: 'a' }],
    ['bytes', { m: { a: new Uint8Array(1) }, l: [new Uint8Array(1)], s: 'a' }],
    ['Symbol', { m: { a: Symbol('s') }, l: [Symbol('s')], s: 'a' }],
    ['Set', { m: { a: new Set(['a']) }, l: new Set(['a']), s: 'a' }],
    ['empty', { l: [], m: {}, s: '' }],
  ];
}

const HOSTILE_EXPRS = [
  'input.m.k == "v"', 'has(input.m.k)', 'has(input.m.x)', 'input.m["__proto__"].x == "y"', '"__proto__" in input.m', '"x" in input.m', 'size(input.m) == 2', 'input.m.size() > 0',
  'size(input.l) == 2', 'input.l.size() == 2', '"a" in input.l', '"b" in input.l', 'input.l[0] == "a"', 'input.l[1] == "a"', 'input.l[-1] == "a"', 'input.l[18446744073709551615] == "a"', 'input.l[1.0] == "a"',
  'input.l.all(x, x == "a")', 'input.l.exists(x, x == "a")', 'input.l.exists_one(x, x == "a")', 'size(input.l.filter(x, x == "a")) == 1', 'input.l.map(x, x == "a").exists(y, y)',
  'input.l.all(input, input == "a")', 'input.l.all(x, input.l.all(x, x == "a"))', 'input.l.map(input, input).all(x, x == "a")', 'input.l.exists(x, input.l.exists(y, x == y) && x != "b")',
  'has(input.m.a)', 'has(input.m.a.b)', 'has(input.m.a.b.c)', 'input.m.a.b.c == "d"', 'input.m.a == "b"', 'input.m["a"] == "b"', 'input.m.own == "o"', 'input.m.inh == "i"', 'has(input.m.inh)', '"inh" in input.m',
  'input.s.startsWith("")', 'input.s.endsWith("")', 'input.s.contains("")', 'size(input.s) == 3', 'input.s.size() == 2', 'input.s.matches("^.$")', 'input.s.matches(".*")', 'input.s.matches("\\\\uD800")', 'input.t.matches("^.$")', 'size(input.t) == 2', 'input.s.matches("(")', 'input.s.matches("(?<a>x)")',
  'input.i > 1', 'input.i < input.j', 'input.i == input.j', 'input.m.i > 0', 'input.d == input.e', 'input.d != input.e', 'input.d == 0.0', 'input.l[0] == 0.0', 'input.i == 1.0', 'input.d == input.i',
  'input.b && input.l[0]', 'input.l[0] || true', 'true || input.l[0]', 'false && input.l[0]', 'input.l.exists(x, x)', 'input.m.a || true', 'input.b ? input.l : input.m', '(input.b ? "a" : 1) == "a"',
  'input.l', 'input.m', 'input.s', 'input.i', 'input.d', 'input.m.a', 'input.l[0]', '(input.s == "a" ? input.l : input.l).size() > 0',
  'input.l.filter(x, true)', 'input.l.map(x, x)', 'input.m.hasOwnProperty == "x"', '"hasOwnProperty" in input.m', 'has(input.m.hasOwnProperty)', 'has(input.m.constructor)', '"constructor" in input.m', 'input.m["constructor"] == "x"', '"toString" in input.m', 'has(input.m.toString)', 'input.m[""] == "e"', '"" in input.m', '"1" in input.m', 'input.m.all(k, true)',
  'input.l.all(x, size(x) >= 0)', 'input.l.exists(x, size(x) > 0)', 'input.l[0][0][0] == "a"', 'input.l[1][0] == "a"', 'size(input.l[0]) == 0', 'null == input.m.a', 'input.m.a == null', 'input.l[0] == null', 'input.l.exists(x, x == null)', 'input.n == null', 'input.n != null',
  // Static operand types (int from size(), bool from ==, list<int>/list<bool> from map()) against dynamic ones.
  'size(input.l) == input.i', 'input.i == size(input.l)', 'size(input.s) < input.i', 'input.b == (input.s == "a")', '(input.s == "a") == input.b', 'input.s == (input.b ? "a" : "b")',
  'input.s in input.l.map(x, size(x))', 'input.s in input.l.map(x, x == "a")', 'input.s in input.l.map(x, size(x)).filter(n, n > 100)', 'input.l.map(x, size(x)).all(n, n > 0)', 'input.l.map(x, x == "a")[0]',
  'input.l.map(x, size(x)).exists(n, n == input.i)', 'input.l.filter(x, x == "a").map(x, size(x)).exists_one(n, n == 1)', 'input.l.map(x, input.l.map(y, y)).all(z, size(z) == size(input.l))',
];

describe('hostile values: the answer is cel-js\'s, value or error message', () => {
  it('every rule over every hostile value, checked as compilePolicy checks it', () => {
    let decided = 0;
    let compared = 0;
    let compiled = 0;
    const bad: string[] = [];
    for (const expr of HOSTILE_EXPRS) {
      let program;
      try {
        program = checked(expr);
      } catch {
        continue;
      }
      const fast = compileFast(program.ast);
      if (fast === undefined) continue;
      compiled++;
      for (const [label, input] of hostileInputs()) {
        compared++;
        const cel = outcome(() => program({ input }));
        const own = outcome(() => fast!(input));
        if (!('error' in own && own.error === 'FAST_BAIL')) {
          decided++;
          if (!sameOutcome(own, cel)) bad.push(`closures ${show(own)} vs cel-js ${show(cel)}: ${expr} on ${label}`);
        }
        const both = outcome(() => evaluateWithFast(fast, () => program({ input }), input));
        if (!sameOutcome(both, cel)) bad.push(`evaluateWithFast ${show(both)} vs cel-js ${show(cel)}: ${expr} on ${label}`);
      }
    }
    expect(bad).toEqual([]);
    // The attack reaches the closures: they decide a good share of these, not only bail.
    expect(compiled).toBeGreaterThan(HOSTILE_EXPRS.length * 0.8);
    expect(compared).toBeGreaterThan(3000);
    expect(decided).toBeGreaterThan(compared / 5);
  });

  it('size() of strings of surrogates, lone and paired, in any order: the closures count as cel-js counts', () => {
    const rnd = seededRandom(8);
    const units = ['\uD800', '\uDBFF', '\uDC00', '\uDFFF', '\uD83D', '\uDE00', 'a', 'é', '\u0000', '\uFFFF'];
    const program = checked('size(input.s) == input.n && input.s.size() == input.n');
    const fast = compileFast(program.ast)!;
    for (let i = 0; i < 3000; i++) {
      let s = '';
      const n = Math.floor(rnd() * 8);
      for (let k = 0; k < n; k++) s += units[Math.floor(rnd() * units.length)];
      const input = { s, n: BigInt([...s].length) };
      expect(fast(input), show(s)).toBe(true);
      expect(program({ input }), show(s)).toBe(true);
    }
  });

  it('patterns: the same RegExp semantics and errors, whatever came before in the shared pattern cache', () => {
    const program = checked('input.l.all(x, x.matches(input.p))');
    const fast = compileFast(program.ast)!;
    // Patterns that look stateful (a /g-like lastIndex), Unicode-mode only, invalid, and a flood past the cache bound.
    const patterns = ['a', '^a$', '(?:)', '[\\uD800-\\uDFFF]', '\\p{L}', '(?<n>a)\\k<n>', 'a{2,1}', '[', '(?i)a', '\\1(a)', ...Array.from({ length: 1100 }, (_, i) => `^x${i}$`), 'a', '['];
    for (const p of patterns) {
      for (const l of [['a', 'a', 'a'], ['aa'], ['\uD800'], ['x5'], []]) {
        const input = { p, l };
        expect(outcome(() => evaluateWithFast(fast, () => program({ input }), input)), `${p} ${show(l)}`).toEqual(outcome(() => program({ input })));
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------
// The real input: hostile lockfiles through buildPolicyInput and evaluatePolicies
// ---------------------------------------------------------------------------------------------

const PROTO_PROPS = obj([
  ['__proto__', { type: 'string', description: 'proto' }],
  ['hasOwnProperty', { type: 'string' }],
  ['toString', { type: 'string' }],
  ['valueOf', {}],
  ['length', { type: 'integer' }],
  ['0', { type: 'string' }],
  ['a', { type: 'string' }],
]);

/** Lockfiles as lock writes them, with what the closures must not misread. */
const LOCKS: Record<string, string> = {
  'prototype keys': lockOf({
    name: 'p',
    tools: [
      { name: '__proto__', description: 'proto tool \uD800 lone', inputSchema: { type: 'object', properties: PROTO_PROPS, required: ['__proto__', 'toString'] } },
      { name: 'constructor', description: 'ctor \u{1F600}', inputSchema: { type: 'object', properties: obj([['constructor', { type: 'string' }], ['a', { type: 'string' }]]), required: ['constructor'] } },
      { name: 'hasOwnProperty', description: '', inputSchema: { type: 'object', properties: {}, enum: [1, 'a', null] } },
      { name: 'toString', description: '\uDE00\uD83D', inputSchema: { type: 'object', properties: { x: { enum: [null, 'a'] } }, required: [] }, annotations: obj([['__proto__', { readOnlyHint: true }], ['readOnlyHint', true]]) },
    ],
    prompts: [{ name: 'constructor', arguments: [{ name: '__proto__', required: true }] }],
  }),
  'no tools': lockOf({ name: 'empty' }),
  'no servers': lockOf(),
  'two servers, prompts, resources, look-alikes': lockOf(
    {
      name: 'a',
      tools: [{ name: 'exec_cmd', description: 'Run a shell command', inputSchema: { type: 'object', properties: { cmd: { type: 'string' } } } }],
      prompts: [{ name: 'p1', description: 'prompt', arguments: [{ name: 'x', required: true }, { name: 'constructor' }] }],
      resources: [{ uri: 'file:///etc/passwd', name: 'pw' }, { uri: 'http://169.254.169.254/latest', name: 'meta' }],
    },
    {
      name: 'b',
      tools: [{ name: 'exec_cmd', description: 'Run a shell command', inputSchema: { type: 'object' } }, { name: 'еxec_cmd', description: 'lookalike' }],
      resourceTemplates: [{ uriTemplate: 'file:///{path}', name: 't' }],
    },
  ),
  'missing and null fields': lockOf({ name: 'n', tools: [{ name: 'bare' }, { name: 'nulls', description: null as never, title: 7 as never, inputSchema: { type: 'object', properties: { a: null as never } }, annotations: { readOnlyHint: 'yes' } }] }),
  'odd arrays': lockOf({
    name: 'w',
    tools: [
      { name: 'arr', description: 'd', inputSchema: { type: 'object', properties: { a: { type: ['string', 'null'] } }, required: [], examples: [[], [[]], [{}], [{ constructor: 'x' }]], enum: [[1], 'a'] } },
      { name: 'num', description: 'a_b', inputSchema: { type: 'object', required: ['a', 1 as never], enum: ['a', 'b'], examples: ['a'] } },
    ],
  }),
};

const lockCache = new Map<string, Lockfile>();
const lockNamed = (name: string) => {
  let lock = lockCache.get(name);
  if (!lock) lockCache.set(name, (lock = parseLockfile(LOCKS[name]!, name)));
  return lock;
};

/** The input as `policy check --lock` builds it for these policies (derived fields only when named, MTF when named). */
const DERIVED = ['descriptionSignals', 'risk_level', 'risk_reasons', 'capabilities', 'shadows', 'mtf'];
const inputCache = new Map<string, unknown>();
function inputFor(lock: Lockfile, compiled: CompiledPolicy[]) {
  const names = referencedNames(...compiled.map((c) => c.policy));
  // The input depends on the names only through the derived fields they ask for.
  const key = `${Object.keys(LOCKS).find((k) => lockCache.get(k) === lock)}:${DERIVED.filter((n) => names.has(n)).join(',')}`;
  let input = inputCache.get(key);
  if (input === undefined) {
    const mtf = names.has('mtf') ? () => new Map(scanLockfile(lock).servers.map((s) => [s.server, mtfServerDoc(s)])) : undefined;
    inputCache.set(key, (input = buildPolicyInput({ lock, mtf }, { names })));
  }
  return input;
}

const stripped = (c: CompiledPolicy): CompiledPolicy => ({ ...c, rules: c.rules.map(({ rule, program }) => ({ rule, program })) });

/** evaluatePolicies' answer without the per-rule times: the result, or the PolicyError's code, message and details. */
function verdict(compiled: CompiledPolicy[], input: unknown, timeoutMs = 2000): unknown {
  try {
    const result = evaluatePolicies(compiled, input, { timeoutMs });
    return { result: { ...result, rules: result.rules.map(({ ms: _ms, ...r }) => r) } };
  } catch (error) {
    if (!(error instanceof PolicyError)) throw error;
    return { error: { code: error.code, message: error.message, details: error.details } };
  }
}

function policyText(exprs: readonly string[], mode = 'strict'): string {
  return `name: t\nmode: ${mode}\nrules:\n${exprs.map((e, i) => `  - name: r${i}\n    expr: '${e.replace(/'/g, "''")}'\n    failure_msg: rule ${i} failed\n`).join('')}`;
}

const FIXED_RULES = [
  'input.tools.all(t, !("constructor" in t.inputSchema.properties))',
  'input.tools.exists(t, has(t.inputSchema.properties) && "__proto__" in t.inputSchema.properties)',
  'input.tools.all(t, !has(t.inputSchema.properties) || size(t.inputSchema.properties) < 6)',
  'input.tools.all(t, !has(t.inputSchema.required) || t.inputSchema.required.all(r, r in t.inputSchema.properties))',
  'input.tools.all(t, !has(t.inputSchema.enum) || "a" in t.inputSchema.enum)',
  'input.tools.all(t, size(t.description) < 12)',
  'input.tools.all(t, t.description.matches("^[^\\\\uD800-\\\\uDFFF]*$"))',
  'input.tools.exists(t, t.name == "__proto__")',
  'input.tools.map(t, t.name).exists(n, n == "constructor")',
  '"hasOwnProperty" in input.tools.map(t, t.name)',
  'input.prompts.items.all(p, p.arguments.all(a, a.required))',
  'input.resources.items.all(r, !r.internal)',
  '!("file" in input.resources.schemes)',
  'input.servers.all(s, size(s.tools) > 0)',
  'input.tools.all(t, t.annotations.all(k, true))',
  'input.server.name == "p"',
  'input.tools[0].name != "x"',
  'input.tools.all(t, t.inputSchema.properties["constructor"].type == "string")',
  'input.tools.all(t, !has(t.inputSchema.properties) || !("__proto__" in t.inputSchema.properties) || t.inputSchema.properties["__proto__"].type == "string")',
  'input.tools.all(t, t.inputSchema.type == "object")',
  'input.tools.all(t, !has(t.annotations.readOnlyHint) || t.annotations.readOnlyHint)',
  'input.tools.all(t, size(t.shadows) == 0)',
  'input.tools.all(t, t.risk_level != "HIGH")',
  'input.tools.all(t, t.descriptionSignals.all(s, s.severity != "high"))',
  'input.mtf.servers.all(m, m.passed)',
  'input.tools.exists_one(t, t.name.startsWith("exec"))',
  'size(input.tools.filter(t, t.name.contains("_"))) == 1',
  'input.tools.all(t, t.name.size() == size(t.name))',
  'input.tools.all(t, !t.flags.confusable && !t.flags.nonAscii)',
  'input.tools.all(t, t.inputSchema.size() > 0)',
  'input.tools.all(t, !has(t.inputSchema.examples) || size(t.inputSchema.examples) < 3)',
  'input.tools.all(t, !has(t.inputSchema.examples) || t.inputSchema.examples.all(e, size(e) < 2))',
  'input.tools.all(t, !has(t.inputSchema.enum) || t.inputSchema.enum[0] == "a")',
  'input.tools.all(input, input.name != "")',
  'input.tools.all(t, input.tools.exists(u, u.name == t.name))',
  'input.servers.all(s, s.tools.all(t, t.server == s.name))',
  'input.drift.hasDrift || !input.drift.checked',
  'input.prompts.names.all(n, n in input.prompts.definitions)',
  'input.tools.all(t, t.outputSchema == null)',
  'input.tools.all(t, t.title == "" || size(t.title) < 10)',
  'input.tools.all(t, t.name in input.tools.map(u, size(u.name)).filter(n, n > 1000) || true)',
];

describe('hostile lockfiles: evaluatePolicies with the closures answers as without them', () => {
  it('each fixed rule alone, and all of them in one policy, on every hostile lockfile', () => {
    const bad: string[] = [];
    let evalErrors = 0;
    let fails = 0;
    for (const name of Object.keys(LOCKS)) {
      const lock = lockNamed(name);
      for (const exprs of [...FIXED_RULES.map((e) => [e]), FIXED_RULES]) {
        const compiled = [compilePolicy(parsePolicy(policyText(exprs), 'p.yaml'))];
        // Every one of them is in the closures' model.
        expect(compiled[0]!.rules.filter((r) => r.fast === undefined).map((r) => r.rule.expr)).toEqual([]);
        const input = inputFor(lock, compiled);
        const withClosures = verdict(compiled, input);
        const celAlone = verdict(compiled.map(stripped), input);
        if (!isDeepStrictEqual(withClosures, celAlone)) bad.push(`${name}: ${exprs.join(' ; ')}\n  closures: ${show(withClosures)}\n  cel-js:   ${show(celAlone)}`);
        if ((celAlone as { error?: { code: string } }).error?.code === 'EVAL_ERROR') evalErrors++;
        if ((celAlone as { result?: { passed: boolean } }).result?.passed === false) fails++;
      }
    }
    expect(bad).toEqual([]);
    // Verdicts of every kind were compared: errors, failures (with their offending names), passes.
    expect(evalErrors).toBeGreaterThan(10);
    expect(fails).toBeGreaterThan(10);
  });
});

// Generated rules over the documented input fields, so that compilePolicy's type check lets them
// through: what a policy author can write, over hostile lockfiles.
type Kind = 'tool' | 'server' | 'prompt' | 'resource' | 'signal' | 'str' | 'dyn';
const LISTS: Record<Kind | 'input', [string, Kind][]> = {
  input: [['input.tools', 'tool'], ['input.servers', 'server'], ['input.prompts.items', 'prompt'], ['input.resources.items', 'resource'], ['input.resources.templates', 'resource'], ['input.prompts.names', 'str'], ['input.resources.schemes', 'str'], ['input.mtf.servers', 'dyn'], ['input.drift.items', 'dyn'], ['input.tools.filter(f, f.hasDescription)', 'tool']],
  tool: [['$.nameSignals', 'signal'], ['$.descriptionSignals', 'signal'], ['$.shadows', 'str'], ['$.capabilities', 'str'], ['$.risk_reasons', 'str'], ['$.inputSchema.required', 'dyn'], ['$.inputSchema.enum', 'dyn'], ['$.inputSchema.examples', 'dyn']],
  server: [['$.tools', 'tool'], ['$.prompts', 'prompt'], ['$.resources', 'resource'], ['$.transport.args', 'str']],
  prompt: [['$.arguments', 'dyn'], ['$.nameSignals', 'signal'], ['$.descriptionSignals', 'signal']],
  resource: [['$.descriptionSignals', 'signal']],
  signal: [],
  str: [],
  dyn: [['$', 'dyn']],
};
const STRS: Record<Kind, string[]> = {
  tool: ['$.name', '$.description', '$.title', '$.server', '$.risk_level', '$.inputSchema.type', '$.annotations.title', '$.inputSchema.properties["__proto__"].type', '$.inputSchema.properties["constructor"].type', '$.inputSchema.properties.a.type', '$.inputSchema.required[0]'],
  server: ['$.name', '$.identity.name', '$.identity.version', '$.transport.type', '$.identity.instructions'],
  prompt: ['$.name', '$.description', '$.server'],
  resource: ['$.uri', '$.scheme', '$.name', '$.server'],
  signal: ['$.kind', '$.severity', '$.evidence'],
  str: ['$'],
  dyn: ['$', '$.name', '$[0]'],
};
const BOOLS: Record<Kind, string[]> = {
  tool: ['$.hasDescription', '$.flags.nonAscii', '$.flags.confusable', '$.annotations.readOnlyHint', 'has($.inputSchema.properties)', 'has($.annotations.readOnlyHint)', 'has($.inputSchema.required)', 'has($.inputSchema.properties.a)'],
  server: ['has($.identity.capabilities.tools)', 'has($.identity.serverInfo.name)'],
  prompt: ['$.hasDescription'],
  resource: ['$.internal', '$.traversal'],
  signal: [],
  str: [],
  dyn: ['$', '$.required', 'has($.name)', '$.passed'],
};
const MAPS: Record<Kind, string[]> = {
  tool: ['$.inputSchema', '$.inputSchema.properties', '$.annotations', '$.outputSchema'],
  server: ['$.identity.capabilities', '$.identity.serverInfo'],
  prompt: [],
  resource: [],
  signal: [],
  str: [],
  dyn: ['$'],
};
const LITERALS = ['""', '"a"', '"exec"', '"__proto__"', '"constructor"', '"object"', '"HIGH"', '"file"', '"😀"', '"\\uD800"', '"_"'];
const PATTERNS = ['"^[a-z_]+$"', '"^$"', '"\\\\s"', '"[\\\\uD800-\\\\uDFFF]"', '"(?:a|b)+"', '"^.{0,3}$"'];

function ruleGenerator(seed: number) {
  const rnd = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  let counter = 0;
  const at = (template: string, v: string) => template.replace(/\$/g, v);
  type Var = [string, Kind];
  const str = (vars: Var[]): string => {
    const options = vars.flatMap(([v, k]) => STRS[k].map((t) => at(t, v)));
    return options.length > 0 && rnd() < 0.85 ? pick(options) : pick(LITERALS);
  };
  const listOf = (vars: Var[]): Var => {
    const options: Var[] = [...LISTS.input, ...vars.flatMap(([v, k]) => LISTS[k].map(([t, kind]): Var => [at(t, v), kind]))];
    return pick(options);
  };
  const mapOf = (vars: Var[]): string | undefined => {
    const options = vars.flatMap(([v, k]) => MAPS[k].map((t) => at(t, v)));
    return options.length > 0 ? pick(options) : undefined;
  };
  const pred = (depth: number, vars: Var[]): string => {
    const r = rnd();
    if (depth <= 0 || r < 0.25) {
      const q = rnd();
      const bools = vars.flatMap(([v, k]) => BOOLS[k].map((t) => at(t, v)));
      if (q < 0.25 && bools.length > 0) return pick(bools);
      if (q < 0.45) return `${str(vars)} ${pick(['==', '!='])} ${str(vars)}`;
      if (q < 0.65) return `${str(vars)}.${pick(['startsWith', 'endsWith', 'contains'])}(${str(vars)})`;
      if (q < 0.75) return `${str(vars)}.matches(${pick(PATTERNS)})`;
      if (q < 0.85) return `size(${str(vars)}) ${pick(['<', '<=', '>', '>=', '==', '!='])} ${pick(['0', '1', '3', '12'])}`;
      const m = mapOf(vars);
      if (q < 0.93 && m) return rnd() < 0.5 ? `${str(vars)} in ${m}` : `size(${m}) ${pick(['<', '==', '>'])} ${pick(['0', '1', '2'])}`;
      return `${str(vars)} in ${listOf(vars)[0]}`;
    }
    if (r < 0.4) return `${pred(depth - 1, vars)} ${pick(['&&', '||'])} ${pred(depth - 1, vars)}`;
    if (r < 0.47) return `!(${pred(depth - 1, vars)})`;
    if (r < 0.52) return `(${pred(depth - 1, vars)} ? ${pred(depth - 1, vars)} : ${pred(depth - 1, vars)})`;
    const [list, kind] = listOf(vars);
    // Sometimes the same name again (shadowing), sometimes `input` itself as the variable.
    const name = rnd() < 0.1 ? 'input' : rnd() < 0.15 && vars.length > 0 ? vars[0]![0] : `v${counter++ % 4}`;
    const inner: Var[] = [...vars.filter(([v]) => v !== name), [name, kind]];
    const body = () => pred(depth - 1, inner);
    if (r < 0.8) return `${list}.${pick(['all', 'exists', 'exists_one'])}(${name}, ${body()})`;
    if (r < 0.88) return `size(${list}.filter(${name}, ${body()})) ${pick(['==', '<', '>='])} ${pick(['0', '1', '2'])}`;
    if (r < 0.94) return `${list}.map(${name}, ${str(inner)}).exists(w, w == ${str(vars)})`;
    return `size(${list}) ${pick(['==', '>', '<'])} ${pick(['0', '1', '2'])}`;
  };
  return () => pred(3, []);
}

/**
 * Draws rules from `next` until `count` of them pass compilePolicy (at most 200,000 draws), and
 * calls `each` with those that compile to closures too. Returns how many passed.
 */
function forAcceptedRules(next: () => string, count: number, each: (expr: string, compiled: CompiledPolicy[], fast: FastRule) => void): number {
  let accepted = 0;
  for (let i = 0; accepted < count && i < 200_000; i++) {
    const expr = next();
    let compiled: CompiledPolicy[];
    try {
      compiled = [compilePolicy(parsePolicy(policyText([expr]), 'g.yaml'))];
    } catch {
      continue;
    }
    accepted++;
    const fast = compiled[0]!.rules[0]!.fast;
    if (fast !== undefined) each(expr, compiled, fast);
  }
  return accepted;
}

describe('generated rules over the documented input of hostile lockfiles: the same verdicts', () => {
  it('600 rules that pass compilePolicy, each alone on every hostile lockfile', () => {
    const next = ruleGenerator(Number(process.env.R8_SEED ?? 20260808));
    const locks = Object.keys(LOCKS).map(lockNamed);
    const bad: string[] = [];
    let decided = 0;
    let runs = 0;
    const kinds = new Map<string, number>();
    const accepted = forAcceptedRules(next, Number(process.env.R8_N ?? 600), (expr, compiled, fast) => {
      for (const lock of locks) {
        const input = inputFor(lock, compiled);
        const withClosures = verdict(compiled, input);
        const celAlone = verdict(compiled.map(stripped), input);
        runs++;
        if ((outcome(() => fast(input)) as { error?: string }).error !== 'FAST_BAIL') decided++;
        const kind = 'error' in (celAlone as object) ? (celAlone as { error: { code: string } }).error.code : String((celAlone as { result: { passed: boolean } }).result.passed);
        kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
        if (!isDeepStrictEqual(withClosures, celAlone)) bad.push(`${expr} on ${Object.keys(LOCKS).find((k) => lockCache.get(k) === lock)}\n  closures: ${show(withClosures)}\n  cel-js:   ${show(celAlone)}`);
      }
    });
    expect(bad.slice(0, 5)).toEqual([]);
    expect(accepted).toBe(Number(process.env.R8_N ?? 600));
    // Every kind of verdict, and the closures deciding a good share of them.
    expect(kinds.get('true')).toBeGreaterThan(runs / 10);
    expect(kinds.get('false')).toBeGreaterThan(runs / 10);
    expect(kinds.get('EVAL_ERROR')).toBeGreaterThan(runs / 40);
    expect(decided).toBeGreaterThan(runs / 3);
  });
});

// ---------------------------------------------------------------------------------------------
// Through the bin: `mcptrust policy check` answers as cel-js alone (the CLI in-process, closures off)
// ---------------------------------------------------------------------------------------------

describe('the shipped bin on hostile lockfiles answers as cel-js alone', () => {
  const scratch = tempDir('mcptrust-round8-');
  const env = { PATH: process.env.PATH, HOME: scratch.dir, NO_COLOR: '1' };
  afterAll(() => scratch.cleanup());

  /** The rules that cel-js alone evaluates without error on this lockfile (so the output holds verdicts and offending names). */
  function evaluable(lockName: string): string[] {
    return FIXED_RULES.filter((expr) => {
      const compiled = [stripped(compilePolicy(parsePolicy(policyText([expr]), 'p.yaml')))];
      return !('error' in (verdict(compiled, inputFor(lockNamed(lockName), compiled)) as object));
    });
  }

  async function both(argv: string[]) {
    const shipped = await spawnCli(argv, { cwd: scratch.dir, env });
    switches.celOnly = true;
    try {
      const celAlone = await runCli(argv, { cwd: scratch.dir, env });
      return { shipped, celAlone };
    } finally {
      switches.celOnly = false;
    }
  }

  it.each(Object.keys(LOCKS))('%s: every fixed rule (errors listed), and the evaluable ones (verdicts, offending names), json and text', async (lockName) => {
    const lock = join(scratch.dir, `${lockName.replace(/\W+/g, '-')}.lock.json`);
    writeFileSync(lock, LOCKS[lockName]!);
    const all = join(scratch.dir, 'all.yaml');
    const ok = join(scratch.dir, 'ok.yaml');
    writeFileSync(all, policyText(FIXED_RULES));
    const rules = evaluable(lockName);
    writeFileSync(ok, policyText(rules, 'warn'));
    const codes: number[] = [];
    for (const argv of [
      ['policy', 'check', '--policy', all, '--lock', lock, '--format', 'json'],
      ['policy', 'check', '--policy', ok, '--lock', lock, '--format', 'json'],
      ['policy', 'check', '--policy', ok, '--policy', all, '--lock', lock, '--format', 'text'],
    ]) {
      const { shipped, celAlone } = await both(argv);
      expect({ code: shipped.code, stdout: shipped.stdout, stderr: shipped.stderr }, argv.join(' ')).toEqual({ code: celAlone.code, stdout: celAlone.stdout, stderr: celAlone.stderr });
      codes.push(shipped.code);
    }
    // The evaluable rules give a verdict (warn mode: exit 0), the others an evaluation error (exit 2).
    expect(codes.slice(1, 2)).toEqual([0]);
    expect(rules.length).toBeGreaterThan(10);
  });
});

// ---------------------------------------------------------------------------------------------
// Time limits and megabyte texts
// ---------------------------------------------------------------------------------------------

const timeoutMessage = (policy: string, rule: string, ms: number) =>
  `error: ${policy}: rule "${rule}" did not finish within ${ms} ms; simplify the expression (nested comprehensions, costly matches()) or raise --rule-timeout\n`;

describe('the time limit stops rules the closures decide, as it stopped cel-js', () => {
  const scratch = tempDir('mcptrust-round8-time-');
  const env = { PATH: process.env.PATH, HOME: scratch.dir, NO_COLOR: '1' };
  const many = join(scratch.dir, 'many.lock.json');
  const longNames = join(scratch.dir, 'long-names.lock.json');
  const mega = join(scratch.dir, 'mega.lock.json');
  const MEGA = `${'\u{1F600}a\uD800'.repeat(262_144)}needle`;
  const megaText = lockOf({ name: 's', tools: [{ name: 'big', description: MEGA, inputSchema: { type: 'object' } }, { name: 'small', description: 'needle', inputSchema: { type: 'object' } }] });
  beforeAll(() => {
    writeFileSync(many, lockOf({ name: 's', tools: Array.from({ length: 2000 }, (_, i) => ({ name: `tool_${i}`, description: 'd', inputSchema: { type: 'object' } })) }));
    writeFileSync(longNames, lockOf({ name: 's', tools: [{ name: `${'a'.repeat(48)}!`, description: 'd', inputSchema: { type: 'object' } }, { name: 'b', description: 'd', inputSchema: { type: 'object' } }] }));
    writeFileSync(mega, megaText);
  });
  afterAll(() => scratch.cleanup());

  it('the module mock really switches the closures off (so the comparisons above compare something)', () => {
    const policy = parsePolicy(policyText(['size(input.tools) >= 0']), 'p.yaml');
    expect(compilePolicy(policy).rules[0]!.fast).toBeTypeOf('function');
    switches.celOnly = true;
    try {
      expect(compilePolicy(policy).rules[0]!.fast).toBeUndefined();
    } finally {
      switches.celOnly = false;
    }
  });

  it.each([
    ['nested quantifiers over 2,000 tools', 'input.tools.all(a, input.tools.all(b, input.tools.all(c, a.name != "" || b.name != c.name)))', 'many'],
    ['a catastrophic matches() over a long tool name', 'input.tools.all(t, !t.name.matches("^(a|a)+$"))', 'longNames'],
    ['a catastrophic matches() inside filter and size', 'size(input.tools.filter(t, t.name.matches("^(a|aa)+$"))) == 0', 'longNames'],
  ])('%s: exit 2, EVAL_TIMEOUT at --rule-timeout, exactly as cel-js alone', async (_label, expr, which) => {
    const policy = join(scratch.dir, 'slow.yaml');
    writeFileSync(policy, policyText([expr]));
    const lock = which === 'many' ? many : longNames;
    // The closures decide this rule (it is not left to cel-js): the time limit stops the closures.
    const compiled = compilePolicy(parsePolicy(policyText([expr]), 'p.yaml'));
    const small = buildPolicyInput({ lock: parseLockfile(lockOf({ name: 's', tools: [{ name: 'x', inputSchema: { type: 'object' } }] }), 's') });
    expect(outcome(() => compiled.rules[0]!.fast!(small))).toEqual({ value: expect.any(Boolean) });
    const argv = ['policy', 'check', '--policy', policy, '--lock', lock, '--format', 'json', '--rule-timeout', '300ms'];
    const shipped = await spawnCli(argv, { cwd: scratch.dir, env });
    expect(shipped.code).toBe(2);
    expect(shipped.stdout).toBe('');
    expect(shipped.stderr).toBe(timeoutMessage(policy, 'r0', 300));
    switches.celOnly = true;
    try {
      const celAlone = await runCli(argv, { cwd: scratch.dir, env });
      expect({ code: celAlone.code, stdout: celAlone.stdout, stderr: celAlone.stderr }).toEqual({ code: 2, stdout: '', stderr: shipped.stderr });
    } finally {
      switches.celOnly = false;
    }
  });

  it('a 1 MB description (pairs and lone surrogates): size(), contains(), endsWith(), matches() decided by the closures, as cel-js decides them', async () => {
    const exprs = [
      `input.tools.exists(t, size(t.description) == ${[...MEGA].length})`,
      `input.tools.all(t, t.description.size() < ${MEGA.length})`,
      'input.tools.all(t, t.description.contains("needle"))',
      'input.tools.all(t, t.description.endsWith("needle"))',
      'input.tools.all(t, t.description.matches("needle$"))',
      'input.tools.all(t, t.description.matches("^[^\\\\uD800]*$"))',
      'input.tools.exists(t, t.description.startsWith("\u{1F600}a"))',
      'size(input.tools.filter(t, size(t.description) > 700000)) == 1',
      `input.tools.all(t, t.name == "small" || t.description.contains("${'a'.repeat(3)}"))`,
    ];
    const lock = parseLockfile(megaText, 'mega');
    const compiled = [compilePolicy(parsePolicy(policyText(exprs, 'warn'), 'p.yaml'))];
    const input = buildPolicyInput({ lock }, { names: referencedNames(...compiled.map((c) => c.policy)) });
    for (const { rule, program, fast } of compiled[0]!.rules) {
      const own = outcome(() => fast!(input));
      expect(own, rule.expr).not.toEqual({ error: 'FAST_BAIL' });
      expect(own, rule.expr).toEqual(outcome(() => program({ input })));
    }
    expect(verdict(compiled, input)).toEqual(verdict(compiled.map(stripped), input));
    const policy = join(scratch.dir, 'mega.yaml');
    writeFileSync(policy, policyText(exprs, 'warn'));
    const argv = ['policy', 'check', '--policy', policy, '--lock', mega, '--format', 'json'];
    const shipped = await spawnCli(argv, { cwd: scratch.dir, env });
    switches.celOnly = true;
    try {
      const celAlone = await runCli(argv, { cwd: scratch.dir, env });
      expect({ code: shipped.code, stdout: shipped.stdout, stderr: shipped.stderr }).toEqual({ code: celAlone.code, stdout: celAlone.stdout, stderr: celAlone.stderr });
    } finally {
      switches.celOnly = false;
    }
    const statuses = (JSON.parse(shipped.stdout) as { policy: { rules: { status: string }[] } }).policy.rules.map((r) => r.status);
    expect(statuses).toEqual(['pass', 'pass', 'pass', 'pass', 'pass', 'fail', 'pass', 'pass', 'fail']);
  });
});

// ---------------------------------------------------------------------------------------------
// Findings
// ---------------------------------------------------------------------------------------------

// cel-js evaluates a method call's argument before its receiver (resolveAstArray walks
// [receiver, ...args] from the last), and an argument that errs ends the call there: the receiver
// is never evaluated. The closures evaluate the receiver first (compileReceiverCall: `test(string(
// of(frame)), string(arg(frame)))`), so they run the receiver — any amount of work — before they
// meet the argument's error and leave the rule to cel-js. When `||`, `&&` or a quantifier absorbs
// that error, cel-js alone gives a verdict at once; with the closures the rule runs out of time,
// or the process out of memory.
const SLOW_RECEIVER = '(input.tools[0].name.matches("^(a|a)+$") ? "x" : "y").startsWith(input.tools[5].name) || size(input.tools) < 5';
const SLOW_RECEIVER_MATCHES = 'input.tools.exists(t, (t.name.matches("^(a|a)+$") ? "x" : "y").matches(input.tools[5].name)) || size(input.tools) < 5';
const HUGE_RECEIVER = '(size(input.tools.map(a, input.tools.map(b, a.name))) > 0 ? "x" : "y").contains(input.tools[100000].name) || size(input.tools) > 0';
const slowLock = () => lockOf({ name: 's', tools: [{ name: `${'a'.repeat(48)}!`, description: 'd', inputSchema: { type: 'object' } }, { name: 'b', description: 'd', inputSchema: { type: 'object' } }] });

describe('finding (fixed): the closures evaluated a receiver cel-js never evaluates (its argument errs first)', () => {
  const scratch = tempDir('mcptrust-round8-order-');
  const env = { PATH: process.env.PATH, HOME: scratch.dir, NO_COLOR: '1' };
  afterAll(() => scratch.cleanup());
  const compiledOf = (expr: string) => [compilePolicy(parsePolicy(policyText([expr]), 'p.yaml'))];

  it('the premise: cel-js alone evaluates the argument first, never the receiver, and passes these rules at once', () => {
    const order: string[] = [];
    const input: Record<string, unknown> = {};
    Object.defineProperty(input, 'r', { enumerable: true, get: () => (order.push('receiver'), 'abc') });
    Object.defineProperty(input, 'a', { enumerable: true, get: () => (order.push('argument'), 'a') });
    checked('input.r.startsWith(input.a)')({ input });
    expect(order).toEqual(['argument', 'receiver']);
    const lock = parseLockfile(slowLock(), 'slow');
    for (const expr of [SLOW_RECEIVER, SLOW_RECEIVER_MATCHES]) {
      const compiled = compiledOf(expr);
      expect(compiled[0]!.rules[0]!.fast, expr).toBeTypeOf('function');
      expect(verdict(compiled.map(stripped), inputFor2(lock, compiled), 300), expr).toEqual({ result: expect.objectContaining({ passed: true }) });
    }
  });

  it('the closures evaluate the argument first, as cel-js does', () => {
    const order: string[] = [];
    const input: Record<string, unknown> = {};
    Object.defineProperty(input, 'r', { enumerable: true, get: () => (order.push('receiver'), 'abc') });
    Object.defineProperty(input, 'a', { enumerable: true, get: () => (order.push('argument'), 'a') });
    compileFast(checked('input.r.startsWith(input.a)').ast)!(input);
    expect(order).toEqual(['argument', 'receiver']);
  });

  it('in process: a rule cel-js alone passes at once passes with the closures too (it ran out of time, EVAL_TIMEOUT)', () => {
    const lock = parseLockfile(slowLock(), 'slow');
    for (const expr of [SLOW_RECEIVER, SLOW_RECEIVER_MATCHES]) {
      const compiled = compiledOf(expr);
      const input = inputFor2(lock, compiled);
      expect(verdict(compiled, input, 300), expr).toEqual(verdict(compiled.map(stripped), input, 300));
    }
  });

  it('through the bin: exit 0 and a pass, as with cel-js alone (it was exit 2 "did not finish within 300 ms")', async () => {
    const lock = join(scratch.dir, 'slow.lock.json');
    const policy = join(scratch.dir, 'order.yaml');
    writeFileSync(lock, slowLock());
    writeFileSync(policy, policyText([SLOW_RECEIVER]));
    const argv = ['policy', 'check', '--policy', policy, '--lock', lock, '--format', 'json', '--rule-timeout', '300ms'];
    switches.celOnly = true;
    let celAlone;
    try {
      celAlone = await runCli(argv, { cwd: scratch.dir, env });
    } finally {
      switches.celOnly = false;
    }
    const shipped = await spawnCli(argv, { cwd: scratch.dir, env });
    expect(celAlone.code).toBe(0);
    expect({ code: shipped.code, stdout: shipped.stdout, stderr: shipped.stderr }).toEqual({ code: celAlone.code, stdout: celAlone.stdout, stderr: celAlone.stderr });
  });

  it('through the bin: a receiver of 36 million elements cel-js never builds is not built (it killed the process with a heap of 200 MB: SIGABRT)', async () => {
    const lock = join(scratch.dir, 'wide.lock.json');
    const policy = join(scratch.dir, 'huge.yaml');
    writeFileSync(lock, lockOf({ name: 's', tools: Array.from({ length: 6000 }, (_, i) => ({ name: `tool_${i}`, description: 'd', inputSchema: { type: 'object' } })) }));
    writeFileSync(policy, policyText([HUGE_RECEIVER]));
    const argv = ['policy', 'check', '--policy', policy, '--lock', lock, '--format', 'json', '--rule-timeout', '60s'];
    switches.celOnly = true;
    let celAlone;
    try {
      celAlone = await runCli(argv, { cwd: scratch.dir, env });
    } finally {
      switches.celOnly = false;
    }
    expect(celAlone.code).toBe(0);
    const shipped = await spawnCli(argv, { cwd: scratch.dir, env: { ...env, NODE_OPTIONS: '--max-old-space-size=200' }, timeoutMs: 60_000 });
    expect({ code: shipped.code, stdout: shipped.stdout }).toEqual({ code: 0, stdout: celAlone.stdout });
  });
});

// A rule the closures leave late (the last element errs) was evaluated twice within one time
// limit: the closures' work up to the bail, then cel-js's from the start. Over costly patterns a
// rule that took 60% of --rule-timeout with cel-js alone ran out of time (through the bin: 12
// tools with a 22-character description, pattern "^(a|a)*b$", --rule-timeout 1300ms: exit 0
// before, exit 2 EVAL_TIMEOUT). Now each evaluation is armed with the whole limit: the closures'
// under one, and cel-js's after a bail under another, so cel-js decides as it decides alone.
describe('finding (fixed): a late bail spent the time limit twice', () => {
  it('the closures and, after their bail, cel-js each run under the whole --rule-timeout', () => {
    const tools = Array.from({ length: 12 }, (_, i) => ({ name: `t${String(i).padStart(2, '0')}`, description: `${'a'.repeat(8)}c`, inputSchema: { type: 'object' } }));
    tools.push({ name: 'zz', description: 'x', inputSchema: {} as { type: string } });
    const lock = parseLockfile(lockOf({ name: 's', tools }), 'late');
    const compiled = [compilePolicy(parsePolicy(policyText(['input.tools.all(t, !t.description.matches("^(a|a)*b$") && t.inputSchema.type == "object") || size(input.tools) > 0']), 'p.yaml'))];
    const input = inputFor2(lock, compiled);
    expect(compiled[0]!.rules[0]!.fast).toBeTypeOf('function');
    const run = Script.prototype.runInThisContext;
    const limits: unknown[] = [];
    Script.prototype.runInThisContext = function (this: Script, options?: RunningScriptOptions) {
      limits.push(options?.timeout);
      return run.call(this, options);
    };
    try {
      expect(evaluatePolicies(compiled, input, { timeoutMs: 1300 }).passed).toBe(true);
    } finally {
      Script.prototype.runInThisContext = run;
    }
    // The closures ran until the last tool and left the rule; cel-js then ran it under a limit of its own.
    expect(limits).toEqual([1300, 1300]);
  });

  it('a rule the closures decide is evaluated once, under one limit', () => {
    const lock = parseLockfile(lockOf({ name: 's', tools: [{ name: 't', description: 'd', inputSchema: { type: 'object' } }] }), 'once');
    const compiled = [compilePolicy(parsePolicy(policyText(['input.tools.all(t, t.inputSchema.type == "object")']), 'p.yaml'))];
    const input = inputFor2(lock, compiled);
    const run = Script.prototype.runInThisContext;
    let calls = 0;
    Script.prototype.runInThisContext = function (this: Script, options?: RunningScriptOptions) {
      calls++;
      return run.call(this, options);
    };
    try {
      expect(evaluatePolicies(compiled, input, { timeoutMs: 1300 }).passed).toBe(true);
    } finally {
      Script.prototype.runInThisContext = run;
    }
    expect(calls).toBe(1);
  });
});

// For `list[i]` and `map[k]` the closures first type the container by its first element, and that
// element's first one, and so on (typedByFirst: a for-in over each map on the way), which cel-js
// does not do for an index (fieldAccess reads the one element). A for-in over a map of many keys
// (a dictionary-mode object: JSON.parse makes one past ~1,000 keys) lists them all, so every
// `properties[r]` costs the number of properties: quadratic where cel-js is linear. Measured
// through the bin, default --rule-timeout: one tool with 20,000 parameters, all required (a 2.1 MB
// lockfile), rule REQUIRED_TYPED: 0.19 s and a pass before, exit 2 EVAL_TIMEOUT now; five tools
// whose properties begin with a 240-deep "0" chain and list "a" 30,000 times as required (3.8 MB):
// the same.
const REQUIRED_TYPED = 'input.tools.all(t, !has(t.inputSchema.required) || t.inputSchema.required.all(r, t.inputSchema.properties[r].type != ""))';
function wideLock(parameters: number): string {
  const properties: Record<string, { type: string }> = {};
  for (let i = 0; i < parameters; i++) properties[`p${i}`] = { type: 'string' };
  return lockOf({ name: 's', tools: [{ name: 'wide', description: 'd', inputSchema: { type: 'object', properties, required: Object.keys(properties) } }] });
}
function deepLock(required: number): string {
  let deep: JsonValue = 'z';
  for (let i = 0; i < 240; i++) deep = { '0': deep };
  const tools = Array.from({ length: 5 }, (_, i) => ({ name: `t${i}`, description: 'd', inputSchema: { type: 'object', properties: { '0': deep, a: { type: 'string' } }, required: Array.from({ length: required }, () => 'a') } }));
  return lockOf({ name: 's', tools });
}

describe('finding (fixed): an index typed its container by its first element, as cel-js does not (quadratic on wide maps)', () => {
  const scratch = tempDir('mcptrust-round8-index-');
  const env = { PATH: process.env.PATH, HOME: scratch.dir, NO_COLOR: '1' };
  afterAll(() => scratch.cleanup());
  const cases = () => [
    ['8,000 parameters, all required', parseLockfile(wideLock(8000), 'wide')],
    ['5 tools, a 240-deep first property, 10,000 required', parseLockfile(deepLock(10_000), 'deep')],
  ] as const;

  it('the premise: cel-js alone passes the rule within 300 ms on these lockfiles, and the closures are in play', () => {
    const compiled = [compilePolicy(parsePolicy(policyText([REQUIRED_TYPED]), 'p.yaml'))];
    expect(compiled[0]!.rules[0]!.fast).toBeTypeOf('function');
    for (const [label, lock] of cases()) {
      expect(verdict(compiled.map(stripped), inputFor2(lock, compiled), 300), label).toEqual({ result: expect.objectContaining({ passed: true }) });
    }
  });

  it('in process: with the closures the rule passes as with cel-js alone (it ran out of time, EVAL_TIMEOUT)', () => {
    const compiled = [compilePolicy(parsePolicy(policyText([REQUIRED_TYPED]), 'p.yaml'))];
    for (const [label, lock] of cases()) {
      const input = inputFor2(lock, compiled);
      expect(verdict(compiled, input, 300), label).toEqual(verdict(compiled.map(stripped), input, 300));
    }
  });

  it('through the bin: exit 0 and a pass, as with cel-js alone (it was exit 2 "did not finish within 300 ms")', async () => {
    const lock = join(scratch.dir, 'wide.lock.json');
    const policy = join(scratch.dir, 'typed.yaml');
    writeFileSync(lock, wideLock(8000));
    writeFileSync(policy, policyText([REQUIRED_TYPED]));
    const argv = ['policy', 'check', '--policy', policy, '--lock', lock, '--format', 'json', '--rule-timeout', '300ms'];
    switches.celOnly = true;
    let celAlone;
    try {
      celAlone = await runCli(argv, { cwd: scratch.dir, env });
    } finally {
      switches.celOnly = false;
    }
    expect(celAlone.code).toBe(0);
    const shipped = await spawnCli(argv, { cwd: scratch.dir, env });
    expect({ code: shipped.code, stdout: shipped.stdout, stderr: shipped.stderr }).toEqual({ code: celAlone.code, stdout: celAlone.stdout, stderr: celAlone.stderr });
  });
});

function inputFor2(lock: Lockfile, compiled: CompiledPolicy[]) {
  return buildPolicyInput({ lock }, { names: referencedNames(...compiled.map((c) => c.policy)) });
}

// `policy test` reads a case's input document as any JSON object (NAME.input.json, through
// celJson): the documented field names with values of any JSON type. Generated rules over real
// inputs whose values were swapped for others (numbers, mixed lists, own "__proto__" and
// "constructor" keys, nulls…), as `policy test` would evaluate them.
function mutatedInputs(seed: number, count: number): unknown[] {
  const rnd = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const replacement = (): string =>
    pick([
      '1', '0', '-0', '1.5', '1e308', '12345678901234567890', 'null', 'true', 'false', '""', '"a"', '"\\ud800"', '"😀"', '[]', '[1, "a"]', '["a", 1]', '[null]', '[[["a"]]]', '[{}]', '{}',
      '{"__proto__": {"a": 1}, "name": "p"}', '{"constructor": "x", "name": "c"}', '{"name": "n", "type": "object"}', '{"0": "z", "a": []}', '[{"name": "x", "inputSchema": {"properties": {"__proto__": {"type": "string"}}}}]',
    ]);
  const bases = Object.keys(LOCKS).map((name) => policyInputJsonText(lockNamed(name)));
  const out: unknown[] = [];
  for (let i = 0; i < count; i++) {
    const value = JSON.parse(pick(bases)) as unknown;
    // Swap 1 to 4 random nodes.
    for (let k = 1 + Math.floor(rnd() * 4); k > 0; k--) {
      let node = value as Record<string, unknown> | unknown[];
      for (let depth = 0; depth < 6; depth++) {
        const keys = Object.keys(node);
        if (keys.length === 0) break;
        const key = pick(keys);
        const child = (node as Record<string, unknown>)[key];
        if (depth >= 1 && (rnd() < 0.3 || typeof child !== 'object' || child === null)) {
          Object.defineProperty(node, key, { value: JSON.parse(replacement()), enumerable: true, writable: true, configurable: true });
          break;
        }
        if (typeof child !== 'object' || child === null) break;
        node = child as Record<string, unknown>;
      }
    }
    out.push(celJson(JSON.parse(JSON.stringify(value)) as JsonValue));
  }
  return out;
}

function policyInputJsonText(lock: Lockfile): string {
  return policyInputJson(buildPolicyInput({ lock, mtf: () => new Map(scanLockfile(lock).servers.map((s) => [s.server, mtfServerDoc(s)])) }));
}

describe('generated rules over mutated input documents (policy test\'s NAME.input.json): the same verdicts', () => {
  it('rules that pass compilePolicy, each on mutated documents', () => {
    const next = ruleGenerator(Number(process.env.R8_SEED ?? 7));
    const inputs = mutatedInputs(Number(process.env.R8_SEED ?? 7), Number(process.env.R8_M ?? 60));
    const bad: string[] = [];
    let decided = 0;
    let runs = 0;
    const accepted = forAcceptedRules(next, Number(process.env.R8_N2 ?? 150), (expr, compiled, fast) => {
      for (const [j, input] of inputs.entries()) {
        const withClosures = verdict(compiled, input);
        const celAlone = verdict(compiled.map(stripped), input);
        runs++;
        if ((outcome(() => fast(input)) as { error?: string }).error !== 'FAST_BAIL') decided++;
        if (!isDeepStrictEqual(withClosures, celAlone)) bad.push(`${expr} on input ${j}: ${show(input).slice(0, 3000)}\n  closures: ${show(withClosures)}\n  cel-js:   ${show(celAlone)}`);
      }
    });
    expect(accepted).toBe(Number(process.env.R8_N2 ?? 150));
    expect(bad.slice(0, 3)).toEqual([]);
    expect(decided).toBeGreaterThan(runs / 4);
  });
});
