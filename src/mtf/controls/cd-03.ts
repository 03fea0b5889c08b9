/**
 * CD-03 Description Safety (MTF-0.1 §3.5, L2), with the shared analyzer src/safety. Spec vs
 * reference: the reference reads only tool descriptions and misses "ignore all previous
 * instructions", zero-width and bidi characters and homoglyphs, and flags "Get the API key
 * status"; here every tool and prompt name, title, description, prompt text and argument (and,
 * for live servers, input/output schemas, resources and server instructions) is analysed.
 * Critical and high signals block (§3.5: override, exfiltration, transmission, obfuscation,
 * hidden instructions, semantic mismatch); medium and low ones are warnings.
 */
import { blocking, checkDescriptionSafety, type Surface } from '../declarations.js';
import { FindingList, asArray, asString, field } from '../source.js';
import type { BundleContext, Control, ControlResult } from '../types.js';

export function manifestSurface(manifest: Record<string, unknown>): Surface {
  const surface: Surface = { items: [], texts: [], file: 'manifest.json' };
  for (const tool of (asArray(field(manifest, 'tools')) ?? []).slice(0, 10_000)) surface.items.push({ kind: 'tool', value: tool });
  for (const prompt of (asArray(field(manifest, 'prompts')) ?? []).slice(0, 10_000)) surface.items.push({ kind: 'prompt', value: prompt });
  for (const key of ['description', 'long_description']) {
    const text = asString(field(manifest, key));
    if (text) surface.texts.push({ where: `manifest ${key}`, text });
  }
  return surface;
}

function run(ctx: BundleContext): ControlResult {
  const f = new FindingList('CD-03');
  if (!ctx.manifest) {
    f.add('high', 'No manifest', 'Descriptions cannot be checked without a readable manifest.json (see AI-01).');
    return { status: 'fail', findings: f.items };
  }
  checkDescriptionSafety(manifestSurface(ctx.manifest), f);
  return { status: blocking(f) ? 'fail' : 'pass', findings: f.items };
}

export const control: Control = { id: 'CD-03', name: 'Description Safety', domain: 'capability_declaration', run };
