// Round 18 (helper-84): `mcptrust scan` after two changes of this round.
// (1) src/mtf/controls/cq-03.ts imports the TypeScript parser only when a linted file matches
//     /\.(?:ts|mts|cts|tsx)$/i: every TypeScript source lower-case extension still gets its
//     findings; upper-case extensions were silently not linted (before this round too; FIXED).
// (2) src/mtf/schemas.ts validates with ajv standalone code made ahead of time
//     (src/mtf/schemas-validate.generated.ts): on adversarial manifests, extensions and the reports
//     of adversarial bundles (1 MiB format strings, __proto__/constructor keys, huge arrays,
//     numbers, unicode, deep nesting) its verdict and every error equal ajv compiling the schema
//     at run time; each format check runs once per field whatever its size.
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runtimeValidators, shippedValidators } from '../helpers/mtf-validators.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runScan } from '../../src/mtf/index.js';
import { mtfSchemas, type MtfSchemas } from '../../src/mtf/schemas.js';
import { repoRoot, tempDir } from '../helpers/cli.js';

// Every format function the generated validators call (FORMATS.uri, .date, ["date-time"]),
// counted: calls and characters checked. The e-mail format is a regular expression inlined in the
// generated code (linear: no nested quantifier can match the same text two ways).
const formatCalls = vi.hoisted(() => ({ calls: new Map<string, number>(), chars: new Map<string, number>() }));
vi.mock('ajv-formats/dist/formats.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('ajv-formats/dist/formats.js')>();
  const count = (name: string, s: unknown) => {
    formatCalls.calls.set(name, (formatCalls.calls.get(name) ?? 0) + 1);
    formatCalls.chars.set(name, (formatCalls.chars.get(name) ?? 0) + (typeof s === 'string' ? s.length : 0));
  };
  const full = { ...real.fullFormats } as Record<string, unknown>;
  const uri = real.fullFormats.uri as (s: string) => boolean;
  full.uri = (s: string) => (count('uri', s), uri(s));
  for (const name of ['date', 'date-time']) {
    const f = real.fullFormats[name as 'date'] as { validate: (s: string) => boolean; compare: unknown };
    full[name] = { ...f, validate: (s: string) => (count(name, s), f.validate(s)) };
  }
  return { ...real, fullFormats: full };
});

const shipped = shippedValidators();
const runtime = runtimeValidators(mtfSchemas());

type Manifest = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const CLEAN = join(repoRoot, 'testdata', 'mtf', 'bundles', 'clean');
const baseManifest = (): Manifest => JSON.parse(readFileSync(join(CLEAN, 'manifest.json'), 'utf8')) as Manifest;
const ext = (m: Manifest): Manifest => m._meta['org.mpaktrust'] as Manifest;
const own = (o: object, key: string, value: unknown) => Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
const K = 1024;

/** Adversarial edits of the clean bundle's manifest. */
const CASES: [string, (m: Manifest) => void][] = [
  ['clean', () => {}],
  ['email 256 KiB, invalid', (m) => (m.author.email = 'a'.repeat(256 * K))],
  ['email 1 MiB, invalid', (m) => (m.author.email = 'a'.repeat(1024 * K))],
  ['email 1 MiB, valid', (m) => (m.author.email = `a@${'a.'.repeat(512 * K - 2)}aa`)],
  ['email 1 MiB of a-a-a', (m) => (m.author.email = `a@${'a-'.repeat(512 * K)}!`)],
  ['uri 256 KiB, invalid', (m) => (m.homepage = `http://${'a'.repeat(256 * K)} `)],
  ['uri 1 MiB, invalid', (m) => (m.homepage = `http://${'a'.repeat(1024 * K)} `)],
  ['uri 1 MiB, valid', (m) => (m.documentation = `https://example.com/${'a/'.repeat(512 * K)}`)],
  ['uri 1 MiB of [', (m) => (m.support = `http://${'['.repeat(1024 * K)}`)],
  ['uri 1 MiB of %zz', (m) => (m.repository.url = `a:${'%z'.repeat(512 * K)}`)],
  ['date 256 KiB', (m) => (ext(m).scorecard.scan_date = `2026-11-01${'0'.repeat(256 * K)}`)],
  ['date 1 MiB', (m) => (ext(m).scorecard.scan_date = `2026-11-01${'0'.repeat(1024 * K)}`)],
  ['extension uri 1 MiB', (m) => (ext(m).signature = { signer_identity: `https://${'a'.repeat(1024 * K)}`, bundle_url: 'x' })],
  ['__proto__ at the top', (m) => own(m, '__proto__', { name: 'x' })],
  [
    '__proto__ everywhere',
    (m) => {
      for (const o of [m, m.author, m.repository, m.server, m.server.mcp_config, ext(m), ext(m).permissions, ext(m).source, m.tools[0], m.prompts[0]]) own(o as object, '__proto__', { admin: true });
      m.user_config = {};
      own(m.user_config as object, '__proto__', { type: 'string', title: 't', description: 'd' });
      m.server.mcp_config.env = {};
      own(m.server.mcp_config.env as object, '__proto__', 'x');
    },
  ],
  [
    'Object.prototype names as keys',
    (m) => {
      own(m, 'constructor', 'x');
      m.user_config = { constructor: { type: 'string', title: 't', description: 'd' }, toString: { type: 'bad' }, hasOwnProperty: 1, valueOf: { type: 'number', title: 't', description: 'd', min: 'x' } };
      ext(m).permissions.constructor = 'x';
      m.server.mcp_config.platform_overrides = { toString: { command: 1 }, __defineGetter__: { args: [1] } };
    },
  ],
  ['keywords: 200,000 numbers', (m) => (m.keywords = new Array(200_000).fill(0))],
  ['tools: 50,000 without a name', (m) => (m.tools = Array.from({ length: 50_000 }, () => ({ description: 1 })))],
  ['privacy_policies: 10,000 bad uris', (m) => (m.privacy_policies = Array.from({ length: 10_000 }, (_, i) => `not a uri ${i}`))],
  ['numbers', (m) => (m.user_config = { a: { type: 'number', title: 't', description: 'd', min: -0, max: 1.7976931348623157e308, default: 5e-324 }, b: { type: 'number', title: 't', description: 'd', min: 1e21, max: 1.5 } })],
  [
    'unicode: minLength, patterns, names',
    (m) => {
      m.icons = [{ src: 'a.png', size: '16x16', theme: '' }, { src: 'b.png', size: '16x16', theme: '\ud800' }, { src: 'c', size: '1x1', theme: '\u{1F600}' }, { src: 'd', size: '\u0661x\u0661' }, { src: 'e', size: '1x1\n' }];
      m.localization = { resources: '${locale}', default_locale: `en-${'abcdefgh-'.repeat(1000)}` };
      m.name = '@x/\u0131';
      ext(m).source.commit = '\uff41'.repeat(40);
    },
  ],
  ['relaxed 0.3', (m) => ((m.manifest_version = '0.3'), (m.author.email = 'not an email'), (m.mcp_config = { command: 1 }))],
  ['dxt_version only', (m) => (delete m.manifest_version, (m.dxt_version = '0.2'), (m.server = { type: 'node', entry_point: 'server/index.js' }))],
  [
    'extension: every kind of wrong',
    (m) => {
      ext(m).level = 5;
      ext(m).source.commit = 'A'.repeat(40);
      ext(m).credentials = [{ provider: 'g', scopes: [], justification: 1, token_handling: { storage: 'cloud', max_lifetime_seconds: -1 } }];
      ext(m).mtf_version = '0.1\n';
      ext(m).attestation = [];
    },
  ],
  ['extension: deep nesting (400 levels) in scorecard.checks', (m) => (ext(m).scorecard.checks = JSON.parse(`${'{"a":'.repeat(400)}1${'}'.repeat(400)}`))],
  ['_meta: deep nesting (500 levels)', (m) => (m._meta.deep = JSON.parse(`${'['.repeat(500)}${']'.repeat(500)}`))],
];

function edited(edit: (m: Manifest) => void): Manifest {
  const m = baseManifest();
  edit(m);
  return m;
}

function expectSame(name: keyof MtfSchemas, value: unknown, label: string): boolean {
  const ok = runtime[name](value);
  const generated = shipped[name];
  expect(generated(value), `${name}: ${label}`).toBe(ok);
  if (!ok) expect(generated.errors, `${name}: ${label}`).toEqual(runtime[name].errors);
  return ok;
}

describe('the generated validators on adversarial manifests: the run-time ajv\'s verdict and every error', () => {
  it('each case, as a manifest (exact and relaxed) and its extension', () => {
    const verdicts = new Set<string>();
    for (const [label, edit] of CASES) {
      const m = edited(edit);
      verdicts.add(`exact:${expectSame('mcpbExact', m, label)}`);
      verdicts.add(`relaxed:${expectSame('mcpbRelaxed', m, label)}`);
      if (typeof m._meta?.['org.mpaktrust'] === 'object') verdicts.add(`extension:${expectSame('extension', ext(m), label)}`);
    }
    expect([...verdicts].sort()).toEqual(['exact:false', 'exact:true', 'extension:false', 'extension:true', 'relaxed:false', 'relaxed:true']);
  });

  it('values that are no object, and objects whose prototype is not Object.prototype', () => {
    const odd: unknown[] = [null, undefined, 0, -0, NaN, Infinity, '', 'x', [], [{}], true, Object.create(null), Object.assign(Object.create(null), baseManifest()), new Date(0), /x/];
    for (const [i, value] of odd.entries()) {
      for (const name of ['mcpbExact', 'mcpbRelaxed', 'extension', 'report'] as const) expectSame(name, value, `odd ${i}`);
    }
    // A null-prototype manifest with the clean manifest's members: the same answer as the plain one.
    const plain = baseManifest();
    const bare = Object.assign(Object.create(null) as Manifest, plain);
    expect(shipped.mcpbExact(bare)).toBe(shipped.mcpbExact(plain));
    // Non-JSON values in a manifest (a reader never makes them, an API caller may): the same answer.
    for (const v of [NaN, Infinity, -Infinity, 10n, Symbol('s'), () => 1]) {
      const m = baseManifest();
      m.user_config = { a: { type: 'number', title: 't', description: 'd', min: v } };
      m.version = v;
      expectSame('mcpbExact', m, String(typeof v));
    }
  });

  it('each format check runs once per field, whatever its size: 256 KiB and 1 MiB make the same calls, 4x the characters', () => {
    const measure = (edit: (m: Manifest) => void, name: 'mcpbExact' | 'extension') => {
      formatCalls.calls.clear();
      formatCalls.chars.clear();
      const m = edited(edit);
      const started = process.cpuUsage();
      shipped[name](name === 'extension' ? ext(m) : m);
      const cpu = process.cpuUsage(started);
      return { calls: new Map(formatCalls.calls), chars: new Map(formatCalls.chars), cpuMs: (cpu.user + cpu.system) / 1000 };
    };
    const growth: string[] = [];
    for (const [what, name, small, large] of [
      ['uri', 'mcpbExact', (m: Manifest) => (m.homepage = `http://${'a'.repeat(256 * K)} `), (m: Manifest) => (m.homepage = `http://${'a'.repeat(1024 * K)} `)],
      ['uri', 'mcpbExact', (m: Manifest) => (m.documentation = `https://e.com/${'a/'.repeat(128 * K)}`), (m: Manifest) => (m.documentation = `https://e.com/${'a/'.repeat(512 * K)}`)],
      ['date', 'extension', (m: Manifest) => (ext(m).scorecard.scan_date = `2026-11-01${'0'.repeat(256 * K)}`), (m: Manifest) => (ext(m).scorecard.scan_date = `2026-11-01${'0'.repeat(1024 * K)}`)],
    ] as const) {
      const a = measure(small, name);
      const b = measure(large, name);
      expect(b.calls, what).toEqual(a.calls);
      const extra = (b.chars.get(what) ?? 0) - (a.chars.get(what) ?? 0);
      expect(extra, what).toBeGreaterThanOrEqual(700 * K);
      expect(extra, what).toBeLessThanOrEqual(800 * K);
      // Informational only (no time is asserted): CPU time grows about 4x for 4x the text.
      growth.push(`${what}: ${a.cpuMs.toFixed(1)} ms -> ${b.cpuMs.toFixed(1)} ms`);
    }
    console.log(`format checks, 256 KiB -> 1 MiB: ${growth.join('; ')}`);
  });
});

describe('scan of adversarial bundles: the report validates with both validators alike', () => {
  let dir = '';
  let cleanup = () => {};
  beforeAll(() => {
    ({ dir, cleanup } = tempDir('mcptrust-h84-scan-'));
  });
  afterAll(() => cleanup());

  it('every case scanned in-process: the report schema\'s answer and errors equal ajv\'s at run time', async () => {
    let i = 0;
    for (const [label, edit] of CASES) {
      // The large arrays make reports of tens of thousands of findings: a few are enough here.
      if (label.startsWith('tools: 50,000')) continue;
      const bundle = join(dir, `b${i++}`);
      cpSync(CLEAN, bundle, { recursive: true });
      writeFileSync(join(bundle, 'manifest.json'), JSON.stringify(edited(edit), null, 2));
      const { report } = await runScan(bundle, { now: new Date('2026-11-20T00:00:00Z') });
      const value = JSON.parse(JSON.stringify(report)) as unknown;
      expect(expectSame('report', value, label), label).toBe(true);
    }
    // A report with odd edits: the same answer too.
    const { report } = await runScan(join(dir, 'b0'), { now: new Date('2026-11-20T00:00:00Z') });
    const base = JSON.parse(JSON.stringify(report)) as Manifest;
    for (const [k, v] of [['version', 1], ['bundle', null], ['score', '__proto__'], ['level', -0], ['domains', []]] as const) {
      expectSame('report', { ...base, [k]: v }, `report.${k}`);
      const withProto = structuredClone(base);
      own(withProto, '__proto__', { [k]: v });
      expectSame('report', withProto, `report __proto__ ${k}`);
    }
  }, 240_000);
});

describe('scan of a manifest with very many tools', () => {
  // FIXED, was OPEN (before this round too: the old bin fails the same way): a manifest with 130,000 tools
  // without a name (a 1 MB manifest.json, `"tools": [{}, {}, …]`) makes CD-01 report one finding
  // per tool, and buildReport (src/mtf/report.ts:77, `findings.push(...own)`) spreads the 130,000
  // findings as call arguments: RangeError "Maximum call stack size exceeded". The scan ends in
  // "internal error: Maximum call stack size exceeded … please report it", exit 2, no report.
  // 100,000 tools still pass. Reproduction: copy testdata/mtf/bundles/clean to DIR, set
  // manifest.tools to 130,000 `{}`, `mcptrust scan DIR --format json`. Expected: a report (the
  // findings capped or appended without spreading), exit 0 or 1.
  it('FIXED (was OPEN): 130,000 tools without a name: a report, not a RangeError from buildReport', async () => {
    const { dir, cleanup } = tempDir('mcptrust-h84-many-');
    try {
      const bundle = join(dir, 'b');
      cpSync(CLEAN, bundle, { recursive: true });
      writeFileSync(join(bundle, 'manifest.json'), JSON.stringify(edited((m) => (m.tools = Array.from({ length: 130_000 }, () => ({}))))));
      const { report } = await runScan(bundle, { now: new Date('2026-11-20T00:00:00Z') });
      expect(Object.values(report.domains).some((d) => d !== undefined && 'CD-01' in d.controls)).toBe(true);
    } finally {
      cleanup();
    }
  }, 240_000);
});

// ---------------------------------------------------------------------------------------------
// CQ-03: the TypeScript parser loaded only for TypeScript files
// ---------------------------------------------------------------------------------------------

const EVIL_TS = `import { exec } from 'child_process';
export function run(cmd: string): void {
  exec(cmd);
  eval(cmd);
  const f = new Function(cmd);
  f();
}
`;
const EVIL_JS = EVIL_TS.replace('cmd: string): void', 'cmd)');

async function cq03(files: Record<string, string>): Promise<{ status: string; findings: { file?: string; title: string; description: string }[] }> {
  const { dir, cleanup } = tempDir('mcptrust-h84-cq-');
  try {
    const bundle = join(dir, 'b');
    cpSync(CLEAN, bundle, { recursive: true });
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(join(bundle, path, '..'), { recursive: true });
      writeFileSync(join(bundle, path), text);
    }
    const { report } = await runScan(bundle, { now: new Date('2026-11-20T00:00:00Z') });
    return report.domains.code_quality!.controls['CQ-03'] as never;
  } finally {
    cleanup();
  }
}

const titles = (r: Awaited<ReturnType<typeof cq03>>, file: string) => r.findings.filter((f) => f.file === file).map((f) => f.title).sort();
const EXPECTED = ['detect-child-process', 'detect-eval-with-expression', 'no-eval', 'no-new-func'];

describe('CQ-03 on TypeScript sources', () => {
  it('every lower-case TypeScript extension, alone in the bundle (the parser is loaded for it), deep paths and odd names: linted', async () => {
    for (const path of ['server/a.ts', 'server/b.mts', 'server/c.cts', 'server/d.tsx', 'server/deep/er/x y.ts', 'server/.hidden.ts', 'server/e.d.tsx', 'server/caf\u00e9.ts', 'server/\u{1F600}.mts', 'server/a.ts.ts']) {
      const r = await cq03({ [path]: path.endsWith('x') ? EVIL_TS.replace('(cmd: string): void', '(cmd: string): JSX.Element | void') : EVIL_TS });
      expect(titles(r, path), path).toEqual(EXPECTED);
      expect(r.status, path).toBe('fail');
    }
  }, 240_000);

  it('TypeScript next to JavaScript, and a TypeScript file just under the 1 MiB bound: linted; just over: counted as skipped', async () => {
    const pad = (n: number) => `${EVIL_TS}/*${'x\n'.repeat((n - EVIL_TS.length - 4) >> 1)}${(n - EVIL_TS.length) % 2 === 1 ? ' ' : ''}*/`;
    const under = pad(1024 * 1024);
    const over = pad(1024 * 1024 + 1);
    expect(under.length).toBe(1024 * 1024);
    const r = await cq03({ 'server/x.js': EVIL_JS, 'server/under.ts': under, 'server/over.ts': over });
    expect(titles(r, 'server/x.js'), JSON.stringify(r.findings).slice(0, 600)).toEqual(EXPECTED);
    expect(titles(r, 'server/under.ts'), JSON.stringify(r.findings.filter((f) => f.file === 'server/under.ts'))).toEqual(EXPECTED);
    expect(titles(r, 'server/over.ts')).toEqual([]);
    expect(r.findings.some((f) => f.title === 'Files not analysed' && f.description.startsWith('1 JavaScript files were skipped'))).toBe(true);
  }, 240_000);

  it('declaration files (.d.ts, .d.mts, .d.cts, any case) are not linted, by design (types only)', async () => {
    const r = await cq03({ 'server/a.d.ts': EVIL_TS, 'server/b.d.mts': EVIL_TS, 'server/c.D.CTS': EVIL_TS });
    expect(r.findings.filter((f) => f.file?.startsWith('server/') && f.file !== 'server/index.js' && f.file !== 'server/notes.js')).toEqual([]);
  }, 120_000);

  // FIXED, was OPEN (before this round too: the old bin gives the same report): a JavaScript or TypeScript
  // source with an upper-case extension (server/upper.TS, server/mixed.Ts, server/a.MTS,
  // server/b.CTS, server/c.TSX, server/index.JS) is classified as code (src/mtf/code/files.ts
  // JS_EXT is /i) and counted as linted, but ESLint's `files` globs in src/mtf/controls/cq-03.ts
  // lintJs ('**/*.js', '**/*.ts', …) match case-sensitively: no configuration matches, lintText
  // (warnIgnored: false) returns no message, and CQ-03 passes without a word: no finding, no "not
  // analysed" note. Node runs a .JS file as CommonJS (`node server/index.JS`), so an entry point
  // named so escapes static analysis. Reproduction: copy testdata/mtf/bundles/clean, add
  // server/index.JS with `require('child_process').exec(process.argv[2]); eval(process.argv[3]);`,
  // `mcptrust scan DIR --format json`: CQ-03 has no finding for server/index.JS (expected the four
  // findings a .js file gets, or an info "not analysed").
  it('FIXED (was OPEN): sources with an upper-case extension (.TS .Ts .MTS .CTS .TSX .JS) are linted, or reported as not analysed', async () => {
    for (const path of ['server/upper.TS', 'server/mixed.Ts', 'server/a.MTS', 'server/b.CTS', 'server/c.TSX', 'server/index.JS']) {
      const r = await cq03({ [path]: path.endsWith('JS') ? EVIL_JS : EVIL_TS });
      const linted = titles(r, path).length > 0;
      const noted = r.findings.some((f) => /not analysed/i.test(f.title));
      expect(linted || noted, path).toBe(true);
    }
  });

});
