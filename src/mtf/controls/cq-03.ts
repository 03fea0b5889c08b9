/**
 * CQ-03 Static Analysis (MTF v0.1 §3.4): ESLint with eslint-plugin-security, in-process, on the
 * server's own JavaScript/TypeScript (dependency folders and tests excluded by path component);
 * Python gets Bandit-style heuristics (src/mtf/rules/python-static.ts). ESLint is imported only
 * here, only when the bundle has JS/TS sources.
 *
 * The bundle cannot switch rules off: its ESLint config files are never read
 * (`overrideConfigFile: true`) and inline `eslint-disable` comments are ignored
 * (`allowInlineConfig: false`). `// nosec: reason` silences a line; a bare `nosec` is reported
 * as an unjustified suppression (spec: WARN).
 */
import { codeFiles, type CodeFile } from '../code/files.js';
import { compileRules, hitsToFindings, scanFiles, statusOf, windowNote } from '../code/patterns.js';
import { PYTHON_STATIC_RULES } from '../rules/python-static.js';
import type { Control, ControlResult, Finding, Severity } from '../types.js';
import { printable } from '../../util/text.js';

const PYTHON_RULE_SET = compileRules('CQ-03', PYTHON_STATIC_RULES);

/** MTF severity per ESLint rule (spec mapping of tool severity × confidence, judged per rule). */
const RULE_SEVERITY: Record<string, Severity> = Object.assign(Object.create(null) as Record<string, Severity>, {
  'security/detect-child-process': 'high',
  'security/detect-eval-with-expression': 'high',
  'security/detect-bidi-characters': 'high',
  'security/detect-non-literal-fs-filename': 'medium',
  'security/detect-non-literal-require': 'medium',
  'security/detect-unsafe-regex': 'medium',
  'security/detect-disable-mustache-escape': 'medium',
  'security/detect-invisible-characters': 'medium',
  'security/detect-non-literal-regexp': 'low',
  'security/detect-buffer-noassert': 'low',
  'security/detect-new-buffer': 'low',
  'security/detect-pseudoRandomBytes': 'low',
  'security/detect-possible-timing-attacks': 'low',
  'security/detect-no-csrf-before-method-override': 'low',
  'no-eval': 'medium',
  'no-implied-eval': 'medium',
  'no-new-func': 'medium',
});

const LIMITS = { maxFiles: 1000, maxBytes: 8 * 1024 * 1024, maxFileBytes: 1024 * 1024 };
const TS_FILE = /\.(?:ts|mts|cts|tsx)$/i;
const DECLARATION_FILE = /\.d\.(?:ts|mts|cts)$/i;
const NOSEC = /(?:\/\/|\/\*)\s*nosec\b(\s*:\s*\S)?/i;

/** Minified or generated code: long average lines. Linting it is slow and says nothing useful. */
function isMinified(text: string): boolean {
  if (text.length < 5000) return false;
  let lines = 1;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lines++;
  return text.length / lines > 500;
}

interface Linted {
  file: string;
  line: number;
  ruleId: string | null;
  message: string;
  fatal: boolean;
}

async function lintJs(root: string, files: readonly CodeFile[]): Promise<{ results: Linted[]; skippedTs: number }> {
  const { ESLint } = await import('eslint');
  const security = ((await import('eslint-plugin-security')) as { default: { rules: Record<string, unknown> } }).default;
  // The TypeScript parser (and typescript, its peer: 9 MB of code to compile) only for TypeScript files.
  let tsParser: unknown;
  if (files.some((f) => TS_FILE.test(f.file.path))) {
    try {
      tsParser = ((await import('@typescript-eslint/parser')) as { default?: unknown }).default;
    } catch {
      tsParser = undefined; // typescript (its peer) is not installed: .ts files are reported as skipped
    }
  }
  const rules: Record<string, 'warn'> = {};
  for (const id of Object.keys(RULE_SEVERITY)) rules[id] = 'warn';
  const common = { plugins: { security: security as never }, rules, linterOptions: { noInlineConfig: true, reportUnusedDisableDirectives: 'off' as const } };
  const config: unknown[] = [
    { files: ['**/*.js', '**/*.mjs', '**/*.cjs', '**/*.jsx'], languageOptions: { ecmaVersion: 'latest', sourceType: 'module', parserOptions: { ecmaFeatures: { jsx: true } } }, ...common },
    { files: ['**/*.cjs'], languageOptions: { sourceType: 'commonjs' } },
  ];
  if (tsParser) config.push({ files: ['**/*.ts', '**/*.mts', '**/*.cts', '**/*.tsx'], languageOptions: { parser: tsParser, ecmaVersion: 'latest', sourceType: 'module', parserOptions: { ecmaFeatures: { jsx: true } } }, ...common });
  const eslint = new ESLint({ cwd: root, overrideConfigFile: true, overrideConfig: config as never, allowInlineConfig: false, ignore: false });
  const results: Linted[] = [];
  let skippedTs = 0;
  for (const f of files) {
    if (TS_FILE.test(f.file.path) && !tsParser) {
      skippedTs++;
      continue;
    }
    // .js files that are really CommonJS still parse as modules unless they use `with` or
    // octal literals; a fatal parse error is retried as a script.
    // ESLint's `files` patterns are case-sensitive: an `index.JS` or `tool.TS` (code node and the
    // TypeScript compiler run) would match no configuration and be linted by no rule, silently.
    // The path ESLint is given has its extension in lower case; findings are reported on f.file.path.
    const filePath = `${root}/${f.file.path.replace(/\.[^./]+$/, (ext) => ext.toLowerCase())}`;
    let [report] = await eslint.lintText(f.file.text, { filePath, warnIgnored: false });
    if (report && report.fatalErrorCount > 0 && /\.js$/i.test(f.file.path)) {
      const script = new ESLint({ cwd: root, overrideConfigFile: true, overrideConfig: [{ ...(config[0] as object), languageOptions: { ecmaVersion: 'latest', sourceType: 'script' } }] as never, allowInlineConfig: false, ignore: false });
      [report] = await script.lintText(f.file.text, { filePath, warnIgnored: false });
    }
    for (const m of report?.messages ?? []) results.push({ file: f.file.path, line: m.line ?? 1, ruleId: m.ruleId, message: m.message, fatal: m.fatal === true });
  }
  return { results, skippedTs };
}

export const control: Control = {
  id: 'CQ-03',
  name: 'Static Analysis',
  domain: 'code_quality',
  async run(ctx): Promise<ControlResult> {
    const own = codeFiles(ctx.files).filter((f) => !f.dependency && !f.test);
    const findings: Finding[] = [];
    const add = (f: Omit<Finding, 'id' | 'control'>) => findings.push({ id: `CQ-03-${findings.length + 1}`, control: 'CQ-03', ...f });
    // Python
    const py = own.filter((f) => f.language === 'python');
    const pyScan = scanFiles(PYTHON_RULE_SET, py);
    for (const f of hitsToFindings('CQ-03', pyScan.hits, (hit) => `${hit.rule.description}: ${printable(hit.match, 100)}`)) findings.push({ ...f, id: `CQ-03-${findings.length + 1}` });
    findings.push(...windowNote('CQ-03', pyScan.windowed));
    // JavaScript / TypeScript
    const js: CodeFile[] = [];
    let bytes = 0;
    let skipped = 0;
    for (const f of own) {
      if (f.language !== 'js') continue;
      // TypeScript declaration files hold types only, no code a rule could flag: not parsed.
      if (DECLARATION_FILE.test(f.file.path)) continue;
      if (f.file.text.length > LIMITS.maxFileBytes || isMinified(f.file.text) || js.length >= LIMITS.maxFiles || bytes + f.file.text.length > LIMITS.maxBytes) {
        skipped++;
        continue;
      }
      bytes += f.file.text.length;
      js.push(f);
    }
    if (js.length > 0) {
      let linted: Awaited<ReturnType<typeof lintJs>>;
      try {
        linted = await lintJs(ctx.root, js);
      } catch (error) {
        return { status: 'error', findings, error: `ESLint could not run: ${printable((error as Error).message, 200)}` };
      }
      const texts = new Map(js.map((f) => [f.file.path, f.file.text]));
      for (const r of linted.results) {
        if (r.fatal) {
          add({ severity: 'info', title: 'File could not be parsed', description: `${printable(r.message, 160)} (not analysed)`, file: r.file, line: r.line });
          continue;
        }
        const ruleId = r.ruleId ?? '';
        let severity: Severity = RULE_SEVERITY[ruleId] ?? 'low';
        // detect-child-process also reports a bare require('child_process'): informational.
        if (ruleId === 'security/detect-child-process' && /require\(/.test(r.message)) severity = 'info';
        const lineText = texts.get(r.file)?.split('\n')[r.line - 1] ?? '';
        const nosec = NOSEC.exec(lineText);
        let title = ruleId.replace(/^security\//, '');
        if (nosec) {
          if (nosec[1]) continue;
          severity = 'medium';
          title += ' (suppressed without justification)';
        }
        add({ severity, title, description: printable(r.message, 240), file: r.file, line: r.line, remediation: 'Fix the pattern, or justify it on the line with "// nosec: <reason>".' });
      }
      if (linted.skippedTs > 0) add({ severity: 'info', title: 'TypeScript sources not analysed', description: `${linted.skippedTs} TypeScript files were skipped: the TypeScript parser needs the "typescript" package, which is not installed` });
    }
    if (skipped > 0) add({ severity: 'info', title: 'Files not analysed', description: `${skipped} JavaScript files were skipped (minified, over 1 MiB, or beyond the ${LIMITS.maxFiles}-file / 8 MiB budget)` });
    if (py.length === 0 && js.length === 0) add({ severity: 'info', title: 'No server source code found', description: 'No JavaScript, TypeScript or Python files outside dependency and test folders' });
    return { status: statusOf(findings), findings };
  },
};
