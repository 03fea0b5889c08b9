/**
 * Which lockfile covers which project manifest, shared by SC-03 and SC-04.
 */
import type { DependencyInventory, ProjectManifest } from './inventory.js';
import type { ParsedLockfile } from './lockfiles.js';

const NPM_KINDS = new Set(['npm', 'pnpm', 'yarn-v1', 'yarn-berry']);
const PY_KINDS = new Set(['poetry', 'uv', 'requirements']);

function dirOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i === -1 ? '' : path.slice(0, i);
}

function within(dir: string, ancestor: string): boolean {
  return ancestor === '' || dir === ancestor || dir.startsWith(`${ancestor}/`);
}

/** The lockfiles of the manifest's ecosystem in its folder or an ancestor folder (workspaces). */
export function lockfilesFor(manifest: ProjectManifest, inv: DependencyInventory): ParsedLockfile[] {
  const dir = dirOf(manifest.path);
  const kinds = manifest.ecosystem === 'npm' ? NPM_KINDS : PY_KINDS;
  return inv.lockfiles.filter((l) => {
    if (!kinds.has(l.kind)) return false;
    const ldir = l.path.endsWith('node_modules/.package-lock.json') ? dirOf(dirOf(l.path)) : dirOf(l.path);
    return within(dir, ldir);
  });
}

/** Manifests that declare production dependencies. */
export function manifestsWithDependencies(inv: DependencyInventory): ProjectManifest[] {
  return inv.manifests.filter((m) => Object.keys(m.dependencies).length > 0);
}
