/**
 * SC-03 Dependency Pinning (MTF v0.1 §3.3): a lockfile for every manifest that declares
 * dependencies (BLOCK when missing), every locked dependency at one exact version or git commit
 * (BLOCK otherwise: `requests>=2.0`, `git+https://…#main`), and integrity hashes on every locked
 * dependency: "WARN (L2), BLOCK (L3+)", so missing hashes give a pass capped at level 2
 * (`levelCap`). A `latest`/`*` tag in a manifest is a warning when a lockfile pins it.
 */
import { statusOf } from '../code/patterns.js';
import { lockfilesFor, manifestsWithDependencies } from '../deps/coverage.js';
import { dependencyInventory } from '../deps/inventory.js';
import type { Control, Finding } from '../types.js';
import { printable } from '../../util/text.js';

const MAX_LISTED = 25;

export const control: Control = {
  id: 'SC-03',
  name: 'Dependency Pinning',
  domain: 'supply_chain',
  run(ctx) {
    const inv = dependencyInventory(ctx);
    const findings: Finding[] = [];
    const add = (f: Omit<Finding, 'id' | 'control'>) => findings.push({ id: `SC-03-${findings.length + 1}`, control: 'SC-03', ...f });
    for (const m of manifestsWithDependencies(inv)) {
      if (lockfilesFor(m, inv).length === 0) {
        add({ severity: 'high', title: 'Missing lockfile', description: `${printable(m.path, 120)} declares ${Object.keys(m.dependencies).length} dependencies but no lockfile pins them`, file: m.path, remediation: m.ecosystem === 'npm' ? 'Commit and ship package-lock.json (or pnpm-lock.yaml / yarn.lock).' : 'Ship poetry.lock, uv.lock or a requirements.txt with ==versions and --hash values.' });
        continue;
      }
      for (const [name, spec] of Object.entries(m.dependencies)) {
        if (m.ecosystem === 'npm' && /^(?:latest|\*|x|)$/i.test(spec.trim())) {
          const line = m.line(name);
          add({ severity: 'medium', title: 'Floating version tag', description: `${printable(name, 80)} is declared as "${printable(spec, 20)}" in ${printable(m.path, 120)}; only the lockfile keeps it stable`, file: m.path, ...(line ? { line } : {}), remediation: 'Declare a version range that names a version.' });
        }
      }
    }
    for (const eco of ['npm', 'PyPI'] as const) {
      const shipped = inv.installed.filter((d) => d.ecosystem === eco);
      const locked = inv.lockfiles.some((l) => l.dependencies.some((d) => d.ecosystem === eco) || (eco === 'npm' ? ['npm', 'pnpm', 'yarn-v1', 'yarn-berry'] : ['poetry', 'uv', 'requirements']).includes(l.kind));
      if (shipped.length > 0 && !locked && !findings.some((f) => f.title === 'Missing lockfile')) {
        add({ severity: 'high', title: 'Missing lockfile', description: `The bundle ships ${shipped.length} installed ${eco} packages but no lockfile that pins them`, file: shipped[0]!.file, remediation: 'Ship the lockfile the installed tree was built from.' });
      }
    }
    if (!inv.hasDependencies) {
      add({ severity: 'info', title: 'No third-party dependencies', description: 'Nothing to pin' });
      return { status: 'pass', findings };
    }
    let unpinned = 0;
    let hashesMissing = false;
    for (const l of inv.lockfiles) {
      let missingHash = 0;
      let firstMissing: number | undefined;
      for (const d of l.dependencies) {
        if (d.dev) continue;
        if (!d.pinned) {
          unpinned++;
          if (unpinned <= MAX_LISTED) {
            const what = d.source === 'git' ? `${printable(d.resolved ?? '', 120)} (a git reference without a commit hash)` : d.spec !== undefined ? `"${printable(d.spec, 40)}"` : `version "${printable(d.version, 40)}"`;
            add({ severity: 'high', title: 'Dependency without exact version', description: `${printable(d.name, 80)} is locked to ${what}`, file: d.file, ...(d.line ? { line: d.line } : {}), remediation: d.source === 'git' ? 'Pin the git dependency to a full commit hash.' : 'Pin an exact version (name==1.2.3) and add its hash.' });
          }
        }
        if (d.integrity.length === 0 && d.source !== 'path' && d.source !== 'workspace' && !(d.source === 'git' && d.pinned)) {
          missingHash++;
          firstMissing ??= d.line;
        }
      }
      if (missingHash > 0) {
        hashesMissing = true;
        add({ severity: 'medium', title: 'Dependencies without integrity hash', description: `${missingHash} of ${l.dependencies.filter((d) => !d.dev).length} production dependencies in ${printable(l.path, 120)} carry no integrity hash (blocking from L3)`, file: l.path, ...(firstMissing ? { line: firstMissing } : {}), remediation: l.kind === 'requirements' ? 'Generate the file with hashes (pip-compile --generate-hashes) so every line has --hash=sha256:….' : 'Regenerate the lockfile with a current package manager so every entry records its integrity.' });
      }
    }
    if (unpinned > MAX_LISTED) add({ severity: 'high', title: 'More unpinned dependencies', description: `${unpinned - MAX_LISTED} further dependencies are not pinned` });
    const status = statusOf(findings);
    return status === 'pass' && hashesMissing ? { status, findings, levelCap: 2 } : { status, findings };
  },
};
