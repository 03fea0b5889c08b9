/** The presets shipped in `policies/` (plain YAML a user can copy). The CLI reads the files. */
export const PRESETS = ['baseline', 'strict'] as const;
export type PresetName = (typeof PRESETS)[number];

export function isPreset(name: string): name is PresetName {
  return (PRESETS as readonly string[]).includes(name);
}
