/**
 * npm resolver: a launch's package specs → the exact bytes npx would install. Resolution is
 * npm's own (npm-package-arg, pacote's manifest picking, @npmcli/arborist's ideal tree with
 * scripts off), configured from the launch's npm config (see npm-config.ts) and sharing npm's
 * cache, so the launch's own fetches are not repeated. Every packument goes through one bounded
 * loader (size, JSON shape, redirects, timeout) handed to pacote and arborist as their
 * packument cache: each packument is fetched once, and nothing unbounded reaches them.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Arborist from '@npmcli/arborist';
import npa from 'npm-package-arg';
import npmFetch from 'npm-registry-fetch';
import pacote from 'pacote';
import ssri from 'ssri';
import type { NpmLaunch } from '../launch/types.js';
import { printable } from '../util/text.js';
import { ArtifactError, registryOrigin } from './errors.js';
import { pinLocalNpm } from './local-npm.js';
import { assertNotPrivateHop, MAX_REDIRECTS, parseRegistryJson, readBounded, REQUEST_TIMEOUT_MS, unreachable } from './net.js';
import { flattenNpmConfig, readNpmConfig, type NpmFlatOptions } from './npm-config.js';
import type { ArtifactPin, PackagePin } from './types.js';

/** A packument larger than this is refused (the largest real ones, full documents, are ~50 MB). */
export const MAX_PACKUMENT_BYTES = 64 * 1024 * 1024;
/** A tarball larger than this is refused. */
export const MAX_TARBALL_BYTES = 256 * 1024 * 1024;
/** A dependency tree with more packages than this is refused. */
export const MAX_TREE_PACKAGES = 5000;

/** Spec types resolved through a registry; the rest (git, file, URL, folder) are not pinned here. */
const REGISTRY_TYPES = new Set(['version', 'range', 'tag', 'alias']);

export interface NpmPinOptions {
  cwd: string;
  env: Record<string, string | undefined>;
  signal?: AbortSignal;
  /** The specs as the config wrote them (recorded), one per `launch.packages` entry. */
  writtenSpecs?: string[];
  /** `--expected-source`: the verified provenance's source repository must match it. */
  expectedSource?: RegExp;
}

/** The resolved registry options of a launch (what provenance fetching reuses). */
export function npmRegistryOptions(launch: Pick<NpmLaunch, 'config'>, options: { cwd: string; env: Record<string, string | undefined> }): NpmFlatOptions {
  const config = readNpmConfig({ cwd: options.cwd, env: options.env, line: launch.config });
  const flat = flattenNpmConfig(config, options.env);
  return {
    ...flat,
    timeout: Number(config['fetch-timeout']) || REQUEST_TIMEOUT_MS,
    fetchRetries: config['fetch-retries'] !== undefined ? Number(config['fetch-retries']) : 1,
    fetchRetryMintimeout: 1000,
    fetchRetryMaxtimeout: 5000,
  };
}

/** Pins an npm launch: version and integrity of the top package and the whole tree it installs. */
export async function pinNpm(launch: NpmLaunch, options: NpmPinOptions): Promise<ArtifactPin> {
  const written = options.writtenSpecs ?? launch.packages;
  const spec = written.join(' ');
  const parsed: npa.Result[] = [];
  for (const raw of launch.packages) {
    let result: npa.Result;
    try {
      result = npa(raw, options.cwd);
    } catch {
      throw new ArtifactError('input', 'BAD_SPEC', `not an npm package spec: ${printable(raw, 120)}`);
    }
    if (!REGISTRY_TYPES.has(result.type)) {
      return { type: 'unpinned', spec, note: `npm ${result.type} spec (${printable(raw, 80)}): only registry packages are pinned` };
    }
    parsed.push(result);
  }
  // A package already installed in the project runs from there: pinned from the install, no registry asked.
  const local = await pinLocalNpm(launch, parsed, { cwd: options.cwd, spec, maxPackages: MAX_TREE_PACKAGES });
  if (local) return local;

  const flat = npmRegistryOptions(launch, options);
  // The launched packages' own packuments are asked fresh, as npx asks them (a new `latest` is
  // seen at once); their dependencies' come from npm's cache while it is fresh, as npx's install does.
  const loader = new PackumentLoader(flat, options.signal, new Set(parsed.map((p) => packageName(p))));
  const common = { ...flat, packumentCache: loader, fullMetadata: false, signal: options.signal };

  const manifests: { dependencyName: string; name: string; version: string; integrity: string; resolved: string; registry: string; attested: boolean }[] = [];
  for (const result of parsed) {
    const registry = registryFor(result, flat);
    let manifest: Awaited<ReturnType<typeof pacote.manifest>>;
    try {
      manifest = await pacote.manifest(result.raw, { ...common, where: options.cwd } as unknown as pacote.Options);
    } catch (error) {
      throw mapNpmError(error, registry, result.raw, options.signal);
    }
    if (!manifest._integrity || !manifest._resolved) {
      throw new ArtifactError('server', 'REGISTRY_GARBAGE', `${registryOrigin(registry)} lists no integrity for ${printable(manifest.name, 120)}@${printable(manifest.version, 40)}`);
    }
    manifests.push({
      dependencyName: result.name ?? manifest.name,
      name: manifest.name,
      version: manifest.version,
      integrity: manifest._integrity,
      resolved: manifest._resolved,
      registry,
      // The registry announces a version's attestations in its dist (npm's own audit reads this).
      attested: isRecord((manifest as { dist?: { attestations?: unknown } }).dist?.attestations),
    });
  }

  const top = manifests[0]!;
  await verifyTarball(top, flat, options.signal);
  const dependencies = await resolveTree(manifests, common, options.signal);
  // One request more, for the top package only and only when its registry announces
  // attestations: they are verified offline (provenance.ts, loaded only then: the Sigstore
  // verifier is not needed otherwise).
  let provenance: ArtifactPin['provenance'];
  if (top.attested) {
    const { npmProvenance } = await import('./provenance.js');
    provenance = await npmProvenance(top, { registry: flat, expectedSource: options.expectedSource, signal: options.signal });
  }
  return { type: 'npm', spec, name: top.name, version: top.version, integrity: top.integrity, dependencies, ...(provenance ? { provenance } : {}) };
}

function packageName(result: npa.Result): string | undefined {
  return result.type === 'alias' ? (result as npa.Result & { subSpec: npa.Result }).subSpec.name ?? undefined : result.name ?? undefined;
}

function registryFor(result: npa.Result, flat: NpmFlatOptions): string {
  const name = packageName(result);
  const scope = name?.startsWith('@') ? name.slice(0, name.indexOf('/')) : undefined;
  const scoped = scope ? flat[`${scope}:registry`] : undefined;
  return typeof scoped === 'string' ? scoped : flat.registry;
}

function mapNpmError(error: unknown, registry: string, spec: string, signal?: AbortSignal): ArtifactError {
  if (error instanceof ArtifactError) return error;
  const origin = registryOrigin(registry);
  const code = (error as { code?: string } | null)?.code;
  if (code === 'E404') return new ArtifactError('input', 'NOT_FOUND', `${origin} has no package ${printable(spec, 120)}`, { cause: error });
  if (code === 'ETARGET') return new ArtifactError('input', 'NOT_FOUND', `no version of ${printable(spec, 120)} on ${origin} matches`, { cause: error });
  if (code === 'EINTEGRITY') return new ArtifactError('server', 'INTEGRITY_MISMATCH', `the tarball of ${printable(spec, 120)} from ${origin} does not match the integrity its registry lists; refused`, { cause: error });
  if (code === 'EMANIFESTMISMATCH') return new ArtifactError('server', 'REGISTRY_GARBAGE', `${origin} answered another package's manifest for ${printable(spec, 120)}`, { cause: error });
  if (code === 'EINVALIDTYPE' || code === 'EINVALIDTAGNAME' || code === 'EINVALIDPACKAGENAME') return new ArtifactError('input', 'BAD_SPEC', `not an npm package spec: ${printable(spec, 120)}`, { cause: error });
  if (error instanceof SyntaxError) return new ArtifactError('server', 'REGISTRY_GARBAGE', `${origin} answered something that is not a package document`, { cause: error });
  if (error instanceof TypeError) return new ArtifactError('server', 'REGISTRY_GARBAGE', `${origin} answered a package document of the wrong shape`, { cause: error });
  return unreachable(origin, error, signal);
}

/**
 * The packument cache pacote and arborist consult before any packument request: here it *is*
 * the request. `has` is true for every key so that they never fetch one themselves; `get`
 * fetches once per URL (memoized), bounded and checked.
 */
export class PackumentLoader {
  readonly #flat: NpmFlatOptions;
  readonly #signal: AbortSignal | undefined;
  readonly #memo = new Map<string, Promise<Record<string, unknown>>>();
  /** Per registry origin: whether it is itself on a private address (see net.ts). */
  readonly #privateByOrigin = new Map<string, { value?: boolean }>();
  readonly #online: ReadonlySet<string | undefined>;

  constructor(flat: NpmFlatOptions, signal: AbortSignal | undefined, online: ReadonlySet<string | undefined>) {
    this.#flat = flat;
    this.#signal = signal;
    this.#online = online;
  }

  has(key: string): boolean {
    return key.startsWith('corgi:') || key.startsWith('full:');
  }

  get(key: string): Promise<Record<string, unknown>> {
    // Both document kinds answer what npx needs; one fetch per URL serves both.
    const url = key.slice(key.indexOf(':') + 1);
    let promise = this.#memo.get(url);
    if (!promise) {
      promise = this.#fetch(url, key.startsWith('full:'));
      promise.catch(() => undefined);
      this.#memo.set(url, promise);
    }
    return promise;
  }

  set(): this {
    return this;
  }

  delete(): boolean {
    return false;
  }

  async #fetch(url: string, full: boolean): Promise<Record<string, unknown>> {
    const origin = registryOrigin(url);
    const accept = full ? 'application/json' : 'application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*';
    // Named in messages by the package only: the URL may carry the registry's userinfo.
    const name = decodeURIComponent(url.slice(url.lastIndexOf('/') + 1));
    const fresh = this.#online.has(name) ? { preferOnline: true } : {};
    // The first URL is built by pacote from the configured registries (a scoped one may be
    // private while the default is public): each is judged against itself, hops against it.
    let memo = this.#privateByOrigin.get(origin);
    if (!memo) this.#privateByOrigin.set(origin, (memo = {}));
    const res = await followRedirects(url, url, this.#flat, { headers: { accept }, integrity: null, ...fresh }, memo, this.#signal, (error, at) =>
      mapNpmError(error, at, name, this.#signal),
    );
    const body = await readBounded(res.body as AsyncIterable<Buffer>, res.headers.get('content-length'), MAX_PACKUMENT_BYTES, 'a package document', origin).catch((error: unknown) => {
      throw mapNpmError(error, url, name, this.#signal);
    });
    const doc = parseRegistryJson(body, 'a package document', origin);
    // Attacker-controlled: check the shape pacote and arborist rely on before they see it.
    if (!isRecord(doc) || !isRecord(doc.versions) || (doc['dist-tags'] !== undefined && !isRecord(doc['dist-tags']))) {
      throw new ArtifactError('server', 'REGISTRY_GARBAGE', `${origin} answered a package document of the wrong shape`);
    }
    for (const manifest of Object.values(doc.versions)) {
      if (!isRecord(manifest) || (manifest.dist !== undefined && !isRecord(manifest.dist))) {
        throw new ArtifactError('server', 'REGISTRY_GARBAGE', `${origin} answered a package document of the wrong shape`);
      }
    }
    doc._contentLength = body.length;
    return doc;
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * npm-registry-fetch with redirects followed by hand: each hop is checked (see net.ts). A
 * failed request is thrown as `mapError` makes it (given the URL of that hop).
 */
export async function followRedirects(
  url: string,
  registry: string,
  flat: Record<string, unknown>,
  extra: Record<string, unknown>,
  privateRegistry: { value?: boolean },
  signal: AbortSignal | undefined,
  mapError: (error: unknown, url: string) => unknown,
): Promise<Awaited<ReturnType<typeof npmFetch>>> {
  let current = url;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    await assertNotPrivateHop(registry, current, privateRegistry);
    let res: Awaited<ReturnType<typeof npmFetch>>;
    try {
      res = await npmFetch(current, { ...flat, ...extra, redirect: 'manual', signal } as npmFetch.Options);
    } catch (error) {
      throw mapError(error, current);
    }
    if (res.status >= 300 && res.status < 400) {
      const location = res.headers.get('location');
      res.body?.resume?.();
      if (!location) throw new ArtifactError('server', 'REGISTRY_GARBAGE', `${registryOrigin(current)} answered a redirect without a location`);
      current = new URL(location, current).toString();
      continue;
    }
    return res;
  }
  throw new ArtifactError('server', 'REGISTRY_UNREACHABLE', `registry ${registryOrigin(url)}: more than ${MAX_REDIRECTS} redirects`);
}

/**
 * Downloads the top tarball (into npm's cache, where the launch finds it) and checks it against
 * the integrity the packument lists: a re-published or tampered tarball is refused by name.
 */
async function verifyTarball(
  top: { name: string; version: string; integrity: string; resolved: string; registry: string },
  flat: NpmFlatOptions,
  signal: AbortSignal | undefined,
): Promise<void> {
  const id = `${printable(top.name, 120)}@${printable(top.version, 40)}`;
  // The tarball URL comes from the packument (attacker-controlled): judged against the registry that served it.
  // A tarball of this URL already in npm's cache (the launch, run alongside, may have fetched it
  // first) is read from there, not asked again. The bytes are checked against the packument's
  // integrity whichever way they came; cached bytes that do not match (an older copy of a
  // re-published version) are not trusted: the registry is asked.
  const expected = ssri.parse(top.integrity);
  const algorithm = expected.pickAlgorithm();
  for (const cached of [true, false]) {
    const fetchOptions = cached ? { preferOffline: true } : { preferOnline: true };
    const res = await followRedirects(top.resolved, top.registry, flat, { integrity: top.integrity, ...fetchOptions, headers: { accept: '*/*' } }, {}, signal, (error, at) => mapNpmError(error, at, id, signal));
    const fromCache = cached && /^(hit|stale)$/.test(res.headers.get('x-local-cache-status') ?? '');
    const hash = createHash(algorithm);
    async function* hashed(body: AsyncIterable<Buffer>): AsyncIterable<Buffer> {
      try {
        for await (const chunk of body) {
          hash.update(chunk);
          yield chunk;
        }
      } finally {
        (body as { destroy?: () => void }).destroy?.();
      }
    }
    try {
      await readBounded(hashed(res.body as AsyncIterable<Buffer>), res.headers.get('content-length'), MAX_TARBALL_BYTES, `the tarball of ${id}`, registryOrigin(top.registry), false);
      if (expected.match(`${algorithm}-${hash.digest('base64')}`)) return;
      if (fromCache) continue;
      throw Object.assign(new Error('integrity mismatch'), { code: 'EINTEGRITY' });
    } catch (error) {
      if (error instanceof ArtifactError) throw error;
      if ((error as { code?: string }).code === 'EINTEGRITY') {
        if (fromCache) continue;
        throw new ArtifactError('server', 'INTEGRITY_MISMATCH', `the tarball of ${id} from ${registryOrigin(top.registry)} does not match the integrity its registry lists; refused`, { cause: error });
      }
      throw mapNpmError(error, top.registry, id, signal);
    }
  }
}

/** The tree npx installs for these packages: arborist's ideal tree in a private empty folder, scripts off. */
async function resolveTree(
  manifests: { dependencyName: string; name: string; version: string }[],
  common: Record<string, unknown>,
  signal: AbortSignal | undefined,
): Promise<PackagePin[]> {
  const dir = await mkdtemp(join(tmpdir(), 'mcptrust-pin-'));
  try {
    const dependencies: Record<string, string> = {};
    for (const m of manifests) dependencies[m.dependencyName] = m.dependencyName === m.name ? m.version : `npm:${m.name}@${m.version}`;
    await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'mcptrust-pin', version: '0.0.0', private: true, dependencies }));
    const arborist = new Arborist({ ...common, path: dir, ignoreScripts: true, audit: false, fund: false, save: false, workspacesEnabled: false, progress: false });
    let tree: Awaited<ReturnType<Arborist['buildIdealTree']>>;
    try {
      tree = await arborist.buildIdealTree({});
    } catch (error) {
      throw mapNpmError(error, String(common.registry), manifests.map((m) => `${m.name}@${m.version}`).join(' '), signal);
    }
    const pins: PackagePin[] = [];
    for (const node of tree.inventory.values()) {
      if (node.isProjectRoot || node.location === '') continue;
      if (pins.length >= MAX_TREE_PACKAGES) {
        throw new ArtifactError('server', 'TOO_LARGE', `the dependency tree of ${printable(manifests[0]!.name, 120)} has more than ${MAX_TREE_PACKAGES} packages; refused`);
      }
      // A bundled dependency ships inside its parent's tarball: the parent's integrity covers it.
      if (node.inBundle) continue;
      if (!node.integrity) {
        throw new ArtifactError('server', 'REGISTRY_GARBAGE', `no integrity is listed for ${printable(node.packageName, 120)}@${printable(node.version, 40)}`);
      }
      pins.push({ path: node.location, name: node.packageName, version: node.version, integrity: node.integrity });
    }
    pins.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    return pins;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

