import { Lexer } from 'yaml';

/**
 * Where the nesting of a YAML text first passes `limit`, as a source offset, or undefined:
 * flow collections (`[`, `{`) open at once plus block sequence entries (`- - -`) opened on one
 * line. The yaml parser's composer recurses per level, so a megabyte of `[` takes tens of
 * seconds and a gigabyte before it fails with a misleading message; this is one pass of the
 * yaml library's lexer (linear, no recursion), so the count follows YAML's own reading of
 * quotes and comments: a bracket inside a string is not counted.
 */
export function yamlNestingExceeds(text: string, limit: number): number | undefined {
  let offset = 0;
  let flow = 0;
  let lineBlock = 0;
  for (const token of new Lexer().lex(text)) {
    const first = token.charCodeAt(0);
    // Control tokens (document start, scalar start, flow error end) are not source text.
    if (token.length === 1 && (first === 0x02 || first === 0x18 || first === 0x1f)) continue;
    if (token === '[' || token === '{') flow++;
    else if ((token === ']' || token === '}') && flow > 0) flow--;
    else if (token === '-' || token === '?') lineBlock++;
    else if (first === 0x0a || first === 0x0d) lineBlock = 0;
    if (flow + lineBlock > limit) return offset;
    offset += token.length;
  }
  return undefined;
}

