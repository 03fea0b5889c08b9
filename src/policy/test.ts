import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { lineColumnAt } from '../util/json.js';
import { printable } from '../util/text.js';
import { yamlNestingExceeds } from '../util/yaml-nesting.js';
import type { CompiledPolicy } from './compile.js';
import { PolicyError } from './errors.js';
import { MAX_POLICY_NESTING } from './load.js';
import { evaluatePolicies, type EvaluateOptions, type PolicyResult, type RuleOutcome } from './evaluate.js';
import { nearest } from './typecheck.js';

/**
 * `mcptrust policy test DIR`: fixtures with expected outcomes, like `opa test` or `conftest
 * verify`. A case is NAME.expect.yaml next to its input, NAME.input.json (a policy input
 * document, as `mcptrust policy input` prints it) or NAME.lock.json (a lockfile). The expect file:
 *
 *   passed: false                       # the verdict (optional)
 *   rules:                              # outcomes of some rules: pass, warn or fail (optional)
 *     no_high_risk_tools: fail
 *   offending:                          # names a failed rule must list (optional)
 *     no_high_risk_tools: ["tool notes/exec_shell"]
 *   error: EVAL_ERROR                   # the policy must not give a verdict (optional)
 *
 * This module is pure: the command reads the files and builds the inputs.
 */

const EXPECT_FIELDS = ['passed', 'rules', 'offending', 'error'] as const;
const OUTCOMES: readonly RuleOutcome[] = ['pass', 'warn', 'fail'];
const ERRORS = ['EVAL_ERROR', 'EVAL_TIMEOUT'] as const;
/** Most rules or names one expect file may list. */
const MAX_ENTRIES = 1000;

export interface Expectation {
  passed?: boolean;
  rules: Map<string, RuleOutcome>;
  offending: Map<string, string[]>;
  error?: (typeof ERRORS)[number];
}

export interface TestCase {
  name: string;
  /** The input document the rules see (already built from a lockfile, or read as JSON). */
  input: unknown;
  expect: Expectation;
  /** The expect file, for messages. */
  expectFile: string;
}

export interface CaseResult {
  name: string;
  passed: boolean;
  /** What did not match, one line each (empty when the case passed). */
  problems: string[];
  /** The verdict the policies gave, or the error code when they gave none. */
  got: { passed: boolean } | { error: string };
}

export interface TestRun {
  passed: boolean;
  cases: CaseResult[];
  counts: { cases: number; passed: number; failed: number };
}

function invalid(file: string, node: Node | null | undefined, lines: LineCounter, message: string): PolicyError {
  const offset = node?.range?.[0];
  const where = offset === undefined ? file : `${file}:${lines.linePos(offset).line}:${lines.linePos(offset).col}`;
  return new PolicyError('INVALID_TEST', `${where}: ${message}`);
}

/**
 * Parses an expect file (YAML; JSON is YAML too). Strict as policy files are: duplicate keys,
 * unknown fields, unknown outcomes are INVALID_TEST (exit 2), each named file:line:col.
 */
export function parseExpectation(text: string, file: string): Expectation {
  const lines = new LineCounter();
  // An expect file needs three levels; the parser recurses per level (a megabyte of [ took 20 s and 1 GB).
  const deep = yamlNestingExceeds(text, MAX_POLICY_NESTING);
  if (deep !== undefined) {
    const { line, column } = lineColumnAt(text, deep);
    throw new PolicyError('INVALID_TEST', `${file}:${line}:${column}: nests deeper than ${MAX_POLICY_NESTING} levels`);
  }
  const doc = parseDocument(text, { uniqueKeys: true, strict: true, prettyErrors: false, lineCounter: lines, version: '1.2' });
  const problem = doc.errors[0];
  if (problem) {
    const pos = lines.linePos(problem.pos[0]);
    // The yaml library's messages quote the text: only the code is shown (as for policy files).
    throw new PolicyError('INVALID_TEST', `${file}:${pos.line}:${pos.col}: is not valid YAML (${problem.code === 'DUPLICATE_KEY' ? 'a duplicate key' : problem.code})`);
  }
  const root = doc.contents;
  if (!isMap(root)) throw invalid(file, root, lines, `must be a mapping with any of: ${EXPECT_FIELDS.join(', ')}`);
  const expect: Expectation = { rules: new Map(), offending: new Map() };
  if (root.items.length === 0) throw invalid(file, root, lines, `expects nothing: give any of ${EXPECT_FIELDS.join(', ')}`);
  for (const pair of root.items) {
    const key = isScalar(pair.key) ? pair.key.value : undefined;
    const value = pair.value as Node | null;
    if (key === 'passed') {
      if (!isScalar(value) || typeof value.value !== 'boolean') throw invalid(file, value, lines, '"passed" must be true or false');
      expect.passed = value.value;
    } else if (key === 'error') {
      if (!isScalar(value) || !(ERRORS as readonly unknown[]).includes(value.value)) throw invalid(file, value, lines, `"error" must be one of ${ERRORS.join(', ')}`);
      expect.error = value.value as Expectation['error'];
    } else if (key === 'rules' || key === 'offending') {
      if (!isMap(value) || value.items.length > MAX_ENTRIES) throw invalid(file, value, lines, `"${key}" must be a mapping of rule names (at most ${MAX_ENTRIES})`);
      for (const entry of value.items) {
        const rule = isScalar(entry.key) && typeof entry.key.value === 'string' ? entry.key.value : undefined;
        if (rule === undefined) throw invalid(file, entry.key as Node, lines, `"${key}" keys must be rule names`);
        const v = entry.value as Node | null;
        if (key === 'rules') {
          if (!isScalar(v) || !(OUTCOMES as readonly unknown[]).includes(v.value)) throw invalid(file, v, lines, `the outcome of rule "${printable(rule, 80)}" must be one of ${OUTCOMES.join(', ')}`);
          expect.rules.set(rule, v.value as RuleOutcome);
        } else {
          const names = isSeq(v) ? v.items.map((i) => (isScalar(i) && typeof i.value === 'string' ? i.value : undefined)) : [undefined];
          if (names.includes(undefined) || names.length === 0 || names.length > MAX_ENTRIES) {
            throw invalid(file, v, lines, `the offending names of rule "${printable(rule, 80)}" must be a non-empty list of strings`);
          }
          expect.offending.set(rule, names as string[]);
        }
      }
    } else {
      const shown = typeof key === 'string' ? key : String(key);
      const near = nearest(shown, EXPECT_FIELDS);
      throw invalid(file, pair.key as Node, lines, `unknown field "${printable(shown, 60)}"${near ? `; did you mean "${near}"?` : ` (the fields: ${EXPECT_FIELDS.join(', ')})`}`);
    }
  }
  if (expect.error !== undefined && (expect.passed !== undefined || expect.rules.size + expect.offending.size > 0)) {
    throw new PolicyError('INVALID_TEST', `${file}: "error" expects no verdict, so it goes alone (no passed, rules or offending)`);
  }
  return expect;
}

/** Every rule an expectation names must exist in the policies: a misspelt name is a malformed fixture, not a pass. */
function checkRuleNames(compiled: readonly CompiledPolicy[], c: TestCase): void {
  const names = compiled.flatMap((p) => p.rules.map((r) => r.rule.name));
  for (const rule of [...c.expect.rules.keys(), ...c.expect.offending.keys()]) {
    if (names.includes(rule)) continue;
    const near = nearest(rule, names);
    throw new PolicyError('INVALID_TEST', `${c.expectFile}: no rule is named "${printable(rule, 80)}" in the policies given${near ? `; did you mean "${printable(near, 80)}"?` : ''}`);
  }
}

function compare(expect: Expectation, result: PolicyResult): string[] {
  const problems: string[] = [];
  if (expect.error !== undefined) problems.push(`expected ${expect.error}, but the policies gave a verdict (${result.passed ? 'passed' : 'denied'})`);
  if (expect.passed !== undefined && expect.passed !== result.passed) {
    problems.push(`expected the policies to ${expect.passed ? 'pass' : 'deny'}, but they ${result.passed ? 'passed' : 'denied'}`);
  }
  for (const [name, outcome] of expect.rules) {
    // A rule name found in several files: each of them must have the outcome.
    for (const rule of result.rules.filter((r) => r.name === name)) {
      if (rule.outcome !== outcome) problems.push(`rule "${name}" (${rule.source}): expected ${outcome}, got ${rule.outcome}`);
    }
  }
  for (const [name, wanted] of expect.offending) {
    for (const rule of result.rules.filter((r) => r.name === name)) {
      const listed = rule.offending?.items.map((i) => i.name) ?? [];
      const missing = wanted.filter((w) => !listed.includes(w));
      if (missing.length > 0) {
        const shown = listed.length === 0 ? `none${rule.unexplained !== undefined ? ` (${rule.unexplained})` : ''}` : listed.map((l) => JSON.stringify(l)).join(', ');
        problems.push(`rule "${name}" (${rule.source}): expected ${missing.map((m) => JSON.stringify(m)).join(', ')} among the offending names; listed: ${shown}`);
      }
    }
  }
  return problems;
}

/**
 * Runs every case: evaluates the policies over its input and compares with its expectation.
 * A case whose rules cannot be evaluated (EVAL_ERROR, EVAL_TIMEOUT) fails unless it expects
 * that error. Expectations that name no rule of the policies are INVALID_TEST (exit 2).
 */
export function runPolicyTests(compiled: readonly CompiledPolicy[], cases: readonly TestCase[], options: EvaluateOptions = {}): TestRun {
  for (const c of cases) checkRuleNames(compiled, c);
  const results: CaseResult[] = cases.map((c) => {
    let result: PolicyResult;
    try {
      result = evaluatePolicies(compiled, c.input, options);
    } catch (error) {
      if (!(error instanceof PolicyError) || (error.code !== 'EVAL_ERROR' && error.code !== 'EVAL_TIMEOUT')) throw error;
      const ok = c.expect.error === error.code;
      return { name: c.name, passed: ok, problems: ok ? [] : [`the policies gave no verdict: ${error.message}`], got: { error: error.code } };
    }
    const problems = compare(c.expect, result);
    return { name: c.name, passed: problems.length === 0, problems, got: { passed: result.passed } };
  });
  const passed = results.filter((r) => r.passed).length;
  return { passed: passed === results.length, cases: results, counts: { cases: results.length, passed, failed: results.length - passed } };
}
