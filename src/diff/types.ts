import type { ItemKind } from '../lockfile/types.js';
import type { Severity } from '../safety/index.js';

export type { Severity };
/** The security grades, most severe first (the scale of src/safety). */
export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];

export type ChangeKind = ItemKind | 'server';
export type ChangeType = 'added' | 'removed' | 'modified';

/** One run of a word-level diff: text kept, removed from the old side, or added on the new side. */
export interface WordSegment {
  op: 'equal' | 'removed' | 'added';
  text: string;
}

/** An old and a new text (description, title, instructions) with the word-level diff between them. */
export interface TextChange {
  field: string;
  before: string | null;
  after: string | null;
  words: WordSegment[];
  /** Present when a side was longer than the detail quotes (src/diff/grade MAX_DETAIL_TEXT): both sides and the words are cut. */
  truncated?: true;
}

/** One JSON-Schema-level observation about an inputSchema or outputSchema change. */
export interface SchemaFinding {
  schema: 'inputSchema' | 'outputSchema';
  /** JSON Pointer (RFC 6901) inside the schema. */
  path: string;
  change: string;
  breaking: boolean;
}

export interface ChangeDetail {
  /** Top-level fields of the definition (or identity) that differ. */
  fields: string[];
  /** JSON Pointers (RFC 6901) of every structural difference inside the definition. */
  paths: string[];
  /** Old and new free text, word by word. */
  texts: TextChange[];
  /** Schema findings, for tools. */
  schema: SchemaFinding[];
}

/** One classified difference between the pinned surface and the new one. */
export interface DiffChange {
  server: string;
  kind: ChangeKind;
  /** Tool or prompt name, resource uri, template uriTemplate, or the server name. */
  name: string;
  change: ChangeType;
  severity: Severity;
  /** True when an agent's existing calls (or its use of the results) may stop working. */
  breaking: boolean;
  /** Why: one printable sentence per finding, most important first. */
  reasons: string[];
  detail: ChangeDetail;
}

export interface DiffSummary {
  changes: number;
  breaking: number;
  /** The most severe change, or null when nothing changed. */
  maxSeverity: Severity | null;
  bySeverity: Record<Severity, number>;
}

/** The result of comparing two lockfile-shaped surfaces. */
export interface DiffReport {
  drift: boolean;
  summary: DiffSummary;
  changes: DiffChange[];
}

/** The report of two equal surfaces. */
export function emptyReport(): DiffReport {
  return { drift: false, summary: { changes: 0, breaking: 0, maxSeverity: null, bySeverity: { critical: 0, high: 0, medium: 0, low: 0, info: 0 } }, changes: [] };
}
