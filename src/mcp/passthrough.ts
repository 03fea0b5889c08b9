/**
 * Starts a server for `mcptrust run` with its standard streams passed through: the agent that
 * started mcptrust speaks to the server directly over the same pipes; mcptrust reads and writes
 * nothing on them. Argv only, never a shell. Exit status and ending signals are forwarded, and
 * the server's whole process group ends with it.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { printable } from '../util/text.js';
import { ServerError } from './errors.js';

export interface PassthroughSpec {
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  /** Whether mcptrust's standard input is a terminal (then the server stays in its process group, to read it). */
  interactive: boolean;
}

/** How the server ended: its exit code, or 128 + the number of the signal that ended it (as a shell reports it). */
export interface PassthroughExit {
  code: number;
  signal?: NodeJS.Signals;
}

const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function signalGroup(pid: number, own: boolean, signal: NodeJS.Signals): void {
  try {
    // A negative pid reaches the whole group: the server and anything it spawned.
    process.kill(own && process.platform !== 'win32' ? -pid : pid, signal);
  } catch {
    // already gone
  }
}

/**
 * Runs the server to its end. Signals mcptrust receives (SIGINT, SIGTERM, SIGHUP) are passed to
 * the server's process group; when the server exits, what it left running in its group is ended;
 * if mcptrust exits first, the group is killed. Throws ServerError SPAWN_FAILED (exit 3) when the
 * program cannot be started.
 */
export function runPassthrough(spec: PassthroughSpec): Promise<PassthroughExit> {
  return new Promise((resolve, reject) => {
    // Its own group (unless a terminal is attached, where a background group could not read it),
    // so the tree can be ended as one.
    const own = !spec.interactive;
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(spec.command, spec.args, {
        cwd: spec.cwd,
        env: spec.env,
        stdio: 'inherit',
        shell: false,
        detached: own && process.platform !== 'win32',
        windowsHide: true,
      });
    } catch (error) {
      // Some failures are thrown at once rather than reported as 'error' (E2BIG: an environment
      // or a line too large for the system).
      reject(new ServerError('SPAWN_FAILED', `cannot start ${printable(spec.command, 200)}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { cause: error }));
      return;
    }
    const forward = (signal: NodeJS.Signals) => {
      if (child.pid !== undefined) signalGroup(child.pid, own, signal);
    };
    const onExit = () => {
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) signalGroup(child.pid, own, 'SIGKILL');
    };
    const release = () => {
      for (const s of FORWARDED) process.removeListener(s, forward);
      process.removeListener('exit', onExit);
    };
    for (const s of FORWARDED) process.on(s, forward);
    process.on('exit', onExit);
    child.once('error', (error: NodeJS.ErrnoException) => {
      release();
      reject(new ServerError('SPAWN_FAILED', `cannot start ${printable(spec.command, 200)}: ${error.code ?? error.message}`, { cause: error }));
    });
    child.once('exit', (code, signal) => {
      release();
      // Whatever the server left in its group (a helper, a grandchild) ends with it.
      if (own && child.pid !== undefined) signalGroup(child.pid, own, 'SIGTERM');
      if (signal) resolve({ code: 128 + (constants.signals[signal] ?? 0), signal });
      else resolve({ code: code ?? 1 });
    });
  });
}
