// Round 17 attack on 9d2c8fd: `nameSignals` (the text analysis of every tool and prompt name) is
// a lazy derived field, built only when a rule names it (src/policy/compile.ts referencedNames,
// src/policy/typecheck.ts DERIVED_FIELDS/readsWholeObjects), and `flags` is computed without the
// analysis for a printable-ASCII name (nameSignalsOf in src/policy/input.ts), on the claim that
// the analysis of such a name never yields a signal of kind invisible-char, bidi-control,
// confusable or non-ascii.
//
// What holds:
// - the claim: no printable-ASCII name tried (every name of one and two characters, 20,000 random
//   ones over the characters escapes, %-encoding, character references, base64, punycode,
//   leetspeak and ciphers use, and a curated list of ASCII spellings of hidden, bidi and
//   look-alike characters) gets a character-kind signal from scanName; lean flags equal full
//   flags for tools and prompts (the analysis of a plain text adds character kinds only in its
//   `!plain` branches, and every reading of it — decoded, deciphered, respelled — goes through
//   newlySaid, which drops CHARACTER_KINDS);
// - a rule that names nameSignals sees them exactly as the full input has them;
// - a rule that reaches them by a computed key, a map macro over a tool, size(), string()/dyn(),
//   a whole comparison or an optional chain ending in a call on an unknown type gets them
//   computed, or fails with EVAL_ERROR (exit 2); several --policy files share the names; the
//   strict preset still fails on an ASCII name that says "ignore previous instructions".
//
// FIXED, was OPEN (one root cause, also older than 9d2c8fd for the other derived fields — shadows,
// risk_level… — but 9d2c8fd adds nameSignals to it): referencedNames reads a field's name from
// the rule's TEXT (/[A-Za-z_][A-Za-z0-9_]*/), and readsWholeObjects lets a string LITERAL key
// pass as "named" (`"lit" in t`, `t[?"lit"]`, `t["lit"]`). A CEL string literal with an escape
// (`"name\x53ignals"`, `"name\u0053ignals"`, `"name\123ignals"`, `"name\U00000053ignals"`) is
// the field's name to cel-js but not in the text, so the field is left out, and a presence test
// (`in`, `[?…].hasValue()`) silently answers "absent": the rule passes where the full input fails.
// Fixed: referencedNames also adds every string of the parsed expression (literals as CEL decodes
// them); tests/policy/lean-input.test.ts checks every lazy field so.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compilePolicy, referencedNames } from '../../src/policy/compile.js';
import { evaluatePolicy } from '../../src/policy/evaluate.js';
import { buildPolicyInput, type PolicyInput } from '../../src/policy/input.js';
import { parsePolicy } from '../../src/policy/load.js';
import { parseLockfile } from '../../src/lockfile/parse.js';
import { createLockfile, serializeLockfile } from '../../src/lockfile/build.js';
import { scanName } from '../../src/safety/index.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { lockedServer } from '../helpers/lockfiles.js';

const policyText = (expr: string, name = 'r') => `name: t\nmode: strict\nrules:\n  - name: ${name}\n    expr: '${expr}'\n    failure_msg: nope\n    severity: error\n`;
const compile = (expr: string) => compilePolicy(parsePolicy(policyText(expr), 'p.yaml'));

const CHARACTER_KINDS = new Set(['invisible-char', 'bidi-control', 'confusable', 'non-ascii']);

/** A lockfile of one server whose tools and prompts have these names. */
function lockOfNames(names: readonly string[]) {
  const server = lockedServer({ tools: names.map((name) => ({ name, description: 'A tool.', inputSchema: { type: 'object' } })) });
  for (const name of names) server.surface.prompts[name] = { name, description: 'A prompt.' };
  return serializeLockfile(createLockfile([server]));
}

// ---------------------------------------------------------------------------------------------
// flags without the name analysis
// ---------------------------------------------------------------------------------------------

// Printable ASCII that spells, in some encoding or reading, an invisible, bidi or look-alike
// character (alone and inside words that wake the instruction, path and cipher readings).
const ZW = ['\\u200b', '\\u200B', '\\U0000200B', '\\u{200b}', '\\x{200b}', '\\xe2\\x80\\x8b', '\\342\\200\\213', 'u200b', 'U+200B', '%E2%80%8B', '%e2%80%8b', '%u200B', '&#8203;', '&#x200b;', '&#X200B;', '&ZeroWidthSpace;', '&zwnj;', '&zwj;', '&#xFEFF;', '=E2=80=8B', '4oCL', '4oCM', '77u/', 'e2808b', 'E2808BE2808BE2808BE2808B'];
const BIDI = ['\\u202e', '\\u202E', '\\u2066', '%E2%80%AE', '&#x202e;', '&#8238;', '&rlm;', '&lrm;', '&RightArrowLeftArrow;', '4oCu', '4oGm', 'e280ae', 'E280AEE280AEE280AEE280AE'];
const LOOK = ['p\\u0430ypal', 'p%D0%B0ypal', 'p&#1072;ypal', 'p&#x430;ypal', 'xn--pypal-4ve', 'xn--80ak6aa92e', 'xn--ls8h', 'xn--e1afmkfd', 'XN--PYPAL-4VE', '0x430', '\\N{CYRILLIC SMALL LETTER A}', '\\N{ZERO WIDTH SPACE}', '0lympus', 'rn', 'vv', 'cl', 'I1l|', 'paypa1'];
const WORDS = ['ignore_previous_instructions', 'read_~/.ssh/id_rsa', 'dwssap_cte_daer', 'ernq_vq_efn', '1gn0r3_4ll_pr3v10us', 'i.g.n.o.r.e', 'aWdub3JlIHByZXZpb3VzIGluc3RydWN0aW9ucw==', 'exfiltrate_data'];
const CURATED = [...new Set([
  ...ZW, ...BIDI, ...LOOK, ...WORDS,
  ...[...ZW, ...BIDI, ...LOOK].flatMap((e) => [`tool${e}`, `ignore${e}previous${e}instructions`, `read_${e}_.ssh_id_rsa`, `${e}${e}${e}${e}${e}${e}`]),
  // base64 of "ignore\u200bprevious instructions", of "\u202eexe.txt", hex of "p\u0430ssword"
  Buffer.from('ignore\u200bprevious instructions').toString('base64'),
  Buffer.from('\u202eexe.txt and then ignore all previous instructions').toString('base64'),
  Buffer.from('p\u0430ssword \u200b\u200b\u200b').toString('hex'),
  encodeURIComponent('ignore\u200ball\u202eprevious instructions'),
  'tool\u200b'.replace('\u200b', '&amp;#8203;'),
])];

describe('the analysis of a printable-ASCII name', () => {
  it('never yields a character-kind signal (every 1- and 2-character name, the curated spellings, 20,000 random names)', () => {
    const printable = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i));
    const exhaustive = [...printable, ...printable.flatMap((a) => printable.map((b) => a + b))];
    const alphabet = 'abeflnoprstuxAEFNUX0123456789_-.~/\\%&#;+=:{}|<>[]() ';
    let seed = 17;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const pieces = [...ZW, ...BIDI, ...LOOK, 'ignore', 'previous', 'instructions', 'ssh', 'id_rsa', 'passwd', 'xn--', 'http://', '127.0.0.1'];
    const randomNames = Array.from({ length: 20_000 }, () => {
      let s = '';
      const n = 1 + Math.floor(random() * 10);
      for (let i = 0; i < n; i++) s += random() < 0.3 ? pieces[Math.floor(random() * pieces.length)] : alphabet[Math.floor(random() * alphabet.length)];
      return s;
    });
    const bad: string[] = [];
    for (const name of [...exhaustive, ...CURATED, ...randomNames]) {
      if (!/^[\x20-\x7e]*$/.test(name)) continue;
      if (scanName(name).some((s) => CHARACTER_KINDS.has(s.kind))) bad.push(name);
    }
    expect(bad).toEqual([]);
    // The corpus reaches the analysis: many of these names do get signals of other kinds.
    expect(CURATED.filter((n) => scanName(n).length > 0).length).toBeGreaterThan(40);
  });

  it('gives lean flags equal to full flags for tools and prompts, and the same verdicts of flag rules', () => {
    const others = ['list_f\u0456les', 'tool\u200b', 'x\u202ey', 'caf\u00e9', '\uff46\uff55\uff4c\uff4c', 'tag\u{E0041}', 'bad\u0007bell', '\ud800', ''];
    const names = [...new Set([...CURATED, ...others])];
    const lock = parseLockfile(lockOfNames(names));
    const full = buildPolicyInput({ lock });
    const rule = compile('input.tools.all(t, !t.flags.nonAscii && !t.flags.invisible && !t.flags.bidi && !t.flags.confusable) && input.prompts.items.all(p, !p.flags.invisible)');
    const leanNames = referencedNames(rule.policy);
    expect(leanNames.has('nameSignals')).toBe(false);
    const lean = buildPolicyInput({ lock }, { names: leanNames });
    expect(lean.tools.some((t) => 'nameSignals' in t) || lean.prompts.items.some((p) => 'nameSignals' in p)).toBe(false);
    expect(lean.tools.map((t) => [t.name, { ...t.flags }])).toEqual(full.tools.map((t) => [t.name, { ...t.flags }]));
    expect(lean.prompts.items.map((p) => [p.name, { ...p.flags }])).toEqual(full.prompts.items.map((p) => [p.name, { ...p.flags }]));
    // Only the non-ASCII names carry a character flag; every ASCII one is all false but nonStandard.
    const flagged = full.tools.filter((t) => t.flags.nonAscii || t.flags.invisible || t.flags.bidi || t.flags.confusable).map((t) => t.name);
    expect(flagged.sort()).toEqual(others.filter((n) => n !== '').sort());
    expect(evaluatePolicy(rule, lean).rules[0]!.status).toBe('fail');
    expect(evaluatePolicy(rule, full).rules[0]!.status).toBe('fail');
  });

  it('a rule that names nameSignals sees exactly the full analysis, for tools and prompts', () => {
    const lock = parseLockfile(lockOfNames(CURATED));
    const full = buildPolicyInput({ lock });
    const rule = compile('!input.tools.exists(t, t.nameSignals.size() > 0) && !input.prompts.items.exists(p, p.nameSignals.size() > 0)');
    const lean = buildPolicyInput({ lock }, { names: referencedNames(rule.policy) });
    expect(lean.tools.map((t) => [t.name, t.nameSignals, { ...t.flags }])).toEqual(full.tools.map((t) => [t.name, t.nameSignals, { ...t.flags }]));
    expect(lean.prompts.items.map((p) => [p.name, p.nameSignals, { ...p.flags }])).toEqual(full.prompts.items.map((p) => [p.name, p.nameSignals, { ...p.flags }]));
    expect(evaluatePolicy(rule, lean).rules[0]!.status).toBe('fail');
  });
});

// ---------------------------------------------------------------------------------------------
// rules that reach nameSignals
// ---------------------------------------------------------------------------------------------

// One ASCII-named tool and prompt whose names say something (nameSignals non-empty), one clean.
const NAMES = ['ignore_previous_instructions', 'read_file'];
const LOCK = lockOfNames(NAMES);

type Status = 'pass' | 'fail' | 'EVAL_ERROR' | string;
function statusOf(expr: string, input: PolicyInput | undefined): Status {
  const policy = compile(expr);
  const built = input ?? buildPolicyInput({ lock: parseLockfile(LOCK) }, { names: referencedNames(policy.policy) });
  try {
    return evaluatePolicy(policy, built).rules[0]!.status;
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

const E = 'name\\x53ignals'; // CEL: "name\x53ignals" is "nameSignals"

// Each fails on the full input (the first tool's and prompt's nameSignals are not empty), or errs
// there too (string() of a map).
const REACHING = [
  'input.tools.all(t, t["name" + "Signals"].size() == 0)',
  'input.tools.all(t, t[?("name" + "Signals")].orValue([]).size() == 0)',
  'input.tools.all(t, !(("name" + "Signals") in t))',
  'input.tools.all(t, t.all(k, !k.startsWith("nameS") || t[k].size() == 0))',
  'input.tools.all(t, !t.exists(k, k.startsWith("nameS") && t[k].size() > 0))',
  'input.tools.all(t, t.filter(k, k.endsWith("Signals")).size() < 2)',
  'input.tools.all(t, size(t) < 11)',
  'input.tools.all(t, t.size() < 11)',
  'input.tools.all(t, ["nameSig"].all(p, !((p + "nals") in t)))',
  'input.tools.all(t, cel.bind(k, "name" + "Signals", !(k in t)))',
  'input.tools.all(t, !string(t).contains("ignore"))',
  'input.tools.all(t, !(dyn(t)["name" + "Signals"].size() > 0))',
  'input.tools.all(t, (t.name == "" ? {} : t)[?("name" + "Signals")].orValue([]).size() == 0)',
  'input.tools.map(t, t).all(t, t[?("name" + "Signals")].orValue([]).size() == 0)',
  'input.tools.filter(t, true).all(t, !(("name" + "Signals") in t))',
  '!(("name" + "Signals") in input.tools[0])',
  'input.tools[0] == input.tools[0] && size(input.tools[0]) < 11',
  'input.tools.all(t, t != {"name": t.name})  && input.tools.all(t, size(t) < 11)',
  'input.prompts.items.all(p, !(("name" + "Signals") in p))',
  'input.prompts.items.all(p, p.all(k, !k.startsWith("nameS") || p[k].size() == 0))',
  `input.tools.all(t, t["${E}"].size() == 0)`,
  `input.tools.all(t, t[?"${E}"].orValue([]).size() == 0)`,
  `input.tools.all(t, t[?"${E}"].orValue([]) == [])`,
  `!("${E}" in dyn(input.tools[0]))`,
  `input.prompts.items.all(p, p["${E}"].size() == 0)`,
];

describe('a rule that reaches nameSignals without naming them', () => {
  const full = buildPolicyInput({ lock: parseLockfile(LOCK) });
  for (const expr of REACHING) {
    it(`gets them computed or fails closed: ${expr}`, () => {
      const whole = statusOf(expr, full);
      expect(['fail', 'EVAL_ERROR']).toContain(whole);
      expect([whole, 'EVAL_ERROR']).toContain(statusOf(expr, undefined));
    });
  }

  it('names them when another rule of the policies does (several policy files)', () => {
    const a = parsePolicy(policyText('input.tools.all(t, t.nameSignals.size() >= 0)'), 'a.yaml');
    const b = parsePolicy(policyText(`input.tools.all(t, !("${E}" in t))`), 'b.yaml');
    const names = referencedNames(a, b);
    expect(names.has('nameSignals')).toBe(true);
    const input = buildPolicyInput({ lock: parseLockfile(LOCK) }, { names });
    expect(evaluatePolicy(compilePolicy(b), input).rules[0]!.status).toBe('fail');
  });
});

// FIXED (was OPEN): each passed on the input `policy check` builds (nameSignals left out: the escaped literal
// is not in the text and a literal key is taken as named), and fails on the full input.
const ESCAPED = [
  `input.tools.all(t, !("${E}" in t) || t["${E}"].size() == 0)`,
  `input.tools.all(t, "${E}" in t ? t["${E}"].size() == 0 : true)`,
  `input.tools.all(t, !t[?"${E}"].hasValue() || t["${E}"].size() == 0)`,
  'input.tools.all(t, !("name\\u0053ignals" in t) || t["name\\u0053ignals"].size() == 0)',
  'input.tools.all(t, !("name\\123ignals" in t) || t["name\\123ignals"].size() == 0)',
  'input.tools.all(t, !("name\\U00000053ignals" in t) || t["name\\U00000053ignals"].size() == 0)',
  `input.prompts.items.all(p, !("${E}" in p) || p["${E}"].size() == 0)`,
  `input.tools.all(t, cel.bind(x, t, !("${E}" in x)))`,
  `input.tools.map(t, t).all(t, !("${E}" in t))`,
  `!("${E}" in input.tools[0])`,
  `input.tools.all(t, !("${E}" in {"a": t}["a"]))`,
];

describe('a rule that reaches nameSignals by an escaped string literal', () => {
  const full = buildPolicyInput({ lock: parseLockfile(LOCK) });

  it('fails on the full input (what `policy input` prints)', () => {
    for (const expr of ESCAPED) expect([expr, statusOf(expr, full)]).toEqual([expr, 'fail']);
  });

  // Was OPEN: reproduction (in-process): for expr = input.tools.all(t, !("name\x53ignals" in t) ||
  // t["name\x53ignals"].size() == 0) (backslash as written in a single-quoted YAML rule),
  // referencedNames(policy) lacks "nameSignals" (the text holds "name" and "x53ignals";
  // readsWholeObjects takes the literal key as named), buildPolicyInput({lock}, {names}) leaves
  // the field out, `in` answers false and the rule PASSES; on buildPolicyInput({lock}) it FAILS.
  // Expected: the rule fails, or errs (EVAL_ERROR). Same for \u0053, \123, \U00000053, prompts,
  // cel.bind, map(), input.tools[0], t[?"…"].hasValue(). (Also true of "sh\x61dows",
  // "risk\x5flevel" … since the lazy fields began; 9d2c8fd adds nameSignals.)
  it('FIXED (was OPEN): fails on the lean input as on the full input (escaped literal key, `in` / `[?]`); referencedNames reads the strings of the parsed expression', () => {
    for (const expr of ESCAPED) expect([expr, referencedNames(compile(expr).policy).has('nameSignals'), statusOf(expr, undefined)]).toEqual([expr, true, 'fail']);
  });
});

// ---------------------------------------------------------------------------------------------
// through the bin
// ---------------------------------------------------------------------------------------------

let scratch: ReturnType<typeof tempDir>;
beforeAll(() => {
  scratch = tempDir('mcptrust-r17-');
  writeFileSync(join(scratch.dir, 'mcp-lock.json'), LOCK);
});
afterAll(() => scratch.cleanup());

describe('mcptrust policy check on ASCII names that say something', () => {
  const check = async (...exprs: string[]) => {
    const args = ['policy', 'check', '--format', 'json'];
    exprs.forEach((expr, i) => {
      writeFileSync(join(scratch.dir, `p${i}.yaml`), policyText(expr, `r${i}`));
      args.push('--policy', `p${i}.yaml`);
    });
    return runCli(args, { cwd: scratch.dir });
  };

  it('denies (exit 1) a rule that names nameSignals, and one that reaches them by a computed key', async () => {
    const named = await check('!input.tools.exists(t, t.nameSignals.exists(s, s.severity == "critical"))');
    expect(named.code).toBe(1);
    expect(JSON.parse(named.stdout).policy.rules[0]).toMatchObject({ name: 'r0', status: 'fail' });
    expect((await check('input.prompts.items.all(p, p["name" + "Signals"].size() == 0)')).code).toBe(1);
    expect((await check('input.tools.all(t, size(t) < 11)')).code).toBe(1);
  });

  it('denies (exit 1) an escaped literal index without a presence test: the field is built (it failed closed with exit 2 before the fix)', async () => {
    const r = await check(`input.tools.all(t, t["${E}"].size() == 0)`);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).policy.rules[0]).toMatchObject({ name: 'r0', status: 'fail' });
  });

  it('denies (exit 1) an escaped `in` when another policy file names nameSignals', async () => {
    const r = await check(`input.tools.all(t, !("${E}" in t) || t["${E}"].size() == 0)`, 'input.tools.all(t, t.nameSignals.size() >= 0)');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).policy.rules.map((x: { status: string }) => x.status)).toEqual(['fail', 'pass']);
  });

  it('the strict preset fails no_suspicious_names on an ASCII name, and ascii_names passes it', async () => {
    const r = await runCli(['policy', 'check', '--preset', 'strict', '--format', 'json'], { cwd: scratch.dir });
    expect(r.code).toBe(1);
    const rules = JSON.parse(r.stdout).policy.rules as { name: string; status: string }[];
    expect(rules.find((x) => x.name === 'no_suspicious_names')!.status).toBe('fail');
    expect(rules.find((x) => x.name === 'ascii_names')!.status).toBe('pass');
  });

  // Was OPEN: reproduction: mcp-lock.json with one server whose tool and prompt are named
  // "ignore_previous_instructions" (and "read_file"); p0.yaml:
  //   rules: [{name: r0, expr: 'input.tools.all(t, !("name\x53ignals" in t) || t["name\x53ignals"].size() == 0)', …}]
  // `mcptrust policy check --policy p0.yaml` exits 0 (rule pass); the same rule over the document
  // `mcptrust policy input` prints fails, and with "nameSignals" spelled plainly it exits 1.
  // Expected exit 1 (or 2).
  it('FIXED (was OPEN): `policy check` denies an escaped-literal presence rule (exit 1; was exit 0)', async () => {
    const r = await check(`input.tools.all(t, !("${E}" in t) || t["${E}"].size() == 0)`);
    expect(r.code).toBe(1);
  });

  // Was OPEN: same through `mcptrust policy test DIR --policy p.yaml` with case.lock.json (the lockfile
  // above) and case.expect.yaml "passed: false": the case fails (got passed: true), exit 1.
  it('FIXED (was OPEN): `policy test` gives a .lock.json case the field too (passed: false, as expected)', async () => {
    const dir = join(scratch.dir, 'cases');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'c.lock.json'), LOCK);
    writeFileSync(join(dir, 'c.expect.yaml'), 'passed: false\n');
    writeFileSync(join(scratch.dir, 'pt.yaml'), policyText(`input.tools.all(t, !("${E}" in t) || t["${E}"].size() == 0)`));
    const r = await runCli(['policy', 'test', 'cases', '--policy', 'pt.yaml'], { cwd: scratch.dir });
    expect(r.code).toBe(0);
  });
});
