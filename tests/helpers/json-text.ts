/**
 * `text` (JSON) with the white space outside strings removed: the compact form of a pretty-printed
 * document, without a parse and re-stringify (which would reorder integer-like keys).
 */
export function withoutInsignificantSpace(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i]!;
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (c !== ' ' && c !== '\n' && c !== '\r' && c !== '\t') out += c;
  }
  return out;
}
