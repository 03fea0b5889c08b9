import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compilePolicy } from '../../src/policy/compile.js';
import { PolicyError } from '../../src/policy/errors.js';
import { parsePolicy } from '../../src/policy/load.js';
import { repoRoot, runCli } from '../helpers/cli.js';
import { fixtures } from './helpers.js';

function compileMessage(expr: string): string {
  try {
    compilePolicy(parsePolicy(`name: t\nrules:\n  - name: r\n    expr: '${expr.replace(/'/g, "''")}'\n`, 'p.yaml'));
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyError);
    expect((error as PolicyError).code).toBe('COMPILE_ERROR');
    return (error as PolicyError).message;
  }
  return 'compiled';
}

describe('rules are type-checked against the documented input at compile time', () => {
  it('an unknown field names the rule, the position and the nearest field', () => {
    expect(compileMessage('input.tools.all(t, t.descripton != "")')).toBe(
      'p.yaml:4:11: rule "r" does not compile: input.tools[] has no field "descripton"; did you mean "description"? (at 1:22 in the expression)',
    );
    expect(compileMessage('input.drift.hasdrift')).toMatch(/input\.drift has no field "hasdrift"; did you mean "hasDrift"\? \(at 1:13 /);
    expect(compileMessage('input.mtf.servers.all(m, m.controls["CD-01"].levlCap == null)')).toMatch(/has no field "levlCap"; did you mean "levelCap"\?/);
    // Inside has(), a typo would be silently false: refused too.
    expect(compileMessage('input.tools.all(t, !has(t.anotations.destructiveHint))')).toMatch(/input\.tools\[\] has no field "anotations"; did you mean "annotations"\?/);
    expect(compileMessage('input.xyzzy')).toMatch(/input has no field "xyzzy" \(its fields: inputVersion, source, locked,/);
  });

  it('a field of a list, and literals a field can never equal, are refused', () => {
    expect(compileMessage('input.tools.name == "x"')).toMatch(/input\.tools is a list, it has no field "name"; to test its elements use input\.tools\.exists\(x, x\.name …\)/);
    expect(compileMessage('!input.tools.exists(t, t.risk_level == "HIGHH")')).toMatch(/input\.tools\[\]\.risk_level is never "HIGHH": it is one of "LOW", "MEDIUM", "HIGH"; did you mean "HIGH"\? \(at 1:40 /);
    expect(compileMessage('input.drift.items.exists(c, c.severity in ["critical", "hihg"])')).toMatch(/severity is never "hihg".*did you mean "high"\?/);
    expect(compileMessage('input.tools.all(t, t.hasDescription == "yes")')).toMatch(/input\.tools\[\]\.hasDescription is a bool, never a string/);
  });

  it('accepts open maps (server JSON), nullable objects, map keys and MCPTrust fields mcptrust does not provide', () => {
    for (const expr of [
      'input.tools.all(t, !has(t.inputSchema.properties) || size(t.inputSchema.properties) <= 5)',
      'input.tools.all(t, t.annotations.destructiveHint != true)',
      'input.server.name == "example-notes"',
      'input.prompts.definitions.all(n, input.prompts.definitions[n].argumentsHash.startsWith("sha256:"))',
      'has(input.artifact) && input.artifact.integrity != ""',
      '!has(input.provenance) || input.provenance.method == "cosign_slsa"',
      'input.servers.all(s, s.transport.type == "stdio" || s.identity.capabilities.tools != null)',
      'cel.bind(ts, input.tools, ts.all(t, t.hasDescription))',
    ]) {
      expect(compileMessage(expr), expr).toBe('compiled');
    }
  });

  it('every preset and every MCPTrust-style policy of testdata/policy compiles unchanged', () => {
    for (const [dir, file] of [
      ...readdirSync(join(repoRoot, 'policies')).map((f) => ['policies', f] as const),
      ['testdata/policy', 'mcptrust-starter.yaml'] as const,
      ['testdata/policy', 'mcptrust-v3.yaml'] as const,
      ['testdata/policy', 'strict-mixed.yaml'] as const,
      ['testdata/policy', 'warn-mode.yaml'] as const,
    ]) {
      expect(() => compilePolicy(parsePolicy(readFileSync(join(repoRoot, dir, file), 'utf8'), file)), file).not.toThrow();
    }
  });

  it('policy check exits 2 on a misspelt field before reading the lock', async () => {
    const r = await runCli(['policy', 'check', '--policy', 'typo-field.yaml', '--lock', 'no-such.lock.json'], { cwd: fixtures });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error: typo-field\.yaml:5:11: rule "described" does not compile: input\.tools\[\] has no field "descripton"; did you mean "description"\? \(at 1:22 in the expression\)/);
  });
});
