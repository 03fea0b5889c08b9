/**
 * PR-05 Repository Health (MTF-0.1 §3.6, L3) from the manifest's OpenSSF Scorecard block
 * `_meta["org.mpaktrust"].scorecard` {score, checks, scan_date}. Fetching Scorecard needs the
 * network; without the block the control is `skip` ("Scorecard unavailable → SKIP").
 *   score < 5.0 → blocks (L3 threshold); 5.0 ≤ score < 7.0 → passes capped at L3 (L4 needs 7.0);
 *   Token-Permissions, Dangerous-Workflow, Branch-Protection scored 0 → blocks regardless of score;
 *   such a check not reported or inconclusive (-1) → medium; results older than 30 days → medium.
 */
import { FindingList, asRecord, asString, field, mtfExtension } from '../source.js';
import type { BundleContext, Control, ControlResult } from '../types.js';

const BLOCKING = ['Token-Permissions', 'Dangerous-Workflow', 'Branch-Protection'];

function run(ctx: BundleContext): ControlResult {
  const f = new FindingList('PR-05');
  const at = { file: 'manifest.json' };
  const card = asRecord(field(mtfExtension(ctx.manifest), 'scorecard'));
  if (!card) return { status: 'skip', findings: [], error: 'no OpenSSF Scorecard results in the manifest (_meta["org.mpaktrust"].scorecard)' };
  const score = field(card, 'score');
  if (typeof score !== 'number' || !(score >= 0 && score <= 10)) {
    f.add('high', 'Invalid Scorecard score', 'scorecard.score must be a number from 0 to 10.', at);
    return { status: 'fail', findings: f.items };
  }
  let levelCap: 3 | undefined;
  if (score < 5) f.add('high', 'Scorecard below the L3 threshold', `OpenSSF Scorecard score ${score} is below 5.0.`, { ...at, remediation: 'Improve the repository\'s security practices (branch protection, pinned CI actions, token permissions).' });
  else if (score < 7) {
    levelCap = 3;
    f.add('low', 'Scorecard below the L4 threshold', `OpenSSF Scorecard score ${score} meets L3 (5.0) but not L4 (7.0).`, at);
  }
  const checks = asRecord(field(card, 'checks'));
  for (const name of BLOCKING) {
    const v = field(checks, name);
    if (v === undefined) f.add('medium', `${name} not reported`, `The Scorecard results do not include ${name}, which must pass at any score.`, at);
    else if (typeof v !== 'number') f.add('high', `Invalid ${name} value`, `scorecard.checks["${name}"] is not a number.`, at);
    else if (v === -1) f.add('medium', `${name} inconclusive`, `Scorecard could not evaluate ${name}.`, at);
    else if (v === 0) f.add('high', `${name} fails`, `Scorecard's ${name} check scored 0; it must pass regardless of the overall score.`, { ...at, remediation: `Fix the repository's ${name} finding.` });
  }
  const date = asString(field(card, 'scan_date'));
  const when = date && /^\d{4}-\d{2}-\d{2}$/.test(date) ? Date.parse(`${date}T00:00:00Z`) : NaN;
  if (Number.isNaN(when)) f.add('high', 'Invalid Scorecard date', 'scorecard.scan_date must be a date (YYYY-MM-DD).', at);
  else {
    const now = (ctx.options.now ?? new Date()).getTime();
    const days = Math.floor((now - when) / 86_400_000);
    if (days > 30) f.add('medium', 'Scorecard results are old', `The Scorecard results are ${days} days old (over 30).`, { ...at, remediation: 'Re-run OpenSSF Scorecard before publishing.' });
    if (days < -1) f.add('medium', 'Scorecard date in the future', `scan_date ${date} is after the scan time.`, at);
  }
  const failed = f.has('high', 'critical');
  return { status: failed ? 'fail' : 'pass', findings: f.items, ...(!failed && levelCap ? { levelCap } : {}) };
}

export const control: Control = { id: 'PR-05', name: 'Repository Health', domain: 'provenance', run };
