/**
 * Safe reading of an MCP bundle. A `.mcpb` is a zip from a stranger (attacker-controlled; parse
 * defensively): every entry is checked BEFORE anything is written, and the archive is refused
 * (MtfError, exit 2) on
 *   - a path that leaves the bundle folder: `..` components, absolute paths, Windows drive
 *     letters, backslashes, NUL characters, empty or `.` components;
 *   - a symlink, a device, a FIFO or a socket entry (Unix mode in the external attributes);
 *   - two entries with the same path, or a file where another entry needs a folder;
 *   - an encrypted entry;
 *   - too many entries, too many bytes in one entry or in all of them, or a compression ratio
 *     only a zip bomb has (declared sizes are checked first; inflation is then capped at the
 *     declared size and must match it and the CRC-32 exactly, so a lying header fails too).
 * yauzl reads the central directory; entry data is inflated straight from the archive buffer.
 * Accepted bundles are read into memory (the controls work on BundleFile texts) and extracted
 * into a private folder (mkdtemp, mode 0700; files 0600, or 0700 with an exec bit) that the
 * caller removes with `cleanup()`. Writing the files is optional (`write`): a scan writes them
 * only when it runs the server (--run-server); writing thousands of files costs more than the
 * whole analysis and nothing else needs them on disk.
 */
import { closeSync, lstatSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import { crc32, inflateRawSync } from 'node:zlib';
import yauzl from 'yauzl';
import { capMarkRuns, printable } from '../util/text.js';
import { MtfError } from './errors.js';
import type { ArchiveEntry, BundleFile } from './types.js';

export interface ExtractLimits {
  /** Largest archive file accepted (it is read into memory to hash it). */
  maxArchiveBytes: number;
  maxEntries: number;
  maxEntryBytes: number;
  maxTotalBytes: number;
  /** Largest uncompressed/compressed ratio for an entry above `ratioMinBytes`. */
  maxRatio: number;
  ratioMinBytes: number;
  /** Files above this size are listed but not read as text. */
  maxTextBytes: number;
  /** Total text kept in memory for the controls. */
  maxTextTotal: number;
}

export const DEFAULT_EXTRACT_LIMITS: ExtractLimits = {
  maxArchiveBytes: 512 * 1024 * 1024,
  maxEntries: 50_000,
  maxEntryBytes: 256 * 1024 * 1024,
  maxTotalBytes: 1024 * 1024 * 1024,
  maxRatio: 100,
  ratioMinBytes: 1024 * 1024,
  maxTextBytes: 4 * 1024 * 1024,
  maxTextTotal: 512 * 1024 * 1024,
};

export interface ReadBundle {
  root: string;
  files: BundleFile[];
  entries?: ArchiveEntry[];
  skipped: { path: string; reason: string }[];
  /** Removes the private extraction folder (no-op for a folder input). */
  cleanup(): void;
}

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;

/** Why an entry name is unsafe, or undefined. Names use "/" as separator (zip APPNOTE 4.4.17). */
export function unsafeEntryName(name: string): string | undefined {
  if (name.length === 0) return 'empty name';
  if (name.length > 1024) return 'name longer than 1024 characters';
  if (name.includes('\u0000')) return 'NUL character in name';
  // Control characters (C0, DEL, C1) have no business in a file name and can hide in a terminal.
  if (/[\u0001-\u001f\u007f-\u009f]/.test(name)) return 'control character in name';
  if (name.includes('\\')) return 'backslash in name (Windows path separator)';
  if (name.startsWith('/')) return 'absolute path';
  if (/^[A-Za-z]:/.test(name)) return 'absolute path (drive letter)';
  const parts = name.replace(/\/$/, '').split('/');
  if (parts.length > 64) return 'path nested more than 64 folders deep';
  for (const part of parts) {
    if (part === '..') return 'path escapes the bundle folder ("..")';
    if (part === '' || part === '.') return 'empty or "." path component';
    // Most file systems cap a name at 255 bytes; a longer one cannot be written as given.
    if (Buffer.byteLength(part, 'utf8') > 255) return 'path component longer than 255 bytes';
  }
  return undefined;
}

/** Mode bits → a refusal reason for non-regular entries. */
function unsafeEntryType(unixMode: number): string | undefined {
  const type = unixMode & S_IFMT;
  if (type === 0 || type === S_IFREG || type === S_IFDIR) return undefined;
  if (type === S_IFLNK) return 'symbolic link';
  return 'device, FIFO or socket entry';
}

/** ELF, PE ("MZ"), Mach-O (32/64, both byte orders, fat) or a "#!" interpreter line. */
export function looksExecutable(head: Uint8Array): boolean {
  if (head.length >= 2 && head[0] === 0x23 && head[1] === 0x21) return true;
  if (head.length >= 2 && head[0] === 0x4d && head[1] === 0x5a) return true;
  if (head.length < 4) return false;
  const magic = ((head[0]! << 24) | (head[1]! << 16) | (head[2]! << 8) | head[3]!) >>> 0;
  return (
    magic === 0x7f454c46 ||
    magic === 0xfeedface || magic === 0xfeedfacf || magic === 0xcefaedfe || magic === 0xcffaedfe ||
    magic === 0xcafebabe
  );
}

/** An attacker-chosen entry name, quoted and safe for a terminal. */
const show = (name: string) => `"${printable(name, 200)}"`;

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

function isText(bytes: Uint8Array): boolean {
  const end = Math.min(bytes.length, 8000);
  for (let i = 0; i < end; i++) if (bytes[i] === 0) return false;
  return true;
}

class TextBudget {
  used = 0;
  constructor(private readonly limits: ExtractLimits, private readonly skipped: { path: string; reason: string }[]) {}
  /** The file's text when it is text and fits, else undefined (and the reason is recorded). */
  take(path: string, bytes: Uint8Array): string | undefined {
    if (bytes.length > this.limits.maxTextBytes) {
      this.skipped.push({ path, reason: `over ${this.limits.maxTextBytes} bytes, not read as text` });
      return undefined;
    }
    if (!isText(bytes)) return undefined;
    if (this.used + bytes.length > this.limits.maxTextTotal) {
      this.skipped.push({ path, reason: 'text budget of the scan exhausted' });
      return undefined;
    }
    this.used += bytes.length;
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  }
}

function dosTime(date: number, time: number): string {
  const y = 1980 + (date >> 9);
  const mo = (date >> 5) & 0xf;
  const d = date & 0x1f;
  const h = time >> 11;
  const mi = (time >> 5) & 0x3f;
  const s = (time & 0x1f) * 2;
  const two = (n: number) => String(n).padStart(2, '0');
  return `${y}-${two(mo)}-${two(d)}T${two(h)}:${two(mi)}:${two(s)}`;
}

function openZip(bytes: Buffer): Promise<yauzl.ZipFile> {
  return new Promise((resolvePromise, reject) => {
    yauzl.fromBuffer(
      bytes,
      { lazyEntries: true, autoClose: false, decodeStrings: true, strictFileNames: true, validateEntrySizes: true },
      (error, zip) => (error || !zip ? reject(error ?? new Error('no zip')) : resolvePromise(zip)),
    );
  });
}

/** Reads the central directory (no data yet), failing fast on the first unacceptable entry. */
function listEntries(zip: yauzl.ZipFile, limits: ExtractLimits, label: string): Promise<yauzl.Entry[]> {
  return new Promise((resolvePromise, reject) => {
    const entries: yauzl.Entry[] = [];
    let total = 0;
    const fail = (error: Error) => {
      zip.close();
      reject(error);
    };
    zip.on('error', (error: Error) => {
      // yauzl's own name validation (same rules as unsafeEntryName) reports through here.
      const m = error.message;
      if (/^(invalid relative path|absolute path|invalid characters in fileName)/.test(m)) {
        fail(new MtfError('BUNDLE_UNSAFE', `refused ${label}: unsafe entry: ${printable(m, 200)}`));
      } else fail(new MtfError('BUNDLE_UNREADABLE', `cannot read ${label} as a zip archive: ${printable(m, 200)}`, { cause: error }));
    });
    zip.on('entry', (entry: yauzl.Entry) => {
      if (entries.length >= limits.maxEntries) {
        return fail(new MtfError('BUNDLE_TOO_LARGE', `refused ${label}: more than ${limits.maxEntries} entries`));
      }
      const name = entry.fileName;
      const bad = unsafeEntryName(name);
      if (bad) return fail(new MtfError('BUNDLE_UNSAFE', `refused ${label}: entry ${show(name)}: ${bad}`));
      const madeOnUnix = entry.versionMadeBy >> 8 === 3 || entry.versionMadeBy >> 8 === 19;
      const unixMode = madeOnUnix ? entry.externalFileAttributes >>> 16 : 0;
      const badType = unsafeEntryType(unixMode);
      if (badType) return fail(new MtfError('BUNDLE_UNSAFE', `refused ${label}: entry ${show(name)} is a ${badType}`));
      if (entry.isEncrypted()) return fail(new MtfError('BUNDLE_UNREADABLE', `refused ${label}: entry ${show(name)} is encrypted`));
      const size = entry.uncompressedSize;
      if (size > limits.maxEntryBytes) {
        return fail(new MtfError('BUNDLE_TOO_LARGE', `refused ${label}: entry ${show(name)} inflates to ${size} bytes (limit ${limits.maxEntryBytes})`));
      }
      if (size > limits.ratioMinBytes && size / Math.max(entry.compressedSize, 1) > limits.maxRatio) {
        const ratio = Math.round(size / Math.max(entry.compressedSize, 1));
        return fail(new MtfError('BUNDLE_TOO_LARGE', `refused ${label}: entry ${show(name)} has a compression ratio of ${ratio}:1 (limit ${limits.maxRatio}:1), a zip bomb`));
      }
      total += size;
      if (total > limits.maxTotalBytes) {
        return fail(new MtfError('BUNDLE_TOO_LARGE', `refused ${label}: entries inflate to more than ${limits.maxTotalBytes} bytes`));
      }
      entries.push(entry);
      zip.readEntry();
    });
    zip.on('end', () => resolvePromise(entries));
    zip.readEntry();
  });
}

/**
 * The bytes of one entry, inflated straight from the archive buffer (much faster than one
 * stream per entry). The local header is located from the central directory; the inflated size
 * is capped at the declared size (zlib's maxOutputLength), must equal it exactly, and the CRC-32
 * must match — a lying header or a corrupt entry is refused.
 */
function entryData(bytes: Buffer, entry: yauzl.Entry, label: string): Buffer {
  const at = entry.relativeOffsetOfLocalHeader;
  const name = show(entry.fileName);
  if (at + 30 > bytes.length || bytes.readUInt32LE(at) !== 0x04034b50) {
    throw new MtfError('BUNDLE_UNREADABLE', `cannot read ${label}: entry ${name} has no valid local header`);
  }
  const start = at + 30 + bytes.readUInt16LE(at + 26) + bytes.readUInt16LE(at + 28);
  const end = start + entry.compressedSize;
  if (end > bytes.length) throw new MtfError('BUNDLE_UNREADABLE', `cannot read ${label}: entry ${name} runs past the end of the archive`);
  const raw = bytes.subarray(start, end);
  let data: Buffer;
  if (entry.compressionMethod === 0) data = raw;
  else if (entry.compressionMethod === 8) {
    try {
      data = inflateRawSync(raw, { maxOutputLength: Math.max(1, entry.uncompressedSize) });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError) {
        throw new MtfError('BUNDLE_TOO_LARGE', `refused ${label}: entry ${name} inflates past its declared ${entry.uncompressedSize} bytes, a zip bomb or a corrupt archive`);
      }
      throw new MtfError('BUNDLE_UNREADABLE', `cannot read ${label}: entry ${name} is not valid deflate data`);
    }
  } else {
    throw new MtfError('BUNDLE_UNREADABLE', `cannot read ${label}: entry ${name} uses unsupported compression method ${entry.compressionMethod}`);
  }
  if (data.length !== entry.uncompressedSize) {
    throw new MtfError('BUNDLE_TOO_LARGE', `refused ${label}: entry ${name} inflates to ${data.length} bytes, not its declared ${entry.uncompressedSize}, a zip bomb or a corrupt archive`);
  }
  if ((crc32(data) >>> 0) !== entry.crc32 >>> 0) {
    throw new MtfError('BUNDLE_UNREADABLE', `cannot read ${label}: entry ${name} fails its CRC-32 check (corrupt or altered)`);
  }
  return data;
}

/**
 * The key under which two names land on the same file on some file system: case-insensitive
 * ones (macOS, Windows) and Unicode-normalising ones (macOS NFD) merge "Manifest.json" with
 * "manifest.json" and a composed "é" with a decomposed one; Windows also drops trailing dots
 * and spaces. Two such entries would let the scanner read one file while an installer on
 * another system keeps the other, so they are refused as duplicates.
 */
/** `part` without trailing dots and spaces (a loop: `/[. ]+$/` rescans ". . . x" from every dot). */
function trimDotsAndSpaces(part: string): string {
  let end = part.length;
  while (end > 0 && (part[end - 1] === '.' || part[end - 1] === ' ')) end--;
  return part.slice(0, end);
}

export function collisionKey(path: string): string {
  // Runs of combining marks cut first: NFC is quadratic in a long one. Two paths alike up to
  // the cut collide, and a collision is refused: the cut can only refuse more.
  return capMarkRuns(path)
    .text.normalize('NFC')
    .toLowerCase()
    .split('/')
    .map(trimDotsAndSpaces)
    .join('/');
}

/** Checks that paths don't collide: two entries with one path, or a file used as a folder. */
function checkCollisions(entries: yauzl.Entry[], label: string): void {
  const files = new Set<string>();
  const dirs = new Set<string>();
  for (const e of entries) {
    const isDir = e.fileName.endsWith('/');
    const original = e.fileName.replace(/\/$/, '');
    const path = collisionKey(original);
    if (files.has(path) || (!isDir && dirs.has(path))) {
      throw new MtfError(
        'BUNDLE_UNSAFE',
        `refused ${label}: entry ${show(original)} appears twice (ignoring case, Unicode normalisation and trailing dots) or is both a file and a folder`,
      );
    }
    if (isDir) dirs.add(path);
    else files.add(path);
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  for (const f of files) {
    if (dirs.has(f)) throw new MtfError('BUNDLE_UNSAFE', `refused ${label}: ${show(f)} is both a file and a folder`);
  }
}

/**
 * Checks and extracts a `.mcpb` archive given as bytes into a fresh private folder. Throws
 * MtfError before writing anything when any entry is unacceptable; on any later failure the
 * folder is removed before the error propagates.
 */
export async function extractBundle(bytes: Buffer, label: string, limits: ExtractLimits = DEFAULT_EXTRACT_LIMITS, options: { write?: boolean } = {}): Promise<ReadBundle> {
  const write = options.write ?? true;
  let zip: yauzl.ZipFile;
  try {
    zip = await openZip(bytes);
  } catch (error) {
    throw new MtfError('BUNDLE_UNREADABLE', `cannot read ${label} as a zip archive: ${(error as Error).message.slice(0, 200)}`, { cause: error });
  }
  const list = await listEntries(zip, limits, label);
  zip.close();
  // The per-entry ratio only looks at entries above ratioMinBytes: many entries just under it
  // (each highly compressed) add up to a bomb, so the whole archive's ratio is checked too.
  const inflated = list.reduce((n, e) => n + e.uncompressedSize, 0);
  if (inflated > limits.ratioMinBytes && inflated / Math.max(bytes.length, 1) > limits.maxRatio) {
    throw new MtfError('BUNDLE_TOO_LARGE', `refused ${label}: its entries inflate to ${inflated} bytes from a ${bytes.length}-byte archive, a compression ratio of ${Math.round(inflated / Math.max(bytes.length, 1))}:1 (limit ${limits.maxRatio}:1), a zip bomb`);
  }
  checkCollisions(list, label);
  const root = mkdtempSync(join(tmpdir(), 'mcptrust-scan-'));
  const cleanup = () => rmSync(root, { recursive: true, force: true });
  const files: BundleFile[] = [];
  const entries: ArchiveEntry[] = [];
  const skipped: { path: string; reason: string }[] = [];
  const budget = new TextBudget(limits, skipped);
  const made = new Set<string>([root]);
  try {
    for (const entry of list) {
      const isDir = entry.fileName.endsWith('/');
      const path = entry.fileName.replace(/\/$/, '');
      const madeOnUnix = entry.versionMadeBy >> 8 === 3 || entry.versionMadeBy >> 8 === 19;
      const unixMode = madeOnUnix ? entry.externalFileAttributes >>> 16 : 0;
      entries.push({
        path,
        modified: dosTime(entry.lastModFileDate, entry.lastModFileTime),
        unixMode,
        compressedSize: entry.compressedSize,
        uncompressedSize: entry.uncompressedSize,
        directory: isDir || (unixMode & S_IFMT) === S_IFDIR,
      });
      const target = resolve(root, ...path.split('/'));
      // Belt and braces: the name checks above already rule this out.
      if (relative(root, target).startsWith('..') || !target.startsWith(root + sep)) {
        throw new MtfError('BUNDLE_UNSAFE', `refused ${label}: entry ${show(path)} escapes the bundle folder`);
      }
      if (isDir || (unixMode & S_IFMT) === S_IFDIR) {
        if (write) mkdirSync(target, { recursive: true, mode: 0o700 });
        continue;
      }
      const data = entryData(bytes, entry, label);
      const exec = (unixMode & 0o111) !== 0;
      if (write) {
        const parent = resolve(target, '..');
        if (!made.has(parent)) {
          mkdirSync(parent, { recursive: true, mode: 0o700 });
          made.add(parent);
        }
        // 'wx': never follow or overwrite anything already there.
        const fd = openSync(target, 'wx', exec ? 0o700 : 0o600);
        try {
          let off = 0;
          while (off < data.length) off += writeSync(fd, data, off, data.length - off);
        } finally {
          closeSync(fd);
        }
      }
      files.push({
        path,
        size: data.length,
        text: budget.take(path, data),
        ...(unixMode ? { mode: unixMode & 0o777 } : {}),
        executable: exec || looksExecutable(data.subarray(0, 4)),
        sha256: sha256(data),
      });
    }
  } catch (error) {
    cleanup();
    if (error instanceof MtfError) throw error;
    const message = (error as Error).message ?? '';
    if (/too many bytes|too few bytes|inflates past/.test(message)) {
      throw new MtfError('BUNDLE_TOO_LARGE', `refused ${label}: an entry's data does not match its declared size (${message.slice(0, 120)}), a zip bomb or a corrupt archive`, { cause: error });
    }
    throw new MtfError('BUNDLE_UNREADABLE', `cannot extract ${label}: ${(error as Error).message.slice(0, 200)}`, { cause: error });
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { root, files, entries, skipped, cleanup };
}

/**
 * Reads a bundle given as a folder (the author's own tree). Symlinks are listed as skipped and
 * never followed; `.git` is left out. The same entry and size limits apply.
 */
export function readBundleFolder(dir: string, limits: ExtractLimits = DEFAULT_EXTRACT_LIMITS, label = dir): ReadBundle {
  const root = resolve(dir);
  const files: BundleFile[] = [];
  const skipped: { path: string; reason: string }[] = [];
  const budget = new TextBudget(limits, skipped);
  let total = 0;
  let count = 0;
  const walk = (abs: string, rel: string) => {
    const names = readdirSync(abs).sort();
    for (const name of names) {
      const childAbs = join(abs, name);
      const childRel = rel ? `${rel}/${name}` : name;
      const st = lstatSync(childAbs);
      if (++count > limits.maxEntries) throw new MtfError('BUNDLE_TOO_LARGE', `refused ${label}: more than ${limits.maxEntries} entries`);
      if (st.isSymbolicLink()) {
        skipped.push({ path: childRel, reason: 'symbolic link, not followed' });
      } else if (st.isDirectory()) {
        if (name === '.git' && rel === '') continue;
        walk(childAbs, childRel);
      } else if (st.isFile()) {
        if (st.size > limits.maxEntryBytes) throw new MtfError('BUNDLE_TOO_LARGE', `refused ${label}: ${childRel} is ${st.size} bytes (limit ${limits.maxEntryBytes})`);
        total += st.size;
        if (total > limits.maxTotalBytes) throw new MtfError('BUNDLE_TOO_LARGE', `refused ${label}: more than ${limits.maxTotalBytes} bytes`);
        const data = readFileSync(childAbs);
        const mode = st.mode & 0o777;
        files.push({ path: childRel, size: data.length, text: budget.take(childRel, data), mode, executable: (mode & 0o111) !== 0 || looksExecutable(data.subarray(0, 4)), sha256: sha256(data) });
      } else {
        skipped.push({ path: childRel, reason: 'not a regular file' });
      }
    }
  };
  try {
    walk(root, '');
  } catch (error) {
    if (error instanceof MtfError) throw error;
    throw new MtfError('BUNDLE_UNREADABLE', `cannot read bundle folder ${label}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { cause: error });
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { root, files, skipped, cleanup: () => {} };
}
