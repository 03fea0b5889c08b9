import { randomBytes } from 'node:crypto';
import { closeSync, constants as fsConstants, fchmodSync, fstatSync, fsyncSync, linkSync, openSync, readFileSync, readSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
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

/** Bytes of text pieces gathered into one write (a streamed write). */
const WRITE_BATCH = 1 << 20;

/**
 * Writes a file so that readers see either the old content or the whole new content, never a
 * half-written file: a temporary file in the same folder, fsync, then rename over the target
 * (or, `exclusive`, a hard link that refuses an existing name). `data` may be text pieces (a
 * large lockfile, see lockfileChunks): they are written in batches as they come, never joined
 * into one string; if producing them throws, the temporary file is removed and the error is
 * rethrown as it was, and the target is untouched.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array | Iterable<string>, options: WriteOptions = {}): void {
  const mode = options.mode ?? 0o644;
  holdSignals();
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  let fd: number | undefined;
  let placed = false;
  try {
    fd = openSync(tmp, 'wx', mode);
    fchmodSync(fd, mode);
    const out = fd;
    const write = (bytes: Uint8Array) => {
      let offset = 0;
      while (offset < bytes.length) offset += writeSync(out, bytes, offset, bytes.length - offset);
    };
    if (typeof data === 'string') write(Buffer.from(data, 'utf8'));
    else if (data instanceof Uint8Array) write(data);
    else {
      // Each piece is encoded straight into one reused buffer (no joined string): a UTF-16 unit
      // takes at most 3 UTF-8 bytes, so a piece that may not fit flushes the buffer first.
      const batch = Buffer.allocUnsafe(WRITE_BATCH);
      let used = 0;
      const iterator = data[Symbol.iterator]();
      for (;;) {
        let next: IteratorResult<string>;
        try {
          next = iterator.next();
        } catch (error) {
          throw new ProducerError(error);
        }
        if (next.done) break;
        const piece = next.value;
        if (used + piece.length * 3 > WRITE_BATCH) {
          write(batch.subarray(0, used));
          used = 0;
        }
        if (piece.length * 3 > WRITE_BATCH) write(Buffer.from(piece, 'utf8'));
        else used += batch.write(piece, used, 'utf8');
      }
      if (used > 0) write(batch.subarray(0, used));
    }
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    if (options.exclusive) linkSync(tmp, path);
    else renameSync(tmp, path);
    placed = !options.exclusive;
  } catch (error) {
    if (fd !== undefined) closeSync(fd);
    // Not a file-system failure: what was to be written could not be produced.
    if (error instanceof ProducerError) throw error.cause;
    const code = (error as NodeJS.ErrnoException).code;
    if (options.exclusive && code === 'EEXIST') throw new UsageError('FILE_EXISTS', `${path} already exists`, { cause: error });
    throw new UsageError('FILE_WRITE', `cannot write ${path}: ${code ?? String(error)}`, { cause: error });
  } finally {
    if (!placed) rmSync(tmp, { force: true });
  }
}

/** Wraps an error thrown by the pieces of a streamed write, to tell it from a write failure. */
class ProducerError {
  constructor(readonly cause: unknown) {}
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

/**
 * Reads a whole file, bounded, as bytes; a missing, oversized or irregular file (a directory, a
 * FIFO, a device) is a usage error (exit 2). One open, non-blocking so that a FIFO does not wait
 * for a writer, one fstat of that descriptor, and reads into a buffer sized from it: the file is
 * never read past the bound, and one that changed size while read is refused. With `room`, the
 * buffer has that many spare bytes in front of the returned view (verify and sign write a PAE
 * header there, so the signed message is one buffer without a copy of the file).
 */
export function readFileBounded(path: string, maxBytes: number, what = 'file', room = 0, shown = path): Buffer {
  const fail = (why: string, cause?: unknown): never => {
    throw new UsageError('FILE_UNREADABLE', `cannot read ${what} ${shown}: ${why}`, { cause });
  };
  let fd: number | undefined;
  try {
    try {
      fd = openSync(path, fsConstants.O_RDONLY | (fsConstants.O_NONBLOCK ?? 0));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      return fail(code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'not a regular file' : (code ?? String(error)), error);
    }
    const st = fstatSync(fd);
    if (!st.isFile()) return fail('not a regular file', Object.assign(new Error('not a regular file'), { code: 'EISDIR' }));
    if (st.size > maxBytes) throw new UsageError('FILE_UNREADABLE', `${what} ${shown} is ${st.size} bytes, over the ${maxBytes}-byte limit`);
    // One byte more than fstat gave: a file that grew while read shows it.
    const buffer = Buffer.allocUnsafe(room + st.size + 1);
    let end = room;
    for (let n = -1; n !== 0 && end < buffer.length; end += n) n = readSync(fd, buffer, end, buffer.length - end, null);
    if (end !== room + st.size) return fail('it changed while it was read');
    return buffer.subarray(room, end);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    return fail((error as NodeJS.ErrnoException).code ?? String(error), error);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
