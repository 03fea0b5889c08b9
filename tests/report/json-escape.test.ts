import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '../../src/canonical/index.js';
import { createLockfile, serializeLockfile } from '../../src/lockfile/build.js';
import { parseLockfile } from '../../src/lockfile/parse.js';
import { escapeJsonText, safeJson } from '../../src/util/text.js';
import { fixtureServer, repoRoot, runCli, tempDir } from '../helpers/cli.js';
import { oneToolLockText } from '../helpers/lockfiles.js';
import { withinHangGuard } from '../helpers/watchdog.js';

// `--format json` reports (stdout and -o files) carry server and file text. A terminal, a pager or
// an editor showing them acts on C1 controls, bidi overrides, separators and invisibles, so no
// such character may appear raw in the bytes; JSON \u escapes keep the parsed value exact.

// One of each kind the issue names: bidi override, NEL (C1), line separator, zero-width space, a
// tag character (above U+FFFF), ESC and CR (JSON.stringify already escapes these two).
const HOSTILE = 'A\u202eB\u0085C\u2028D\u200bE\u{e0001}F\u001bG\rH';
const RAW: readonly [string, string][] = [
  ['U+202E', '\u202e'],
  ['U+0085', '\u0085'],
  ['U+2028', '\u2028'],
  ['U+200B', '\u200b'],
  ['U+E0001', '\u{e0001}'],
  ['ESC', '\u001b'],
  ['CR', '\r'],
];

// The whole unsafe set by Unicode property, written out apart from the implementation.
const ANY_UNSAFE =
  /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Bidi_Control}\p{Default_Ignorable_Code_Point}\p{Variation_Selector}\p{Noncharacter_Code_Point}]/gu;

/** Asserts that JSON text holds none of the hostile characters raw (a line feed is indentation). */
function expectNoRaw(text: string): void {
  for (const [name, c] of RAW) expect(text.includes(c), `${name} written raw`).toBe(false);
  const others = [...text.matchAll(ANY_UNSAFE)].map((m) => m[0]).filter((c) => c !== '\n');
  expect(others.map((c) => `U+${c.codePointAt(0)!.toString(16)}`)).toEqual([]);
}

/** Every string of a parsed JSON value, member names included. */
function allStrings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) allStrings(v, out);
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      allStrings(v, out);
    }
  }
  return out;
}

let dir: string;
let cleanup: () => void;
const cli = (argv: string[]) => runCli(argv, { cwd: dir });
const read = (file: string) => readFileSync(join(dir, file), 'utf8');

beforeAll(() => {
  ({ dir, cleanup } = tempDir('mcptrust-json-escape-'));
  writeFileSync(join(dir, 'a.json'), oneToolLockText());
  // The hostile text in a description, an argument and a capability's member name and value.
  const capabilities: JsonObject = { tools: {}, [`x-${HOSTILE}`]: { note: HOSTILE } };
  writeFileSync(join(dir, 'b.json'), oneToolLockText({ description: `Read a note. ${HOSTILE}`, args: ['s.mjs', HOSTILE], capabilities }));
  // The example server's lock with one tool renamed to a hostile name: check and lock see drift.
  const clean = parseLockfile(readFileSync(join(repoRoot, 'testdata', 'policy', 'clean.lock.json'), 'utf8'));
  const server = Object.values(clean.servers)[0]!;
  const tools = Object.create(null) as Record<string, JsonObject>;
  for (const [name, def] of Object.entries(server.surface.tools)) {
    const renamed = name === 'read_note' ? `read_${HOSTILE}` : name;
    tools[renamed] = { ...def, name: renamed };
  }
  writeFileSync(join(dir, 'example-hostile.json'), serializeLockfile(createLockfile([{ ...server, surface: { ...server.surface, tools } }])));
  writeFileSync(
    join(dir, 'hostile.yaml'),
    `name: hostile\ndescription: ${JSON.stringify(HOSTILE)}\nrules:\n  - name: never\n    description: ${JSON.stringify(HOSTILE)}\n    expr: 'false'\n    failure_msg: ${JSON.stringify(HOSTILE)}\n`,
  );
});
afterAll(() => cleanup());

describe('--format json reports write unsafe characters as \\u escapes, the parsed value exact', () => {
  it('diff --format json (stdout and -o)', async () => {
    const r = await cli(['diff', '--lock', 'a.json', '--against', 'b.json', '--format', 'json']);
    expect(r.code).toBe(1);
    const o = await cli(['diff', '--lock', 'a.json', '--against', 'b.json', '--format', 'json', '-o', 'diff.json']);
    expect(o.code).toBe(1);
    expect(read('diff.json')).toBe(r.stdout);
    expectNoRaw(r.stdout);
    const doc = JSON.parse(r.stdout) as { changes: { kind: string; detail: { texts: { after: string }[] } }[] };
    expect(doc.changes.find((c) => c.kind === 'tool')!.detail.texts[0]!.after).toBe(`Read a note. ${HOSTILE}`);
  });

  it('check --format json', async () => {
    const r = await cli(['check', '--lock', 'example-hostile.json', '--format', 'json', '--', ...fixtureServer('example-server.mjs')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    expectNoRaw(r.stdout);
    const doc = JSON.parse(r.stdout) as { drift: { changes: { name: string; change: string }[] } };
    expect(doc.drift.changes).toContainEqual(expect.objectContaining({ name: `read_${HOSTILE}`, change: 'removed' }));
  }, 30_000);

  it('lock --format json, when it refuses a drifted lockfile', async () => {
    cpSync(join(dir, 'example-hostile.json'), join(dir, 'lock-target.json'));
    const r = await cli(['lock', '-o', 'lock-target.json', '--format', 'json', '--', ...fixtureServer('example-server.mjs')]);
    expect(r.code).toBe(1);
    expectNoRaw(r.stdout);
    const doc = JSON.parse(r.stdout) as { written: boolean; changes: { name: string }[] };
    expect(doc.written).toBe(false);
    expect(doc.changes.map((c) => c.name)).toContain(`read_${HOSTILE}`);
  }, 30_000);

  it('policy check --format json and policy explain --format json', async () => {
    const r = await cli(['policy', 'check', '--policy', 'hostile.yaml', '--lock', 'a.json', '--against', 'b.json', '--format', 'json']);
    expect(r.code).toBe(1);
    expectNoRaw(r.stdout);
    const doc = JSON.parse(r.stdout) as { policy: { rules: { name: string; message: string }[] } };
    expect(doc.policy.rules).toEqual([expect.objectContaining({ name: 'never', message: HOSTILE })]);

    const e = await cli(['policy', 'explain', '--policy', 'hostile.yaml', '--format', 'json']);
    expect(e.code).toBe(0);
    expectNoRaw(e.stdout);
    expect(JSON.parse(e.stdout)).toMatchObject({ description: HOSTILE, rules: [{ description: HOSTILE, failure_msg: HOSTILE }] });
  });

  it('policy input --lock', async () => {
    const r = await cli(['policy', 'input', '--lock', 'b.json']);
    expect(r.code).toBe(0);
    expectNoRaw(r.stdout);
    const doc = JSON.parse(r.stdout) as {
      servers: { transport: { args: string[] }; identity: { capabilities: Record<string, unknown> }; tools: { description: string }[] }[];
    };
    const [server] = doc.servers;
    expect(server!.tools[0]!.description).toBe(`Read a note. ${HOSTILE}`);
    expect(server!.transport.args).toEqual(['s.mjs', HOSTILE]);
    expect(server!.identity.capabilities[`x-${HOSTILE}`]).toEqual({ note: HOSTILE });
  });

  it('scan --lock --format json (stdout and -o)', async () => {
    // The report names each server: here a hostile server name.
    writeFileSync(join(dir, 'c.json'), oneToolLockText({ server: `notes-${HOSTILE}`, description: `Read a note. ${HOSTILE}` }));
    const r = await cli(['scan', '--lock', 'c.json', '--format', 'json', '-o', 'scan-lock.json']);
    expect(r.code).toBe(1);
    expect(read('scan-lock.json')).toBe(r.stdout);
    expectNoRaw(r.stdout);
    expect(JSON.parse(r.stdout)).toMatchObject({ lockfile: 'c.json', passed: false, servers: [{ server: `notes-${HOSTILE}`, passed: false }] });
  });

  it('scan of a folder bundle --format json (stdout and -o)', async () => {
    cpSync(join(repoRoot, 'testdata', 'mtf', 'bundles', 'clean'), join(dir, 'bundle'), { recursive: true });
    const manifest = JSON.parse(read('bundle/manifest.json')) as { version: string; description: string };
    manifest.version = `1.2.0-${HOSTILE}`;
    manifest.description = HOSTILE;
    writeFileSync(join(dir, 'bundle', 'manifest.json'), JSON.stringify(manifest, null, 2));
    const r = await cli(['scan', 'bundle', '--format', 'json', '-o', 'report.json']);
    expect(r.code).toBe(0);
    expectNoRaw(r.stdout);
    const file = read('report.json');
    expectNoRaw(file);
    const doc = JSON.parse(r.stdout) as { bundle: { version: string } };
    expect(doc.bundle.version).toBe(`1.2.0-${HOSTILE}`);
    // The same report in the file (only the timing fields differ from one run to the next).
    expect((JSON.parse(file) as { bundle: unknown }).bundle).toEqual(doc.bundle);
  }, 60_000);
});

describe('safeJson and escapeJsonText', () => {
  it('keep the parsed value exact, member names included, for every unsafe character', () => {
    const value = { [HOSTILE]: [HOSTILE, { k: `\u007f\u009b\u061c\u180e\ufeff\u{e0100}\u{10ffff}\ud800x\udfff` }], n: 1.5, t: true, z: null };
    const text = safeJson(value);
    expectNoRaw(text);
    expect(JSON.parse(text)).toEqual(value);
    expect(text).toContain('"A\\u202eB\\u0085C\\u2028D\\u200bE\\udb40\\udc01F\\u001bG\\rH"');
    // Characters that are safe stay as they are, astral ones included.
    expect(safeJson({ s: 'é 中 😀 \t' })).toBe('{\n  "s": "é 中 😀 \\t"\n}');
  });

  it('leave JSON whitespace outside strings alone (tab indentation stays valid JSON)', () => {
    const value = { a: [HOSTILE, '\\"'], b: { c: 'x"y' } };
    const text = escapeJsonText(JSON.stringify(value, null, '\t'));
    expectNoRaw(text.replace(/[\t\n]/g, ''));
    expect(JSON.parse(text)).toEqual(value);
  });

  it('run in linear time: 1 MiB of each kind of unsafe character (under the hang guard)', () => {
    for (const c of ['\u200b', '\u0085', '\u{e0001}', '\u{1f600}', 'a']) {
      const s = c.repeat((1 << 20) / c.length);
      const text = withinHangGuard(() => safeJson({ s }));
      expect(JSON.parse(text), `U+${c.codePointAt(0)!.toString(16)}`).toEqual({ s });
    }
  });

  it('is not used for the lockfile: its canonical bytes (RFC 8785) keep the characters raw', () => {
    const text = oneToolLockText({ description: HOSTILE });
    expect(text).toContain(`"description": ${JSON.stringify(HOSTILE)}`);
    expect(text.includes('\u202e')).toBe(true);
  });

  it('every JSON renderer of cmd/ and src/report/ goes through it (no bare JSON.stringify)', () => {
    const dirs = ['cmd/commands', 'cmd/render', 'src/report'];
    const bare: string[] = [];
    for (const d of dirs) {
      for (const f of readdirSync(join(repoRoot, d)).filter((x) => x.endsWith('.ts'))) {
        if (readFileSync(join(repoRoot, d, f), 'utf8').includes('JSON.stringify(')) bare.push(`${d}/${f}`);
      }
    }
    expect(bare).toEqual([]);
  });
});
