/**
 * What every resolver needs from the network, bounded: a body read up to a byte limit, and the
 * rule that a public registry may not send us (by redirect, or by a URL in its answer) to a
 * private, loopback or link-local address such as the cloud metadata service 169.254.169.254.
 * A registry that is itself on a private address (a company mirror, a test's loopback fixture)
 * may point anywhere private.
 */
import { createRequire } from 'node:module';
import { formatBytes } from '../util/text.js';
import { ArtifactError, registryOrigin } from './errors.js';

// node:net and node:dns are loaded on first use: this module comes with ArtifactError into
// commands that never touch the network (an offline `diff` pays their loading otherwise).
const require = createRequire(import.meta.url);
let net: typeof import('node:net') | undefined;
const isIP = (address: string): number => (net ??= require('node:net') as typeof import('node:net')).isIP(address);

/** Redirects followed for one request (npm, pip and docker follow a handful). */
export const MAX_REDIRECTS = 5;
/** Time allowed for one registry request, connection to last byte. */
export const REQUEST_TIMEOUT_MS = 30_000;

/** Whether an IP address is loopback, private, link-local, CGNAT, unspecified or multicast. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) {
    const [a, b] = address.split('.').map(Number) as [number, number];
    return (
      a === 0 || a === 10 || a === 127 || a >= 224 ||
      (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127)
    );
  }
  if (family === 6) {
    const lower = address.toLowerCase();
    if (lower === '::' || lower === '::1') return true;
    const mapped = lower.startsWith('::ffff:') ? lower.slice('::ffff:'.length) : undefined;
    if (mapped !== undefined && isIP(mapped) === 4) return isPrivateAddress(mapped);
    // The same mapped address as URL parsers print it: ::ffff:a9fe:a9fe is 169.254.169.254.
    if (mapped !== undefined) {
      const [high, low] = mapped.split(':').map((h) => parseInt(h, 16));
      if (high !== undefined && low !== undefined && !Number.isNaN(high) && !Number.isNaN(low)) {
        return isPrivateAddress(`${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`);
      }
    }
    const head = parseInt(lower.split(':')[0] || '0', 16);
    return (head & 0xffc0) === 0xfe80 || (head & 0xfe00) === 0xfc00 || (head & 0xff00) === 0xff00;
  }
  return false;
}

/** Whether a host (name or IP literal) is or resolves to a private address. Unresolvable: not private. */
export async function isPrivateHost(host: string): Promise<boolean> {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (isIP(bare)) return isPrivateAddress(bare);
  const lower = bare.toLowerCase();
  if (lower === 'localhost' || lower.endsWith('.localhost')) return true;
  const { lookup } = await import('node:dns/promises');
  try {
    const addresses = await lookup(bare, { all: true });
    return addresses.some((a) => isPrivateAddress(a.address));
  } catch {
    return false;
  }
}

/**
 * Refuses `target` when it leaves a public registry for a private address. `registry` is the
 * URL the user configured (its host decides whether private targets are allowed).
 */
export async function assertNotPrivateHop(registry: string, target: string, privateRegistry: { value?: boolean }): Promise<void> {
  let registryHost: string;
  let targetHost: string;
  try {
    registryHost = new URL(registry).hostname;
    targetHost = new URL(target).hostname;
  } catch {
    throw new ArtifactError('server', 'REGISTRY_GARBAGE', `${registryOrigin(registry)} pointed to an address that is not a URL`);
  }
  if (targetHost === registryHost) return;
  privateRegistry.value ??= await isPrivateHost(registryHost);
  if (privateRegistry.value) return;
  if (await isPrivateHost(targetHost)) {
    throw new ArtifactError('server', 'PRIVATE_REDIRECT', `${registryOrigin(registry)} redirected to a private or link-local address (${registryOrigin(target)}); refused`);
  }
}

/** A streamed body as bytes, refused once it passes `max` (also refused up front by Content-Length). */
export async function readBounded(
  body: AsyncIterable<Uint8Array | string> | null | undefined,
  contentLength: string | null,
  max: number,
  what: string,
  origin: string,
  /** False: count and drop the bytes (a tarball checked by its stream, not needed in memory). */
  keep = true,
): Promise<Buffer> {
  const tooLarge = () => new ArtifactError('server', 'TOO_LARGE', `${what} from ${origin} is larger than the ${formatBytes(max)} bound; refused`);
  if (contentLength !== null && Number(contentLength) > max) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  if (body) {
    for await (const chunk of body) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      size += buf.length;
      if (size > max) {
        const stream = body as { destroy?: () => void; cancel?: () => void };
        stream.destroy?.();
        throw tooLarge();
      }
      if (keep) chunks.push(buf);
    }
  }
  return keep ? Buffer.concat(chunks, size) : Buffer.alloc(0);
}

/** Parses JSON from a registry; anything else is garbage from that registry. */
export function parseRegistryJson(bytes: Buffer, what: string, origin: string): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new ArtifactError('server', 'REGISTRY_GARBAGE', `${what} from ${origin} is not JSON`);
  }
}

/** Maps a network failure to exit 3, naming the registry by origin only. */
export function unreachable(origin: string, error: unknown, signal?: AbortSignal): ArtifactError {
  if (error instanceof ArtifactError) return error;
  const code = (error as { code?: string } | null)?.code;
  const status = (error as { statusCode?: number } | null)?.statusCode;
  let why = 'could not be reached';
  if (signal?.aborted || code === 'ABORT_ERR' || (error as Error | null)?.name === 'AbortError') why = 'did not answer in time';
  else if (code === 'ETIMEDOUT' || code === 'FETCH_ERROR' && String((error as Error).message).includes('timeout')) why = 'did not answer in time';
  else if (typeof status === 'number') why = `answered HTTP ${status}`;
  else if (typeof code === 'string' && /^[A-Z_]{3,30}$/.test(code)) why = `could not be reached (${code})`;
  return new ArtifactError('server', 'REGISTRY_UNREACHABLE', `registry ${origin} ${why}`, { cause: error });
}

/**
 * GET with node's fetch for the JSON/HTTP APIs of the Python index and OCI registries:
 * redirects followed by hand (each hop checked), a timeout, a bounded body.
 */
export async function boundedGet(
  url: string,
  options: { headers?: Record<string, string>; max: number; what: string; registry: string; signal?: AbortSignal; method?: 'GET' | 'HEAD' },
): Promise<{ status: number; headers: Headers; body: Buffer; url: string }> {
  const origin = registryOrigin(options.registry);
  const privateRegistry: { value?: boolean } = {};
  let current = url;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    await assertNotPrivateHop(options.registry, current, privateRegistry);
    const timeout = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    let res: Response;
    try {
      res = await fetch(current, { method: options.method ?? 'GET', headers: options.headers ?? {}, redirect: 'manual', signal });
    } catch (error) {
      throw unreachable(origin, error, signal);
    }
    if (res.status >= 300 && res.status < 400 && res.status !== 304) {
      const location = res.headers.get('location');
      await res.body?.cancel();
      if (!location) throw new ArtifactError('server', 'REGISTRY_GARBAGE', `${options.what} from ${origin}: a redirect without a location`);
      current = new URL(location, current).toString();
      continue;
    }
    let body: Buffer;
    try {
      body = options.method === 'HEAD' ? Buffer.alloc(0) : await readBounded(res.body as AsyncIterable<Uint8Array> | null, res.headers.get('content-length'), options.max, options.what, origin);
    } catch (error) {
      throw unreachable(origin, error, signal);
    }
    return { status: res.status, headers: res.headers, body, url: current };
  }
  throw new ArtifactError('server', 'REGISTRY_UNREACHABLE', `registry ${origin}: more than ${MAX_REDIRECTS} redirects`);
}
