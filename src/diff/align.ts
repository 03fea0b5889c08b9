import type { Lockfile } from '../lockfile/types.js';
import { createRecord } from '../util/record.js';
import { printable } from '../util/text.js';
import { DiffError } from './index.js';

export interface AlignOptions {
  /** The live side is one server reached with `-- CMD` or `--url`. */
  single: boolean;
  /** The user named that server (--name): no fallback to the lockfile's only server. */
  named: boolean;
  /** With --config --server: only these servers were read. */
  selected: string[];
  /** How the lockfile is called in messages. */
  lockName: string;
}

/**
 * Lines up a live read with the lockfile before diffing. One server read with `-- CMD` or
 * `--url` is compared with the lockfile entry of the same name, or, when the lockfile pins
 * exactly one server and no --name was given, with that one; the lockfile's other servers are
 * left out. With `--config --server`, only the selected servers are compared.
 */
export function alignLive(before: Lockfile, after: Lockfile, options: AlignOptions): { before: Lockfile; after: Lockfile; notes: string[] } {
  const notes: string[] = [];
  const pinned = Object.keys(before.servers);
  const only = (lock: Lockfile, names: string[]): Lockfile => {
    const servers = createRecord<Lockfile['servers'][string]>();
    for (const name of names) if (lock.servers[name]) servers[name] = lock.servers[name]!;
    return { lockfileVersion: lock.lockfileVersion, servers };
  };
  if (options.single) {
    const live = Object.keys(after.servers);
    if (live.length !== 1) return { before, after, notes };
    const name = live[0]!;
    if (before.servers[name]) return { before: only(before, [name]), after, notes };
    if (!options.named && pinned.length === 1) {
      const target = pinned[0]!;
      const servers = createRecord<Lockfile['servers'][string]>();
      servers[target] = { ...after.servers[name]!, name: target };
      notes.push(`the server calls itself "${printable(name, 60)}"; compared with "${printable(target, 60)}", the only server in ${options.lockName}`);
      return { before, after: { lockfileVersion: after.lockfileVersion, servers }, notes };
    }
    const list = pinned.map((n) => `"${printable(n, 60)}"`).join(', ') || 'none';
    throw new DiffError('SERVER_NOT_IN_LOCK', `${options.lockName} has no server "${printable(name, 60)}" (it pins ${list}); pass --name to say which one this is`);
  }
  if (options.selected.length > 0) {
    const names = Object.keys(after.servers);
    return { before: only(before, names), after, notes };
  }
  return { before, after, notes };
}
