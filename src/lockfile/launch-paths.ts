import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { TransportRecord } from './types.js';

/**
 * A stdio launch as the lockfile records it, portable between checkouts: a command or argument
 * that is an absolute path inside the lockfile's folder is recorded relative to it (`./server.js`,
 * `.` for the folder itself), so the same checkout moved elsewhere (another machine, another CI
 * workspace) launches "the same" server. Paths outside the folder, relative paths (already
 * portable, as written) and options carrying a path (`--root=/x`) are kept as written. The file a
 * path names is identified by its content digest in the artifact pin (`artifact.files`), so a
 * changed script is drift whatever its path looks like.
 */
export function portableTransport(transport: TransportRecord, lockDir: string): TransportRecord {
  if (transport.type !== 'stdio') return transport;
  const root = resolve(lockDir);
  const portable = (part: string): string => {
    if (!isAbsolute(part)) return part;
    const rel = relative(root, resolve(part));
    if (rel === '') return '.';
    if (rel.startsWith('..') || isAbsolute(rel)) return part;
    return `./${rel.split(sep).join('/')}`;
  };
  return { ...transport, command: portable(transport.command), args: transport.args.map(portable) };
}
