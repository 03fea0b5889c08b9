import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseLockfile } from '../../src/lockfile/parse.js';
import { compilePolicy, type CompiledPolicy } from '../../src/policy/compile.js';
import { PolicyError } from '../../src/policy/errors.js';
import { FAST_BAIL, fastValue, type FastRule } from '../../src/policy/fast-eval.js';
import { buildPolicyInput, type PolicyInput } from '../../src/policy/input.js';
import { parsePolicy } from '../../src/policy/load.js';
import type { Lockfile } from '../../src/lockfile/types.js';
import { repoRoot } from '../helpers/cli.js';

export const fixtures = join(repoRoot, 'testdata', 'policy');

export function fixtureText(name: string): string {
  return readFileSync(join(fixtures, name), 'utf8');
}

export function fixtureLock(name: string): Lockfile {
  return parseLockfile(fixtureText(name), name);
}

export function presetText(name: string): string {
  return readFileSync(join(repoRoot, 'policies', `${name}.yaml`), 'utf8');
}

/** A policy text parsed and compiled, as the CLI does. */
export function compile(text: string, source = 'p.yaml'): CompiledPolicy {
  return compilePolicy(parsePolicy(text, source));
}

/** A policy of one rule `name` (file p.yaml, the expression at line 4, column 11). */
export function oneRule(expr: string, name = 'r'): CompiledPolicy {
  return compile(`name: t\nrules:\n  - name: ${name}\n    expr: '${expr}'\n    failure_msg: nope\n`);
}

/** The policy input of testdata/policy/clean.lock.json. */
export function cleanInput(): PolicyInput {
  return buildPolicyInput({ lock: fixtureLock('clean.lock.json') });
}

/** The PolicyError `fn` throws; the test fails if it throws anything else, or nothing. */
export function policyError(fn: () => unknown): PolicyError {
  try {
    fn();
  } catch (error) {
    if (!(error instanceof PolicyError)) throw new Error(`expected a PolicyError, got ${String(error)}`, { cause: error });
    return error;
  }
  throw new Error('expected a PolicyError');
}

/**
 * A rule's value as evaluatePolicies takes it, without its time limits: the closures' when they
 * decide, else `evaluate`'s (cel-js, with its value or its error).
 */
export function evaluateWithFast(fast: FastRule | undefined, evaluate: () => unknown, input: unknown): unknown {
  const value = fastValue(fast, input);
  return value === FAST_BAIL ? evaluate() : value;
}
