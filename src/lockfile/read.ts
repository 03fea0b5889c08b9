// A lockfile read from its bytes, for the commands that compute or check every digest (diff of
// two files, run, proxy, wrap). The strict reader (./parse.ts) makes three passes over a file and
// canonicalizes every definition to hash it; for a file in the form `lock` writes, the byte check
// (./fast-check.ts) proves the same in one pass that hashes each definition straight from the
// bytes, so the file is then only JSON.parsed and its written digests are taken as proven.
import { lockfileBytesAccepted, lockfileFromAcceptedBytes } from './fast-check.js';
import { lockfileText, parseLockfile, type ParseOptions } from './parse.js';
import type { Lockfile } from './types.js';

export interface ReadLockfile {
  lock: Lockfile;
  /** The file was checked on its bytes (lockfileBytesAccepted, every digest), not by the strict scans. */
  onBytes: boolean;
}

/**
 * parseLockfile(lockfileText(bytes, source), source, options), with the same result and the
 * same errors. When the options ask for digests (checked, the default, or computed), a file the
 * byte check accepts with every digest recomputed is parsed without the strict scans, its written
 * digests recorded as its definitions' and surfaces' own (src/canonical digestOf then returns
 * them): the check's `true` means the strict reader accepts the file and computes exactly those
 * digests (tests/lockfile/read.test.ts). Any other file goes through the strict reader, which
 * names its problem. Without digests the strict scans cost what the byte check costs, so they run.
 */
export function parseLockfileBytes(bytes: Uint8Array, source: string, options: ParseOptions = {}): ReadLockfile {
  const digests = (options.checkDigests ?? true) || options.computeDigests === true;
  if (digests && lockfileBytesAccepted(bytes, { checkDigests: true })) {
    return { lock: parseLockfile(lockfileText(bytes, source), source, { ...options, acceptedBytes: true }), onBytes: true };
  }
  return { lock: parseLockfile(lockfileText(bytes, source), source, options), onBytes: false };
}

/**
 * The lockfile of `bytes` for a reader that looks inside few of its items (`diff` of two files,
 * which compares items by digest first): a file in the form `lock` writes is checked on its
 * bytes with every digest recomputed and not parsed at all; each definition is parsed when first
 * read (lockfileFromAcceptedBytes). Any other file is parsed as parseLockfileBytes(bytes, source,
 * { checkDigests: false, computeDigests: true }) parses it: every digest computed, a mismatch
 * not refused (the comparison uses the computed ones).
 */
export function readLockfileForDiff(bytes: Uint8Array, source: string): ReadLockfile {
  const lock = lockfileFromAcceptedBytes(bytes);
  if (lock !== undefined) return { lock, onBytes: true };
  return { lock: parseLockfile(lockfileText(bytes, source), source, { checkDigests: false, computeDigests: true }), onBytes: false };
}
