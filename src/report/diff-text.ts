import type { DiffChange, DiffReport } from '../diff/types.js';
import { printable } from '../util/text.js';
import { digestText, displaySegments, groupByServer, KIND_LABEL, severityLabel, summaryLine, type DiffSources, type Style } from './diff-common.js';
import type { ServerDigest } from './diff-servers.js';

const MAX_REASONS = 8;
const MAX_PATHS = 8;

function renderChange(c: DiffChange, p: Style): string[] {
  const sign = { added: '+', removed: '-', modified: '~' }[c.change];
  const name = c.kind === 'server' ? '' : ` "${printable(c.name, 100)}"`;
  const breaking = c.breaking ? `  ${p.red('BREAKING')}` : '';
  const lines = [`  ${severityLabel(c.severity, p)} ${sign} ${KIND_LABEL[c.kind]}${name} ${c.change}${breaking}`];
  const reasons = c.reasons.slice(0, MAX_REASONS);
  for (const reason of reasons) lines.push(`      - ${printable(reason, 300)}`);
  if (c.reasons.length > reasons.length) lines.push(p.dim(`      - … and ${c.reasons.length - reasons.length} more`));
  for (const t of c.detail.texts.slice(0, 6)) {
    const words = displaySegments(t.words)
      .map((w) => (w.op === 'equal' ? w.text : w.op === 'removed' ? p.red(`[-${w.text}-]`) : p.green(`{+${w.text}+}`)))
      .join('');
    lines.push(`      ${p.dim(`${printable(t.field, 80)}:`)} ${words}`);
  }
  if (c.change === 'modified' && c.detail.paths.length > 0) {
    const shown = c.detail.paths.slice(0, MAX_PATHS).map((path) => printable(path || '/', 80));
    const more = c.detail.paths.length > MAX_PATHS ? ` … ${c.detail.paths.length - MAX_PATHS} more` : '';
    lines.push(`      ${p.dim(`changed at: ${shown.join(', ')}${more}`)}`);
  }
  return lines;
}

/**
 * The human report: one heading per server, one block per change with its severity, whether it
 * breaks, why, and the old and new text word by word ([-removed-] {+added+}).
 */
export function renderDiffText(report: DiffReport, sources: DiffSources, p: Style, servers: readonly ServerDigest[] = []): string {
  const from = printable(sources.before, 120);
  const to = printable(sources.after, 120);
  if (!report.drift) return `${p.green('no drift:')} ${to} matches ${from}\n`;
  const lines = [`${p.bold('drift:')} ${from} → ${to}: ${summaryLine(report)}`];
  const digests = new Map(servers.map((d) => [d.server, d]));
  for (const [server, changes] of groupByServer(report.changes)) {
    lines.push('', p.bold(printable(server, 100)));
    // The digests a reviewer approves this server's new side by (lock --approve).
    const d = digests.get(server);
    if (d) lines.push(p.dim(`  ${digestText(d, sources.newSide ?? 'live')}`));
    for (const c of changes) lines.push(...renderChange(c, p));
  }
  return `${lines.join('\n')}\n`;
}
