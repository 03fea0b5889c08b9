import { createRequire } from 'node:module';

/** Longest URI the proxy matches against the lock; a longer one is refused. */
export const MAX_URI_LENGTH = 8192;

interface TemplateApi {
  match(uri: string): Record<string, string | string[]> | null;
}
type TemplateClass = (new (template: string) => TemplateApi) & { expand(template: string, data: object): string };
const require = createRequire(import.meta.url);
let Template: TemplateClass | undefined;

type Part = { literal: string } | { op: string; body: string };
const OPERATORS = new Set(['+', '#', '/', '.', ';', '?', '&']);
/** Operators whose expansion keeps reserved characters (`/`, `?`…) as they are (RFC 6570 §3.2.3, §3.2.4). */
const RESERVED = new Set(['+', '#']);

/** Longest locked URI template the proxy matches URIs against (see parseTemplate). */
export const MAX_TEMPLATE_LENGTH = 8 * MAX_URI_LENGTH;

/** Most variables one expression of a locked template may list (uri-template-lite builds one pattern of them). */
export const MAX_TEMPLATE_VARIABLES = 256;

/** One variable of an expression (RFC 6570 varspec): a name, then an explode or a prefix length. */
const VARSPEC = /^[A-Za-z0-9_%.]+(?:\*|:\d{1,4})?$/;

/**
 * A locked URI template, split into literals and expressions once. `undefined` when the
 * template is malformed or has two adjacent expressions without a separator the matcher can
 * find (`{a}{b}`): such a template matches nothing (fail closed).
 */
export function parseTemplate(template: string): Part[] | undefined {
  // A template whose text alone is many times the longest URI let through, or an expression of
  // hundreds of variables, is no honest server's (and uri-template-lite's patterns overflow
  // V8's stack on tens of thousands of variables): it matches nothing.
  if (template.length > MAX_TEMPLATE_LENGTH) return undefined;
  const parts: Part[] = [];
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
    i = close + 1;
  }
  return parts;
}

/**
 * Whether `uri` is an expansion of the locked template (RFC 6570), in time linear in the URI:
 * literals must appear in order, each expression takes the text up to the first occurrence of
 * what follows it (a shorter match is never looked for, so an ambiguous URI may be refused,
 * never wrongly allowed), its variables are read back with uri-template-lite and the template
 * is expanded again with them: only a URI that expansion reproduces exactly matches. Values are
 * then refused when they could step outside the template once the server decodes them: a
 * decoded `/` or `\` in a simple expansion (an encoded slash), and `.` or `..` segments in a
 * reserved (`{+path}`, `{#frag}`) or path (`{/seg}`) expansion.
 */
export function matchTemplate(parts: Part[], uri: string): { ok: true } | { ok: false; reason: string } {
  try {
    return matchParts(parts, uri);
  } catch (error) {
    // uri-template-lite's patterns out of V8's stack (a RangeError, or a SyntaxError when the
    // pattern it builds is too large to compile): no match (fail closed), the proxy stays up.
    if (!(error instanceof RangeError) && !(error instanceof SyntaxError)) throw error;
    return { ok: false, reason: 'the locked template is too large to match against' };
  }
}

function matchParts(parts: Part[], uri: string): { ok: true } | { ok: false; reason: string } {
  Template ??= require('uri-template-lite') as TemplateClass;
  const values: Record<string, string | string[]> = {};
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
    const found = new Template!(`{${part.op}${part.body}}`).match(segment);
    if (!found) return { ok: false, reason: 'does not match' };
    for (const [name, value] of Object.entries(found)) {
      if (value === undefined) continue;
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

function unsafeValue(op: string, value: string | string[]): string | undefined {
  for (const v of Array.isArray(value) ? value : [value]) {
    if (v.includes('\0')) return 'a template value contains NUL';
    if (RESERVED.has(op) || op === '/') {
      if (v.split(/[\\/]/).some((s) => s === '.' || s === '..')) return 'a template value holds a dot segment (. or ..)';
      // A value starting with a slash is an absolute path: a server joining it to its root
      // (path.resolve, os.path.join) reads outside the template, as with `..`.
      if (RESERVED.has(op) && /^[\\/]/.test(v)) return 'a template value is an absolute path (starts with / or \\)';
      if (op !== '/' && /%(?:2f|5c|2e)/i.test(v)) return 'a template value holds an encoded slash or dot';
    }
    if (!RESERVED.has(op)) {
      if (v.includes('/') || v.includes('\\')) return 'a template value holds a slash (/ or \\, encoded or not)';
      if (v === '.' || v === '..') return 'a template value is a dot segment';
    }
  }
  return undefined;
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
    return decoded === '.' || decoded === '..';
  });
}
