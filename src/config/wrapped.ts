import { isAbsolute as pathIsAbsolute, relative } from 'node:path';
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
 * How each program that may start mcptrust in front of its word does it: the words it may take
 * between (`-y`, `dlx`…), and what mcptrust's word must then be. A package runner (`npx -y
 * mcptrust`, `pnpm dlx`, `yarn dlx`, `bun x`, `bunx`) fetches the npm package named by the word,
 * so it must be exactly `mcptrust` or `mcptrust@VERSION` (no alias `npm:other`, no extension: a
 * package `mcptrust.js` is another package). A script runner (`node`, `bun`) runs the file the
 * word names from the agent's working folder, so it must be an absolute path to `mcptrust` or
 * `mcptrust.js`. A command runner (`env`, Windows' `cmd /c`) finds the word on PATH, so it is a
 * program as the entry's own command would be. `pnpm mcptrust` or `yarn mcptrust` (the project's
 * own script or bin) is none of these.
 */
type WordKind = 'package' | 'script' | 'program';
const LAUNCHERS: ReadonlyMap<string, { words: ReadonlySet<string>; then: WordKind }> = new Map([
  ['npx', { words: new Set(['-y', '--yes', '-q', '--quiet', '--silent']), then: 'package' }],
  ['pnpx', { words: new Set(['-y', '--yes', '-q', '--quiet', '--silent']), then: 'package' }],
  ['bunx', { words: new Set(['-y', '--yes', '-q', '--quiet', '--silent']), then: 'package' }],
  ['pnpm', { words: new Set(['dlx', '-s', '--silent']), then: 'package' }],
  ['yarn', { words: new Set(['dlx', '-q', '--quiet']), then: 'package' }],
  ['bun', { words: new Set(['x']), then: 'package' }],
  ['node', { words: new Set(), then: 'script' }],
  ['env', { words: new Set(), then: 'program' }],
  ['cmd', { words: new Set(['/c', '/C', '/d', '/D', '/s', '/S']), then: 'program' }],
]);
/** The words a package runner must have seen before the package (`pnpm dlx`, not `pnpm`). */
const RUNNER_VERB: ReadonlyMap<string, string> = new Map([
  ['pnpm', 'dlx'],
  ['yarn', 'dlx'],
  ['bun', 'x'],
]);

/** `mcptrust` or `mcptrust@VERSION` (a version, range or tag: no alias, path or URL). */
const MCPTRUST_PACKAGE = /^mcptrust(?:@[0-9A-Za-z.^~<>=*+|_ -]+)?$/;

/** Whether `word` starts mcptrust as a word of the given kind (see LAUNCHERS). */
function startsMcptrust(word: JsonValue | undefined, kind: WordKind, workspace?: string): boolean {
  if (typeof word !== 'string') return false;
  if (kind === 'package') return MCPTRUST_PACKAGE.test(word);
  const name = programName(word, kind === 'script' ? ['.js', '.mjs', '.cjs'] : ['.cmd', '.exe', '.js'], workspace);
  if (name !== 'mcptrust') return false;
  return kind === 'program' || isAbsolute(word);
}

function isLauncher(command: JsonValue | undefined, between: readonly JsonValue[], word: JsonValue | undefined, workspace?: string): boolean {
  const name = programName(command, ['.cmd', '.exe'], workspace);
  const launcher = name === undefined ? undefined : LAUNCHERS.get(name.toLowerCase());
  if (launcher === undefined || !between.every((w) => typeof w === 'string' && launcher.words.has(w))) return false;
  const verb = RUNNER_VERB.get(name!.toLowerCase());
  if (verb !== undefined && !between.includes(verb)) return false;
  return startsMcptrust(word, launcher.then, workspace);
}

/**
 * The name of the program a word starts (its last path part, without one of `extensions`, in
 * any case), or undefined when it cannot be a program installed for the agent: a relative path
 * (a file of whatever folder the agent runs in), a path through /proc or /dev/fd (the agent's own
 * working folder by another name), or an absolute path inside the project folder `workspace`.
 */
function programName(word: JsonValue | undefined, extensions: readonly string[], workspace?: string): string | undefined {
  if (typeof word !== 'string') return undefined;
  const cut = Math.max(word.lastIndexOf('/'), word.lastIndexOf('\\'));
  if (cut !== -1) {
    if (!isAbsolute(word) || /^[\\/]+(?:proc|dev[\\/]+fd)(?:[\\/]|$)/.test(word)) return undefined;
    if (workspace !== undefined && insideFolder(word, workspace)) return undefined;
  }
  let name = word.slice(cut + 1);
  for (const ext of extensions) if (name.toLowerCase().endsWith(ext)) name = name.slice(0, -ext.length);
  return name;
}

/** Whether the absolute path `path` lies in `folder`, compared as written (no link followed). */
function insideFolder(path: string, folder: string): boolean {
  const rel = relative(folder, path);
  return rel === '' || (!rel.startsWith('..') && !pathIsAbsolute(rel));
}

/** An absolute path on POSIX (`/…`) or Windows (`C:\\…`, `C:/…`, `\\\\server\\…`). */
const isAbsolute = (word: string): boolean => word.startsWith('/') || /^[A-Za-z]:[\\/]/.test(word) || word.startsWith('\\\\');

/**
 * Where `proxy` and its `--` are in a wrapped entry, or undefined. Wrapped means: mcptrust itself
 * is started — the entry's command is `mcptrust` (on PATH, or an absolute path outside the
 * project folder `workspace`), or a launcher of LAUNCHERS starts it as that launcher can — and
 * only proxy options that keep the gate whole sit between `proxy` and `--`. An entry that merely
 * looks like it (`node proxy --lock x -- server.js`, a repository's own ./tools/mcptrust,
 * `node mcptrust.js`, `npx mcptrust@npm:other`, `--audit-only`) is not: it is read as written,
 * so the launch the agent makes is what `check` and `diff` compare with the lockfile.
 */
export function wrappedShape(command: JsonValue | undefined, args: JsonValue | undefined, workspace?: string): { proxyAt: number; dashDash: number } | undefined {
  if (!Array.isArray(args)) return undefined;
  const proxyAt = args.findIndex((a, i) => i <= MAX_LAUNCHER_WORDS && a === PROXY_WORD && args[i + 1] === '--lock');
  if (proxyAt === -1) return undefined;
  if (proxyAt === 0 ? !startsMcptrust(command, 'program', workspace) : !isLauncher(command, args.slice(0, proxyAt - 1), args[proxyAt - 1], workspace)) return undefined;
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


/**
 * What the proxy of a wrapped entry enforces: the lockfile its last `--lock` names (commander
 * keeps the last of a repeated option) and the lockfile server each `--server` names, as
 * written. `check --config` holds them to the lockfile it checked and the entry's own name: a
 * proxy that enforces another lockfile, or another server's surface, is not the gate it passed.
 */
export function proxyEnforces(args: readonly string[], shape: { proxyAt: number; dashDash: number }): { lock: string; servers: string[] } {
  let lock = '';
  const servers: string[] = [];
  for (let i = shape.proxyAt + 1; i < shape.dashDash; i++) {
    const word = args[i]!;
    const eq = word.indexOf('=');
    const flag = word.startsWith('--') && eq !== -1 ? word.slice(0, eq) : word;
    const value = flag === word ? args[++i]! : word.slice(eq + 1);
    if (flag === '--lock') lock = value;
    else if (flag === '--server') servers.push(value);
  }
  return { lock, servers };
}
