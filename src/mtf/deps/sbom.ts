/**
 * SBOMs: a CycloneDX 1.6 JSON document built from the bundle's dependency inventory, and the
 * reading of an SBOM shipped in the bundle (CycloneDX 1.4–1.6 or SPDX 2.3+ JSON), MTF §3.3 SC-01.
 */
import { createHash } from 'node:crypto';
import { VERSION } from '../../version.js';
import type { BundleContext, BundleFile } from '../types.js';
import { isDependencyPath } from '../code/files.js';
import { dependencyInventory } from './inventory.js';
import type { LockedDependency } from './lockfiles.js';

export interface CycloneDxComponent {
  type: 'library';
  'bom-ref': string;
  group?: string;
  name: string;
  version: string;
  purl: string;
  hashes?: { alg: string; content: string }[];
  licenses?: { license: { name: string } }[];
  externalReferences?: { type: 'distribution' | 'vcs'; url: string }[];
}

export interface CycloneDxBom {
  bomFormat: 'CycloneDX';
  specVersion: '1.6';
  serialNumber: string;
  version: 1;
  metadata: {
    tools: { components: { type: 'application'; name: string; version: string }[] };
    component?: { type: 'application'; 'bom-ref': string; name: string; version?: string };
  };
  components: CycloneDxComponent[];
}

/** Package URL (purl-spec) of a dependency. */
export function purlOf(dep: Pick<LockedDependency, 'ecosystem' | 'name' | 'version'>): string {
  const version = dep.version ? `@${encodeURIComponent(dep.version)}` : '';
  if (dep.ecosystem === 'npm') {
    const slash = dep.name.startsWith('@') ? dep.name.indexOf('/') : -1;
    const path = slash > 0 ? `${encodeURIComponent(dep.name.slice(0, slash))}/${encodeURIComponent(dep.name.slice(slash + 1))}` : encodeURIComponent(dep.name);
    return `pkg:npm/${path}${version}`;
  }
  return `pkg:pypi/${encodeURIComponent(dep.name.toLowerCase().replace(/[-_.]+/g, '-'))}${version}`;
}

const SRI_ALG: Record<string, string> = Object.assign(Object.create(null) as Record<string, string>, { sha1: 'SHA-1', sha256: 'SHA-256', sha384: 'SHA-384', sha512: 'SHA-512' });

/** Lockfile integrity values as CycloneDX hashes (hex content). */
function hashesOf(dep: LockedDependency): { alg: string; content: string }[] {
  const out: { alg: string; content: string }[] = [];
  for (const value of dep.integrity) {
    for (const part of value.split(/\s+/)) {
      const sri = /^(sha1|sha256|sha384|sha512)-([A-Za-z0-9+/]+={0,2})$/.exec(part);
      if (sri) {
        out.push({ alg: SRI_ALG[sri[1]!]!, content: Buffer.from(sri[2]!, 'base64').toString('hex') });
        continue;
      }
      const hex = /^(sha256|sha384|sha512|sha1):([0-9a-fA-F]+)$/.exec(part);
      if (hex) out.push({ alg: SRI_ALG[hex[1]!]!, content: hex[2]!.toLowerCase() });
    }
  }
  return out.slice(0, 8);
}

function componentOf(dep: LockedDependency): CycloneDxComponent {
  const purl = purlOf(dep);
  const scoped = dep.ecosystem === 'npm' && dep.name.startsWith('@') && dep.name.includes('/');
  const hashes = hashesOf(dep);
  const component: CycloneDxComponent = {
    type: 'library',
    'bom-ref': purl,
    ...(scoped ? { group: dep.name.slice(0, dep.name.indexOf('/')) } : {}),
    name: scoped ? dep.name.slice(dep.name.indexOf('/') + 1) : dep.name,
    version: dep.version,
    purl,
  };
  if (hashes.length > 0) component.hashes = hashes;
  if (dep.license) component.licenses = [{ license: { name: dep.license.slice(0, 200) } }];
  if (dep.resolved && /^(?:https?:|git\+)/.test(dep.resolved)) component.externalReferences = [{ type: dep.source === 'git' ? 'vcs' : 'distribution', url: dep.resolved.slice(0, 2000) }];
  return component;
}

/** A name-based UUID from the bundle hash, so the same bundle always gets the same document. */
function serialNumber(seed: string): string {
  const h = createHash('sha256').update(`mcptrust-sbom:${seed}`).digest('hex');
  return `urn:uuid:${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((Number.parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export interface GeneratedSbom {
  document: CycloneDxBom;
  componentCount: number;
}

/** Builds the CycloneDX 1.6 SBOM of the bundle's production dependencies (deterministic order). */
export function buildSbom(ctx: BundleContext): GeneratedSbom {
  const inv = dependencyInventory(ctx);
  const byRef = new Map<string, CycloneDxComponent>();
  for (const dep of inv.production) {
    if (!dep.version) continue; // an unpinned requirement has no component identity yet
    const c = componentOf(dep);
    if (!byRef.has(c['bom-ref'])) byRef.set(c['bom-ref'], c);
  }
  const components = [...byRef.values()].sort((a, b) => (a.purl < b.purl ? -1 : a.purl > b.purl ? 1 : 0));
  const manifest = ctx.manifest;
  const name = manifest && typeof manifest.name === 'string' ? manifest.name.slice(0, 200) : undefined;
  const version = manifest && typeof manifest.version === 'string' ? manifest.version.slice(0, 100) : undefined;
  const document: CycloneDxBom = {
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    serialNumber: serialNumber(ctx.bundleHash),
    version: 1,
    metadata: {
      tools: { components: [{ type: 'application', name: 'mcptrust', version: VERSION }] },
      ...(name ? { component: { type: 'application' as const, 'bom-ref': 'bundle', name, ...(version ? { version } : {}) } } : {}),
    },
    components,
  };
  return { document, componentCount: components.length };
}

const SHIPPED_NAMES = /^(?:sbom\.json|sbom\.cdx\.json|bom\.json|bom\.cdx\.json|[\w.-]+\.cdx\.json|sbom\.spdx\.json|[\w.-]+\.spdx\.json)$/i;

/** SBOM files shipped in the bundle (not inside dependency folders). */
export function findShippedSboms(files: readonly BundleFile[]): BundleFile[] {
  return files.filter((f) => SHIPPED_NAMES.test(f.path.split('/').pop() ?? '') && !isDependencyPath(f.path));
}

export interface ShippedSbom {
  path: string;
  format: 'cyclonedx' | 'spdx';
  specVersion: string;
  components: { name?: string; version?: string; purl?: string }[];
}

export type ShippedSbomResult = { sbom: ShippedSbom } | { problem: string };

const CDX_VERSIONS = new Set(['1.4', '1.5', '1.6']);

/** Reads a shipped SBOM; a problem string when it is not a supported SBOM. */
export function readShippedSbom(file: BundleFile): ShippedSbomResult {
  if (file.text === undefined) return { problem: 'not readable as text (binary or too large)' };
  let json: unknown;
  try {
    json = JSON.parse(file.text);
  } catch (error) {
    return { problem: `not valid JSON: ${(error as Error).message}` };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { problem: 'not a JSON object' };
  const doc = json as Record<string, unknown>;
  if (doc.bomFormat === 'CycloneDX') {
    const specVersion = String(doc.specVersion ?? '');
    if (!CDX_VERSIONS.has(specVersion)) return { problem: `CycloneDX specVersion "${specVersion.slice(0, 20)}" is not 1.4, 1.5 or 1.6` };
    if (doc.components !== undefined && !Array.isArray(doc.components)) return { problem: '"components" is not an array' };
    const components: ShippedSbom['components'] = [];
    const walk = (list: unknown, depth: number) => {
      if (!Array.isArray(list) || depth > 16) return;
      for (const c of list) {
        if (typeof c !== 'object' || c === null) continue;
        const r = c as Record<string, unknown>;
        const group = typeof r.group === 'string' && r.group !== '' ? `${r.group}/` : '';
        components.push({
          ...(typeof r.name === 'string' ? { name: `${group}${r.name}` } : {}),
          ...(typeof r.version === 'string' ? { version: r.version } : {}),
          ...(typeof r.purl === 'string' ? { purl: r.purl } : {}),
        });
        walk(r.components, depth + 1);
      }
    };
    walk(doc.components, 0);
    return { sbom: { path: file.path, format: 'cyclonedx', specVersion, components } };
  }
  if (typeof doc.spdxVersion === 'string') {
    const m = /^SPDX-(\d+)\.(\d+)$/.exec(doc.spdxVersion);
    if (!m || Number(m[1]) < 2 || (Number(m[1]) === 2 && Number(m[2]) < 3)) return { problem: `SPDX version "${doc.spdxVersion.slice(0, 20)}" is older than 2.3` };
    const packages = Array.isArray(doc.packages) ? doc.packages : [];
    const described = new Set(Array.isArray(doc.documentDescribes) ? doc.documentDescribes.filter((x): x is string => typeof x === 'string') : []);
    const components: ShippedSbom['components'] = [];
    for (const p of packages) {
      if (typeof p !== 'object' || p === null) continue;
      const r = p as Record<string, unknown>;
      if (typeof r.SPDXID === 'string' && described.has(r.SPDXID)) continue; // the bundle itself
      const refs = Array.isArray(r.externalRefs) ? r.externalRefs : [];
      const purl = refs.find((x): x is { referenceType: string; referenceLocator: string } => typeof x === 'object' && x !== null && (x as Record<string, unknown>).referenceType === 'purl' && typeof (x as Record<string, unknown>).referenceLocator === 'string');
      components.push({
        ...(typeof r.name === 'string' ? { name: r.name } : {}),
        ...(typeof r.versionInfo === 'string' ? { version: r.versionInfo } : {}),
        ...(purl ? { purl: purl.referenceLocator } : {}),
      });
    }
    return { sbom: { path: file.path, format: 'spdx', specVersion: doc.spdxVersion, components } };
  }
  return { problem: 'neither CycloneDX ("bomFormat") nor SPDX ("spdxVersion")' };
}

/** The report's `sbom` block: the shipped SBOM when one is valid, else the generated one. */
export function sbomSummary(ctx: BundleContext): { format: 'cyclonedx' | 'spdx'; component_count: number; location?: string } {
  for (const file of findShippedSboms(ctx.files)) {
    const r = readShippedSbom(file);
    if ('sbom' in r && r.sbom.components.length > 0) return { format: r.sbom.format, component_count: r.sbom.components.length, location: r.sbom.path };
  }
  return { format: 'cyclonedx', component_count: buildSbom(ctx).componentCount };
}
