import type { DiffReport } from '../diff/types.js';
import type { DiffSources } from './diff-common.js';
import type { ServerDigest } from './diff-servers.js';
import { safeJson } from '../util/text.js';
import { detailLabel } from '../diff/grade.js';

/** Version of the `diff --format json` document; bumped on any incompatible change. */
export const DIFF_JSON_VERSION = 1;

/** The machine report (docs/formats.md, "Diff JSON"): drift, summary, and every classified change. */
export function renderDiffJson(report: DiffReport, sources: DiffSources, failOn: string, failed: boolean, servers: readonly ServerDigest[] = []): string {
  const doc = {
    diffVersion: DIFF_JSON_VERSION,
    drift: report.drift,
    before: sources.before,
    after: sources.after,
    failOn,
    failed,
    summary: report.summary,
    // Each changed server with the digests `lock --approve` takes (its new side's liveDigest).
    servers,
    changes: report.changes,
  };
  try {
    return `${safeJson(doc)}\n`;
  } catch (error) {
    // Past V8's longest string (names of millions of characters each, many of them): the same
    // report without the detail, names cut, and marked so. Drift, summary, severities, reasons
    // and the exit code are those of the whole report.
    // V8 throws a RangeError; Buffer's decoder an Error with code ERR_STRING_TOO_LONG.
    if (!(error instanceof RangeError) && (error as { code?: unknown }).code !== 'ERR_STRING_TOO_LONG') throw error;
    const changes = report.changes.map((c) => ({ ...c, name: detailLabel(c.name), detail: { fields: [], paths: [], texts: [], schema: [] } }));
    return `${safeJson({ ...doc, truncated: true, servers: servers.map((s) => ({ ...s, server: detailLabel(s.server) })), changes: changes.map((c) => ({ ...c, server: detailLabel(c.server) })) })}\n`;
  }
}
