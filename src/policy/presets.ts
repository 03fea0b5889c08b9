import { createHash } from 'node:crypto';
import type { Policy } from './load.js';
import { PARSED_PRESETS_JSON } from './presets.generated.js';

/** The presets shipped in `policies/` (plain YAML a user can copy). The CLI reads the files. */
export const PRESETS = ['baseline', 'strict'] as const;
export type PresetName = (typeof PRESETS)[number];

export function isPreset(name: string): name is PresetName {
  return (PRESETS as readonly string[]).includes(name);
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
  return { source: `preset:${name}`, ...built.policy };
}
