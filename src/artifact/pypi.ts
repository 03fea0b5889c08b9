/**
 * Python resolver: `uvx pkg`, `uvx pkg==1.2`, `uvx pkg@1.2`, `uvx --from pkg cmd`, `pipx run pkg`
 * → the version and the sha256 of every distribution file of that release, from the index's
 * JSON API (`/pypi/<name>/json`, `/pypi/<name>/<version>/json`: one request). The index is the
 * one on the line (`--index-url`), else UV_DEFAULT_INDEX / UV_INDEX_URL / PIP_INDEX_URL of the
 * launch's environment, else PyPI; its JSON API root is the index URL without `/simple`.
 */
import type { PythonLaunch } from '../launch/types.js';
import { printable } from '../util/text.js';
import { ArtifactError, registryOrigin } from './errors.js';
import { boundedGet, parseRegistryJson } from './net.js';
import type { ArtifactPin, DistributionPin } from './types.js';

export const DEFAULT_INDEX = 'https://pypi.org/simple/';
/** A release document larger than this is refused (PyPI's largest all-releases documents are ~20 MB). */
export const MAX_PYPI_JSON_BYTES = 64 * 1024 * 1024;
/** A release with more files than this is refused. */
export const MAX_DISTRIBUTIONS = 2000;

export interface PypiPinOptions {
  env: Record<string, string | undefined>;
  signal?: AbortSignal;
  /** The requirement as the config wrote it (recorded). */
  writtenSpec?: string;
}

export interface Requirement {
  /** PEP 503 normalized name. */
  name: string;
  /** An exact version (`==1.2`, `@1.2`), or undefined for the newest release. */
  version?: string;
}

/**
 * Reads the forms uvx and pipx take for a pinned or newest release. Ranges, markers, URLs and
 * paths return a note instead (they are not pinned here). A plain character scan, no RegExp.
 */
export function parseRequirement(spec: string): Requirement | { note: string } {
  const text = spec.trim();
  if (text.includes('://') || text.includes('/') || text.includes('\\') || text.startsWith('.') || text.includes(';')) {
    return { note: `a URL, path or marker requirement (${printable(text, 80)}): only index releases are pinned` };
  }
  let i = 0;
  while (i < text.length && isNameChar(text[i]!)) i++;
  const name = text.slice(0, i);
  if (name === '' || !isAlnum(name[0]!) || !isAlnum(name[name.length - 1]!)) return { note: `not a Python requirement: ${printable(text, 80)}` };
  if (text[i] === '[') {
    const close = text.indexOf(']', i);
    if (close === -1) return { note: `not a Python requirement: ${printable(text, 80)}` };
    i = close + 1;
  }
  const rest = text.slice(i).trim();
  const normalized = normalizeName(name);
  if (rest === '' || rest === '@latest') return { name: normalized };
  let version: string | undefined;
  if (rest.startsWith('==') && !rest.startsWith('===')) version = rest.slice(2).trim();
  else if (rest.startsWith('@')) version = rest.slice(1).trim();
  if (version === undefined || version === '' || version.includes('*') || version.includes(',') || [...version].some((c) => !isVersionChar(c))) {
    return { note: `version range ${printable(rest, 60)}: only an exact version or the newest release is pinned` };
  }
  return { name: normalized, version };
}

const isAlnum = (c: string) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
const isNameChar = (c: string) => isAlnum(c) || c === '.' || c === '-' || c === '_';
const isVersionChar = (c: string) => isAlnum(c) || c === '.' || c === '!' || c === '+' || c === '-' || c === '_';

/** PEP 503: lowercase, every run of `-`, `_`, `.` becomes one `-`. */
export function normalizeName(name: string): string {
  let out = '';
  let sep = false;
  for (const c of name.toLowerCase()) {
    if (c === '-' || c === '_' || c === '.') sep = true;
    else {
      if (sep && out !== '') out += '-';
      sep = false;
      out += c;
    }
  }
  return out;
}

/** The JSON API root of an index URL: `https://pypi.org/simple/` → `https://pypi.org/`. */
export function jsonApiRoot(indexUrl: string): string {
  let url = indexUrl.trim();
  while (url.endsWith('/')) url = url.slice(0, -1);
  for (const suffix of ['/+simple', '/simple']) if (url.endsWith(suffix)) url = url.slice(0, -suffix.length);
  return `${url}/`;
}

/** The index a launch uses: the line's, else the environment's, else PyPI. */
export function indexUrlFor(launch: Pick<PythonLaunch, 'indexUrl' | 'launcher'>, env: Record<string, string | undefined>): string {
  if (launch.indexUrl) return launch.indexUrl;
  const fromEnv = launch.launcher === 'pipx run' ? env.PIP_INDEX_URL : env.UV_DEFAULT_INDEX || env.UV_INDEX_URL || env.PIP_INDEX_URL;
  return fromEnv || DEFAULT_INDEX;
}

/** Pins a Python launch. */
export async function pinPypi(launch: PythonLaunch, options: PypiPinOptions): Promise<ArtifactPin> {
  const spec = options.writtenSpec ?? launch.spec;
  const requirement = parseRequirement(launch.spec);
  if ('note' in requirement) return { type: 'unpinned', spec, note: requirement.note };
  const root = jsonApiRoot(indexUrlFor(launch, options.env));
  const origin = registryOrigin(root);
  const path = requirement.version === undefined ? `pypi/${requirement.name}/json` : `pypi/${requirement.name}/${encodeURIComponent(requirement.version)}/json`;
  let url: string;
  try {
    url = new URL(path, root).toString();
  } catch {
    throw new ArtifactError('input', 'BAD_SPEC', 'the Python index URL is not a URL');
  }
  // The index URL can carry credentials (https://user:token@host/simple): fetch refuses
  // userinfo, so it becomes a Basic header, and never appears in a message.
  const { url: target, headers } = withoutUserinfo(url);
  const res = await boundedGet(target, { headers: { accept: 'application/json', ...headers }, max: MAX_PYPI_JSON_BYTES, what: 'a release document', registry: root, signal: options.signal });
  const shown = `${printable(requirement.name, 120)}${requirement.version ? `==${printable(requirement.version, 40)}` : ''}`;
  if (res.status === 404) throw new ArtifactError('input', 'NOT_FOUND', `${origin} has no release ${shown}`);
  if (res.status !== 200) throw new ArtifactError('server', 'REGISTRY_UNREACHABLE', `registry ${origin} answered HTTP ${res.status} for ${shown}`);
  const doc = parseRegistryJson(res.body, 'a release document', origin);
  return { type: 'pypi', spec, ...readRelease(doc, origin, shown) };
}

/** Checks the shape of a JSON API answer (attacker-controlled) and keeps what is pinned. */
function readRelease(doc: unknown, origin: string, shown: string): { name: string; version: string; distributions: DistributionPin[] } {
  const garbage = () => new ArtifactError('server', 'REGISTRY_GARBAGE', `${origin} answered a release document of the wrong shape for ${shown}`);
  if (typeof doc !== 'object' || doc === null) throw garbage();
  const { info, urls } = doc as { info?: unknown; urls?: unknown };
  if (typeof info !== 'object' || info === null || !Array.isArray(urls)) throw garbage();
  const { name, version } = info as { name?: unknown; version?: unknown };
  if (typeof name !== 'string' || typeof version !== 'string' || name.length > 214 || version.length > 128) throw garbage();
  if (urls.length > MAX_DISTRIBUTIONS) throw new ArtifactError('server', 'TOO_LARGE', `${origin} lists more than ${MAX_DISTRIBUTIONS} files for ${shown}; refused`);
  const distributions: DistributionPin[] = [];
  for (const file of urls) {
    const { filename, digests } = (file ?? {}) as { filename?: unknown; digests?: { sha256?: unknown } };
    const sha256 = digests?.sha256;
    if (typeof filename !== 'string' || filename.length > 512 || typeof sha256 !== 'string' || !isSha256Hex(sha256)) throw garbage();
    distributions.push({ filename, sha256 });
  }
  if (distributions.length === 0) throw new ArtifactError('server', 'REGISTRY_GARBAGE', `${origin} lists no files for ${shown}: nothing to pin`);
  distributions.sort((a, b) => (a.filename < b.filename ? -1 : a.filename > b.filename ? 1 : 0));
  return { name, version, distributions };
}

function isSha256Hex(text: string): boolean {
  if (text.length !== 64) return false;
  for (const c of text) if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

function withoutUserinfo(raw: string): { url: string; headers: Record<string, string> } {
  const url = new URL(raw);
  if (url.username === '' && url.password === '') return { url: raw, headers: {} };
  const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  url.username = '';
  url.password = '';
  return { url: url.toString(), headers: { authorization: `Basic ${Buffer.from(credentials).toString('base64')}` } };
}
