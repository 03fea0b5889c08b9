// The patterns of the other controls (CD-01/02/04/05, CQ-04, CQ-06, SC, PR, AI), of the
// declarations analysis, the dependency readers and the signature / attestation checks run in
// linear time on attacker text (SECURITY.md: attacker text never stalls a scan). Two parts:
//  1. every regular-expression literal of those files, read from the source (a new pattern is
//     covered automatically), run on adversarial text built from its own words: long runs of
//     spaces, repeated keywords with "(", quotes and dots between, near-matches that fail at the
//     end, identifier / base64 / hex / dot / "({" / "a$" runs, unclosed quotes. Every input at
//     256 KiB, and one at 1 MiB;
//  2. each control that reads bundle text, run on a 1 MiB bundle crafted against it, still finding
//     its true positive at the end.
// No wall time is asserted (it flakes on a loaded machine): synchronous regex work runs under the
// shared hang guard, which terminates a runaway regex, and async control runs under vitest's
// per-test timeout. Speed and the 64 KiB → 256 KiB growth are measured by `npm run bench`
// (scripts/bench/61-linear.mjs).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { control as cd01 } from '../../src/mtf/controls/cd-01.js';
import { control as cd02 } from '../../src/mtf/controls/cd-02.js';
import { control as cd04 } from '../../src/mtf/controls/cd-04.js';
import { control as cd05 } from '../../src/mtf/controls/cd-05.js';
import { control as cq04 } from '../../src/mtf/controls/cq-04.js';
import { substitute } from '../../src/mtf/controls/cq-06.js';
import { control as sc05 } from '../../src/mtf/controls/sc-05.js';
import { parsePep440 } from '../../src/mtf/deps/pep440.js';
import type { Control, ControlResult } from '../../src/mtf/types.js';
import { repoRoot } from '../helpers/cli.js';
import { withinHangGuard } from '../helpers/watchdog.js';
import { brief, runControl } from './sccq-helpers.js';

const MiB = 1 << 20;

function fill(unit: string, n: number): string {
  return unit.repeat(Math.ceil(n / unit.length)).slice(0, n);
}

/** Whole copies of `unit`, at least `n` characters. */
function rep(unit: string, n: number): string {
  return unit.repeat(Math.ceil(n / unit.length));
}

/** The files whose patterns see bundle, manifest or server text (CD-03 has its own owner and tests). */
const AUDITED = [
  'src/mtf/controls/cd-01.ts', 'src/mtf/controls/cd-02.ts', 'src/mtf/controls/cd-04.ts', 'src/mtf/controls/cd-05.ts',
  'src/mtf/controls/cq-04.ts', 'src/mtf/controls/cq-06.ts',
  'src/mtf/controls/sc-01.ts', 'src/mtf/controls/sc-02.ts', 'src/mtf/controls/sc-03.ts', 'src/mtf/controls/sc-04.ts', 'src/mtf/controls/sc-05.ts',
  'src/mtf/controls/pr-01.ts', 'src/mtf/controls/pr-02.ts', 'src/mtf/controls/pr-03.ts', 'src/mtf/controls/pr-04.ts', 'src/mtf/controls/pr-05.ts',
  'src/mtf/controls/ai-01.ts', 'src/mtf/controls/ai-02.ts', 'src/mtf/controls/ai-03.ts', 'src/mtf/controls/ai-04.ts',
  'src/mtf/declarations.ts', 'src/mtf/deps/inventory.ts', 'src/mtf/deps/sbom.ts', 'src/mtf/deps/osv.ts', 'src/mtf/deps/vex.ts',
  'src/mtf/deps/npm-advisories.ts', 'src/mtf/deps/pep440.ts', 'src/mtf/deps/coverage.ts', 'src/mtf/signature.ts', 'src/mtf/attestation.ts',
  'src/mtf/source.ts', 'src/mtf/rules/python-static.ts', 'src/mtf/live.ts', 'cmd/commands/scan.ts', 'cmd/render/scan.ts',
];

/** Every regular-expression literal of a source file, with its line. */
function literals(file: string): { at: string; re: RegExp }[] {
  const text = readFileSync(join(repoRoot, file), 'utf8');
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const out: { at: string; re: RegExp }[] = [];
  const visit = (n: ts.Node) => {
    if (n.kind === ts.SyntaxKind.RegularExpressionLiteral) {
      const lit = (n as ts.RegularExpressionLiteral).text;
      const slash = lit.lastIndexOf('/');
      out.push({ at: `${file}:${sf.getLineAndCharacterOfPosition(n.getStart()).line + 1}`, re: new RegExp(lit.slice(1, slash), lit.slice(slash + 1)) });
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

/** Words of a pattern (keywords an attacker repeats to make a regex try every split). */
function wordsOf(re: RegExp): string[] {
  return [...new Set(re.source.replace(/\\[sSwWdDbBn]/g, ' ').replace(/\\/g, '').match(/[A-Za-z_][A-Za-z0-9_]+/g) ?? [])].slice(0, 8);
}

/** Runs of one unit: spaces, identifiers, digits, dots, quotes, "({", "a$", "${", escapes, base64, hex. */
const RUNS = [' ', '\t', 'a', '1', '.', '/', '"', "'", '(', '({', '@', '=', 'a$', 'a.', '1.', '. ', 'a/', '${', '\\x41', 'QUJDRGVm+/', '0af9'];
const runs = new Map<string, string>();
const runOf = (unit: string, n: number) => runs.get(`${n}:${unit}`) ?? runs.set(`${n}:${unit}`, fill(unit, n)).get(`${n}:${unit}`)!;

type Input = [name: string, make: (n: number) => string];

/** Adversarial inputs for one pattern, each of any length n. */
function* adversarial(re: RegExp): Generator<Input> {
  for (const run of RUNS) yield [`run ${JSON.stringify(run)}`, (n) => runOf(run, n)];
  const words = wordsOf(re);
  for (const w of words) {
    for (const sep of [' ', '(', '"', '.']) yield [`${w}${JSON.stringify(sep)} repeated`, (n) => fill(`${w}${sep}`, n)];
    yield [`${w} then spaces`, (n) => `${w}${fill(' ', n)}!`];
    yield [`${w}( then "({"`, (n) => `${w}(${fill('({', n)}`];
    yield [`${w}(" then an identifier`, (n) => `${w}("${fill('abc', n)}`];
  }
  if (words.length > 0) {
    yield ['all words with " ( " between', (n) => fill(`${words.join(' ( ')} `, n)];
    yield ['all words with quotes between', (n) => fill(`${words.join('"')}": "`, n)];
    yield ['all words with dots between', (n) => fill(`${words.join('.')}.`, n)];
  }
}

function runAll(re: RegExp, text: string): void {
  if (!re.global) {
    re.test(text);
    return;
  }
  re.lastIndex = 0;
  for (let m = re.exec(text), n = 0; m && n < 1_000_000; m = re.exec(text), n++) if (m[0].length === 0) re.lastIndex++;
}

/** Every input at 256 KiB; each pattern also runs its first word-built input at 1 MiB. */
const SWEEP = 256 * 1024;

describe('every pattern of the audited files finishes on adversarial text (256 KiB sweeps, one 1 MiB input each)', () => {
  const all = AUDITED.flatMap(literals);
  it('finds the patterns (the list of files is current)', () => {
    expect(all.length).toBeGreaterThan(100);
  });
  for (const { at, re } of all) {
    it(`${at} ${re.source.length > 60 ? `${re.source.slice(0, 60)}…` : re.source}`, () => {
      const inputs = [...adversarial(re)];
      for (const [, make] of inputs) withinHangGuard(() => runAll(re, make(SWEEP)));
      const [, make] = inputs.find(([n]) => !n.startsWith('run ')) ?? inputs[0]!;
      withinHangGuard(() => runAll(re, make(MiB)));
    });
  }
});

/** Runs a control on a bundle folder made of `files` (plus a manifest). */
async function runOn(control: Control, files: Record<string, string>, meta: Record<string, unknown> = {}): Promise<{ result: ControlResult }> {
  const dir = mkdtempSync(join(tmpdir(), 'mcptrust-linear-'));
  try {
    const manifest = {
      manifest_version: '0.3', name: 'x', version: '1.0.0', description: 'x', author: { name: 'a' },
      server: { type: 'node', entry_point: 'index.js', mcp_config: { command: 'node', args: ['${__dirname}/index.js'] } },
      tools: [{ name: 'declared', description: 'A declared tool.' }],
      _meta: { 'org.mpaktrust': { permissions: { filesystem: 'none', network: 'none', environment: 'none', subprocess: 'none', native: 'none' }, ...meta } },
    };
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
    for (const [path, text] of Object.entries(files)) writeFileSync(join(dir, path), text);
    return { result: await runControl(control, dir) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const lines = (text: string) => text.split('\n').length;

describe('controls on 1 MiB bundles crafted against them still find the true positive at the end', () => {
  it('CD-01: 1,000 tool registrations after 1 MiB of newlines (line numbers were counted from the top for each)', async () => {
    const pad = rep('\n', MiB);
    const { result } = await runOn(cd01, { 'index.js': `${pad}${'server.tool("extra", {}, () => 1);\n'.repeat(1001)}` });
    expect(brief(result)).toEqual([['medium', 'Implemented tool not declared', 'index.js', lines(pad)]]);
  });

  it('CD-01: Python decorators over dots, newlines and unclosed calls', async () => {
    const pad = `@${rep('a.', MiB / 4)}\n${rep('@mcp.tool(\n', MiB / 4)}\n${rep('@tool()\n\n  \n', MiB / 4)}\n${rep('Tool(name = ', MiB / 4)}\n`;
    const { result } = await runOn(cd01, { 'server.py': `${pad}@mcp.tool()\nasync def extra(query: str):\n    return query\n` });
    expect(brief(result)).toEqual([['medium', 'Implemented tool not declared', 'server.py', lines(pad)]]);
  });

  it('CD-02: lines of near-matches (spaces after require(, open( without a mode, process.env runs), then child_process', async () => {
    const pad = [rep(`x = require(${' '.repeat(1900)}\n`, MiB / 4), rep(`open("${'a,'.repeat(900)}\n`, MiB / 4), rep(`y = process.envX${'A'.repeat(1900)}\n`, MiB / 4), rep('os.environ["AWS' + '_'.repeat(1900) + '\n', MiB / 4)].join('');
    const { result } = await runOn(cd02, { 'index.js': `${pad}const cp = require('child_process');\n` });
    expect(brief(result)).toEqual([['critical', 'Undeclared subprocess use', 'index.js', lines(pad)]]);
  });

  it('CD-04: 1 MiB of OAuth near-misses, then a refresh_token', async () => {
    const pad = `${rep('oauthx client_secre refresh_tokens accounts.google.com/o/oauth3 ', MiB)}\n`;
    const { result } = await runOn(cd04, { 'index.js': `${pad}const t = body.refresh_token;\n` });
    expect(brief(result)).toEqual([['high', 'OAuth used without a credentials declaration', 'index.js', lines(pad)]]);
  });

  it('CD-05: unclosed open("token… and writeFile(tokens… runs, then a token written to a file', async () => {
    const credentials = [{ provider: 'x', token_handling: { storage: 'memory', max_lifetime_seconds: 3600 } }];
    const py = `${rep(`open("${'token'.repeat(40)}`, MiB)}\n`;
    const js = `${rep(`writeFile(${'tokens'.repeat(40)}`, MiB)}\n`;
    const a = await runOn(cd05, { 'server.py': `${py}open("token.json", "w")\n` }, { credentials });
    const b = await runOn(cd05, { 'index.js': `${js}fs.writeFileSync(path, token);\n` }, { credentials });
    expect(brief(a.result)).toEqual([['medium', 'Token persisted to a file without declaration', 'server.py', lines(py)]]);
    expect(brief(b.result)).toEqual([['medium', 'Token persisted to a file without declaration', 'index.js', lines(js)]]);
  });

  it('CQ-04: 1 MiB of @x.tool() decorators before their def (each read the rest of the file to find its def)', async () => {
    const pad = `${rep('@x.tool()\n', MiB)}def ordinary():\n    return 1\n`;
    const { result } = await runOn(cq04, { 'server.py': `${pad}@mcp.tool()\ndef search(query, limit: int):\n    return query\n` });
    expect(brief(result)).toEqual([['medium', 'Partial input validation', 'server.py', lines(pad) + 1]]);
    expect(result.findings.map((f) => f.description)).toEqual(['search: untyped parameters: query', `${lines(pad) - 2} tool handlers found, 0 validated by a typed schema, ${lines(pad) - 3} take no arguments`]);
  });

  it('CQ-04: server.tool arguments full of "({" and "a$" runs, then a handler without a schema', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 8; i++) files[`t${i}.js`] = rep(`server.tool("a", ${'({'.repeat(600)}`, MiB / 16) + rep(`server.tool("b", ${'a$'.repeat(600)}`, MiB / 16);
    const { result } = await runOn(cq04, { ...files, 'index.js': 'server.tool("search", "Search.", async ({ query }, extra) => run(query));\n' });
    expect(brief(result).filter((f) => f[2] === 'index.js')).toEqual([['high', 'Tool handler without input validation', 'index.js', 1]]);
  });

  it('SC-05: .npmrc lines of scoped near-misses, then a registry elsewhere', async () => {
    const pad = rep(`@${'a.'.repeat(500)}:registr ${' '.repeat(500)}\n`, MiB);
    const { result } = await runOn(sc05, { '.npmrc': `${pad}registry = "http://registry.invalid/"\n`, 'package.json': '{"name":"x","version":"1.0.0"}' });
    expect(brief(result)).toContainEqual(['medium', 'Registry configuration points elsewhere', '.npmrc', lines(pad)]);
  });
});

describe('helpers on 1 MiB values', () => {
  it('CQ-06 substitute: a run of "${" and one real variable at the end', () => {
    withinHangGuard(() => substitute(rep('${', MiB), '/b'));
    withinHangGuard(() => substitute(rep('${a', MiB), '/b'));
    const { value, unresolved } = withinHangGuard(() => substitute(`${rep('$', MiB)}${rep('{', MiB)} \${__dirname}/x`, '/b'));
    expect(value.endsWith(' /b/x')).toBe(true);
    expect(unresolved).toBe(false);
  });

  it('PEP 440 versions: 1 MiB of dotted digits and near-misses', () => {
    for (const v of [`1${rep('.1', MiB)}x`, `${rep('1', MiB)}!`, `1.0${rep('-', MiB)}`, `1.0+${rep('a.', MiB)}`]) {
      expect(withinHangGuard(() => parsePep440(v))).toBeUndefined();
    }
    expect(parsePep440('1.2.3.post4.dev5')).toEqual({ epoch: 0, release: [1, 2, 3], post: 4, dev: 5 });
  });
});
