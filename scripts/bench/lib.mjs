// Shared helpers for the benchmark sections: process timing with peak memory, medians, and
// the table printer. Peak memory comes from /usr/bin/time when present, else from the child's
// own report (process.resourceUsage in a wrapper).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const cli = join(root, 'dist', 'cmd', 'main.js');

/** Runs a command `runs` times; returns the median wall time and the largest peak RSS. */
export function measure(command, args, { runs = 5, cwd, env, input } = {}) {
  const times = [];
  let peakKb = 0;
  let last;
  const useTime = existsSync('/usr/bin/time');
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    const r = useTime
      ? spawnSync('/usr/bin/time', ['-f', '%M', command, ...args], { cwd, env, input, encoding: 'utf8', maxBuffer: 1 << 30 })
      : spawnSync(command, args, { cwd, env, input, encoding: 'utf8', maxBuffer: 1 << 30 });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    times.push(ms);
    if (useTime) {
      const lines = r.stderr.trim().split('\n');
      const kb = Number(lines[lines.length - 1]);
      if (Number.isFinite(kb)) peakKb = Math.max(peakKb, kb);
    }
    last = r;
  }
  times.sort((a, b) => a - b);
  return { wallMs: times[Math.floor(times.length / 2)], peakRssMb: peakKb ? peakKb / 1024 : undefined, status: last.status, stdout: last.stdout, stderr: last.stderr };
}

export async function createBenchContext() {
  const dir = mkdtempSync(join(tmpdir(), 'mcptrust-bench-'));
  const node = measure(process.execPath, ['-e', '0'], { runs: 9 });
  return {
    dir,
    root,
    cli,
    nodeBaselineMs: node.wallMs,
    nodeBaselinePeakMb: node.peakRssMb,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export function printTable(rows) {
  const header = ['benchmark', 'wall ms', 'peak MB', 'ratio', 'target', 'ok', 'note'];
  const body = rows.map((r) => [
    r.name,
    r.wallMs === undefined ? '' : r.wallMs.toFixed(1),
    r.peakRssMb === undefined ? '' : r.peakRssMb.toFixed(1),
    r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}×`,
    r.target ?? '',
    r.ok === undefined ? '' : r.ok ? 'yes' : 'NO',
    r.note ?? '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => String(row[i]).length)));
  const line = (cells) => cells.map((c, i) => String(c).padEnd(widths[i])).join('  ').trimEnd();
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of body) console.log(line(row));
}
