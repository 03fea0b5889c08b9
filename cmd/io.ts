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

export function nodeIO(): IO {
  return {
    stdout: { write: (s) => void process.stdout.write(s), isTTY: process.stdout.isTTY === true },
    stderr: { write: (s) => void process.stderr.write(s), isTTY: process.stderr.isTTY === true },
    env: process.env,
    cwd: process.cwd(),
    // Asked for only when a command reads it: creating process.stdin (a pipe in CI) costs
    // start-up time that the commands that never read it should not pay.
    stdin: {
      read: readProcessStdin,
      get isTTY() {
        return process.stdin.isTTY === true;
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
