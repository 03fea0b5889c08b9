/**
 * What a bundle depends on, gathered once per scan and shared by SC-01..SC-05: its lockfiles,
 * its project manifests (package.json, pyproject.toml) and, when no lockfile covers an
 * ecosystem, the installed tree it ships (node_modules/…/package.json, *.dist-info folders).
 */
import { parse as parseToml } from 'smol-toml';
import type { BundleContext, BundleFile } from '../types.js';
import { isDependencyPath, isIgnoredPath } from '../code/files.js';
import { lockfileKind, normalizePyName, parseLockfile, type Ecosystem, type LockedDependency, type ParsedLockfile } from './lockfiles.js';

export interface ProjectManifest {
  path: string;
  ecosystem: Ecosystem;
  /** Production dependencies: name → declared range. */
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  line: (name: string) => number | undefined;
}

export interface DependencyInventory {
  lockfiles: ParsedLockfile[];
  manifests: ProjectManifest[];
  /** Packages found installed in the bundle (used where no lockfile covers the ecosystem). */
  installed: LockedDependency[];
  /** Production dependencies, de-duplicated (lockfiles first, else the installed tree). */
  production: LockedDependency[];
  /** The bundle declares or ships third-party dependencies. */
  hasDependencies: boolean;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function dirOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i === -1 ? '' : path.slice(0, i);
}

function lineFinder(text: string): (name: string) => number | undefined {
  const lines = text.split('\n');
  return (name) => {
    const quoted = JSON.stringify(name);
    for (let i = 0; i < lines.length; i++) {
      const t = lines[i]!.trimStart();
      if (t.startsWith(`${quoted}:`) || t.startsWith(`${name} =`) || t.startsWith(`${name}=`) || t.startsWith(`"${name}`) || t.startsWith(`'${name}`)) return i + 1;
    }
    return undefined;
  };
}

function stringRecord(v: unknown): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  if (isObject(v)) for (const [k, val] of Object.entries(v)) if (typeof val === 'string') out[k] = val;
  return out;
}

function readPackageJson(file: BundleFile & { text: string }): ProjectManifest | undefined {
  let json: unknown;
  try {
    json = JSON.parse(file.text);
  } catch {
    return undefined;
  }
  if (!isObject(json)) return undefined;
  return {
    path: file.path,
    ecosystem: 'npm',
    dependencies: { ...stringRecord(json.dependencies), ...stringRecord(json.optionalDependencies) },
    devDependencies: stringRecord(json.devDependencies),
    line: lineFinder(file.text),
  };
}

function readPyproject(file: BundleFile & { text: string }): ProjectManifest | undefined {
  let doc: unknown;
  try {
    doc = parseToml(file.text);
  } catch {
    return undefined;
  }
  if (!isObject(doc)) return undefined;
  const deps: Record<string, string> = Object.create(null);
  const project = isObject(doc.project) ? doc.project : {};
  if (Array.isArray(project.dependencies)) {
    for (const d of project.dependencies) {
      if (typeof d !== 'string') continue;
      const m = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*([^;]*)/.exec(d);
      if (m) deps[normalizePyName(m[1]!)] = m[2]!.trim() || '*';
    }
  }
  const poetry = isObject(doc.tool) && isObject(doc.tool.poetry) ? doc.tool.poetry : {};
  if (isObject(poetry.dependencies)) {
    for (const [k, v] of Object.entries(poetry.dependencies)) {
      if (k.toLowerCase() === 'python') continue;
      deps[normalizePyName(k)] = typeof v === 'string' ? v : isObject(v) && typeof v.version === 'string' ? v.version : '*';
    }
  }
  return { path: file.path, ecosystem: 'PyPI', dependencies: deps, devDependencies: Object.create(null), line: lineFinder(file.text) };
}

const INSTALLED_NPM = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/@.][^/]*)\/package\.json$/;
const INSTALLED_PY = /(?:^|\/)(?:site-packages|dist-packages)\/([A-Za-z0-9][A-Za-z0-9._]*)-([^/-]+)\.dist-info\/METADATA$/;

function installedPackage(file: BundleFile): LockedDependency | undefined {
  const npm = INSTALLED_NPM.exec(file.path);
  if (npm && file.text !== undefined) {
    try {
      const json = JSON.parse(file.text) as unknown;
      if (isObject(json) && typeof json.name === 'string' && typeof json.version === 'string') {
        return {
          ecosystem: 'npm', name: json.name, version: json.version, source: 'registry', integrity: [], dev: false, pinned: true,
          ...(typeof json.license === 'string' ? { license: json.license } : {}), file: file.path, line: 1,
        };
      }
    } catch {
      return undefined;
    }
    return undefined;
  }
  const py = INSTALLED_PY.exec(file.path);
  if (py) return { ecosystem: 'PyPI', name: normalizePyName(py[1]!), version: py[2]!, source: 'registry', integrity: [], dev: false, pinned: true, file: file.path };
  return undefined;
}

function build(ctx: BundleContext): DependencyInventory {
  const lockfiles: ParsedLockfile[] = [];
  const manifests: ProjectManifest[] = [];
  const installed: LockedDependency[] = [];
  const hidden: ParsedLockfile[] = [];
  for (const file of ctx.files) {
    if (file.text === undefined) {
      const pkg = installedPackage(file);
      if (pkg) installed.push(pkg);
      continue;
    }
    const text = file.text;
    const kind = lockfileKind(file.path);
    if (kind) {
      const parsed = parseLockfile(file.path, kind, text);
      (file.path.endsWith('/.package-lock.json') || file.path === 'node_modules/.package-lock.json' ? hidden : lockfiles).push(parsed);
      continue;
    }
    const pkg = installedPackage(file);
    if (pkg) {
      installed.push(pkg);
      continue;
    }
    if (isDependencyPath(file.path) || isIgnoredPath(file.path)) continue;
    const base = file.path.split('/').pop();
    if (base === 'package.json') {
      const m = readPackageJson(file as BundleFile & { text: string });
      if (m) manifests.push(m);
    } else if (base === 'pyproject.toml') {
      const m = readPyproject(file as BundleFile & { text: string });
      if (m) manifests.push(m);
    }
  }
  // npm's hidden lockfile describes node_modules exactly; it counts when the project folder has
  // no lockfile of its own.
  for (const h of hidden) {
    const projectDir = dirOf(dirOf(h.path));
    const covered = lockfiles.some((l) => ['npm', 'pnpm', 'yarn-v1', 'yarn-berry'].includes(l.kind) && dirOf(l.path) === projectDir);
    if (!covered) lockfiles.push(h);
  }
  const production: LockedDependency[] = [];
  const seen = new Set<string>();
  const add = (d: LockedDependency) => {
    if (d.dev) return;
    const key = `${d.ecosystem}\u0000${d.name}\u0000${d.version || d.spec || d.resolved || ''}`;
    if (seen.has(key)) return;
    seen.add(key);
    production.push(d);
  };
  for (const l of lockfiles) for (const d of l.dependencies) add(d);
  const lockedEcosystems = new Set(lockfiles.filter((l) => l.dependencies.length > 0).map((l) => l.dependencies[0]!.ecosystem));
  for (const d of installed) if (!lockedEcosystems.has(d.ecosystem)) add(d);
  const declared = manifests.some((m) => Object.keys(m.dependencies).length > 0);
  const hasDependencies = declared || installed.length > 0 || lockfiles.some((l) => l.dependencies.some((d) => !d.dev));
  return { lockfiles, manifests, installed, production, hasDependencies };
}

const cache = new WeakMap<BundleContext, DependencyInventory>();

/** The dependency inventory of a scan, built on first use. */
export function dependencyInventory(ctx: BundleContext): DependencyInventory {
  let inv = cache.get(ctx);
  if (!inv) {
    inv = build(ctx);
    cache.set(ctx, inv);
  }
  return inv;
}
