/**
 * Dependency lockfiles of a bundle, parsed into one shape for SC-01..SC-05: npm
 * `package-lock.json` (v1, v2, v3, and the hidden `node_modules/.package-lock.json`),
 * `pnpm-lock.yaml` (v5, v6, v9), `yarn.lock` (v1 text and berry YAML), pip `requirements*.txt`,
 * `poetry.lock` and `uv.lock`. Every file is attacker-controlled: parse defensively, keep going
 * past a bad entry, and report what could not be read as a problem rather than throwing.
 */
import { parse as parseToml } from 'smol-toml';
import { parse as parseYaml } from 'yaml';
import type { BundleFile } from '../types.js';
import { isDependencyPath, isIgnoredPath } from '../code/files.js';

export type Ecosystem = 'npm' | 'PyPI';
export type LockfileKind = 'npm' | 'pnpm' | 'yarn-v1' | 'yarn-berry' | 'requirements' | 'poetry' | 'uv' | 'installed';
export type SourceKind = 'registry' | 'url' | 'git' | 'path' | 'workspace' | 'unknown';

export interface LockedDependency {
  ecosystem: Ecosystem;
  name: string;
  /** The exact version, or '' when the lockfile does not pin one. */
  version: string;
  /** A version specification when not pinned (`>=2.0`, `*`). */
  spec?: string;
  /** Where the package is fetched from (URL, git URL, path), when the lockfile says. */
  resolved?: string;
  source: SourceKind;
  /** Integrity values as written (`sha512-…` SRI, `sha256:hex`, berry checksum). */
  integrity: string[];
  dev: boolean;
  /** Pinned to one exact version (or one git commit). */
  pinned: boolean;
  license?: string;
  file: string;
  line?: number;
}

export interface LockfileProblem {
  file: string;
  line?: number;
  message: string;
}

export interface ParsedLockfile {
  path: string;
  kind: LockfileKind;
  /** e.g. "package-lock v3", "pnpm-lock 9.0", "yarn.lock v1". */
  format: string;
  dependencies: LockedDependency[];
  problems: LockfileProblem[];
  /** requirements.txt: index URLs named by --index-url / --extra-index-url / --find-links. */
  indexes?: { url: string; line: number; option: string }[];
  /** npm-family: the root project's declared dependency ranges, as recorded in the lockfile. */
  rootDeclared?: Record<string, string>;
}

const MAX_DEPENDENCIES = 50_000;

const BASENAME_KIND: Record<string, LockfileKind> = Object.assign(Object.create(null) as Record<string, LockfileKind>, {
  'package-lock.json': 'npm',
  'npm-shrinkwrap.json': 'npm',
  '.package-lock.json': 'npm',
  'pnpm-lock.yaml': 'pnpm',
  'yarn.lock': 'yarn-v1',
  'poetry.lock': 'poetry',
  'uv.lock': 'uv',
});

/** Which kind of lockfile a path is, or undefined. */
export function lockfileKind(path: string): LockfileKind | undefined {
  const base = path.split('/').pop() ?? '';
  const kind = BASENAME_KIND[base];
  if (kind) {
    // npm's hidden lockfile lives in node_modules/; every other lockfile inside a dependency
    // folder belongs to a dependency, not to the bundle.
    if (base === '.package-lock.json') {
      if (!/(?:^|\/)node_modules\/\.package-lock\.json$/.test(path)) return undefined;
      const projectDir = path.slice(0, -'node_modules/.package-lock.json'.length);
      return isDependencyPath(`${projectDir}x`) || isIgnoredPath(`${projectDir}x`) ? undefined : 'npm';
    }
    return isDependencyPath(path) || isIgnoredPath(path) ? undefined : kind;
  }
  if (/^requirements[\w.-]*\.txt$/i.test(base) && !isDependencyPath(path) && !isIgnoredPath(path)) return 'requirements';
  return undefined;
}

/**
 * 1-based line of the first line that opens the entry `key` (`"key": {`, `key:`, `'key':`), from
 * an index built in one pass, so a lockfile of thousands of entries costs one scan, not one per entry.
 */
function makeLineFinder(text: string): (key: string) => number | undefined {
  const index = new Map<string, number>();
  let lineNo = 0;
  let from = 0;
  while (from <= text.length) {
    let to = text.indexOf('\n', from);
    if (to === -1) to = text.length;
    lineNo++;
    let t = text.slice(from, to).trim();
    if (t.endsWith('{}')) t = t.slice(0, -2).trimEnd();
    else if (t.endsWith('{')) t = t.slice(0, -1).trimEnd();
    if (t.endsWith(':') && t.length > 1) {
      t = t.slice(0, -1).trimEnd();
      if (t.length >= 2 && (t[0] === '"' || t[0] === "'") && t[t.length - 1] === t[0]) t = t.slice(1, -1);
      if (!index.has(t)) index.set(t, lineNo);
    }
    from = to + 1;
  }
  return (key) => index.get(key);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** Classifies an npm-style `resolved` / version reference. */
export function npmSource(ref: string | undefined): SourceKind {
  if (ref === undefined || ref === '') return 'registry';
  if (/^(?:git\+|git:|github:|gitlab:|bitbucket:|gist:)/.test(ref) || /\.git(?:#|$)/.test(ref)) return 'git';
  if (/^(?:file:|link:|portal:|\.{0,2}\/)/.test(ref)) return 'path';
  if (/^workspace:/.test(ref)) return 'workspace';
  if (/^https?:\/\//i.test(ref)) return 'url';
  return 'unknown';
}

const EXACT_SEMVER = /^v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;
const GIT_COMMIT = /#[0-9a-f]{40}$|[#:@/][0-9a-f]{40}$|commit=[0-9a-f]{40}/;

function npmPinned(version: string, resolved: string | undefined): boolean {
  if (EXACT_SEMVER.test(version)) return true;
  const ref = resolved ?? version;
  return npmSource(ref) === 'git' && GIT_COMMIT.test(ref);
}

function parseNpm(path: string, text: string): ParsedLockfile {
  const result: ParsedLockfile = { path, kind: 'npm', format: 'package-lock', dependencies: [], problems: [] };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    result.problems.push({ file: path, message: `not valid JSON: ${(error as Error).message}` });
    return result;
  }
  if (!isObject(json)) {
    result.problems.push({ file: path, message: 'not a JSON object' });
    return result;
  }
  const lv = json.lockfileVersion;
  result.format = `package-lock v${typeof lv === 'number' ? lv : '?'}`;
  const findLine = makeLineFinder(text);
  if (isObject(json.packages)) {
    const root = json.packages[''];
    if (isObject(root)) {
      const declared: Record<string, string> = Object.create(null);
      for (const field of ['dependencies', 'optionalDependencies']) {
        const deps = root[field];
        if (isObject(deps)) for (const [k, v] of Object.entries(deps)) if (typeof v === 'string') declared[k] = v;
      }
      result.rootDeclared = declared;
    }
    for (const [key, entry] of Object.entries(json.packages)) {
      if (key === '' || !isObject(entry)) continue;
      const at = key.lastIndexOf('node_modules/');
      if (at === -1) continue; // a workspace folder: the project's own code
      if (entry.link === true) continue; // a symlink to a workspace folder
      if (result.dependencies.length >= MAX_DEPENDENCIES) break;
      const name = str(entry.name) ?? key.slice(at + 'node_modules/'.length);
      const version = str(entry.version) ?? '';
      const resolved = str(entry.resolved);
      const integrity = str(entry.integrity);
      result.dependencies.push({
        ecosystem: 'npm',
        name,
        version,
        ...(resolved !== undefined ? { resolved } : {}),
        source: npmSource(resolved),
        integrity: integrity ? [integrity] : [],
        dev: entry.dev === true || entry.devOptional === true,
        pinned: npmPinned(version, resolved),
        ...(typeof entry.license === 'string' ? { license: entry.license } : {}),
        file: path,
        line: findLine(key),
      });
    }
    return result;
  }
  // v1: nested "dependencies" objects.
  const walk = (deps: unknown, depth: number) => {
    if (!isObject(deps) || depth > 64) return;
    for (const [name, entry] of Object.entries(deps)) {
      if (!isObject(entry) || result.dependencies.length >= MAX_DEPENDENCIES) continue;
      const version = str(entry.version) ?? '';
      const resolved = str(entry.resolved) ?? (npmSource(version) === 'registry' || EXACT_SEMVER.test(version) ? undefined : version);
      const integrity = str(entry.integrity);
      result.dependencies.push({
        ecosystem: 'npm',
        name,
        version: EXACT_SEMVER.test(version) ? version : (resolved === version ? (version.match(/#([0-9a-f]{40})$/)?.[1] ?? '') : version),
        ...(resolved !== undefined ? { resolved } : {}),
        source: npmSource(resolved),
        integrity: integrity ? [integrity] : [],
        dev: entry.dev === true,
        pinned: npmPinned(version, resolved),
        file: path,
        line: findLine(name),
      });
      walk(entry.dependencies, depth + 1);
    }
  };
  walk(json.dependencies, 0);
  return result;
}

/** Splits "name@version" (scoped names keep their leading "@"). */
function splitAt(descriptor: string): [string, string] {
  const at = descriptor.indexOf('@', 1);
  return at === -1 ? [descriptor, ''] : [descriptor.slice(0, at), descriptor.slice(at + 1)];
}

/** The YAML document of a lockfile (aliases bounded), or undefined after recording why not. */
function readYaml(path: string, text: string, result: ParsedLockfile): unknown {
  try {
    return parseYaml(text, { maxAliasCount: 100, uniqueKeys: false });
  } catch (error) {
    result.problems.push({ file: path, message: `not valid YAML: ${(error as Error).message.split('\n')[0]}` });
    return undefined;
  }
}

function parsePnpm(path: string, text: string): ParsedLockfile {
  const result: ParsedLockfile = { path, kind: 'pnpm', format: 'pnpm-lock', dependencies: [], problems: [] };
  const doc = readYaml(path, text, result);
  if (doc === undefined) return result;
  if (!isObject(doc)) {
    result.problems.push({ file: path, message: 'not a YAML mapping' });
    return result;
  }
  const lv = String(doc.lockfileVersion ?? '?');
  result.format = `pnpm-lock ${lv}`;
  const major = Number.parseFloat(lv);
  const findLine = makeLineFinder(text);
  // Dev flags: v5/v6 mark packages; v9 only tells which direct dependencies are dev.
  const devDirect = new Set<string>();
  const declared: Record<string, string> = Object.create(null);
  const importers = isObject(doc.importers) ? doc.importers : { '.': doc };
  for (const importer of Object.values(importers)) {
    if (!isObject(importer)) continue;
    const devs = importer.devDependencies;
    if (isObject(devs)) for (const k of Object.keys(devs)) devDirect.add(k);
    for (const field of ['dependencies', 'optionalDependencies']) {
      const deps = importer[field];
      if (isObject(deps)) for (const [k, v] of Object.entries(deps)) {
        const spec = isObject(v) ? str(v.specifier) : isObject(importer.specifiers) ? str(importer.specifiers[k]) : undefined;
        if (spec !== undefined && importer === (importers as Record<string, unknown>)['.']) declared[k] = spec;
      }
    }
  }
  result.rootDeclared = declared;
  const packages = doc.packages;
  if (!isObject(packages)) return result;
  for (const [rawKey, entry] of Object.entries(packages)) {
    if (!isObject(entry) || result.dependencies.length >= MAX_DEPENDENCIES) continue;
    let key = rawKey.startsWith('/') ? rawKey.slice(1) : rawKey;
    const paren = key.indexOf('(');
    if (paren > 0) key = key.slice(0, paren);
    let name: string;
    let version: string;
    if (major < 6 && key.includes('/')) {
      const underscore = key.indexOf('_', key.lastIndexOf('/'));
      if (underscore > 0) key = key.slice(0, underscore);
      const slash = key.lastIndexOf('/');
      [name, version] = [key.slice(0, slash), key.slice(slash + 1)];
    } else [name, version] = splitAt(key);
    name = str(entry.name) ?? name;
    version = str(entry.version) ?? version;
    const resolution = isObject(entry.resolution) ? entry.resolution : {};
    const integrity = str(resolution.integrity);
    let resolved: string | undefined;
    let source: SourceKind = 'registry';
    if (resolution.type === 'git' || str(resolution.repo)) {
      resolved = `git+${str(resolution.repo) ?? ''}#${str(resolution.commit) ?? ''}`;
      source = 'git';
    } else if (str(resolution.tarball)) {
      resolved = str(resolution.tarball);
      source = npmSource(resolved);
    } else if (resolution.type === 'directory' || str(resolution.directory)) {
      resolved = `file:${str(resolution.directory) ?? ''}`;
      source = 'path';
    }
    result.dependencies.push({
      ecosystem: 'npm',
      name,
      version,
      ...(resolved !== undefined ? { resolved } : {}),
      source,
      integrity: integrity ? [integrity] : [],
      dev: entry.dev === true || (major >= 9 && devDirect.has(name) && !(name in declared)),
      pinned: source === 'git' ? GIT_COMMIT.test(resolved ?? '') : EXACT_SEMVER.test(version),
      file: path,
      line: findLine(rawKey),
    });
  }
  return result;
}

function parseYarnBerry(path: string, text: string): ParsedLockfile {
  const result: ParsedLockfile = { path, kind: 'yarn-berry', format: 'yarn.lock berry', dependencies: [], problems: [] };
  const doc = readYaml(path, text, result);
  if (doc === undefined) return result;
  if (!isObject(doc)) return result;
  const meta = isObject(doc.__metadata) ? doc.__metadata : {};
  result.format = `yarn.lock berry v${String(meta.version ?? '?')}`;
  const findLine = makeLineFinder(text);
  for (const [key, entry] of Object.entries(doc)) {
    if (key === '__metadata' || !isObject(entry) || result.dependencies.length >= MAX_DEPENDENCIES) continue;
    const resolution = str(entry.resolution) ?? key.split(',')[0]!.trim();
    const [name, ref] = splitAt(resolution);
    let source: SourceKind;
    if (ref.startsWith('workspace:')) continue;
    if (ref.startsWith('npm:') || ref.startsWith('patch:')) source = 'registry';
    else source = npmSource(ref);
    const version = str(entry.version) ?? '';
    const checksum = entry.checksum === undefined ? undefined : String(entry.checksum);
    result.dependencies.push({
      ecosystem: 'npm',
      name,
      version,
      ...(source === 'registry' ? {} : { resolved: ref }),
      source,
      integrity: checksum ? [checksum] : [],
      dev: false,
      pinned: source === 'git' ? GIT_COMMIT.test(ref) : EXACT_SEMVER.test(version),
      file: path,
      line: findLine(key),
    });
  }
  return result;
}

/** yarn.lock v1: its own indentation format (not YAML). */
function parseYarnV1(path: string, text: string): ParsedLockfile {
  const result: ParsedLockfile = { path, kind: 'yarn-v1', format: 'yarn.lock v1', dependencies: [], problems: [] };
  const lines = text.split('\n');
  let current: { name: string; line: number; fields: Record<string, string> } | undefined;
  const flush = () => {
    if (!current || result.dependencies.length >= MAX_DEPENDENCIES) return;
    const { name, fields, line } = current;
    const version = fields.version ?? '';
    const resolved = fields.resolved;
    const source = npmSource(resolved);
    const integrity = fields.integrity;
    result.dependencies.push({
      ecosystem: 'npm',
      name,
      version,
      ...(resolved !== undefined ? { resolved } : {}),
      source,
      integrity: integrity ? [integrity] : [],
      dev: false,
      pinned: EXACT_SEMVER.test(version) || (source === 'git' && GIT_COMMIT.test(resolved ?? '')),
      file: path,
      line,
    });
  };
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.replace(/\r$/, '');
    if (raw.trim() === '' || raw.trimStart().startsWith('#')) continue;
    if (!raw.startsWith(' ')) {
      flush();
      const header = raw.replace(/:\s*$/, '');
      const first = header.split(',')[0]!.trim().replace(/^"|"$/g, '');
      const [name] = splitAt(first);
      current = { name, line: i + 1, fields: Object.create(null) as Record<string, string> };
      continue;
    }
    if (!current || raw.startsWith('    ')) continue; // nested blocks (dependencies:)
    const m = /^ {2}("?)([\w-]+)\1\s+(.*)$/.exec(raw);
    if (m) current.fields[m[2]!] = m[3]!.trim().replace(/^"|"$/g, '');
  }
  flush();
  return result;
}

/** PEP 503 normalised name. */
export function normalizePyName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

function parseRequirements(path: string, text: string): ParsedLockfile {
  const result: ParsedLockfile = { path, kind: 'requirements', format: 'requirements.txt', dependencies: [], problems: [], indexes: [] };
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const startLine = i + 1;
    let logical = lines[i]!.replace(/\r$/, '');
    while (logical.endsWith('\\') && i + 1 < lines.length) {
      logical = `${logical.slice(0, -1)} ${lines[++i]!.replace(/\r$/, '')}`;
    }
    const content = logical.replace(/(^|\s)#.*$/, '').trim();
    if (content === '' || result.dependencies.length >= MAX_DEPENDENCIES) continue;
    const option = /^(--index-url|-i|--extra-index-url|--find-links|-f)(?:\s*=\s*|\s+)(\S+)/.exec(content);
    if (option) {
      result.indexes!.push({ option: option[1]!, url: option[2]!, line: startLine });
      continue;
    }
    if (/^-[rc]\s|^--(?:requirement|constraint)\b|^--(?:no-binary|only-binary|prefer-binary|pre|trusted-host|require-hashes|no-index)\b/.test(content)) continue;
    const hashes = [...content.matchAll(/--hash[=\s]+([\w]+:[0-9a-fA-F]+)/g)].map((m) => m[1]!);
    // Environment markers cut at the first ";" (`/\s*;.*$/` rescanned a long run of spaces from each one).
    const unhashed = content.replace(/\s--hash[=\s]+\S+/g, '');
    const semicolon = unhashed.indexOf(';');
    const requirement = (semicolon === -1 ? unhashed : unhashed.slice(0, semicolon)).trim();
    const editable = /^(?:-e|--editable)\s+(\S+)/.exec(requirement);
    const urlForm = editable?.[1] ?? (/^(?:git\+|hg\+|svn\+|bzr\+|https?:|file:)\S+/.exec(requirement)?.[0]) ?? /^\S+\s*@\s*(\S+)/.exec(requirement)?.[1];
    if (urlForm !== undefined) {
      const egg = /[#&]egg=([\w.-]+)/.exec(urlForm)?.[1];
      const named = /^([A-Za-z0-9][\w.-]*)(?:\[[^\]]*\])?\s*@/.exec(requirement)?.[1];
      const source: SourceKind = /^(?:git|hg|svn|bzr)\+/.test(urlForm) ? 'git' : /^https?:/.test(urlForm) ? 'url' : 'path';
      result.dependencies.push({
        ecosystem: 'PyPI',
        name: normalizePyName(named ?? egg ?? urlForm),
        version: source === 'git' ? (/@([0-9a-f]{40})(?:#|$)/.exec(urlForm)?.[1] ?? '') : '',
        resolved: urlForm,
        source,
        integrity: hashes,
        dev: false,
        pinned: source === 'git' ? /@[0-9a-f]{40}(?:#|$)/.test(urlForm) : hashes.length > 0,
        file: path,
        line: startLine,
      });
      continue;
    }
    const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(.*)$/.exec(requirement);
    if (!m) {
      result.problems.push({ file: path, line: startLine, message: 'unreadable requirement line' });
      continue;
    }
    const spec = m[2]!.replace(/\s+/g, '');
    const exact = /^===?([^,*=<>!~]+)$/.exec(spec);
    result.dependencies.push({
      ecosystem: 'PyPI',
      name: normalizePyName(m[1]!),
      version: exact ? exact[1]! : '',
      ...(exact ? {} : { spec: spec === '' ? '*' : spec }),
      source: 'registry',
      integrity: hashes,
      dev: /(?:^|[/_-])dev|test/i.test(path.split('/').pop() ?? ''),
      pinned: exact !== null,
      file: path,
      line: startLine,
    });
  }
  return result;
}

/** Line of the n-th `[[package]]` table header (0-based n), for TOML lockfiles. */
function packageTableLines(text: string): number[] {
  const out: number[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) if (lines[i]!.trim() === '[[package]]') out.push(i + 1);
  return out;
}

function parseTomlLock(path: string, text: string, kind: 'poetry' | 'uv'): ParsedLockfile {
  const result: ParsedLockfile = { path, kind, format: kind === 'poetry' ? 'poetry.lock' : 'uv.lock', dependencies: [], problems: [] };
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text) as Record<string, unknown>;
  } catch (error) {
    result.problems.push({ file: path, message: `not valid TOML: ${(error as Error).message.split('\n')[0]}` });
    return result;
  }
  if (kind === 'uv') result.format = `uv.lock v${String(doc.version ?? '?')}`;
  else if (isObject(doc.metadata)) result.format = `poetry.lock ${String(doc.metadata['lock-version'] ?? '1.x')}`;
  const packages = Array.isArray(doc.package) ? doc.package : [];
  const tableLines = packageTableLines(text);
  const legacyFiles = isObject(doc.metadata) && isObject(doc.metadata.files) ? doc.metadata.files : undefined;
  packages.forEach((pkg, index) => {
    if (!isObject(pkg) || result.dependencies.length >= MAX_DEPENDENCIES) return;
    const name = normalizePyName(str(pkg.name) ?? '');
    const version = str(pkg.version) ?? '';
    const line = tableLines[index];
    let source: SourceKind = 'registry';
    let resolved: string | undefined;
    const hashes: string[] = [];
    if (kind === 'poetry') {
      const src = isObject(pkg.source) ? pkg.source : undefined;
      const type = str(src?.type);
      if (type === 'git') {
        source = 'git';
        resolved = `git+${str(src?.url) ?? ''}@${str(src?.resolved_reference) ?? str(src?.reference) ?? ''}`;
      } else if (type === 'url') {
        source = 'url';
        resolved = str(src?.url);
      } else if (type === 'directory' || type === 'file') {
        source = 'path';
        resolved = `file:${str(src?.url) ?? ''}`;
      } else if (type === 'legacy') {
        source = 'url';
        resolved = str(src?.url);
      }
      const files = Array.isArray(pkg.files) ? pkg.files : legacyFiles && Array.isArray(legacyFiles[str(pkg.name) ?? '']) ? (legacyFiles[str(pkg.name) ?? ''] as unknown[]) : [];
      for (const f of files) if (isObject(f) && typeof f.hash === 'string') hashes.push(f.hash);
      const groups = Array.isArray(pkg.groups) ? pkg.groups : undefined;
      result.dependencies.push({
        ecosystem: 'PyPI', name, version, ...(resolved !== undefined ? { resolved } : {}), source, integrity: hashes,
        dev: pkg.category === 'dev' || (groups !== undefined && !groups.includes('main')),
        pinned: source === 'git' ? /@[0-9a-f]{40}$/.test(resolved ?? '') : version !== '',
        file: path, ...(line !== undefined ? { line } : {}),
      });
      return;
    }
    const src = isObject(pkg.source) ? pkg.source : {};
    if (str(src.editable) !== undefined || str(src.virtual) !== undefined) return; // the project itself
    if (str(src.git)) {
      source = 'git';
      resolved = `git+${str(src.git)}`;
    } else if (str(src.url)) {
      source = 'url';
      resolved = str(src.url);
    } else if (str(src.path) !== undefined || str(src.directory) !== undefined) {
      source = 'path';
      resolved = `file:${str(src.path) ?? str(src.directory)}`;
    } else if (str(src.registry)) {
      resolved = str(src.registry);
      source = 'registry';
    }
    const sdist = isObject(pkg.sdist) ? pkg.sdist : undefined;
    if (sdist && typeof sdist.hash === 'string') hashes.push(sdist.hash);
    if (Array.isArray(pkg.wheels)) for (const w of pkg.wheels) if (isObject(w) && typeof w.hash === 'string') hashes.push(w.hash);
    result.dependencies.push({
      ecosystem: 'PyPI', name, version, ...(resolved !== undefined ? { resolved } : {}), source, integrity: hashes, dev: false,
      pinned: source === 'git' ? /[#@?&=][0-9a-f]{40}$|#[0-9a-f]{40}/.test(resolved ?? '') : version !== '',
      file: path, ...(line !== undefined ? { line } : {}),
    });
  });
  return result;
}

/** Parses one lockfile of a known kind. */
export function parseLockfile(path: string, kind: LockfileKind, text: string): ParsedLockfile {
  switch (kind) {
    case 'npm':
      return parseNpm(path, text);
    case 'pnpm':
      return parsePnpm(path, text);
    case 'yarn-v1':
    case 'yarn-berry':
      return /^__metadata:/m.test(text) ? parseYarnBerry(path, text) : parseYarnV1(path, text);
    case 'requirements':
      return parseRequirements(path, text);
    case 'poetry':
    case 'uv':
      return parseTomlLock(path, text, kind);
    case 'installed':
      return { path, kind, format: 'installed', dependencies: [], problems: [] };
  }
}
