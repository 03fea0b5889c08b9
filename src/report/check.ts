// Types only from src/diff: `policy check` renders its results with this module and must not
// load the diff engine (jsondiffpatch) when it compares nothing.
import type { FailOn } from '../diff/index.js';
import { coreChange } from './change-fields.js';
import { changeLine, digestText } from './diff-common.js';
import type { ServerDigest } from './diff-servers.js';
import type { DiffChange, DiffReport } from '../diff/types.js';
import type { VerifyResult } from '../lockfile/signature.js';
import type { PolicyResult } from '../policy/evaluate.js';
import { renderJUnit, type JUnitCase, type JUnitSuite } from './junit.js';

/**
 * One part of `mcptrust check`. pass/fail/skip as usual; warn: drift below --fail-on or policy
 * warnings (the check passes); error: the part could not run (e.g. the lockfile no longer
 * parses after its signature failed).
 */
export interface CheckPart {
  id: 'signature' | 'drift' | 'policy';
  status: 'pass' | 'fail' | 'warn' | 'skip' | 'error';
  summary: string;
  details: string[];
  ms: number;
}

export interface CheckReport {
  lockfile: string;
  passed: boolean;
  parts: CheckPart[];
  policy?: PolicyResult;
  drift?: DiffReport;
  /** The approval digests of the servers that drifted (lock --approve takes the live one). */
  servers?: ServerDigest[];
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export function signaturePart(result: VerifyResult, ms: number): CheckPart {
  return {
    id: 'signature',
    status: result.verified ? 'pass' : 'fail',
    summary: result.verified
      ? `verified: signed by ${plural(result.signers.length, 'trusted key')} (threshold ${result.threshold})`
      : `not verified: ${result.problems[0]?.message ?? 'unknown problem'}`,
    details: result.verified ? result.signers : result.problems.slice(1).map((p) => p.message),
    ms,
  };
}

/**
 * Trusted keys were given and there is no signature file: fail closed, the lockfile is not
 * verified. `signCommand` is the command that would sign it.
 */
export function noSignaturePart(sig: string, signCommand: string): CheckPart {
  return {
    id: 'signature',
    status: 'fail',
    summary: `not verified: the lockfile is not signed (no signature file ${sig}); sign it with: ${signCommand}`,
    details: [],
    ms: 0,
  };
}

/**
 * `failsOn` is src/diff's predicate (passed in, see the imports above). The details are the
 * digests of each drifted server, then one line per change naming its server, as `lock`'s
 * refusal prints them.
 */
export function driftPart(
  diff: DiffReport,
  failOn: FailOn,
  failsOn: (c: DiffChange, failOn: FailOn) => boolean,
  ms: number,
  servers: readonly ServerDigest[] = [],
): CheckPart {
  const failing = diff.changes.filter((c) => failsOn(c, failOn));
  const { changes, summary } = diff;
  return {
    id: 'drift',
    status: failing.length > 0 ? 'fail' : changes.length > 0 ? 'warn' : 'pass',
    summary:
      changes.length === 0
        ? 'no drift: the live server matches the lockfile'
        : `${plural(changes.length, 'change')} (most severe: ${summary.maxSeverity}${summary.breaking ? `, ${summary.breaking} breaking` : ''})${failing.length === 0 ? ` below --fail-on ${failOn}` : ''}; run mcptrust diff for details`,
    details: [...servers.map((d) => `${d.server}: ${digestText(d)}`), ...changes.map((c) => changeLine(c))],
    ms,
  };
}

export function policyPart(result: PolicyResult, ms: number): CheckPart {
  const { counts } = result;
  return {
    id: 'policy',
    status: counts.failures > 0 ? 'fail' : counts.warnings > 0 ? 'warn' : 'pass',
    summary: `${result.name} (${result.source}, mode ${result.mode}): ${counts.passed} of ${counts.rules} rules passed${counts.failures ? `, ${counts.failures} failed` : ''}${counts.warnings ? `, ${plural(counts.warnings, 'warning')}` : ''}`,
    details: [],
    ms,
  };
}

export const NO_POLICY_PART: CheckPart = { id: 'policy', status: 'skip', summary: 'no policy given (--policy FILE or --preset NAME)', details: [], ms: 0 };

/** The report: it passes when no part failed or errored. */
export function checkReport(lockfile: string, parts: CheckPart[], extra: { policy?: PolicyResult; drift?: DiffReport; servers?: ServerDigest[] } = {}): CheckReport {
  return { lockfile, passed: parts.every((p) => p.status !== 'fail' && p.status !== 'error'), parts, ...extra };
}

export function ruleJson(rule: PolicyResult['rules'][number]) {
  return {
    name: rule.name,
    source: rule.source,
    severity: rule.severity,
    status: rule.status,
    outcome: rule.outcome,
    message: rule.message ?? null,
    /** What made a failed rule false, by name: the first items and the total (null when it passed or names nothing). */
    offending: rule.offending ? { items: rule.offending.items, total: rule.offending.total } : null,
    /** Why a failed rule names nothing, when its names could not be found in time (else absent). */
    ...(rule.unexplained !== undefined ? { unexplained: rule.unexplained } : {}),
    controlRefs: rule.controlRefs,
  };
}

/** A failed rule's offending items as lines (JUnit details), bounded as in the text report. */
function offendingLines(rule: PolicyResult['rules'][number]): string[] {
  if (!rule.offending) return rule.unexplained !== undefined ? [`(${rule.unexplained})`] : [];
  const more = rule.offending.total - rule.offending.items.length;
  return [...rule.offending.items.map((i) => `- ${i.name}${i.why.length ? ` (${i.why.join(', ')})` : ''}`), ...(more > 0 ? [`… and ${more} more`] : [])];
}

export function policyResultJson(result: PolicyResult) {
  return {
    name: result.name,
    source: result.source,
    mode: result.mode,
    passed: result.passed,
    counts: result.counts,
    /** One entry per policy file (--policy and --preset are repeatable), in the order they apply. */
    policies: result.policies,
    rules: result.rules.map(ruleJson),
  };
}

export function checkJson(report: CheckReport) {
  return {
    lockfile: report.lockfile,
    passed: report.passed,
    checks: report.parts.map((part) => ({ id: part.id, status: part.status, summary: part.summary, details: part.details })),
    drift: report.drift
      ? {
          drift: report.drift.drift,
          summary: report.drift.summary,
          servers: report.servers ?? [],
          changes: report.drift.changes.map(coreChange),
        }
      : null,
    policy: report.policy ? policyResultJson(report.policy) : null,
  };
}

/**
 * The JUnit suite of a policy (or of several files): one test case per rule, its class named
 * after its own policy; warnings pass, with a note; a failure lists the offending items.
 */
export function policySuite(policy: PolicyResult): JUnitSuite {
  return {
    name: `policy ${policy.name}`,
    cases: policy.rules.map((rule) => {
      const details = [rule.message ?? '', ...offendingLines(rule)].join('\n');
      return {
        name: rule.name,
        classname: `mcptrust.policy.${rule.policy}`,
        status: rule.outcome === 'fail' ? 'fail' : 'pass',
        message: rule.message,
        details,
        systemOut: rule.outcome === 'warn' ? `warning (${rule.severity}): ${details}` : undefined,
        timeMs: rule.ms,
      };
    }),
  };
}

/** JUnit XML: one test case per check (signature, drift, policy) and one per policy rule. */
export function checkJUnit(report: CheckReport): string {
  const checks: JUnitCase[] = report.parts.map((part) => ({
    name: part.id,
    classname: 'mcptrust.check',
    status: part.status === 'warn' ? 'pass' : part.status,
    message: part.summary,
    details: part.details.join('\n') || undefined,
    systemOut: part.status === 'warn' || part.status === 'pass' ? part.summary : undefined,
    timeMs: part.ms,
  }));
  const suites: JUnitSuite[] = [{ name: `mcptrust check ${report.lockfile}`, cases: checks }];
  if (report.policy) suites.push(policySuite(report.policy));
  return renderJUnit('mcptrust check', suites);
}
