/**
 * Round 19 attack on efb84cf: `policy check`/`check` skip the CEL type-check (and the input-schema
 * field check) for a rule of a built preset whose expression is unchanged (isBuiltPresetRule), and
 * parse each expression once per process (a memo keyed by the expression's text, whose AST the
 * CEL checker annotates in place). Every way a rule could reach the skip, or share state through
 * the memo, must still compile with every check: a typo is exit 2 naming the rule.
 *
 * The preset-file cases run a copy of the shipped bin whose policies/ folder is edited (as in
 * round5-preset-file.test.ts); the --policy cases run in-process.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isBuiltPresetRule, parsedPreset } from '../../src/policy/presets.js';
import { compilePolicy } from '../../src/policy/compile.js';
import { parsePolicy } from '../../src/policy/load.js';
import { repoRoot, runCli, tempDir } from '../helpers/cli.js';

const strictText = readFileSync(join(repoRoot, 'policies', 'strict.yaml'), 'utf8');
const lock = join(repoRoot, 'testdata', 'policy', 'drifted.lock.json');
const DRIFT = "'!input.drift.hasDrift'";
const TYPO = "'!input.drift.hasDirft'";
/** Two expressions of strict.yaml, as written there. */
const SHADOWS = 'input.tools.all(t, t.shadows.size() == 0)';

let scratch: ReturnType<typeof tempDir>;
let bin: string;
let policies: string;
beforeAll(() => {
  scratch = tempDir('mcptrust-r19-preset-');
  const dist = join(scratch.dir, 'dist');
  mkdirSync(dist, { recursive: true });
  cpSync(join(repoRoot, 'dist', 'bin'), join(dist, 'bin'), { recursive: true });
  cpSync(join(repoRoot, 'package.json'), join(scratch.dir, 'package.json'));
  symlinkSync(join(repoRoot, 'node_modules'), join(scratch.dir, 'node_modules'));
  bin = join(dist, 'bin', 'mcptrust.js');
  policies = join(scratch.dir, 'policies');
});
afterAll(() => scratch.cleanup());
beforeEach(() => {
  rmSync(policies, { recursive: true, force: true });
  cpSync(join(repoRoot, 'policies'), policies, { recursive: true });
});

function shipped(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: scratch.dir, encoding: 'utf8', env: { PATH: process.env.PATH } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A compile error of rule `rule` naming the typo'd field (exit 2, nothing judged). */
function expectTypo(r: { code: number | null; stdout: string; stderr: string }, rule = 'no_drift', where = /preset:strict|strict\.yaml/): void {
  expect(r.code, r.stderr).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(new RegExp(`rule "${rule}" does not compile: .*hasDirft`));
  expect(r.stderr).toMatch(where);
}

describe('1. an edited preset file (policies/strict.yaml of the installation) is checked in full', () => {
  it('the shipped file is the built one: every rule skips the check, and the answer is the usual one (exit 1, 4 failures)', () => {
    expect(parsedPreset('strict', Buffer.from(strictText))!.rules.every(isBuiltPresetRule)).toBe(true);
    const r = shipped('policy', 'check', '--preset', 'strict', '--lock', lock, '--format', 'json');
    expect(r.code, r.stderr).toBe(1);
    expect(JSON.parse(r.stdout).policy.counts).toMatchObject({ rules: 10, failures: 4 });
  });

  it.each([
    ['LF', (t: string) => t],
    ['CRLF', (t: string) => t.replaceAll('\n', '\r\n')],
    ['a BOM', (t: string) => `\uFEFF${t}`],
    ['a BOM and CRLF', (t: string) => `\uFEFF${t.replaceAll('\n', '\r\n')}`],
    ['a trailing newline added', (t: string) => `${t}\n`],
  ])('a typo put into no_drift, file with %s: exit 2, the rule named', (_label, shape) => {
    expect(strictText).toContain(DRIFT);
    writeFileSync(join(policies, 'strict.yaml'), shape(strictText.replace(DRIFT, TYPO)));
    expectTypo(shipped('policy', 'check', '--preset', 'strict', '--lock', lock));
    expectTypo(shipped('check', '--preset', 'strict', '--lock', lock, '--', process.execPath, join(repoRoot, 'testdata', 'servers', 'example-server.mjs')));
  });

  it('CRLF or a BOM alone (no typo): the same expressions are checked in full and give the shipped answer', () => {
    const base = shipped('policy', 'check', '--preset', 'strict', '--lock', lock, '--format', 'json');
    for (const text of [strictText.replaceAll('\n', '\r\n'), `\uFEFF${strictText}`]) {
      expect(parsedPreset('strict', Buffer.from(text))).toBeUndefined();
      writeFileSync(join(policies, 'strict.yaml'), text);
      expect(shipped('policy', 'check', '--preset', 'strict', '--lock', lock, '--format', 'json')).toEqual(base);
    }
  });

  it('a typo in a rule whose expression is a block scalar (folded >-) with CRLF: exit 2, the rule named', () => {
    const edited = strictText.replace('!t.flags.nonAscii && !t.flags.invisible', '!t.flags.nonAscii && !t.flags.invisibel');
    expect(edited).not.toBe(strictText);
    writeFileSync(join(policies, 'strict.yaml'), edited.replaceAll('\n', '\r\n'));
    const r = shipped('policy', 'check', '--preset', 'strict', '--lock', lock);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/rule "ascii_names" does not compile: .*invisibel/);
  });

  it('strict.yaml replaced by the text of baseline.yaml with a typo: checked (the build\'s copy of strict is keyed by strict\'s digest)', () => {
    const baseline = readFileSync(join(repoRoot, 'policies', 'baseline.yaml'), 'utf8');
    const high = 't.risk_level == "HIGH"';
    expect(baseline).toContain(high);
    writeFileSync(join(policies, 'strict.yaml'), baseline.replace(high, 't.risk_levle == "HIGH"'));
    const r = shipped('policy', 'check', '--preset', 'strict', '--lock', lock);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/does not compile: .*risk_levle/);
  });
});

describe('2. a --policy file is never a built preset, whatever its text', () => {
  let dir: string;
  beforeAll(() => {
    dir = join(scratch.dir, 'user');
    mkdirSync(dir, { recursive: true });
  });
  const write = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return name;
  };

  it('a file whose text is strict.yaml byte for byte: its rules are checked (isBuiltPresetRule false) and it gives the preset\'s answer', async () => {
    expect(parsePolicy(strictText, 'strict-copy.yaml').rules.some(isBuiltPresetRule)).toBe(false);
    const file = write('strict-copy.yaml', strictText);
    const asFile = await runCli(['policy', 'check', '--policy', file, '--lock', lock, '--format', 'json'], { cwd: dir });
    const asPreset = await runCli(['policy', 'check', '--preset', 'strict', '--lock', lock, '--format', 'json'], { cwd: dir });
    expect(asFile.code).toBe(1);
    expect(JSON.parse(asFile.stdout).policy.counts).toEqual(JSON.parse(asPreset.stdout).policy.counts);
  });

  it('strict.yaml\'s text with a typo as --policy, alone and with --preset strict: exit 2, the file and rule named', async () => {
    const file = write('strict-typo.yaml', strictText.replace(DRIFT, TYPO));
    for (const extra of [[], ['--preset', 'strict'], ['--preset', 'baseline', '--preset', 'strict']]) {
      const r = await runCli(['policy', 'check', ...extra, '--policy', file, '--lock', lock], { cwd: dir });
      expectTypo(r, 'no_drift', /strict-typo\.yaml/);
      expect(r.stderr).not.toMatch(/preset:strict:\d/);
    }
  });

  it('a user rule reusing a preset rule\'s exact expression text beside a typo\'d rule, with --preset strict first: the memo shares the parse, not the skip (exit 2, the user\'s rule named)', async () => {
    const file = write('reuse.yaml', `name: reuse\nrules:\n  - name: same_as_strict\n    expr: '${SHADOWS}'\n  - name: same_as_drift\n    expr: ${DRIFT}\n  - name: typo\n    expr: ${TYPO}\n`);
    const r = await runCli(['policy', 'check', '--preset', 'strict', '--policy', file, '--lock', lock], { cwd: dir });
    expectTypo(r, 'typo', /reuse\.yaml/);
    expect(r.stderr).not.toMatch(/same_as_(strict|drift)/);
  });

  it('the same reuse without the typo: the user\'s copies of preset rules judge exactly as the preset\'s own (same status, rule for rule)', async () => {
    const file = write('reuse-ok.yaml', `name: reuse-ok\nrules:\n  - name: same_as_shadows\n    expr: '${SHADOWS}'\n    severity: error\n  - name: same_as_drift\n    expr: ${DRIFT}\n    severity: error\n`);
    const r = await runCli(['policy', 'check', '--preset', 'strict', '--policy', file, '--lock', lock, '--format', 'json'], { cwd: dir });
    expect(r.code, r.stderr).toBe(1);
    const rules = JSON.parse(r.stdout).policy.rules as { name: string; status: string }[];
    const status = (name: string) => rules.filter((x) => x.name === name).map((x) => x.status);
    expect(status('same_as_drift')).toEqual(status('no_drift'));
    expect(status('same_as_shadows')).toEqual(status('no_shadowed_tools'));
    expect(status('no_drift').length).toBeGreaterThan(0);
  });

  it('a user rule whose text a preset rule has, but whose type-check fails only in a user file is impossible: the same text fails or passes everywhere (a non-bool expression twice in one file is reported twice)', async () => {
    const file = write('twice.yaml', "name: twice\nrules:\n  - name: first\n    expr: 'size(input.tools) + 1'\n  - name: second\n    expr: 'size(input.tools) + 1'\n");
    const r = await runCli(['policy', 'check', '--policy', file, '--lock', lock], { cwd: dir });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/rule "first" does not compile: the expression must give a bool, but gives int/);
    expect(r.stderr).toMatch(/rule "second" does not compile: the expression must give a bool, but gives int/);
  });

  it('the same type error in two files of one run (the shared AST keeps the checker\'s partial annotations): both reported, exit 2', async () => {
    const a = write('type-a.yaml', "name: a\nrules:\n  - name: in_a\n    expr: 'input.tools.size() + \"x\" == \"y\"'\n");
    const b = write('type-b.yaml', "name: b\nrules:\n  - name: in_b\n    expr: 'input.tools.size() + \"x\" == \"y\"'\n");
    const r = await runCli(['policy', 'check', '--policy', a, '--policy', b, '--lock', lock], { cwd: dir });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/rule "in_a" does not compile/);
    expect(r.stderr).toMatch(/rule "in_b" does not compile/);
  });

  it('an expression that fails to parse is not memoised: the same broken text in two rules and two files is reported each time; a later valid rule still compiles and the run fails closed', async () => {
    const broken = "'input.tools.exists(t, '";
    const a = write('broken-a.yaml', `name: a\nrules:\n  - name: broken_1\n    expr: ${broken}\n  - name: broken_2\n    expr: ${broken}\n  - name: fine\n    expr: ${DRIFT}\n`);
    const b = write('broken-b.yaml', `name: b\nrules:\n  - name: broken_3\n    expr: ${broken}\n`);
    const r = await runCli(['policy', 'check', '--policy', a, '--policy', b, '--lock', lock], { cwd: dir });
    expect(r.code, r.stderr).toBe(2);
    for (const rule of ['broken_1', 'broken_2', 'broken_3']) expect(r.stderr).toMatch(new RegExp(`rule "${rule}" does not compile`));
    // The same process, next run: the broken text is still broken, the fixed file compiles.
    const fixed = write('broken-a.yaml', `name: a\nrules:\n  - name: fine\n    expr: ${DRIFT}\n    severity: error\n`);
    const again = await runCli(['policy', 'check', '--policy', fixed, '--lock', lock], { cwd: dir });
    // (no live server here: drift.hasDrift is false, the rule passes)
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).not.toContain('does not compile');
    const third = await runCli(['policy', 'check', '--policy', b, '--lock', lock], { cwd: dir });
    expect(third.code).toBe(2);
    expect(third.stderr).toMatch(/rule "broken_3" does not compile/);
  });

  it('a typo only the input-schema check finds (a field name CEL accepts on a map), in a file reusing preset texts after --preset strict ran in the same process: exit 2, the nearest field named', async () => {
    await runCli(['policy', 'check', '--preset', 'strict', '--lock', lock], { cwd: dir });
    const file = write('schema-typo.yaml', `name: s\nrules:\n  - name: ok\n    expr: '${SHADOWS}'\n  - name: misspelt\n    expr: 'input.tools.all(t, t.shadow.size() == 0)'\n`);
    const r = await runCli(['policy', 'check', '--preset', 'strict', '--policy', file, '--lock', lock], { cwd: dir });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/rule "misspelt" does not compile: .*shadow/);
  });
});

describe('3. the skip itself (in-process)', () => {
  it('a built rule whose expression is changed and changed back is skipped again only with its original text; any other text is checked', () => {
    const built = parsedPreset('strict', Buffer.from(strictText))!;
    const rule = built.rules[0]!;
    const original = rule.expr;
    rule.expr = '!input.drift.hasDirft';
    expect(() => compilePolicy(built)).toThrow(/rule "no_drift" does not compile: .*hasDirft/);
    rule.expr = `${original} `;
    expect(isBuiltPresetRule(rule)).toBe(false);
    rule.expr = original;
    expect(isBuiltPresetRule(rule)).toBe(true);
  });

  it('a built rule\'s object copied into another policy ({...rule}) is not a built rule', () => {
    const built = parsedPreset('strict', Buffer.from(strictText))!;
    const copy = { ...built.rules[0]!, expr: '!input.drift.hasDirft' };
    expect(isBuiltPresetRule(copy)).toBe(false);
    expect(isBuiltPresetRule({ ...built.rules[0]! })).toBe(false);
    expect(() => compilePolicy({ ...built, source: 'user.yaml', rules: [copy] })).toThrow(/rule "no_drift" does not compile/);
  });
});
