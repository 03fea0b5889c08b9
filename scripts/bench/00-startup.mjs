// mcptrust --version against bare node start-up (target: within 1.5×), and --help, which loads
// the whole command table as every command does.
import { measure } from './lib.mjs';

export async function run(ctx) {
  const v = measure(process.execPath, [ctx.cli, '--version'], { runs: 9 });
  const ratio = v.wallMs / ctx.nodeBaselineMs;
  // The whole command table (commander and every command's options), as every command pays it.
  const h = measure(process.execPath, [ctx.cli, '--help'], { runs: 9 });
  // One command's start-up (what `mcptrust verify` and the others pay before their own work).
  const one = measure(process.execPath, [ctx.cli, 'verify', '--help'], { runs: 9 });
  return [
    { name: 'node -e 0 (baseline)', wallMs: ctx.nodeBaselineMs, peakRssMb: ctx.nodeBaselinePeakMb },
    { name: 'mcptrust --version', wallMs: v.wallMs, peakRssMb: v.peakRssMb, ratio, target: '≤1.5× node', ok: ratio <= 1.5 },
    { name: 'mcptrust --help (program start-up)', wallMs: h.wallMs, peakRssMb: h.peakRssMb, ratio: h.wallMs / ctx.nodeBaselineMs, note: 'commander + every command registered' },
    { name: 'mcptrust verify --help (one command)', wallMs: one.wallMs, peakRssMb: one.peakRssMb, ratio: one.wallMs / ctx.nodeBaselineMs, note: 'commander + one command registered' },
  ];
}
