import { describe, expect, it } from 'vitest';
import { LEVEL_REQUIREMENTS, blockersOf, computeLevel, riskOf, scoreResults } from '../../src/mtf/score.js';
import type { ControlId, ControlResult, Finding } from '../../src/mtf/types.js';

const ALL: ControlId[] = ['AI-01', 'AI-02', 'AI-03', 'AI-04', 'AI-05', 'SC-01', 'SC-02', 'SC-03', 'SC-04', 'SC-05', 'CQ-01', 'CQ-02', 'CQ-03', 'CQ-04', 'CQ-05', 'CQ-06', 'CD-01', 'CD-02', 'CD-03', 'CD-04', 'CD-05', 'PR-01', 'PR-02', 'PR-03', 'PR-04', 'PR-05'];

function results(overrides: Partial<Record<ControlId, Partial<ControlResult>>> = {}): Map<ControlId, ControlResult> {
  const map = new Map<ControlId, ControlResult>();
  for (const id of ALL) map.set(id, { status: id === 'AI-02' ? 'skip' : 'pass', findings: [], ...overrides[id] });
  return map;
}
const finding = (severity: Finding['severity'], control: ControlId = 'AI-05'): Finding => ({ id: 'x', control, severity, title: 't', description: 'd' });

describe('the level table', () => {
  it('has the 25 scannable controls, 5/9/8/3 per level, AI-02 in none', () => {
    expect([1, 2, 3, 4].map((l) => LEVEL_REQUIREMENTS[l as 1].length)).toEqual([5, 9, 8, 3]);
    const all = Object.values(LEVEL_REQUIREMENTS).flat();
    expect(new Set(all).size).toBe(25);
    expect(all).not.toContain('AI-02');
  });

  it('everything passing is L4', () => {
    expect(computeLevel(results())).toBe(4);
  });

  it.each([
    ['AI-01', 0], ['CD-01', 0], ['SC-01', 0],
    ['AI-05', 1], ['CD-03', 1], ['PR-02', 1],
    ['AI-03', 2], ['PR-05', 2], ['CD-05', 2],
    ['AI-04', 3], ['CQ-06', 3], ['PR-04', 3],
  ] as [ControlId, number][])('a failing %s stops at L%i', (id, level) => {
    expect(computeLevel(results({ [id]: { status: 'fail' } }))).toBe(level);
  });

  it('a skip is not a pass', () => {
    expect(computeLevel(results({ 'PR-05': { status: 'skip' } }))).toBe(2);
    expect(computeLevel(results({ 'SC-01': { status: 'skip' } }))).toBe(0);
  });

  it('a pass capped at L1 stops at L1, capped at L3 stops at L3', () => {
    expect(computeLevel(results({ 'CD-01': { levelCap: 1 } }))).toBe(1);
    expect(computeLevel(results({ 'PR-05': { levelCap: 3 } }))).toBe(3);
  });

  it('lower levels are cumulative: an L4 control passing does not lift a failed L1', () => {
    expect(computeLevel(results({ 'CQ-01': { status: 'fail' } }))).toBe(0);
  });

  it('names the blockers of the next level', () => {
    const r = results({ 'AI-03': { status: 'fail' }, 'CQ-04': { status: 'error' }, 'CD-01': { levelCap: 2 } as Partial<ControlResult> });
    expect(computeLevel(r)).toBe(2);
    expect(blockersOf(r, 2)).toEqual([{ id: 'CD-01', status: 'pass up to L2' }, { id: 'AI-03', status: 'fail' }, { id: 'CQ-04', status: 'error' }]);
  });
});

describe('score, totals and degraded', () => {
  it('controls_total leaves out skips; score = round(100 × passed / total)', () => {
    const s = scoreResults(results({ 'AI-03': { status: 'fail' }, 'PR-05': { status: 'skip' }, 'CQ-06': { status: 'error' } }));
    expect(s).toMatchObject({ controls_total: 24, controls_passed: 22, controls_failed: 1, controls_errored: 1, controls_skipped: 2, score: 92 });
    expect(Math.round((100 * 22) / 24)).toBe(92);
  });

  it('all skipped: total 0, score 0', () => {
    const map = new Map<ControlId, ControlResult>(ALL.map((id) => [id, { status: 'skip', findings: [] }]));
    expect(scoreResults(map)).toMatchObject({ controls_total: 0, score: 0, level: 0 });
  });

  it('degraded when an error hides a reachable level', () => {
    const s = scoreResults(results({ 'SC-02': { status: 'error' } }));
    expect(s).toMatchObject({ level: 1, degraded: true, level_if_no_errors: 4 });
  });

  it('not degraded when the error is above a real failure', () => {
    const s = scoreResults(results({ 'AI-05': { status: 'fail' }, 'CQ-06': { status: 'error' } }));
    expect(s).toMatchObject({ level: 1, degraded: false });
    expect(s.level_if_no_errors).toBeUndefined();
  });
});

describe('risk', () => {
  it('any critical finding from any control is CRITICAL (no first-match defect)', () => {
    expect(riskOf([finding('low', 'CQ-04'), finding('critical', 'AI-05')])).toBe('CRITICAL');
    expect(scoreResults(results({ 'PR-01': { findings: [finding('critical', 'PR-01')] } })).risk).toBe('CRITICAL');
  });
  it.each([
    [['high', 'medium'], 'HIGH'],
    [['medium', 'low'], 'MEDIUM'],
    [['low', 'info'], 'LOW'],
    [['info'], 'NONE'],
    [[], 'NONE'],
  ] as [Finding['severity'][], string][])('%j → %s', (severities, risk) => {
    expect(riskOf(severities.map((s) => finding(s)))).toBe(risk);
  });
});
