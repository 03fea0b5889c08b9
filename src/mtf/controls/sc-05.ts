/**
 * SC-05 Trusted Sources (MTF v0.1 §3.3): every locked dependency must come from an approved
 * registry of its ecosystem. Restricted sources block: git dependencies (no attestation),
 * plain-http URLs, direct tarball/archive URLs on other hosts, local paths outside the bundle.
 * Other registries (a registry-shaped URL on an unknown host, a non-default index in
 * requirements.txt, .npmrc or .yarnrc.yml) are warnings for manual review, as the spec says.
 * The reference left this control as a permanent stub.
 */
import { posix } from 'node:path';
import { isDependencyPath } from '../code/files.js';
import { statusOf } from '../code/patterns.js';
import { dependencyInventory } from '../deps/inventory.js';
import { npmSource, type Ecosystem, type LockedDependency } from '../deps/lockfiles.js';
import { NPM_REGISTRY_ORIGIN } from '../deps/npm-advisories.js';
import type { Control, Finding } from '../types.js';
import { printable } from '../../util/text.js';

/** Approved registry hosts per ecosystem (MTF §3.3 SC-05 "Approved Registries"), as data. */
export const APPROVED_HOSTS: Record<Ecosystem, readonly string[]> = {
  npm: [new URL(NPM_REGISTRY_ORIGIN).host, ['registry', 'yarnpkg', 'com'].join('.')],
  PyPI: [['pypi', 'org'].join('.'), ['files', 'pythonhosted', 'org'].join('.')],
};

const MAX_LISTED = 30;

type Verdict = { severity: 'high' | 'medium'; title: string; why: string } | undefined;

function looksLikeRegistryTarball(url: URL): boolean {
  // npm registry layout: /<name>/-/<name>-<version>.tgz ; PyPI: /packages/…/<file>
  return /\/-\/[^/]+\.tgz$/.test(url.pathname) || /\/packages\//.test(url.pathname) || /\/simple\/?/.test(url.pathname);
}

const SORTED = new WeakMap<ReadonlySet<string>, string[]>();

/**
 * Whether a bundle file lies under the folder `dir`: one binary search in the paths sorted once
 * per set (the files under a folder are contiguous in that order), not a walk over every file
 * for each path dependency (thousands of path dependencies × thousands of files was quadratic).
 */
function holdsFolder(files: ReadonlySet<string>, dir: string): boolean {
  let sorted = SORTED.get(files);
  if (!sorted) {
    sorted = [...files].sort();
    SORTED.set(files, sorted);
  }
  const prefix = `${dir}/`;
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < prefix) lo = mid + 1;
    else hi = mid;
  }
  return lo < sorted.length && sorted[lo]!.startsWith(prefix);
}

export function judgeSource(dep: Pick<LockedDependency, 'ecosystem' | 'source' | 'resolved'>, bundleFiles: ReadonlySet<string>): Verdict {
  const ref = dep.resolved;
  switch (dep.source) {
    case 'registry':
    case 'url': {
      if (ref === undefined) return undefined;
      let url: URL;
      try {
        url = new URL(ref);
      } catch {
        return { severity: 'high', title: 'Unrecognised dependency source', why: `resolves to "${printable(ref, 120)}"` };
      }
      if (url.protocol === 'http:') return { severity: 'high', title: 'Dependency fetched over plain HTTP', why: `resolves to ${printable(ref, 160)} (no transport security)` };
      if (url.protocol !== 'https:') return { severity: 'high', title: 'Unrecognised dependency source', why: `resolves to "${printable(ref, 120)}"` };
      if (url.username || url.password) return { severity: 'high', title: 'Credentials in dependency URL', why: `resolves to a URL with embedded credentials on ${printable(url.host, 80)}` };
      if (APPROVED_HOSTS[dep.ecosystem].includes(url.host)) return undefined;
      if (looksLikeRegistryTarball(url)) return { severity: 'medium', title: 'Dependency from unknown registry', why: `comes from ${printable(url.host, 80)}, not an approved ${dep.ecosystem} registry (manual review)` };
      return { severity: 'high', title: 'Dependency from a direct URL', why: `is a direct download from ${printable(url.host, 80)} (${printable(ref, 160)}), with no registry or attestation behind it` };
    }
    case 'git':
      return { severity: 'high', title: 'Git dependency without attestation', why: `comes from git (${printable(ref ?? '', 160)}); git sources need SLSA provenance` };
    case 'path': {
      const raw = (ref ?? '').replace(/^(?:file:|link:|portal:)/, '');
      const rel = posix.normalize(raw.replace(/^\.\//, ''));
      if (raw !== '' && !raw.startsWith('/') && !rel.startsWith('..') && (bundleFiles.has(rel) || holdsFolder(bundleFiles, rel))) return undefined;
      return { severity: 'high', title: 'Dependency from a local path', why: `comes from the path "${printable(raw, 120)}", outside the bundle and unverifiable` };
    }
    case 'workspace':
      return undefined;
    default:
      return { severity: 'high', title: 'Unrecognised dependency source', why: `resolves to "${printable(ref ?? '', 120)}"` };
  }
}

export const control: Control = {
  id: 'SC-05',
  name: 'Trusted Sources',
  domain: 'supply_chain',
  run(ctx) {
    const inv = dependencyInventory(ctx);
    const findings: Finding[] = [];
    const add = (f: Omit<Finding, 'id' | 'control'>) => findings.push({ id: `SC-05-${findings.length + 1}`, control: 'SC-05', ...f });
    const paths = new Set(ctx.files.map((f) => f.path));
    let listed = 0;
    for (const l of inv.lockfiles) {
      for (const d of l.dependencies) {
        if (d.dev) continue;
        const verdict = judgeSource(d, paths);
        if (!verdict) continue;
        if (listed++ >= MAX_LISTED) continue;
        add({ severity: verdict.severity, title: verdict.title, description: `${printable(d.name, 80)}${d.version ? `@${printable(d.version, 40)}` : ''} ${verdict.why}`, file: d.file, ...(d.line ? { line: d.line } : {}), remediation: 'Depend on the package through an approved registry, or pin a released version there.' });
      }
      for (const idx of l.indexes ?? []) {
        let host = '';
        try {
          host = new URL(idx.url).host;
        } catch {
          host = '';
        }
        const approved = APPROVED_HOSTS.PyPI.includes(host) && idx.url.startsWith('https:');
        if (!approved) add({ severity: 'medium', title: 'Package index is not an approved registry', description: `${idx.option} ${printable(idx.url, 160)} in ${printable(l.path, 120)}${idx.option === '--extra-index-url' ? ' (an extra index also invites dependency confusion)' : ''}`, file: l.path, line: idx.line, remediation: 'Install from the default index, or document the organisation\'s approval of this registry.' });
      }
    }
    // package.json dependencies that no lockfile covers: without a lockfile their source is the
    // declared specifier itself, and a git URL, a `user/repo` shorthand, a path or a tarball URL
    // is as restricted there as in a lockfile (before this, such a bundle passed unseen).
    const lockedNpm = new Set(inv.lockfiles.flatMap((l) => l.dependencies.filter((d) => d.ecosystem === 'npm').map((d) => d.name)));
    for (const m of inv.manifests) {
      if (m.ecosystem !== 'npm' || isDependencyPath(m.path)) continue;
      for (const [name, spec] of Object.entries(m.dependencies).slice(0, 10_000)) {
        if (lockedNpm.has(name) || typeof spec !== 'string') continue;
        const kind = /^[\w.-]+\/[\w.-]+(?:#.*)?$/.test(spec) && !spec.startsWith('.') ? 'git' : npmSource(spec);
        if (kind !== 'git' && kind !== 'path' && kind !== 'url') continue;
        const verdict = judgeSource({ ecosystem: 'npm', source: kind, resolved: spec }, paths);
        if (!verdict) continue;
        if (listed++ >= MAX_LISTED) continue;
        const line = m.line(name);
        add({ severity: verdict.severity, title: verdict.title, description: `${printable(name, 80)} (declared in ${printable(m.path, 120)}, no lockfile) ${verdict.why}`, file: m.path, ...(line ? { line } : {}), remediation: 'Depend on the package through an approved registry, or pin a released version there.' });
      }
    }
    if (listed > MAX_LISTED) add({ severity: 'high', title: 'More untrusted sources', description: `${listed - MAX_LISTED} further dependencies come from restricted sources` });
    // Registry configuration shipped with the bundle.
    for (const file of ctx.files) {
      if (file.text === undefined || isDependencyPath(file.path)) continue;
      const base = file.path.split('/').pop();
      if (base !== '.npmrc' && base !== '.yarnrc.yml' && base !== '.yarnrc' && base !== 'pip.conf') continue;
      const lines = file.text.split('\n');
      lines.forEach((text, i) => {
        const m = /^\s*(?:@[\w.-]+:)?(?:registry|npmRegistryServer|index-url|extra-index-url)\s*[=:]\s*["']?([^"'\s]+)/.exec(text);
        if (!m) return;
        let host = '';
        try {
          host = new URL(m[1]!).host;
        } catch {
          host = '';
        }
        const eco: Ecosystem = base === 'pip.conf' ? 'PyPI' : 'npm';
        if (!APPROVED_HOSTS[eco].includes(host) || !m[1]!.startsWith('https:')) {
          add({ severity: 'medium', title: 'Registry configuration points elsewhere', description: `${printable(file.path, 120)} sets a registry at ${printable(m[1]!, 160)}`, file: file.path, line: i + 1, remediation: 'Remove the override, or document the organisation\'s approval of this registry.' });
        }
      });
    }
    return { status: statusOf(findings), findings };
  },
};
