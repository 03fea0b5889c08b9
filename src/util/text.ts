// Text from servers, files and bundles is attacker-controlled. Before any of it reaches a
// terminal, an XML report or a SARIF message, every character that can move the cursor, rewrite
// earlier lines, set the window title, reorder the text around it or hide itself is made visible
// as a \u{…} escape. The set is derived from Unicode properties (UAX #44), so it follows the
// Unicode version of the running engine instead of a hand list that misses characters:
//   Cc   controls (C0, DEL, C1: NEL, CSI…)            Cf   format (ZW*, bidi marks, U+061C, U+180E,
//   Zl   U+2028 line separator                             soft hyphen, tags, interlinear annotations…)
//   Zp   U+2029 paragraph separator                   Cs   lone surrogates (a cut pair)
//   Bidi_Control                     the embeddings, overrides, isolates and marks (Trojan Source)
//   Default_Ignorable_Code_Point     what fonts draw as nothing: CGJ, Hangul fillers, tag
//                                    characters U+E0000–E0FFF, unassigned reserved ignorables…
//   Variation_Selector               U+FE00–FE0F, U+E0100–E01EF, Mongolian FVS
//   Noncharacter_Code_Point          U+FDD0–FDEF and every U+xFFFE/U+xFFFF
// One character class, matched once per character: linear in the text.
const UNSAFE =
  /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Bidi_Control}\p{Default_Ignorable_Code_Point}\p{Variation_Selector}\p{Noncharacter_Code_Point}]/gu;
const UNSAFE_ONE =
  /^[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\p{Bidi_Control}\p{Default_Ignorable_Code_Point}\p{Variation_Selector}\p{Noncharacter_Code_Point}]$/u;

const escapeCodePoint = (c: string) => `\\u{${c.codePointAt(0)!.toString(16)}}`;

/**
 * Whether a code point is one that printable() escapes: a control, format, separator, bidi,
 * default-ignorable, variation-selector, surrogate or noncharacter code point (tab and line feed
 * included; the callers decide whether to keep those).
 */
export function isUnsafeCodePoint(cp: number): boolean {
  return UNSAFE_ONE.test(String.fromCodePoint(cp));
}

/**
 * Escapes every unsafe character (see isUnsafeCodePoint) as \u{hex}, except tab and, when
 * `keepLineFeeds`, line feed. A CR is always escaped (on a terminal it rewrites the line).
 */
export function escapeUnsafe(text: string, keepLineFeeds = false): string {
  return text.replace(UNSAFE, (c) => (c === '\t' || (keepLineFeeds && c === '\n') ? c : escapeCodePoint(c)));
}

/** Makes attacker-controlled text safe to print on one terminal line, cut to `max` characters. */
export function printable(text: string, max = 200): string {
  const flat = escapeUnsafe(text.replace(/\r?\n/g, '\\n'));
  if (flat.length <= max) return flat;
  // Never cut a surrogate pair in two (its first half alone is not a character).
  let end = Math.max(0, max - 1);
  const last = flat.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${flat.slice(0, end)}…`;
}

/**
 * JSON text (2-space indented) whose bytes carry no unsafe character raw: every one inside a
 * string (DEL, C1, bidi controls, U+2028/2029, invisibles…; JSON.stringify already escapes C0
 * and lone surrogates) is written as a \uXXXX escape. The parsed value is unchanged, exactly
 * the server's text; only a viewer or terminal showing the file sees nothing it would act on.
 */
export function safeJson(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(UNSAFE, (c) => {
    if (c === '\n') return c; // the indentation's line feeds (one inside a string is already \n)
    let out = '';
    for (let i = 0; i < c.length; i++) out += `\\u${c.charCodeAt(i).toString(16).padStart(4, '0')}`;
    return out;
  });
}

/** Same as printable, but keeps newlines (for multi-line blocks such as a stderr tail). */
export function printableLines(text: string, maxLines: number, maxWidth = 300): string[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  return lines.slice(-maxLines).map((l) => printable(l, maxWidth));
}

/** "1.5 MB" style size for messages. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
}

/** Parses "30s", "500ms", "2m" or a bare number of seconds into milliseconds. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  const ms = unit === 'ms' ? n : unit === 's' ? n * 1000 : n * 60_000;
  return ms > 0 && Number.isFinite(ms) ? Math.round(ms) : undefined;
}
