// Text from servers, files and bundles is attacker-controlled. Before any of it reaches a
// terminal, control characters (which can move the cursor, rewrite earlier lines or set the
// window title), bidi overrides and zero-width characters are made visible as \u{…} escapes.
const UNSAFE_FOR_TERMINAL =
  // C0 except tab, DEL, C1, zero-width/bidi marks, line/paragraph separators, bidi
  // embeddings/overrides/isolates, the word joiner family and the byte-order mark.
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/gu;

/** Makes attacker-controlled text safe to print on one terminal line, cut to `max` characters. */
export function printable(text: string, max = 200): string {
  const flat = text.replace(/\r?\n/g, '\\n').replace(UNSAFE_FOR_TERMINAL, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`);
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
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
