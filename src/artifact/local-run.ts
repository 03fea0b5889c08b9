/**
 * What a local launch line, or the environment `run` starts it with, can run besides the files
 * its local pin names (src/artifact/local.ts): `run` refuses such a line before it starts
 * anything. Loaded by `run` only.
 */
import { accessSync, constants, lstatSync, readFileSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { delimiter, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { LocalLaunch, PathLaunch } from '../launch/types.js';
import { printable } from '../util/text.js';

/** Interpreters that read --env-file as node does. */
const NODE_LIKE = new Set(['node', 'nodejs', 'tsx', 'ts-node']);

/** Watch modes (node, tsx, bun, deno): the script is rerun when a file changes. */
const WATCH = /^--(?:watch|watch-path|watch-preserve-output|hot)(?:=|$)/;

/** Inspector flags (node, deno, bun): a debugger port through which whoever reaches it runs any code in the server. */
const INSPECTOR = /^--(?:inspect|inspect-brk|inspect-wait|inspect-port|debug-port)(?:=|$)/;

/**
 * Variables through which the dynamic loader, a shell, perl, ruby, python, bun or a JVM runs code
 * before the script, or puts a folder ahead of its standard library (so that `use strict` or
 * `import json` loads a file from there): the server's environment may not set them.
 * (NODE_OPTIONS is read option by option, below.)
 */
const LOADER_VARIABLES = [
  'LD_PRELOAD', 'LD_AUDIT', 'DYLD_INSERT_LIBRARIES', 'BASH_ENV', 'ENV',
  'PERL5OPT', 'PERL5DB', 'PERL5LIB', 'PERLLIB', 'RUBYOPT', 'RUBYLIB',
  // PYTHONUSERBASE: its site-packages' usercustomize.py and *.pth run at start-up;
  // PYTHONPYCACHEPREFIX: compiled modules, the standard library's included, are read from there.
  'PYTHONPATH', 'PYTHONHOME', 'PYTHONUSERBASE', 'PYTHONPYCACHEPREFIX',
  // bun reads BUN_OPTIONS as options before its own (`--preload ./x.ts`).
  'BUN_OPTIONS',
  'JAVA_TOOL_OPTIONS', '_JAVA_OPTIONS', 'JDK_JAVA_OPTIONS',
];

/** NODE_OPTIONS options that load no code and open nothing: flags, and options that take a value. */
const NODE_OPTIONS_FLAGS = new Set(['--no-warnings', '--enable-source-maps', '--no-deprecation', '--trace-warnings', '--trace-deprecation', '--throw-deprecation', '--pending-deprecation', '--trace-uncaught', '--expose-gc', '--preserve-symlinks', '--preserve-symlinks-main', '--experimental-vm-modules', '--use-openssl-ca', '--use-bundled-ca', '--frozen-intrinsics', '--disallow-code-generation-from-strings', '--no-addons', '--no-experimental-fetch', '--experimental-strip-types', '--tls-min-v1.2', '--tls-min-v1.3', '--force-fips', '--enable-fips', '--openssl-legacy-provider', '--report-on-fatalerror', '--abort-on-uncaught-exception', '--experimental-global-webcrypto', '--experimental-fetch', '--no-experimental-global-navigator', '--trace-exit', '--trace-sigint', '--zero-fill-buffers', '--jitless', '--no-network-family-autoselection']);
const NODE_OPTIONS_VALUES = new Set(['--max-old-space-size', '--max-semi-space-size', '--stack-size', '--title', '--unhandled-rejections', '--disable-warning', '--dns-result-order', '--conditions', '-C', '--max-http-header-size', '--secure-heap', '--secure-heap-min', '--diagnostic-dir', '--input-type', '--experimental-default-type', '--tls-cipher-list', '--heapsnapshot-near-heap-limit', '--use-largepages', '--network-family-autoselection-attempt-timeout']);

/** Bound on a file read here (an --env-file, a package.json): a larger one is not read in part. */
const MAX_READ_BYTES = 4 * 1024 * 1024;

/**
 * A file's text: `absent` when there is none, `unread` when it is not a regular file or is larger
 * than MAX_READ_BYTES (then nothing is guessed from it).
 */
function smallFileText(path: string): string | 'absent' | 'unread' {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) return 'unread';
    size = st.size;
  } catch {
    return 'absent';
  }
  return size > MAX_READ_BYTES ? 'unread' : readFileSync(path, 'utf8');
}

/** NODE_OPTIONS split as node splits it: on white space outside double quotes, `\` escaping inside them. */
function nodeOptionWords(value: string): string[] {
  const words: string[] = [];
  let word = '';
  let quoted = false;
  let started = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (quoted && c === '\\' && i + 1 < value.length) {
      word += value[++i];
    } else if (c === '"') {
      quoted = !quoted;
      started = true;
    } else if (!quoted && /\s/.test(c)) {
      if (started) words.push(word);
      word = '';
      started = false;
    } else {
      word += c;
      started = true;
    }
  }
  if (started) words.push(word);
  return words;
}

/** The first NODE_OPTIONS word that is not an option known to load no code (undefined: none). */
function riskyNodeOption(value: string): string | undefined {
  const words = nodeOptionWords(value);
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    const eq = word.indexOf('=');
    // node reads "_" as "-" in an option's name.
    const name = (eq === -1 ? word : word.slice(0, eq)).replace(/_/g, '-');
    if (NODE_OPTIONS_FLAGS.has(name) && eq === -1) continue;
    if (NODE_OPTIONS_VALUES.has(name)) {
      if (eq === -1) i++;
      continue;
    }
    return word;
  }
  return undefined;
}

/**
 * The package.json nearest to `dir`, walking up as node and bun find it: its parsed document,
 * `unread` when that file cannot be read or parsed (too large, not a regular file, not JSON), or
 * undefined when there is none.
 */
function nearestPackageJson(dir: string): Record<string, unknown> | 'unread' | undefined {
  const file = nearest(dir, 'package.json');
  const text = file === undefined ? 'absent' : smallFileText(file);
  if (text === 'absent') return undefined;
  if (text === 'unread') return 'unread';
  try {
    const doc = JSON.parse(text) as unknown;
    return typeof doc === 'object' && doc !== null && !Array.isArray(doc) ? (doc as Record<string, unknown>) : 'unread';
  } catch {
    return 'unread';
  }
}

/** `dir` and every folder above it, nearest first. */
function* foldersUp(dir: string): Generator<string> {
  for (let at = resolve(dir); ; at = dirname(at)) {
    yield at;
    if (dirname(at) === at) return;
  }
}

/**
 * The "name" of the package.json nearest to `dir` (node's package scope for a self-reference);
 * undefined when there is none, it has no name, or it cannot be read.
 */
function ownPackageName(dir: string): string | undefined {
  const doc = nearestPackageJson(dir);
  const name = doc === undefined || doc === 'unread' ? undefined : doc.name;
  return typeof name === 'string' && name !== '' ? name : undefined;
}

/**
 * Why `bun NAME` or `bun run NAME` might not run the file NAME: bun runs the script of that name of
 * the nearest package.json (any shell command) instead, before it looks for a file (bun 1.4: `bun
 * run srv.mjs` and `bun srv` take the script; `bun srv.mjs` the file). Undefined when no script
 * has that name.
 */
function bunRunsScript(name: string, lockDir: string): string | undefined {
  const doc = nearestPackageJson(lockDir);
  if (doc === undefined) return undefined;
  if (doc === 'unread') return `bun reads the nearest package.json's scripts before the file ${printable(name, 200)}, and that package.json cannot be read to check them`;
  const scripts = doc.scripts;
  if (typeof scripts === 'object' && scripts !== null && Object.hasOwn(scripts, name)) {
    return `the nearest package.json has a script named ${printable(name, 200)}, which bun runs (a shell command) instead of the file`;
  }
  return undefined;
}

/** The path of `name` in `dir` or the nearest folder above it that has one; undefined when none does. */
function nearest(dir: string, name: string): string | undefined {
  for (const at of foldersUp(dir)) {
    const candidate = join(at, name);
    if (statSync(candidate, { throwIfNoEntry: false }) !== undefined) return candidate;
  }
  return undefined;
}

/** The value of the first of `names` in `words` (`--name value`, `--name=value`, or `-nvalue` for a short name). */
function optionValue(words: readonly string[], names: readonly string[]): string | undefined {
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (names.includes(word)) return words[i + 1];
    const eq = word.indexOf('=');
    if (eq > 0 && names.includes(word.slice(0, eq))) return word.slice(eq + 1);
    const short = names.find((name) => /^-[^-]$/.test(name) && word.startsWith(name) && word.length > 2);
    if (short !== undefined) return word.slice(2).replace(/^=/, '');
  }
  return undefined;
}

/**
 * What a `uv run` line (`before`: its words before the script) runs besides the script, from uv's
 * documented behaviour: `--directory`/`--project` (UV_PROJECT, UV_WORKING_DIRECTORY) move it to
 * another folder's project; without `--no-project` or `--no-sync`, a pyproject.toml found from the
 * folder up is synced first (installed with its dependencies, its build backend run); and the python
 * it runs (`--python`, UV_PYTHON, a .python-version path, or that of VIRTUAL_ENV,
 * UV_PROJECT_ENVIRONMENT or the nearest .venv) must not be a file of the folder.
 */
function uvRunsOther(before: readonly string[], env: Record<string, string | undefined>, lockDir: string): string | undefined {
  const moved = before.find((arg) => /^--(?:directory|project)(?:=|$)/.test(arg)) ?? ['UV_PROJECT', 'UV_WORKING_DIRECTORY'].find((name) => env[name]);
  if (moved !== undefined) return `uv's ${printable(moved, 100)} runs the script from, or syncs, another folder's project`;
  if (!before.includes('--no-project') && !before.includes('--no-sync')) {
    const project = nearest(lockDir, 'pyproject.toml');
    if (project !== undefined) return `uv run syncs the project of ${printable(project, 300)} before the script (it installs the project and its dependencies, running its build), code the lock's local pin does not name (add --no-project or --no-sync)`;
  }
  // The python: --python, else UV_PYTHON, else the nearest .python-version (its first line).
  const versionFile = nearest(lockDir, '.python-version');
  const versionText = versionFile === undefined ? 'absent' : smallFileText(versionFile);
  const pinned = versionText === 'absent' || versionText === 'unread' ? undefined : versionText.split('\n')[0]!.trim();
  const python = optionValue(before, ['--python', '-p']) ?? env.UV_PYTHON ?? (pinned !== undefined && versionFile !== undefined && /[/\\]/.test(pinned) ? resolve(dirname(versionFile), pinned) : undefined);
  // Every environment uv may take (an active one, the project's, the nearest .venv): none may
  // hold a python of the folder.
  const venvs = [env.VIRTUAL_ENV, env.UV_PROJECT_ENVIRONMENT].filter((v): v is string => !!v).map((v) => resolve(lockDir, v));
  const dotVenv = nearest(lockDir, '.venv');
  if (dotVenv !== undefined) venvs.push(dotVenv);
  const pythons = [...(python !== undefined && /[/\\]/.test(python) ? [resolve(lockDir, python)] : []), ...venvs.flatMap((venv) => ['bin/python', 'bin/python3', 'Scripts/python.exe'].map((p) => join(venv, p)))];
  const own = pythons.find((file) => statSync(file, { throwIfNoEntry: false }) !== undefined && fileOfFolder(file, lockDir));
  return own === undefined ? undefined : `uv runs the python ${printable(own, 300)}, a file of the folder`;
}

/**
 * Why the deno config `text` (deno.json, deno.jsonc) could map the main module to another file, or
 * undefined when it cannot: an import map (`imports`, or a `scopes` map) with a key that is a path
 * or a file URL (`./srv.mjs`, `./`, `/abs/`, `file:`), or an `importMap` file. A text that is not
 * strict JSON (comments, JSON5 keys, escapes in keys) is read only as text: any mention of a map,
 * or any escape, counts (fail closed).
 */
function denoMapsMain(text: string): string | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return /imports|scopes|importmap|\\/i.test(text) ? 'an import map (a config that is not plain JSON is read as text)' : undefined;
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return undefined;
  const config = doc as Record<string, unknown>;
  if (Object.hasOwn(config, 'importMap')) return 'an importMap file';
  const maps: unknown[] = [Object.hasOwn(config, 'imports') ? config.imports : undefined];
  const scopes = Object.hasOwn(config, 'scopes') ? config.scopes : undefined;
  if (typeof scopes === 'object' && scopes !== null) maps.push(...Object.values(scopes));
  for (const map of maps) {
    if (typeof map !== 'object' || map === null) continue;
    const key = Object.keys(map).find((k) => /^(?:\.|\/|[a-z]:|file:)/i.test(k));
    if (key !== undefined) return `an import map entry for ${printable(key, 100)}`;
  }
  return undefined;
}

/**
 * What a deno line (`before`: its words before the script) runs besides the script: an import map
 * may map the main module itself to another file (deno 2.9: `"imports": {"./srv.mjs": "./evil.mjs"}`),
 * so `--import-map`, `--config`/`-c`, or a deno.json / deno.jsonc from the folder up (every one:
 * a workspace root's map applies to its members) whose map could (denoMapsMain) is refused,
 * unless `--no-config` keeps deno from reading them.
 */
function denoRunsOther(before: readonly string[], lockDir: string): string | undefined {
  const option = before.find((arg) => /^(?:--import-map|--config|-c)(?:=|$)/.test(arg));
  if (option !== undefined) return `deno's ${printable(option, 100)} reads an import map, which can map the script itself to another file`;
  if (before.includes('--no-config')) return undefined;
  for (const at of foldersUp(lockDir)) {
    for (const name of ['deno.json', 'deno.jsonc']) {
      const text = smallFileText(join(at, name));
      if (text === 'absent') continue;
      const why = text === 'unread' ? 'a config that cannot be read to check it' : denoMapsMain(text);
      if (why !== undefined) return `deno reads ${printable(join(at, name), 300)}, with ${why}, which can map the script itself to another file (add --no-config)`;
    }
  }
  return undefined;
}

/** bun options before the script that make it read another config (its preloads) or run from another folder. */
const BUN_ELSEWHERE = /^(?:--config|-c|--cwd)(?:=|$)/;

/**
 * The file a command starts when spawned from `cwd` with `path` as PATH, found as the C library's
 * execvp finds it: a name with a slash as it is; else the first executable regular file in
 * PATH's folders, where an empty entry (a leading, trailing or doubled `:`) or a relative one is
 * taken from `cwd` (on Windows, with each of `pathext`'s extensions). Undefined when there is
 * none (the spawn then fails by itself). The one PATH lookup of lock's pin, run and wrap.
 */
export function spawnedFile(command: string, path: string | undefined, cwd: string, pathext?: string): string | undefined {
  const windows = process.platform === 'win32';
  if (command.includes('/') || (windows && command.includes('\\'))) return resolve(cwd, command);
  const extensions = windows ? ['', ...(pathext ?? '.EXE;.CMD;.BAT;.COM').split(';').filter(Boolean)] : [''];
  for (const dir of (path ?? '/bin:/usr/bin').split(delimiter)) {
    for (const ext of extensions) {
      const candidate = resolve(cwd, dir === '' ? '.' : dir, command + ext);
      try {
        if (!statSync(candidate).isFile()) continue;
        if (!windows) accessSync(candidate, constants.X_OK);
        return candidate;
      } catch {
        // not here: keep looking
      }
    }
  }
  return undefined;
}

/** Whether `path` lies inside the folder `root` (both as given: no link is followed here). */
function inside(path: string, root: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/**
 * The virtual environment `dir` is, when it is one: a folder with a pyvenv.cfg whose `home` (the
 * python it was made from) lies outside `root`. Anything else (an empty pyvenv.cfg, a home of the
 * folder) is no virtual environment, but files of the folder.
 */
function isVirtualEnv(dir: string, root: string): boolean {
  const text = smallFileText(join(dir, 'pyvenv.cfg'));
  if (text === 'absent' || text === 'unread') return false;
  const home = /^[ \t]*home[ \t]*=[ \t]*(.+?)[ \t\r]*$/m.exec(text)?.[1];
  return home !== undefined && isAbsolute(home) && !inside(resolve(home), root) && resolve(home) !== root;
}

/**
 * Whether `path` (inside `root`) is in one of the folder's dependencies, which no pin names and
 * which run as the server's own imports do: a node_modules folder, or a virtual environment.
 */
function inDependencies(path: string, root: string): boolean {
  const parts = relative(root, path).split(sep);
  if (parts.includes('node_modules')) return true;
  for (let i = parts.length - 1; i > 0; i--) if (isVirtualEnv(join(root, ...parts.slice(0, i)), root)) return true;
  return false;
}

/**
 * Whether a PATH entry `real` (inside `root`) is a dependency's folder of programs, kept on the
 * server's PATH: a node_modules/.bin (an npm script's PATH has one), or a virtual environment's bin
 * (or Scripts) folder (an activated venv).
 */
function dependencyBin(real: string, root: string): boolean {
  const parts = relative(root, real).split(sep);
  const last = parts.length - 1;
  if (parts[last] === '.bin' && parts[last - 1] === 'node_modules') return true;
  return (parts[last] === 'bin' || parts[last] === 'Scripts') && last > 0 && isVirtualEnv(join(root, ...parts.slice(0, last)), root);
}

/**
 * Whether `file` is a file of the folder `dir` that whoever writes the folder controls and no pin
 * names, as a program to start. The file it resolves to must lie outside the folder, or — for an
 * interpreter that is an npm package (`packaged`: tsx, ts-node) — in a node_modules; the path as
 * found, when in the folder, must be in one of its dependencies (a virtual environment's link to
 * its python, a node_modules/.bin link): a link elsewhere in the folder is a file of the folder
 * wherever it points.
 */
function fileOfFolder(file: string, dir: string, packaged = false): boolean {
  let real: string;
  let root: string;
  try {
    root = realpathSync.native(dir);
    real = realpathSync.native(file);
  } catch {
    return false;
  }
  if (inside(real, root) && !(packaged && relative(root, real).split(sep).includes('node_modules'))) return true;
  const found = resolve(file);
  for (const folder of [resolve(dir), root]) if (inside(found, folder) && !inDependencies(found, folder)) return true;
  return false;
}

/** Interpreters that are npm packages, legitimately found in a node_modules/.bin. */
const PACKAGED_INTERPRETERS = new Set(['tsx', 'ts-node']);

/**
 * Where a PATH entry leads, following links as the kernel does, one component at a time (a `..`
 * after a link climbs from the link's target); `proc`: the way passes through /proc or /dev/fd,
 * whose links name the looking process's own folders (/proc/self/cwd is the server's working
 * folder, not mcptrust's). Undefined when the entry is empty or relative, or loops.
 */
function followEntry(entry: string): { real: string; proc: boolean } | undefined {
  if (entry === '' || !isAbsolute(entry)) return undefined;
  // On POSIX a backslash is a character of a name, not a separator.
  const separators = process.platform === 'win32' ? /[\\/]+/ : /\/+/;
  let parts = entry.split(separators).filter((p) => p !== '' && p !== '.');
  let at: string = sep;
  let proc = false;
  for (let hops = 0; parts.length > 0; ) {
    const part = parts.shift()!;
    if (part === '..') {
      at = dirname(at);
      continue;
    }
    const next = join(at, part);
    if (/^[\\/](?:proc|dev[\\/]fd)(?:[\\/]|$)/.test(next)) proc = true;
    let link: string | undefined;
    try {
      link = lstatSync(next).isSymbolicLink() ? readlinkSync(next) : undefined;
    } catch {
      return { real: join(next, ...parts), proc };
    }
    if (link === undefined) {
      at = next;
      continue;
    }
    if (++hops > 40) return undefined;
    parts = [...link.split(separators).filter((p) => p !== '' && p !== '.'), ...parts];
    if (isAbsolute(link)) at = sep;
  }
  return { real: at, proc };
}

/** Most entries a note names one by one; the rest are counted. */
const NAMED_ENTRIES = 5;

/**
 * A search path (PATH, LD_LIBRARY_PATH) without the entries through which a program or library
 * found by name (the interpreter, `#!/usr/bin/env node`, a shim, ld.so's libraries, anything the
 * server itself starts) would be a file of the lock's folder: empty and relative entries (the
 * working folder is the lock's folder), entries through /proc or /dev/fd, and entries in the
 * folder (links followed) other than a dependency's bin folder. `dropped`: the entries left out.
 */
export function serverPath(path: string | undefined, lockDir: string): { path: string | undefined; dropped: string[] } {
  if (path === undefined) return { path, dropped: [] };
  let root: string;
  try {
    root = realpathSync.native(lockDir);
  } catch {
    root = resolve(lockDir);
  }
  const kept: string[] = [];
  const dropped: string[] = [];
  for (const entry of path.split(delimiter)) {
    const led = followEntry(entry);
    if (led === undefined || led.proc || ((led.real === root || inside(led.real, root)) && !dependencyBin(led.real, root))) dropped.push(entry);
    else kept.push(entry);
  }
  return { path: kept.join(delimiter), dropped };
}

/** The note `run` prints for the entries serverPath left out of `variable`: the first few named, the rest counted. */
export function droppedNote(who: string, variable: string, dropped: readonly string[]): string {
  const named = dropped.slice(0, NAMED_ENTRIES).map((d) => (d === '' ? '(empty)' : printable(d, 120)));
  const more = dropped.length > NAMED_ENTRIES ? ` and ${dropped.length - NAMED_ENTRIES} more` : '';
  return `note: ${who}: left out of the server's ${variable}, as they lead into the lockfile's folder (or are relative to it): ${named.join(', ')}${more}\n`;
}

/** The --env-file paths of a node line before its script (`script`: the script's index in `args`). */
function envFiles(args: readonly string[], script: number): string[] {
  const files: string[] = [];
  for (let i = 0; i < script; i++) {
    const arg = args[i]!;
    const file = arg === '--env-file' || arg === '--env-file-if-exists' ? args[i + 1] : /^--env-file(?:-if-exists)?=/.test(arg) ? arg.slice(arg.indexOf('=') + 1) : undefined;
    if (file !== undefined) files.push(file);
  }
  return files;
}

const SETS_NODE_OPTIONS = /^[ \t]*(?:export[ \t]+)?NODE_OPTIONS[ \t]*[=:]/m;

/**
 * What `launch` (started as `command` with the expanded `args`, in `lockDir`, with the server's
 * environment `env`) can run besides its pinned files, said as the reason `run` refuses it;
 * undefined when nothing. In order: an interpreter that is a file of the folder; for bun, a
 * bunfig.toml beside the lock (its preloads), --config/--cwd before the script, or a package.json
 * script named as the script (bun runs it instead); for `uv run`, what uvRunsOther finds; a module preload that is the folder's own
 * package (reached through package.json "exports"); the inspector or a watch mode before the
 * script; a loader variable (LOADER_VARIABLES); a NODE_OPTIONS with any option not known to load
 * no code; for node lines, an --env-file that sets NODE_OPTIONS (read whole, with and without
 * its carriage returns, which node 20 drops). After the script, arguments are the server's own.
 */
export function otherCode(launch: LocalLaunch | PathLaunch, command: string, args: readonly string[], env: Record<string, string | undefined>, lockDir: string): string | undefined {
  const local = launch.kind === 'local' ? launch : undefined;
  if (local?.interpreter !== undefined && (command.includes('/') || command.includes('\\')) && !isAbsolute(command)) {
    return `its interpreter ${printable(command, 200)} is a file of the folder (start it by name, found on PATH, or by an absolute path)`;
  }
  // The same file reached by an absolute path, or by a name that PATH finds there (an empty or
  // "." entry is the folder itself, where the server starts).
  if (local?.interpreter !== undefined) {
    const file = spawnedFile(command, env.PATH, lockDir);
    if (file !== undefined && fileOfFolder(file, lockDir, PACKAGED_INTERPRETERS.has(local.interpreter))) {
      return `its interpreter ${printable(command, 200)} starts ${printable(file, 300)}, a file of the folder${isAbsolute(command) ? '' : ' (found through PATH)'}`;
    }
  }
  if (local?.interpreter === 'bun') {
    if (smallFileText(join(lockDir, 'bunfig.toml')) !== 'absent') return `bun reads ${printable(join(lockDir, 'bunfig.toml'), 300)}, whose preloads run before the script`;
    const elsewhere = args.slice(0, Math.max(0, local.fileArgIndex)).find((arg) => BUN_ELSEWHERE.test(arg));
    if (elsewhere !== undefined) return `bun's ${printable(elsewhere, 100)} makes it read another config file (whose preloads run before the script) or run the script from another folder`;
    const script = bunRunsScript(local.file, lockDir);
    if (script !== undefined) return script;
  }
  if (local?.interpreter === 'deno') {
    const other = denoRunsOther(args.slice(0, Math.max(0, local.fileArgIndex)), lockDir);
    if (other !== undefined) return other;
  }
  if (local?.interpreter === 'uv run') {
    const other = uvRunsOther(args.slice(0, Math.max(0, local.fileArgIndex)), env, lockDir);
    if (other !== undefined) return other;
  }
  if (local?.modulePreloads !== undefined) {
    const own = ownPackageName(lockDir);
    const self = own === undefined ? undefined : local.modulePreloads.find((m) => m === own || m.startsWith(`${own}/`));
    if (self !== undefined) return `its preload ${printable(self, 200)} is the folder's own package, a file reached through package.json "exports"`;
  }
  const script = local === undefined ? 0 : Math.max(0, local.fileArgIndex);
  const before = args.slice(0, script);
  const inspector = before.find((arg) => INSPECTOR.test(arg.replace(/_/g, '-')));
  if (inspector !== undefined) return `it opens the inspector (${printable(inspector, 100)}), a debugger port through which whoever reaches it runs code in the server`;
  const watch = before.find((arg) => WATCH.test(arg));
  if (watch !== undefined) return `it runs in watch mode (${printable(watch, 100)}), which reruns the server with whatever its files hold when they change, after they were verified`;
  const variable = LOADER_VARIABLES.find((name) => env[name] !== undefined && env[name] !== '');
  if (variable !== undefined) return `its environment sets ${variable}, through which code runs before the server's own`;
  const option = env.NODE_OPTIONS === undefined ? undefined : riskyNodeOption(env.NODE_OPTIONS);
  if (option !== undefined) return `its NODE_OPTIONS has ${printable(option, 100)}, not an option known to load no code (such as --require, --import, a loader, the inspector or a snapshot)`;
  if (!NODE_LIKE.has(local?.interpreter ?? '')) return undefined;
  for (const file of envFiles(args, script)) {
    // One that does not exist node reports itself.
    const text = smallFileText(resolve(lockDir, file));
    if (text === 'unread') return `its env file ${printable(file, 200)} is not a regular file of at most ${MAX_READ_BYTES / 1024 / 1024} MiB, so it cannot be checked for NODE_OPTIONS`;
    if (text !== 'absent' && (SETS_NODE_OPTIONS.test(text) || SETS_NODE_OPTIONS.test(text.replace(/\r/g, '')))) return `its env file ${printable(file, 200)} sets NODE_OPTIONS`;
  }
  return undefined;
}
