// mcptrust --version against bare node start-up (target: within 1.5×).
import { measure } from './lib.mjs';

export async function run(ctx) {
  const v = measure(process.execPath, [ctx.cli, '--version'], { runs: 9 });
  const ratio = v.wallMs / ctx.nodeBaselineMs;
  return [
    { name: 'node -e 0 (baseline)', wallMs: ctx.nodeBaselineMs, peakRssMb: ctx.nodeBaselinePeakMb },
    { name: 'mcptrust --version', wallMs: v.wallMs, peakRssMb: v.peakRssMb, ratio, target: '≤1.5× node', ok: ratio <= 1.5 },
  ];
}
