/**
 * The contract between the MTF scanner's parts: each control (one file under src/mtf/controls/)
 * is a pure-ish function of a prepared bundle context. Shapes follow
 * ../shared/mtf/schemas/report.schema.json (MTF v0.1).
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
}

/** A text file of the bundle, read once (bounded) and shared by all controls. */
export interface BundleFile {
  /** Relative path, forward slashes, no leading "./". */
  path: string;
  size: number;
  /** UTF-8 text, or undefined for binary / oversized files. */
  text: string | undefined;
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
}

/** Everything a control may look at. Built once per scan by src/mtf/context.ts. */
export interface BundleContext {
  /** Folder holding the extracted (or given) bundle. */
  root: string;
  /** sha256 hex of the bundle archive (or of a deterministic listing of the folder). */
  bundleHash: string;
  /** Whether the input was a .mcpb archive (false for a folder). */
  archive: boolean;
  files: BundleFile[];
  /** The parsed manifest.json, or undefined when missing/invalid (AI-01 reports why). */
  manifest: Record<string, unknown> | undefined;
  manifestError?: string;
  options: ScanOptions;
}

export interface Control {
  id: ControlId;
  name: string;
  /** MTF domain key used in the report's `domains` object. */
  domain: 'artifact_integrity' | 'supply_chain' | 'code_quality' | 'capability_declaration' | 'provenance';
  run(ctx: BundleContext): ControlResult | Promise<ControlResult>;
}
