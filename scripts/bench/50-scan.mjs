// mcptrust scan on a bundle built from a real node_modules tree: the project's own production
// dependencies (every package-lock entry without "dev"), plus the example server of
// testdata/mtf/bundles/clean as the entry point. Target: the whole scan under 5 s.
// The pattern-throughput row (CQ-01/02/05 MB/s) is scripts/bench/51-patterns.mjs (MTF-B).
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { measure, productionDependencyFiles } from './lib.mjs';
import { buildZip } from '../../testdata/mtf/zip.mjs';

export async function run(ctx) {
  const clean = join(ctx.root, 'testdata', 'mtf', 'bundles', 'clean');
  const manifest = JSON.parse(readFileSync(join(clean, 'manifest.json'), 'utf8'));
  manifest.name = '@mcptrust-bench/prod-deps';
  const pkg = JSON.parse(readFileSync(join(ctx.root, 'package.json'), 'utf8'));
  const entries = [
    { name: 'manifest.json', data: JSON.stringify(manifest, null, 2) },
    { name: 'package.json', data: JSON.stringify({ name: manifest.name, version: '1.2.0', type: 'module', dependencies: pkg.dependencies }, null, 2) },
    { name: 'package-lock.json', data: readFileSync(join(ctx.root, 'package-lock.json')) },
    { name: 'server/index.js', data: readFileSync(join(clean, 'server', 'index.js')) },
    { name: 'server/notes.js', data: readFileSync(join(clean, 'server', 'notes.js')) },
    ...productionDependencyFiles().map((f) => ({ name: f.path, data: f.bytes })),
  ].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const bytes = entries.reduce((n, e) => n + Buffer.byteLength(e.data), 0);
  const archive = join(ctx.dir, 'prod-deps.mcpb');
  writeFileSync(archive, buildZip(entries));
  const archiveMb = statSync(archive).size / 1e6;
  const report = join(ctx.dir, 'prod-deps-report.json');
  const r = measure(process.execPath, [ctx.cli, 'scan', archive, '--format', 'json', '-o', report], { runs: 3, cwd: ctx.dir });
  let level = '?';
  let failing = '';
  try {
    const json = JSON.parse(readFileSync(report, 'utf8'));
    level = `L${json.compliance.level}, score ${json.compliance.score}`;
    failing = Object.values(json.domains).flatMap((d) => Object.entries(d.controls)).filter(([, c]) => c.status === 'fail' || c.status === 'error').map(([id]) => id).join(' ');
  } catch {
    level = `no report (exit ${r.status})`;
  }
  return [
    {
      name: 'scan bundle of prod node_modules',
      wallMs: r.wallMs,
      peakRssMb: r.peakRssMb,
      target: '< 5000 ms',
      ok: r.status === 0 && r.wallMs < 5000,
      note: `${entries.length} files, ${(bytes / 1e6).toFixed(1)} MB unpacked, ${archiveMb.toFixed(1)} MB .mcpb; ${level}${failing ? `; not passing: ${failing}` : ''}`,
    },
  ];
}
