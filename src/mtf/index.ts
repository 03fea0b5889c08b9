/**
 * `runScan`: the scanner's facade. It does the I/O first — reads the bundle (safe extraction of
 * a .mcpb, in memory and, with --run-server, into a private temporary folder; or a folder), the --key files and the files next to
 * the bundle (signature, provenance) — then runs every control in the specification's order on
 * one BundleContext, scores the results and builds the MTF report. The temporary folder is
 * removed before runScan returns or throws.
 */
import { existsSync, statSync } from 'node:fs';
import { parsePublicKeyPem, parsePrivateKeyPem, MAX_KEY_FILE_BYTES } from '../crypto/keys.js';
import { readFileBounded } from '../util/fs.js';
import { buildContext } from './context.js';
import { CONTROLS } from './controls/index.js';
import { MtfError } from './errors.js';
import { DEFAULT_EXTRACT_LIMITS, extractBundle, readBundleFolder, type ExtractLimits, type ReadBundle } from './extract.js';
import { buildReport, type MtfReport } from './report.js';
import { reportValidator, describeSchemaErrors } from './schemas.js';
import { blockersOf, scoreResults, type Score } from './score.js';
import { createBundleSignature } from './signature.js';
import { declaredLevel } from './source.js';
import type { BundleContext, ControlId, ControlResult, ScanOptions, SidecarFile, TrustedKey } from './types.js';
import { nowMs } from '../util/clock.js';

export { scanLockfile, type LiveScan, type LiveServerScan } from './live.js';
export type { MtfReport } from './report.js';
export type { Score } from './score.js';

export interface ScanResult {
  report: MtfReport;
  score: Score;
  results: ReadonlyMap<ControlId, ControlResult>;
  /** Controls that keep the bundle from the next level. */
  blockers: { id: ControlId; status: string }[];
  /** Files listed but not read as text, and why. */
  skipped: { path: string; reason: string }[];
  /** Total bytes of the bundle's files. */
  bytes: number;
}

const MAX_SIDECAR_BYTES = 4 * 1024 * 1024;

/** Reads the bundle at `path` (a .mcpb file or a folder) safely. */
export async function openBundle(path: string, limits: ExtractLimits = DEFAULT_EXTRACT_LIMITS, label = path, write = true): Promise<{ read: ReadBundle; archiveBytes?: Buffer }> {
  let isDir = false;
  try {
    isDir = statSync(path).isDirectory();
  } catch (error) {
    throw new MtfError('BUNDLE_UNREADABLE', `cannot read bundle ${label}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or folder' : ((error as NodeJS.ErrnoException).code ?? String(error))}`);
  }
  if (isDir) return { read: readBundleFolder(path, limits, label) };
  let bytes: Buffer;
  try {
    bytes = readFileBounded(path, limits.maxArchiveBytes, 'bundle');
  } catch (error) {
    throw new MtfError('BUNDLE_UNREADABLE', (error as Error).message, { cause: error });
  }
  return { read: await extractBundle(bytes, label, limits, { write }), archiveBytes: bytes };
}

/** A file beside the bundle, when present; `shown` is its name as the user would write it. */
function readSidecar(path: string, shown: string): SidecarFile | undefined {
  if (!existsSync(path)) return undefined;
  return { path: shown, text: readFileBounded(path, MAX_SIDECAR_BYTES, 'file').toString('utf8') };
}

/** Reads and checks the --key files (a malformed or non-Ed25519 key is an input error, exit 2). */
export function readTrustedKeys(paths: readonly string[]): TrustedKey[] {
  return paths.map((path) => {
    const bytes = readFileBounded(path, MAX_KEY_FILE_BYTES, 'public key');
    parsePublicKeyPem(bytes, path);
    return { source: path, pem: bytes.toString('utf8') };
  });
}

export interface RunScanOptions extends ScanOptions {
  limits?: ExtractLimits;
  /** The bundle as the user named it, for messages (default: `path`). */
  label?: string;
  /** Called before each control runs (progress display). */
  onControl?: (id: ControlId, name: string) => void;
}

/** Scans the bundle at `path` (absolute, or relative to the process) with every control. */
export async function runScan(path: string, options: RunScanOptions = {}): Promise<ScanResult> {
  const started = nowMs();
  const trustedKeys = readTrustedKeys(options.keys ?? []);
  const base = path.replace(/[\\/]+$/, '');
  const shown = (options.label ?? path).replace(/[\\/]+$/, '');
  const detachedSignature = readSidecar(`${base}.sig`, `${shown}.sig`);
  const sidecarAttestations = [readSidecar(`${base}.intoto.jsonl`, `${shown}.intoto.jsonl`), readSidecar(`${base}.provenance.json`, `${shown}.provenance.json`)].filter(
    (x): x is SidecarFile => x !== undefined,
  );
  // The files go to disk only when the scan will run the server (CQ-06); see extract.ts.
  const { read, archiveBytes } = await openBundle(path, options.limits, options.label, options.runServer === true);
  try {
    const { limits: _l, onControl: _o, label: _label, ...scanOptions } = options;
    const ctx: BundleContext = buildContext({
      source: options.label ?? path,
      ...(archiveBytes ? { archiveBytes } : {}),
      read,
      options: scanOptions,
      trustedKeys,
      ...(detachedSignature ? { detachedSignature } : {}),
      sidecarAttestations,
    });
    const results = new Map<ControlId, ControlResult>();
    for (const control of CONTROLS) {
      options.onControl?.(control.id, control.name);
      const t0 = nowMs();
      let result: ControlResult;
      try {
        result = await control.run(ctx);
      } catch (error) {
        // A control that crashes is an `error` (MTF-0.1 §6.6 failure modes), never a pass.
        result = { status: 'error', findings: [], error: `internal error: ${(error as Error).message ?? String(error)}`.slice(0, 300) };
      }
      results.set(control.id, { ...result, duration_ms: result.duration_ms ?? nowMs() - t0 });
    }
    const score = scoreResults(results);
    const report = buildReport({
      ctx,
      controls: CONTROLS,
      results,
      score,
      finishedAt: new Date(),
      durationMs: nowMs() - started,
      declaredLevel: declaredLevel(ctx.manifest),
    });
    const validate = reportValidator();
    if (!validate(report)) throw new Error(`the MTF report does not match its schema: ${describeSchemaErrors(validate.errors).join('; ')}`);
    return {
      report,
      score,
      results,
      blockers: blockersOf(results, score.level),
      skipped: ctx.skipped ?? [],
      bytes: ctx.files.reduce((n, f) => n + f.size, 0),
    };
  } finally {
    read.cleanup();
  }
}

/**
 * The text of an mcptrust bundle signature (`<bundle>.sig`, format in signature.ts) for the
 * bundle at `path`, signed with the PEM PKCS#8 Ed25519 private key `privateKeyPem`.
 */
export async function signBundle(path: string, privateKeyPem: Uint8Array, keySource = 'private key', now = new Date()): Promise<string> {
  const key = parsePrivateKeyPem(privateKeyPem, keySource);
  const { read, archiveBytes } = await openBundle(path, DEFAULT_EXTRACT_LIMITS, path, false);
  try {
    const ctx = buildContext({ source: path, ...(archiveBytes ? { archiveBytes } : {}), read, options: {} });
    return createBundleSignature(ctx, key, now);
  } finally {
    read.cleanup();
  }
}
