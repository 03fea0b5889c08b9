import type { JsonValue } from '../canonical/index.js';
import { lineColumnAt, parseJsonStrict } from '../util/json.js';
import { decodeUnits } from '../util/text.js';

/** Where a JSONC text is wrong: a reason that quotes nothing of the text, and its place. */
export interface JsoncProblem {
  reason: string;
  line?: number;
  column?: number;
}

/**
 * JSON with comments (`//`, `/* … *\/`) and trailing commas, as VS Code and Zed read their
 * settings and `mcp.json` (https://code.visualstudio.com/docs/languages/json#_json-with-comments).
 *
 * One linear pass blanks every comment and every trailing comma with spaces, keeping line
 * breaks, so each character keeps its line and column; the result then goes through
 * parseJsonStrict, which refuses duplicate member names and deep nesting and places an error
 * without quoting the text (the file may hold secrets). Attacker-controlled in the sense that
 * it may be anything: no regular expression, no recursion.
 */
export function stripJsonc(text: string): { text: string } | { problem: JsoncProblem } {
  const n = text.length;
  // The text's UTF-16 code units, copied on the first blank only (a file without comments or
  // trailing commas is returned as it is). One flat array, not a string per comma or comment:
  // 32 MB of ", " took 1.4 GB as pieces.
  let codes: Uint16Array | undefined;
  const units = (): Uint16Array => {
    if (!codes) {
      codes = new Uint16Array(n);
      for (let k = 0; k < n; k++) codes[k] = text.charCodeAt(k);
    }
    return codes;
  };
  // Spaces, except line breaks, which stay so lines keep their numbers.
  const blank = (from: number, to: number) => {
    const u = units();
    for (let k = from; k < to; k++) if (u[k] !== 0x0a && u[k] !== 0x0d) u[k] = 0x20;
  };
  // Index of a comma outside strings whose fate (kept, or blanked as trailing) waits for the
  // next significant character.
  let pendingComma = -1;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // A string: skip to its closing quote (escapes included); JSON.parse judges its content.
      pendingComma = -1;
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i += 2;
        else if (d === 0x22) {
          i++;
          break;
        } else if (d === 0x0a) break;
        else i++;
      }
      continue;
    }
    if (c === 0x2f && text.charCodeAt(i + 1) === 0x2f) {
      let end = text.indexOf('\n', i + 2);
      if (end === -1) end = n;
      blank(i, end);
      i = end;
      continue;
    }
    if (c === 0x2f && text.charCodeAt(i + 1) === 0x2a) {
      const close = text.indexOf('*/', i + 2);
      if (close === -1) {
        const { line, column } = lineColumnAt(text, i);
        return { problem: { reason: 'unterminated /* comment', line, column } };
      }
      blank(i, close + 2);
      i = close + 2;
      continue;
    }
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) {
      i++;
      continue;
    }
    if (c === 0x2c) {
      pendingComma = i;
      i++;
      continue;
    }
    if ((c === 0x7d || c === 0x5d) && pendingComma !== -1) blank(pendingComma, pendingComma + 1);
    pendingComma = -1;
    i++;
  }
  return codes ? { text: decodeUnits(codes, n) } : { text };
}

/**
 * Parses JSON, or JSONC when `comments` is set: the value, or a problem with line and column
 * that quotes nothing of the text. Duplicate member names are refused either way.
 */
export function parseJsonOrJsonc(text: string, comments: boolean): { value: JsonValue } | { problem: JsoncProblem } {
  // Editors on Windows may save with a byte-order mark; the agents themselves accept it. It is
  // replaced by a space rather than cut, so columns on the first line stay as an editor shows them.
  let body = text.charCodeAt(0) === 0xfeff ? ` ${text.slice(1)}` : text;
  if (comments) {
    const stripped = stripJsonc(body);
    if ('problem' in stripped) return stripped;
    body = stripped.text;
  }
  const parsed = parseJsonStrict(body);
  if ('value' in parsed) return parsed;
  const { message, line, column } = parsed.problem;
  // parseJsonStrict puts the place at the end of its message; the caller puts it in front.
  const at = message.lastIndexOf(' at line ');
  return { problem: { reason: at === -1 ? message : message.slice(0, at), line, column } };
}
