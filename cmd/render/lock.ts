import { approvalDigest, surfaceDigest } from '../../src/lockfile/build.js';
import type { DiffReport } from '../../src/diff/types.js';
import type { Lockfile } from '../../src/lockfile/types.js';
import { changeLine, summaryLine } from '../../src/report/diff-common.js';
import type { ServerDigest } from '../../src/report/diff-servers.js';
import { printable } from '../../src/util/text.js';
import type { Paint } from '../io.js';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function counts(lock: Lockfile, name: string) {
  const s = lock.servers[name]!.surface;
  return {
    tools: Object.keys(s.tools).length,
    prompts: Object.keys(s.prompts).length,
    resources: Object.keys(s.resources).length,
    resourceTemplates: Object.keys(s.resourceTemplates).length,
  };
}

/**
 * `hide` redacts secrets from server text before it is shortened (a cut must not split a
 * secret). `updated`: the servers this lock read (default all); `kept`: how many other servers
 * a partial lock (--server) carried over unchanged.
 */
export function renderLockSummary(
  lock: Lockfile,
  file: string,
  p: Paint,
  hide: (text: string) => string = (t) => t,
  updated: string[] = Object.keys(lock.servers),
  kept = 0,
): string {
  const others = kept > 0 ? ` (${plural(kept, 'other server')} kept as ${kept === 1 ? 'it was' : 'they were'})` : '';
  const lines = [`${p.green('locked')} ${plural(updated.length, 'server')} into ${printable(file, 200)}${others}`];
  for (const name of updated) {
    const server = lock.servers[name]!;
    const info = server.surface.identity.serverInfo;
    const c = counts(lock, name);
    const text = (v: unknown) => (typeof v === 'string' ? v : '?');
    const id = `${printable(hide(text(info.name)), 60)} ${printable(hide(text(info.version)), 30)}, protocol ${printable(hide(server.surface.identity.protocolVersion), 20)}`;
    lines.push(`  ${p.bold(printable(hide(name), 60))} (${id})`);
    lines.push(
      `    ${plural(c.tools, 'tool')}, ${plural(c.prompts, 'prompt')}, ${plural(c.resources, 'resource')}, ${plural(c.resourceTemplates, 'resource template')}`,
    );
    lines.push(`    ${p.dim(surfaceDigest(server.surface))}`);
  }
  return `${lines.join('\n')}\n`;
}

export function lockSummaryJson(
  lock: Lockfile,
  file: string,
  notes: { server: string; note: string }[],
  updated: string[] = Object.keys(lock.servers),
  kept: string[] = [],
) {
  return {
    written: true,
    lockfile: file,
    servers: updated.map((name) => ({
      name,
      digest: surfaceDigest(lock.servers[name]!.surface),
      approvalDigest: approvalDigest(lock.servers[name]!),
      serverInfo: lock.servers[name]!.surface.identity.serverInfo,
      counts: counts(lock, name),
    })),
    kept,
    notes,
  };
}

const SHOWN = 20;

export interface Refusal {
  file: string;
  /** The diff engine's report of the judged servers (lockfile → live). */
  report: DiffReport;
  /** Each changed server with its locked and live approval digests. */
  servers: ServerDigest[];
  approved: ReadonlySet<string>;
  /** --approve was given. */
  approving: boolean;
}

const isApproved = (d: ServerDigest, approved: ReadonlySet<string>) => d.liveDigest !== null && approved.has(d.liveDigest);

/**
 * Why lock wrote nothing: the diff engine's summary line and one line per change (the pieces
 * `diff` and `check` print), each changed server with its digests, and how to approve exactly
 * this (`--approve` with the live digests) or whatever comes (`--force`).
 */
export function renderRefusal(r: Refusal, p: Paint, hide: (text: string) => string = (t) => t): string {
  const file = printable(r.file, 200);
  const unapproved = r.servers.filter((d) => !isApproved(d, r.approved));
  const lines = r.approving
    ? [`${p.red('refused:')} not approved: ${unapproved.map((d) => `server "${printable(hide(d.server), 60)}" (${d.liveDigest === null ? 'removed' : `live ${d.liveDigest}`})`).join(', ')}; nothing written to ${file}.`]
    : [`${p.red('refused:')} ${file} pins something different from what the servers offer now; nothing written.`];
  lines.push(`  ${summaryLine(r.report)}`);
  for (const d of r.servers) {
    const mark = r.approving ? (isApproved(d, r.approved) ? ` ${p.green('approved')}` : ` ${p.red('not approved')}`) : '';
    const digests = d.lockedDigest === null ? `new, live ${d.liveDigest}` : d.liveDigest === null ? `removed, locked ${d.lockedDigest}` : `locked ${d.lockedDigest} → live ${d.liveDigest}`;
    lines.push(`  server "${printable(hide(d.server), 60)}": ${digests}${mark}`);
  }
  for (const c of r.report.changes.slice(0, SHOWN)) lines.push(`    ${changeLine(c, p, hide)}`);
  if (r.report.changes.length > SHOWN) lines.push(`    … and ${r.report.changes.length - SHOWN} more (mcptrust diff shows them all)`);
  const approvable = r.servers.filter((d) => d.liveDigest !== null).map((d) => `--approve ${d.liveDigest}`);
  lines.push('Review the change (mcptrust diff with the same server flags), then run lock again with');
  if (approvable.length > 0) lines.push(`  ${approvable.join(' ')}`, 'to write exactly what was reviewed, or with --force to write whatever the servers offer then.');
  else lines.push('  --force (a removed server has no live digest to approve; --server NAME keeps it).');
  return `${lines.join('\n')}\n`;
}

/** The same refusal for --format json: the diff engine's summary and changes, and the digests. */
export function refusalJson(r: Refusal) {
  return {
    written: false,
    lockfile: r.file,
    drift: true,
    summary: r.report.summary,
    servers: r.servers.map((d) => ({ ...d, approved: isApproved(d, r.approved) })),
    changes: r.report.changes,
  };
}
