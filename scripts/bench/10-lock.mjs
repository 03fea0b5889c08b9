// mcptrust lock of a synthetic stdio server with 10, 1,000 and 10,000 tools (paginated, 500
// per page) against the same listing by a bare SDK client. Target: ≤1.15× at 10,000 tools;
// peak memory should grow linearly with the tool count.
import { join } from 'node:path';
import { measure } from './lib.mjs';

export async function run(ctx) {
  const server = join(ctx.root, 'testdata', 'servers', 'shuffle-server.mjs');
  const bare = join(ctx.root, 'scripts', 'bench', 'bare-list.mjs');
  const rows = [];
  for (const n of [10, 1000, 10000]) {
    const serverArgs = [server, `--tools=${n}`, '--page=500', '--seed=7'];
    const runs = n === 10000 ? 5 : 7;
    const base = measure(process.execPath, [bare, ...serverArgs], { runs, cwd: ctx.root });
    if (base.status !== 0) throw new Error(`bare client failed: ${base.stderr}`);
    const out = join(ctx.dir, `lock-${n}.json`);
    const lock = measure(process.execPath, [ctx.cli, 'lock', '--force', '--name', 'synthetic', '-o', out, '--', process.execPath, ...serverArgs], { runs, cwd: ctx.root });
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
