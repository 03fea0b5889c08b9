import { digestOf, type JsonObject } from '../canonical/index.js';
import { ITEM_COLLECTION, ITEM_KINDS, type ItemKind, type Lockfile, type ServerSurface } from './types.js';
import { surfaceDigest } from './build.js';

export interface SurfaceChange {
  server: string;
  kind: ItemKind | 'server';
  name: string;
  change: 'added' | 'removed' | 'modified';
}

function identityChanged(a: ServerSurface, b: ServerSurface): boolean {
  return digestOf(a.identity as unknown as JsonObject) !== digestOf(b.identity as unknown as JsonObject);
}

/**
 * Which servers and items differ between two lockfiles, by digest. A quick summary for
 * `lock`'s refusal; `mcptrust diff` classifies the same changes in depth.
 */
export function compareSurfaces(before: Lockfile, after: Lockfile): SurfaceChange[] {
  const changes: SurfaceChange[] = [];
  const names = [...new Set([...Object.keys(before.servers), ...Object.keys(after.servers)])].sort();
  for (const server of names) {
    const a = before.servers[server];
    const b = after.servers[server];
    if (!a || !b) {
      changes.push({ server, kind: 'server', name: server, change: a ? 'removed' : 'added' });
      continue;
    }
    if (surfaceDigest(a.surface) === surfaceDigest(b.surface)) continue;
    if (identityChanged(a.surface, b.surface)) changes.push({ server, kind: 'server', name: server, change: 'modified' });
    for (const kind of ITEM_KINDS) {
      const collection = ITEM_COLLECTION[kind];
      const oldItems = a.surface[collection];
      const newItems = b.surface[collection];
      const keys = [...new Set([...Object.keys(oldItems), ...Object.keys(newItems)])].sort();
      for (const key of keys) {
        const x = oldItems[key];
        const y = newItems[key];
        if (!x) changes.push({ server, kind, name: key, change: 'added' });
        else if (!y) changes.push({ server, kind, name: key, change: 'removed' });
        else if (digestOf(x) !== digestOf(y)) changes.push({ server, kind, name: key, change: 'modified' });
      }
    }
  }
  return changes;
}
