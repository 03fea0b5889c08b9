/**
 * The MTF report (schemas/mtf/report.schema.json, draft 2020-12). Fields beyond the schema's
 * (allowed: it sets no additionalProperties) are marked "extension" below. Decisions:
 *   - bundle.hash is the bare 64-hex sha256 (the reference writes a "sha256:" prefix, invalid);
 *   - bundle.version is the manifest version when it starts MAJOR.MINOR.PATCH; otherwise (absent
 *     or not semver) "0.0.0" with `version_declared: false` — never "unknown", which fails the
 *     schema's pattern; AI-01 reports the problem;
 *   - bundle.name is the manifest name, or the file/folder name when the manifest has none.
 */
import { basename } from 'node:path';
import { VERSION } from '../version.js';
import type { Score } from './score.js';
import { asString, field } from './source.js';
import type { BundleContext, Control, ControlId, ControlResult, Finding } from './types.js';

export const REPORT_VERSION = '1.0.0';

export interface ReportControl {
  status: ControlResult['status'];
  findings: Finding[];
  error?: string;
  duration_ms?: number;
  /** extension: a `pass` that counts only up to this level (ControlResult.levelCap), so a reader
   * of the JSON can see why the level stops below a row of passes. */
  level_cap?: number;
}

export interface MtfReport {
  version: string;
  bundle: { name: string; version: string; hash: string; version_declared?: false; content_hash?: string; archive: boolean; files: number };
  scan: { timestamp: string; scanner: string; scanner_version: string; duration_ms: number };
  compliance: {
    level: number;
    level_name: Score['level_name'];
    controls_passed: number;
    controls_failed: number;
    controls_total: number;
    // extension:
    controls_errored: number;
    controls_skipped: number;
    score: number;
    degraded: boolean;
    level_if_no_errors?: number;
    level_declared?: number;
  };
  risk_score: Score['risk'];
  domains: Record<string, { controls: Record<string, ReportControl> }>;
  findings: Finding[];
  sbom?: { format: 'cyclonedx' | 'spdx'; component_count: number; location?: string };
}

export function buildReport(input: {
  ctx: BundleContext;
  controls: readonly Control[];
  results: ReadonlyMap<ControlId, ControlResult>;
  score: Score;
  finishedAt: Date;
  durationMs: number;
  declaredLevel: number;
}): MtfReport {
  const { ctx, results, score } = input;
  const manifestName = asString(field(ctx.manifest, 'name'))?.trim();
  const manifestVersion = asString(field(ctx.manifest, 'version'));
  const versionOk = manifestVersion !== undefined && /^\d+\.\d+\.\d+/.test(manifestVersion);
  const domains: MtfReport['domains'] = {};
  const findings: Finding[] = [];
  const ids = new Set<string>();
  let sbom: MtfReport['sbom'];
  for (const control of input.controls) {
    const r = results.get(control.id);
    if (!r) continue;
    const own: Finding[] = r.findings.map((f) => {
      let id = f.id;
      for (let n = 2; ids.has(id); n++) id = `${f.id}#${n}`;
      ids.add(id);
      return { ...f, id, control: f.control ?? control.id };
    });
    // One by one: a spread passes every finding as an argument (130,000 overflow the stack).
    for (const f of own) findings.push(f);
    const entry: ReportControl = { status: r.status, findings: own };
    if (r.error !== undefined) entry.error = r.error;
    else if (r.status === 'error') entry.error = 'the control could not complete';
    entry.duration_ms = Math.max(0, Math.round(r.duration_ms ?? 0));
    if (r.status === 'pass' && r.levelCap !== undefined) entry.level_cap = r.levelCap;
    (domains[control.domain] ??= { controls: {} }).controls[control.id] = entry;
    if (r.sbom) sbom = r.sbom;
  }
  return {
    version: REPORT_VERSION,
    bundle: {
      name: manifestName || basename((ctx.source ?? ctx.root).replace(/[\\/]+$/, '')),
      version: versionOk ? manifestVersion! : '0.0.0',
      ...(versionOk ? {} : { version_declared: false as const }),
      hash: ctx.bundleHash,
      ...(ctx.contentHash ? { content_hash: ctx.contentHash } : {}),
      archive: ctx.archive,
      files: ctx.files.length,
    },
    scan: {
      timestamp: input.finishedAt.toISOString(),
      scanner: 'mcptrust',
      scanner_version: VERSION,
      duration_ms: Math.max(0, Math.round(input.durationMs)),
    },
    compliance: {
      level: score.level,
      level_name: score.level_name,
      controls_passed: score.controls_passed,
      controls_failed: score.controls_failed,
      controls_total: score.controls_total,
      controls_errored: score.controls_errored,
      controls_skipped: score.controls_skipped,
      score: score.score,
      degraded: score.degraded,
      ...(score.level_if_no_errors !== undefined ? { level_if_no_errors: score.level_if_no_errors } : {}),
      ...(input.declaredLevel ? { level_declared: input.declaredLevel } : {}),
    },
    risk_score: score.risk,
    domains,
    findings,
    ...(sbom ? { sbom } : {}),
  };
}
