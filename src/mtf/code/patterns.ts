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
import { printable } from '../../util/text.js';

/**
 * A pattern: a regular expression, or `{ seq }`, regular expressions that must match in this
 * order (any text between, or none of the characters of `gap` — one string for every gap, or one
 * per gap). A sequence is matched left to right by a scanner that never goes back (linear in the
 * line), where the single regex `A.*B.*C` would backtrack in cubic time. Every regex of a rule
 * must cost a bounded amount per start position: no unbounded `.*`/`[^x]*` followed by more
 * pattern (use a sequence), no nested or adjacent quantifiers that can match the same text.
 * tests/mtf/linear.test.ts runs each rule on adversarial 1 MiB inputs.
 */
export type Matcher = string | { readonly seq: readonly string[]; readonly gap?: string | readonly string[] };

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
  /** The rule itself, matched on the anchor's line; a list is a set of alternatives. */
  pattern: Matcher | readonly Matcher[];
  ignoreCase?: boolean;
  /** Must also occur on the line (case-insensitive), e.g. "aws_secret" for a bare 40-char key. */
  context?: string;
  /**
   * No finding when one of these matches the call's arguments (balanced parentheses after the
   * match). A pattern starting with `^` is tried at the start of the arguments only; any other is
   * found by one forward search over the file, shared by every call (so nested calls, each with
   * up to 2000 characters of arguments, do not cost 2000 characters each).
   */
  unlessArgs?: string | readonly string[];
  /** A finding only when this matches the call's arguments (e.g. `shell=True` on a later line). */
  requireArgs?: string;
  /** A finding only when this matches the text right after the match (up to 300 characters, across lines). */
  requireFollowing?: string;
  /**
   * A finding only when this matches the JSON string whose opening quote ends the match (read
   * whole to its closing quote, escapes decoded, on the same line): a package.json script.
   */
  requireString?: Matcher | readonly Matcher[];
  /** No finding when this matches the line. */
  unlessLine?: string;
  /** No finding when this matches the text before the match on the same line (its last 64 characters). */
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
  pattern: CompiledMatcher;
  context: RegExp | undefined;
  unlessArgs: ArgTest[];
  requireArgs: ArgTest | undefined;
  requireFollowing: RegExp | undefined;
  requireString: CompiledMatcher | undefined;
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

/** Every compiled rule set (CQ-01, CQ-02, CQ-03's Python set, CQ-05): the linear-time test walks them all. */
export function registeredRuleSets(): readonly CompiledRuleSet[] {
  return REGISTERED;
}

interface Candidates {
  registered: number;
  /** Pairs [start, end) of the candidate line windows, in order. */
  windows: number[];
  /** Whether some window had to be cut out of a longer line. */
  cut: boolean;
}
const CANDIDATES = new WeakMap<CodeFile, Candidates>();
/** Longest stretch of one line matched at a time (minified code has megabyte-long lines). */
const MAX_WINDOW = 4000;

// `<[^<>]*>`, not `<[^>]*>`: from every "<" of "<<<<…" the latter scans to the end.
const PLACEHOLDER = /example|placeholder|your[_-]?(?:api)?[_-]?key|xxxx|dummy|fake|sample|changeme|redacted|<[^<>]*>|\$\{|\{\{|%s|["'`]my[_-]?(?:client[_-]?)?(?:secret|password|passwd|token|api[_-]?key|key)["'`]/i;
const PUBLIC_KEY = /public[_-]?key/i;

const SEVERITY_RANK: Record<Severity, number> = { info: 0, low: 1, medium: 2, high: 3, critical: 4 };

/**
 * Whether the match at `index` is the value of a name that says public key (`PUBLIC_KEY = "…"`,
 * `publicKey: "…"`): the text before it back to the statement's or property's start (at most 64
 * characters), never the whole line, so a token beside a public key is still a finding.
 */
function publicKeyValue(line: string, index: number): boolean {
  const before = line.slice(Math.max(0, index - 64), index);
  let cut = -1;
  for (const c of [',', ';', '{', '}', '(', '[', '&', '\n']) cut = Math.max(cut, before.lastIndexOf(c));
  return PUBLIC_KEY.test(before.slice(cut + 1));
}
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

/** One match of a pattern: [index, end) in the searched string. */
interface Span {
  index: number;
  end: number;
}

/**
 * A compiled pattern. `cursor(s)` yields the leftmost match of `s`, then the leftmost one that
 * starts at or after the previous match's end, and so on; every step only moves forward, so
 * enumerating all matches of a line costs one pass over it (plus each regex's bounded work per
 * start position).
 */
interface CompiledMatcher {
  cursor(s: string): () => Span | undefined;
}

/**
 * Leftmost match of `re` (global) at or after `from`, remembered so that searches from the same
 * region are not repeated: asked about increasing positions, it reads `s` once.
 */
export function searcher(re: RegExp, s: string): (from: number) => Span | undefined {
  let lastFrom = -1;
  let last: Span | undefined;
  return (from) => {
    if (lastFrom !== -1 && from >= lastFrom && (last === undefined || from <= last.index)) return last;
    re.lastIndex = from;
    const m = re.exec(s);
    lastFrom = from;
    last = m ? { index: m.index, end: m.index + Math.max(m[0].length, 0) } : undefined;
    return last;
  };
}

function compileRegex(source: string, flags: string): CompiledMatcher {
  const re = new RegExp(source, `g${flags}`);
  return {
    cursor(s) {
      let from = 0;
      return () => {
        if (from > s.length) return undefined;
        re.lastIndex = from;
        const m = re.exec(s);
        if (!m) {
          from = s.length + 1;
          return undefined;
        }
        const span = { index: m.index, end: m.index + m[0].length };
        from = span.end > span.index ? span.end : span.index + 1;
        return span;
      };
    },
  };
}

/**
 * `{ seq: [A, B, C], gap }`: A, then B, then C, each starting at or after the previous one's end,
 * with no character of the gap's set between them. The earliest end of each part leaves the most
 * room for the next, so parts are searched leftmost-first; when a part is missing (or a gap
 * character comes first), the next attempt restarts from the first part one character later.
 * Each part's search and each gap look-up is remembered and only ever moves forward, so a whole
 * line costs one pass per part.
 */
function compileSequence(parts: readonly string[], gap: string | readonly string[] | undefined, flags: string): CompiledMatcher {
  if (parts.length === 0) throw new Error('empty sequence');
  const res = parts.map((p) => new RegExp(p, `g${flags}`));
  const gaps = parts.slice(1).map((_, i) => (typeof gap === 'string' ? gap : (gap?.[i] ?? '')));
  return {
    cursor(s) {
      const find = res.map((re) => searcher(re, s));
      // Next position at or after `from` of one of the gap's characters (memoised per gap).
      // Next position at or after `from` of one of the gap's characters, per character remembered
      // until the search passes it (so each character's occurrences are visited once).
      const stops = gaps.map((set) => {
        const chars = [...set];
        const next = chars.map(() => -1);
        return (from: number): number => {
          let at = Infinity;
          for (let k = 0; k < chars.length; k++) {
            if (next[k]! !== Infinity && next[k]! < from) {
              const i = s.indexOf(chars[k]!, from);
              next[k] = i === -1 ? Infinity : i;
            }
            if (next[k]! < at) at = next[k]!;
          }
          return at;
        };
      });
      let from = 0;
      return () => {
        for (;;) {
          const first = find[0]!(from);
          if (!first) return undefined;
          let end = first.end;
          let ok = true;
          for (let j = 1; j < res.length; j++) {
            const next = find[j]!(end);
            if (!next) return undefined; // no later start can find it either
            if (stops[j - 1]!(end) < next.index) {
              ok = false;
              break;
            }
            end = next.end;
          }
          if (ok) {
            from = end > first.index ? end : first.index + 1;
            return { index: first.index, end };
          }
          from = first.index + 1;
        }
      };
    },
  };
}

function compileMatcher(m: Matcher | readonly Matcher[], flags: string): CompiledMatcher {
  if (typeof m === 'string') return compileRegex(m, flags);
  if (!Array.isArray(m)) {
    const { seq, gap } = m as { seq: readonly string[]; gap?: string | readonly string[] };
    return compileSequence(seq, gap, flags);
  }
  const alternatives = (m as readonly Matcher[]).map((a) => compileMatcher(a, flags));
  if (alternatives.length === 1) return alternatives[0]!;
  return {
    cursor(s) {
      const cursors = alternatives.map((a) => a.cursor(s));
      const heads: (Span | undefined)[] = cursors.map((c) => c());
      let from = 0;
      return () => {
        // The leftmost pending match of any alternative; each alternative's cursor moves forward only.
        let best = -1;
        for (let i = 0; i < heads.length; i++) {
          while (heads[i] && heads[i]!.index < from) heads[i] = cursors[i]!();
          if (heads[i] && (best === -1 || heads[i]!.index < heads[best]!.index)) best = i;
        }
        if (best === -1) return undefined;
        const span = heads[best]!;
        heads[best] = cursors[best]!();
        from = span.end > span.index ? span.end : span.index + 1;
        return span;
      };
    },
  };
}

/** Whether a compiled pattern matches anywhere in `s`. */
function matches(m: CompiledMatcher, s: string): boolean {
  return m.cursor(s)() !== undefined;
}

/** A test on a call's arguments: anchored ones on the argument text, the others by a shared forward search. */
interface ArgTest {
  re: RegExp;
  anchored: boolean;
}

function argTest(source: string): ArgTest {
  const anchored = source.startsWith('^');
  return { re: new RegExp(source, anchored ? '' : 'g'), anchored };
}

/** Per-file state of the argument tests: one forward searcher per unanchored pattern. */
type ArgSearchers = Map<RegExp, (from: number) => Span | undefined>;

function argsMatch(test: ArgTest, text: string, range: readonly [number, number], searchers: ArgSearchers): boolean {
  if (test.anchored) return test.re.test(text.slice(range[0], range[1]));
  let find = searchers.get(test.re);
  if (!find) {
    find = searcher(test.re, text);
    searchers.set(test.re, find);
  }
  const m = find(range[0]);
  return m !== undefined && m.end <= range[1];
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
      pattern: compileMatcher(rule.pattern, rule.ignoreCase ? 'i' : ''),
      context: rule.context ? new RegExp(rule.context, 'i') : undefined,
      unlessArgs: (typeof rule.unlessArgs === 'string' ? [rule.unlessArgs] : (rule.unlessArgs ?? [])).map(argTest),
      requireArgs: rule.requireArgs ? argTest(rule.requireArgs) : undefined,
      requireFollowing: rule.requireFollowing ? new RegExp(rule.requireFollowing) : undefined,
      requireString: rule.requireString ? compileMatcher(rule.requireString, '') : undefined,
      unlessLine: rule.unlessLine ? new RegExp(rule.unlessLine) : undefined,
      unlessBefore: rule.unlessBefore ? new RegExp(rule.unlessBefore) : undefined,
    });
  }
  const set = { control, rules: compiled };
  REGISTERED.push(set);
  return set;
}

/** Matching parentheses of the last text asked about: one pass per file, not one per call. */
let parenText: string | undefined;
let parenClose: Int32Array | undefined;

function closingParens(text: string): Int32Array {
  if (parenText === text && parenClose) return parenClose;
  const close = new Int32Array(text.length).fill(-1);
  const stack: number[] = [];
  for (let i = text.indexOf('('), j = text.indexOf(')'); i !== -1 || j !== -1; ) {
    if (i !== -1 && (j === -1 || i < j)) {
      stack.push(i);
      i = text.indexOf('(', i + 1);
    } else {
      const open = stack.pop();
      if (open !== undefined) close[open] = j;
      j = text.indexOf(')', j + 1);
    }
  }
  parenText = text;
  parenClose = close;
  return close;
}

/**
 * The argument text of a call whose name ends at `from` (up to the matching parenthesis, at most
 * `cap` characters). The "(" must come within 40 characters of `from`.
 */
export function callArguments(text: string, from: number, cap = 2000): string {
  const range = callArgumentsRange(text, from, cap);
  return range ? text.slice(range[0], range[1]) : '';
}

/** Where callArguments' text lies: [start, end) in `text`, or undefined without a "(". */
export function callArgumentsRange(text: string, from: number, cap = 2000): [number, number] | undefined {
  const start = Math.max(0, from - 1);
  const open = text.slice(start, from + 41).indexOf('(');
  if (open === -1) return undefined;
  const at = start + open;
  const close = closingParens(text)[at]!;
  const end = close !== -1 && close - at < cap ? close : Math.min(text.length, at + cap);
  return [at + 1, end];
}

/**
 * The JSON string whose opening quote is at `quote - 1` (decoded), read to its closing quote on the
 * same line; attacker-controlled: escapes are decoded leniently and nothing is thrown.
 */
function jsonStringAt(text: string, quote: number): string {
  let out = '';
  let i = quote;
  for (;;) {
    let j = i;
    while (j < text.length) {
      const c = text.charCodeAt(j);
      if (c === 0x22 || c === 0x5c || c === 0x0a) break;
      j++;
    }
    out += text.slice(i, j);
    if (j >= text.length || text.charCodeAt(j) !== 0x5c) return out;
    const e = text[j + 1] ?? '';
    out += e === 'n' ? '\n' : e === 't' ? '\t' : e === 'r' ? '\r' : e === 'u' ? String.fromCharCode(Number.parseInt(text.slice(j + 2, j + 6), 16) || 0) : e;
    i = e === 'u' ? j + 6 : j + 2;
  }
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
export interface ScanResult {
  hits: PatternHit[];
  truncated: boolean;
  bytes: number;
  /**
   * Files with a line longer than MAX_WINDOW holding an anchor: such a line is matched in windows
   * of MAX_WINDOW characters around each anchor, so a pattern whose parts lie further apart is
   * not seen there. Controls say so in a note (bounds never hide a finding silently).
   */
  windowed: string[];
}

export function scanFiles(set: CompiledRuleSet, files: readonly CodeFile[], limits: ScanLimits = DEFAULT_SCAN_LIMITS): ScanResult {
  const hits: PatternHit[] = [];
  const windowed: string[] = [];
  let bytes = 0;
  let truncated = false;
  const active: CompiledRule[] = [];
  const perRule = new Map<CompiledRule, number>();
  for (const file of files) {
    active.length = 0;
    for (const compiled of set.rules) if (applies(compiled.rule, file)) active.push(compiled);
    if (active.length === 0) continue;
    perRule.clear();
    const text = file.file.text;
    bytes += text.length;
    const { windows, cut } = candidatesOf(file);
    if (cut) windowed.push(file.file.path);
    let starts: number[] | undefined;
    const searchers: ArgSearchers = new Map();
    for (let w = 0; w < windows.length; w += 2) {
      const lineStart = windows[w]!;
      const line = text.slice(lineStart, windows[w + 1]!);
      // Every rule is tried on a candidate line, so overlapping anchors of two rules cannot
      // hide one another.
      for (const compiled of active) {
        if (!compiled.anchor.test(line)) continue;
        // CQ-02 judges whether the code is malicious: its author's `nosec` cannot silence that.
        const hit = matchLine(compiled, text, line, lineStart, searchers, set.control !== 'CQ-02');
        if (!hit) continue;
        const count = perRule.get(compiled) ?? 0;
        if (count >= limits.perRulePerFile) continue;
        perRule.set(compiled, count + 1);
        starts ??= lineStarts(text);
        const found: PatternHit = { rule: compiled.rule, file: file.file.path, line: lineAt(starts, lineStart), match: hit.match.slice(0, 120), ...(hit.unjustified ? { unjustifiedSuppression: true } : {}) };
        if (hits.length < limits.total) {
          hits.push(found);
          continue;
        }
        // Full: the scan goes on, and a more severe hit takes the place of the last of the least
        // severe kept (500 medium hits in early files must not hide a critical one in a later file).
        truncated = true;
        let least = -1;
        for (let k = hits.length - 1; k >= 0; k--) if (least === -1 || SEVERITY_RANK[hits[k]!.rule.severity] < SEVERITY_RANK[hits[least]!.rule.severity]) least = k;
        if (least !== -1 && SEVERITY_RANK[found.rule.severity] > SEVERITY_RANK[hits[least]!.rule.severity]) hits[least] = found;
      }
    }
  }
  return { hits, truncated, bytes, windowed };
}

/** The note a control adds when scanFiles read long lines in windows (see ScanResult.windowed). */
export function windowNote(control: ControlId, windowed: readonly string[]): Finding[] {
  if (windowed.length === 0) return [];
  const shown = windowed.slice(0, 5).map((p) => printable(p, 100)).join(', ') + (windowed.length > 5 ? `, and ${windowed.length - 5} more` : '');
  return [{ id: `${control}-long-lines`, control, severity: 'info', title: 'Long lines read in windows', description: `Lines longer than ${MAX_WINDOW} characters were matched in windows of ${MAX_WINDOW} characters around each pattern anchor; a pattern whose parts lie further apart on such a line is not seen (${windowed.length} file(s): ${shown}).` }];
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
  let cut = false;
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
        cut = true;
      }
      windows.push(start, end);
      // A capped window ends mid-line: resume a little before its end so an anchor cut by the
      // window edge is still seen.
      re.lastIndex = end < lineEnd ? Math.max(at + 1, end - 64) : end + 1;
    }
  }
  const result = { registered: REGISTERED.length, windows, cut };
  CANDIDATES.set(file, result);
  return result;
}

const STRING_SCAN_MAX = 2000;

/**
 * Whether a position of `line` is inside a string literal that opens on the same line: ', " (and
 * in JavaScript ` with its ${…} code parts), backslash escapes honoured. Regex literals are not
 * recognised; a quote inside one can only make a later call look quoted on that line. The
 * returned function must be asked about increasing positions: it reads the line once, however
 * many matches a line holds.
 */
function stringTracker(line: string, language: 'js' | 'python'): (at: number) => boolean {
  // Stack of open contexts: a quote character, or '{' for the code of a template's ${…}.
  const stack: string[] = [];
  let depth = 0;
  let i = 0;
  let comment = false;
  return (at) => {
    for (; !comment && i < at && i < line.length; i++) {
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
      if (language === 'python' && c === '#') comment = true;
      else if (c === '"' || c === "'" || (language === 'js' && c === '`')) stack.push(c);
      else if (top === '{') {
        if (c === '{') depth++;
        else if (c === '}' && --depth === 0) stack.pop();
      }
    }
    if (comment) return false;
    const top = stack[stack.length - 1];
    return top === '"' || top === "'" || top === '`';
  };
}

/**
 * Every match of the rule on the line is tried in turn (a rejected first call, e.g. `run(a)`
 * before `run(b, shell=True)`, must not hide the second), each condition costing a bounded
 * amount per match or one pass per line.
 */
function matchLine(compiled: CompiledRule, text: string, line: string, lineStart: number, searchers: ArgSearchers, honourNosec = true): { match: string; unjustified: boolean } | undefined {
  const { rule } = compiled;
  const next = compiled.pattern.cursor(line);
  let span = next();
  if (!span) return undefined;
  if (compiled.context && !compiled.context.test(line)) return undefined;
  // A line test ("^\s*//" …) reads a line from its start: a window cut out of a longer line
  // starts mid-line, where padding would choose what the line "starts" with.
  if (compiled.unlessLine && (lineStart === 0 || text.charCodeAt(lineStart - 1) === 0x0a) && compiled.unlessLine.test(line)) return undefined;
  const quoted = rule.notInString && line.length <= STRING_SCAN_MAX ? stringTracker(line, rule.notInString) : undefined;
  for (; span; span = next()) {
    const match = line.slice(span.index, span.end);
    // The match's last character decides: `require('child_process').exec(` starts inside a string
    // but the call is not; `"Disallow eval()"` ends inside one.
    if (quoted?.(span.end - 1)) continue;
    if (compiled.unlessBefore?.test(line.slice(Math.max(0, span.index - 64), span.index))) continue;
    if (rule.placeholders && (PLACEHOLDER.test(match) || publicKeyValue(line, span.index))) continue;
    const after = lineStart + span.end;
    if (compiled.requireFollowing && !compiled.requireFollowing.test(text.slice(after, after + 300))) continue;
    if (compiled.requireString && !matches(compiled.requireString, jsonStringAt(text, after))) continue;
    if (compiled.unlessArgs.length > 0 || compiled.requireArgs) {
      const range = callArgumentsRange(text, after) ?? [after, after];
      if (compiled.unlessArgs.some((t) => argsMatch(t, text, range, searchers))) continue;
      if (compiled.requireArgs && !argsMatch(compiled.requireArgs, text, range, searchers)) continue;
    }
    const nosec = honourNosec ? NOSEC.exec(line) : null;
    if (nosec) {
      // A justified suppression ("# nosec: reason") silences the finding; a bare one is reported
      // as such (MTF §3.4 CQ-03/CQ-05: "Suppression without justification: WARN").
      if (nosec[1]) return undefined;
      return { match, unjustified: true };
    }
    return { match, unjustified: false };
  }
  return undefined;
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
