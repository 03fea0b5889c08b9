import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import formatsModule from 'ajv-formats';
import { expect } from 'vitest';
import { runScan, type RunScanOptions } from '../../src/mtf/index.js';
import type { ControlId } from '../../src/mtf/types.js';
import { repoRoot } from '../helpers/cli.js';

export const mtfDir = join(repoRoot, 'testdata', 'mtf');
export const bundle = (name: string) => join(mtfDir, 'bundles', name);
export const key = (name: string) => join(mtfDir, 'keys', `${name}.pub`);
/** A fixed clock inside the fixtures' Scorecard freshness window. */
export const NOW = new Date('2026-11-20T00:00:00Z');

// An independent validator (not src/mtf/schemas.ts): the report schema exactly as shipped.
type Plugin = (ajv: Ajv2020) => unknown;
const addFormats = ((formatsModule as unknown as { default?: Plugin }).default ?? formatsModule) as unknown as Plugin;
const ajv = new Ajv2020({ allErrors: true, strict: false });
addFormats(ajv);
const validateReport = ajv.compile(JSON.parse(readFileSync(join(repoRoot, 'schemas', 'mtf', 'report.schema.json'), 'utf8')));

/** Asserts that a report validates against report.schema.json (draft 2020-12). */
export function expectValidReport(report: unknown): void {
  const ok = validateReport(report);
  expect(validateReport.errors ?? [], 'report.schema.json errors').toEqual([]);
  expect(ok).toBe(true);
}

/** Scans and checks the report against the schema (every report produced in the tests is validated). */
export async function scan(path: string, options: RunScanOptions = {}) {
  const result = await runScan(path, { now: NOW, ...options });
  expectValidReport(result.report);
  return result;
}

export function control(result: Awaited<ReturnType<typeof scan>>, id: ControlId) {
  const r = result.results.get(id);
  if (!r) throw new Error(`no result for ${id}`);
  return r;
}
