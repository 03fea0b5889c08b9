/**
 * Offline vulnerability matching against an OSV database folder (the format OSV publishes: one
 * JSON record per file, one subfolder per ecosystem, e.g. `npm/GHSA-….json`, `PyPI/PYSEC-….json`).
 * Optional exploitability data beside it: `kev.json` (CISA KEV catalog JSON) and `epss.csv`
 * (FIRST EPSS CSV: cve,epss,percentile). Records are attacker-influenced input too: every file
 * is bounded and parsed defensively.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import type { Ecosystem, LockedDependency } from './lockfiles.js';
import { normalizePyName } from './lockfiles.js';
import { comparePep440, parsePep440 } from './pep440.js';

export interface OsvRecord {
  id: string;
  aliases: string[];
  summary: string;
  /** CVSS v3 base score when a vector is given, else undefined. */
  cvss?: number;
  /** The database's own label (GHSA: CRITICAL/HIGH/MODERATE/LOW). */
  label?: string;
  affected: OsvAffected[];
  fixedIn: string[];
}

interface OsvAffected {
  ecosystem: string;
  name: string;
  versions: string[];
  ranges: { type: string; events: { introduced?: string; fixed?: string; last_affected?: string }[] }[];
}

export interface OsvDatabase {
  /** Records by ecosystem, then by package name (npm exact, PyPI normalised). */
  byPackage: Map<string, Map<string, OsvRecord[]>>;
  /** Ecosystems that have a folder in the database. */
  ecosystems: Set<string>;
  kev: Set<string>;
  epss: Map<string, number>;
  recordCount: number;
  problems: string[];
}

export const OSV_LIMITS = { maxRecordBytes: 4 * 1024 * 1024, maxRecords: 500_000, maxAuxBytes: 64 * 1024 * 1024 };

const ECOSYSTEM_FOLDERS: Record<Ecosystem, string[]> = { npm: ['npm'], PyPI: ['PyPI', 'pypi'] };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function packageKey(ecosystem: string, name: string): string {
  return ecosystem === 'PyPI' ? normalizePyName(name) : name;
}

/** Parses one OSV record (undefined when it is not one). */
export function parseOsvRecord(json: unknown): OsvRecord | undefined {
  if (!isObject(json) || typeof json.id !== 'string') return undefined;
  const affected: OsvAffected[] = [];
  const fixedIn: string[] = [];
  for (const a of Array.isArray(json.affected) ? json.affected : []) {
    if (!isObject(a) || !isObject(a.package)) continue;
    const ecosystem = typeof a.package.ecosystem === 'string' ? a.package.ecosystem : '';
    const name = typeof a.package.name === 'string' ? a.package.name : '';
    const ranges: OsvAffected['ranges'] = [];
    for (const r of Array.isArray(a.ranges) ? a.ranges : []) {
      if (!isObject(r) || typeof r.type !== 'string' || !Array.isArray(r.events)) continue;
      const events = r.events.filter(isObject).map((e) => ({
        ...(typeof e.introduced === 'string' ? { introduced: e.introduced } : {}),
        ...(typeof e.fixed === 'string' ? { fixed: e.fixed } : {}),
        ...(typeof e.last_affected === 'string' ? { last_affected: e.last_affected } : {}),
      }));
      for (const e of events) if (e.fixed) fixedIn.push(e.fixed);
      ranges.push({ type: r.type, events });
    }
    const versions = Array.isArray(a.versions) ? a.versions.filter((v): v is string => typeof v === 'string') : [];
    affected.push({ ecosystem, name, versions, ranges });
  }
  let cvss: number | undefined;
  for (const s of Array.isArray(json.severity) ? json.severity : []) {
    if (isObject(s) && typeof s.score === 'string' && /^CVSS_V3/.test(String(s.type))) {
      const score = cvss3BaseScore(s.score);
      if (score !== undefined) cvss = Math.max(cvss ?? 0, score);
    }
  }
  const dbs = isObject(json.database_specific) ? json.database_specific : {};
  return {
    id: json.id.slice(0, 200),
    aliases: Array.isArray(json.aliases) ? json.aliases.filter((x): x is string => typeof x === 'string').slice(0, 50) : [],
    summary: typeof json.summary === 'string' ? json.summary.slice(0, 300) : typeof json.details === 'string' ? json.details.slice(0, 300) : '',
    ...(cvss !== undefined ? { cvss } : {}),
    ...(typeof dbs.severity === 'string' ? { label: dbs.severity.toUpperCase() } : {}),
    affected,
    fixedIn,
  };
}

/** Loads the ecosystems a scan needs from an OSV folder. Throws only when the folder is unusable. */
export function loadOsvDatabase(dir: string, ecosystems: readonly Ecosystem[]): OsvDatabase {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`OSV database folder ${dir} does not exist`);
  const db: OsvDatabase = { byPackage: new Map(), ecosystems: new Set(), kev: new Set(), epss: new Map(), recordCount: 0, problems: [] };
  const add = (record: OsvRecord) => {
    for (const a of record.affected) {
      const eco = a.ecosystem.split(':')[0]!;
      let map = db.byPackage.get(eco);
      if (!map) db.byPackage.set(eco, (map = new Map()));
      const key = packageKey(eco, a.name);
      const list = map.get(key);
      if (list) {
        if (!list.includes(record)) list.push(record);
      } else map.set(key, [record]);
    }
  };
  for (const eco of ecosystems) {
    const folder = ECOSYSTEM_FOLDERS[eco].map((f) => join(dir, f)).find((p) => existsSync(p) && statSync(p).isDirectory());
    if (!folder) continue;
    db.ecosystems.add(eco);
    for (const name of readdirSync(folder)) {
      if (!name.endsWith('.json')) continue;
      if (db.recordCount >= OSV_LIMITS.maxRecords) {
        db.problems.push(`more than ${OSV_LIMITS.maxRecords} records; the rest were not read`);
        break;
      }
      const path = join(folder, name);
      try {
        const st = statSync(path);
        if (!st.isFile() || st.size > OSV_LIMITS.maxRecordBytes) continue;
        const json = JSON.parse(readFileSync(path, 'utf8')) as unknown;
        if (isObject(json) && typeof json.withdrawn === 'string') continue; // OSV: a withdrawn record no longer applies
        const record = parseOsvRecord(json);
        if (record) {
          db.recordCount++;
          add(record);
        } else db.problems.push(`${eco}/${name} is not an OSV record`);
      } catch {
        db.problems.push(`${eco}/${name} is not valid JSON`);
      }
    }
  }
  const kevPath = join(dir, 'kev.json');
  if (existsSync(kevPath) && statSync(kevPath).size <= OSV_LIMITS.maxAuxBytes) {
    try {
      const kev = JSON.parse(readFileSync(kevPath, 'utf8')) as unknown;
      const list = isObject(kev) && Array.isArray(kev.vulnerabilities) ? kev.vulnerabilities : [];
      for (const v of list) if (isObject(v) && typeof v.cveID === 'string') db.kev.add(v.cveID);
    } catch {
      db.problems.push('kev.json is not valid JSON');
    }
  }
  const epssPath = join(dir, 'epss.csv');
  if (existsSync(epssPath) && statSync(epssPath).size <= OSV_LIMITS.maxAuxBytes) {
    for (const line of readFileSync(epssPath, 'utf8').split('\n')) {
      const [cve, score] = line.split(',');
      if (cve && /^CVE-\d+-\d+$/.test(cve.trim())) {
        const n = Number(score);
        if (Number.isFinite(n)) db.epss.set(cve.trim(), n);
      }
    }
  }
  return db;
}

function compareVersions(ecosystem: string, a: string, b: string): number | undefined {
  if (ecosystem === 'PyPI') {
    const pa = parsePep440(a);
    const pb = parsePep440(b);
    return pa && pb ? comparePep440(pa, pb) : undefined;
  }
  const sa = semver.valid(a, { loose: true }) ?? semver.valid(semver.coerce(a) ?? '');
  const sb = semver.valid(b, { loose: true }) ?? semver.valid(semver.coerce(b) ?? '');
  return sa && sb ? semver.compare(sa, sb, { loose: true }) : undefined;
}

/**
 * Whether `version` falls in an OSV range (OSV schema "Evaluation": events sorted by version,
 * introduced opens, fixed closes at, last_affected closes after).
 */
export function inRange(ecosystem: string, version: string, events: OsvAffected['ranges'][number]['events']): boolean {
  const keyed = events
    .map((e) => ({ e, v: e.introduced ?? e.fixed ?? e.last_affected ?? '' }))
    .filter((x) => x.v !== '');
  keyed.sort((x, y) => {
    if (x.v === '0') return y.v === '0' ? 0 : -1;
    if (y.v === '0') return 1;
    return compareVersions(ecosystem, x.v, y.v) ?? 0;
  });
  let affected = false;
  for (const { e } of keyed) {
    if (e.introduced !== undefined) {
      if (e.introduced === '0' || (compareVersions(ecosystem, version, e.introduced) ?? -1) >= 0) affected = true;
    } else if (e.fixed !== undefined) {
      if ((compareVersions(ecosystem, version, e.fixed) ?? -1) >= 0) affected = false;
    } else if (e.last_affected !== undefined) {
      if ((compareVersions(ecosystem, version, e.last_affected) ?? -1) > 0) affected = false;
    }
  }
  return affected;
}

/** The records that affect one dependency version. */
export function matchDependency(db: OsvDatabase, dep: Pick<LockedDependency, 'ecosystem' | 'name' | 'version'>): OsvRecord[] {
  const records = db.byPackage.get(dep.ecosystem)?.get(packageKey(dep.ecosystem, dep.name)) ?? [];
  const out: OsvRecord[] = [];
  for (const record of records) {
    const hit = record.affected.some((a) => {
      if (a.ecosystem.split(':')[0] !== dep.ecosystem || packageKey(dep.ecosystem, a.name) !== packageKey(dep.ecosystem, dep.name)) return false;
      if (a.versions.includes(dep.version)) return true;
      if (dep.ecosystem === 'PyPI') {
        const pv = parsePep440(dep.version);
        if (pv && a.versions.some((v) => {
          const pa = parsePep440(v);
          return pa !== undefined && comparePep440(pa, pv) === 0;
        })) return true;
      }
      return a.ranges.some((r) => (r.type === 'SEMVER' || r.type === 'ECOSYSTEM') && inRange(dep.ecosystem, dep.version, r.events));
    });
    if (hit) out.push(record);
  }
  return out;
}

const AV: Record<string, number> = Object.assign(Object.create(null) as Record<string, number>, { N: 0.85, A: 0.62, L: 0.55, P: 0.2 });
const AC: Record<string, number> = Object.assign(Object.create(null) as Record<string, number>, { L: 0.77, H: 0.44 });
const UI: Record<string, number> = Object.assign(Object.create(null) as Record<string, number>, { N: 0.85, R: 0.62 });
const CIA: Record<string, number> = Object.assign(Object.create(null) as Record<string, number>, { H: 0.56, L: 0.22, N: 0 });

function roundUp(x: number): number {
  const i = Math.round(x * 100000);
  return i % 10000 === 0 ? i / 100000 : (Math.floor(i / 10000) + 1) / 10;
}

/** CVSS v3.0/3.1 base score from a vector string (FIRST CVSS v3.1 specification §7.1). */
export function cvss3BaseScore(vector: string): number | undefined {
  if (!/^CVSS:3\.[01]\//.test(vector) || vector.length > 200) return undefined;
  const m: Record<string, string> = Object.create(null);
  for (const part of vector.split('/').slice(1)) {
    const [k, v] = part.split(':');
    if (k && v) m[k] = v;
  }
  const av = AV[m.AV ?? ''];
  const ac = AC[m.AC ?? ''];
  const ui = UI[m.UI ?? ''];
  const c = CIA[m.C ?? ''];
  const i = CIA[m.I ?? ''];
  const a = CIA[m.A ?? ''];
  const scope = m.S;
  const pr = m.PR === 'N' ? 0.85 : m.PR === 'L' ? (scope === 'C' ? 0.68 : 0.62) : m.PR === 'H' ? (scope === 'C' ? 0.5 : 0.27) : undefined;
  if (av === undefined || ac === undefined || ui === undefined || c === undefined || i === undefined || a === undefined || pr === undefined || (scope !== 'U' && scope !== 'C')) return undefined;
  const iss = 1 - (1 - c) * (1 - i) * (1 - a);
  const impact = scope === 'U' ? 6.42 * iss : 7.52 * (iss - 0.029) - 3.25 * (iss - 0.02) ** 15;
  const exploitability = 8.22 * av * ac * pr * ui;
  if (impact <= 0) return 0;
  return scope === 'U' ? roundUp(Math.min(impact + exploitability, 10)) : roundUp(Math.min(1.08 * (impact + exploitability), 10));
}
