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

/** Sections of package.json whose keys are dependency names, production ones first. */
const NPM_SECTIONS = ['dependencies', 'optionalDependencies', 'devDependencies', 'peerDependencies'];

/**
 * The line of each dependency name of a package.json, from one pass over its text (attacker
 * text: a manifest may declare tens of thousands of dependencies, and looking each one up by
 * scanning every line was quadratic). Only keys directly inside a dependency section count, and
 * they match exactly: `react` is not found on the `"react-dom"` line, nor on the top-level
 * `"name"` line for a package called `name`. The text has already parsed as JSON.
 */
function npmLineFinder(text: string): (name: string) => number | undefined {
  const found = NPM_SECTIONS.map(() => new Map<string, number>());
  // One frame per open object or array: for objects, the last key read and whether a key is next.
  const stack: { object: boolean; key: string | undefined; keyNext: boolean }[] = [];
  let line = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a) line++;
    else if (c === 0x22) {
      let j = i + 1;
      while (j < text.length && text.charCodeAt(j) !== 0x22) j += text.charCodeAt(j) === 0x5c ? 2 : 1;
      const top = stack[stack.length - 1];
      if (top?.object && top.keyNext) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        top.key = key;
        top.keyNext = false;
        const section = stack.length === 2 ? NPM_SECTIONS.indexOf(stack[0]!.key ?? '') : -1;
        if (section !== -1 && !found[section]!.has(key)) found[section]!.set(key, line);
      }
      i = j; // a JSON string holds no raw newline
    } else if (c === 0x7b || c === 0x5b) stack.push({ object: c === 0x7b, key: undefined, keyNext: c === 0x7b });
    else if (c === 0x7d || c === 0x5d) stack.pop();
    else if (c === 0x2c) {
      const top = stack[stack.length - 1];
      if (top?.object) top.keyNext = true;
    }
  }
  return (name) => {
    for (const m of found) {
      const at = m.get(name);
      if (at !== undefined) return at;
    }
    return undefined;
  };
}

const PY_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*/;

/**
 * The line of each dependency of a pyproject.toml, from one pass over its lines: an item of
 * `[project] dependencies = [ … ]` (inline or one per line) or a key of a
 * `[tool.poetry.dependencies]` table, matched by its whole normalised name (the inventory's keys).
 */
function pyLineFinder(text: string): (name: string) => number | undefined {
  const found = new Map<string, number>();
  const note = (name: string, line: number) => {
    const m = PY_NAME.exec(name);
    if (!m) return;
    const key = normalizePyName(m[0]);
    if (!found.has(key)) found.set(key, line);
  };
  let table = '';
  let inArray = false;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let t = lines[i]!.trim();
    if (!inArray && t.startsWith('[')) {
      table = t.replace(/^\[+/, '').split(']')[0]!.trim().replace(/["' ]/g, '');
      continue;
    }
    if (!inArray && table === 'project' && /^dependencies\s*=\s*\[/.test(t)) {
      inArray = true;
      t = t.slice(t.indexOf('[') + 1);
    }
    if (inArray) {
      // The quoted items of the line, up to the "]" that closes the array.
      let at = 0;
      while (at < t.length) {
        const c = t[at]!;
        if (c === ']' || c === '#') {
          inArray = c !== ']';
          break;
        }
        if (c === '"' || c === "'") {
          const close = t.indexOf(c, at + 1);
          if (close === -1) break;
          note(t.slice(at + 1, close), i + 1);
          at = close + 1;
        } else at++;
      }
      continue;
    }
    if (table === 'tool.poetry.dependencies' || /^tool\.poetry\.group\.[^.]+\.dependencies$/.test(table)) {
      const key = /^["']?([A-Za-z0-9][A-Za-z0-9._-]*)["']?\s*=/.exec(t);
      if (key) note(key[1]!, i + 1);
    }
  }
  return (name) => found.get(normalizePyName(name));
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
    line: npmLineFinder(file.text),
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
  return { path: file.path, ecosystem: 'PyPI', dependencies: deps, devDependencies: Object.create(null), line: pyLineFinder(file.text) };
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
