import type { ChangeType, DiffChange } from '../diff/types.js';
import { approvalDigest } from '../lockfile/build.js';
import type { Lockfile } from '../lockfile/types.js';

/**
 * A changed server and the digests a reviewer approves it by (`lock --approve`): the approval
 * digest of its locked entry and of its new side (the live server, or the other lockfile of
 * `diff --against`). `null` where the server is absent on that side.
 */
export interface ServerDigest {
  server: string;
  change: ChangeType;
  lockedDigest: string | null;
  liveDigest: string | null;
}

/**
 * The approval digests of every server that has at least one change, in the order of the
 * changes (server name order). Unchanged servers are left out: their digests are equal, and
 * computing them would canonicalize every item of a large lockfile for nothing; so is a changed
 * server whose two digests are equal.
 */
export function changedServerDigests(before: Lockfile, after: Lockfile, changes: readonly DiffChange[]): ServerDigest[] {
  const names = [...new Set(changes.map((c) => c.server))];
  return names.flatMap((server) => {
    const a = before.servers[server];
    const b = after.servers[server];
    const lockedDigest = a === undefined ? null : approvalDigest(a);
    const liveDigest = b === undefined ? null : approvalDigest(b);
    // A finding no lockfile field holds (the proxy in front of a config entry, a provenance
    // source) leaves both digests equal: there is nothing an approval could take.
    if (lockedDigest === liveDigest) return [];
    return [{ server, change: a === undefined ? 'added' : b === undefined ? 'removed' : 'modified', lockedDigest, liveDigest }];
  });
}
