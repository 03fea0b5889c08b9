// Round 8 attack on d614ad1: `policy check` (and `policy input`) over a lockfile alone skip
// celJson when mayHoldConstructorKey(bytes) is false (no "constructor" in the bytes, no \u
// escape). The claim: then no object of the input has an own "constructor" key, so the input —
// and every verdict — is the same as with celJson.
//
// What was tried, and held (no finding):
// - keys the input builder makes from server-chosen names: input.prompts.definitions (prompt
//   names, taken as written: "CONSTRUCTOR" stays upper-case), input.resources.schemes (schemeOf
//   lower-cases "CONSTRUCTOR://x" to "constructor", but schemes is a list of strings, and the
//   record it is collected in has a null prototype), server names (a list of docs);
// - own "__proto__" keys from JSON.parse (in schemas, annotations, serverInfo, capabilities,
//   prompt and tool and server names) whose value is an object or an array: an own data property
//   "__proto__" leaves the prototype, so `v.constructor` is still Object for cel-js and the
//   closures alike;
// - look-alikes no step of the builder folds (full-width letters, a Cyrillic "о", "\/" and the
//   other escapes that are not \u, which cannot spell a letter);
// - the reader: JSON.parse of text decoded strictly from the same bytes (no reviver, no
//   normalisation; a UTF-8 sequence cannot decode to an ASCII letter), and parseTransport and
//   parseIdentity build their own objects with fixed keys.
// Each lockfile is checked through the shipped bin against the same file made to fail the byte
// proof by writing one letter of a description as a \u escape (the parsed lockfile is the same;
// policy check does not verify digests), which forces celJson: exit codes and stdout are equal.
//
// 4b96ae7 re-check: rules that index (`m[k]`, `l[i]`), macros over lists whose first element is
// odd (a double, null, an empty list, an own "__proto__" map, a Map made by celJson), and string
// methods whose argument errs, over the input built from these lockfiles, with the closures and
// with cel-js alone: the same result or the same error on every rule.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { parseLockfile } from '../../src/lockfile/parse.js';
import { compilePolicy, referencedNames, type CompiledPolicy } from '../../src/policy/compile.js';
import { PolicyError } from '../../src/policy/errors.js';
import { evaluatePolicies } from '../../src/policy/evaluate.js';
import { buildPolicyInput, mayHoldConstructorKey } from '../../src/policy/input.js';
import { parsePolicy } from '../../src/policy/load.js';
import { spawnCli, tempDir } from '../helpers/cli.js';
import { lockOf, obj } from '../helpers/lock-corpus.js';

const bytes = (text: string) => new TextEncoder().encode(text);

/** Server-chosen names that an input key or a folding step could turn into "constructor". */
const HOSTILE = lockOf(
  {
    name: '__proto__',
    serverInfo: obj([
      ['name', 'CONSTRUCTOR'],
      ['version', '1'],
      ['__proto__', ['a']],
    ]),
    capabilities: obj([
      ['__proto__', {}],
      ['tools', {}],
    ]),
    tools: [
      {
        name: '__proto__',
        description: 'hello',
        inputSchema: obj([
          ['type', 'object'],
          [
            'properties',
            obj([
              ['__proto__', obj([['type', 'string']])],
              ['CONSTRUCTOR', { type: 'string' }],
              ['Constructor', { type: 'number' }],
            ]),
          ],
          ['required', ['__proto__', 'CONSTRUCTOR']],
        ]),
        annotations: obj([['__proto__', []]]),
        outputSchema: obj([['__proto__', obj([['__proto__', 1.5]])]]),
      },
      { name: 'CONSTRUCTOR', description: 'x', inputSchema: { type: 'object', properties: { a: { type: 'string' } } } },
    ],
    prompts: [{ name: '__proto__' }, { name: 'CONSTRUCTOR', arguments: [{ name: '__proto__', required: true }] }, { name: 'Constructor' }],
    resources: [
      { uri: 'CONSTRUCTOR://x', name: 'r' },
      { uri: 'Constructor:y', name: 'r2' },
    ],
    resourceTemplates: [{ uriTemplate: 'CoNsTrUcToR:{id}', name: 't' }],
  },
  { name: 'CONSTRUCTOR', tools: [{ name: 'z', description: 'z', inputSchema: { type: 'object' } }] },
);

/** Look-alikes of the word that nothing folds, one written with a "\/" escape. */
const LOOKALIKE = lockOf({
  name: 'ｃｏｎｓｔｒｕｃｔｏｒ',
  tools: [
    {
      name: 'c\u043Enstructor',
      description: 'hello',
      inputSchema: obj([
        ['type', 'object'],
        [
          'properties',
          obj([
            ['ｃｏｎｓｔｒｕｃｔｏｒ', { type: 'string' }],
            ['c\u043Enstructor', { type: 'string' }],
            ['construct/or', { type: 'string' }],
            ['CONSTRUCTOR\t', { type: 'string' }],
          ]),
        ],
      ]),
    },
  ],
  prompts: [{ name: 'ｃｏｎｓｔｒｕｃｔｏｒ' }],
  resources: [{ uri: 'ＣＯＮＳＴＲＵＣＴＯＲ://x', name: 'r' }],
}).replace('"construct/or"', '"construct\\/or"');

/** The same lockfile, made to fail the byte proof: one letter of a description as a \u escape. */
const forced = (text: string) => {
  const out = text.replace('"description": "hello"', '"description": "hell\\u006f"');
  expect(out).not.toBe(text);
  return out;
};

const RULES = [
  ['schemes_folded', '"constructor" in input.resources.schemes'],
  ['scheme_each', 'input.resources.items.all(r, r.scheme == "constructor") && input.resources.templates.all(r, r.scheme == "constructor")'],
  ['definitions_keys', '"__proto__" in input.prompts.definitions && "CONSTRUCTOR" in input.prompts.definitions && !("constructor" in input.prompts.definitions) && size(input.prompts.definitions) == 3'],
  ['definitions_index', '!("__proto__" in input.prompts.definitions) || input.prompts.definitions["__proto__"].argumentsHash.startsWith("sha256:")'],
  ['definitions_all', 'input.prompts.definitions.all(k, k != "constructor")'],
  ['property_keys', 'input.tools.all(t, !has(t.inputSchema.properties) || t.inputSchema.properties.all(k, k != "constructor"))'],
  ['proto_property', 'input.tools.exists(t, has(t.inputSchema.properties.__proto__) && t.inputSchema.properties.__proto__.type == "string")'],
  ['required_in_properties', 'input.tools.all(t, !has(t.inputSchema.required) || t.inputSchema.required.all(r, r in t.inputSchema.properties))'],
  ['server_info', 'input.servers.exists(s, size(s.identity.serverInfo) == 3 && s.identity.serverInfo["__proto__"][0] == "a")'],
  ['annotations_proto', 'input.tools.all(t, !("__proto__" in t.annotations) || size(t.annotations["__proto__"]) == 0)'],
  ['capabilities_keys', 'input.servers.all(s, s.identity.capabilities.all(k, k != "constructor"))'],
  ['server_names', 'input.servers.map(s, s.name).exists(n, n == "__proto__")'],
  ['no_proto_property', 'input.tools.all(t, !has(t.inputSchema.properties) || !("__proto__" in t.inputSchema.properties))'],
] as const;
const POLICY = `name: p\nmode: strict\nrules:\n${RULES.map(([n, e]) => `  - name: ${n}\n    expr: '${e.replace(/'/g, "''")}'\n    failure_msg: ${n} failed\n`).join('')}`;

describe('d614ad1: the byte proof against hostile lockfiles (shipped bin, proved vs forced celJson)', () => {
  const scratch = tempDir('mcptrust-constructor-skip-');
  afterAll(() => scratch.cleanup());

  /** The lockfile written as it is (proved) and forced, each in its own folder as mcp-lock.json. */
  function place(label: string, text: string): { proved: string; forced: string } {
    const proved = join(scratch.dir, `${label}-proved`);
    const force = join(scratch.dir, `${label}-forced`);
    for (const [dir, t] of [
      [proved, text],
      [force, forced(text)],
    ] as const) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'mcp-lock.json'), t);
      writeFileSync(join(dir, 'p.yaml'), POLICY);
    }
    expect(mayHoldConstructorKey(bytes(text))).toBe(false);
    expect(mayHoldConstructorKey(bytes(forced(text)))).toBe(true);
    return { proved, forced: force };
  }

  /** Exit code, stderr and stdout of the proved run equal the forced run's (JUnit's time attributes aside). */
  async function same(dirs: { proved: string; forced: string }, argv: string[]) {
    const [a, b] = await Promise.all([spawnCli(argv, { cwd: dirs.proved }), spawnCli(argv, { cwd: dirs.forced })]);
    const untimed = (s: string) => s.replace(/ time="[0-9.]+"/g, '');
    expect(a.stderr).toBe(b.stderr);
    expect(a.code).toBe(b.code);
    expect(untimed(a.stdout)).toBe(untimed(b.stdout));
    return a;
  }

  it('hostile names: every rule gives the same verdict, and the verdicts are the expected ones', async () => {
    const dirs = place('hostile', HOSTILE);
    const r = await same(dirs, ['policy', 'check', '--policy', 'p.yaml', '--format', 'json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const result = JSON.parse(r.stdout) as { policy: { rules: { name: string; status: string; offending?: { items: { name: string }[] } }[] } };
    const status = Object.fromEntries(result.policy.rules.map((x) => [x.name, x.status]));
    expect(status).toEqual({
      schemes_folded: 'pass',
      scheme_each: 'pass',
      definitions_keys: 'pass',
      definitions_index: 'pass',
      definitions_all: 'pass',
      property_keys: 'pass',
      proto_property: 'pass',
      required_in_properties: 'pass',
      server_info: 'pass',
      annotations_proto: 'pass',
      capabilities_keys: 'pass',
      server_names: 'pass',
      no_proto_property: 'fail',
    });
    expect(result.policy.rules.find((x) => x.name === 'no_proto_property')!.offending!.items.map((i) => i.name)).toEqual(['tool __proto__/__proto__']);
    // Text and JUnit, the strict preset, and the printed input document.
    await same(dirs, ['policy', 'check', '--policy', 'p.yaml']);
    await same(dirs, ['policy', 'check', '--policy', 'p.yaml', '--format', 'junit']);
    const strict = await same(dirs, ['policy', 'check', '--preset', 'strict', '--format', 'json']);
    expect([0, 1]).toContain(strict.code);
    const input = await same(dirs, ['policy', 'input']);
    expect(input.code).toBe(0);
    const doc = JSON.parse(input.stdout) as { resources: { schemes: string[] }; prompts: { definitions: Record<string, unknown> } };
    expect(doc.resources.schemes).toEqual(['constructor']);
    expect(Object.keys(doc.prompts.definitions).sort()).toEqual(['CONSTRUCTOR', 'Constructor', '__proto__']);
  }, 20_000);

  it('look-alikes nothing folds: the same verdicts proved and forced', async () => {
    const dirs = place('lookalike', LOOKALIKE);
    const r = await same(dirs, ['policy', 'check', '--policy', 'p.yaml', '--format', 'json']);
    expect(r.stderr).toBe('');
    // No "constructor" scheme (full-width letters are no scheme), no "__proto__" anything.
    const status = Object.fromEntries((JSON.parse(r.stdout) as { policy: { rules: { name: string; status: string }[] } }).policy.rules.map((x) => [x.name, x.status]));
    expect(status).toMatchObject({ schemes_folded: 'fail', property_keys: 'pass', definitions_all: 'pass', no_proto_property: 'pass' });
    expect(r.code).toBe(1);
    await same(dirs, ['policy', 'check', '--preset', 'strict']);
    const input = await same(dirs, ['policy', 'input']);
    expect(input.stdout).toContain('"construct/or"');
  }, 20_000);

  it('in process: the input built without celJson is deep-equal to the one built with it, for these lockfiles', () => {
    for (const [label, text] of [
      ['hostile', HOSTILE],
      ['lookalike', LOOKALIKE],
    ] as const) {
      const lock = parseLockfile(text, label, { checkDigests: false });
      expect(isDeepStrictEqual(buildPolicyInput({ lock }, { noConstructorKeys: true }), buildPolicyInput({ lock })), label).toBe(true);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// 4b96ae7: the closures against cel-js alone, over inputs of hostile lockfiles
// ---------------------------------------------------------------------------------------------

/** A lockfile whose lists start with odd elements, and one with a "constructor" key (celJson makes Maps). */
const ODD = lockOf({
  name: 'odd',
  tools: [
    {
      name: 'a',
      description: '',
      inputSchema: obj([
        ['type', 'object'],
        ['enum', [1.5, 'a', null]],
        ['examples', [null, 'x']],
        ['items', [[], ['a']]],
        ['anyOf', [obj([['__proto__', obj([['x', 'y']])]]), { type: 'string' }]],
        ['properties', obj([['constructor', { type: 'string' }], ['k', { type: 'string' }]])],
        ['required', ['k', 'constructor']],
      ]),
    },
    { name: 'b', description: 'bb', inputSchema: { type: 'object', enum: ['a'], properties: { k: { type: 'string' } }, required: ['k'] } },
  ],
});

const FAST_RULES = [
  // Indexing.
  'input.tools.all(t, t.inputSchema.properties["k"].type == "string")',
  'input.tools.all(t, !has(t.inputSchema.properties) || t.inputSchema.properties[t.name].type == "string")',
  'input.tools.all(t, !has(t.inputSchema.enum) || t.inputSchema.enum[0] == "a")',
  'input.tools.all(t, !has(t.inputSchema.enum) || t.inputSchema.enum[1] == "a")',
  'input.tools.all(t, !has(t.inputSchema.examples) || t.inputSchema.examples[0] == null)',
  'input.tools.all(t, !has(t.inputSchema.items) || size(t.inputSchema.items[0]) == 0)',
  'input.tools.all(t, !has(t.inputSchema.anyOf) || t.inputSchema.anyOf[0]["__proto__"].x == "y")',
  'input.tools.all(t, !has(t.inputSchema.required) || t.inputSchema.required.all(r, t.inputSchema.properties[r].type == "string"))',
  'input.tools[0].inputSchema.properties["constructor"].type == "string"',
  'input.tools[2].name == "a"',
  // Macros over lists whose first element is odd.
  'input.tools.all(t, !has(t.inputSchema.enum) || t.inputSchema.enum.exists(e, e == "a"))',
  'input.tools.all(t, !has(t.inputSchema.enum) || t.inputSchema.enum.all(e, e != "z"))',
  'input.tools.all(t, !has(t.inputSchema.examples) || t.inputSchema.examples.exists_one(e, e == "x"))',
  'input.tools.all(t, !has(t.inputSchema.items) || t.inputSchema.items.filter(l, size(l) > 0).size() == 1)',
  'input.tools.all(t, !has(t.inputSchema.anyOf) || t.inputSchema.anyOf.map(s, has(s.type)).exists(b, b))',
  'input.tools.map(t, t.inputSchema).exists(s, "constructor" in s.properties)',
  '"a" in input.tools[0].inputSchema.enum',
  // String methods whose argument errs (a missing key, a non-string): the receiver is never needed.
  'input.tools.all(t, t.description.startsWith(t.inputSchema.nope) || true)',
  'input.tools.all(t, t.description.contains(t.inputSchema.enum[0]) || true)',
  'input.tools.all(t, t.description.endsWith(t.inputSchema.properties.k.type))',
  'input.tools.all(t, t.name.matches(t.inputSchema.enum[2]) || true)',
  'input.tools.exists(t, t.description.matches(t.description))',
];

function verdict(compiled: CompiledPolicy[], input: unknown): unknown {
  try {
    const result = evaluatePolicies(compiled, input, { timeoutMs: 5000 });
    return { result: { ...result, rules: result.rules.map(({ ms: _ms, ...r }) => r) } };
  } catch (error) {
    if (!(error instanceof PolicyError)) throw error;
    return { error: { code: error.code, message: error.message, details: error.details } };
  }
}
const stripped = (c: CompiledPolicy): CompiledPolicy => ({ ...c, rules: c.rules.map(({ rule, program }) => ({ rule, program })) });

describe('4b96ae7: closures and cel-js alone agree over hostile lockfiles', () => {
  it.each([
    ['odd', ODD],
    ['hostile', HOSTILE],
    ['lookalike', LOOKALIKE],
  ])('%s: every rule, with and without the byte proof', (label, text) => {
    const lock = parseLockfile(text, label, { checkDigests: false });
    let fast = 0;
    const differ: string[] = [];
    const kinds = new Set<string>();
    for (const expr of FAST_RULES) {
      const compiled = [compilePolicy(parsePolicy(`name: t\nmode: strict\nrules:\n  - name: r\n    expr: '${expr.replace(/'/g, "''")}'\n    failure_msg: no\n`, 'p.yaml'))];
      if (compiled[0]!.rules[0]!.fast !== undefined) fast++;
      const names = referencedNames(compiled[0]!.policy);
      for (const noConstructorKeys of mayHoldConstructorKey(bytes(text)) ? [false] : [false, true]) {
        const input = buildPolicyInput({ lock }, { names, noConstructorKeys });
        const a = verdict(compiled, input);
        const b = verdict(compiled.map(stripped), input);
        kinds.add('error' in (a as object) ? 'error' : (a as { result: { rules: { status: string }[] } }).result.rules[0]!.status);
        if (!isDeepStrictEqual(a, b)) differ.push(`${expr} (noConstructorKeys ${noConstructorKeys})\n  closures: ${JSON.stringify(a)}\n  cel-js: ${JSON.stringify(b)}`);
      }
    }
    expect(differ).toEqual([]);
    // Passes, failures and errors alike (the rules reach the odd values, not only guards).
    expect([...kinds].sort()).toEqual(['error', 'fail', 'pass']);
    // Nearly all of them run as closures (the comparison is not vacuous).
    expect(fast).toBeGreaterThanOrEqual(FAST_RULES.length - 2);
  });
});
