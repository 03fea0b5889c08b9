import { fstatSync, writeSync } from 'node:fs';

/** Everything a command may touch of the process: tests pass their own. */
export interface OutputStream {
  write(text: string): void;
  isTTY: boolean;
}

/** Standard input, read whole and bounded (`sign --key -`). */
export interface InputStream {
  /** Resolves with all of the input, or with its first `maxBytes + 1` bytes when it holds more. */
  read(maxBytes: number): Promise<Uint8Array>;
  isTTY: boolean;
}

export interface IO {
  stdout: OutputStream;
  stderr: OutputStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Absent where there is no input to read (a command that needs it says so, exit 2). */
  stdin?: InputStream;
}

/**
 * A reader that goes away (`mcptrust diff | head`) is not an error worth a stack trace; the
 * rest of the output is dropped and the command still ends with its own exit code, so that
 * drift piped into `head` under `set -o pipefail` still fails the step.
 */
function onStreamError(fd: 1 | 2, error: NodeJS.ErrnoException): void {
  if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') return;
  lost(fd, error);
}

let stdoutLost = false;

/**
 * Any other write error (a full disk, a descriptor not open for writing) loses what was asked
 * for, but is no crash either: on stdout, one line on stderr says so and a run that would have
 * exited 0 exits 2 (main.ts keeps a command's own non-zero code); on stderr the diagnostics are
 * dropped and the exit code is the command's. Never a stack trace.
 */
function lost(fd: 1 | 2, error: NodeJS.ErrnoException): void {
  if (fd === 2 || stdoutLost) return;
  stdoutLost = true;
  try {
    writeSync(2, `mcptrust: could not write to standard output (${error.code ?? 'write error'})\n`);
  } catch {
    // stderr cannot be written either: the exit code says it.
  }
  if (!process.exitCode) process.exitCode = 2;
}

const guarded = new Set<NodeJS.WriteStream>();

/**
 * process.stdout (fd 1) or process.stderr (fd 2), with the EPIPE guard. Node creates them on
 * first use, and for a pipe (CI logs, `| head`, a parent process) that loads its socket and
 * stream modules: a few milliseconds a short command need not pay, so what writes plain text
 * writes through nodeIO (fdWriter) and only a spinner, the proxy's channel or a full pipe asks
 * for the stream.
 */
export function processStream(fd: 1 | 2): NodeJS.WriteStream {
  const stream = fd === 1 ? process.stdout : process.stderr;
  if (!guarded.has(stream)) {
    guarded.add(stream);
    stream.on('error', (error: NodeJS.ErrnoException) => onStreamError(fd, error));
  }
  return stream;
}

/**
 * Writes text to fd 1 or 2 synchronously, as Node's own stdout does for files, pipes and
 * terminals on POSIX, without creating the stream. A pipe left non-blocking by the parent that
 * is full (EAGAIN) hands the rest and every later write to the stream, which waits; after EPIPE
 * the rest is dropped (onStreamError), and after any other error too (lost()).
 */
function fdWriter(fd: 1 | 2): (text: string) => void {
  let stream: NodeJS.WriteStream | undefined;
  let gone = false;
  return (text) => {
    if (gone) return;
    if (stream) {
      stream.write(text);
      return;
    }
    const bytes = Buffer.from(text, 'utf8');
    let at = 0;
    try {
      while (at < bytes.length) at += writeSync(fd, bytes, at);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN' || code === 'EWOULDBLOCK' || code === 'EINTR') {
        stream = processStream(fd);
        stream.write(bytes.subarray(at));
        return;
      }
      gone = true;
      if (code !== 'EPIPE') lost(fd, error as NodeJS.ErrnoException);
    }
  };
}

/** Whether fd is a terminal: only a character device can be, and only then is the stream asked. */
function isTerminal(fd: 0 | 1 | 2): boolean {
  try {
    if (!fstatSync(fd).isCharacterDevice()) return false;
  } catch {
    return false;
  }
  return (fd === 0 ? process.stdin : processStream(fd)).isTTY === true;
}

/** An output stream of the process: written through fdWriter, its isTTY asked once, when read. */
function processOutput(fd: 1 | 2): OutputStream {
  let tty: boolean | undefined;
  return {
    write: fdWriter(fd),
    get isTTY() {
      tty ??= isTerminal(fd);
      return tty;
    },
  };
}

export function nodeIO(): IO {
  return {
    stdout: processOutput(1),
    stderr: processOutput(2),
    env: process.env,
    cwd: process.cwd(),
    // Asked for only when a command reads it: creating process.stdin (a pipe in CI) costs
    // start-up time that the commands that never read it should not pay.
    stdin: {
      read: readProcessStdin,
      get isTTY() {
        return isTerminal(0);
      },
    },
  };
}

/** Reads process.stdin to its end, but stops (and lets go of it) one byte past `maxBytes`. */
function readProcessStdin(maxBytes: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stdin = process.stdin;
    const done = (error?: Error) => {
      stdin.off('data', onData).off('end', onEnd).off('error', done);
      stdin.pause();
      if (error) reject(error);
      else resolve(Buffer.concat(chunks).subarray(0, maxBytes + 1));
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size > maxBytes) {
        done();
        stdin.destroy();
      }
    };
    const onEnd = () => done();
    stdin.on('data', onData).on('end', onEnd).on('error', done);
  });
}

/** Colors only on a terminal, and never under NO_COLOR (https://no-color.org) or TERM=dumb. */
export function colorEnabled(io: IO, stream: OutputStream): boolean {
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '') return false;
  // As Node and supports-color read it: set (even empty) forces colours, except "0" and "false".
  if (io.env.FORCE_COLOR !== undefined && io.env.FORCE_COLOR !== '0' && io.env.FORCE_COLOR !== 'false') return true;
  return stream.isTTY && io.env.TERM !== 'dumb';
}

export interface Paint {
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

const wrap = (open: number, close: number) => (s: string) => `\u001b[${open}m${s}\u001b[${close}m`;
const identity = (s: string) => s;

export function paint(enabled: boolean): Paint {
  if (!enabled) return { red: identity, green: identity, yellow: identity, dim: identity, bold: identity };
  return { red: wrap(31, 39), green: wrap(32, 39), yellow: wrap(33, 39), dim: wrap(2, 22), bold: wrap(1, 22) };
}
