/**
 * A valid matches() pattern that runs out of the regular-expression engine's stack on a long
 * text is reported as that (exit 2, EVAL_ERROR), not as an invalid pattern: cel-js turns any
 * exception of matches() into "Invalid regular expression", which sent users to fix a pattern
 * that was fine.
 */
import { describe, expect, it } from 'vitest';
import { evaluatePolicy } from '../../src/policy/evaluate.js';
import { cleanInput, oneRule, policyError } from './helpers.js';

function longDescriptionInput() {
  // One tool: all() over several would be false on another tool's description, error or not.
  const input = cleanInput();
  const [tool] = input.tools;
  (tool as { description: string }).description = 'ab'.repeat(4 << 20);
  return { ...input, tools: [tool!] };
}

describe('matches() on a text of millions of characters', () => {
  it.each([['^(a|b)*$'], ['(?:a|b)+c']])('%s: EVAL_ERROR that names the stack, not an invalid pattern', (pattern) => {
    const error = policyError(() => evaluatePolicy(oneRule(`input.tools.all(t, t.description.matches("${pattern}"))`), longDescriptionInput()));
    expect(error.code).toBe('EVAL_ERROR');
    expect(error.message).toContain(`matches("${pattern}") ran out of the regular-expression engine's stack`);
    expect(error.message).not.toContain('Invalid regular expression');
  });

  it('an invalid pattern is still called invalid', () => {
    const error = policyError(() => evaluatePolicy(oneRule('input.tools.all(t, t.description.matches("(a"))'), cleanInput()));
    expect(error.code).toBe('EVAL_ERROR');
    expect(error.message).toContain('Invalid regular expression: (a');
  });

  it('a pattern the engine can run on the long text gives its verdict', () => {
    expect(evaluatePolicy(oneRule('input.tools.all(t, t.description.matches("^(?:ab)*$"))'), longDescriptionInput()).passed).toBe(true);
    expect(evaluatePolicy(oneRule('input.tools.all(t, t.description.matches("^(?:ab)*c$"))'), longDescriptionInput()).passed).toBe(false);
  });
});
