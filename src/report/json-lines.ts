/**
 * The 1-based line of each object member name in a JSON text, up to `maxDepth` levels deep,
 * keyed by the path of names joined with NUL. One linear pass over the text; the text has
 * already been parsed strictly (no duplicate keys), so the scanner only tracks structure.
 */
export function memberLines(text: string, maxDepth: number): Map<string, number> {
  const lines = new Map<string, number>();
  // One entry per open container: the path prefix and whether it is an object.
  const stack: { path: string[]; object: boolean }[] = [];
  let line = 1;
  let lastString: { value: string; line: number } | undefined;
  // The path of the member whose value comes next.
  let pending: string[] | undefined;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a) line++;
    else if (c === 0x22) {
      const start = i;
      const startLine = line;
      i++;
      let escaped = false;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) {
          escaped = true;
          i += 2;
          continue;
        }
        if (d === 0x22) break;
        i++;
      }
      const top = stack[stack.length - 1];
      // Only names of members at a tracked depth need their value decoded.
      if (top?.object && stack.length <= maxDepth) {
        const raw = text.slice(start, i + 1);
        lastString = { value: escaped ? (JSON.parse(raw) as string) : raw.slice(1, -1), line: startLine };
      } else lastString = undefined;
    } else if (c === 0x3a) {
      const top = stack[stack.length - 1];
      if (top?.object && lastString && stack.length <= maxDepth) {
        const path = [...top.path, lastString.value];
        lines.set(path.join('\u0000'), lastString.line);
        pending = path;
      }
      lastString = undefined;
    } else if (c === 0x7b || c === 0x5b) {
      const parent = stack[stack.length - 1];
      const path = parent?.object ? (pending ?? parent.path) : (parent?.path ?? []);
      stack.push({ path, object: c === 0x7b });
      pending = undefined;
    } else if (c === 0x7d || c === 0x5d) {
      stack.pop();
    } else if (c === 0x2c) {
      pending = undefined;
    }
  }
  return lines;
}
