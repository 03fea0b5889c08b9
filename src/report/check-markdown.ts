import type { CheckPart, CheckReport } from './check.js';
import { markdownCode, renderDiffMarkdown } from './diff-markdown.js';

const MARK: Record<CheckPart['status'], string> = { pass: '✅', warn: '⚠️', skip: '➖', fail: '❌', error: '❌' };
const MAX_DETAILS = 20;

/**
 * `check --markdown FILE` (the GitHub Action's job summary): the verdict, one table row per part,
 * the policy rules that did not pass, then the drift as `diff --format markdown` shows it.
 * Every string that can come from a server, a lockfile or a policy file goes through
 * markdownCode (a code span: no link, mention, HTML or emphasis can form inside it).
 */
export function renderCheckMarkdown(report: CheckReport): string {
  const failed = report.parts.filter((p) => p.status === 'fail' || p.status === 'error').map((p) => p.id);
  const lines = [
    `### mcptrust check: ${report.passed ? '✅ passed' : `❌ failed (${failed.join(', ')})`}`,
    '',
    `Lockfile ${markdownCode(report.lockfile, 120)}`,
    '',
    '| Check | Status | Summary |',
    '|---|---|---|',
  ];
  for (const part of report.parts) lines.push(`| ${part.id} | ${MARK[part.status]} ${part.status} | ${markdownCode(part.summary, 400, true)} |`);
  for (const part of report.parts) {
    if (part.status === 'pass' || part.status === 'skip' || part.details.length === 0 || part.id === 'drift') continue;
    lines.push('', `${part.id}:`, '');
    for (const d of part.details.slice(0, MAX_DETAILS)) lines.push(`- ${markdownCode(d, 300)}`);
    if (part.details.length > MAX_DETAILS) lines.push(`- … ${part.details.length - MAX_DETAILS} more`);
  }
  const notPassed = report.policy?.rules.filter((r) => r.outcome !== 'pass') ?? [];
  if (notPassed.length > 0) {
    lines.push('', '#### Policy rules not passed', '', '| Rule | Outcome | Message |', '|---|---|---|');
    for (const rule of notPassed) {
      const outcome = `${rule.outcome === 'fail' ? '❌' : '⚠️'} ${rule.outcome} (${rule.severity})`;
      lines.push(`| ${markdownCode(rule.name, 100, true)} | ${outcome} | ${markdownCode(rule.message ?? '', 300, true)} |`);
    }
  }
  let text = `${lines.join('\n')}\n`;
  if (report.drift) text += `\n${renderDiffMarkdown(report.drift, { before: report.lockfile, after: 'the live server' })}`;
  return text;
}
