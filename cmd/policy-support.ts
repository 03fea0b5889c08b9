// Edge helpers shared by `policy check` and `check`: reading the policy (file or preset), the
// lockfile, and the live side of a drift comparison. Everything here does I/O and hands plain
// data to src/.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DiffReport } from '../src/diff/types.js';
import { UsageError } from '../src/errors.js';
import type { Lockfile } from '../src/lockfile/types.js';
import type { CompiledPolicy } from '../src/policy/compile.js';
import { MAX_POLICY_BYTES } from '../src/policy/limits.js';
import type { PresetName } from '../src/policy/presets.js';
import { readFileBounded } from '../src/util/fs.js';
import { printable } from '../src/util/text.js';
import type { IO } from './io.js';
import type { ServerOptions } from './servers.js';

/** The largest lockfile read by policy and check (a 10,000-tool lock is about 8 MiB). */
export { MAX_LOCKFILE_BYTES } from '../src/lockfile/types.js';
import { MAX_LOCKFILE_BYTES } from '../src/lockfile/types.js';

/** Where the preset YAML files live: `policies/` at the package root (from cmd/ or dist/cmd/). */
export function presetsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    const candidate = join(dir, 'policies');
    if (existsSync(join(candidate, 'baseline.yaml'))) return candidate;
    dir = dirname(dir);
  }
  throw new UsageError('FILE_UNREADABLE', 'cannot find the policies/ folder of this mcptrust installation');
}

export interface PolicyChoice {
  /** Policy files (`--policy`, repeatable). */
  policy: string[];
  /** Presets (`--preset`, repeatable). */
  preset: string[];
}

/**
 * Reads, validates and compiles every chosen policy — the presets, then the files, in the order
 * given; all their rules apply (layered), each result labelled with its file. Every rule of
 * every file compiles before anything runs; the problems of all files are reported together.
 */
export async function loadCompiledPolicies(choice: PolicyChoice, io: IO): Promise<CompiledPolicy[]> {
  const [{ compilePolicy }, { PRESETS, isPreset, parsedPreset }, { PolicyError }] = await Promise.all([
    import('../src/policy/compile.js'),
    import('../src/policy/presets.js'),
    import('../src/policy/errors.js'),
  ]);
  if (choice.policy.length === 0 && choice.preset.length === 0) {
    throw new UsageError('USAGE', 'say which policy to apply: --policy FILE or --preset NAME (baseline, strict); both repeatable');
  }
  const chosen: { path: string; shown: string; preset?: PresetName }[] = [];
  for (const preset of choice.preset) {
    if (!isPreset(preset)) {
      throw new PolicyError('UNKNOWN_PRESET', `unknown preset "${printable(preset, 40)}"; the presets are: ${PRESETS.join(', ')}`);
    }
    chosen.push({ path: join(presetsDir(), `${preset}.yaml`), shown: `preset:${preset}`, preset });
  }
  for (const file of choice.policy) chosen.push({ path: resolve(io.cwd, file), shown: file });
  const seen = new Set<string>();
  for (const { path, shown } of chosen) {
    if (seen.has(path)) throw new UsageError('USAGE', `${printable(shown, 200)} is given twice`);
    seen.add(path);
  }
  const compiled: CompiledPolicy[] = [];
  const failures: InstanceType<typeof PolicyError>[] = [];
  for (const { path, shown, preset } of chosen) {
    const bytes = readFileBounded(path, MAX_POLICY_BYTES, 'policy');
    try {
      // A shipped preset, unchanged since the build, comes parsed: the YAML parser is loaded only
      // for a policy file (or an edited preset).
      const parsed = (preset && parsedPreset(preset, bytes)) || (await import('../src/policy/load.js')).parsePolicy(bytes.toString('utf8'), shown);
      compiled.push(compilePolicy(parsed));
    } catch (error) {
      if (!(error instanceof PolicyError)) throw error;
      failures.push(error);
    }
  }
  if (failures.length > 0) {
    const [first, ...rest] = failures;
    if (rest.length === 0) throw first!;
    throw new PolicyError(first!.code, first!.message, { details: [...first!.details, ...rest.flatMap((e) => [e.message, ...e.details])] });
  }
  return compiled;
}

/**
 * Reads and parses a lockfile (bounded, strictly validated). As in `mcptrust diff`, the rules
 * judge the definitions as written, so the digests stored next to them are not recomputed:
 * they are unkeyed, anyone who edits a definition can rewrite them, and the file's integrity is
 * what the signature (`verify`, `check --key`) proves.
 */
export async function readLockfile(file: string, io: IO): Promise<{ lock: Lockfile; bytes: Buffer }> {
  const { parseLockfile, lockfileText } = await import('../src/lockfile/parse.js');
  const bytes = (await import('./lockfile-read.js')).readLockfileBytes(io.cwd, file, MAX_LOCKFILE_BYTES);
  return { lock: parseLockfile(lockfileText(bytes, file), file, { checkDigests: false }), bytes };
}

export interface LiveOptions extends ServerOptions {
  /** The lockfile (from the current folder) a wrapped config entry's proxy must enforce. */
  lock?: string;
  timeout: number;
  maxItems: number;
}

/** True when the options name a live server (a command after --, --url or --config). */
export function hasLiveSource(command: string[], options: ServerOptions): boolean {
  return command.length > 0 || options.url !== undefined || options.config !== undefined;
}

/**
 * Reads the live servers alone, with no lockfile to line them up with (`policy check
 * --no-lockfile`): the surface a pre-deploy hook judges before the server is ever locked.
 */
export async function readLiveUnlocked(command: string[], options: LiveOptions, io: IO): Promise<Lockfile> {
  const { readLive, resolveTargets } = await import('./servers.js');
  const targets = await resolveTargets(command, options, io);
  const read = await readLive(targets, options, io);
  for (const { server, note } of read.notes) io.stderr.write(`note: ${server}: ${note}\n`);
  return read.lock;
}

/**
 * Reads the live servers and lines them up with the lock exactly as `mcptrust diff` does
 * (src/diff/align.ts): one live server is compared with the locked server of the same name, or
 * with the lock's only server; `--config --server` compares the selected servers; a whole
 * `--config` is compared with the whole lock, so added or removed servers are drift too.
 */
export async function readLiveAndDiff(
  command: string[],
  options: LiveOptions,
  lock: Lockfile,
  io: IO,
): Promise<{ live: Lockfile; before: Lockfile; report: DiffReport }> {
  const [{ diffLockfiles, REVIEW_DIFF }, { readLiveAligned }] = await Promise.all([import('../src/diff/index.js'), import('./servers.js')]);
  const aligned = await readLiveAligned(command, options, lock, 'the lockfile', io, options.lock);
  for (const note of aligned.notes) io.stderr.write(`note: ${note}\n`);
  // Surface and transport, as `mcptrust diff` and `lock` compare: one change, one grade, one
  // count; and what a wrapped entry's proxy enforces.
  const report = diffLockfiles(aligned.before, aligned.after, REVIEW_DIFF);
  if (aligned.findings.length === 0) return { live: aligned.after, before: aligned.before, report };
  const { withServerFindings } = await import('../src/diff/artifact.js');
  return { live: aligned.after, before: aligned.before, report: withServerFindings(report, aligned.findings) };
}
