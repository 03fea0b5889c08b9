/**
 * Loopback fixtures of a Python index's JSON API and of an OCI registry (distribution spec v2),
 * started in-process by a test (see testdata/npm-registry/README.md). Docker does not run on
 * the test machines, and nothing may leave loopback: these serve what the resolvers read.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

interface Base {
  url: string;
  requests: string[];
  route(path: string, handler: Handler): void;
  close(): Promise<void>;
}

async function serve(handle: (req: IncomingMessage, res: ServerResponse, path: string, url: string) => void): Promise<Base> {
  const routes = new Map<string, Handler>();
  const requests: string[] = [];
  let url = '';
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    requests.push(`${req.method} ${req.url}`);
    const custom = routes.get(path);
    if (custom) return custom(req, res);
    handle(req, res, path, url);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return {
    url,
    requests,
    route: (path, handler) => void routes.set(path, handler),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface PypiIndexFixture extends Base {
  /** The index URL as pip/uv take it (`<url>simple/`). */
  indexUrl: string;
  /** Adds a release with these files; the newest published is `info.version` of /pypi/<name>/json. */
  publish(name: string, version: string, files: Record<string, string>): Record<string, string>;
}

/** A Python index serving `/pypi/<name>/json` and `/pypi/<name>/<version>/json` (PyPI's JSON API shape). */
export async function startPypiIndex(): Promise<PypiIndexFixture> {
  const releases = new Map<string, { name: string; latest: string; versions: Map<string, { filename: string; sha256: string }[]> }>();
  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const base = await serve((_req, res, path) => {
    const parts = path.split('/').filter(Boolean);
    if (parts[0] !== 'pypi' || parts[parts.length - 1] !== 'json') return send(res, 404, { message: 'Not Found' });
    const project = releases.get(decodeURIComponent(parts[1] ?? ''));
    const version = parts.length === 4 ? decodeURIComponent(parts[2]!) : project?.latest;
    const files = version !== undefined ? project?.versions.get(version) : undefined;
    if (!project || !files) return send(res, 404, { message: 'Not Found' });
    const urls = files.map((f) => ({ filename: f.filename, digests: { sha256: f.sha256, md5: 'x' }, packagetype: f.filename.endsWith('.whl') ? 'bdist_wheel' : 'sdist', url: `http://files.invalid/${f.filename}` }));
    send(res, 200, { info: { name: project.name, version }, urls, ...(parts.length === 3 ? { releases: Object.fromEntries([...project.versions.keys()].map((v) => [v, []])) } : {}) });
  });
  return {
    ...base,
    indexUrl: `${base.url}simple/`,
    publish(name, version, files) {
      const key = name.toLowerCase().replace(/[-_.]+/g, '-');
      const project = releases.get(key) ?? { name, latest: version, versions: new Map() };
      const list = Object.entries(files).map(([filename, content]) => ({ filename, sha256: createHash('sha256').update(content).digest('hex') }));
      project.versions.set(version, list);
      project.latest = version;
      releases.set(key, project);
      return Object.fromEntries(list.map((f) => [f.filename, f.sha256]));
    },
  };
}

export interface OciRegistryFixture extends Base {
  /** `127.0.0.1:<port>`: the registry part of an image reference. */
  host: string;
  /** Stores a manifest under repo:tag; returns its digest. */
  push(repository: string, tag: string, manifest?: Record<string, unknown>): string;
  /** Ask for a bearer token (the anonymous pull flow) before serving manifests. */
  requireToken: boolean;
  /** Send a Docker-Content-Digest header that does not match the bytes. */
  lieAboutDigest: boolean;
}

/** An OCI registry serving `GET /v2/<repo>/manifests/<tag>` and a token service at `/token`. */
export async function startOciRegistry(): Promise<OciRegistryFixture> {
  const manifests = new Map<string, Buffer>();
  const state = { requireToken: false, lieAboutDigest: false };
  const token = 'fixture-token-' + createHash('sha256').update(String(Math.random())).digest('hex').slice(0, 16);
  const base = await serve((req, res, path, url) => {
    if (path === '/token') {
      const query = new URL(req.url ?? '/', url).searchParams;
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ token, scope: query.get('scope'), service: query.get('service') }));
    }
    const marker = path.lastIndexOf('/manifests/');
    if (!path.startsWith('/v2/') || marker === -1) {
      res.writeHead(404);
      return res.end();
    }
    const repository = path.slice(4, marker);
    if (state.requireToken && req.headers.authorization !== `Bearer ${token}`) {
      res.writeHead(401, { 'www-authenticate': `Bearer realm="${url}token",service="fixture-registry",scope="repository:${repository}:pull"` });
      return res.end('{"errors":[{"code":"UNAUTHORIZED"}]}');
    }
    const body = manifests.get(`${repository}:${decodeURIComponent(path.slice(marker + '/manifests/'.length))}`);
    if (!body) {
      res.writeHead(404, { 'content-type': 'application/json' });
      return res.end('{"errors":[{"code":"MANIFEST_UNKNOWN"}]}');
    }
    const digest = `sha256:${createHash('sha256').update(state.lieAboutDigest ? Buffer.concat([body, Buffer.from(' ')]) : body).digest('hex')}`;
    res.writeHead(200, { 'content-type': 'application/vnd.oci.image.index.v1+json', 'docker-content-digest': digest, 'content-length': body.length });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  const fixture = {
    ...base,
    host: new URL(base.url).host,
    push(repository: string, tag: string, manifest?: Record<string, unknown>) {
      const body = Buffer.from(JSON.stringify(manifest ?? { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [], annotations: { tag, at: String(manifests.size) } }));
      manifests.set(`${repository}:${tag}`, body);
      return `sha256:${createHash('sha256').update(body).digest('hex')}`;
    },
    get requireToken() {
      return state.requireToken;
    },
    set requireToken(value: boolean) {
      state.requireToken = value;
    },
    get lieAboutDigest() {
      return state.lieAboutDigest;
    },
    set lieAboutDigest(value: boolean) {
      state.lieAboutDigest = value;
    },
  };
  return fixture;
}
