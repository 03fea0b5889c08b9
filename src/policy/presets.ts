import { createHash } from 'node:crypto';
import type { Policy, PolicyRule } from './load.js';
import { PARSED_PRESETS_JSON } from './presets.generated.js';

/** The presets shipped in `policies/` (plain YAML a user can copy). The CLI reads the files. */
export const PRESETS = ['baseline', 'strict'] as const;
export type PresetName = (typeof PRESETS)[number];

export function isPreset(name: string): name is PresetName {
  return (PRESETS as readonly string[]).includes(name);
}

/** The rules parsedPreset made from the build, with the expression each was made with. */
const BUILT = new WeakMap<PolicyRule, string>();

/**
 * Whether `rule` is a shipped preset's rule as the build parsed it (parsedPreset's), expression
 * unchanged: it type-checks against the input schema (scripts/policy-schemas.mjs compiles every
 * preset when it writes the file, and tests/policy/presets.test.ts checks them again), so
 * compilePolicy need not check it again on every run.
 */
export function isBuiltPresetRule(rule: PolicyRule): boolean {
  return BUILT.get(rule) === rule.expr;
}

/**
 * The preset `name` as parsePolicy reads `bytes` (the text of policies/NAME.yaml), taken from the
 * build (src/policy/presets.generated.ts) when `bytes` are exactly the text it was made from
 * (same SHA-256), so that a preset costs no YAML parser; undefined for any other text (an edited
 * file), which the caller parses as usual. Fresh objects on every call.
 */
export function parsedPreset(name: PresetName, bytes: Uint8Array): Policy | undefined {
  const presets = JSON.parse(PARSED_PRESETS_JSON) as Record<string, { sha256: string; policy: Omit<Policy, 'source'> } | undefined>;
  const built = Object.hasOwn(presets, name) ? presets[name] : undefined;
  if (!built || createHash('sha256').update(bytes).digest('hex') !== built.sha256) return undefined;
  const policy: Policy = { source: `preset:${name}`, ...built.policy };
  for (const rule of policy.rules) BUILT.set(rule, rule.expr);
  return policy;
}
