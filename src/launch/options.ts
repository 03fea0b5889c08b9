/**
 * A small scanner for a launcher's options up to its first positional argument. Only options
 * named in the table are understood: an unknown option stops the scan with `unknown`, since
 * whether it takes a value decides which argument is the package or the image, and that must
 * never be guessed.
 */
export interface OptionTable {
  /** Options that take a value (`-p X`, `--package X`, `--package=X`). */
  values: ReadonlySet<string>;
  /** Options that take none (`-y`, `--rm`). */
  flags: ReadonlySet<string>;
  /** Whether single-letter flags may be bundled (`-it`). */
  bundles?: boolean;
}

export interface ScannedOptions {
  /** Each option met, with its value when it takes one, in order. */
  options: { name: string; value?: string; index: number }[];
  /** Index of the first positional argument (args.length when there is none). */
  positional: number;
  /** Whether `--` was met just before `positional`. */
  dashDash: boolean;
  /** The first option not in the table, if the scan stopped on one. */
  unknown?: string;
}

export function scanOptions(args: readonly string[], start: number, table: OptionTable): ScannedOptions {
  const options: ScannedOptions['options'] = [];
  let i = start;
  while (i < args.length) {
    const arg = args[i]!;
    if (arg === '--') return { options, positional: i + 1, dashDash: true };
    if (!arg.startsWith('-') || arg === '-') break;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    if (eq !== -1) {
      const name = arg.slice(0, eq);
      if (table.values.has(name)) options.push({ name, value: arg.slice(eq + 1), index: i });
      else return { options, positional: i, dashDash: false, unknown: name };
      i++;
      continue;
    }
    if (table.flags.has(arg)) {
      options.push({ name: arg, index: i });
      i++;
      continue;
    }
    if (table.values.has(arg)) {
      if (i + 1 >= args.length) return { options, positional: args.length, dashDash: false, unknown: arg };
      options.push({ name: arg, value: args[i + 1]!, index: i + 1 });
      i += 2;
      continue;
    }
    // `-p@scope/pkg` / `-ubuntu`-style attached short values, and bundled short flags (`-it`).
    if (!arg.startsWith('--') && arg.length > 2) {
      const head = arg.slice(0, 2);
      if (table.values.has(head)) {
        options.push({ name: head, value: arg.slice(2), index: i });
        i++;
        continue;
      }
      if (table.bundles && [...arg.slice(1)].every((c) => table.flags.has(`-${c}`))) {
        options.push({ name: arg, index: i });
        i++;
        continue;
      }
    }
    return { options, positional: i, dashDash: false, unknown: arg.length > 40 ? `${arg.slice(0, 40)}…` : arg };
  }
  return { options, positional: i, dashDash: false };
}

export const set = (...names: string[]): ReadonlySet<string> => new Set(names);
