import { create } from 'jsondiffpatch';
import { format } from 'jsondiffpatch/formatters/jsonpatch';

/** Most paths listed per change. */
const MAX_PATHS = 100;

let differ: ReturnType<typeof create> | undefined;

/**
 * JSON Pointers (RFC 6901) of every structural difference between two definitions, from the
 * jsondiffpatch delta. Array items of objects are matched by their `name` (prompt arguments)
 * or their canonical text, so a reordering does not read as every item changed.
 */
export function jsonPaths(before: unknown, after: unknown): string[] {
  differ ??= create({
    arrays: { detectMove: false },
    objectHash: (item: object, index?: number) => {
      const name = (item as { name?: unknown }).name;
      return typeof name === 'string' ? `name:${name}` : `#${index ?? 0}`;
    },
  });
  let paths: string[];
  try {
    // jsondiffpatch aligns arrays with a longest common subsequence: time and memory grow with
    // the product of their lengths (two 10,000-item enums: seconds and a 100M-cell table). Past
    // the bound, arrays are compared item by item instead — linear, and exact about what changed,
    // only a reordering then lists every moved index.
    if (arrayCells(before, after, { nodes: MAX_WALK }) > MAX_ARRAY_CELLS) return indexPaths(before, after);
    // Null-prototype copies: jsondiffpatch reads a member one side lacks as `side[name]`, which
    // for "constructor", "toString"… of a plain object is Object.prototype's function. A member
    // named "__proto__" it loses (its delta objects are plain): such values are compared by index.
    const copies = { proto: false };
    const [x, y] = [ownCopy(before, copies), ownCopy(after, copies)];
    if (copies.proto) return indexPaths(before, after);
    const delta = differ.diff(x, y);
    if (delta === undefined) return [];
    paths = [...new Set(format(delta).map((op) => op.path))].sort();
  } catch (error) {
    // jsondiffpatch recurses: a hostile, deeply nested definition is reported at its root.
    if (error instanceof RangeError) return [''];
    throw error;
  }
  return paths.length <= MAX_PATHS ? paths : paths.slice(0, MAX_PATHS);
}

/** Largest total of array-pair products (len × len) handed to the LCS of jsondiffpatch. */
const MAX_ARRAY_CELLS = 1_000_000;
/** Nodes visited by the cost estimate before it gives up and reports the bound as exceeded. */
const MAX_WALK = 200_000;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The sum of len(a) × len(b) over the arrays that sit at the same place in both values (an upper bound of the LCS work). */
function arrayCells(a: unknown, b: unknown, budget: { nodes: number }): number {
  const stack: [unknown, unknown][] = [[a, b]];
  let cells = 0;
  while (stack.length > 0) {
    if (--budget.nodes < 0) return Infinity;
    const [x, y] = stack.pop()!;
    if (Array.isArray(x) && Array.isArray(y)) {
      cells += x.length * y.length;
      if (cells > MAX_ARRAY_CELLS) return cells;
      // Items are matched by position or by name: nested arrays of any pair may be compared.
      for (let i = 0; i < Math.min(x.length, y.length); i++) stack.push([x[i], y[i]]);
    } else if (isRecord(x) && isRecord(y)) {
      for (const k of Object.keys(x)) if (Object.prototype.hasOwnProperty.call(y, k)) stack.push([x[k], y[k]]);
    }
  }
  return cells;
}

/** A deep copy whose objects have no prototype (only their own members), made without recursion. */
function ownCopy(value: unknown, seen: { proto: boolean }): unknown {
  const copy = (v: unknown): unknown => (Array.isArray(v) ? new Array<unknown>(v.length) : isRecord(v) ? Object.create(null) : v);
  const root = copy(value);
  const stack: [unknown, unknown][] = [[value, root]];
  while (stack.length > 0) {
    const [from, to] = stack.pop()!;
    if (Array.isArray(from)) {
      const out = to as unknown[];
      for (let i = 0; i < from.length; i++) stack.push([from[i], (out[i] = copy(from[i]))]);
    } else if (isRecord(from)) {
      const out = to as Record<string, unknown>;
      for (const k of Object.keys(from)) {
        if (k === '__proto__') seen.proto = true;
        stack.push([from[k], (out[k] = copy(from[k]))]);
      }
    }
  }
  return root;
}

const token = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');

/** Paths of the differences with arrays compared index by index (linear), at most MAX_PATHS, sorted. */
function indexPaths(before: unknown, after: unknown): string[] {
  const out = new Set<string>();
  const stack: [unknown, unknown, string][] = [[before, after, '']];
  while (stack.length > 0 && out.size < MAX_PATHS) {
    const [x, y, path] = stack.pop()!;
    if (Array.isArray(x) && Array.isArray(y)) {
      for (let i = Math.max(x.length, y.length) - 1; i >= 0; i--) {
        if (i >= x.length || i >= y.length) out.add(`${path}/${i}`);
        else stack.push([x[i], y[i], `${path}/${i}`]);
      }
    } else if (isRecord(x) && isRecord(y)) {
      const keys = new Set([...Object.keys(x), ...Object.keys(y)]);
      for (const k of [...keys].sort().reverse()) {
        const has = Object.prototype.hasOwnProperty;
        if (!has.call(x, k) || !has.call(y, k)) out.add(`${path}/${token(k)}`);
        else stack.push([x[k], y[k], `${path}/${token(k)}`]);
      }
    } else if (x !== y) out.add(path);
  }
  return [...out].sort();
}
