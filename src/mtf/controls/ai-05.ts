/**
 * AI-05 Bundle Completeness (MTF-0.1 §3.2, L2). Every file is classified by its path
 * COMPONENTS (not substrings) and its content:
 *   - expected: always-allowed files (manifest, README, LICENSE, CHANGELOG, signatures, git
 *     metadata), files the manifest names (server.entry_point, mcp_config args, icons), supply
 *     chain metadata (package.json, lockfiles, SBOM, VEX, attestations), the code reachable from
 *     the entry point through relative imports (JS/TS import/require, Python imports), and the
 *     bundled dependencies under node_modules/<pkg>/ for packages a lockfile or package.json lists;
 *   - executable: code and script extensions, native binaries (by extension or ELF/PE/Mach-O
 *     magic), an exec bit, install hooks (postinstall*, preinstall*).
 * Unexpected executable → high (blocks); unexpected other file → low (warns), per §3.2.
 */
import { posix } from 'node:path';
import { argPath } from './ai-01.js';
import { FindingList, asArray, asRecord, asString, field, isDependencyPath, pathComponents } from '../source.js';
import { parseJsonStrict } from '../../util/json.js';
import type { BundleContext, BundleFile, Control, ControlResult } from '../types.js';

const ALWAYS = [/^manifest\.json$/, /^readme(\.md|\.txt)?$/i, /^license(\.md|\.txt)?$/i, /^licen[cs]e[-.].*$/i, /^changelog(\.md|\.txt)?$/i, /^\.gitignore$/, /^\.gitattributes$/, /^\.npmignore$/, /^\.mcpbignore$/];
const METADATA = [
  /^package\.json$/, /^package-lock\.json$/, /^npm-shrinkwrap\.json$/, /^pnpm-lock\.yaml$/, /^yarn\.lock$/, /^requirements[-\w]*\.txt$/, /^pyproject\.toml$/, /^poetry\.lock$/, /^uv\.lock$/, /^Pipfile(\.lock)?$/,
  /^(sbom|bom)(\.cdx|\.spdx)?\.json$/, /\.cdx\.json$/, /\.spdx\.json$/, /^vex\.json$/, /^attestation\.json$/, /\.intoto\.jsonl$/, /\.sig$/, /\.sig\.json$/, /^build\.md$/i, /^security\.md$/i,
];
const EXEC_EXT = /\.(?:py|pyw|[cm]?js|jsx|[cm]?ts|tsx|go|rs|sh|bash|zsh|fish|ps1|bat|cmd|exe|dll|so|dylib|node|jar|class|pyc|wasm|rb|pl|php)$/i;
const JS_EXT = ['', '.js', '.mjs', '.cjs', '.ts', '.mts', '.cts', '.jsx', '.tsx', '.json', '/index.js', '/index.mjs', '/index.cjs', '/index.ts'];

function isExecutable(file: BundleFile): boolean {
  const base = pathComponents(file.path).pop() ?? '';
  return EXEC_EXT.test(base) || /^(post|pre)install/i.test(base) || file.executable === true;
}

/** Relative import specifiers of a JS/TS file. */
function jsImports(text: string): string[] {
  const out: string[] = [];
  // `import\s*(?:\(\s*)?`, not `import\s*\(?\s*`: two adjacent `\s*` split a run of spaces in every way (quadratic).
  const re = /(?:\bfrom\s*|\bimport\s*(?:\(\s*)?|\brequire\s*\(\s*|\bexport\s+\*\s+from\s*)(['"])(\.{1,2}\/[^'"\n]{1,300})\1/g;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push(m[2]!);
  return out;
}

/** Python imports as candidate module paths ("a.b" → a/b.py, a/b/__init__.py), with relative levels. */
function pyImports(text: string): { level: number; module: string }[] {
  const out: { level: number; module: string }[] = [];
  // The module after the dots starts with a word character: `(\.*)([\w.]*)` split "from ....…" in every way.
  const re = /^[ \t]*(?:from[ \t]+(\.*)((?:\w[\w.]*)?)[ \t]+import[ \t]+([\w, \t*()]+)|import[ \t]+([\w., \t]+))/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[4] !== undefined) {
      for (const name of m[4].split(',')) out.push({ level: 0, module: name.trim().split(/\s+/)[0]! });
    } else {
      const level = m[1]!.length;
      const base = m[2]!;
      out.push({ level, module: base });
      for (const name of m[3]!.replace(/[()]/g, '').split(',')) {
        const n = name.trim().split(/\s+/)[0]!;
        if (n && n !== '*') out.push({ level, module: base ? `${base}.${n}` : n });
      }
    }
  }
  return out;
}

/** The files reachable from the entry points through relative imports. */
function reachable(ctx: BundleContext, starts: string[]): Set<string> {
  const byPath = new Map(ctx.files.map((f) => [f.path, f]));
  const seen = new Set<string>();
  const queue = starts.filter((s) => byPath.has(s));
  const roots = new Set(starts.map((s) => posix.dirname(s)));
  roots.add('.');
  while (queue.length > 0) {
    const path = queue.pop()!;
    if (seen.has(path)) continue;
    seen.add(path);
    const text = byPath.get(path)?.text;
    if (text === undefined) continue;
    const dir = posix.dirname(path);
    if (/\.py$/.test(path)) {
      for (const { level, module } of pyImports(text)) {
        const rel = module.split('.').filter(Boolean).join('/');
        const bases = level > 0 ? [posix.join(dir, ...Array(level - 1).fill('..'))] : [...roots, dir];
        for (const base of bases) {
          for (const candidate of [`${rel}.py`, `${rel}/__init__.py`]) {
            const p = posix.normalize(posix.join(base, candidate));
            if (byPath.has(p) && !seen.has(p)) queue.push(p);
          }
          // A package's __init__.py along the way is imported too.
          const parts = rel.split('/');
          for (let i = 1; i < parts.length; i++) {
            const p = posix.normalize(posix.join(base, ...parts.slice(0, i), '__init__.py'));
            if (byPath.has(p) && !seen.has(p)) queue.push(p);
          }
        }
      }
    } else {
      for (const spec of jsImports(text)) {
        const target = posix.normalize(posix.join(dir, spec));
        for (const ext of JS_EXT) {
          const p = target + ext;
          if (byPath.has(p)) {
            if (!seen.has(p)) queue.push(p);
            break;
          }
          // TypeScript sources import "./x.js" that exists as "./x.ts".
          const swapped = target.replace(/\.(m|c)?js$/, '.$1ts');
          if (swapped !== target && byPath.has(swapped)) {
            if (!seen.has(swapped)) queue.push(swapped);
            break;
          }
        }
      }
    }
  }
  return seen;
}

/** Package names that a package-lock.json or package.json declares (bundled node_modules). */
function declaredPackages(ctx: BundleContext): Set<string> {
  const names = new Set<string>();
  for (const file of ctx.files) {
    const base = pathComponents(file.path).pop();
    if (isDependencyPath(file.path) || file.text === undefined) continue;
    if (base === 'package-lock.json' || base === 'npm-shrinkwrap.json') {
      const parsed = parseJsonStrict(file.text);
      if ('value' in parsed) {
        const packages = asRecord(field(asRecord(parsed.value), 'packages'));
        for (const key of Object.keys(packages ?? {})) {
          const m = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)$/.exec(key);
          if (m) names.add(m[1]!);
        }
      }
    } else if (base === 'package.json') {
      const parsed = parseJsonStrict(file.text);
      if ('value' in parsed) {
        for (const k of ['dependencies', 'optionalDependencies', 'bundleDependencies', 'bundledDependencies']) {
          const deps = asRecord(field(asRecord(parsed.value), k));
          for (const name of Object.keys(deps ?? {})) names.add(name);
        }
      }
    } else if (base === 'pnpm-lock.yaml' || base === 'yarn.lock') {
      for (const m of file.text.matchAll(/^\s{0,4}['"]?((?:@[\w.-]+\/)?[\w.-]+)@/gm)) names.add(m[1]!);
    }
  }
  return names;
}

/** The node_modules package a path belongs to ("node_modules/@a/b/x.js" → "@a/b"). */
function nodePackageOf(path: string): string | undefined {
  const parts = pathComponents(path);
  const i = parts.lastIndexOf('node_modules');
  if (i === -1 || i + 1 >= parts.length) return undefined;
  const first = parts[i + 1]!;
  if (first.startsWith('@')) return parts[i + 2] ? `${first}/${parts[i + 2]}` : undefined;
  return first;
}

function run(ctx: BundleContext): ControlResult {
  const f = new FindingList('AI-05');
  const manifest = ctx.manifest;
  const server = asRecord(field(manifest, 'server'));
  const named = new Set<string>();
  const entry = asString(field(server, 'entry_point'))?.replace(/^\.\//, '');
  if (entry) named.add(entry);
  const configs = [asRecord(field(server, 'mcp_config')), asRecord(field(manifest, 'mcp_config'))];
  for (const config of configs) {
    const overrides = Object.values(asRecord(field(config, 'platform_overrides')) ?? {}).map(asRecord);
    for (const c of [config, ...overrides]) {
      for (const a of [field(c, 'command'), ...(asArray(field(c, 'args')) ?? [])]) {
        const p = typeof a === 'string' ? argPath(a) : undefined;
        if (p) named.add(p);
      }
    }
  }
  const icon = asString(field(manifest, 'icon'));
  if (icon) named.add(icon.replace(/^\.\//, ''));
  for (const icon of asArray(field(manifest, 'icons')) ?? []) {
    const p = asString(field(asRecord(icon), 'src'));
    if (p) named.add(p.replace(/^\.\//, ''));
  }
  for (const s of asArray(field(manifest, 'screenshots')) ?? []) if (typeof s === 'string') named.add(s.replace(/^\.\//, ''));
  const code = reachable(ctx, [...named]);
  const packages = declaredPackages(ctx);
  const pythonDeps = ctx.files.some((file) => /^(requirements[-\w]*\.txt|pyproject\.toml|poetry\.lock|uv\.lock|Pipfile\.lock)$/.test(file.path));

  const unexpectedExec: BundleFile[] = [];
  const unexpectedOther: BundleFile[] = [];
  for (const file of ctx.files) {
    const parts = pathComponents(file.path);
    const base = parts[parts.length - 1] ?? '';
    if (parts.length === 1 && ALWAYS.some((re) => re.test(base))) continue;
    if (parts[0] === '.sigstore' || parts[0] === '.slsa' || parts[0] === '.vex') continue;
    if (named.has(file.path) || code.has(file.path)) continue;
    if (METADATA.some((re) => re.test(base)) && !/^(post|pre)install/i.test(base) && !file.executable) continue;
    const pkg = nodePackageOf(file.path);
    if (pkg !== undefined && packages.has(pkg)) continue;
    if (pkg === undefined && isDependencyPath(file.path) && pythonDeps && !parts.includes('node_modules')) continue;
    if (isExecutable(file)) unexpectedExec.push(file);
    else unexpectedOther.push(file);
  }
  // Without an entry point in the bundle nothing is reachable, so every code file would be listed
  // as undeclared (43 findings on a plain npm package): say it once; the missing entry point is
  // reported below. Files of undeclared node_modules packages are still listed one by one.
  const entryPresent = entry !== undefined && ctx.files.some((x) => x.path === entry);
  if (!entryPresent) {
    const untraceable = unexpectedExec.filter((file) => nodePackageOf(file.path) === undefined);
    if (untraceable.length > 0) {
      const shown = untraceable.slice(0, 5).map((x) => JSON.stringify(x.path)).join(', ');
      f.add('high', 'Executable files not traceable to an entry point', `${untraceable.length} executable file(s) cannot be traced to the server's entry point, which is missing: ${shown}${untraceable.length > 5 ? ', …' : ''}.`, {
        remediation: 'Declare server.entry_point (a file in the bundle); files it neither imports nor the manifest names are then listed one by one.',
      });
      unexpectedExec.splice(0, unexpectedExec.length, ...unexpectedExec.filter((file) => nodePackageOf(file.path) !== undefined));
    }
  }
  for (const file of unexpectedExec.slice(0, 50)) {
    const pkg = nodePackageOf(file.path);
    f.add('high', 'Undeclared executable file', pkg !== undefined
      ? `${JSON.stringify(file.path)} belongs to node_modules package ${JSON.stringify(pkg)}, which no lockfile or package.json of the bundle declares.`
      : `${JSON.stringify(file.path)} is executable content that the manifest does not reference and the entry point does not import.`, {
      file: file.path,
      remediation: 'Remove the file from the bundle, or reference it from the manifest / import it from the entry point (and declare bundled packages in the lockfile).',
    });
  }
  if (unexpectedExec.length > 50) f.add('high', 'More undeclared executable files', `${unexpectedExec.length - 50} more undeclared executable files are not listed.`);
  if (unexpectedOther.length > 0) {
    const shown = unexpectedOther.slice(0, 10).map((x) => JSON.stringify(x.path)).join(', ');
    f.add('low', 'Files not referenced by the manifest', `${unexpectedOther.length} non-executable file(s) are not referenced by the manifest: ${shown}${unexpectedOther.length > 10 ? ', …' : ''}.`, {
      remediation: 'Leave out of the bundle what the server does not need.',
    });
  }
  if (!entry) {
    f.add('high', 'No entry point', 'server.entry_point is missing, so no file can be recognised as the server.', { file: 'manifest.json' });
  } else if (!ctx.files.some((x) => x.path === entry)) {
    f.add('high', 'Entry point missing', `server.entry_point ${JSON.stringify(entry)} is not in the bundle.`, { file: 'manifest.json' });
  }
  return { status: f.has('high', 'critical') ? 'fail' : 'pass', findings: f.items };
}

export const control: Control = { id: 'AI-05', name: 'Bundle Completeness', domain: 'artifact_integrity', run };
