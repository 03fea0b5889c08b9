// The presets come parsed from the build (src/policy/presets.generated.ts) when policies/NAME.yaml
// is exactly the text they were parsed from: `--preset` then needs no YAML parser at run time.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error -- a plain .mjs build script without types
import { presetsSource } from '../../scripts/policy-schemas.mjs';
import { parsePolicy } from '../../src/policy/load.js';
import { isBuiltPresetRule, parsedPreset, PRESETS } from '../../src/policy/presets.js';
import { compilePolicy } from '../../src/policy/compile.js';
import { repoRoot } from '../helpers/cli.js';

const presetBytes = (name: string) => readFileSync(join(repoRoot, 'policies', `${name}.yaml`));

describe('parsed presets (src/policy/presets.generated.ts)', () => {
  it('is what scripts/policy-schemas.mjs writes from policies/ today (run it after editing a preset)', () => {
    const fresh = presetsSource(parsePolicy, PRESETS, (name: string) => presetBytes(name).toString('utf8'));
    expect(readFileSync(join(repoRoot, 'src', 'policy', 'presets.generated.ts'), 'utf8')).toBe(fresh);
  });

  it('gives each shipped preset exactly as parsePolicy reads its file, key order included', () => {
    for (const name of PRESETS) {
      const bytes = presetBytes(name);
      const built = parsedPreset(name, bytes);
      const parsed = parsePolicy(bytes.toString('utf8'), `preset:${name}`);
      expect(built).toEqual(parsed);
      expect(JSON.stringify(built)).toBe(JSON.stringify(parsed));
      expect(built!.rules.length).toBeGreaterThan(3);
    }
  });

  it('its rules compile with every check (compilePolicy skips the checks for a built preset rule at run time)', () => {
    for (const name of PRESETS) {
      const built = parsedPreset(name, presetBytes(name))!;
      expect(built.rules.every(isBuiltPresetRule)).toBe(true);
      const rechecked = compilePolicy(built, { recheck: true });
      const skipped = compilePolicy(parsedPreset(name, presetBytes(name))!);
      expect(skipped.rules.map((r) => [r.rule.name, r.program.ast.op, r.fast !== undefined])).toEqual(rechecked.rules.map((r) => [r.rule.name, r.program.ast.op, r.fast !== undefined]));
    }
  });

  it('the check is skipped only for a built preset rule whose expression is unchanged: a policy file or an edited rule is checked', () => {
    const parsed = parsePolicy(presetBytes('strict').toString('utf8'), 'preset:strict');
    expect(parsed.rules.some(isBuiltPresetRule)).toBe(false);
    const built = parsedPreset('strict', presetBytes('strict'))!;
    // A typo put into a built rule is found as in any policy file.
    built.rules[0]!.expr = '!input.drift.hasDirft';
    expect(isBuiltPresetRule(built.rules[0]!)).toBe(false);
    expect(() => compilePolicy(built)).toThrow(/rule "no_drift" does not compile: .*hasDirft/);
  });

  it('gives fresh objects: a caller that changes one does not change the next', () => {
    const first = parsedPreset('strict', presetBytes('strict'))!;
    first.rules.length = 0;
    first.name = 'changed';
    const second = parsedPreset('strict', presetBytes('strict'))!;
    expect(second.name).toBe('strict');
    expect(second.rules.length).toBe(parsePolicy(presetBytes('strict').toString('utf8'), 'preset:strict').rules.length);
  });

  it('gives nothing for any other text: an edited preset is parsed from its YAML', () => {
    const bytes = presetBytes('baseline');
    const edited = Buffer.concat([bytes, Buffer.from('# a comment added after the build\n')]);
    expect(parsedPreset('baseline', edited)).toBeUndefined();
    // One byte changed, same length.
    const flipped = Buffer.from(bytes);
    flipped[flipped.length - 2] = flipped[flipped.length - 2]! ^ 0x01;
    expect(parsedPreset('baseline', flipped)).toBeUndefined();
    // Another preset's text under this name.
    expect(parsedPreset('baseline', presetBytes('strict'))).toBeUndefined();
    expect(parsedPreset('strict', presetBytes('strict'))).toBeDefined();
  });
});
