import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePolicy, MAX_POLICY_NESTING } from '../../src/policy/load.js';
import { PolicyError } from '../../src/policy/errors.js';
import { runCli, tempDir } from '../helpers/cli.js';

// A policy file nested a megabyte deep used to take 30 s and 1 GB in the YAML composer and then
// report "too many aliases". The nesting is counted first, in one pass of the lexer.
let dir: string;
let cleanup: () => void;
beforeAll(() => ({ dir, cleanup } = tempDir('mcptrust-yaml-depth-')));
afterAll(() => cleanup());

const RULE = "rules:\n  - name: ok\n    expr: 'true'\n";

describe('policy files nested too deep', () => {
  it.each([
    ['a megabyte of [', `rules: ${'['.repeat(1024 * 1024 - 8)}`, 1, 8 + MAX_POLICY_NESTING],
    ['- repeated on one line', `rules:\n  ${'- '.repeat(300_000)}x\n`, 2, 3 + 2 * MAX_POLICY_NESTING],
    ['{a: repeated', `rules: ${'{a: '.repeat(100_000)}`, 1, 8 + 4 * MAX_POLICY_NESTING],
  ])('%s: exit 2 naming file:line:col and the bound', async (_name, text, line, col) => {
    writeFileSync(join(dir, 'deep.yaml'), text);
    const r = await runCli(['policy', 'explain', '--policy', 'deep.yaml'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`deep.yaml:${line}:${col}: nests deeper than ${MAX_POLICY_NESTING} levels`);
    expect(r.stderr).not.toContain('aliases');
  }, 60_000);

  it('brackets inside quoted strings and comments are not nesting', () => {
    const quoted = `${RULE}    failure_msg: "${'['.repeat(500)}"\n# ${'{'.repeat(500)}\n`;
    expect(parsePolicy(quoted, 'q.yaml').rules[0]!.name).toBe('ok');
  });

  it('nesting at the bound parses; one more level is refused with the code', () => {
    const at = `${RULE}meta: ${'['.repeat(MAX_POLICY_NESTING - 0)}${']'.repeat(MAX_POLICY_NESTING)}\n`;
    // The schema refuses an unknown top-level field, but only after the nesting check passed.
    expect(() => parsePolicy(at, 'at.yaml')).toThrow(/not a valid policy/);
    const over = `${RULE}meta: ${'['.repeat(MAX_POLICY_NESTING + 1)}${']'.repeat(MAX_POLICY_NESTING + 1)}\n`;
    let caught: unknown;
    try {
      parsePolicy(over, 'over.yaml');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(PolicyError);
    expect((caught as PolicyError).code).toBe('MALFORMED_YAML');
    expect((caught as PolicyError).message).toBe(`over.yaml:4:${7 + MAX_POLICY_NESTING}: nests deeper than ${MAX_POLICY_NESTING} levels (a policy needs a few)`);
  });
});
