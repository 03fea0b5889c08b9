/**
 * SC-02 Vulnerability Scanning (MTF v0.1 §3.3). Every locked production dependency is matched
 * against an offline OSV database folder (`--osv-db DIR`: OSV JSON records per ecosystem) using
 * semver (npm) or PEP 440 (PyPI) ordering of `affected[].ranges` events and exact
 * `affected[].versions`; with `--online` also against the npm registry's bulk advisory endpoint.
 * OpenVEX statements shipped in the bundle are applied. Without any vulnerability data the
 * status is `error`, never `pass` (the reference passed when its tools were missing).
 *
 * Blocking follows the spec's exploitability criteria, not severity alone: CVSS ≥ 9.0, CVSS ≥ 7.0
 * with EPSS > 0.10, or listed in CISA KEV (EPSS/KEV from `epss.csv` / `kev.json` in the database
 * folder when present). A high-severity vulnerability without exploitation data is reported as
 * `high` but does not fail the control (spec: "CVSS 7.0-8.9 with EPSS ≤ 0.10 → WARN"). Records with
 * only a database label (GHSA CRITICAL/HIGH/MODERATE/LOW) are scored 9.0/7.0/5.0/2.0.
 */
import { isDependencyPath } from '../code/files.js';
import { dependencyInventory } from '../deps/inventory.js';
import type { Ecosystem, LockedDependency } from '../deps/lockfiles.js';
import { advisoryCovers, fetchNpmAdvisories, type NpmAdvisory } from '../deps/npm-advisories.js';
import { loadOsvDatabase, matchDependency, type OsvDatabase } from '../deps/osv.js';
import { purlOf } from '../deps/sbom.js';
import { isVexPath, readVex, vexDecision, type VexStatement } from '../deps/vex.js';
import type { Control, ControlResult, Finding, Severity } from '../types.js';
import { printable } from '../../util/text.js';

const LABEL_SCORE: Record<string, number> = Object.assign(Object.create(null) as Record<string, number>, { CRITICAL: 9.0, HIGH: 7.0, MODERATE: 5.0, MEDIUM: 5.0, LOW: 2.0 });

interface Vulnerability {
  id: string;
  aliases: string[];
  summary: string;
  cvss: number | undefined;
  fixed: string[];
  via: string;
}

function severityOf(cvss: number | undefined, kev: boolean): Severity {
  if (kev || (cvss !== undefined && cvss >= 9)) return 'critical';
  if (cvss === undefined) return 'medium';
  if (cvss >= 7) return 'high';
  if (cvss >= 4) return 'medium';
  return 'low';
}

export const control: Control = {
  id: 'SC-02',
  name: 'Vulnerability Scanning',
  domain: 'supply_chain',
  async run(ctx): Promise<ControlResult> {
    const inv = dependencyInventory(ctx);
    const findings: Finding[] = [];
    const add = (f: Omit<Finding, 'id' | 'control'>) => findings.push({ id: `SC-02-${findings.length + 1}`, control: 'SC-02', ...f });
    if (!inv.hasDependencies) {
      add({ severity: 'info', title: 'No third-party dependencies', description: 'The bundle has no dependencies to scan' });
      return { status: 'pass', findings };
    }
    const { osvDb, online } = ctx.options;
    if (!osvDb && !online) {
      return { status: 'error', findings, error: 'no vulnerability data: give an OSV database folder (--osv-db DIR) or allow --online' };
    }
    const deps = inv.production.filter((d) => d.version !== '' && (d.source === 'registry' || d.source === 'url'));
    for (const d of inv.production.filter((x) => x.version === '' && x.spec !== undefined).slice(0, 20)) {
      add({ severity: 'medium', title: 'Dependency not checked', description: `${printable(d.name, 80)} ${printable(d.spec ?? '', 40)} is not pinned to a version, so it cannot be matched against vulnerability data`, file: d.file, ...(d.line ? { line: d.line } : {}), remediation: 'Pin the dependency to an exact version (see SC-03).' });
    }
    if (deps.length === 0 && inv.production.length === 0) {
      return { status: 'error', findings, error: 'the bundle declares dependencies but ships no lockfile or installed tree to enumerate them (see SC-01/SC-03)' };
    }
    const ecosystems = [...new Set(deps.map((d) => d.ecosystem))] as Ecosystem[];
    let db: OsvDatabase | undefined;
    if (osvDb) {
      try {
        db = loadOsvDatabase(osvDb, ecosystems);
      } catch (error) {
        return { status: 'error', findings, error: (error as Error).message };
      }
      for (const p of db.problems.slice(0, 5)) add({ severity: 'info', title: 'OSV database problem', description: printable(p, 200) });
    }
    const uncovered = ecosystems.filter((e) => !(db?.ecosystems.has(e) ?? false) && !(online && e === 'npm'));
    if (uncovered.length > 0) {
      return { status: 'error', findings, error: `no vulnerability data for ${uncovered.join(', ')} dependencies${osvDb ? ` in ${osvDb}` : ''} (add the ecosystem's OSV records${uncovered.includes('npm') ? ' or use --online' : ''})` };
    }
    let advisories: NpmAdvisory[] = [];
    if (online && ecosystems.includes('npm')) {
      const query = new Map<string, Set<string>>();
      for (const d of deps) if (d.ecosystem === 'npm') (query.get(d.name) ?? query.set(d.name, new Set()).get(d.name)!).add(d.version);
      try {
        advisories = await fetchNpmAdvisories(query);
      } catch (error) {
        if (!db?.ecosystems.has('npm')) return { status: 'error', findings, error: `npm advisory look-up failed: ${printable((error as Error).message, 160)}` };
        add({ severity: 'info', title: 'Online advisory look-up failed', description: printable((error as Error).message, 160) });
      }
    }
    const statements: VexStatement[] = [];
    for (const file of ctx.files) {
      if (!isVexPath(file.path) || isDependencyPath(file.path)) continue;
      const read = readVex(file);
      if ('problem' in read) add({ severity: 'medium', title: 'Unreadable VEX document', description: `${printable(file.path, 120)}: ${printable(read.problem, 160)}`, file: file.path });
      else statements.push(...read.statements);
    }
    let blocking = false;
    for (const dep of deps) {
      const vulns = collect(dep, db, advisories);
      const purl = purlOf(dep);
      for (const v of vulns) {
        const ids = [v.id, ...v.aliases];
        const cves = ids.filter((x) => /^CVE-\d+-\d+$/.test(x));
        const kev = cves.some((c) => db?.kev.has(c) ?? false);
        const epss = Math.max(-1, ...cves.map((c) => db?.epss.get(c) ?? -1));
        const isBlocking = kev || (v.cvss !== undefined && (v.cvss >= 9 || (v.cvss >= 7 && epss > 0.1)));
        const facts = [v.cvss !== undefined ? `CVSS ${v.cvss.toFixed(1)}` : 'no CVSS score', epss >= 0 ? `EPSS ${epss.toFixed(3)}` : undefined, kev ? 'listed in CISA KEV' : undefined, `via ${v.via}`].filter(Boolean).join(', ');
        const where = { file: dep.file, ...(dep.line ? { line: dep.line } : {}) };
        const name = `${printable(dep.name, 80)}@${printable(dep.version, 40)}`;
        const remediation = v.fixed.length > 0 ? `Upgrade ${printable(dep.name, 80)} to a fixed version (${v.fixed.slice(0, 3).map((f) => printable(f, 30)).join(', ')}) or document non-applicability in an OpenVEX statement.` : `Replace or patch ${printable(dep.name, 80)}, or document non-applicability in an OpenVEX statement.`;
        const vex = vexDecision(statements, ids, purl);
        if (vex && (vex.status === 'not_affected' || vex.status === 'fixed')) {
          if (vex.status === 'not_affected' && !vex.justified) {
            add({ severity: 'medium', title: `${printable(v.id, 60)} suppressed by VEX without justification`, description: `${vex.file} says ${name} is not_affected by ${printable(v.id, 60)} but gives no justification or impact statement`, file: vex.file, remediation: 'Add a justification (e.g. vulnerable_code_not_in_execute_path) to the VEX statement.' });
          } else {
            add({ severity: 'info', title: `${printable(v.id, 60)} suppressed by VEX`, description: `${name}: ${vex.status} according to ${vex.file} (${facts})`, ...where });
          }
          continue;
        }
        const investigating = vex?.status === 'under_investigation';
        if (isBlocking && !investigating) blocking = true;
        add({
          severity: severityOf(v.cvss, kev),
          title: `${printable(v.id, 60)} in ${name}`,
          description: `${printable(v.summary || 'known vulnerability', 200)} (${facts}${investigating ? `; under investigation per ${vex!.file}, not blocking` : isBlocking ? '; blocking' : '; not blocking: no sign of exploitation'})`,
          ...where,
          remediation,
        });
      }
    }
    return { status: blocking ? 'fail' : 'pass', findings };
  },
};

function collect(dep: LockedDependency, db: OsvDatabase | undefined, advisories: readonly NpmAdvisory[]): Vulnerability[] {
  const out: Vulnerability[] = [];
  const seen = new Set<string>();
  if (db) {
    for (const r of matchDependency(db, dep)) {
      seen.add(r.id);
      for (const a of r.aliases) seen.add(a);
      out.push({ id: r.id, aliases: r.aliases, summary: r.summary, cvss: r.cvss ?? (r.label ? LABEL_SCORE[r.label] : undefined), fixed: [...new Set(r.fixedIn)], via: 'OSV database' });
    }
  }
  if (dep.ecosystem === 'npm') {
    for (const a of advisories) {
      if (a.name !== dep.name || seen.has(a.id) || !advisoryCovers(a, dep.version)) continue;
      seen.add(a.id);
      out.push({ id: a.id, aliases: [], summary: a.title, cvss: a.cvss ?? LABEL_SCORE[a.severity.toUpperCase()], fixed: [], via: 'npm advisories' });
    }
  }
  return out;
}
