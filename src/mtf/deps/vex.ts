/**
 * OpenVEX v0.2.0 statements shipped in a bundle (`vex.json`, `.vex/*.json`, `*.openvex.json`),
 * applied to SC-02 findings as MTF §3.3 SC-02 says: not_affected (with a justification or an
 * impact statement) and fixed suppress; under_investigation warns without blocking.
 * The v0.0.x form (vulnerability as a plain string) is read too.
 */
import type { BundleFile } from '../types.js';

export type VexStatus = 'not_affected' | 'affected' | 'fixed' | 'under_investigation';

export interface VexStatement {
  file: string;
  vulnerability: string[];
  /** Product and subcomponent identifiers (purls, usually). */
  products: string[];
  status: VexStatus;
  justified: boolean;
}

const STATUSES = new Set<VexStatus>(['not_affected', 'affected', 'fixed', 'under_investigation']);

/** `vex.json`, `*.openvex.json` or `.vex/*.json` (callers leave out dependency folders). */
export function isVexPath(path: string): boolean {
  const base = path.split('/').pop() ?? '';
  return base === 'vex.json' || base.endsWith('.openvex.json') || /(?:^|\/)\.vex\/[^/]+\.json$/.test(path);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function ids(list: unknown): string[] {
  const out: string[] = [];
  for (const p of Array.isArray(list) ? list : []) {
    if (typeof p === 'string') out.push(p);
    else if (isObject(p)) {
      if (typeof p['@id'] === 'string') out.push(p['@id']);
      if (isObject(p.identifiers) && typeof p.identifiers.purl === 'string') out.push(p.identifiers.purl);
      out.push(...ids(p.subcomponents));
    }
  }
  return out.slice(0, 1000);
}

/** Reads the statements of one VEX document; a problem string when it is not OpenVEX. */
export function readVex(file: BundleFile): { statements: VexStatement[] } | { problem: string } {
  if (file.text === undefined) return { problem: 'not readable as text' };
  let doc: unknown;
  try {
    doc = JSON.parse(file.text);
  } catch (error) {
    return { problem: `not valid JSON: ${(error as Error).message}` };
  }
  if (!isObject(doc) || typeof doc['@context'] !== 'string' || !doc['@context'].startsWith('https://openvex.dev/ns')) return { problem: 'not an OpenVEX document (@context)' };
  if (!Array.isArray(doc.statements)) return { problem: '"statements" is not an array' };
  const statements: VexStatement[] = [];
  for (const s of doc.statements.slice(0, 10_000)) {
    if (!isObject(s) || typeof s.status !== 'string' || !STATUSES.has(s.status as VexStatus)) continue;
    const vuln = s.vulnerability;
    const names: string[] = [];
    if (typeof vuln === 'string') names.push(vuln);
    else if (isObject(vuln)) {
      if (typeof vuln.name === 'string') names.push(vuln.name);
      if (typeof vuln['@id'] === 'string') names.push(vuln['@id']);
      if (Array.isArray(vuln.aliases)) for (const a of vuln.aliases) if (typeof a === 'string') names.push(a);
    }
    if (names.length === 0) continue;
    statements.push({
      file: file.path,
      vulnerability: names,
      products: ids(s.products),
      status: s.status as VexStatus,
      justified: (typeof s.justification === 'string' && s.justification !== '') || (typeof s.impact_statement === 'string' && s.impact_statement.trim() !== ''),
    });
  }
  return { statements };
}

function purlBase(purl: string): { base: string; version?: string } {
  const noQualifiers = purl.split(/[?#]/)[0]!;
  const at = noQualifiers.lastIndexOf('@');
  // "pkg:npm/%40scope/x@1.0.0": the version "@" comes after the last "/".
  if (at > noQualifiers.lastIndexOf('/')) return { base: noQualifiers.slice(0, at).toLowerCase(), version: decodeURIComponent(noQualifiers.slice(at + 1)) };
  return { base: noQualifiers.toLowerCase() };
}

/**
 * The statement that decides a (vulnerability, component) pair: the last matching one (later
 * statements supersede earlier ones). A statement matches when it names the vulnerability (id
 * or an alias) and lists the component's purl (with or without version) among its products or
 * subcomponents.
 */
export function vexDecision(statements: readonly VexStatement[], vulnIds: readonly string[], purl: string): VexStatement | undefined {
  const target = purlBase(purl);
  let decision: VexStatement | undefined;
  for (const s of statements) {
    if (!s.vulnerability.some((v) => vulnIds.includes(v))) continue;
    const hit = s.products.some((p) => {
      const pb = purlBase(p);
      return pb.base === target.base && (pb.version === undefined || pb.version === target.version);
    });
    if (hit) decision = s;
  }
  return decision;
}
