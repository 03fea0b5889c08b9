import { readFileSync } from 'node:fs';

/** The resident memory of process `pid` in MB (0 once it has ended): what a bound on memory is measured by. */
export function rssMb(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
  } catch {
    return 0;
  }
}

/** The peak resident memory of `pid` over `ms`, sampled every 100 ms. */
export async function peakRss(pid: number, ms: number): Promise<number> {
  let peak = 0;
  for (let t = 0; t < ms; t += 100) {
    peak = Math.max(peak, rssMb(pid));
    await new Promise((r) => setTimeout(r, 100));
  }
  return peak;
}
