/**
 * The contract between the MTF scanner's parts: each control (one file under src/mtf/controls/)
 * is a pure-ish function of a prepared bundle context. Shapes follow
 * ../shared/mtf/schemas/report.schema.json (MTF v0.1).
 *
 * CHANGES since the lead's first version (all additive, optional fields; nothing renamed):
 *   - ControlResult.levelCap: a control that passes but only for the lower levels (the spec
 *     often says "WARN at L1, BLOCK at L2+") returns status 'pass' with levelCap = 1; the level
 *     calculation (src/mtf/score.ts) then stops below levelCap + 1. Not written to the report.
 *   - ControlResult.sbom: SC-01 may fill it; src/mtf/report.ts lifts it to the report's `sbom`.
 *   - BundleFile.mode / executable / sha256: Unix mode bits from the zip (or the folder) and whether the
 *     file is executable (exec bit, or ELF / PE / Mach-O / shebang magic).
 *   - BundleContext: source (what the user gave), contentHash, entries (zip metadata, for AI-04),
 *     trustedKeys and detachedSignature / sidecar attestations (read at the edge, for AI-03 / PR-03),
 *     skipped (what was not read, and why).
 *   - ScanOptions.now: the clock, for age checks (tests pass a fixed one).
 *   - BundleContext.root of a .mcpb is only populated with the files under runServer (see root).
 */

export type ControlId =
  | 'AI-01' | 'AI-02' | 'AI-03' | 'AI-04' | 'AI-05'
  | 'SC-01' | 'SC-02' | 'SC-03' | 'SC-04' | 'SC-05'
  | 'CQ-01' | 'CQ-02' | 'CQ-03' | 'CQ-04' | 'CQ-05' | 'CQ-06'
  | 'CD-01' | 'CD-02' | 'CD-03' | 'CD-04' | 'CD-05'
  | 'PR-01' | 'PR-02' | 'PR-03' | 'PR-04' | 'PR-05';

export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';
export type ControlStatus = 'pass' | 'fail' | 'skip' | 'error';

/** One finding, as in the report schema's `$defs.finding`. */
export interface Finding {
  id: string;
  control: ControlId;
  severity: Severity;
  title: string;
  description: string;
  /** Path relative to the bundle root, forward slashes. */
  file?: string;
  line?: number;
  remediation?: string;
}

export interface ControlResult {
  status: ControlStatus;
  findings: Finding[];
  /** Required when status is 'error'; a one-line reason when 'skip'. */
  error?: string;
  duration_ms?: number;
  /**
   * With status 'pass': the control is satisfied only up to this level (e.g. a tool without a
   * description is a warning at L1 and a block at L2+, so CD-01 returns pass with levelCap 1).
   */
  levelCap?: 1 | 2 | 3;
  /** SBOM metadata (SC-01), copied to the report's top-level `sbom`. */
  sbom?: { format: 'cyclonedx' | 'spdx'; component_count: number; location?: string };
}

/** A file of the bundle, read once (bounded) and shared by all controls. */
export interface BundleFile {
  /** Relative path, forward slashes, no leading "./". */
  path: string;
  size: number;
  /** UTF-8 text, or undefined for binary / oversized files. */
  text: string | undefined;
  /** Unix permission bits (0o777 part) when known. */
  mode?: number;
  /** Exec bit set, or the first bytes are an ELF / PE / Mach-O header or a "#!" line. */
  executable?: boolean;
  /** sha256 hex of the file's bytes. */
  sha256?: string;
}

export interface ScanOptions {
  /** Offline OSV database folder (SC-02). */
  osvDb?: string;
  /** Allow network look-ups (SC-02 bulk advisories). */
  online?: boolean;
  /** Ed25519 public key PEM paths trusted for the bundle signature (AI-03). */
  keys?: string[];
  /** Start the server from its manifest for CQ-06. */
  runServer?: boolean;
  /** The clock for age checks (PR-05 scorecard age); defaults to the scan time. */
  now?: Date;
}

/** Metadata of one zip entry (archives only), in central-directory order. */
export interface ArchiveEntry {
  path: string;
  /** Last-modified time as stored (DOS date/time, local time, 2 s resolution), ISO-like string. */
  modified: string;
  /** External attributes' Unix mode, 0 when the archive was not made on Unix. */
  unixMode: number;
  compressedSize: number;
  uncompressedSize: number;
  directory: boolean;
}

/** A trusted public key given with --key (read at the edge). */
export interface TrustedKey {
  /** Where it came from (file path), for messages. */
  source: string;
  pem: string;
}

/** A file read next to the bundle (not inside it): the detached signature, sidecar provenance. */
export interface SidecarFile {
  /** Path as shown to the user. */
  path: string;
  text: string;
}

/** Everything a control may look at. Built once per scan by src/mtf/context.ts. */
export interface BundleContext {
  /**
   * Folder holding the bundle: the given folder, or for a .mcpb a private temporary folder into
   * which the files are written only when the scan runs the server (options.runServer); every
   * other control reads `files`, never the disk.
   */
  root: string;
  /** The input as the user named it (archive file or folder), for messages. */
  source?: string;
  /** sha256 hex of the bundle archive (or of a deterministic listing of the folder). */
  bundleHash: string;
  /**
   * sha256 hex of the deterministic listing of the bundle's content (see context.ts), leaving out
   * signature and attestation files: what an attestation inside the bundle can name as its subject.
   */
  contentHash?: string;
  /** Whether the input was a .mcpb archive (false for a folder). */
  archive: boolean;
  files: BundleFile[];
  /** Zip entries with their metadata (archives only). */
  entries?: ArchiveEntry[];
  /** The parsed manifest.json, or undefined when missing/invalid (AI-01 reports why). */
  manifest: Record<string, unknown> | undefined;
  manifestError?: string;
  options: ScanOptions;
  /** Public keys trusted for AI-03 / PR-03 (from --key). */
  trustedKeys?: TrustedKey[];
  /** `<bundle>.sig` next to the bundle, when present (AI-03). */
  detachedSignature?: SidecarFile;
  /** `<bundle>.intoto.jsonl` / `<bundle>.provenance.json` next to the bundle (PR-03). */
  sidecarAttestations?: SidecarFile[];
  /** Files that were listed but not read as text, and why (size budget, binary). */
  skipped?: { path: string; reason: string }[];
}

export interface Control {
  id: ControlId;
  name: string;
  /** MTF domain key used in the report's `domains` object. */
  domain: 'artifact_integrity' | 'supply_chain' | 'code_quality' | 'capability_declaration' | 'provenance';
  run(ctx: BundleContext): ControlResult | Promise<ControlResult>;
}
