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

/**
 * Proxy options an entry may hold and still count as wrapped: those that change where the proxy
 * reads or logs, not what it lets through. `--audit-only` (forward everything) and `--fail-on`
 * other than its default `any` weaken the gate: an entry with them is read as written.
 */
const PROXY_VALUE_FLAGS = new Set(['--lock', '--server', '--env', '--audit', '--timeout', '--max-items']);
const FAIL_ON = '--fail-on';
const FAIL_ON_DEFAULT = 'any';

/**
 * Whether a word launches mcptrust: `mcptrust` found on PATH, an absolute path whose last part
 * is `mcptrust` (with an extension `.js`, `.mjs`, `.cjs`, `.cmd`, `.exe`), or the unscoped npm
 * package `mcptrust@VERSION` (as npx takes it). A relative path (`./tools/mcptrust`, a file of
 * the repository the config comes with) or a scoped package (`@evil/mcptrust`) is some other
 * program that is merely named so.
 */
function isMcptrustWord(word: JsonValue | undefined): boolean {
  return programName(word, ['.js', '.mjs', '.cjs', '.cmd', '.exe'], true) === 'mcptrust';
}

/**
 * Programs that may start mcptrust in front of its word (`npx -y mcptrust`, `node
 * /opt/mcptrust/dist/bin/mcptrust.js`), found on PATH or by an absolute path, and the words
 * that may stand between them and mcptrust's word. Anything else (`./evil mcptrust proxy …`,
 * `node --require ./x.js …`) is another program that runs first.
 */
const LAUNCHERS = new Set(['npx', 'node', 'bunx', 'pnpx', 'pnpm', 'yarn', 'bun']);
const LAUNCHER_WORDS = new Set(['-y', '--yes', '-q', '--quiet', '--silent', 'dlx', 'exec', 'x']);

function isLauncher(command: JsonValue | undefined, between: readonly JsonValue[]): boolean {
  const name = programName(command, ['.cmd', '.exe'], false);
  return name !== undefined && LAUNCHERS.has(name) && between.every((w) => typeof w === 'string' && LAUNCHER_WORDS.has(w));
}

/**
 * The name of the program a word starts, lower-cased, without one of `extensions` (and, for a bare
 * name with `versioned`, without npx's `@VERSION`); undefined for a relative path, which names a
 * file of whatever folder the agent runs in, not a program found on PATH or by an absolute path.
 */
function programName(word: JsonValue | undefined, extensions: readonly string[], versioned: boolean): string | undefined {
  if (typeof word !== 'string') return undefined;
  const cut = Math.max(word.lastIndexOf('/'), word.lastIndexOf('\\'));
  if (cut !== -1 && !isAbsolute(word)) return undefined;
  let name = word.slice(cut + 1);
  const at = name.indexOf('@', 1);
  if (cut === -1 && versioned && at !== -1) name = name.slice(0, at);
  name = name.toLowerCase();
  for (const ext of extensions) if (name.endsWith(ext)) name = name.slice(0, -ext.length);
  return name;
}

/** An absolute path on POSIX (`/…`) or Windows (`C:\\…`, `C:/…`, `\\\\server\\…`). */
const isAbsolute = (word: string): boolean => word.startsWith('/') || /^[A-Za-z]:[\\/]/.test(word) || word.startsWith('\\\\');

/**
 * Where `proxy` and its `--` are in a wrapped entry, or undefined. Wrapped means: the word
 * before `proxy` (the command, or an arg of a launcher such as `npx -y mcptrust`) starts
 * mcptrust (isMcptrustWord), and only proxy options that keep the gate whole sit between `proxy`
 * and `--`. An entry that merely looks like it (`node proxy --lock x -- server.js`, a
 * repository's own ./tools/mcptrust, `--audit-only`) is not: it is read as written, so the
 * launch the agent makes is what `check` and `diff` compare with the lockfile.
 */
export function wrappedShape(command: JsonValue | undefined, args: JsonValue | undefined): { proxyAt: number; dashDash: number } | undefined {
  if (!Array.isArray(args)) return undefined;
  const proxyAt = args.findIndex((a, i) => i <= MAX_LAUNCHER_WORDS && a === PROXY_WORD && args[i + 1] === '--lock');
  if (proxyAt === -1 || !isMcptrustWord(proxyAt === 0 ? command : args[proxyAt - 1])) return undefined;
  if (proxyAt > 0 && !isLauncher(command, args.slice(0, proxyAt - 1))) return undefined;
  let i = proxyAt + 1;
  while (i < args.length && args[i] !== '--') {
    const word = args[i];
    if (typeof word !== 'string') return undefined;
    if (word === FAIL_ON) {
      if (args[i + 1] !== FAIL_ON_DEFAULT) return undefined;
      i += 2;
    } else if (word === `${FAIL_ON}=${FAIL_ON_DEFAULT}`) i += 1;
    else if (PROXY_VALUE_FLAGS.has(word)) i += 2;
    else if (PROXY_VALUE_FLAGS.has(word.slice(0, word.indexOf('=')))) i += 1;
    else return undefined;
  }
  if (i + 1 >= args.length || typeof args[i + 1] !== 'string') return undefined;
  return { proxyAt, dashDash: i };
}

