/**
 * `npx pkg` / `npm exec pkg` run a package that is already installed in the project instead of
 * fetching it: then what runs is the local install, and that is what is pinned, from local
 * evidence only (no registry request). npm's rule (libnpmexec, npm 7 to 11):
 *
 * - npm's project folder is the nearest folder up from the working folder that has a
 *   `package.json` or a `node_modules` (else the working folder itself).
 * - Without `--package`, a bin named like the argument in the project's own `package.json`
 *   runs the project itself; else a `node_modules/.bin/<arg>` in that folder or any folder above
 *   runs as it is.
 * - Otherwise each package spec is looked up in the project's installed tree (any depth): a
 *   name alone takes any installed version, an exact version its `name@version`, a range a
 *   version that satisfies it. A dist-tag (`pkg@latest`) is resolved through the registry, so it
 *   is pinned from the registry as before. When every package is found, nothing is installed
 *   and the local install runs.
 *
 * The pin records what npm recorded when it installed the tree (`node_modules/.package-lock.json`,
 * else the project's `package-lock.json`): each package's version and integrity. A package whose
 * integrity npm did not record, or a link to a folder, cannot be pinned from local evidence: the
 * launch is then `unpinned` with a note, never given registry bytes it may not run.
 */
import { lstatSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import Arborist from '@npmcli/arborist';
import type npa from 'npm-package-arg';
import semver from 'semver';
import type { NpmLaunch } from '../launch/types.js';
import { printable } from '../util/text.js';
import { ArtifactError } from './errors.js';
import type { ArtifactPin, PackagePin } from './types.js';

/** The note of an npm pin taken from a local install (not compared: it says where the pin came from). */
export const LOCAL_INSTALL_NOTE = "runs the project's installed copy (npx finds it in node_modules); pinned from npm's install record, no registry asked";

/** The launchers that follow npm's local-install rule (pnpm dlx, yarn dlx and bunx fetch anew). */
const LOCAL_FIRST = new Set(['npx', 'npm exec']);

/** A project lockfile larger than this is not read (the integrity is then not established). */
const MAX_PROJECT_LOCK_BYTES = 64 * 1024 * 1024;

interface TreeNode {
  location: string;
  packageName: string;
  version: string;
  integrity: string | null;
  isLink: boolean;
  inBundle: boolean;
  pkgid: string;
  edgesOut: Map<string, { to: TreeNode | null }>;
}

/** npm's project folder for a working folder: the nearest one up with package.json or node_modules. */
export function npmProjectFolder(cwd: string): string {
  for (let dir = cwd; ; dir = dirname(dir)) {
    if (exists(join(dir, 'package.json')) || isDir(join(dir, 'node_modules'))) return dir;
    if (dirname(dir) === dir) return cwd;
  }
}

/**
 * The pin of an npm launch that runs a local install, or undefined when npx would fetch the
 * packages (then the registry resolver pins them).
 */
export async function pinLocalNpm(launch: NpmLaunch, parsed: npa.Result[], options: { cwd: string; spec: string; maxPackages: number }): Promise<ArtifactPin | undefined> {
  if (!LOCAL_FIRST.has(launch.launcher)) return undefined;
  const project = npmProjectFolder(options.cwd);
  const unpinned = (why: string): ArtifactPin => ({ type: 'unpinned', spec: options.spec, note: `runs a local install: ${why}; not pinned` });

  if (launch.command === undefined) {
    const bin = launch.packages[0]!;
    if (ownBin(project, bin)) return unpinned(`the project's own bin "${printable(bin, 80)}"`);
    const found = localBin(project, bin);
    // A bin of that name runs whatever package installed it; pinned below only when it is
    // the bin of the package of that very name installed in the project folder itself.
    if (found && (found.dir !== project || !binOfPackage(found, parsed[0]!.name ?? undefined))) return unpinned(`${printable(found.shown, 200)}`);
  }
  if (parsed.some((p) => p.type === 'tag')) return undefined;
  if (!isDir(join(project, 'node_modules'))) return undefined;

  let tree: { inventory: Map<string, TreeNode> };
  try {
    tree = await (new Arborist({ path: project }) as unknown as { loadActual(): Promise<{ inventory: Map<string, TreeNode> }> }).loadActual();
  } catch {
    return unpinned('its node_modules cannot be read');
  }
  const tops: TreeNode[] = [];
  for (const spec of parsed) {
    const node = installedMatch(tree.inventory, spec);
    if (node) tops.push(node);
  }
  if (tops.length === 0) return undefined;
  if (tops.length < parsed.length) return unpinned('some of its packages are installed in the project and some are fetched');

  // Everything the top packages load: the closure of their dependency edges in the installed tree.
  const seen = new Set<TreeNode>();
  const queue = [...tops];
  while (queue.length > 0) {
    const node = queue.pop()!;
    if (seen.has(node)) continue;
    seen.add(node);
    if (seen.size > options.maxPackages) {
      throw new ArtifactError('server', 'TOO_LARGE', `the installed tree of ${printable(tops[0]!.packageName, 120)} has more than ${options.maxPackages} packages; refused`);
    }
    for (const edge of node.edgesOut.values()) if (edge.to) queue.push(edge.to);
  }
  let projectLock: Record<string, { version?: unknown; integrity?: unknown }> | undefined;
  const pins: PackagePin[] = [];
  for (const node of seen) {
    const id = `${printable(node.packageName, 120)}@${printable(node.version, 40)}`;
    if (node.isLink) return unpinned(`${id} is a link to a folder`);
    if (node.inBundle) continue;
    let integrity = node.integrity;
    if (!integrity) {
      projectLock ??= readProjectLock(project);
      const entry = projectLock[node.location];
      if (entry && entry.version === node.version && typeof entry.integrity === 'string') integrity = entry.integrity;
    }
    if (!integrity || !/^sha(?:1|256|384|512)-/.test(integrity)) return unpinned(`npm recorded no integrity for ${id}`);
    pins.push({ path: node.location.split(sep).join('/'), name: node.packageName, version: node.version, integrity: integrity.split(/\s+/)[0]! });
  }
  pins.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const top = pins.find((p) => p.path === tops[0]!.location.split(sep).join('/'))!;
  return { type: 'npm', spec: options.spec, name: top.name, version: top.version, integrity: top.integrity, dependencies: pins, note: LOCAL_INSTALL_NOTE };
}

/** npm's match of a registry spec against an installed tree (name only: any version). */
function installedMatch(inventory: Map<string, TreeNode>, spec: npa.Result): TreeNode | undefined {
  if (!spec.registry || !spec.name) return undefined;
  const candidates = [...inventory.values()].filter((n) => n.packageName === spec.name && n.location !== '');
  // The top-level copy first (the one node_modules/.bin links to), then by location.
  candidates.sort((a, b) => depth(a) - depth(b) || (a.location < b.location ? -1 : 1));
  for (const node of candidates) {
    if (spec.rawSpec === '*' || spec.rawSpec === '') return node;
    if (spec.type === 'version' && node.pkgid === spec.raw) return node;
    if (spec.fetchSpec && semver.valid(node.version) && semver.satisfies(node.version, spec.fetchSpec)) return node;
  }
  return undefined;
}

const depth = (node: TreeNode) => node.location.split('node_modules').length;

function ownBin(project: string, bin: string): boolean {
  try {
    const manifest = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')) as { name?: unknown; bin?: unknown };
    if (typeof manifest.bin === 'string') return typeof manifest.name === 'string' && manifest.name.replace(/^@[^/]+\//, '') === bin;
    return typeof manifest.bin === 'object' && manifest.bin !== null && Object.hasOwn(manifest.bin, bin);
  } catch {
    return false;
  }
}

/** `node_modules/.bin/<bin>` in the project folder or any folder above it, as npx looks. */
function localBin(project: string, bin: string): { dir: string; file: string; shown: string } | undefined {
  if (bin.includes('\0')) return undefined;
  for (let dir = project; ; dir = dirname(dir)) {
    const file = join(dir, 'node_modules', '.bin', bin);
    // Named without this machine's folders (the note is written into the lockfile).
    if (isFile(file)) return { dir, file, shown: `the bin node_modules/.bin/${bin}${dir === project ? '' : ' of a folder above the project'}` };
    if (dirname(dir) === dir) return undefined;
  }
}

/** Whether a found bin belongs to the installed package `name` of the same folder. */
function binOfPackage(found: { dir: string; file: string }, name: string | undefined): boolean {
  if (!name) return false;
  try {
    const target = realpathSync(found.file);
    const home = realpathSync(join(found.dir, 'node_modules', name));
    return target.startsWith(home + sep);
  } catch {
    return false;
  }
}

function readProjectLock(project: string): Record<string, { version?: unknown; integrity?: unknown }> {
  for (const file of ['npm-shrinkwrap.json', 'package-lock.json']) {
    try {
      const path = join(project, file);
      if (statSync(path).size > MAX_PROJECT_LOCK_BYTES) return {};
      const doc = JSON.parse(readFileSync(path, 'utf8')) as { packages?: unknown };
      if (typeof doc.packages === 'object' && doc.packages !== null && !Array.isArray(doc.packages)) return doc.packages as Record<string, { version?: unknown; integrity?: unknown }>;
      return {};
    } catch {
      // not there or not readable: the next one
    }
  }
  return {};
}

function exists(path: string): boolean {
  return lstatSync(path, { throwIfNoEntry: false }) !== undefined;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
