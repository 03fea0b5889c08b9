import { readdirSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UsageError } from '../src/errors.js';
import { printable } from '../src/util/text.js';

/**
 * Which file a path names, for telling whether two paths are one file: an existing file by its
 * device and inode (a symlink or hard link to it is the same file), a path with nothing there yet
 * by its real folder and its name.
 */
function fileIdentity(cwd: string, file: string): string {
  const path = resolve(cwd, file);
  try {
    const st = statSync(path);
    return `inode:${st.dev}:${st.ino}`;
  } catch {
    try {
      return `path:${resolve(realpathSync(dirname(path)), basename(path))}`;
    } catch {
      return `path:${path}`;
    }
  }
}

/**
 * Refuses (exit 2, before anything runs or is written) an output file that is one of the
 * command's inputs — `check --json mcp-lock.json` or `diff -o mcp-lock.json` would replace the
 * lockfile with a report — or two report flags that name one file. `outputs` and `inputs` are
 * [flag or what, path] pairs; an absent path is skipped.
 */
export function refuseOutputOverInput(cwd: string, outputs: readonly (readonly [string, string | undefined])[], inputs: readonly (readonly [string, string | undefined])[]): void {
  const seen = new Map<string, string>();
  for (const [what, file] of inputs) if (file !== undefined) seen.set(fileIdentity(cwd, file), what);
  const written = new Map<string, string>();
  for (const [flag, file] of outputs) {
    if (file === undefined) continue;
    // A FIFO, a device or a socket would be replaced by a regular file (`--junit /dev/stdout` as
    // root replaces the link in /dev): refused, named. A folder fails at the write, as ever.
    const node = statSync(resolve(cwd, file), { throwIfNoEntry: false });
    if (node !== undefined && !node.isFile() && !node.isDirectory()) throw new UsageError('USAGE', `${flag} ${printable(file, 200)} is not a regular file (a FIFO, a device or a socket); write the report to a file (or use --format for standard output)`);
    const id = fileIdentity(cwd, file);
    const input = seen.get(id);
    if (input !== undefined) throw new UsageError('USAGE', `${flag} ${printable(file, 200)} is ${input}; mcptrust never writes over an input (write it to another file)`);
    const other = written.get(id);
    if (other !== undefined) throw new UsageError('USAGE', `${other} and ${flag} name the same file (${printable(file, 200)}); give each report its own file`);
    written.set(id, flag);
  }
}

/** The entries of a folder as paths under it (a --keyring: each may be a key); none when it cannot be listed (its reader says why). */
export function folderFiles(cwd: string, folder: string | undefined): string[] {
  if (folder === undefined) return [];
  try {
    return readdirSync(resolve(cwd, folder)).map((name) => join(folder, name));
  } catch {
    return [];
  }
}
