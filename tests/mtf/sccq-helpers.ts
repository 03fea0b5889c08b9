// Helpers for the SC-01..05 and CQ-01..06 tests: a bundle folder read exactly as `mcptrust scan`
// reads it (src/mtf/extract.ts + context.ts), and compact views of findings.
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { buildContext } from '../../src/mtf/context.js';
import { readBundleFolder } from '../../src/mtf/extract.js';
import type { BundleContext, Control, ControlResult, Finding, ScanOptions } from '../../src/mtf/types.js';
import { repoRoot } from '../helpers/cli.js';

export const scDir = (name: string) => join(repoRoot, 'testdata', 'mtf', 'sc', name);
export const cqDir = (name: string) => join(repoRoot, 'testdata', 'mtf', 'cq', name);
export const osvDb = join(repoRoot, 'testdata', 'mtf', 'osv');
export const cleanBundle = join(repoRoot, 'testdata', 'mtf', 'bundles', 'clean');

const cleanups: (() => void)[] = [];
afterAll(() => {
  for (const c of cleanups.splice(0)) c();
});

/** The scan context of a bundle folder. */
export function contextOf(dir: string, options: ScanOptions = {}): BundleContext {
  const read = readBundleFolder(dir);
  cleanups.push(read.cleanup);
  return buildContext({ source: dir, read, options });
}

export async function runControl(control: Control, dir: string, options: ScanOptions = {}): Promise<ControlResult> {
  return control.run(contextOf(dir, options));
}

/** [severity, title, file, line] of each finding above `info`, in report order. */
export function brief(result: ControlResult, withInfo = false): [string, string, string | undefined, number | undefined][] {
  return result.findings.filter((f) => withInfo || f.severity !== 'info').map((f: Finding) => [f.severity, f.title, f.file, f.line]);
}
