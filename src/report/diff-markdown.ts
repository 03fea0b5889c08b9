import type { DiffChange, DiffReport, Severity } from '../diff/types.js';
import { printable } from '../util/text.js';
import { displaySegments, groupByServer, KIND_LABEL, summaryLine, type DiffSources } from './diff-common.js';

/**
 * Markdown-safe text: made printable, then every character that can start markup inline
 * backslash-escaped (CommonMark allows escaping any ASCII punctuation), so server text cannot
 * open links, images, HTML, code spans, emphasis, table cells, math, mentions or autolinks
 * (":" is escaped so "http://" is not recognised) in a pull-request comment.
 */
export function escapeMarkdown(text: string, max = 300): string {
  return printable(text, max).replace(/[\\`*_[\]()<>#|~!@:&$]/g, (c) => `\\${c}`);
}

/** Text for raw HTML (the <summary> line is an HTML block, where markdown escapes do not apply). */
function escapeHtml(text: string, max = 100): string {
  return printable(text, max).replace(/[&<>"'`@]/g, (c) => `&#${c.charCodeAt(0)};`);
}

const ICON: Record<Severity, string> = { critical: '🔴', high: '🟠', medium: '🟡', low: '🔵', info: '⚪' };

function words(c: DiffChange): string[] {
  const out: string[] = [];
  for (const t of c.detail.texts.slice(0, 6)) {
    const rendered = displaySegments(t.words)
      .map((w) => {
        const text = escapeMarkdown(w.text, Number.MAX_SAFE_INTEGER);
        if (w.op === 'equal') return text;
        return w.op === 'removed' ? `<del>${text}</del>` : `<ins>${text}</ins>`;
      })
      .join('');
    out.push(`- **${escapeMarkdown(t.field, 80)}**: ${rendered}`);
  }
  return out;
}

/** A pull-request comment: a summary table per server, then the reasons and text changes. */
export function renderDiffMarkdown(report: DiffReport, sources: DiffSources): string {
  const from = escapeMarkdown(sources.before, 120);
  const to = escapeMarkdown(sources.after, 120);
  if (!report.drift) return `### mcptrust diff: no drift\n\n${to} matches ${from}.\n`;
  const lines = [`### mcptrust diff: ${summaryLine(report)}`, '', `${from} → ${to}`];
  for (const [server, changes] of groupByServer(report.changes)) {
    lines.push('', `#### Server ${escapeMarkdown(server, 100)}`, '', '| Severity | Breaking | Change | Kind | Name |', '|---|---|---|---|---|');
    for (const c of changes) {
      lines.push(`| ${ICON[c.severity]} ${c.severity} | ${c.breaking ? '**yes**' : 'no'} | ${c.change} | ${KIND_LABEL[c.kind]} | ${escapeMarkdown(c.name, 100)} |`);
    }
    for (const c of changes) {
      lines.push('', `<details><summary>${c.severity}: ${KIND_LABEL[c.kind]} ${escapeHtml(c.name, 100)} ${c.change}${c.breaking ? ' (breaking)' : ''}</summary>`, '');
      for (const reason of c.reasons.slice(0, 12)) lines.push(`- ${escapeMarkdown(reason)}`);
      lines.push(...words(c));
      if (c.change === 'modified' && c.detail.paths.length > 0) {
        lines.push(`- changed at: ${c.detail.paths.slice(0, 12).map((path) => escapeMarkdown(path || '/', 80)).join(', ')}`);
      }
      lines.push('', '</details>');
    }
  }
  return `${lines.join('\n')}\n`;
}
