import type { WordSegment } from './types.js';

/** Largest LCS table (tokens × tokens) computed; past it the middle is shown as one replacement. */
const MAX_CELLS = 1_000_000;

/** Words and the white space between them, so that joining the tokens gives back the text. */
function tokenize(text: string): string[] {
  return text.match(/\s+|[^\s]+/g) ?? [];
}

function push(out: WordSegment[], op: WordSegment['op'], text: string): void {
  if (text === '') return;
  const last = out[out.length - 1];
  if (last && last.op === op) last.text += text;
  else out.push({ op, text });
}

/**
 * A word-level diff of two texts (like `git diff --word-diff`): runs of kept, removed and
 * added text. Common prefix and suffix are trimmed first; the middle is aligned with a longest
 * common subsequence when small enough, otherwise shown as removed-then-added (bounded work
 * on an 8 MB description).
 */
export function diffWords(before: string, after: string): WordSegment[] {
  const a = tokenize(before);
  const b = tokenize(after);
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const out: WordSegment[] = [];
  push(out, 'equal', a.slice(0, start).join(''));
  const midA = a.slice(start, endA);
  const midB = b.slice(start, endB);
  if (midA.length * midB.length > MAX_CELLS) {
    push(out, 'removed', midA.join(''));
    push(out, 'added', midB.join(''));
  } else {
    alignMiddle(midA, midB, out);
  }
  push(out, 'equal', a.slice(endA).join(''));
  return out;
}

function alignMiddle(a: string[], b: string[], out: WordSegment[]): void {
  const n = a.length;
  const m = b.length;
  // lcs[i][j] = LCS length of a[i..] and b[j..], in one flat typed array.
  const width = m + 1;
  const lcs = new Uint32Array((n + 1) * width);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * width + j] = a[i] === b[j] ? lcs[(i + 1) * width + j + 1]! + 1 : Math.max(lcs[(i + 1) * width + j]!, lcs[i * width + j + 1]!);
    }
  }
  let i = 0;
  let j = 0;
  // Removals and additions between two kept words are grouped: "[-old words-]{+new words+}".
  let removed = '';
  let added = '';
  const flush = () => {
    push(out, 'removed', removed);
    push(out, 'added', added);
    removed = '';
    added = '';
  };
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      flush();
      push(out, 'equal', a[i]!);
      i++;
      j++;
    } else if (j >= m || (i < n && lcs[(i + 1) * width + j]! >= lcs[i * width + j + 1]!)) {
      removed += a[i]!;
      i++;
    } else {
      added += b[j]!;
      j++;
    }
  }
  flush();
}
