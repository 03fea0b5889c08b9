// mcptrust lock of a synthetic stdio server with 10, 1,000 and 10,000 tools (paginated, 500
// per page) against the same listing by a bare SDK client. Target: ≤1.15× at 10,000 tools;
// peak memory should grow linearly with the tool count. The two take turns (bare, lock, bare,
// lock…) so that a machine busy with other work slows both alike; medians are compared. `lock`
// runs with --no-pin: pinning the launch (hashing the server file) is not what this row measures
// (62-pin does), and a local launch loads no registry client either way.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { measure, median } from './lib.mjs';

/** Runs one command with the CPU preload: its result and its own CPU time (ms, not the server's). */
function measureCpu(args, cwd, cpuFile) {
  rmSync(cpuFile, { force: true });
  const env = { ...process.env, MCPTRUST_BENCH_CPU: cpuFile };
  const result = measure(process.execPath, ['-r', join(cwd, 'scripts', 'bench', 'cpu-usage.cjs'), ...args], { runs: 1, cwd, env });
  let cpuMs;
  try {
    cpuMs = Number(readFileSync(cpuFile, 'utf8').trim());
  } catch {
    cpuMs = Number.NaN;
  }
  return { ...result, cpuMs };
}

/**
 * Runs A and B alternately `runs` times each: both medians (wall, and the CPU of the process
 * itself), the peak memory of each and their last results.
 */
function alternate(a, b, runs, cwd, cpuFile) {
  const at = [];
  const bt = [];
  const ac = [];
  const bc = [];
  let lastA;
  let lastB;
  let peakA = 0;
  let peakB = 0;
  for (let i = 0; i < runs; i++) {
    lastA = measureCpu(a, cwd, cpuFile);
    lastB = measureCpu(b, cwd, cpuFile);
    at.push(lastA.wallMs);
    bt.push(lastB.wallMs);
    ac.push(lastA.cpuMs);
    bc.push(lastB.cpuMs);
    peakA = Math.max(peakA, lastA.peakRssMb ?? 0);
    peakB = Math.max(peakB, lastB.peakRssMb ?? 0);
  }
  return [
    { ...lastA, wallMs: median(at), cpuMs: median(ac), peakRssMb: peakA || undefined },
    { ...lastB, wallMs: median(bt), cpuMs: median(bc), peakRssMb: peakB || undefined },
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
    const [base, lock] = alternate([bare, ...serverArgs], lockArgs, runs, ctx.root, join(ctx.dir, 'cpu.txt'));
    if (base.status !== 0) throw new Error(`bare client failed: ${base.stderr}`);
    if (lock.status !== 0) throw new Error(`lock failed: ${lock.stderr}`);
    const ratio = lock.wallMs / base.wallMs;
    rows.push({ name: `bare SDK listing, ${n} tools`, wallMs: base.wallMs, peakRssMb: base.peakRssMb, note: `CPU ${base.cpuMs.toFixed(0)} ms (the client process)` });
    rows.push({
      name: `mcptrust lock, ${n} tools`,
      wallMs: lock.wallMs,
      peakRssMb: lock.peakRssMb,
      ratio,
      target: n === 10000 ? '≤1.15× bare' : undefined,
      ok: n === 10000 ? ratio <= 1.15 : undefined,
      note: `CPU ${lock.cpuMs.toFixed(0)} ms (${(lock.cpuMs / base.cpuMs).toFixed(2)}× the bare client's)`,
    });
  }
  return rows;
}
