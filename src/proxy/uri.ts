import { createRequire } from 'node:module';

/** Longest URI the proxy matches against the lock; a longer one is refused. */
export const MAX_URI_LENGTH = 8192;

type TemplateClass = { expand(template: string, data: object): string };
const require = createRequire(import.meta.url);
let Template: TemplateClass | undefined;

type Part = { literal: string } | { op: string; body: string };
/** A variable's value as an expansion takes it: a string, a list, or (exploded) name–value pairs. */
type Value = string | string[] | Record<string, string>;
const OPERATORS = new Set(['+', '#', '/', '.', ';', '?', '&']);
/** Operators whose expansion keeps reserved characters (`/`, `?`…) as they are (RFC 6570 §3.2.3, §3.2.4). */
const RESERVED = new Set(['+', '#']);

/** Longest locked URI template the proxy matches URIs against (see parseTemplate). */
export const MAX_TEMPLATE_LENGTH = 8 * MAX_URI_LENGTH;

/** Most variables one expression of a locked template may list. */
export const MAX_TEMPLATE_VARIABLES = 256;

/**
 * Most expressions one locked template may hold. Each is matched on every resources/read the
 * template is tried for, so a lock of thousands of templates of thousands of expressions each
 * (`{/a}{/a}…`) would stall the proxy for minutes per read; honest templates hold a handful.
 */
export const MAX_TEMPLATE_EXPRESSIONS = 64;

/** One variable of an expression (RFC 6570 varspec): a name, then an explode or a prefix length. */
const VARSPEC = /^[A-Za-z0-9_%.]+(?:\*|:\d{1,4})?$/;

/**
 * A locked URI template, split into literals and expressions once. `undefined` when the
 * template is malformed or has two adjacent expressions without a separator the matcher can
 * find (`{a}{b}`): such a template matches nothing (fail closed).
 */
export function parseTemplate(template: string): Part[] | undefined {
  // A template whose text alone is many times the longest URI let through, an expression of
  // hundreds of variables or a template of more than MAX_TEMPLATE_EXPRESSIONS expressions is no
  // honest server's, and each costs every resources/read that tries it: it matches nothing.
  if (template.length > MAX_TEMPLATE_LENGTH) return undefined;
  const parts: Part[] = [];
  let expressions = 0;
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf('{', i);
    if (open === -1) {
      parts.push({ literal: template.slice(i) });
      break;
    }
    if (open > i) parts.push({ literal: template.slice(i, open) });
    const close = template.indexOf('}', open);
    if (close === -1) return undefined;
    const inner = template.slice(open + 1, close);
    const op = OPERATORS.has(inner[0] ?? '') ? inner[0]! : '';
    const body = inner.slice(op.length);
    // Each variable alone: one pattern over the whole list runs out of V8's backtracking stack
    // on a few million variables (a lockfile can hold such a template).
    const variables = body.split(',');
    if (variables.length > MAX_TEMPLATE_VARIABLES || !variables.every((v) => VARSPEC.test(v))) return undefined;
    const previous = parts[parts.length - 1];
    // Two expressions in a row: the second must start with its own operator character, which
    // is where the first one ends.
    if (previous && 'op' in previous && (op === '' || op === '+')) return undefined;
    parts.push({ op, body });
    if (++expressions > MAX_TEMPLATE_EXPRESSIONS) return undefined;
    i = close + 1;
  }
  return parts;
}

/**
 * Whether `uri` is an expansion of the locked template (RFC 6570), in time linear in the URI:
 * literals must appear in order, each expression takes the text up to the first occurrence of
 * what follows it (a shorter match is never looked for, so an ambiguous URI may be refused,
 * never wrongly allowed), its variables are read back in one pass (readBack) and the template
 * is expanded again with them (uri-template-lite): only a URI that expansion reproduces exactly
 * matches. Values are
 * then refused when they could step outside the template once the server decodes them: a
 * decoded `/` or `\` in a simple expansion (an encoded slash), and `.` or `..` segments in a
 * reserved (`{+path}`, `{#frag}`) or path (`{/seg}`) expansion.
 */
export function matchTemplate(parts: Part[], uri: string): { ok: true } | { ok: false; reason: string } {
  try {
    return matchParts(parts, uri);
  } catch (error) {
    // The expansion out of V8's stack (a RangeError, or a SyntaxError from a pattern too large
    // to compile): no match (fail closed), the proxy stays up.
    if (!(error instanceof RangeError) && !(error instanceof SyntaxError)) throw error;
    return { ok: false, reason: 'the locked template is too large to match against' };
  }
}

function matchParts(parts: Part[], uri: string): { ok: true } | { ok: false; reason: string } {
  Template ??= require('uri-template-lite') as TemplateClass;
  // Variable names are the template's: `__proto__` is one like any other.
  const values: Record<string, Value> = Object.create(null) as Record<string, Value>;
  let pos = 0;
  for (let index = 0; index < parts.length; index++) {
    const part = parts[index]!;
    if ('literal' in part) {
      if (!uri.startsWith(part.literal, pos)) return { ok: false, reason: 'does not match' };
      pos += part.literal.length;
      continue;
    }
    const next = parts[index + 1];
    let end: number;
    if (next === undefined) end = uri.length;
    else {
      const stop = 'literal' in next ? next.literal : next.op;
      end = uri.indexOf(stop, pos);
      // Every expression may expand to nothing (its variables undefined): a missing operator
      // character means the expressions after this one are empty.
      if (end === -1 && 'literal' in next) return { ok: false, reason: 'does not match' };
      if (end === -1) end = uri.length;
    }
    const segment = uri.slice(pos, end);
    if (segment === '') continue;
    const found = readBack(part.op, part.body, segment);
    if (!found) return { ok: false, reason: 'does not match' };
    for (const name of Object.keys(found)) {
      const value = found[name]!;
      const problem = unsafeValue(part.op, value);
      if (problem) return { ok: false, reason: problem };
      values[name] = value;
    }
    pos = end;
  }
  if (pos !== uri.length) return { ok: false, reason: 'does not match' };
  const template = parts.map((p) => ('literal' in p ? p.literal : `{${p.op}${p.body}}`)).join('');
  if (Template!.expand(template, values) !== uri) return { ok: false, reason: 'does not match (not an exact expansion of the template)' };
  return { ok: true };
}

/** Separator between the values of an expression, per operator (RFC 6570 appendix A). */
const SEPARATOR: Readonly<Record<string, string>> = { '': ',', '+': ',', '#': ',', '.': '.', '/': '/', ';': ';', '?': '&', '&': '&' };
/** Operators whose values are written name=value. */
const NAMED = new Set([';', '?', '&']);

function decodeValue(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** A value that is not exploded reads back as a list when it holds commas (`a,b` → [a, b]). */
function listOrString(text: string): string | string[] {
  const items = text.split(',');
  return items.length > 1 ? items.map(decodeValue) : decodeValue(text);
}

/**
 * The variables of one expression read back from the text it expanded to, in one pass over it
 * (split at its separator; a named expansion's pieces matched by name): a proposal that the
 * caller checks by expanding the template again. Undefined when the text cannot be this
 * expression's. Linear in the text, whatever the expression: a pattern with one lazy group per
 * variable (as uri-template-lite's matcher builds) backtracks polynomially on a URI that fails
 * late, and a 400-character URI stopped the proxy.
 */
function readBack(op: string, body: string, segment: string): Record<string, Value> | undefined {
  const vars = body.split(',').map((spec) => ({ name: spec.replace(/[*:].*$/s, ''), explode: spec.endsWith('*') }));
  let text = segment;
  if (op !== '' && op !== '+') {
    if (!text.startsWith(op)) return undefined;
    text = text.slice(1);
  }
  const out = Object.create(null) as Record<string, Value>;
  if (!NAMED.has(op)) {
    // A reserved expansion of one variable keeps its commas.
    const pieces = (op === '+' || op === '#') && vars.length === 1 && !vars[0]!.explode ? [text] : text.split(SEPARATOR[op]!);
    let i = 0;
    for (let k = 0; k < vars.length && i < pieces.length; k++) {
      const v = vars[k]!;
      if (k === vars.length - 1 && (v.explode || pieces.length - i > 1)) {
        // The last variable takes what is left: a list (exploded, or joined with commas).
        out[v.name] = pieces.slice(i).map(decodeValue);
        i = pieces.length;
      } else out[v.name] = v.explode ? decodeValue(pieces[i++]!) : listOrString(pieces[i++]!);
    }
    return i === pieces.length ? out : undefined;
  }
  const byName = new Map(vars.map((v) => [v.name, v]));
  const pairs = vars.find((v) => v.explode);
  for (const piece of text.split(SEPARATOR[op]!)) {
    const eq = piece.indexOf('=');
    const key = eq < 0 ? piece : piece.slice(0, eq);
    const raw = eq < 0 ? '' : piece.slice(eq + 1);
    const v = byName.get(key);
    if (v && !v.explode) {
      if (key in out) return undefined;
      out[key] = listOrString(raw);
    } else if (v) {
      const list = out[key];
      if (list !== undefined && !Array.isArray(list)) return undefined;
      out[key] = [...(list ?? []), decodeValue(raw)];
    } else if (pairs) {
      // An exploded variable of name–value pairs: {?params*} → ?a=1&b=2.
      let record = out[pairs.name];
      if (record === undefined) out[pairs.name] = record = Object.create(null) as Record<string, string>;
      if (typeof record !== 'object' || Array.isArray(record)) return undefined;
      record[decodeValue(key)] = decodeValue(raw);
    } else return undefined;
  }
  return out;
}

function unsafeValue(op: string, value: Value): string | undefined {
  const strings = typeof value === 'string' ? [value] : Array.isArray(value) ? value : [...Object.keys(value), ...Object.values(value)];
  for (const v of strings) {
    const problem = unsafeString(op, v);
    if (problem !== undefined) return problem;
    // The same value with each look-alike read as the ASCII it stands for: a server that
    // normalises (NFKC) or reaches the file system through a best-fit code page reads `／`, `∕`
    // or `‥` as `/` or `..`.
    if (LOOKALIKE.test(v)) {
      const folded = unsafeString(op, foldLookalikes(v));
      if (folded !== undefined) return `${folded}, once its look-alike characters are read as the ASCII they stand for`;
    }
    // `¥` and `₩` are the backslash of Japanese and Korean Windows code pages: a server there
    // reaches the file system with `..¥..¥windows` as `..\..\windows`. A name that holds one
    // (`price¥100`) stays a name; only a dot segment or a leading one, so read, is refused.
    if (YEN_WON.test(v)) {
      const backslashed = foldLookalikes(v).replace(YEN_WONS, '\\');
      if (dotSegmentIn(backslashed) || (RESERVED.has(op) && backslashed.startsWith('\\'))) {
        return 'a template value holds a dot segment or an absolute path once ¥ or ₩ is read as the backslash Japanese and Korean Windows code pages make of it';
      }
    }
  }
  return undefined;
}

const YEN_WON = /[\u00a5\u20a9\uffe5\uffe6]/;
const YEN_WONS = new RegExp(YEN_WON.source, 'g');

/**
 * A dot segment as a server may read one: `.` or `..`, and also those with spaces around them
 * (`.. `, `. .`), which Windows trims off a path's last name. A run of three or more dots
 * (`...`) is a name everywhere and stays one.
 */
function isDotSegment(segment: string): boolean {
  return /^[. ]+$/.test(segment) && segment.includes('.') && !/^\.{3,}$/.test(segment);
}

function dotSegmentIn(text: string): boolean {
  return text.split(/[\\/]/).some(isDotSegment);
}

/**
 * Characters a server may read as a slash, backslash or dot: every one whose NFKC form holds one
 * (U+FF0F `／`, U+FF3C `＼`, U+FF0E `．`, U+2025 `‥`, U+2488 `⒈`…; tests/proxy/uri-lookalike.test.ts
 * scans every code point for them), and slashes NFKC leaves alone that look so and that best-fit
 * code pages map to `/` or `\` (U+2215 `∕`, U+2044 `⁄`, U+29F8 `⧸`, U+29F9 `⧹`, U+2216 `∖`).
 */
export const LOOKALIKE = /[\u2024-\u2026\u2100\u2101\u2105\u2106\u2488-\u249b\u33c2\u33c7\u33d8\ufe19\ufe30\ufe52\ufe68\uff0e\uff0f\uff3c\u2044\u2215\u2216\u29f8\u29f9]|\u{1f100}/u;
const LOOKALIKES = new RegExp(LOOKALIKE.source, 'gu');
const SLASH_LIKE: Readonly<Record<string, string>> = { '\u2044': '/', '\u2215': '/', '\u29f8': '/', '\u2216': '\\', '\u29f9': '\\' };

/** `text` with each look-alike (LOOKALIKE) replaced by the ASCII it stands for. */
export function foldLookalikes(text: string): string {
  return text.replace(LOOKALIKES, (c) => SLASH_LIKE[c] ?? c.normalize('NFKC'));
}

function unsafeString(op: string, v: string): string | undefined {
  if (v.includes('\0')) return 'a template value contains NUL';
  if (RESERVED.has(op) || op === '/') {
    if (dotSegmentIn(v)) return 'a template value holds a dot segment (. or ..)';
    // A value starting with a slash is an absolute path: a server joining it to its root
    // (path.resolve, os.path.join) reads outside the template, as with `..`.
    if (RESERVED.has(op) && /^[\\/]/.test(v)) return 'a template value is an absolute path (starts with / or \\)';
  }
  // Still encoded after the one decode a value gets (%252f read as %2f, %25252f as %252f): a
  // server that decodes it again, or until nothing changes, reads a slash or a dot segment the
  // checks here never saw.
  if (encodesSlashOrDot(v)) return 'a template value holds an encoded slash or dot';
  if (!RESERVED.has(op)) {
    if (v.includes('/') || v.includes('\\')) return 'a template value holds a slash (/ or \\, encoded or not)';
    if (isDotSegment(v)) return 'a template value is a dot segment';
  }
  return undefined;
}

/** Most decodings encodesSlashOrDot follows; a value encoded deeper is refused as such. */
const MAX_DECODINGS = 4;

/**
 * Whether `value`, or what decoding it again (up to MAX_DECODINGS times) gives, holds an escaped
 * slash, backslash or dot (%2f, %5c, %2e). Each decoding is linear and at most as long as the
 * last, so the check is linear in the value.
 */
function encodesSlashOrDot(value: string): boolean {
  let text = value;
  for (let i = 0; i <= MAX_DECODINGS; i++) {
    if (/%(?:2f|5c|2e)/i.test(text)) return true;
    // A look-alike that only a further decoding shows (%25EF%25BC%258F): encoded, and refused as such.
    if (i > 0 && (LOOKALIKE.test(text) || YEN_WON.test(text))) return true;
    let next: string;
    try {
      next = decodeURIComponent(text);
    } catch {
      return false; // not an escape any decoder reads (100%): nothing more hides in it
    }
    if (next === text) return false;
    text = next;
  }
  return true;
}

/**
 * A URI's own dot segments: `file:///data/../etc/passwd` and its encoded forms (`%2e%2e`) are
 * refused before any comparison, whatever the lock says, since a server that resolves them
 * reads outside what the template allows.
 */
export function hasDotSegment(uri: string): boolean {
  const path = uri.replace(/[?#].*$/s, '');
  return path.split(/[\\/]/).some((segment) => {
    let decoded = segment;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return true;
    }
    return isDotSegment(decoded);
  });
}
