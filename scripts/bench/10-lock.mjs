// mcptrust lock of a synthetic stdio server with 10, 1,000 and 10,000 tools (paginated, 500
// per page) against the same listing by a bare SDK client. Target: ≤1.15× at 10,000 tools;
// peak memory should grow linearly with the tool count. The two take turns (bare, lock, bare,
// lock…) so that a machine busy with other work slows both alike; medians are compared. `lock`
// runs with --no-pin: pinning the launch (hashing the server file) is not what this row measures
// (62-pin does), and a local launch loads no registry client either way.
import { join } from 'node:path';
import { measure, median } from './lib.mjs';

/** Runs A and B alternately `runs` times each: both medians, B's peak memory and last result. */
function alternate(a, b, runs, cwd) {
  const at = [];
  const bt = [];
  let lastA;
  let lastB;
  let peakA = 0;
  let peakB = 0;
  for (let i = 0; i < runs; i++) {
    lastA = measure(process.execPath, a, { runs: 1, cwd });
    lastB = measure(process.execPath, b, { runs: 1, cwd });
    at.push(lastA.wallMs);
    bt.push(lastB.wallMs);
    peakA = Math.max(peakA, lastA.peakRssMb ?? 0);
    peakB = Math.max(peakB, lastB.peakRssMb ?? 0);
  }
  return [
    { ...lastA, wallMs: median(at), peakRssMb: peakA || undefined },
    { ...lastB, wallMs: median(bt), peakRssMb: peakB || undefined },
  ];
}

export async function run(ctx) {
  const server = join(ctx.root, 'testdata', 'servers', 'shuffle-server.mjs');
  const bare = join(ctx.root, 'scripts', 'bench', 'bare-list.mjs');
  const rows = [];
  for (const n of [10, 1000, 10000]) {
    const serverArgs = [server, `--tools=${n}`, '--page=500', '--seed=7'];
    const runs = n === 10000 ? 5 : 7;
    const out = join(ctx.dir, `lock-${n}.json`);
    const lockArgs = [ctx.cli, 'lock', '--force', '--no-pin', '--name', 'synthetic', '-o', out, '--', process.execPath, ...serverArgs];
    const [base, lock] = alternate([bare, ...serverArgs], lockArgs, runs, ctx.root);
    if (base.status !== 0) throw new Error(`bare client failed: ${base.stderr}`);
    if (lock.status !== 0) throw new Error(`lock failed: ${lock.stderr}`);
    const ratio = lock.wallMs / base.wallMs;
    rows.push({ name: `bare SDK listing, ${n} tools`, wallMs: base.wallMs, peakRssMb: base.peakRssMb });
    rows.push({
      name: `mcptrust lock, ${n} tools`,
      wallMs: lock.wallMs,
      peakRssMb: lock.peakRssMb,
      ratio,
      target: n === 10000 ? '≤1.15× bare' : undefined,
      ok: n === 10000 ? ratio <= 1.15 : undefined,
    });
  }
  return rows;
}
