import { describe, expect, it } from 'vitest';
import { createLockfile } from '../../src/lockfile/build.js';
import { serializeLockfile } from '../../src/lockfile/build.js';
import { parseLockfile } from '../../src/lockfile/parse.js';
import type { LockedServer } from '../../src/lockfile/types.js';
import { buildPolicyInput } from '../../src/policy/input.js';
import { readableTexts } from '../../src/safety/index.js';
import * as reference from '../safety/reference/safety.js';
import { baseCorpus, mutations } from '../safety/corpus.js';

// The policy input's descriptionSignals (which skips definitions src/safety's quietDefinition
// proves clean, and otherwise analyses each text with the gated analyser) against the documented
// walk run with the ungated reference analyser: description first, then every field's key, then
// every string and key of each field but the description and the name (schema syntax values
// left out; keys and `required` entries read as text and as names), each evidence prefixed with
// where it was found.
function expected(definition: Record<string, unknown>): { kind: string; severity: string; evidence: string }[] {
  const out: { kind: string; severity: string; evidence: string }[] = [];
  const add = (where: string, text: string, name: boolean | 'only' = false) => {
    for (const s of name === 'only' ? reference.scanName(text) : name ? reference.scanKey(text) : reference.scanText(text)) out.push({ kind: s.kind, severity: s.severity, evidence: where === '' ? s.evidence : `${where}: ${s.evidence}` });
  };
  const description = typeof definition.description === 'string' ? definition.description : '';
  if (description !== '') add('', description);
  for (const field of Object.keys(definition).sort()) {
    add(`${field} (key)`, field, true);
    if (field === 'description' || field === 'name') continue;
    const walk = readableTexts(definition[field], { schema: field === 'inputSchema' || field === 'outputSchema' });
    for (const t of walk.texts) if (t.text !== '') add(`${field}${t.pointer}${t.key ? ' (key)' : ''}`, t.text, t.nameOnly ? 'only' : t.key || t.name === true || (field === 'arguments' && /^\/\d+(?:\/name)?$/.test(t.pointer)));
  }
  return out;
}

describe('policy input descriptionSignals: the quiet skip changes no signal', () => {
  const texts = baseCorpus().flatMap((s) => mutations(s).slice(0, 3));
  const tools: Record<string, Record<string, unknown>> = Object.create(null);
  texts.forEach((t, i) => {
    const name = `tool_${i}`;
    tools[name] =
      i % 2 === 0
        ? { name, description: t, inputSchema: { type: 'object', properties: { id: { type: 'string', description: 'record id' } } } }
        : { name, title: 'T', description: `Reads ${i}.`, inputSchema: { type: 'object', properties: { [t.slice(0, 60) || 'x']: { type: 'string', description: t, enum: [t] } } }, annotations: { readOnlyHint: true }, _meta: { note: t } };
  });
  const server = {
    name: 'corpus',
    transport: { type: 'stdio', command: 'node', args: ['server.mjs'], env: [] },
    surface: {
      identity: { serverInfo: { name: 'corpus', version: '1.0.0' }, protocolVersion: '2025-11-25', capabilities: { tools: {} } },
      tools,
      prompts: Object.create(null),
      resources: Object.create(null),
      resourceTemplates: Object.create(null),
    },
  } as unknown as LockedServer;
  // Through the lockfile writer and the strict reader, as `policy check` sees it.
  const lock = parseLockfile(serializeLockfile(createLockfile([server])), 'corpus.json');

  // In four slices of the tools, one test each, so no test holds vitest's worker for long
  // (tests/helpers/yield-between-tests.ts).
  const input = buildPolicyInput({ lock }, { names: new Set(['descriptionSignals']) });
  it.each([0, 1, 2, 3])('every tool of a corpus lockfile (part %i)', (part) => {
    expect(input.tools.length).toBeGreaterThan(1000);
    const differ: string[] = [];
    for (const [i, tool] of input.tools.entries()) {
      if (i % 4 !== part) continue;
      const definition = lock.servers.corpus!.surface.tools[tool.name]!;
      const want = expected(definition as Record<string, unknown>);
      if (JSON.stringify(tool.descriptionSignals) !== JSON.stringify(want)) differ.push(`${tool.name}: got ${JSON.stringify(tool.descriptionSignals).slice(0, 300)}, want ${JSON.stringify(want).slice(0, 300)}`);
    }
    expect(differ.slice(0, 5).join('\n')).toBe('');
  });

  it('the corpus lockfile draws signals (not vacuous)', () => {
    expect(input.tools.reduce((n, tool) => n + tool.descriptionSignals.length, 0)).toBeGreaterThan(1000);
  });
});
