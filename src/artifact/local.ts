/**
 * Local resolver: the sha256 of a script an interpreter runs (`node ./server.js`), of a file run
 * directly (`./server`), or of the file a bare command is found as on PATH. Symlinks are
 * followed: the digest is of the file that runs. The interpreter itself (node, python, deno, bun,
 * uv) is not digested: it differs from machine to machine and is not the server's code.
 */
import { createHash } from 'node:crypto';
// node:fs's `promises`, read where used: node:fs/promises is loaded only by a command that pins a
// local artifact (policy and check load this module for their live path, and most runs never take it).
import { createReadStream, promises as fsp } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Launch, LocalLaunch, PathLaunch } from '../launch/types.js';
import { printable } from '../util/text.js';
import { ArtifactError } from './errors.js';
import { spawnedFile } from './local-run.js';
import type { ArtifactPin, FilePin } from './types.js';
import { MAX_ARTIFACT_STRING } from '../lockfile/artifact.js';

/** A file larger than this is not digested (a server binary is tens of MB; this bounds the read). */
export const MAX_LOCAL_FILE_BYTES = 1024 * 1024 * 1024;

export interface LocalPinOptions {
  cwd: string;
  lockDir: string;
  env: Record<string, string | undefined>;
  /** The file as the config wrote it (may hold `${VAR}`): recorded when it lies outside lockDir. */
  written?: string;
  /** The path-valued preloads as the config wrote them, in order (same rule as `written`). */
  writtenPreloads?: string[];
  /** The preloads named as modules (`-r dotenv/config`), as the config wrote them. */
  writtenModules?: string[];
  signal?: AbortSignal;
}

/** Pins a local script or binary, or a command found on PATH. */
export async function pinLocal(launch: LocalLaunch | PathLaunch, options: LocalPinOptions): Promise<ArtifactPin> {
  if (launch.kind === 'path') {
    const absolute = findOnPath(launch.command, options);
    // The command's name is what the config wrote; where PATH finds it differs between machines.
    const recorded = options.written ?? launch.command;
    const integrity = await digestFile(absolute, recorded, options.signal);
    return { type: 'local', spec: recorded, integrity, files: [{ path: recorded, integrity }] };
  }
  const files: FilePin[] = [];
  for (const f of localFiles(launch, options.cwd, options.lockDir, options.written, options.writtenPreloads)) files.push({ path: f.recorded, integrity: await digestFile(f.absolute, f.shown, options.signal) });
  const { path: spec, integrity } = files[0]!;
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const modules = options.writtenModules ?? launch.modulePreloads ?? [];
  for (const name of modules) {
    // What the lockfile's reader accepts (src/lockfile/artifact.ts): nothing else is written.
    // eslint-disable-next-line no-control-regex
    if (name.length === 0 || name.length > MAX_ARTIFACT_STRING || /[\u0000-\u001f\u007f]/.test(name)) {
      throw new ArtifactError('input', 'FILE_UNREADABLE', `the module preload ${printable(name, 80)} cannot be recorded (1 to ${MAX_ARTIFACT_STRING} characters, no control characters); not pinned`);
    }
  }
  return { type: 'local', spec, integrity, files, ...(modules.length > 0 ? { modules: moduleNames(modules) } : {}) };
}

/**
 * The files a local launch runs, the script first: where each is (relative paths from `cwd`) and
 * how a pin records it (relative to `lockDir` when inside it, else as written). Code loaded
 * before the script by path (`node -r ./pre.js`, `--import`, `bun --preload`) runs as much as the
 * script does: each is one. A preload named as a module (`-r dotenv/config`) resolves from
 * node_modules, which is not pinned (nor is anything the script or a preload imports).
 */
function localFiles(launch: LocalLaunch, cwd: string, lockDir: string, written?: string, writtenPreloads?: readonly string[]): { absolute: string; recorded: string; shown: string }[] {
  const shown = written ?? launch.file;
  const absolute = resolve(cwd, launch.file);
  const out = [{ absolute, recorded: recordedPath(absolute, lockDir, shown), shown }];
  for (const [i, preload] of (launch.preloads ?? []).entries()) {
    const shownPreload = writtenPreloads?.[i] ?? preload.file;
    const absolutePreload = resolve(cwd, /^file:/i.test(preload.file) ? fileUrlPath(preload.file, shownPreload) : preload.file);
    const recorded = recordedPath(absolutePreload, lockDir, shownPreload);
    if (!out.some((f) => f.recorded === recorded)) out.push({ absolute: absolutePreload, recorded, shown: shownPreload });
  }
  return out;
}

/**
 * The paths a local pin of `launch` records (localFiles, as pinLocal records them), without
 * reading a file: what `run` compares with the pinned files before it starts anything. `written`
 * is the same line before its `${VAR}` were expanded; undefined when it reads as another kind of
 * launch or with its preloads at other places (pinLaunch then pins nothing). Relative paths are
 * taken from `lockDir`, where run starts the server.
 */
export function launchedFiles(launch: LocalLaunch | PathLaunch, written: Launch, lockDir: string): string[] | undefined {
  if (written.kind !== launch.kind) return undefined;
  if (launch.kind === 'path') return [(written as PathLaunch).command];
  const writtenLocal = written as LocalLaunch;
  if (!sameShape(writtenLocal, launch)) return undefined;
  return localFiles(launch, lockDir, lockDir, writtenLocal.file, writtenLocal.preloads?.map((p) => p.file)).map((f) => f.recorded);
}

/** Module preload names as a local pin records them: sorted, each once (node loads a module once). */
export function moduleNames(names: readonly string[]): string[] {
  return [...new Set(names)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Whether a line and the same line with its `${VAR}` expanded name their script and path
 * preloads at the same places, and as many module preloads: otherwise a preload that is a path
 * only once expanded would be recorded under another preload's name. The caller pins nothing then.
 */
export function sameShape(written: LocalLaunch, started: LocalLaunch): boolean {
  const a = written.preloads ?? [];
  const b = started.preloads ?? [];
  return written.fileArgIndex === started.fileArgIndex && a.length === b.length && a.every((p, i) => p.argIndex === b[i]!.argIndex) && (written.modulePreloads?.length ?? 0) === (started.modulePreloads?.length ?? 0);
}

/** The path of a `file:` URL preload; a URL that is not a local file cannot be pinned (input error). */
function fileUrlPath(url: string, shown: string): string {
  try {
    return fileURLToPath(url);
  } catch {
    throw new ArtifactError('input', 'FILE_UNREADABLE', `${printable(shown, 160)} is not a local file URL; it cannot be pinned`);
  }
}

/** `./server.js` when the file is inside lockDir (a moved checkout is not drift), else as written. */
export function recordedPath(absolute: string, lockDir: string, written: string): string {
  const rel = relative(resolve(lockDir), absolute);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return written;
  return `./${rel.split(sep).join('/')}`;
}

/** `sha256-<base64>` of the file's bytes, streamed, bounded; the resolved file for a symlink. */
export async function digestFile(path: string, shown: string, signal?: AbortSignal): Promise<string> {
  const name = printable(shown, 160);
  let real: string;
  try {
    real = await fsp.realpath(path);
    const info = await fsp.stat(real);
    if (!info.isFile()) throw new ArtifactError('input', 'FILE_UNREADABLE', `${name} is not a file; it cannot be pinned`);
    if (info.size > MAX_LOCAL_FILE_BYTES) throw new ArtifactError('input', 'TOO_LARGE', `${name} is larger than ${MAX_LOCAL_FILE_BYTES / (1024 * 1024)} MiB; not digested`);
  } catch (error) {
    if (error instanceof ArtifactError) throw error;
    throw new ArtifactError('input', 'FILE_UNREADABLE', `${name} cannot be read (${(error as { code?: string }).code ?? 'error'})`, { cause: error });
  }
  const hash = createHash('sha256');
  let size = 0;
  try {
    for await (const chunk of createReadStream(real, { signal })) {
      size += (chunk as Buffer).length;
      // The file grew while being read: the bound holds for what is hashed, not only for stat.
      if (size > MAX_LOCAL_FILE_BYTES) throw new ArtifactError('input', 'TOO_LARGE', `${name} is larger than ${MAX_LOCAL_FILE_BYTES / (1024 * 1024)} MiB; not digested`);
      hash.update(chunk as Buffer);
    }
  } catch (error) {
    if (error instanceof ArtifactError) throw error;
    throw new ArtifactError('input', 'FILE_UNREADABLE', `${name} cannot be read (${(error as { code?: string }).code ?? 'error'})`, { cause: error });
  }
  return `sha256-${hash.digest('base64')}`;
}

/** The file a bare command name runs, found as the process spawner finds it (spawnedFile). */
function findOnPath(command: string, options: LocalPinOptions): string {
  const found = spawnedFile(command, options.env.PATH ?? options.env.Path, options.cwd, options.env.PATHEXT);
  if (found === undefined) throw new ArtifactError('input', 'FILE_UNREADABLE', `${printable(command, 120)} is not found on PATH; it cannot be pinned`);
  return found;
}
