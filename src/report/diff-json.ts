import type { DiffReport } from '../diff/types.js';
import type { DiffSources } from './diff-common.js';
import type { ServerDigest } from './diff-servers.js';
import { safeJson } from '../util/text.js';

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
  return `${safeJson(doc)}\n`;
}
