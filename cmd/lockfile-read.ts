import { closeSync, constants as fsConstants, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../src/errors.js';
import { DEFAULT_LOCKFILE } from '../src/lockfile/types.js';
import { readFileBounded } from '../src/util/fs.js';
import { printable } from '../src/util/text.js';

/**
 * Reads a lockfile's bytes (bounded) for any command that needs one. A lockfile that does not
 * exist is the usual first-run mistake: the error (exit 2) says how to make one.
 */
export function readLockfileBytes(cwd: string, file: string, maxBytes: number): Buffer {
  try {
    return readFileBounded(resolve(cwd, file), maxBytes, 'lockfile');
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

/**
 * readLockfileBytes, with `room` spare bytes in front of the lockfile in the same buffer (the
 * returned `bytes` is a view starting at `room`): verify writes each signature's PAE header there,
 * so the signed message is one buffer without copying the lockfile. One open, one fstat of that
 * descriptor, reads into the buffer sized from it; a file that is not a regular file, is over the
 * bound, or changed size while read is read again by readLockfileBytes, which gives its errors
 * (and then `room` is 0).
 */
export function readLockfileBytesWithRoom(cwd: string, file: string, maxBytes: number, room: number): { bytes: Buffer; room: number } {
  const path = resolve(cwd, file);
  let fd: number | undefined;
  try {
    // Non-blocking: open(2) of a FIFO for reading waits for a writer; this way it returns at
    // once and fstat says it is no regular file (no effect on a regular file's reads).
    fd = openSync(path, fsConstants.O_RDONLY | (fsConstants.O_NONBLOCK ?? 0));
    const st = fstatSync(fd);
    if (st.isFile() && st.size <= maxBytes) {
      const buffer = Buffer.allocUnsafe(room + st.size + 1);
      let end = room;
      for (;;) {
        const n = readSync(fd, buffer, end, buffer.length - end, null);
        if (n === 0) break;
        end += n;
        if (end === buffer.length) break;
      }
      // Exactly the size fstat gave, and at its end: otherwise the file changed while read.
      if (end === room + st.size) return { bytes: buffer.subarray(room, end), room };
    }
  } catch {
    // Every error is reported by readLockfileBytes below, with its messages.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  return { bytes: readLockfileBytes(cwd, file, maxBytes), room: 0 };
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
