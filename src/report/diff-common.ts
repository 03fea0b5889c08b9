import type { DiffChange, DiffReport, Severity, WordSegment } from '../diff/types.js';
import { printable } from '../util/text.js';
import type { ServerDigest } from './diff-servers.js';

/** Colors for the text renderer (cmd/io.ts `paint()` fits); identity functions when off. */
export interface Style {
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

/** Where the two sides of a diff came from, for headings. */
export interface DiffSources {
  /** The approved lockfile, as the user named it. */
  before: string;
  /** The other lockfile, or a description of the live server(s). */
  after: string;
  /** What the new side's digest is called: "live" (default), or "new" for another lockfile. */
  newSide?: string;
}

export const KIND_LABEL: Record<DiffChange['kind'], string> = {
  server: 'server',
  tool: 'tool',
  prompt: 'prompt',
  resource: 'resource',
  resourceTemplate: 'resource template',
};

export const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** "3 changes (1 breaking; 1 critical, 2 low)" */
export function summaryLine(report: DiffReport): string {
  const { summary } = report;
  if (!report.drift) return 'no drift';
  const severities = (['critical', 'high', 'medium', 'low', 'info'] as const)
    .filter((s) => summary.bySeverity[s] > 0)
    .map((s) => `${summary.bySeverity[s]} ${s}`)
    .join(', ');
  return `${plural(summary.changes, 'change')} (${summary.breaking} breaking; ${severities})`;
}

const PLAIN: Style = { red: (s) => s, green: (s) => s, yellow: (s) => s, dim: (s) => s, bold: (s) => s };

/** A severity, padded to one column and colored by how much it matters. */
export function severityLabel(severity: Severity, p: Style): string {
  const label = severity.padEnd(8);
  if (severity === 'critical' || severity === 'high') return p.red(p.bold(label));
  if (severity === 'medium') return p.yellow(label);
  return p.dim(label);
}

const SIGN = { added: '+', removed: '-', modified: '~' } as const;

/**
 * One change on one line, naming its server: the short form that `lock`'s refusal and `check`
 * print, so they show the same severity, count and words as `diff`. `hide` redacts secrets from
 * server text before it is cut (a cut must not split a secret).
 */
export function changeLine(c: DiffChange, p: Style = PLAIN, hide: (text: string) => string = (t) => t): string {
  const what = c.kind === 'server' ? 'server' : `${KIND_LABEL[c.kind]} "${printable(hide(c.name), 80)}"`;
  const reason = c.reasons[0] === undefined ? '' : `: ${printable(hide(c.reasons[0]), 160)}`;
  return `${severityLabel(c.severity, p)} ${SIGN[c.change]} ${printable(hide(c.server), 60)}: ${what} ${c.change}${c.breaking ? ' (breaking)' : ''}${reason}`;
}

/** "locked sha256:… → live sha256:…", the digests of one changed server (see diff-servers.ts). */
export function digestText(d: ServerDigest, newSide = 'live'): string {
  if (d.lockedDigest === null) return `new; ${newSide} ${d.liveDigest}`;
  if (d.liveDigest === null) return `removed; locked ${d.lockedDigest}`;
  return `locked ${d.lockedDigest} → ${newSide} ${d.liveDigest}`;
}

/** Changes grouped by server, in report order. */
export function groupByServer(changes: DiffChange[]): [string, DiffChange[]][] {
  const groups = new Map<string, DiffChange[]>();
  for (const c of changes) {
    const list = groups.get(c.server) ?? [];
    list.push(c);
    groups.set(c.server, list);
  }
  return [...groups];
}

const EQUAL_KEEP = 40;

const isHigh = (code: number) => code >= 0xd800 && code <= 0xdbff;
/** The first `n` code units of a text, one fewer if that would split a surrogate pair. */
const headOf = (text: string, n: number) => text.slice(0, isHigh(text.charCodeAt(n - 1)) ? n - 1 : n);
/** The last `n` code units of a text, one fewer if that would split a surrogate pair. */
const tailOf = (text: string, n: number) => (text.length <= n ? text : text.slice(isHigh(text.charCodeAt(text.length - n - 1)) ? 1 - n : -n));

/**
 * A word diff cut down for display: long unchanged runs keep only their ends, changed runs are
 * bounded, everything made printable (server text is attacker-controlled).
 */
export function displaySegments(words: WordSegment[], maxChanged = 400): WordSegment[] {
  return words.map((w, i) => {
    if (w.op !== 'equal') return { op: w.op, text: printable(w.text, maxChanged) };
    const head = printable(headOf(w.text, EQUAL_KEEP * 2), Number.MAX_SAFE_INTEGER);
    if (w.text.length <= EQUAL_KEEP * 2 + 1) {
      const flat = printable(w.text, Number.MAX_SAFE_INTEGER);
      if (flat.length <= EQUAL_KEEP * 2 + 1) return { op: w.op, text: flat };
    }
    const tail = printable(tailOf(w.text, EQUAL_KEEP * 2), Number.MAX_SAFE_INTEGER);
    const start = headOf(head, EQUAL_KEEP);
    const end = tailOf(tail, EQUAL_KEEP);
    if (i === 0) return { op: w.op, text: `…${end}` };
    if (i === words.length - 1) return { op: w.op, text: `${start}…` };
    return { op: w.op, text: `${start} … ${end}` };
  });
}
