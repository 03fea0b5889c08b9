/**
 * Container resolver: `docker run` / `podman run` image → its digest, through the registry HTTP
 * API v2 (the OCI distribution spec): GET the manifest by tag with the Accept headers docker
 * sends, following the anonymous bearer-token flow when the registry asks for it, and digest
 * the manifest bytes ourselves (sha256), checked against `Docker-Content-Digest` when sent. An
 * image given by digest is recorded as is: the digest already names the bytes.
 */
import { createHash } from 'node:crypto';
import type { ContainerLaunch } from '../launch/types.js';
import { printable } from '../util/text.js';
import { ArtifactError, registryOrigin } from './errors.js';
import { boundedGet, parseRegistryJson } from './net.js';
import type { ArtifactPin } from './types.js';

/** A manifest (or index) larger than this is refused (the spec suggests registries accept 4 MiB). */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
/** A token answer larger than this is refused. */
const MAX_TOKEN_BYTES = 256 * 1024;

const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

export interface ImageReference {
  /** Registry host (`docker.io` for Docker Hub), with port. */
  domain: string;
  /** Repository path (`library/alpine`). */
  repository: string;
  tag?: string;
  digest?: string;
}

/** Parses an image reference with docker's rules for the default registry and `library/`. */
export function parseImageReference(image: string): ImageReference | undefined {
  let rest = image;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!isDigest(digest)) return undefined;
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (tag === '' || tag.length > 128 || [...tag].some((c) => !isTagChar(c))) return undefined;
  }
  const slash = rest.indexOf('/');
  const first = slash === -1 ? '' : rest.slice(0, slash);
  let domain = 'docker.io';
  let repository = rest;
  if (first !== '' && (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase())) {
    domain = first;
    repository = rest.slice(slash + 1);
  }
  if (domain === 'index.docker.io') domain = 'docker.io';
  if (domain === 'docker.io' && !repository.includes('/')) repository = `library/${repository}`;
  if (repository === '' || repository.length > 255 || [...repository].some((c) => !isRepoChar(c))) return undefined;
  return { domain, repository, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

const isRepoChar = (c: string) => (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c === '/' || c === '.' || c === '_' || c === '-';
const isTagChar = (c: string) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c === '.' || c === '_' || c === '-';

function isDigest(text: string): boolean {
  if (!text.startsWith('sha256:') || text.length !== 71) return false;
  for (const c of text.slice(7)) if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

/** The registry's API base: Docker Hub's API host; plain http for loopback, as docker allows. */
export function registryBase(domain: string): string {
  if (domain === 'docker.io') return 'https://registry-1.docker.io/';
  const host = domain.startsWith('[') ? domain.slice(0, domain.indexOf(']') + 1) : domain.split(':')[0]!;
  const loopback = host === 'localhost' || host === '[::1]' || host.startsWith('127.');
  return `${loopback ? 'http' : 'https'}://${domain}/`;
}

export interface OciPinOptions {
  signal?: AbortSignal;
  /** The image as the config wrote it (recorded). */
  writtenImage?: string;
}

/** Pins a container launch. */
export async function pinOci(launch: ContainerLaunch, options: OciPinOptions): Promise<ArtifactPin> {
  const spec = options.writtenImage ?? launch.image;
  const ref = parseImageReference(launch.image);
  if (!ref) throw new ArtifactError('input', 'BAD_SPEC', `not an image reference: ${printable(launch.image, 120)}`);
  const name = ref.domain === 'docker.io' && ref.repository.startsWith('library/') ? ref.repository.slice('library/'.length) : `${ref.domain === 'docker.io' ? '' : `${ref.domain}/`}${ref.repository}`;
  const version = ref.tag ?? (ref.digest ? undefined : 'latest');
  if (ref.digest) return { type: 'oci', spec, name, ...(version ? { version } : {}), integrity: ref.digest };
  const digest = await resolveDigest(ref, version!, options.signal);
  return { type: 'oci', spec, name, version: version!, integrity: digest };
}

async function resolveDigest(ref: ImageReference, tag: string, signal: AbortSignal | undefined): Promise<string> {
  const base = registryBase(ref.domain);
  const origin = registryOrigin(base);
  const url = new URL(`v2/${ref.repository}/manifests/${encodeURIComponent(tag)}`, base).toString();
  const shown = `${printable(ref.repository, 120)}:${printable(tag, 60)}`;
  const get = (headers: Record<string, string>) => boundedGet(url, { headers: { accept: MANIFEST_ACCEPT, ...headers }, max: MAX_MANIFEST_BYTES, what: `the manifest of ${shown}`, registry: base, signal });
  let res = await get({});
  if (res.status === 401) {
    const token = await anonymousToken(res.headers.get('www-authenticate'), ref, base, signal);
    res = await get({ authorization: `Bearer ${token}` });
  }
  if (res.status === 404) throw new ArtifactError('input', 'NOT_FOUND', `${origin} has no image ${shown}`);
  if (res.status === 401 || res.status === 403) throw new ArtifactError('server', 'REGISTRY_UNREACHABLE', `registry ${origin} refused anonymous access to ${shown} (HTTP ${res.status})`);
  if (res.status !== 200) throw new ArtifactError('server', 'REGISTRY_UNREACHABLE', `registry ${origin} answered HTTP ${res.status} for ${shown}`);
  const doc = parseRegistryJson(res.body, `the manifest of ${shown}`, origin);
  if (typeof doc !== 'object' || doc === null || (doc as { schemaVersion?: unknown }).schemaVersion !== 2) {
    throw new ArtifactError('server', 'REGISTRY_GARBAGE', `${origin} answered a manifest of the wrong shape for ${shown}`);
  }
  const digest = `sha256:${createHash('sha256').update(res.body).digest('hex')}`;
  const claimed = res.headers.get('docker-content-digest');
  // The registry's claim is checked, not trusted: the digest is of the bytes it served.
  if (claimed !== null && claimed.startsWith('sha256:') && claimed !== digest) {
    throw new ArtifactError('server', 'INTEGRITY_MISMATCH', `${origin} served a manifest for ${shown} whose bytes do not match the digest it claims; refused`);
  }
  return digest;
}

/** The distribution spec's token flow: `WWW-Authenticate: Bearer realm=…,service=…,scope=…` → GET realm → token. */
async function anonymousToken(header: string | null, ref: ImageReference, base: string, signal: AbortSignal | undefined): Promise<string> {
  const origin = registryOrigin(base);
  const challenge = header ? parseBearerChallenge(header) : undefined;
  if (!challenge?.realm) throw new ArtifactError('server', 'REGISTRY_UNREACHABLE', `registry ${origin} asks for credentials this version does not send (HTTP 401)`);
  let tokenUrl: URL;
  try {
    tokenUrl = new URL(challenge.realm);
  } catch {
    throw new ArtifactError('server', 'REGISTRY_GARBAGE', `${origin} named a token service that is not a URL`);
  }
  if (challenge.service) tokenUrl.searchParams.set('service', challenge.service);
  tokenUrl.searchParams.set('scope', challenge.scope ?? `repository:${ref.repository}:pull`);
  const res = await boundedGet(tokenUrl.toString(), { max: MAX_TOKEN_BYTES, what: 'a registry token', registry: base, signal });
  if (res.status !== 200) throw new ArtifactError('server', 'REGISTRY_UNREACHABLE', `the token service of ${origin} answered HTTP ${res.status}`);
  const doc = parseRegistryJson(res.body, 'a registry token', origin) as { token?: unknown; access_token?: unknown } | null;
  const token = doc?.token ?? doc?.access_token;
  if (typeof token !== 'string' || token === '' || token.length > 64 * 1024 || /[\r\n]/.test(token)) {
    throw new ArtifactError('server', 'REGISTRY_GARBAGE', `the token service of ${origin} answered no token`);
  }
  return token;
}

/** `Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="…"` (a plain scan). */
export function parseBearerChallenge(header: string): Record<string, string> | undefined {
  const text = header.trim();
  if (text.slice(0, 7).toLowerCase() !== 'bearer ') return undefined;
  const params: Record<string, string> = {};
  let i = 7;
  while (i < text.length) {
    while (i < text.length && (text[i] === ' ' || text[i] === ',')) i++;
    const eq = text.indexOf('=', i);
    if (eq === -1) break;
    const key = text.slice(i, eq).trim().toLowerCase();
    let value: string;
    if (text[eq + 1] === '"') {
      const close = text.indexOf('"', eq + 2);
      if (close === -1) break;
      value = text.slice(eq + 2, close);
      i = close + 1;
    } else {
      const comma = text.indexOf(',', eq + 1);
      const end = comma === -1 ? text.length : comma;
      value = text.slice(eq + 1, end).trim();
      i = end;
    }
    params[key] = value;
  }
  return params;
}
