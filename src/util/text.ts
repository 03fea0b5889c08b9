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
// One character class, matched once per character: linear in the text. Made on first use: the
// property sets cost a few milliseconds to build, and most runs print only ASCII text, which
// escapeUnsafe passes through without them.
const UNSAFE_CLASS = '[\\p{Cc}\\p{Cf}\\p{Zl}\\p{Zp}\\p{Cs}\\p{Bidi_Control}\\p{Default_Ignorable_Code_Point}\\p{Variation_Selector}\\p{Noncharacter_Code_Point}]';
let unsafeAll: RegExp | undefined;
let unsafeOne: RegExp | undefined;
const UNSAFE = () => (unsafeAll ??= new RegExp(UNSAFE_CLASS, 'gu'));
const UNSAFE_ONE = () => (unsafeOne ??= new RegExp(`^${UNSAFE_CLASS}$`, 'u'));

// Bits of the C0 controls a printable-ASCII test may let through (bit n: U+000n).
const TAB = 1 << 0x09;
const LINE_FEED = 1 << 0x0a;
const CARRIAGE_RETURN = 1 << 0x0d;

/**
 * Whether every code unit of `text` is printable ASCII (U+0020–U+007E) or one of the controls
 * whose bits are set in `controls`. One pass, no pattern to compile: the shared test behind
 * every "is this plain ASCII" fast path (escapeUnsafe, src/safety's plain-text and name checks).
 */
function onlyPrintableAscii(text: string, controls: number): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0x7e || (c < 0x20 && ((controls >> c) & 1) === 0)) return false;
  }
  return true;
}

/** Same answer as /^[\x20-\x7e]*$/.test(text): printable ASCII, no white space but the space. */
export function isPrintableAscii(text: string): boolean {
  return onlyPrintableAscii(text, 0);
}

/**
 * Same answer as /^[\t\n\r\x20-\x7e]*$/.test(text): printable ASCII with ordinary white space.
 * No hidden, bidi or look-alike character can be in such a text and NFKC leaves it unchanged.
 */
export function isPlainText(text: string): boolean {
  return onlyPrintableAscii(text, TAB | LINE_FEED | CARRIAGE_RETURN);
}

/** Same answer as /^[\x00-\x7f]*$/.test(text): every code unit ASCII. */
export function isAsciiText(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** Most combining marks in a row that normalisation is given (see capMarkRuns). */
export const MAX_MARK_RUN = 32;
// A combining mark, or a character whose compatibility decomposition starts with one (U+0E33,
// U+0EB3, U+FF9E, U+FF9F: the whole list, checked against every code point in tests/safety).
const MARK_CLASS = '[\\p{M}\\u0e33\\u0eb3\\uff9e\\uff9f]';
let longMarkRun: RegExp | undefined;
let markAt: RegExp | undefined;

/** Where the first run of more than MAX_MARK_RUN combining marks starts in `text`, or -1. */
export function longMarkRunAt(text: string): number {
  if (isAsciiText(text)) return -1;
  const m = (longMarkRun ??= new RegExp(`${MARK_CLASS}{${MAX_MARK_RUN + 1}}`, 'u')).exec(text);
  return m ? m.index : -1;
}

/**
 * `text` with every run of more than MAX_MARK_RUN combining marks cut to its first MAX_MARK_RUN,
 * and the number of marks cut (0: the text itself is returned). NFC and NFKC reorder the marks of
 * a run by their combining classes one step at a time: on a run whose classes alternate (U+0301,
 * U+0316, U+0301…) that is quadratic in its length, and a 4 MiB run does not finish. No honest
 * text stacks more than a few marks on one letter; callers that cut report it. A fixed-count
 * pattern finds the first long run (linear), then one pass over the code units cuts them all.
 */
export function capMarkRuns(text: string): { text: string; cut: number } {
  if (longMarkRunAt(text) < 0) return { text, cut: 0 };
  const mark = (markAt ??= new RegExp(MARK_CLASS, 'uy'));
  const parts: string[] = [];
  let from = 0;
  let run = 0;
  let cut = 0;
  for (let i = 0; i < text.length; ) {
    const c = text.charCodeAt(i);
    const units = c >= 0xd800 && c < 0xdc00 && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00 ? 2 : 1;
    let isMark = false;
    if (c >= 0x300) {
      mark.lastIndex = i;
      isMark = mark.test(text);
    }
    if (!isMark) run = 0;
    else if (++run > MAX_MARK_RUN) {
      // Drop this mark: keep what came before it.
      if (from < i) parts.push(text.slice(from, i));
      from = i + units;
      cut++;
    }
    i += units;
  }
  if (from < text.length) parts.push(text.slice(from));
  return { text: parts.join(''), cut };
}

const escapeCodePoint = (c: string) => `\\u{${c.codePointAt(0)!.toString(16)}}`;

/**
 * Whether a code point is one that printable() escapes: a control, format, separator, bidi,
 * default-ignorable, variation-selector, surrogate or noncharacter code point (tab and line feed
 * included; the callers decide whether to keep those).
 */
export function isUnsafeCodePoint(cp: number): boolean {
  return UNSAFE_ONE().test(String.fromCodePoint(cp));
}

/**
 * Escapes every unsafe character (see isUnsafeCodePoint) as \u{hex}, except tab and, when
 * `keepLineFeeds`, line feed. A CR is always escaped (on a terminal it rewrites the line).
 */
export function escapeUnsafe(text: string, keepLineFeeds = false): string {
  // Printable ASCII and tab (and line feed): no character of these is unsafe.
  if (onlyPrintableAscii(text, keepLineFeeds ? TAB | LINE_FEED : TAB)) return text;
  return text.replace(UNSAFE(), (c) => (c === '\t' || (keepLineFeeds && c === '\n') ? c : escapeCodePoint(c)));
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

// Memo of isUnsafeCodePoint for what escapeJsonText meets: 0 not yet known, 1 safe, 2 unsafe.
// One entry per BMP code unit, and one block of 1,024 per high surrogate for the code points above
// U+FFFF; each code point is tested against the property class once per process, so escaping is
// one array look-up per character and costs nothing up front.
const UNKNOWN = 0;
const UNSAFE_MARK = 2;
const bmpMemo = new Uint8Array(0x10000);
const pairMemo: (Uint8Array | undefined)[] = [];

function isUnsafeUnit(unit: number): boolean {
  let m = bmpMemo[unit]!;
  if (m === UNKNOWN) bmpMemo[unit] = m = UNSAFE_ONE().test(String.fromCharCode(unit)) ? UNSAFE_MARK : 1;
  return m === UNSAFE_MARK;
}

function isUnsafePair(high: number, low: number): boolean {
  const block = (pairMemo[high - 0xd800] ??= new Uint8Array(0x400));
  let m = block[low - 0xdc00]!;
  if (m === UNKNOWN) block[low - 0xdc00] = m = UNSAFE_ONE().test(String.fromCharCode(high, low)) ? UNSAFE_MARK : 1;
  return m === UNSAFE_MARK;
}

const HEX = [0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66];

/**
 * Rewrites JSON text (as JSON.stringify writes it) so that no unsafe character (see
 * isUnsafeCodePoint) is left raw inside a string: each one becomes \uXXXX (a pair of them for a
 * code point above U+FFFF). JSON.parse of the result gives exactly the same value. Outside
 * strings, valid JSON holds only ASCII punctuation, literals and whitespace; those are kept, so
 * the indentation's line feeds stay. One forward pass with one memo look-up per character, into a
 * buffer that grows by doubling: linear in the text (no per-character strings to collect).
 */
export function escapeJsonText(json: string): string {
  const n = json.length;
  let out: Uint16Array | undefined; // allocated at the first character to escape
  let at = 0; // units written to out
  let from = 0; // start of the input not yet copied to out
  const reserve = (more: number) => {
    if (out === undefined) out = new Uint16Array(Math.max(64, n + (n >> 3) + more));
    else if (at + more > out.length) {
      const bigger = new Uint16Array(Math.max(out.length * 2, at + more));
      bigger.set(out.subarray(0, at));
      out = bigger;
    }
    return out;
  };
  const flush = (to: number) => {
    const buf = reserve(to - from + 12);
    for (let k = from; k < to; k++) buf[at++] = json.charCodeAt(k);
  };
  const escape = (unit: number) => {
    const buf = out!;
    buf[at++] = 0x5c;
    buf[at++] = 0x75;
    buf[at++] = HEX[(unit >> 12) & 15]!;
    buf[at++] = HEX[(unit >> 8) & 15]!;
    buf[at++] = HEX[(unit >> 4) & 15]!;
    buf[at++] = HEX[unit & 15]!;
  };
  let inString = false;
  for (let i = 0; i < n; i++) {
    const c = json.charCodeAt(i);
    if (!inString) {
      if (c === 0x22) inString = true;
      continue;
    }
    if (c === 0x22) inString = false;
    else if (c === 0x5c) i++; // an escape: its next character is ASCII (", \\, /, b, f, n, r, t, u)
    else if (c >= 0x7f || c < 0x20) {
      // JSON.stringify never leaves a C0 control raw in a string; text from elsewhere might.
      let units = 1;
      let unsafe = c < 0x20 || isUnsafeUnit(c);
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
        const d = json.charCodeAt(i + 1);
        // A surrogate pair is one code point, judged as a whole (a tag, a variation selector…).
        if (d >= 0xdc00 && d <= 0xdfff) {
          units = 2;
          unsafe = isUnsafePair(c, d);
        }
      }
      if (unsafe) {
        flush(i);
        for (let k = 0; k < units; k++) escape(json.charCodeAt(i + k));
        from = i + units;
      }
      i += units - 1;
    }
  }
  if (out === undefined) return json;
  flush(n);
  return decodeUnits(out, at);
}

// Uint16Array holds code units in the platform's byte order; Buffer decodes little-endian only.
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The string of the first `count` UTF-16 code units of `units` (lone surrogates kept as they are). */
export function decodeUnits(units: Uint16Array, count: number): string {
  if (LITTLE_ENDIAN) return Buffer.from(units.buffer, units.byteOffset, count * 2).toString('utf16le');
  const parts: string[] = [];
  for (let k = 0; k < count; k += 8192) parts.push(String.fromCharCode(...units.subarray(k, Math.min(count, k + 8192))));
  return parts.join('');
}

/**
 * JSON text (2-space indented) whose bytes carry no unsafe character raw: every one inside a
 * string or a member name (DEL, C1, bidi controls, U+2028/2029, invisibles, tags…; JSON.stringify
 * already escapes C0 and lone surrogates) is written as a \uXXXX escape. The parsed value is
 * unchanged, exactly the server's text; only a viewer or terminal showing the file sees nothing
 * it would act on. For reports only: lockfiles and signatures keep their canonical (RFC 8785) bytes.
 */
export function safeJson(value: unknown): string {
  return escapeJsonText(JSON.stringify(value, null, 2));
}

/** Same as printable, but keeps newlines (for multi-line blocks such as a stderr tail). */
export function printableLines(text: string, maxLines: number, maxWidth = 300): string[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  return lines.slice(-maxLines).map((l) => printable(l, maxWidth));
}

/** "1.5 MiB" style size for messages (binary units). */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const [value, unit] = n < 1024 ** 2 ? [n / 1024, 'KiB'] : n < 1024 ** 3 ? [n / 1024 ** 2, 'MiB'] : [n / 1024 ** 3, 'GiB'];
  // Bounds are round ("64 MiB"); measured sizes get one decimal ("8.3 MiB").
  return `${Number.isInteger(value) ? value : value.toFixed(1)} ${unit}`;
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
