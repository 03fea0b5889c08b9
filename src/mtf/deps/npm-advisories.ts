/**
 * `--online` only: the npm registry's bulk advisory endpoint (POST {name: [versions]} →
 * {name: [advisory]}). Never called without the flag; bounded in time and size. The answer is
 * treated as untrusted data like any OSV record.
 */
import semver from 'semver';

/** The default npm registry origin (data, overridable for tests and mirrors). */
export const NPM_REGISTRY_ORIGIN = ['https:', '', 'registry.npmjs.org'].join('/');
const BULK_PATH = '/-/npm/v1/security/advisories/bulk';
const MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

export interface NpmAdvisory {
  id: string;
  name: string;
  title: string;
  severity: string;
  vulnerableVersions: string;
  cvss?: number;
  url?: string;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Queries advisories for name → versions; throws on network or format errors. */
export async function fetchNpmAdvisories(packages: Map<string, Set<string>>, options: { origin?: string; timeoutMs?: number; fetchImpl?: typeof fetch } = {}): Promise<NpmAdvisory[]> {
  const body: Record<string, string[]> = {};
  for (const [name, versions] of packages) body[name] = [...versions];
  const doFetch = options.fetchImpl ?? fetch;
  const response = await doFetch(`${options.origin ?? NPM_REGISTRY_ORIGIN}${BULK_PATH}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(options.timeoutMs ?? 20_000),
  });
  if (!response.ok) throw new Error(`advisory endpoint answered HTTP ${response.status}`);
  const text = await response.text();
  if (text.length > MAX_RESPONSE_BYTES) throw new Error('advisory answer too large');
  const json = JSON.parse(text) as unknown;
  if (!isObject(json)) throw new Error('advisory answer is not an object');
  const out: NpmAdvisory[] = [];
  for (const [name, list] of Object.entries(json)) {
    if (!Array.isArray(list)) continue;
    for (const a of list) {
      if (!isObject(a)) continue;
      const url = typeof a.url === 'string' ? a.url : undefined;
      const ghsa = url ? /GHSA-[\w-]+/.exec(url)?.[0] : undefined;
      const cvss = isObject(a.cvss) && typeof a.cvss.score === 'number' && a.cvss.score > 0 ? a.cvss.score : undefined;
      out.push({
        id: ghsa ?? `npm-advisory-${String(a.id ?? '?')}`,
        name,
        title: typeof a.title === 'string' ? a.title.slice(0, 300) : '',
        severity: typeof a.severity === 'string' ? a.severity : 'unknown',
        vulnerableVersions: typeof a.vulnerable_versions === 'string' ? a.vulnerable_versions : '*',
        ...(cvss !== undefined ? { cvss } : {}),
        ...(url ? { url } : {}),
      });
    }
  }
  return out;
}

/** Whether an advisory's range covers a version. */
export function advisoryCovers(advisory: NpmAdvisory, version: string): boolean {
  try {
    return semver.satisfies(version, advisory.vulnerableVersions, { loose: true, includePrerelease: true });
  } catch {
    return false;
  }
}
