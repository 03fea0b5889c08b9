/**
 * The pattern engine behind CQ-01 (secrets), CQ-02 (malicious code) and CQ-05 (unsafe
 * execution). Rules are shipped data (src/mtf/rules/), compiled once at module load; nothing
 * from a bundle ever becomes a RegExp.
 *
 * Speed: one combined pre-filter regex of the plain literal anchors of *every* compiled rule set
 * (CQ-01, CQ-02, CQ-03's Python set, CQ-05) runs over each file once per scan; the candidate
 * lines it finds are cached on the file and each control then matches its own rules on those
 * lines only. The heavy patterns (character classes, `.*`) never run over whole files.
 */
import type { ControlId, Finding, Severity } from '../types.js';
import type { CodeFile, Language } from './files.js';
import { lineAt, lineStarts } from './files.js';

export interface PatternRule {
  id: string;
  name: string;
  severity: Severity;
  description: string;
  remediation?: string;
  category?: string;
  /** Languages whose files the rule reads; 'any' is every text file. */
  languages: 'any' | readonly Language[];
  /** 'all' also reads dependency folders (node_modules, site-packages, ...); 'own' only the server's code. */
  scope: 'all' | 'own';
  /** Whether test files and fixtures are read too (default: no). */
  tests?: boolean;
  /** Plain literals (no regex syntax) of which one must occur for the rule to be tried on a line. */
  anchors: readonly string[];
  /** Whether the anchors match in any letter case. */
  anchorsIgnoreCase?: boolean;
  /** The rule itself, matched on the anchor's line. */
  pattern: string;
  ignoreCase?: boolean;
  /** Must also occur on the line (case-insensitive), e.g. "aws_secret" for a bare 40-char key. */
  context?: string;
  /** No finding when this matches the call's arguments (balanced parentheses after the match). */
  unlessArgs?: string;
  /** A finding only when this matches the call's arguments (e.g. `shell=True` on a later line). */
  requireArgs?: string;
  /** A finding only when this matches the text right after the match (up to 300 characters, across lines). */
  requireFollowing?: string;
  /** No finding when this matches the line. */
  unlessLine?: string;
  /** No finding when this matches the text before the match on the same line. */
  unlessBefore?: string;
  /** Secret rules: skip matches that look like placeholders ("EXAMPLE", "your_api_key", "xxx"). */
  placeholders?: boolean;
  /**
   * No finding when the match sits inside a string literal of its line (`"Disallow eval()"`,
   * `s = "os.system(x)"`): prose about a call is not the call. Lines longer than
   * STRING_SCAN_MAX (minified code, where a regex literal could desynchronise the quote
   * tracking and hide a real call) are always matched.
   */
  notInString?: 'js' | 'python';
}

interface CompiledRule {
  rule: PatternRule;
  anchor: RegExp;
  pattern: RegExp;
  context: RegExp | undefined;
  unlessArgs: RegExp | undefined;
  requireArgs: RegExp | undefined;
  requireFollowing: RegExp | undefined;
  unlessLine: RegExp | undefined;
  unlessBefore: RegExp | undefined;
}

export interface CompiledRuleSet {
  control: ControlId;
  rules: CompiledRule[];
}

/** Every rule set compiled so far: the shared pre-filter covers all of them. */
const REGISTERED: CompiledRuleSet[] = [];
/** Union pre-filters, by which rules apply to a file (a handful per scan: language × scope × tests). */
const PREFILTERS = new Map<string, RegExp>();

interface Candidates {
  registered: number;
  /** Pairs [start, end) of the candidate line windows, in order. */
  windows: number[];
}
const CANDIDATES = new WeakMap<CodeFile, Candidates>();
/** Longest stretch of one line matched at a time (minified code has megabyte-long lines). */
const MAX_WINDOW = 4000;

const PLACEHOLDER = /example|placeholder|your[_-]?(?:api)?[_-]?key|xxxx|dummy|fake|sample|changeme|redacted|<[^>]*>|\$\{|\{\{|%s|["'`]my[_-]?(?:client[_-]?)?(?:secret|password|passwd|token|api[_-]?key|key)["'`]/i;
const PUBLIC_KEY = /public[_-]?key/i;
/** `# nosec` / `// nosec` / `/* nosec`, optionally with `: reason`. */
const NOSEC = /(?:#|\/\/|\/\*)\s*nosec\b(\s*:\s*\S)?/i;

function escapeLiteral(literal: string, ignoreCase: boolean): string {
  let out = '';
  for (const ch of literal) {
    const lower = ch.toLowerCase();
    const upper = ch.toUpperCase();
    if (ignoreCase && lower !== upper) out += `[${lower}${upper}]`;
    else out += ch.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
  }
  return out;
}

/** Compiles a rule set once; throws on a bad shipped pattern (a build defect, caught by tests). */
export function compileRules(control: ControlId, rules: readonly PatternRule[]): CompiledRuleSet {
  const compiled: CompiledRule[] = [];
  for (const rule of rules) {
    if (rule.anchors.length === 0) throw new Error(`rule ${rule.id} has no anchors`);
    const anchor = rule.anchors.map((a) => escapeLiteral(a, rule.anchorsIgnoreCase === true)).join('|');
    compiled.push({
      rule,
      anchor: new RegExp(anchor),
      pattern: new RegExp(rule.pattern, rule.ignoreCase ? 'i' : ''),
      context: rule.context ? new RegExp(rule.context, 'i') : undefined,
      unlessArgs: rule.unlessArgs ? new RegExp(rule.unlessArgs) : undefined,
      requireArgs: rule.requireArgs ? new RegExp(rule.requireArgs) : undefined,
      requireFollowing: rule.requireFollowing ? new RegExp(rule.requireFollowing) : undefined,
      unlessLine: rule.unlessLine ? new RegExp(rule.unlessLine) : undefined,
      unlessBefore: rule.unlessBefore ? new RegExp(rule.unlessBefore) : undefined,
    });
  }
  const set = { control, rules: compiled };
  REGISTERED.push(set);
  return set;
}

/** The argument text of a call whose name ends at `from` (up to the matching parenthesis). */
export function callArguments(text: string, from: number, cap = 2000): string {
  const open = text.indexOf('(', from - 1);
  if (open === -1 || open - from > 40) return '';
  let depth = 0;
  const end = Math.min(text.length, open + cap);
  for (let i = open; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x28) depth++;
    else if (c === 0x29) {
      depth--;
      if (depth === 0) return text.slice(open + 1, i);
    }
  }
  return text.slice(open + 1, end);
}

function applies(rule: PatternRule, file: CodeFile): boolean {
  if (file.dependency && rule.scope === 'own') return false;
  if (file.test && !rule.tests) return false;
  return rule.languages === 'any' || rule.languages.includes(file.language);
}

export interface PatternHit {
  rule: PatternRule;
  file: string;
  line: number;
  /** The matched text, cut to 120 characters (callers redact secrets before showing it). */
  match: string;
  /** A `nosec` marker without a justification was found on the line. */
  unjustifiedSuppression?: boolean;
}

export interface ScanLimits {
  /** Most hits kept per rule per file. */
  perRulePerFile: number;
  /** Most hits kept in all. */
  total: number;
}

export const DEFAULT_SCAN_LIMITS: ScanLimits = { perRulePerFile: 5, total: 500 };

/**
 * Runs a compiled rule set over classified files. One pass of the pre-filter per file; each
 * (rule, line) pair is matched at most once.
 */
export function scanFiles(set: CompiledRuleSet, files: readonly CodeFile[], limits: ScanLimits = DEFAULT_SCAN_LIMITS): { hits: PatternHit[]; truncated: boolean; bytes: number } {
  const hits: PatternHit[] = [];
  let bytes = 0;
  const active: CompiledRule[] = [];
  const perRule = new Map<CompiledRule, number>();
  for (const file of files) {
    active.length = 0;
    for (const compiled of set.rules) if (applies(compiled.rule, file)) active.push(compiled);
    if (active.length === 0) continue;
    perRule.clear();
    const text = file.file.text;
    bytes += text.length;
    const { windows } = candidatesOf(file);
    let starts: number[] | undefined;
    for (let w = 0; w < windows.length; w += 2) {
      const lineStart = windows[w]!;
      const line = text.slice(lineStart, windows[w + 1]!);
      // Every rule is tried on a candidate line, so overlapping anchors of two rules cannot
      // hide one another.
      for (const compiled of active) {
        if (!compiled.anchor.test(line)) continue;
        const hit = matchLine(compiled, text, line, lineStart);
        if (!hit) continue;
        const count = perRule.get(compiled) ?? 0;
        if (count >= limits.perRulePerFile) continue;
        if (hits.length >= limits.total) return { hits, truncated: true, bytes };
        perRule.set(compiled, count + 1);
        starts ??= lineStarts(text);
        hits.push({ rule: compiled.rule, file: file.file.path, line: lineAt(starts, lineStart), match: hit.match.slice(0, 120), ...(hit.unjustified ? { unjustifiedSuppression: true } : {}) });
      }
    }
  }
  return { hits, truncated: false, bytes };
}

/** The candidate line windows of a file for all registered rule sets, computed once and cached. */
function candidatesOf(file: CodeFile): Candidates {
  const cached = CANDIDATES.get(file);
  if (cached && cached.registered === REGISTERED.length) return cached;
  let key = '';
  const anchors: string[] = [];
  for (const set of REGISTERED) {
    for (const compiled of set.rules) {
      const on = applies(compiled.rule, file);
      key += on ? '1' : '0';
      if (on) anchors.push(compiled.anchor.source);
    }
  }
  const windows: number[] = [];
  if (anchors.length > 0) {
    let re = PREFILTERS.get(key);
    if (!re) {
      re = new RegExp([...new Set(anchors)].join('|'), 'g');
      PREFILTERS.set(key, re);
    }
    const text = file.file.text;
    re.lastIndex = 0;
    // The current line's bounds are found once per line (not once per hit), so a minified file
    // of one multi-megabyte line costs a linear scan, not a quadratic one.
    let lineStart = 0;
    let lineEnd = -1;
    while (re.exec(text) !== null) {
      const at = re.lastIndex - 1;
      if (at > lineEnd) {
        lineStart = text.lastIndexOf('\n', at) + 1;
        lineEnd = text.indexOf('\n', at);
        if (lineEnd === -1) lineEnd = text.length;
      }
      let start = lineStart;
      let end = lineEnd;
      if (end - start > MAX_WINDOW) {
        start = Math.max(lineStart, at - MAX_WINDOW / 2);
        end = Math.min(lineEnd, at + MAX_WINDOW / 2);
      }
      windows.push(start, end);
      // A capped window ends mid-line: resume a little before its end so an anchor cut by the
      // window edge is still seen.
      re.lastIndex = end < lineEnd ? Math.max(at + 1, end - 64) : end + 1;
    }
  }
  const result = { registered: REGISTERED.length, windows };
  CANDIDATES.set(file, result);
  return result;
}

const STRING_SCAN_MAX = 2000;

/**
 * Whether `at` in `line` is inside a string literal that opens on the same line: ', " (and in
 * JavaScript ` with its ${…} code parts), backslash escapes honoured. Regex literals are not
 * recognised; a quote inside one can only make a later call look quoted on that line.
 */
export function insideString(line: string, at: number, language: 'js' | 'python'): boolean {
  // Stack of open contexts: a quote character, or '{' for the code of a template's ${…}.
  const stack: string[] = [];
  let depth = 0;
  for (let i = 0; i < at && i < line.length; i++) {
    const c = line[i]!;
    const top = stack[stack.length - 1];
    if (top === '"' || top === "'" || top === '`') {
      if (c === '\\') i++;
      else if (c === top) stack.pop();
      else if (top === '`' && c === '$' && line[i + 1] === '{') {
        stack.push('{');
        depth = 1;
        i++;
      }
      continue;
    }
    if (language === 'python' && c === '#') return false;
    if (c === '"' || c === "'" || (language === 'js' && c === '`')) stack.push(c);
    else if (top === '{') {
      if (c === '{') depth++;
      else if (c === '}' && --depth === 0) stack.pop();
    }
  }
  const top = stack[stack.length - 1];
  return top === '"' || top === "'" || top === '`';
}

function matchLine(compiled: CompiledRule, text: string, line: string, lineStart: number): { match: string; unjustified: boolean } | undefined {
  const { rule } = compiled;
  const m = compiled.pattern.exec(line);
  if (!m) return undefined;
  if (rule.notInString && line.length <= STRING_SCAN_MAX && insideString(line, m.index, rule.notInString)) return undefined;
  if (compiled.context && !compiled.context.test(line)) return undefined;
  if (compiled.unlessLine?.test(line)) return undefined;
  if (compiled.unlessBefore?.test(line.slice(0, m.index))) return undefined;
  if (rule.placeholders && (PLACEHOLDER.test(m[0]) || PUBLIC_KEY.test(line))) return undefined;
  if (compiled.requireFollowing) {
    const at = lineStart + m.index + m[0].length;
    if (!compiled.requireFollowing.test(text.slice(at, at + 300))) return undefined;
  }
  if (compiled.unlessArgs || compiled.requireArgs) {
    const args = callArguments(text, lineStart + m.index + m[0].length);
    if (compiled.unlessArgs?.test(args)) return undefined;
    if (compiled.requireArgs && !compiled.requireArgs.test(args)) return undefined;
  }
  const nosec = NOSEC.exec(line);
  if (nosec) {
    // A justified suppression ("# nosec: reason") silences the finding; a bare one is reported
    // as such (MTF §3.4 CQ-03/CQ-05: "Suppression without justification: WARN").
    if (nosec[1]) return undefined;
    return { match: m[0], unjustified: true };
  }
  return { match: m[0], unjustified: false };
}

/** Hides all but the first four characters of a secret so the report does not leak it again. */
export function redactSecret(value: string): string {
  if (value.length <= 8) return `${value.slice(0, 2)}…`;
  return `${value.slice(0, 4)}…(${value.length} chars)`;
}

/** Turns hits into findings; `describe` may add detail (e.g. a redacted match). */
export function hitsToFindings(control: ControlId, hits: readonly PatternHit[], describe: (hit: PatternHit) => string): Finding[] {
  const findings: Finding[] = [];
  for (const hit of hits) {
    const base: Finding = {
      id: `${control}-${hit.rule.id}-${findings.length + 1}`,
      control,
      severity: hit.rule.severity,
      title: hit.rule.name,
      description: describe(hit),
      file: hit.file,
      line: hit.line,
      ...(hit.rule.remediation ? { remediation: hit.rule.remediation } : {}),
    };
    if (hit.unjustifiedSuppression) {
      findings.push({
        ...base,
        severity: 'medium',
        title: `${hit.rule.name} (suppressed without justification)`,
        description: `${describe(hit)}; the line carries "nosec" without a reason ("nosec: <reason>" is required)`,
      });
    } else findings.push(base);
  }
  return findings;
}

/** Block on critical/high findings (MTF "BLOCK"); medium and below are warnings. */
export function statusOf(findings: readonly Finding[]): 'pass' | 'fail' {
  return findings.some((f) => f.severity === 'critical' || f.severity === 'high') ? 'fail' : 'pass';
}
