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
