/**
 * Builds the BundleContext that every control reads: the file list, the parsed manifest and
 * the digests. Pure given its inputs (the file reading happened in extract.ts / index.ts).
 * Every file is listed, bundled dependencies (node_modules, site-packages) included: the spec's
 * SBOM, completeness and malware controls are about exactly that code, and malicious code hides
 * there. Text is read within the bounds of extract.ts (per file and in total); each control
 * decides what it scans (src/mtf/source.ts classifies paths by component).
 */
import { createHash } from 'node:crypto';
import { parseJsonStrict } from '../util/json.js';
import type { ReadBundle } from './extract.js';
import type { BundleContext, BundleFile, ScanOptions, SidecarFile, TrustedKey } from './types.js';

/**
 * Signature and attestation files: left out of the content digest, since a signature or an
 * attestation inside the bundle cannot cover its own bytes.
 */
export function isSignatureOrAttestationPath(path: string): boolean {
  const parts = path.split('/');
  const base = parts[parts.length - 1]!;
  if (parts[0] === '.sigstore' || parts[0] === '.slsa') return true;
  return base.endsWith('.sig') || base.endsWith('.sig.json') || base.endsWith('.intoto.jsonl') || path === 'attestation.json';
}

/**
 * The deterministic digest of a file listing: sha256 over the lines "<sha256 of file>  <path>\n"
 * (the `sha256sum` format) sorted by path, UTF-16 code-unit order. Used as the bundle hash of a
 * folder input, and (without signature/attestation files) as the content hash of any bundle.
 */
export function listingDigest(files: readonly BundleFile[], include: (f: BundleFile) => boolean = () => true): string {
  const lines = files
    .filter(include)
    .map((f) => ({ path: f.path, digest: f.sha256 ?? '' }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .map((f) => `${f.digest}  ${f.path}\n`);
  return createHash('sha256').update(lines.join(''), 'utf8').digest('hex');
}

export interface ContextInput {
  source: string;
  /** The archive bytes (a .mcpb input); undefined for a folder. */
  archiveBytes?: Uint8Array;
  read: ReadBundle;
  options: ScanOptions;
  trustedKeys?: TrustedKey[];
  detachedSignature?: SidecarFile;
  sidecarAttestations?: SidecarFile[];
}

export function buildContext(input: ContextInput): BundleContext {
  const { read } = input;
  const contentHash = listingDigest(read.files, (f) => !isSignatureOrAttestationPath(f.path));
  const bundleHash = input.archiveBytes
    ? createHash('sha256').update(input.archiveBytes).digest('hex')
    : listingDigest(read.files);
  let manifest: Record<string, unknown> | undefined;
  let manifestError: string | undefined;
  const file = read.files.find((f) => f.path === 'manifest.json');
  if (!file) manifestError = 'manifest.json is missing from the bundle root';
  else if (file.text === undefined) manifestError = 'manifest.json is not text or is too large';
  else {
    const parsed = parseJsonStrict(file.text.replace(/^\uFEFF/, ''));
    if ('problem' in parsed) manifestError = `manifest.json: ${parsed.problem.message}`;
    else if (parsed.value === null || typeof parsed.value !== 'object' || Array.isArray(parsed.value)) manifestError = 'manifest.json is not a JSON object';
    else manifest = parsed.value as Record<string, unknown>;
  }
  return {
    root: read.root,
    source: input.source,
    bundleHash,
    contentHash,
    archive: input.archiveBytes !== undefined,
    files: read.files,
    ...(read.entries ? { entries: read.entries } : {}),
    manifest,
    ...(manifestError ? { manifestError } : {}),
    options: input.options,
    trustedKeys: input.trustedKeys ?? [],
    ...(input.detachedSignature ? { detachedSignature: input.detachedSignature } : {}),
    sidecarAttestations: input.sidecarAttestations ?? [],
    skipped: read.skipped,
  };
}
