/**
 * Level, score and risk of a scan (the table in the project's MTF notes, from mpak-scanner):
 *   level  = the highest L whose every required control (cumulative) has status `pass` — a skip
 *            is not a pass — and none of them caps its pass below L (ControlResult.levelCap);
 *   score  = round(100 × passed / total), total = every status but `skip`;
 *   risk   = the most severe finding: any critical finding makes it CRITICAL (the reference's
 *            first-match rule list lets a critical finding outside four controls fall to LOW — a
 *            defect not copied); info findings are notes and carry no risk;
 *   degraded = an `error` hides a level: counting errors as passes would give a higher level.
 */
import type { ControlId, ControlResult, Finding } from './types.js';

export const LEVEL_REQUIREMENTS: Readonly<Record<1 | 2 | 3 | 4, readonly ControlId[]>> = {
  1: ['AI-01', 'SC-01', 'CQ-01', 'CQ-02', 'CD-01'],
  2: ['AI-05', 'SC-02', 'SC-03', 'SC-04', 'CQ-03', 'CD-02', 'CD-03', 'PR-01', 'PR-02'],
  3: ['AI-03', 'SC-05', 'CQ-04', 'CQ-05', 'CD-04', 'CD-05', 'PR-03', 'PR-05'],
  4: ['AI-04', 'CQ-06', 'PR-04'],
};

export const LEVEL_NAMES = ['None', 'Basic', 'Standard', 'Verified', 'Attested'] as const;
export type LevelName = (typeof LEVEL_NAMES)[number];
export type Risk = 'NONE' | 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';

/** The level at which a control is first required, or undefined (AI-02). */
export function requiredAt(id: ControlId): 1 | 2 | 3 | 4 | undefined {
  for (const level of [1, 2, 3, 4] as const) if (LEVEL_REQUIREMENTS[level].includes(id)) return level;
  return undefined;
}

function satisfies(result: ControlResult | undefined, level: number, errorsPass: boolean): boolean {
  if (!result) return false;
  if (result.status === 'error') return errorsPass;
  if (result.status !== 'pass') return false;
  return result.levelCap === undefined || result.levelCap >= level;
}

/** The highest level reached (0–4). */
export function computeLevel(results: ReadonlyMap<ControlId, ControlResult>, errorsPass = false): number {
  let reached = 0;
  for (const level of [1, 2, 3, 4] as const) {
    for (let l = 1; l <= level; l++) {
      for (const id of LEVEL_REQUIREMENTS[l as 1 | 2 | 3 | 4]) if (!satisfies(results.get(id), level, errorsPass)) return reached;
    }
    reached = level;
  }
  return reached;
}

/** The controls that keep the scan from the next level, with their status. */
export function blockersOf(results: ReadonlyMap<ControlId, ControlResult>, level: number): { id: ControlId; status: string }[] {
  if (level >= 4) return [];
  const next = level + 1;
  const out: { id: ControlId; status: string }[] = [];
  for (let l = 1; l <= next; l++) {
    for (const id of LEVEL_REQUIREMENTS[l as 1 | 2 | 3 | 4]) {
      const r = results.get(id);
      if (!satisfies(r, next, false)) out.push({ id, status: r ? (r.status === 'pass' ? `pass up to L${r.levelCap}` : r.status) : 'missing' });
    }
  }
  return out;
}

export function riskOf(findings: readonly Finding[]): Risk {
  const has = (s: Finding['severity']) => findings.some((f) => f.severity === s);
  if (has('critical')) return 'CRITICAL';
  if (has('high')) return 'HIGH';
  if (has('medium')) return 'MEDIUM';
  if (has('low')) return 'LOW';
  return 'NONE';
}

export interface Score {
  level: number;
  level_name: LevelName;
  controls_passed: number;
  controls_failed: number;
  controls_errored: number;
  controls_skipped: number;
  controls_total: number;
  score: number;
  risk: Risk;
  degraded: boolean;
  /** The level the scan would reach if every `error` were a pass (only when degraded). */
  level_if_no_errors?: number;
}

export function scoreResults(results: ReadonlyMap<ControlId, ControlResult>): Score {
  const all = [...results.values()];
  const count = (s: ControlResult['status']) => all.filter((r) => r.status === s).length;
  const passed = count('pass');
  const total = all.length - count('skip');
  const level = computeLevel(results);
  const optimistic = computeLevel(results, true);
  return {
    level,
    level_name: LEVEL_NAMES[level]!,
    controls_passed: passed,
    controls_failed: count('fail'),
    controls_errored: count('error'),
    controls_skipped: count('skip'),
    controls_total: total,
    score: total === 0 ? 0 : Math.round((100 * passed) / total),
    risk: riskOf(all.flatMap((r) => r.findings)),
    degraded: optimistic > level,
    ...(optimistic > level ? { level_if_no_errors: optimistic } : {}),
  };
}
