/**
 * Helpers shared by the controls: path classification by path COMPONENTS (the reference
 * scanner filters by substring, so "src/inspect/x.py" is never scanned because it contains
 * "spec"), manifest field access on attacker-controlled JSON, finding construction.
 */
import type { BundleContext, BundleFile, ControlId, Finding, Severity } from './types.js';

export function pathComponents(path: string): string[] {
  return path.split('/').filter((p) => p !== '');
}

const DEPENDENCY_DIRS = new Set(['node_modules', 'site-packages', 'dist-packages', '.venv', 'venv', 'vendor', 'bower_components', '__pypackages__', 'jspm_packages']);
const TEST_DIRS = new Set(['test', 'tests', '__tests__', 'spec', 'specs', '__mocks__', 'testdata', 'fixtures']);

/** Bundled third-party code (a folder component such as node_modules or site-packages). */
export function isDependencyPath(path: string): boolean {
  return pathComponents(path).some((p) => DEPENDENCY_DIRS.has(p));
}

/** Test code: a test folder component, or a test file name (x.test.ts, x.spec.js, test_x.py, x_test.py). */
export function isTestPath(path: string): boolean {
  const parts = pathComponents(path);
  if (parts.slice(0, -1).some((p) => TEST_DIRS.has(p))) return true;
  const base = parts[parts.length - 1] ?? '';
  return /\.(test|spec)\.[cm]?[jt]sx?$/.test(base) || /^test_.*\.py$/.test(base) || /_test\.py$/.test(base);
}

const CODE_EXT = /\.(?:[cm]?js|jsx|[cm]?ts|tsx|py)$/;

export function isCodeFile(path: string): boolean {
  return CODE_EXT.test(path) && !path.endsWith('.d.ts');
}

/** The server's own code: code files outside dependency and test folders, read as text. */
export function serverSources(ctx: BundleContext): (BundleFile & { text: string })[] {
  return ctx.files.filter((f): f is BundleFile & { text: string } => f.text !== undefined && isCodeFile(f.path) && !isDependencyPath(f.path) && !isTestPath(f.path));
}

/** 1-based line number of `index` in `text`. */
export function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

export type JsonRecord = Record<string, unknown>;

export function asRecord(value: unknown): JsonRecord | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as JsonRecord) : undefined;
}

export function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function asArray(value: unknown): unknown[] | undefined {
  return Array.isArray(value) ? value : undefined;
}

/** Own property only: attacker-controlled objects may be named "__proto__" or "constructor". */
export function field(record: JsonRecord | undefined, key: string): unknown {
  if (!record || !Object.prototype.hasOwnProperty.call(record, key)) return undefined;
  return record[key];
}

/** `_meta["org.mpaktrust"]`, the MTF extension object, when present and an object. */
export function mtfExtension(manifest: JsonRecord | undefined): JsonRecord | undefined {
  return asRecord(field(asRecord(field(manifest, '_meta')), 'org.mpaktrust'));
}

/** The declared level (`_meta["org.mpaktrust"].level`), 0 when absent or invalid. */
export function declaredLevel(manifest: JsonRecord | undefined): number {
  const level = field(mtfExtension(manifest), 'level');
  return typeof level === 'number' && Number.isInteger(level) && level >= 1 && level <= 4 ? level : 0;
}

/** Builds findings with ids "<control>-<nnn>" in the order they are added. */
export class FindingList {
  readonly items: Finding[] = [];
  constructor(private readonly control: ControlId) {}
  add(severity: Severity, title: string, description: string, extra: { file?: string; line?: number; remediation?: string } = {}): Finding {
    const finding: Finding = {
      id: `${this.control}-${String(this.items.length + 1).padStart(3, '0')}`,
      control: this.control,
      severity,
      title,
      description,
      ...(extra.file !== undefined ? { file: extra.file } : {}),
      ...(extra.line !== undefined ? { line: extra.line } : {}),
      ...(extra.remediation !== undefined ? { remediation: extra.remediation } : {}),
    };
    this.items.push(finding);
    return finding;
  }
  has(...severities: Severity[]): boolean {
    return this.items.some((f) => severities.includes(f.severity));
  }
}

/** JSON-quoted and cut, for attacker-controlled values inside finding text. */
export function quote(value: string, max = 80): string {
  const cut = value.length > max ? `${value.slice(0, max - 1)}…` : value;
  return JSON.stringify(cut);
}
