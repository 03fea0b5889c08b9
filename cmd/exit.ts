import { BaseError } from '../src/errors.js';
import type { IO } from './io.js';
import { colorEnabled, paint } from './io.js';

/** The one place where outcomes become exit codes (see README, "Exit codes"). */
export const EXIT = { OK: 0, CHECK_FAILED: 1, INPUT: 2, SERVER: 3 } as const;

export function exitCodeFor(error: unknown): number {
  if (error instanceof BaseError) {
    if (error.category === 'check') return EXIT.CHECK_FAILED;
    if (error.category === 'server') return EXIT.SERVER;
    return EXIT.INPUT;
  }
  return EXIT.INPUT;
}

/** One or two clear lines on stderr; the stack only with --debug. */
export function reportError(error: unknown, io: IO, debug: boolean): number {
  const p = paint(colorEnabled(io, io.stderr));
  if (error instanceof BaseError) {
    io.stderr.write(`${p.red('error:')} ${terminalSafe(error.message)}\n`);
    for (const line of error.details) io.stderr.write(`${terminalSafe(line)}\n`);
  } else {
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`${p.red('internal error:')} ${terminalSafe(message)}\n`);
    if (!debug) io.stderr.write('run again with --debug for details, and please report it\n');
  }
  if (debug && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
  return exitCodeFor(error);
}

/**
 * A last line of defence: messages are built with printable() where they quote a server or a
 * file, but one that slipped through must still not drive the terminal. Control characters
 * other than newline and tab become visible \u{…} escapes; printable text is unchanged.
 */
function terminalSafe(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`);
}
