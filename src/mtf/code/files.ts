/**
 * Which bundle files the code controls (CQ-01..CQ-05) look at, decided by path *components*.
 * The reference scanner filtered by substring, so `src/inspect/x.py` ("spec") or
 * `src/contest.py` ("test") were never scanned; here a folder or file name has to *be* a test or
 * dependency marker, not merely contain one.
 */
import type { BundleFile } from '../types.js';

export type Language = 'python' | 'js' | 'shell' | 'other';

/** Folders holding third-party code (MTF §3.4 CQ-03 "Exclusions", plus common variants). */
const DEPENDENCY_DIRS = new Set(['node_modules', 'deps', 'vendor', 'site-packages', 'dist-packages', '.venv', 'venv', '__pypackages__', 'bower_components', 'jspm_packages', '.yarn', '.pnpm-store']);
/** Folders that never hold shipped code worth scanning (VCS metadata, caches). */
const IGNORED_DIRS = new Set(['.git', '.hg', '.svn', '__pycache__', '.mypy_cache', '.pytest_cache', '.ruff_cache', '.tox', '.nox']);
/** Folder names that mark tests and fixtures. */
const TEST_DIRS = new Set(['test', 'tests', '__tests__', 'spec', 'specs', '__mocks__', 'mocks', 'fixtures', '__fixtures__', 'testdata', 'test-data', 'e2e', 'example', 'examples']);

const JS_EXT = /\.(?:js|mjs|cjs|jsx|ts|mts|cts|tsx)$/i;
const PY_EXT = /\.(?:py|pyw|pyi)$/i;
const SH_EXT = /\.(?:sh|bash|zsh|ksh)$/i;

export function languageOf(path: string): Language {
  if (JS_EXT.test(path)) return 'js';
  if (PY_EXT.test(path)) return 'python';
  if (SH_EXT.test(path)) return 'shell';
  return 'other';
}

function components(path: string): string[] {
  return path.split('/');
}

/** True when a folder of the path is a dependency folder (node_modules, site-packages, ...). */
export function isDependencyPath(path: string): boolean {
  const parts = components(path);
  for (let i = 0; i < parts.length - 1; i++) if (DEPENDENCY_DIRS.has(parts[i]!)) return true;
  return false;
}

export function isIgnoredPath(path: string): boolean {
  const parts = components(path);
  for (let i = 0; i < parts.length - 1; i++) if (IGNORED_DIRS.has(parts[i]!)) return true;
  return false;
}

/**
 * Test files: a folder named like a test folder, or a file named `*.test.*`, `*.spec.*`,
 * `test_*.py`, `*_test.py`, `conftest.py`. "latest.js", "contest.py" and "src/inspect/" are not tests.
 */
export function isTestPath(path: string): boolean {
  const parts = components(path);
  for (let i = 0; i < parts.length - 1; i++) if (TEST_DIRS.has(parts[i]!.toLowerCase())) return true;
  const base = (parts[parts.length - 1] ?? '').toLowerCase();
  return /\.(?:test|spec)\.[a-z0-9]+$/.test(base) || /^test_.*\.py$/.test(base) || /_test\.(?:py|go|js|ts)$/.test(base) || base === 'conftest.py';
}

/** Documentation and example files that only describe secrets (reference exclusion list). */
export function isDocumentationPath(path: string): boolean {
  const base = (path.split('/').pop() ?? '').toLowerCase();
  return /^readme(?:\.|$)/.test(base) || /^changelog(?:\.|$)/.test(base) || /^\.env\.(?:example|sample|template)$/.test(base);
}

export interface CodeFile {
  file: BundleFile & { text: string };
  language: Language;
  dependency: boolean;
  test: boolean;
}

/** The text files worth a code scan, classified once. */
export function classifyFiles(files: readonly BundleFile[]): CodeFile[] {
  const out: CodeFile[] = [];
  for (const file of files) {
    if (file.text === undefined || isIgnoredPath(file.path)) continue;
    out.push({
      file: file as BundleFile & { text: string },
      language: languageOf(file.path),
      dependency: isDependencyPath(file.path),
      test: isTestPath(file.path),
    });
  }
  return out;
}

const classified = new WeakMap<readonly BundleFile[], CodeFile[]>();

/** classifyFiles, memoised per scan (the file list is shared by every control). */
export function codeFiles(files: readonly BundleFile[]): CodeFile[] {
  let result = classified.get(files);
  if (!result) {
    result = classifyFiles(files);
    classified.set(files, result);
  }
  return result;
}

/** 1-based line number of a character offset, from a sorted array of line starts. */
export function lineStarts(text: string): number[] {
  const starts = [0];
  let i = text.indexOf('\n');
  while (i !== -1) {
    starts.push(i + 1);
    i = text.indexOf('\n', i + 1);
  }
  return starts;
}

export function lineAt(starts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}
