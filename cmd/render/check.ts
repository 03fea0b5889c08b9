import type { DiffReport } from '../../src/diff/types.js';
import type { PolicyResult } from '../../src/policy/evaluate.js';
import { renderJUnit, type JUnitCase } from '../../src/report/junit.js';
import { printable } from '../../src/util/text.js';
import type { Paint } from '../io.js';
import { policyResultJson, renderRuleLines } from './policy.js';

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
}

function mark(status: CheckPart['status'], p: Paint): string {
  switch (status) {
    case 'pass':
      return p.green('✓');
    case 'warn':
      return p.yellow('⚠');
    case 'skip':
      return p.dim('-');
    default:
      return p.red('✗');
  }
}

const MAX_DETAIL_LINES = 20;

export function renderCheck(report: CheckReport, p: Paint): string {
  const lines = [`${p.bold('mcptrust check')} ${printable(report.lockfile, 120)}`];
  for (const part of report.parts) {
    lines.push(`  ${mark(part.status, p)} ${part.id.padEnd(9)} ${printable(part.summary, 400)}`);
    if (part.id === 'policy' && report.policy) lines.push(...renderRuleLines(report.policy, p, '      '));
    else if (part.status !== 'pass') {
      for (const d of part.details.slice(0, MAX_DETAIL_LINES)) lines.push(`      ${p.dim(printable(d, 300))}`);
      if (part.details.length > MAX_DETAIL_LINES) lines.push(`      ${p.dim(`… ${part.details.length - MAX_DETAIL_LINES} more`)}`);
    }
  }
  const failed = report.parts.filter((x) => x.status === 'fail' || x.status === 'error').map((x) => x.id);
  lines.push(report.passed ? p.green('✓ check passed') : p.red(`✗ check failed: ${failed.join(', ')}`));
  return `${lines.join('\n')}\n`;
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
          changes: report.drift.changes.map((c) => ({
            server: c.server,
            kind: c.kind,
            name: c.name,
            change: c.change,
            severity: c.severity,
            breaking: c.breaking,
            reasons: c.reasons,
          })),
        }
      : null,
    policy: report.policy ? policyResultJson(report.policy) : null,
  };
}

/** JUnit XML: one test case per check (signature, drift, policy) and one per policy rule. */
export function checkJUnit(report: CheckReport): string {
  const partStatus = (s: CheckPart['status']): JUnitCase['status'] => (s === 'warn' ? 'pass' : s);
  const checks: JUnitCase[] = report.parts.map((part) => ({
    name: part.id,
    classname: 'mcptrust.check',
    status: partStatus(part.status),
    message: part.summary,
    details: part.details.join('\n') || undefined,
    systemOut: part.status === 'warn' || part.status === 'pass' ? part.summary : undefined,
    timeMs: part.ms,
  }));
  const suites = [{ name: `mcptrust check ${report.lockfile}`, cases: checks }];
  if (report.policy) {
    const classname = `mcptrust.policy.${report.policy.name}`;
    suites.push({
      name: `policy ${report.policy.name}`,
      cases: report.policy.rules.map((rule) => ({
        name: rule.name,
        classname,
        status: rule.outcome === 'fail' ? (rule.status === 'error' ? 'error' : 'fail') : 'pass',
        message: rule.message,
        details: rule.message,
        systemOut: rule.outcome === 'warn' ? `warning (${rule.severity}): ${rule.message ?? ''}` : undefined,
        timeMs: rule.ms,
      })),
    });
  }
  return renderJUnit('mcptrust check', suites);
}
