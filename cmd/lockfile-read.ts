import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../src/errors.js';
import { DEFAULT_LOCKFILE } from '../src/lockfile/types.js';
import { readFileBounded } from '../src/util/fs.js';
import { printable } from '../src/util/text.js';

/**
 * Reads a lockfile's bytes (bounded; with `room` spare bytes in front, see readFileBounded) for
 * any command that needs one. A lockfile that does not exist is the usual first-run mistake: the
 * error (exit 2) says how to make one.
 */
export function readLockfileBytes(cwd: string, file: string, maxBytes: number, room = 0): Buffer {
  try {
    return readFileBounded(resolve(cwd, file), maxBytes, 'lockfile', room);
  } catch (error) {
    const cause = error instanceof UsageError ? (error.cause as NodeJS.ErrnoException | undefined) : undefined;
    if (!(error instanceof UsageError) || cause?.code !== 'ENOENT') throw error;
    const out = file === DEFAULT_LOCKFILE ? '' : ` -o ${printable(file, 200)}`;
    throw new UsageError(error.code, error.message, {
      cause,
      details: [`  make one first: mcptrust lock${out} --config .mcp.json (or -- CMD ARGS..., or --url URL)`],
    });
  }
}

/** The piece a file is compared in: small enough to stay in cache, large enough for few reads. */
const COMPARE_CHUNK = 1 << 20;

/**
 * Reads a second lockfile unless it holds exactly `other`'s bytes (diff --against a pull request
 * that leaves the lockfile alone): then it returns undefined, having compared the file piece by
 * piece as it was read, so the copy is never held in memory. Any other file, and every error
 * (missing, not a file, over the bound), goes through readLockfileBytes, with its messages.
 */
export function readLockfileBytesUnlessSame(cwd: string, file: string, maxBytes: number, other: Uint8Array): Buffer | undefined {
  const path = resolve(cwd, file);
  let same = false;
  try {
    const st = statSync(path);
    if (st.isFile() && st.size === other.length && st.size <= maxBytes) same = sameFileBytes(path, other);
  } catch {
    same = false;
  }
  return same ? undefined : readLockfileBytes(cwd, file, maxBytes);
}

function sameFileBytes(path: string, other: Uint8Array): boolean {
  const fd = openSync(path, 'r');
  try {
    const chunk = Buffer.allocUnsafe(Math.min(COMPARE_CHUNK, Math.max(other.length, 1)));
    let offset = 0;
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) return offset === other.length;
      // A file that grew since its size was read is not the same file.
      if (offset + n > other.length || Buffer.compare(chunk.subarray(0, n), other.subarray(offset, offset + n)) !== 0) return false;
      offset += n;
    }
  } finally {
    closeSync(fd);
  }
}
