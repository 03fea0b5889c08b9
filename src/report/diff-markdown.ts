import type { DiffChange, DiffReport, Severity } from '../diff/types.js';
import { printable } from '../util/text.js';
import { displaySegments, groupByServer, KIND_LABEL, summaryLine, type DiffSources } from './diff-common.js';
import type { ServerDigest } from './diff-servers.js';

/**
 * Server text for markdown, as an inline code span. Backslash escapes are not enough: the
 * extended autolinks of GFM (`www.`, `WWW.`, `https://`, `mailto:`, `xmpp:`, bare e-mail
 * addresses) and other renderers' linkifiers (bare domains) find links in plain text, and
 * GitHub's and GitLab's mentions and references (`@user`, `#1`, `GH-1`, `group/repo!1`) are
 * found in the rendered HTML, after every escape has been removed. The one construct that
 * every one of them leaves alone is code: inside a code span nothing is a link, an image, HTML,
 * emphasis or a mention (CommonMark §6.1). The text is made printable first (one line, control
 * and invisible characters as \u{…}); the fence is one backtick longer than the longest run of
 * backticks in the text, so the text cannot close it, and padded with a space on both sides
 * when the text starts or ends with a backtick or a space (the parser strips exactly one). In a
 * table cell, `|` is written `\|`: GFM splits cells before it parses code spans, and shows
 * `\|` inside a code span in a cell as `|`.
 */
export function markdownCode(text: string, max = 300, inTable = false): string {
  let body = printable(text, max);
  if (body === '') return '';
  if (inTable) body = body.replace(/\|/g, '\\|');
  let longest = 0;
  let run = 0;
  for (let i = 0; i < body.length; i++) {
    run = body.charCodeAt(i) === 0x60 ? run + 1 : 0;
    if (run > longest) longest = run;
  }
  const fence = '`'.repeat(longest + 1);
  const pad = /^[ `]|[ `]$/.test(body) && body.trim() !== '' ? ' ' : '';
  return `${fence}${pad}${body}${pad}${fence}`;
}

/**
 * Server text inside raw HTML (the <summary> line is an HTML block, where markdown does not
 * apply): made printable, entity-escaped, and inside <code>, which mention and reference
 * filters skip as they skip code spans.
 */
function htmlCode(text: string, max = 100): string {
  return `<code>${printable(text, max).replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`)}</code>`;
}

const ICON: Record<Severity, string> = { critical: '🔴', high: '🟠', medium: '🟡', low: '🔵', info: '⚪' };

function words(c: DiffChange): string[] {
  const out: string[] = [];
  for (const t of c.detail.texts.slice(0, 6)) {
    const rendered = displaySegments(t.words)
      .map((w) => {
        const text = markdownCode(w.text, Number.MAX_SAFE_INTEGER);
        if (w.op === 'equal') return text;
        return w.op === 'removed' ? `<del>${text}</del>` : `<ins>${text}</ins>`;
      })
      .join('');
    out.push(`- ${markdownCode(t.field, 80)}: ${rendered}`);
  }
  return out;
}

/** A pull-request comment: a summary table per server, then the reasons and text changes. */
export function renderDiffMarkdown(report: DiffReport, sources: DiffSources, servers: readonly ServerDigest[] = []): string {
  const from = markdownCode(sources.before, 120);
  const to = markdownCode(sources.after, 120);
  if (!report.drift) return `### mcptrust diff: no drift\n\n${to} matches ${from}.\n`;
  const lines = [`### mcptrust diff: ${summaryLine(report)}`, '', `${from} → ${to}`];
  const digests = new Map(servers.map((d) => [d.server, d]));
  for (const [server, changes] of groupByServer(report.changes)) {
    lines.push('', `#### Server ${markdownCode(server, 100)}`, '');
    // The digests a reviewer approves this server by (lock --approve): digests are hex, no escaping needed.
    const d = digests.get(server);
    if (d) {
      const side = sources.newSide ?? 'live';
      if (d.lockedDigest !== null) lines.push(`- locked: \`${d.lockedDigest}\``);
      if (d.liveDigest !== null) lines.push(`- ${side}: \`${d.liveDigest}\` (approve with \`mcptrust lock --approve ${d.liveDigest}\`)`);
      else lines.push(`- ${side}: removed`);
      lines.push('');
    }
    lines.push('| Severity | Breaking | Change | Kind | Name |', '|---|---|---|---|---|');
    for (const c of changes) {
      lines.push(`| ${ICON[c.severity]} ${c.severity} | ${c.breaking ? '**yes**' : 'no'} | ${c.change} | ${KIND_LABEL[c.kind]} | ${markdownCode(c.name, 100, true)} |`);
    }
    for (const c of changes) {
      lines.push('', `<details><summary>${c.severity}: ${KIND_LABEL[c.kind]} ${htmlCode(c.name, 100)} ${c.change}${c.breaking ? ' (breaking)' : ''}</summary>`, '');
      for (const reason of c.reasons.slice(0, 12)) lines.push(`- ${markdownCode(reason)}`);
      lines.push(...words(c));
      if (c.change === 'modified' && c.detail.paths.length > 0) {
        lines.push(`- changed at: ${c.detail.paths.slice(0, 12).map((path) => markdownCode(path || '/', 80)).join(', ')}`);
      }
      lines.push('', '</details>');
    }
  }
  return `${lines.join('\n')}\n`;
}
