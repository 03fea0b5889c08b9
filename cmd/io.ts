/** Everything a command may touch of the process: tests pass their own. */
export interface OutputStream {
  write(text: string): void;
  isTTY: boolean;
}

export interface IO {
  stdout: OutputStream;
  stderr: OutputStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export function nodeIO(): IO {
  return {
    stdout: { write: (s) => void process.stdout.write(s), isTTY: process.stdout.isTTY === true },
    stderr: { write: (s) => void process.stderr.write(s), isTTY: process.stderr.isTTY === true },
    env: process.env,
    cwd: process.cwd(),
  };
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
