// mcptrust sign and verify on a 10,000-tool lockfile, as processes, against bare node start-up.
// Target: verify within 2× of `node -e 0` (verify checks bytes: it never parses the lockfile and
// loads neither the canonicalizer nor the MCP SDK).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { measure, writeSyntheticLock } from './lib.mjs';

const TOOLS = 10_000;

export async function run(ctx) {
  const dir = join(ctx.dir, 'sign-verify');
  const lockPath = join(dir, 'mcp-lock.json');
  const size = await writeSyntheticLock(lockPath, TOOLS);
  const keygen = spawnSync(process.execPath, [ctx.cli, 'keygen', '--out-dir', dir, '--name', 'bench'], { encoding: 'utf8' });
  if (keygen.status !== 0) throw new Error(`keygen failed: ${keygen.stderr}`);

  const sign = measure(process.execPath, [ctx.cli, 'sign', '--key', 'bench.key'], { cwd: dir, runs: 5 });
  if (sign.status !== 0) throw new Error(`sign failed: ${sign.stderr}`);
  // verify and bare node alternate, so a busy machine slows both alike; the ratio in the table is
  // against the run's shared baseline (ctx.nodeBaselineMs), the note gives the alternating one.
  const verifyTimes = [];
  const nodeTimes = [];
  let verify;
  for (let i = 0; i < 9; i++) {
    nodeTimes.push(measure(process.execPath, ['-e', '0'], { runs: 1 }).wallMs);
    verify = measure(process.execPath, [ctx.cli, 'verify', '--key', 'bench.pub'], { cwd: dir, runs: 1 });
    if (verify.status !== 0) throw new Error(`verify failed: ${verify.stderr}`);
    verifyTimes.push(verify.wallMs);
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const verifyMs = median(verifyTimes);
  const ratio = verifyMs / ctx.nodeBaselineMs;
  const alternating = verifyMs / median(nodeTimes);
  const mb = (size / (1024 * 1024)).toFixed(1);
  return [
    { name: `sign ${TOOLS} tools (${mb} MiB)`, wallMs: sign.wallMs, peakRssMb: sign.peakRssMb, ratio: sign.wallMs / ctx.nodeBaselineMs, note: 'parses the lockfile first' },
    {
      name: `verify ${TOOLS} tools (${mb} MiB)`,
      wallMs: verifyMs,
      peakRssMb: verify.peakRssMb,
      ratio,
      target: '≤2× node',
      ok: ratio <= 2,
      note: `${alternating.toFixed(2)}× node -e 0 run alternately`,
    },
  ];
}
