// The ahead-of-time MTF validators (src/mtf/schemas-validate.generated.ts, made by
// scripts/policy-schemas.mjs from mtfSchemas()): the file is what the script writes today, and
// each validator answers as ajv compiling its schema at run time does (the way scan validated
// before), verdict and every error, on every manifest and report of testdata/ and on seeded
// mutations of them.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { _, Ajv, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { addFormats, runtimeValidators, shippedValidators } from '../helpers/mtf-validators.js';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { describe, expect, it } from 'vitest';
import { mtfSchemas, type MtfSchemas } from '../../src/mtf/schemas.js';
// @ts-expect-error -- a plain .mjs build script without types
import { mtfValidatorsSource } from '../../scripts/policy-schemas.mjs';
import { builtCli, repoRoot, tempDir } from '../helpers/cli.js';
import { seededRandom } from '../helpers/random.js';
import { runScan } from '../../src/mtf/index.js';

const standalone = ((standaloneCode as unknown as { default?: unknown }).default ?? standaloneCode) as typeof standaloneCode;
const shipped = shippedValidators();

/** Every manifest.json under testdata/mtf that is a JSON value. */
function testdataManifests(): unknown[] {
  const manifests: unknown[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name === 'manifest.json') {
        try {
          manifests.push(JSON.parse(readFileSync(path, 'utf8')));
        } catch {
          // a deliberately broken fixture: not a JSON value to validate
        }
      }
    }
  };
  walk(join(repoRoot, 'testdata', 'mtf'));
  return manifests;
}

const ODD_VALUES: unknown[] = [null, true, 0, -1, 1.5, '', 'x', 'not a uri', 'https://example.com/a', 'mailto:a@b.c', 'a@b.c', 'a@', '2026-12-04', '2026-13-40', '2026-12-04T10:00:00Z', '2026-12-04 10:00', '1.2.3', '1.2', 'sha256', 'f'.repeat(64), 'CQ-01', 'ZZ-01', [], [1], ['a'], {}, { a: 1 }, '\u{1F600}'.repeat(3)];

/** `value` with one random change at a random place: a member dropped, replaced, added, or an array item changed. */
function mutate(value: unknown, next: () => number): unknown {
  const copy = structuredClone(value);
  const places: { parent: Record<string, unknown> | unknown[]; key: string | number }[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach((item, i) => (places.push({ parent: v, key: i }), walk(item)));
    else if (v !== null && typeof v === 'object') for (const [k, item] of Object.entries(v)) places.push({ parent: v as Record<string, unknown>, key: k }), walk(item);
  };
  walk(copy);
  if (places.length === 0) return copy;
  const { parent, key } = places[Math.floor(next() * places.length)]!;
  const odd = ODD_VALUES[Math.floor(next() * ODD_VALUES.length)];
  const how = next();
  if (how < 0.3) {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete parent[key as string];
  } else if (how < 0.8) (parent as Record<string | number, unknown>)[key] = odd;
  else if (!Array.isArray(parent)) parent[`extra_${Math.floor(next() * 3)}`] = odd;
  else parent.push(odd);
  return copy;
}

function expectSame(name: keyof MtfSchemas, runtime: ValidateFunction, value: unknown): boolean {
  const ok = runtime(value);
  const generated = shipped[name];
  expect(generated(value), `${name}: ${JSON.stringify(value).slice(0, 120)}`).toBe(ok);
  if (!ok) expect(generated.errors, name).toEqual(runtime.errors);
  return ok;
}

describe('the ahead-of-time MTF validators (src/mtf/schemas-validate.generated.ts)', () => {
  it('are what scripts/policy-schemas.mjs generates from mtfSchemas() today (regenerate after changing a schema)', () => {
    const fresh = mtfValidatorsSource(Ajv, Ajv2020, addFormats, standalone, _, mtfSchemas());
    expect(readFileSync(join(repoRoot, 'src', 'mtf', 'schemas-validate.generated.ts'), 'utf8')).toBe(fresh);
  });

  it('answer as ajv compiling each schema at run time, on every manifest of testdata, the reports of its bundles and 4,000 seeded mutations', async () => {
    const runtime = runtimeValidators(mtfSchemas());
    const manifests = testdataManifests();
    expect(manifests.length).toBeGreaterThan(30);
    const reports: unknown[] = [];
    for (const name of ['clean', 'fail-ai-01', 'fail-ai-05', 'fail-cd-03', 'fail-pr-01']) {
      const dir = join(repoRoot, 'testdata', 'mtf', 'bundles', name);
      if (statSync(dir, { throwIfNoEntry: false })?.isDirectory()) reports.push(JSON.parse(JSON.stringify((await runScan(dir, { now: new Date('2026-11-20T00:00:00Z') })).report)));
    }
    expect(reports.length).toBe(5);
    const extensions = manifests.map((m) => (m as { _meta?: Record<string, unknown> })._meta?.['org.mpaktrust']).filter((e) => e !== undefined);
    expect(extensions.length).toBeGreaterThan(10);
    const next = seededRandom(20261204);
    const verdicts = new Set<string>();
    for (const [name, pool] of [['mcpbExact', manifests], ['mcpbRelaxed', manifests], ['extension', extensions], ['report', reports]] as const) {
      for (const value of pool) verdicts.add(`${name}:${expectSame(name, runtime[name], value)}`);
      for (let i = 0; i < 1000; i++) verdicts.add(`${name}:${expectSame(name, runtime[name], mutate(pool[i % pool.length], next))}`);
    }
    // Both answers were seen for every validator: the comparison covered passes and failures.
    expect([...verdicts].sort()).toEqual(['extension:false', 'extension:true', 'mcpbExact:false', 'mcpbExact:true', 'mcpbRelaxed:false', 'mcpbRelaxed:true', 'report:false', 'report:true']);
  });

  it('scan compiles no schema: the program files the built bin runs for a bundle hold no part of ajv\'s compiler', () => {
    const scratch = tempDir();
    try {
      const hook = join(scratch.dir, 'hook.cjs');
      const binDir = dirname(builtCli);
      // The program files the bin's loader compiles (dist/bin/load.js): each names its sources in its map.
      writeFileSync(hook, `const vm = require('node:vm'); const R = vm.Script; const seen = [];\nvm.Script = function (s, o) { if (o.filename.startsWith(${JSON.stringify(binDir)})) seen.push(o.filename); return new R(s, o); };\nprocess.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(join(scratch.dir, 'seen.json'))}, JSON.stringify(seen)));\n`);
      const r = spawnSync(process.execPath, ['-r', hook, builtCli, 'scan', join(repoRoot, 'testdata', 'mtf', 'clean.mcpb'), '--format', 'json'], { cwd: scratch.dir, encoding: 'utf8', env: { PATH: process.env.PATH } });
      expect(r.status, r.stderr).toBe(0);
      expect((JSON.parse(r.stdout) as { domains: { artifact_integrity: { controls: Record<string, { status: string }> } } }).domains.artifact_integrity.controls['AI-01']!.status).toBe('pass');
      const files = JSON.parse(readFileSync(join(scratch.dir, 'seen.json'), 'utf8')) as string[];
      expect(files.length).toBeGreaterThan(5);
      const sources = files.flatMap((f) => (JSON.parse(readFileSync(`${f}.map`, 'utf8')) as { sources: string[] }).sources);
      expect(sources.filter((s) => /node_modules\/ajv\/lib\/compile\//.test(s))).toEqual([]);
      // The formats the schemas name come from ajv-formats, as before.
      expect(sources.some((s) => s.endsWith('ajv-formats/src/formats.ts'))).toBe(true);
    } finally {
      scratch.cleanup();
    }
  });
});
