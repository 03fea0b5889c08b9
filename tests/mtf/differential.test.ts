import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkDescriptionSafety, checkToolDeclaration, type Surface, type SurfaceItem } from '../../src/mtf/declarations.js';
import { FindingList } from '../../src/mtf/source.js';
import { parseLockfile } from '../../src/lockfile/parse.js';
import type { Lockfile } from '../../src/lockfile/types.js';
import * as reference from './reference/declarations.js';
import { baseCorpus, mutations } from '../safety/corpus.js';

// CD-01 and CD-03 as shipped against the reference (tests/mtf/reference/declarations.ts: the
// checks before the quiet-definition skip and the phrase gates, over the ungated reference
// analyser): the same findings, byte for byte, for the lockfiles of testdata and for surfaces
// that put every corpus text in every place a definition can hold text.
const root = join(import.meta.dirname, '..', '..');

function findings(check: typeof checkDescriptionSafety, surface: Surface): string {
  const f = new FindingList('CD-03');
  check(surface, f);
  const g = new FindingList('CD-01');
  (check === checkDescriptionSafety ? checkToolDeclaration : reference.checkToolDeclaration)(surface, surface.items.filter((i) => i.kind === 'tool').map((i) => i.value), g);
  return JSON.stringify([f.items, g.items]);
}

function lockSurfaces(): Surface[] {
  const out: Surface[] = [];
  const visit = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) visit(path);
      else if (name.endsWith('.json') && statSync(path).size < 4 * 1024 * 1024) {
        let lock: Lockfile;
        try {
          lock = parseLockfile(readFileSync(path, 'utf8'), path);
        } catch {
          continue;
        }
        for (const server of Object.values(lock.servers)) {
          const s = server.surface;
          const items: SurfaceItem[] = [];
          for (const v of Object.values(s.tools)) items.push({ kind: 'tool', value: v });
          for (const v of Object.values(s.prompts)) items.push({ kind: 'prompt', value: v });
          for (const v of Object.values(s.resources)) items.push({ kind: 'resource', value: v });
          for (const v of Object.values(s.resourceTemplates)) items.push({ kind: 'resource template', value: v });
          const instructions = s.identity.instructions;
          out.push({ items, texts: typeof instructions === 'string' && instructions !== '' ? [{ where: 'server instructions', text: instructions }] : [] });
        }
      }
    }
  };
  visit(join(root, 'testdata'));
  // The grading corpus: real servers' definitions (everything, filesystem, memory, github…),
  // their poisoned variants and held-out servers, one surface per group.
  const grading = JSON.parse(readFileSync(join(root, 'testdata', 'grading', 'corpus.json'), 'utf8')) as Record<string, unknown>;
  for (const group of ['added', 'poisoned', 'poisonedAdded', 'benignModified', 'heldOut']) {
    const entries = grading[group] as { kind: SurfaceItem['kind']; definition?: unknown; before?: unknown; after?: unknown }[];
    const items: SurfaceItem[] = [];
    for (const e of entries) for (const v of [e.definition, e.before, e.after]) if (v !== undefined) items.push({ kind: e.kind, value: v });
    out.push({ items, texts: [] });
  }
  return out;
}

/** Every text in every place: names, titles, descriptions, schema keys and values, annotations, _meta, arguments, URIs. */
function corpusSurfaces(): Surface[] {
  const texts = baseCorpus().flatMap((s) => mutations(s).slice(0, 4));
  const out: Surface[] = [];
  for (let at = 0; at < texts.length; at += 50) {
    const items: SurfaceItem[] = texts.slice(at, at + 50).flatMap((t, i): SurfaceItem[] => [
      { kind: 'tool', value: { name: t, description: `Reads ${i}.` } },
      {
        kind: 'tool',
        value: {
          name: `get_${i}`,
          title: t,
          description: t,
          inputSchema: { type: 'object', properties: { [t]: { type: 'string', description: t, enum: [t], default: t } }, required: [t] },
          annotations: { title: t, readOnlyHint: true, [t]: true },
          _meta: { [t]: { note: t } },
        },
      },
      { kind: 'prompt', value: { name: `p${i}`, description: t, arguments: [{ name: t, description: t }, t] } },
      { kind: 'resource', value: { uri: `file:///x/${i}`, name: t, description: t } },
      { kind: 'resource template', value: { uriTemplate: t, name: `t${i}` } },
    ]);
    out.push({ items, texts: [{ where: 'server instructions', text: texts[at]! }] });
  }
  return out;
}

describe('MTF CD-01/CD-03: the quiet skip and the phrase gates change no finding', () => {
  it('testdata lockfiles', () => {
    const surfaces = lockSurfaces();
    expect(surfaces.length).toBeGreaterThan(10);
    expect(surfaces.reduce((n, s) => n + s.items.length, 0)).toBeGreaterThan(150);
    for (const surface of surfaces) expect(findings(checkDescriptionSafety, surface)).toBe(findings(reference.checkDescriptionSafety as typeof checkDescriptionSafety, surface));
  });

  // In parts, each under the test time limit on a busy machine.
  const surfaces = corpusSurfaces();
  const PARTS = 16;
  let total = 0;
  it.each(Array.from({ length: PARTS }, (_, i) => i))('every corpus text in every place of a definition (part %i)', (part) => {
    for (let i = part; i < surfaces.length; i += PARTS) {
      const got = findings(checkDescriptionSafety, surfaces[i]!);
      expect(got).toBe(findings(reference.checkDescriptionSafety as typeof checkDescriptionSafety, surfaces[i]!));
      total += got.length;
    }
  });

  it('the corpus surfaces make findings (not vacuous)', () => {
    expect(total).toBeGreaterThan(100_000);
  });
});
