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
    const delta = differ.diff(before, after);
    if (delta === undefined) return [];
    paths = [...new Set(format(delta).map((op) => op.path))].sort();
  } catch (error) {
    // jsondiffpatch recurses: a hostile, deeply nested definition is reported at its root.
    if (error instanceof RangeError) return [''];
    throw error;
  }
  return paths.length <= MAX_PATHS ? paths : paths.slice(0, MAX_PATHS);
}
