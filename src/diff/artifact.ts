/**
 * Grades a change of the code a server runs (its artifact pin, src/artifact/types.ts), the other
 * half of its launch identity next to the transport. The surface may be byte-identical while the
 * bytes behind it are not: a version re-published with other code, a range or `latest` that now
 * resolves to a new version, a changed dependency, an edited local script, another package. Each
 * is a reason on the server's change, so `lock`'s refusal, `diff`, `check` and `policy` see it
 * the same way. Fail closed: a pin on one side only is a change.
 */
import type { ArtifactPin, FilePin, PackagePin, ProvenanceRecord } from '../artifact/types.js';
import { artifactJson } from '../lockfile/artifact.js';
import { printable } from '../util/text.js';
import { compareSeverity } from '../safety/index.js';
import type { Grade } from './grade.js';
import { sameJson } from './json.js';
import type { DiffReport, Severity } from './types.js';

/** Changed dependencies, files or distributions named one by one in a change's reasons; the rest are counted. */
const LISTED = 8;

const quote = (s: string) => `"${printable(s, 120)}"`;
/** A digest shortened for a reason (the full values are in the two lockfiles). */
const short = (digest: string | undefined) => (digest === undefined ? 'none' : `${printable(digest, 24).slice(0, 20)}…`);

// Not a type guard: an unpinned pin is still an ArtifactPin (it may list files).
const pinned = (pin: ArtifactPin | undefined): boolean => pin !== undefined && pin.type !== 'unpinned';

/** What a pin is, in a few words: `npm "@acme/notes"@1.0.0`, `local ./server.js`. */
function describe(pin: ArtifactPin | undefined): string {
  if (pin === undefined) return 'not pinned';
  if (pin.type === 'unpinned') return `not pinned (${printable(pin.note ?? '', 120)})`;
  if (pin.type === 'local') return `local ${(pin.files ?? []).map((f) => quote(f.path)).join(', ')}`;
  return `${pin.type} ${quote(pin.name ?? pin.spec ?? '')}${pin.version !== undefined ? `@${printable(pin.version, 60)}` : ''}`;
}

/**
 * The part of a pin that identifies code. Not its module preloads (see below), nor an unpinned
 * pin's note (why nothing is pinned is not code: an old lockfile with no pin and `--no-pin` now
 * agree), nor the reason text of provenance that did not verify (the same failure worded
 * otherwise is the same record).
 */
function identityKey(pin: ArtifactPin | undefined): unknown {
  if (pin === undefined || !pinned(pin)) return { pinned: false, files: pin?.files === undefined ? [] : artifactJson({ type: 'unpinned', files: pin.files }).files };
  const json = artifactJson(pin);
  delete json.note;
  delete json.spec;
  // The module preloads are read off the launch line, whose change the transport reports: a
  // lockfile written before they were recorded is the same pin.
  delete json.modules;
  if (pin.provenance !== undefined && !pin.provenance.verified) json.provenance = { ...(json.provenance as object), reason: null };
  return json;
}

/** Whether two pins identify the same code (see identityKey). */
export function sameArtifact(before: ArtifactPin | undefined, after: ArtifactPin | undefined): boolean {
  return sameJson(identityKey(before) as never, identityKey(after) as never);
}

/**
 * Adds the reasons for a changed artifact pin to the server's grade and the changed fields to
 * `fields`. `before` is the approved lockfile's pin, `after` the live launch's (or the other
 * lockfile's).
 */
export function artifactChanges(grade: Grade, fields: string[], before: ArtifactPin | undefined, after: ArtifactPin | undefined): void {
  if (sameArtifact(before, after)) return;
  fields.push('artifact');
  if (pinned(before) && !pinned(after)) {
    grade.add('high', `the launch is no longer pinned: the lockfile pins ${describe(before)}, now ${describe(after)}; what runs cannot be checked against the pin`);
    return;
  }
  if (!pinned(before) && pinned(after)) {
    // Fail closed: a lockfile without a pin approved no particular code.
    grade.add('high', `the lockfile pins no artifact for this launch (${describe(before)}); it now runs ${describe(after)}: lock again to pin it`);
    return;
  }
  if (before === undefined || after === undefined || !pinned(before) || !pinned(after)) {
    fileChanges(grade, fields, before?.files ?? [], after?.files ?? []);
    return;
  }
  if (before.type !== after.type) {
    grade.add('high', `the launch now runs another kind of artifact: ${describe(before)} → ${describe(after)}`);
    return;
  }
  const registry = before.type === 'npm' || before.type === 'pypi';
  if (before.name !== after.name) {
    fields.push('artifact.name');
    grade.add('high', `the launch now runs another ${before.type === 'oci' ? 'image' : before.type === 'local' ? 'program' : 'package'}: ${describe(before)} → ${describe(after)}`);
  } else if (before.version !== after.version) {
    fields.push('artifact.version');
    const behind = after.spec !== undefined ? ` behind ${quote(after.spec)}` : '';
    grade.add('high', `a new ${before.type === 'oci' ? 'tag' : 'version'}${behind} is run: ${printable(before.version ?? 'none', 60)} → ${printable(after.version ?? 'none', 60)}`);
  } else if (before.integrity !== after.integrity && !(before.type === 'local' && before.files !== undefined && after.files !== undefined)) {
    // (A local pin's integrity is its file's: the file change below names the path.)
    fields.push('artifact.integrity');
    if (registry) {
      // A registry version is immutable: the same version with other bytes is a re-publish (or a
      // registry serving something else), the signature of a compromised release.
      grade.add('critical', `${describe(after)} was re-published with other bytes: integrity ${short(before.integrity)} → ${short(after.integrity)}`);
    } else if (before.type === 'oci') {
      grade.add('high', `image ${describe(after)} now points to other bytes: digest ${short(before.integrity)} → ${short(after.integrity)}`);
    } else {
      grade.add('high', `${describe(after)} changed: content digest ${short(before.integrity)} → ${short(after.integrity)}`);
    }
  }
  if (before.type === 'npm') dependencyChanges(grade, fields, before, after);
  if (before.type === 'pypi' && before.version === after.version) distributionChanges(grade, fields, before, after);
  fileChanges(grade, fields, before.files ?? [], after.files ?? []);
  provenanceChanges(grade, fields, before.provenance, after.provenance);
}

/** Reasons listed up to LISTED, then one counting the rest, at the most severe level left out. */
function listed(grade: Grade, found: { severity: 'critical' | 'high' | 'medium' | 'low'; reason: string }[], what: string): void {
  const order = { critical: 0, high: 1, medium: 2, low: 3 };
  found.sort((a, b) => order[a.severity] - order[b.severity]);
  for (const f of found.slice(0, LISTED)) grade.add(f.severity, f.reason);
  const rest = found.slice(LISTED);
  if (rest.length > 0) grade.add(rest[0]!.severity, `and ${rest.length} more ${what} changed (compare the two lockfiles)`);
}

function dependencyChanges(grade: Grade, fields: string[], before: ArtifactPin, after: ArtifactPin): void {
  // The top package is reported above; its own entry in the tree says the same again.
  const top = (pin: ArtifactPin) => `node_modules/${pin.name}`;
  const index = (pin: ArtifactPin) => new Map((pin.dependencies ?? []).filter((d) => d.path !== top(pin)).map((d) => [d.path, d]));
  const old = index(before);
  const now = index(after);
  const found: { severity: 'critical' | 'high' | 'medium'; reason: string }[] = [];
  const at = (d: PackagePin) => `${quote(d.name)}@${printable(d.version, 60)}${d.path === `node_modules/${d.name}` ? '' : ` (${printable(d.path, 120)})`}`;
  for (const [path, d] of now) {
    const was = old.get(path);
    if (was === undefined) found.push({ severity: 'high', reason: `new dependency ${at(d)} is installed` });
    else if (was.name !== d.name) found.push({ severity: 'high', reason: `dependency at ${printable(path, 120)} is now another package: ${at(was)} → ${at(d)}` });
    else if (was.version !== d.version) found.push({ severity: 'high', reason: `dependency ${quote(d.name)} changed version: ${printable(was.version, 60)} → ${printable(d.version, 60)}` });
    else if (was.integrity !== d.integrity) found.push({ severity: 'critical', reason: `dependency ${at(d)} was re-published with other bytes: integrity ${short(was.integrity)} → ${short(d.integrity)}` });
  }
  for (const [path, d] of old) if (!now.has(path)) found.push({ severity: 'medium', reason: `dependency ${at(d)} is no longer installed` });
  if (found.length > 0) fields.push('artifact.dependencies');
  listed(grade, found, 'dependencies');
}

function distributionChanges(grade: Grade, fields: string[], before: ArtifactPin, after: ArtifactPin): void {
  const old = new Map((before.distributions ?? []).map((d) => [d.filename, d.sha256]));
  const now = new Map((after.distributions ?? []).map((d) => [d.filename, d.sha256]));
  const found: { severity: 'critical' | 'high' | 'medium'; reason: string }[] = [];
  for (const [file, sha] of now) {
    const was = old.get(file);
    if (was === undefined) found.push({ severity: 'high', reason: `new distribution file ${quote(file)} for the same version` });
    else if (was !== sha) found.push({ severity: 'critical', reason: `distribution file ${quote(file)} was replaced with other bytes: sha256 ${short(was)} → ${short(sha)}` });
  }
  for (const file of old.keys()) if (!now.has(file)) found.push({ severity: 'medium', reason: `distribution file ${quote(file)} is no longer listed` });
  if (found.length > 0) fields.push('artifact.distributions');
  listed(grade, found, 'distribution files');
}

function fileChanges(grade: Grade, fields: string[], before: readonly FilePin[], after: readonly FilePin[]): void {
  const old = new Map(before.map((f) => [f.path, f.integrity]));
  const now = new Map(after.map((f) => [f.path, f.integrity]));
  const found: { severity: 'high' | 'medium'; reason: string }[] = [];
  for (const [path, integrity] of now) {
    const was = old.get(path);
    if (was === undefined) found.push({ severity: 'high', reason: `the launch now runs local file ${quote(path)}` });
    else if (was !== integrity) found.push({ severity: 'high', reason: `local file ${quote(path)} changed: content digest ${short(was)} → ${short(integrity)}` });
  }
  for (const path of old.keys()) if (!now.has(path)) found.push({ severity: 'medium', reason: `the launch no longer runs local file ${quote(path)}` });
  if (found.length > 0) fields.push('artifact.files');
  listed(grade, found, 'local files');
}

function provenanceChanges(grade: Grade, fields: string[], before: ProvenanceRecord | undefined, after: ProvenanceRecord | undefined): void {
  const was = before?.verified === true;
  const now = after?.verified === true;
  if (sameJson(identityKey({ type: 'npm', provenance: before }) as never, identityKey({ type: 'npm', provenance: after }) as never)) return;
  fields.push('artifact.provenance');
  if (was && !now) {
    grade.add('high', `provenance no longer verifies: ${after === undefined ? 'the package has no attestations now' : printable(after.reason ?? 'not verified', 200)}`);
    return;
  }
  if (!was && now) grade.add('info', `provenance now verifies (built from ${printable(after?.sourceRepository ?? 'an unnamed source', 120)})`);
  if (before?.sourceRepository !== after?.sourceRepository && (was || now)) {
    grade.add('high', `the artifact is now built from another repository: ${printable(before?.sourceRepository ?? 'none', 120)} → ${printable(after?.sourceRepository ?? 'none', 120)}`);
  }
  if (before?.workflow !== after?.workflow && was && now) grade.add('medium', `the artifact is now built by another workflow: ${printable(before?.workflow ?? 'none', 120)} → ${printable(after?.workflow ?? 'none', 120)}`);
  if (before?.builder !== after?.builder && was && now) grade.add('medium', `the artifact is now built by another builder: ${printable(before?.builder ?? 'none', 120)} → ${printable(after?.builder ?? 'none', 120)}`);
  if (before?.sourceCommit !== after?.sourceCommit && was && now) grade.add('info', `built from commit ${printable(after?.sourceCommit ?? 'none', 60)} (was ${printable(before?.sourceCommit ?? 'none', 60)})`);
}

/**
 * The servers whose recorded source repository does not match `expected` (`--expected-source`):
 * unverified provenance, or none at all, does not match either (fail closed). Returns one
 * message per server, for `check` to fail on.
 */
export function expectedSourceProblems(servers: Iterable<{ name: string; artifact?: ArtifactPin; transport: { type: string } }>, expected: RegExp): string[] {
  const problems: string[] = [];
  for (const server of servers) {
    if (server.transport.type !== 'stdio') continue;
    const pin = server.artifact;
    const name = quote(server.name);
    const p = pin?.provenance;
    if (pin === undefined || !pinned(pin)) problems.push(`server ${name}: no artifact is pinned, so its source cannot match --expected-source`);
    else if (p === undefined) problems.push(`server ${name}: ${describe(pin)} has no provenance, so its source cannot match --expected-source`);
    else if (!p.verified) problems.push(`server ${name}: the provenance of ${describe(pin)} is not verified (${printable(p.reason ?? '', 160)})`);
    else if (p.sourceRepository === undefined || !expected.test(p.sourceRepository)) {
      problems.push(`server ${name}: ${describe(pin)} was built from ${printable(p.sourceRepository ?? 'an unnamed source', 160)}, which does not match --expected-source`);
    }
  }
  return problems;
}

/**
 * The report with each `--expected-source` problem (expectedSourceProblems) added as a high
 * reason on its server's change (a new change when the server had none), so check's drift part
 * fails on it at its default threshold and under `--fail-on security`, and every format shows it.
 */
export function withExpectedSource(report: DiffReport, servers: Iterable<{ name: string; artifact?: ArtifactPin; transport: { type: string } }>, expected: RegExp): DiffReport {
  const findings: ServerFinding[] = [];
  for (const server of servers) {
    const [problem] = expectedSourceProblems([server], expected);
    if (problem !== undefined) findings.push({ server: server.name, severity: 'high', field: 'artifact.provenance', reason: problem });
  }
  return withServerFindings(report, findings);
}

/** A finding about one server that no lockfile field holds (its provenance, the proxy in front of it). */
export interface ServerFinding {
  server: string;
  severity: Severity;
  /** The detail field it is reported under (`artifact.provenance`, `transport.proxy`). */
  field: string;
  reason: string;
}

/**
 * The report with each finding added to its server's change (its severity raised to the
 * finding's), or as a change of its own when the server had none; the summary recounted.
 */
export function withServerFindings(report: DiffReport, findings: readonly ServerFinding[]): DiffReport {
  if (findings.length === 0) return report;
  const changes = [...report.changes];
  for (const finding of findings) {
    const at = changes.findIndex((c) => c.server === finding.server && c.kind === 'server' && c.change === 'modified');
    if (at !== -1) {
      const c = changes[at]!;
      changes[at] = {
        ...c,
        severity: compareSeverity(c.severity, finding.severity) >= 0 ? c.severity : finding.severity,
        reasons: [...c.reasons, finding.reason],
        detail: c.detail.fields.includes(finding.field) ? c.detail : { ...c.detail, fields: [...c.detail.fields, finding.field] },
      };
    } else {
      changes.push({
        server: finding.server,
        kind: 'server',
        name: finding.server,
        change: 'modified',
        severity: finding.severity,
        breaking: false,
        reasons: [finding.reason],
        detail: { fields: [finding.field], paths: [`/${finding.field.split('.').join('/')}`], texts: [], schema: [] },
      });
    }
  }
  const bySeverity = { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
  let top: Severity | null = null;
  for (const c of changes) {
    bySeverity[c.severity]++;
    if (top === null || compareSeverity(c.severity, top) > 0) top = c.severity;
  }
  return { drift: changes.length > 0, changes, summary: { changes: changes.length, breaking: changes.filter((c) => c.breaking).length, maxSeverity: top, bySeverity } };
}
