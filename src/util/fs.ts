import { randomBytes } from 'node:crypto';
import { closeSync, fchmodSync, fsyncSync, linkSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UsageError } from '../errors.js';

export interface WriteOptions {
  /** File mode, applied exactly (the umask may remove bits at creation; fchmod puts them back). */
  mode?: number;
  /**
   * Never replace an existing file: the temporary file is hard-linked to its name, which fails
   * with FILE_EXISTS if the name exists, even when another process created it a moment ago.
   */
  exclusive?: boolean;
}

/**
 * Writes a file so that readers see either the old content or the whole new content, never a
 * half-written file: a temporary file in the same folder, fsync, then rename over the target
 * (or, `exclusive`, a hard link that refuses an existing name).
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, options: WriteOptions = {}): void {
  const mode = options.mode ?? 0o644;
  holdSignals();
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  let fd: number | undefined;
  let placed = false;
  try {
    fd = openSync(tmp, 'wx', mode);
    fchmodSync(fd, mode);
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let offset = 0;
    while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    if (options.exclusive) linkSync(tmp, path);
    else renameSync(tmp, path);
    placed = !options.exclusive;
  } catch (error) {
    if (fd !== undefined) closeSync(fd);
    const code = (error as NodeJS.ErrnoException).code;
    if (options.exclusive && code === 'EEXIST') throw new UsageError('FILE_EXISTS', `${path} already exists`, { cause: error });
    throw new UsageError('FILE_WRITE', `cannot write ${path}: ${code ?? String(error)}`, { cause: error });
  } finally {
    if (!placed) rmSync(tmp, { force: true });
  }
}

// A signal with no listener ends the process at once, even in the middle of the synchronous
// write below, leaving the temporary file behind. With a listener, Node runs it only once the
// write (and rename) is done; the listener then lets go and re-raises the signal, so the
// process still dies of it as it would have. Released shortly after the last write.
const HELD_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
let holdTimer: NodeJS.Timeout | undefined;

function holdSignals(): void {
  if (holdTimer === undefined) for (const s of HELD_SIGNALS) process.on(s, onHeldSignal);
  else clearTimeout(holdTimer);
  holdTimer = setTimeout(releaseSignals, 1_000).unref();
}

function releaseSignals(): void {
  if (holdTimer !== undefined) clearTimeout(holdTimer);
  holdTimer = undefined;
  for (const s of HELD_SIGNALS) process.removeListener(s, onHeldSignal);
}

function onHeldSignal(signal: NodeJS.Signals): void {
  releaseSignals();
  // Another listener (the server clean-up of src/mcp/stdio.ts) may be handling it already.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

/** Reads a whole file, bounded, as bytes; a missing or oversized file is a usage error (exit 2). */
export function readFileBounded(path: string, maxBytes: number, what = 'file'): Buffer {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'EISDIR' });
    size = st.size;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'not a regular file' : (code ?? String(error));
    throw new UsageError('FILE_UNREADABLE', `cannot read ${what} ${path}: ${why}`, { cause: error });
  }
  if (size > maxBytes) {
    throw new UsageError('FILE_UNREADABLE', `${what} ${path} is ${size} bytes, over the ${maxBytes}-byte limit`);
  }
  try {
    return readFileSync(path);
  } catch (error) {
    throw new UsageError('FILE_UNREADABLE', `cannot read ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {
      cause: error,
    });
  }
}
