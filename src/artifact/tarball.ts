import { gunzipSync } from 'node:zlib';
import { printable } from '../util/text.js';

/**
 * A bounded reader of npm package tarballs (gzip'd ustar/pax, as `npm pack` writes them) for
 * `run`. The bytes it reads have already been checked against the lock's integrity, but the
 * tarball was still made by whoever published it: attacker-controlled; parse defensively.
 * Only regular files and folders are accepted. Symbolic links, hard links, device files, FIFOs
 * and unknown entry types are refused, as are absolute paths, `..` segments, backslashes and
 * control characters in names, and a path given twice; so extracting the result can only ever
 * create regular files below the package's own folder.
 */

/** Largest unpacked size of one package. */
export const MAX_UNPACKED_BYTES = 512 * 1024 * 1024;
/** Most entries in one package. */
export const MAX_TAR_ENTRIES = 100_000;
/** Longest path inside a package (bytes). */
const MAX_PATH_BYTES = 4096;

export interface TarFile {
  /** The path inside the package, the archive's first folder (`package/`) removed, `/`-separated. */
  path: string;
  /** Whether any execute bit is set. */
  executable: boolean;
  data: Buffer;
}

/** Why a tarball was refused, in words that name the entry (printable). */
export class TarballError extends Error {}

const BLOCK = 512;

function field(header: Buffer, start: number, length: number): string {
  const raw = header.subarray(start, start + length);
  const nul = raw.indexOf(0);
  return (nul === -1 ? raw : raw.subarray(0, nul)).toString('utf8');
}

function octal(header: Buffer, start: number, length: number, what: string): number {
  const raw = header.subarray(start, start + length);
  // GNU base-256 (first byte 0x80) only appears for sizes over 8 GiB: far beyond the bound.
  if ((raw[0]! & 0x80) !== 0) throw new TarballError(`the ${what} field uses base-256 (over the size limit)`);
  const text = field(header, start, length).trim();
  if (text === '') return 0;
  if (!/^[0-7]{1,12}$/.test(text)) throw new TarballError(`the ${what} field is not an octal number`);
  return Number.parseInt(text, 8);
}

function checksumOk(header: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i]!;
  return octal(header, 148, 8, 'checksum') === sum;
}

/** The records of a pax extended header (`"<len> key=value\n"`...). Only `path` and `size` matter. */
function paxRecords(data: Buffer): Map<string, string> {
  const records = new Map<string, string>();
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    if (space === -1 || space - at > 20) throw new TarballError('a pax header record has no length');
    const length = Number.parseInt(data.subarray(at, space).toString('ascii'), 10);
    if (!Number.isSafeInteger(length) || length <= space - at || at + length > data.length) throw new TarballError('a pax header record has a bad length');
    const record = data.subarray(space + 1, at + length - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq <= 0) throw new TarballError('a pax header record has no key');
    records.set(record.slice(0, eq), record.slice(eq + 1));
    at += length;
  }
  return records;
}

/**
 * The package-relative path of an archive entry: the first segment (`package/`) removed, as npm
 * does. Undefined for the top folder itself. Throws for any path that could leave the folder.
 */
function packagePath(name: string): string | undefined {
  const shown = printable(name, 200);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(name)) throw new TarballError(`entry "${shown}" has a control character or a backslash in its name`);
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) throw new TarballError(`entry "${shown}" has an absolute path`);
  if (Buffer.byteLength(name) > MAX_PATH_BYTES) throw new TarballError(`entry "${printable(name, 80)}…" has a path over ${MAX_PATH_BYTES} bytes`);
  const segments = name.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) throw new TarballError(`entry "${shown}" climbs out of the package (a ".." segment)`);
  if (segments.length <= 1) return undefined;
  return segments.slice(1).join('/');
}

/**
 * The regular files of a package tarball (gzip'd bytes), in archive order. Throws TarballError
 * naming the first entry that is not a plain file or folder, or that could escape the package.
 */
export function readPackageTarball(gzipped: Buffer): TarFile[] {
  let tar: Buffer;
  try {
    tar = gunzipSync(gzipped, { maxOutputLength: MAX_UNPACKED_BYTES + 64 * 1024 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') throw new TarballError(`it unpacks to more than ${MAX_UNPACKED_BYTES / 1024 / 1024} MiB`);
    throw new TarballError('it is not a gzip stream');
  }
  const files: TarFile[] = [];
  const seen = new Set<string>();
  let at = 0;
  let entries = 0;
  let pax: Map<string, string> | undefined;
  let longName: string | undefined;
  while (at + BLOCK <= tar.length) {
    const header = tar.subarray(at, at + BLOCK);
    if (header.every((b) => b === 0)) break; // end of archive
    if (!checksumOk(header)) throw new TarballError(`the header at byte ${at} has a bad checksum`);
    if (++entries > MAX_TAR_ENTRIES) throw new TarballError(`it has more than ${MAX_TAR_ENTRIES} entries`);
    const type = String.fromCharCode(header[156]!);
    let size = octal(header, 124, 12, 'size');
    if (pax?.has('size')) {
      size = Number(pax.get('size'));
      if (!Number.isSafeInteger(size) || size < 0) throw new TarballError('a pax header has a bad size');
    }
    const start = at + BLOCK;
    if (start + size > tar.length) throw new TarballError('it ends inside an entry (truncated)');
    const data = tar.subarray(start, start + size);
    at = start + Math.ceil(size / BLOCK) * BLOCK;

    if (type === 'x') {
      pax = paxRecords(data);
      continue;
    }
    if (type === 'g') continue; // global pax header: nothing in it changes where files go
    if (type === 'L') {
      longName = field(data, 0, data.length);
      continue;
    }
    const prefix = field(header, 345, 155);
    const plain = field(header, 0, 100);
    const name = pax?.get('path') ?? longName ?? (prefix !== '' && header.subarray(257, 262).toString('latin1') === 'ustar' ? `${prefix}/${plain}` : plain);
    pax = undefined;
    longName = undefined;
    const shown = printable(name, 200);
    if (type === '5') {
      packagePath(name);
      continue;
    }
    if (type !== '0' && type !== '\0' && type !== '7') {
      const what: Record<string, string> = { '1': 'a hard link', '2': 'a symbolic link', '3': 'a character device', '4': 'a block device', '6': 'a FIFO' };
      throw new TarballError(`entry "${shown}" is ${what[type] ?? `of unsupported type "${printable(type, 4)}"`}; only plain files and folders are installed`);
    }
    const path = packagePath(name);
    if (path === undefined) throw new TarballError(`entry "${shown}" is a file outside the package folder`);
    if (seen.has(path)) throw new TarballError(`entry "${shown}" appears twice`);
    seen.add(path);
    const mode = octal(header, 100, 8, 'mode');
    files.push({ path, executable: (mode & 0o111) !== 0, data: Buffer.from(data) });
  }
  // A file inside a path that is also a file (`a` and `a/b`) cannot be written: refused by name.
  for (const file of files) {
    const parts = file.path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      if (seen.has(parent)) throw new TarballError(`entry "${printable(file.path, 200)}" sits below the file "${printable(parent, 200)}"`);
    }
  }
  return files;
}
