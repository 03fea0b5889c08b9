import type { DiffChange, DiffReport, WordSegment } from '../diff/types.js';
import { printable } from '../util/text.js';

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
