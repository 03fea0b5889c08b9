// Start-up: the shipped bin (the bundle of scripts/bundle.mjs) against bare node start-up.
// `--version` answers before commander loads; --help loads the whole command table; the three
// offline commands on a 3-tool lockfile are what CI jobs and hooks pay on every run, where
// start-up is nearly all of the work (issue 13 targets). Those rows run paired with `node -e 0`
// (A B A B…, medians) and their ratio is to the paired baseline; the note gives the ratio to the
// run's shared baseline.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { measure, measurePaired, syntheticTool, writeSyntheticLock } from './lib.mjs';

export async function run(ctx) {
  const dir = join(ctx.dir, 'startup');
  await writeSyntheticLock(join(dir, 'mcp-lock.json'), 3);
  // The same three tools with one description reworded: a diff with one change to render.
  await writeSyntheticLock(join(dir, 'other.json'), 3, (i) => {
    const tool = syntheticTool(i);
    if (i === 1) tool.description += ' Now also returns archived records.';
    return tool;
  });
  for (const args of [['keygen', '--out-dir', dir, '--name', 'bench'], ['sign', '--key', 'bench.key']]) {
    const r = spawnSync(process.execPath, [ctx.cli, ...args], { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${args[0]} failed: ${r.stderr}`);
  }

  const v = measurePaired(process.execPath, [ctx.cli, '--version'], { pairs: 11 });
  // The whole command table (commander and every command's options), as every command pays it.
  const h = measure(process.execPath, [ctx.cli, '--help'], { runs: 9 });
  // One command's start-up (what `mcptrust verify` and the others pay before their own work).
  const one = measure(process.execPath, [ctx.cli, 'verify', '--help'], { runs: 9 });
  const offline = [
    { name: 'verify, 3-tool lockfile', args: ['verify', '--key', 'bench.pub'], status: 0, limit: 1.3 },
    { name: 'diff --against, 3 tools (1 change)', args: ['diff', '--against', 'other.json'], status: 1, limit: 1.5 },
    { name: 'policy check --preset strict, 3 tools', args: ['policy', 'check', '--preset', 'strict'], status: 0, limit: 1.6 },
  ].map(({ name, args, status, limit }) => {
    const m = measurePaired(process.execPath, [ctx.cli, ...args], { pairs: 11, cwd: dir, status });
    return {
      name: `mcptrust ${name}`,
      wallMs: m.wallMs,
      peakRssMb: m.peakRssMb,
      ratio: m.ratio,
      target: `≤${limit}× node`,
      ok: m.ratio <= limit,
      note: `paired; ${(m.wallMs / ctx.nodeBaselineMs).toFixed(2)}× the shared baseline`,
    };
  });
  return [
    { name: 'node -e 0 (baseline)', wallMs: ctx.nodeBaselineMs, peakRssMb: ctx.nodeBaselinePeakMb },
    {
      name: 'mcptrust --version',
      wallMs: v.wallMs,
      peakRssMb: v.peakRssMb,
      ratio: v.ratio,
      target: '≤1.2× node',
      ok: v.ratio <= 1.2,
      note: `paired; ${(v.wallMs / ctx.nodeBaselineMs).toFixed(2)}× the shared baseline`,
    },
    { name: 'mcptrust --help (program start-up)', wallMs: h.wallMs, peakRssMb: h.peakRssMb, ratio: h.wallMs / ctx.nodeBaselineMs, note: 'commander + every command registered' },
    { name: 'mcptrust verify --help (one command)', wallMs: one.wallMs, peakRssMb: one.peakRssMb, ratio: one.wallMs / ctx.nodeBaselineMs, note: 'commander + one command registered' },
    ...offline,
  ];
}
