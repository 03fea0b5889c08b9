import type { CheckPart, CheckReport } from '../../src/report/check.js';
import { printable } from '../../src/util/text.js';
import type { Paint } from '../io.js';
import { renderRuleLines } from './policy.js';

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

/** The human summary of `mcptrust check`: one line per part, the policy's rules under it. */
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
