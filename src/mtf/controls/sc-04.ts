/**
 * SC-04 Lockfile Integrity (MTF v0.1 §3.3). The spec puts enforcement on the client (verify the
 * installed tree against the bundle's lockfile); a scanner checks what a client will rely on:
 *  - a lockfile is shipped where dependencies exist (BLOCK at L2+),
 *  - every integrity value is well-formed: a known algorithm and a digest of the right length
 *    (a malformed or truncated hash can never verify; sha1-only is a warning),
 *  - the lockfile agrees with package.json / pyproject.toml (every declared production
 *    dependency is locked, at a version its range accepts; the lockfile's own record of the
 *    root ranges matches package.json),
 *  - packages installed in the bundle (node_modules/…/package.json) are the versions locked.
 * The reference always passed this control.
 */
import semver from 'semver';
import { statusOf } from '../code/patterns.js';
import { lockfilesFor, manifestsWithDependencies } from '../deps/coverage.js';
import { dependencyInventory } from '../deps/inventory.js';
import { normalizePyName, type LockedDependency } from '../deps/lockfiles.js';
import type { Control, Finding } from '../types.js';
import { printable } from '../../util/text.js';

const DIGEST_BYTES: Record<string, number> = Object.assign(Object.create(null) as Record<string, number>, { sha1: 20, sha256: 32, sha384: 48, sha512: 64, md5: 16 });
const MAX_LISTED = 25;

/** Why an integrity value is malformed, or undefined when it is well-formed. */
export function integrityProblem(value: string): string | undefined {
  for (const part of value.trim().split(/\s+/)) {
    const sri = /^(sha1|sha256|sha384|sha512)-([A-Za-z0-9+/]*={0,2})(?:\?.*)?$/.exec(part);
    if (sri) {
      const bytes = Buffer.from(sri[2]!, 'base64');
      if (sri[2]!.length % 4 !== 0 || bytes.length !== DIGEST_BYTES[sri[1]!]) return `${sri[1]} digest is ${bytes.length} bytes, expected ${DIGEST_BYTES[sri[1]!]}`;
      continue;
    }
    const hex = /^(md5|sha1|sha256|sha384|sha512)[:=]([0-9A-Fa-f]*)$/.exec(part);
    if (hex) {
      if (hex[2]!.length !== DIGEST_BYTES[hex[1]!]! * 2) return `${hex[1]} digest has ${hex[2]!.length} hex digits, expected ${DIGEST_BYTES[hex[1]!]! * 2}`;
      if (hex[1] === 'md5') return 'md5 is not an integrity hash';
      continue;
    }
    // yarn berry checksum: "<cacheKey>/<sha512 hex>" or a bare sha512 hex.
    const berry = /^(?:\d+[a-z]\d*\/)?([0-9a-f]+)$/.exec(part);
    if (berry) {
      if (berry[1]!.length !== 128) return `checksum has ${berry[1]!.length} hex digits, expected 128`;
      continue;
    }
    return `unrecognised integrity format "${printable(part.slice(0, 40), 40)}"`;
  }
  return undefined;
}

function isWeak(value: string): boolean {
  return value.trim().split(/\s+/).every((p) => /^sha1[-:=]/.test(p));
}

export const control: Control = {
  id: 'SC-04',
  name: 'Lockfile Integrity',
  domain: 'supply_chain',
  run(ctx) {
    const inv = dependencyInventory(ctx);
    const findings: Finding[] = [];
    const add = (f: Omit<Finding, 'id' | 'control'>) => findings.push({ id: `SC-04-${findings.length + 1}`, control: 'SC-04', ...f });
    const manifests = manifestsWithDependencies(inv);
    for (const m of manifests) {
      const locks = lockfilesFor(m, inv);
      if (locks.length === 0) {
        add({ severity: 'high', title: 'Lockfile missing from bundle', description: `${printable(m.path, 120)} declares dependencies but the bundle ships no lockfile to verify them against`, file: m.path, remediation: 'Ship the lockfile the bundle was built from.' });
        continue;
      }
      const locked = new Map<string, LockedDependency[]>();
      for (const l of locks) for (const d of l.dependencies) {
        const key = m.ecosystem === 'PyPI' ? normalizePyName(d.name) : d.name;
        (locked.get(key) ?? locked.set(key, []).get(key)!).push(d);
      }
      let listed = 0;
      for (const [name, range] of Object.entries(m.dependencies)) {
        const key = m.ecosystem === 'PyPI' ? normalizePyName(name) : name;
        const entries = locked.get(key);
        const line = m.line(name);
        if (!entries) {
          if (listed++ < MAX_LISTED) add({ severity: 'high', title: 'Dependency missing from lockfile', description: `${printable(name, 80)} is declared in ${printable(m.path, 120)} but not locked in ${locks.map((l) => l.path).join(', ')}`, file: m.path, ...(line ? { line } : {}), remediation: 'Regenerate the lockfile (npm install / poetry lock / uv lock) and ship both files together.' });
          continue;
        }
        if (m.ecosystem !== 'npm' || semver.validRange(range) === null) continue;
        const versions = entries.map((e) => e.version).filter((v) => semver.valid(v) !== null);
        if (versions.length > 0 && !versions.some((v) => semver.satisfies(v, range, { includePrerelease: true }))) {
          if (listed++ < MAX_LISTED) add({ severity: 'high', title: 'Lockfile out of date', description: `${printable(name, 80)} is declared as "${printable(range, 40)}" in ${printable(m.path, 120)} but locked at ${versions.slice(0, 3).map((v) => printable(v, 30)).join(', ')}`, file: m.path, ...(line ? { line } : {}), remediation: 'Regenerate the lockfile so it satisfies package.json.' });
        }
      }
      for (const l of locks) {
        if (!l.rootDeclared) continue;
        for (const [name, range] of Object.entries(m.dependencies)) {
          const recorded = l.rootDeclared[name];
          if (recorded !== undefined && recorded !== range && listed++ < MAX_LISTED) {
            add({ severity: 'high', title: 'Lockfile does not match package.json', description: `${printable(l.path, 120)} was made for ${printable(name, 80)} "${printable(recorded, 40)}", package.json asks for "${printable(range, 40)}"`, file: l.path, remediation: 'Regenerate the lockfile from the shipped package.json.' });
          }
        }
      }
    }
    // Integrity values.
    let malformed = 0;
    for (const l of inv.lockfiles) {
      let weak = 0;
      for (const d of l.dependencies) {
        for (const value of d.integrity) {
          const problem = integrityProblem(value);
          if (problem) {
            if (malformed++ < MAX_LISTED) add({ severity: 'high', title: 'Malformed integrity hash', description: `${printable(d.name, 80)}@${printable(d.version, 40)}: ${problem}`, file: d.file, ...(d.line ? { line: d.line } : {}), remediation: 'Regenerate the lockfile; a hash that is not a full digest can never be verified.' });
          } else if (isWeak(value)) weak++;
        }
      }
      if (weak > 0) add({ severity: 'medium', title: 'Weak integrity hashes', description: `${weak} entries in ${printable(l.path, 120)} only carry sha1 integrity`, file: l.path, remediation: 'Regenerate the lockfile with a current npm so entries carry sha512.' });
    }
    // Installed tree against the lockfile (what a client does at install time).
    const npmLocked = new Map<string, Set<string>>();
    for (const l of inv.lockfiles) for (const d of l.dependencies) if (d.ecosystem === 'npm') (npmLocked.get(d.name) ?? npmLocked.set(d.name, new Set()).get(d.name)!).add(d.version);
    if (npmLocked.size > 0) {
      let mismatched = 0;
      for (const d of inv.installed) {
        if (d.ecosystem !== 'npm') continue;
        const versions = npmLocked.get(d.name);
        if (!versions) {
          if (mismatched++ < MAX_LISTED) add({ severity: 'high', title: 'Installed package not in lockfile', description: `${printable(d.name, 80)}@${printable(d.version, 40)} is shipped in ${printable(d.file, 160)} but no lockfile lists it`, file: d.file, remediation: 'Rebuild node_modules from the lockfile (npm ci --omit=dev).' });
        } else if (!versions.has(d.version)) {
          if (mismatched++ < MAX_LISTED) add({ severity: 'high', title: 'Installed version differs from lockfile', description: `${printable(d.name, 80)} is installed at ${printable(d.version, 40)} but locked at ${[...versions].slice(0, 3).map((v) => printable(v, 30)).join(', ')}`, file: d.file, remediation: 'Rebuild node_modules from the lockfile (npm ci --omit=dev).' });
        }
      }
    }
    if (!inv.hasDependencies && findings.length === 0) add({ severity: 'info', title: 'No third-party dependencies', description: 'No lockfile is needed' });
    return { status: statusOf(findings), findings };
  },
};
