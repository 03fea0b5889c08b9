import type { JsonValue } from '../canonical/index.js';

/**
 * How an entry that `wrap` rewrote looks: `mcptrust proxy --lock L … -- CMD ARGS`. Shared by
 * wrap (idempotence, unwrap) and the config reader (a wrapped entry is read as the server after
 * its `--`), kept apart so the reader does not load the rewriter.
 */

/** The word that starts the proxy's arguments; found within the first few elements. */
export const PROXY_WORD = 'proxy';
/** Most words a launcher may have before `proxy` (`npx -y mcptrust` has three). */
const MAX_LAUNCHER_WORDS = 6;

/** Proxy options that take a value (`--lock FILE`), and those that take none. */
const PROXY_VALUE_FLAGS = new Set(['--lock', '--server', '--env', '--audit', '--fail-on', '--timeout', '--max-items']);
const PROXY_SWITCHES = new Set(['--audit-only']);

/**
 * Whether a word launches mcptrust: its last path part is `mcptrust`, optionally with a version
 * (`mcptrust@0.1.0`, as npx takes it) or an extension (`mcptrust.js`, `.cmd`, `.exe`).
 */
function isMcptrustWord(word: JsonValue | undefined): boolean {
  if (typeof word !== 'string') return false;
  let name = word.slice(Math.max(word.lastIndexOf('/'), word.lastIndexOf('\\')) + 1);
  const at = name.indexOf('@', 1);
  if (at !== -1) name = name.slice(0, at);
  for (const ext of ['.js', '.mjs', '.cjs', '.cmd', '.exe']) if (name.toLowerCase().endsWith(ext)) name = name.slice(0, -ext.length);
  return name.toLowerCase() === 'mcptrust';
}

/**
 * Where `proxy` and its `--` are in a wrapped entry, or undefined. Wrapped means: the word
 * before `proxy` (the command, or an arg of a launcher such as `npx -y mcptrust`) starts
 * mcptrust, and only proxy options sit between `proxy` and `--`. An entry that merely looks
 * like it (`node proxy --lock x -- server.js`, a repository's own ./proxy script) is not.
 */
export function wrappedShape(command: JsonValue | undefined, args: JsonValue | undefined): { proxyAt: number; dashDash: number } | undefined {
  if (!Array.isArray(args)) return undefined;
  const proxyAt = args.findIndex((a, i) => i <= MAX_LAUNCHER_WORDS && a === PROXY_WORD && args[i + 1] === '--lock');
  if (proxyAt === -1 || !isMcptrustWord(proxyAt === 0 ? command : args[proxyAt - 1])) return undefined;
  let i = proxyAt + 1;
  while (i < args.length && args[i] !== '--') {
    const word = args[i];
    if (typeof word !== 'string') return undefined;
    if (PROXY_VALUE_FLAGS.has(word)) i += 2;
    else if (PROXY_SWITCHES.has(word) || PROXY_VALUE_FLAGS.has(word.slice(0, word.indexOf('=')))) i += 1;
    else return undefined;
  }
  if (i + 1 >= args.length || typeof args[i + 1] !== 'string') return undefined;
  return { proxyAt, dashDash: i };
}

