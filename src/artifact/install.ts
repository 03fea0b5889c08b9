/**
 * `mcptrust run`'s installer: puts exactly the npm dependency tree a lock pinned into a private
 * folder, from the pinned bytes only. Every tarball is fetched (npm's own fetcher, so .npmrc,
 * scoped registries, tokens and proxies behave as for npm), checked against the lock's integrity,
 * and only then read (src/artifact/tarball.ts refuses links, devices and paths that escape) and
 * written. No install script runs: nothing of the package is executed here. There is no fallback
 * to an unpinned install: a pin the registry cannot serve with the pinned bytes stops the run.
 *
 * A verified install is kept, keyed by the digest of the pinned tree, so a second start needs no
 * registry; before it is reused, every file is hashed again and the folder must hold exactly the
 * files that were written (no more, no links).
 */
import { createHash, randomBytes } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, chmodSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { digestOf } from '../canonical/index.js';
import { constantTimeEqual } from '../crypto/constant-time.js';
import { BaseError, type ErrorCategory } from '../errors.js';
import { formatBytes, printable } from '../util/text.js';
import { ArtifactError } from './errors.js';
import { readPackageTarball, TarballError, type TarFile } from './tarball.js';
import type { ArtifactPin, FilePin, PackagePin } from './types.js';

export type RunErrorCode =
  | 'NOT_PINNED'
  | 'NOT_VERIFIED'
  | 'UNSUPPORTED_ARTIFACT'
  | 'MALFORMED_PIN'
  | 'INTEGRITY_MISMATCH'
  | 'VERSION_UNAVAILABLE'
  | 'UNSAFE_TARBALL'
  | 'TOO_LARGE'
  | 'NO_BIN'
  | 'FILE_CHANGED'
  | 'REGISTRY_UNUSABLE'
  | 'INSTALL_FOLDER';

const CATEGORY: Record<RunErrorCode, ErrorCategory> = {
  NOT_PINNED: 'check',
  NOT_VERIFIED: 'check',
  UNSUPPORTED_ARTIFACT: 'input',
  MALFORMED_PIN: 'input',
  INTEGRITY_MISMATCH: 'check',
  VERSION_UNAVAILABLE: 'check',
  UNSAFE_TARBALL: 'check',
  TOO_LARGE: 'check',
  NO_BIN: 'check',
  FILE_CHANGED: 'check',
  REGISTRY_UNUSABLE: 'server',
  INSTALL_FOLDER: 'input',
};

/** Why `run` did not start a server. Every code is decided before any code of the package runs. */
export class RunError extends BaseError<RunErrorCode> {
  constructor(code: RunErrorCode, message: string, options?: { cause?: unknown; details?: readonly string[] }) {
    super(CATEGORY[code], code, message, options);
  }
}

/** Largest tarball fetched for one package (compressed). */
export const MAX_TARBALL_BYTES = 256 * 1024 * 1024;
/** Most packages in one pinned tree. */
export const MAX_PACKAGES = 5000;
/**
 * Most bytes of one pinned tree, counted twice: its tarballs as fetched, and their files as
 * unpacked. Every tarball is held until all are checked, so without this a tree of many large
 * (or gzip-bomb) packages, each within its own bound, would take memory without limit.
 */
export const MAX_TREE_BYTES = 1024 * 1024 * 1024;
/** Tarballs fetched at once. */
const FETCH_CONCURRENCY = 8;
const MANIFEST = '.mcptrust-install.json';
const MANIFEST_VERSION = 1;

/** An installed, verified tree and the program to start from it. */
export interface NpmInstall {
  /** The private folder (its `node_modules/` holds the tree). */
  dir: string;
  /** True when a kept install was re-verified and reused (nothing fetched). */
  reused: boolean;
  packages: number;
  files: number;
  /** The bin file to start (absolute) and its name. */
  bin: { name: string; path: string; /** Started with node (a `#!…node` script or a .js file). */ node: boolean };
}

export interface InstallOptions {
  /** Folder under which installs are kept; created with mode 0700. */
  root: string;
  /** Options for npm's fetcher (registry, scoped registries, auth, cache, proxy) as npm reads them. */
  fetch: Record<string, unknown>;
  /** The registry's origin, for messages (never a URL with credentials). */
  registryShown: string;
  /** The bin the launch named (`npx -p pkg BIN`, `npm exec --package pkg -- BIN`), if any. */
  bin?: string;
  signal?: AbortSignal;
  /** The tree's byte bound (MAX_TREE_BYTES unless given; tests give a small one). */
  maxTreeBytes?: number;
}

const SEGMENT = /^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9._~-][a-z0-9._~-]*$/i;

/**
 * The checks on a pin that need no network: type npm, a tree that includes the top package with
 * the top integrity, and package paths that stay inside `node_modules`. The lock is signed data
 * a user chose to trust, but it is still read defensively: a path is where files get written.
 */
export function checkNpmPin(pin: ArtifactPin, server: string): { top: PackagePin; packages: PackagePin[] } {
  const who = `server "${printable(server, 60)}"`;
  if (pin.type !== 'npm') throw new RunError('UNSUPPORTED_ARTIFACT', `${who}: expected an npm artifact, found ${printable(pin.type, 20)}`);
  if (pin.name === undefined || pin.version === undefined || pin.integrity === undefined) {
    throw new RunError('NOT_PINNED', `${who}: the lock's npm artifact has no resolved name, version and integrity; lock it again`);
  }
  const packages = pin.dependencies ?? [];
  if (packages.length === 0) throw new RunError('NOT_PINNED', `${who}: the lock pins no dependency tree for ${printable(pin.name, 100)}@${printable(pin.version, 40)}; lock it again to pin the tree`);
  if (packages.length > MAX_PACKAGES) throw new RunError('TOO_LARGE', `${who}: the pinned tree has ${packages.length} packages, over the limit of ${MAX_PACKAGES}`);
  const paths = new Set<string>();
  for (const p of packages) {
    const where = `${who}: pinned package "${printable(p.path, 200)}"`;
    const parts = p.path.split('/node_modules/');
    if (!p.path.startsWith('node_modules/') || !parts.every((part, i) => SEGMENT.test(i === 0 ? part.slice('node_modules/'.length) : part)) || p.path.split('/').some((s) => s === '..' || s === '.')) {
      throw new RunError('MALFORMED_PIN', `${where} is not a node_modules path`);
    }
    if (!SEGMENT.test(p.name) || typeof p.version !== 'string' || p.version === '' || p.version.length > 256) throw new RunError('MALFORMED_PIN', `${where} has no valid name and version`);
    if (!/^sha(?:256|384|512)-[A-Za-z0-9+/]+={0,2}$/.test(p.integrity)) {
      throw new RunError('NOT_PINNED', `${where} has no strong integrity (sha256/384/512 SRI); lock it again`);
    }
    if (paths.has(p.path)) throw new RunError('MALFORMED_PIN', `${where} is pinned twice`);
    paths.add(p.path);
  }
  const top = packages.find((p) => p.path === `node_modules/${pin.name}`);
  if (!top || top.name !== pin.name || top.version !== pin.version) {
    throw new RunError('NOT_PINNED', `${who}: the pinned tree does not hold the top package ${printable(pin.name, 100)}@${printable(pin.version, 40)} at node_modules/${printable(pin.name, 100)}`);
  }
  if (top.integrity !== pin.integrity) throw new RunError('MALFORMED_PIN', `${who}: the top package's integrity differs between the artifact and its tree; the lock is inconsistent`);
  return { top, packages: [...packages].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)) };
}

function sha256(data: Uint8Array): string {
  return `sha256-${createHash('sha256').update(data).digest('base64')}`;
}

/** Makes `root` (and its parents) and makes sure it is a private folder of this user. */
function privateFolder(root: string): void {
  try {
    mkdirSync(root, { recursive: true, mode: 0o700 });
    const st = lstatSync(root);
    if (!st.isDirectory()) throw new RunError('INSTALL_FOLDER', `the install folder ${printable(root, 200)} is not a folder`);
    if (process.platform !== 'win32') {
      if (typeof process.getuid === 'function' && st.uid !== process.getuid()) {
        throw new RunError('INSTALL_FOLDER', `the install folder ${printable(root, 200)} belongs to another user`);
      }
      if ((st.mode & 0o077) !== 0) chmodSync(root, 0o700);
    }
  } catch (error) {
    if (error instanceof RunError) throw error;
    throw new RunError('INSTALL_FOLDER', `cannot use the install folder ${printable(root, 200)}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { cause: error });
  }
}

/** A partial install older than this was left by a run that died mid-install: removed. */
const STALE_PARTIAL_MS = 60 * 60 * 1000;

function removeStalePartials(root: string): void {
  try {
    for (const name of readdirSync(root)) {
      if (!name.startsWith('.') || !name.endsWith('.partial')) continue;
      const path = join(root, name);
      if (Date.now() - lstatSync(path).mtimeMs > STALE_PARTIAL_MS) rmSync(path, { recursive: true, force: true });
    }
  } catch {
    // best effort: a leftover folder is never used, only wasted space
  }
}

interface Manifest {
  version: number;
  key: string;
  /** Path (below the install folder, `/`-separated) → sha256 SRI. */
  files: Record<string, string>;
}

/** Every regular file below `dir`, or undefined when anything else (a link, a device) is there. */
function listFiles(dir: string, rel = ''): string[] | undefined {
  const out: string[] = [];
  for (const entry of readdirSync(join(dir, rel), { withFileTypes: true })) {
    const path = rel === '' ? entry.name : `${rel}/${entry.name}`;
    if (entry.isDirectory()) {
      const inner = listFiles(dir, path);
      if (!inner) return undefined;
      out.push(...inner);
    } else if (entry.isFile()) out.push(path);
    else return undefined;
  }
  return out;
}

/** Whether the kept install at `dir` holds exactly the files its manifest lists, byte for byte. */
function keptInstallIntact(dir: string, key: string): boolean {
  try {
    const manifest = JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8')) as Manifest;
    if (manifest.version !== MANIFEST_VERSION || manifest.key !== key || typeof manifest.files !== 'object' || manifest.files === null) return false;
    // Exactly the files written, no more (an added file could be loaded), and nothing but files.
    const present = listFiles(dir)?.filter((p) => p !== MANIFEST).sort();
    const listed = Object.keys(manifest.files).sort();
    if (!present || present.length !== listed.length || present.some((p, i) => p !== listed[i])) return false;
    return listed.every((path) => constantTimeEqual(sha256(readFileSync(join(dir, ...path.split('/')))), String(manifest.files[path])));
  } catch {
    return false;
  }
}

type FetchError = Error & { code?: string; statusCode?: number };

/** The tarball of one pinned package, fetched and checked against its integrity before use. */
async function fetchPinned(pkg: PackagePin, options: InstallOptions, tree: { fetched: number; limit: number; packuments: unknown }): Promise<Buffer> {
  const pacote = (await import('pacote')).default;
  const ssri = (await import('ssri')).default;
  const id = `${printable(pkg.name, 100)}@${printable(pkg.version, 40)}`;
  let bytes: Buffer | undefined;
  try {
    await pacote.tarball.stream(
      `${pkg.name}@${pkg.version}`,
      (stream) =>
        new Promise<void>((resolve, reject) => {
          const chunks: Buffer[] = [];
          let size = 0;
          stream.on('data', (chunk: Buffer) => {
            size += chunk.length;
            tree.fetched += chunk.length;
            if (tree.fetched > tree.limit) {
              reject(new RunError('TOO_LARGE', `the pinned tree's tarballs are over ${formatBytes(tree.limit)} in total (at ${id}); nothing was started`));
              (stream as unknown as { destroy?: () => void }).destroy?.();
              return;
            }
            if (size > MAX_TARBALL_BYTES) {
              reject(new RunError('TOO_LARGE', `the tarball of ${id} is over ${formatBytes(MAX_TARBALL_BYTES)}; nothing was started`));
              // Stop the download too, not only the collecting.
              (stream as unknown as { destroy?: () => void }).destroy?.();
              return;
            }
            chunks.push(chunk);
          });
          stream.on('error', reject);
          stream.on('end', () => {
            bytes = Buffer.concat(chunks);
            resolve();
          });
        }),
      // Package documents through lock's bounded loader (size, JSON shape, redirects), never unbounded.
      { ...options.fetch, packumentCache: tree.packuments, integrity: pkg.integrity, signal: options.signal } as Parameters<typeof pacote.tarball.stream>[2],
    );
  } catch (error) {
    if (error instanceof RunError) throw error;
    if (error instanceof ArtifactError) {
      if (error.code === 'NOT_FOUND') throw new RunError('VERSION_UNAVAILABLE', `${id}: ${options.registryShown} no longer has this version; nothing was started`);
      throw new RunError('REGISTRY_UNUSABLE', `cannot fetch ${id} from ${options.registryShown}: ${error.message}`, { cause: error });
    }
    const e = error as FetchError;
    if (e.code === 'EINTEGRITY') {
      throw new RunError('INTEGRITY_MISMATCH', `${id}: the registry serves other bytes than the lock pinned (integrity mismatch); nothing was started`, {
        details: ['  the version may have been re-published; review it and lock again if the change is expected'],
      });
    }
    if (e.code === 'ETARGET' || e.code === 'E404' || e.code === 'E410' || e.statusCode === 404) {
      throw new RunError('VERSION_UNAVAILABLE', `${id}: ${options.registryShown} no longer has this version; nothing was started`);
    }
    throw new RunError('REGISTRY_UNUSABLE', `cannot fetch ${id} from ${options.registryShown}: ${printable(e.code ?? (e.statusCode ? `HTTP ${e.statusCode}` : 'fetch failed'), 60)}`, { cause: error });
  }
  // pacote checked the stream already; this check is ours, on the exact bytes about to be read.
  if (!bytes || !ssri.checkData(bytes, pkg.integrity)) {
    throw new RunError('INTEGRITY_MISMATCH', `${id}: the tarball does not match the pinned integrity; nothing was started`);
  }
  return bytes;
}

async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  });
  await Promise.all(workers);
  return results;
}

/** The bin a launch of `pkg` starts, by npx's rules: the one named, the only one, or the one named like the package. */
export function selectBin(manifest: unknown, name: string, wanted?: string): { name: string; file: string } {
  const unscoped = name.startsWith('@') ? name.slice(name.indexOf('/') + 1) : name;
  const bin = (manifest as { bin?: unknown } | null)?.bin;
  let bins: [string, string][] = [];
  if (typeof bin === 'string') bins = [[unscoped, bin]];
  else if (bin !== null && typeof bin === 'object') bins = Object.entries(bin).filter((e): e is [string, string] => typeof e[1] === 'string');
  const shown = printable(name, 100);
  if (bins.length === 0) throw new RunError('NO_BIN', `${shown} declares no bin to start`);
  const pick = wanted !== undefined ? bins.find(([n]) => n === wanted) : bins.length === 1 ? bins[0] : bins.find(([n]) => n === unscoped);
  if (!pick) {
    const list = bins.map(([n]) => printable(n, 40)).join(', ');
    throw new RunError('NO_BIN', wanted !== undefined ? `${shown} has no bin "${printable(wanted, 60)}" (it has: ${list})` : `${shown} has several bins (${list}) and none is named like the package`);
  }
  const file = posix.normalize(pick[1].replaceAll('\\', '/'));
  if (file.startsWith('/') || file === '..' || file.startsWith('../')) throw new RunError('NO_BIN', `${shown}: bin "${printable(pick[0], 40)}" points outside the package`);
  return { name: pick[0], file };
}

function binOf(dir: string, top: PackagePin, wanted: string | undefined, files: ReadonlyMap<string, { data: Buffer }> | undefined, packages: readonly PackagePin[]): NpmInstall['bin'] & { rel: string } {
  let base = `node_modules/${top.name}`;
  const read = (rel: string) => files?.get(rel)?.data ?? readFileSync(join(dir, rel));
  let manifest: unknown;
  try {
    manifest = JSON.parse(read(`${base}/package.json`).toString('utf8'));
  } catch {
    throw new RunError('NO_BIN', `${printable(top.name, 100)}: its package.json is missing or not JSON`);
  }
  let picked: { name: string; file: string };
  try {
    picked = selectBin(manifest, top.name, wanted);
  } catch (error) {
    // A bin named on the line (`npx -p a -p b b-cmd`) may be another top-level package's: npx
    // puts the bins of the packages at the top of its tree on PATH (not those of nested ones).
    const other = wanted === undefined ? undefined : otherTopBin(packages, top, wanted, read);
    if (!other) throw error;
    base = other.base;
    picked = other;
  }
  const { name, file } = picked;
  const rel = `${base}/${file}`;
  let head: Buffer;
  try {
    head = read(rel).subarray(0, 256);
  } catch {
    throw new RunError('NO_BIN', `${printable(top.name, 100)}: bin "${printable(name, 40)}" names ${printable(file, 200)}, which the package does not hold`);
  }
  const firstLine = head.toString('utf8').split('\n', 1)[0] ?? '';
  const node = /\.(?:c|m)?js$/.test(file) || (firstLine.startsWith('#!') && /\bnode(?:\s|$)/.test(firstLine));
  return { name, path: join(dir, ...rel.split('/')), node, rel };
}

function otherTopBin(packages: readonly PackagePin[], top: PackagePin, wanted: string, read: (rel: string) => Buffer): { base: string; name: string; file: string } | undefined {
  for (const p of packages) {
    if (p.path === top.path || p.path.slice('node_modules/'.length).includes('/node_modules/')) continue;
    try {
      const manifest: unknown = JSON.parse(read(`${p.path}/package.json`).toString('utf8'));
      return { base: p.path, ...selectBin(manifest, p.name, wanted) };
    } catch {
      // not this one
    }
  }
  return undefined;
}

/**
 * Installs the pinned npm tree (or re-verifies a kept install) and returns the bin to start.
 * Throws RunError: check failures (exit 1) for any byte that differs from the pin, server (exit 3)
 * when the registry cannot be used. Nothing is executed.
 */
export async function installNpmArtifact(pin: ArtifactPin, server: string, options: InstallOptions): Promise<NpmInstall> {
  const { top, packages } = checkNpmPin(pin, server);
  const key = digestOf({ type: 'npm', dependencies: packages.map((p) => ({ path: p.path, name: p.name, version: p.version, integrity: p.integrity })) }).replace(':', '-');
  privateFolder(options.root);
  removeStalePartials(options.root);
  const dir = join(options.root, key);

  try {
    lstatSync(dir);
    if (keptInstallIntact(dir, key)) {
      const { rel: _, ...bin } = binOf(dir, top, options.bin, undefined, packages);
      return { dir, reused: true, packages: packages.length, files: (listFiles(dir)?.length ?? 1) - 1, bin };
    }
    // Changed, partial or foreign: never used. It is replaced by a fresh install below.
    rmSync(dir, { recursive: true, force: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new RunError('INSTALL_FOLDER', `cannot use the install folder ${printable(dir, 200)}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }

  // 1. Every tarball fetched and checked against its pin before any is read.
  const { PackumentLoader } = await import('./npm.js');
  const packuments = new PackumentLoader(options.fetch as ConstructorParameters<typeof PackumentLoader>[0], options.signal, new Set());
  const tree = { fetched: 0, limit: options.maxTreeBytes ?? MAX_TREE_BYTES, packuments };
  const tarballs: (Buffer | undefined)[] = await mapLimited(packages, FETCH_CONCURRENCY, (p) => fetchPinned(p, options, tree));
  // 2. Every tarball read (links, devices, escaping paths refused) before anything is written.
  const written = new Map<string, TarFile>();
  let unpacked = 0;
  packages.forEach((p, i) => {
    let files: TarFile[];
    try {
      files = readPackageTarball(tarballs[i]!);
      tarballs[i] = undefined;
    } catch (error) {
      if (!(error instanceof TarballError)) throw error;
      throw new RunError('UNSAFE_TARBALL', `${printable(p.name, 100)}@${printable(p.version, 40)}: refused its tarball: ${error.message}; nothing was started`);
    }
    for (const f of files) unpacked += f.data.length;
    if (unpacked > tree.limit) throw new RunError('TOO_LARGE', `the pinned tree unpacks to over ${formatBytes(tree.limit)} in total (at ${printable(p.name, 100)}@${printable(p.version, 40)}); nothing was started`);
    for (const f of files) {
      const rel = `${p.path}/${f.path}`;
      if (written.has(rel)) throw new RunError('UNSAFE_TARBALL', `${printable(p.name, 100)}@${printable(p.version, 40)}: its file ${printable(f.path, 200)} is also installed by another pinned package`);
      written.set(rel, f);
    }
  });
  const { rel: binRel, ...bin } = binOf(dir, top, options.bin, written, packages);

  // 3. Written into a fresh folder, then moved into place in one rename.
  const staging = join(options.root, `.${key}.${randomBytes(6).toString('hex')}.partial`);
  const manifest: Manifest = { version: MANIFEST_VERSION, key, files: {} };
  try {
    mkdirSync(staging, { mode: 0o700 });
    for (const [rel, f] of [...written].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const path = join(staging, ...rel.split('/'));
      mkdirSync(join(path, '..'), { recursive: true, mode: 0o755 });
      writeFileSync(path, f.data, { flag: 'wx', mode: f.executable || rel === binRel ? 0o755 : 0o644 });
      manifest.files[rel] = sha256(f.data);
    }
    writeFileSync(join(staging, MANIFEST), `${JSON.stringify(manifest)}\n`, { flag: 'wx', mode: 0o600 });
    try {
      renameSync(staging, dir);
    } catch (error) {
      // Another run installed the same tree a moment ago: use it if it is intact.
      if (!keptInstallIntact(dir, key)) throw error;
      rmSync(staging, { recursive: true, force: true });
    }
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw new RunError('INSTALL_FOLDER', `cannot write the install into ${printable(options.root, 200)}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { cause: error });
  }
  return { dir, reused: false, packages: packages.length, files: written.size, bin };
}

/**
 * The local files a `local` artifact pins, checked against their digests before anything runs.
 * `resolvePath` maps a recorded path (relative to the lockfile's folder, or as written) to a file.
 */
export function verifyLocalFiles(pin: ArtifactPin, server: string, resolvePath: (recorded: string) => string): FilePin[] {
  const who = `server "${printable(server, 60)}"`;
  const files = pin.files ?? [];
  if (files.length === 0) throw new RunError('NOT_PINNED', `${who}: the lock's local artifact pins no file; lock it again`);
  for (const f of files) {
    const shown = printable(f.path, 200);
    let data: Buffer;
    try {
      data = readFileSync(resolvePath(f.path));
    } catch (error) {
      throw new RunError('FILE_CHANGED', `${who}: the pinned file ${shown} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}); nothing was started`);
    }
    if (!f.integrity.startsWith('sha256-') || !constantTimeEqual(sha256(data), f.integrity)) {
      throw new RunError('FILE_CHANGED', `${who}: the file ${shown} changed since it was locked (its sha256 differs); nothing was started`);
    }
  }
  return files;
}
