/**
 * A loopback npm registry started in-process by a test: packuments and tarballs made at test
 * time (real gzip'd ustar, the format npm publishes), served on 127.0.0.1 only. It serves what
 * real registries do not do on demand: a version re-published with other bytes, a packument
 * whose integrity does not match its tarball, attestations of a chosen shape, and any raw answer
 * a test wants on a path (garbage, huge bodies, redirects). See testdata/npm-registry/README.md.
 *
 * Point npm at it with a temp HOME, a temp `npm_config_cache` and `npm_config_registry=<url>`,
 * never the user's own config (see `npmEnv`).
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';

export interface FixturePackage {
  name: string;
  version: string;
  /** Files of the package, by path inside it (`package.json` is generated unless given). */
  files: Record<string, string>;
  dependencies?: Record<string, string>;
  bin?: Record<string, string> | string;
  scripts?: Record<string, string>;
}

export interface Published {
  /** `sha512-…` of the tarball as served. */
  integrity: string;
  /** The tarball's URL on this registry. */
  tarball: string;
}

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface NpmRegistryFixture {
  /** `http://127.0.0.1:<port>/` (with the trailing slash npm writes). */
  url: string;
  /** Adds (or replaces) a version and points `tag` (default `latest`) at it. */
  publish(pkg: FixturePackage, options?: { tag?: string }): Published;
  /** The same version again with other bytes (what a compromised re-publish looks like). */
  republish(pkg: FixturePackage, options?: { tag?: string }): Published;
  /** The packument's integrity of name@version no longer matches the tarball it serves. */
  corruptIntegrity(name: string, version: string): void;
  /**
   * Serves `bundleJson` (the registry's `{ attestations: [...] }` document) for name@version and,
   * when that version is published, announces it in its `dist.attestations` as the registry does.
   */
  attestations(name: string, version: string, bundleJson: unknown): void;
  /** Answers requests for `path` (exact pathname, percent-decoded) with `handler` instead. */
  route(path: string, handler: RouteHandler): void;
  /** The packument as served (a copy), for tests that want to inspect or tweak it. */
  packument(name: string): Record<string, unknown> | undefined;
  /** Every request's method and path, in order: `GET /pkg`, `GET /pkg/-/pkg-1.0.0.tgz`. */
  requests: string[];
  close(): Promise<void>;
}

interface Packument {
  name: string;
  'dist-tags': Record<string, string>;
  versions: Record<string, Record<string, unknown>>;
  time: Record<string, string>;
}

/** An environment for npm/npx/mcptrust that sees only this registry and private folders. */
export function npmEnv(registryUrl: string, home: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: home,
    USERPROFILE: home,
    npm_config_registry: registryUrl,
    npm_config_cache: `${home}/.npm-cache`,
    npm_config_userconfig: `${home}/.npmrc`,
    npm_config_globalconfig: `${home}/.npmrc-global`,
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
    ...extra,
  };
}

/** Starts the registry on an ephemeral loopback port. */
export async function startNpmRegistry(): Promise<NpmRegistryFixture> {
  const packuments = new Map<string, Packument>();
  const tarballs = new Map<string, Buffer>();
  const attestationDocs = new Map<string, string>();
  const routes = new Map<string, RouteHandler>();
  const requests: string[] = [];

  const server = createServer((req, res) => {
    const rawPath = (req.url ?? '/').split('?')[0] ?? '/';
    let path: string;
    try {
      path = decodeURIComponent(rawPath);
    } catch {
      path = rawPath;
    }
    requests.push(`${req.method} ${path}`);
    const custom = routes.get(path);
    if (custom) return custom(req, res);
    const tarball = tarballs.get(path);
    if (tarball) {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': tarball.length });
      return res.end(req.method === 'HEAD' ? undefined : tarball);
    }
    const attestation = path.startsWith('/-/npm/v1/attestations/') ? attestationDocs.get(path.slice('/-/npm/v1/attestations/'.length)) : undefined;
    if (attestation !== undefined) {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(attestation);
    }
    const packument = packuments.get(path.slice(1));
    if (packument) {
      const body = JSON.stringify(packument);
      // As the public registry does: packuments may be reused for five minutes.
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'cache-control': 'public, max-age=300' });
      return res.end(req.method === 'HEAD' ? undefined : body);
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{"error":"Not found"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

  const put = (pkg: FixturePackage, tag: string, salt: string): Published => {
    const manifest: Record<string, unknown> = { name: pkg.name, version: pkg.version };
    if (pkg.dependencies) manifest.dependencies = pkg.dependencies;
    if (pkg.bin) manifest.bin = pkg.bin;
    if (pkg.scripts) manifest.scripts = pkg.scripts;
    const files: Record<string, string> = { 'package.json': JSON.stringify(manifest, null, 2) + '\n', ...pkg.files };
    if (salt) files['.republished'] = salt;
    const bytes = makeTarball(files);
    const base = pkg.name.startsWith('@') ? pkg.name.slice(pkg.name.indexOf('/') + 1) : pkg.name;
    const tarPath = `/${pkg.name}/-/${base}-${pkg.version}.tgz`;
    tarballs.set(tarPath, bytes);
    const integrity = 'sha512-' + createHash('sha512').update(bytes).digest('base64');
    const tarball = new URL(tarPath.slice(1), url).toString();
    const doc = packuments.get(pkg.name) ?? { name: pkg.name, 'dist-tags': {}, versions: {}, time: {} };
    doc.versions[pkg.version] = {
      ...manifest,
      _id: `${pkg.name}@${pkg.version}`,
      dist: { integrity, shasum: createHash('sha1').update(bytes).digest('hex'), tarball },
    };
    doc['dist-tags'][tag] = pkg.version;
    doc.time[pkg.version] = new Date(Date.UTC(2026, 0, 1) + Object.keys(doc.versions).length * 60_000).toISOString();
    packuments.set(pkg.name, doc);
    return { integrity, tarball };
  };

  let republishCount = 0;
  return {
    url,
    requests,
    publish: (pkg, options) => put(pkg, options?.tag ?? 'latest', ''),
    republish: (pkg, options) => put(pkg, options?.tag ?? 'latest', `republished ${++republishCount}\n`),
    corruptIntegrity(name, version) {
      const entry = packuments.get(name)?.versions[version];
      if (!entry) throw new Error(`no ${name}@${version} on the fixture registry`);
      const dist = entry.dist as Record<string, string>;
      dist.integrity = 'sha512-' + createHash('sha512').update(`not the tarball of ${name}@${version}`).digest('base64');
      delete dist.shasum;
    },
    attestations(name, version, bundleJson) {
      attestationDocs.set(`${name}@${version}`, JSON.stringify(bundleJson));
      // The public registry announces attestations in the version's dist, as here.
      const dist = packuments.get(name)?.versions[version]?.dist as Record<string, unknown> | undefined;
      if (dist) dist.attestations = { url: new URL(`-/npm/v1/attestations/${name}@${version}`, url).toString(), provenance: { predicateType: 'https://slsa.dev/provenance/v1' } };
    },
    route(path, handler) {
      routes.set(path, handler);
    },
    packument: (name) => {
      const doc = packuments.get(name);
      return doc ? (JSON.parse(JSON.stringify(doc)) as Record<string, unknown>) : undefined;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A gzip'd ustar archive with every file under `package/`, as `npm pack` lays it out. Fixed
 * mtime and owner so the same files give the same bytes (and the same integrity) every run.
 */
export function makeTarball(files: Record<string, string>): Buffer {
  const blocks: Buffer[] = [];
  for (const [name, content] of Object.entries(files).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const data = Buffer.from(content, 'utf8');
    const isBin = content.startsWith('#!');
    blocks.push(ustarHeader(`package/${name}`, data.length, isBin ? 0o755 : 0o644));
    blocks.push(data);
    const pad = (512 - (data.length % 512)) % 512;
    if (pad) blocks.push(Buffer.alloc(pad));
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}

function ustarHeader(path: string, size: number, mode: number): Buffer {
  const header = Buffer.alloc(512);
  let name = path;
  let prefix = '';
  if (Buffer.byteLength(name) > 100) {
    const cut = path.lastIndexOf('/', 155);
    prefix = path.slice(0, cut);
    name = path.slice(cut + 1);
    if (cut <= 0 || Buffer.byteLength(name) > 100) throw new Error(`fixture path too long for ustar: ${path}`);
  }
  const octal = (value: number, length: number) => value.toString(8).padStart(length - 1, '0') + '\0';
  header.write(name, 0, 100, 'utf8');
  header.write(octal(mode, 8), 100, 'ascii');
  header.write(octal(0, 8), 108, 'ascii');
  header.write(octal(0, 8), 116, 'ascii');
  header.write(octal(size, 12), 124, 'ascii');
  header.write(octal(1767225600, 12), 136, 'ascii'); // 2026-01-01T00:00:00Z
  header.write('        ', 148, 'ascii'); // checksum field counts as spaces while summing
  header.write('0', 156, 'ascii');
  header.write('ustar\0', 257, 'ascii');
  header.write('00', 263, 'ascii');
  header.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'ascii');
  return header;
}
