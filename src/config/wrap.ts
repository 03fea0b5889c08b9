import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import type { JsonObject, JsonValue } from '../canonical/index.js';
import { printable } from '../util/text.js';
import { ConfigError, normalizeEntry, parseConfigDocument, readingFor, workspaceOf, type FileReading } from './agent-config.js';
import { parseJsonOrJsonc, stripJsonc } from './jsonc.js';
import { PROXY_WORD, wrappedShape } from './wrapped.js';

/**
 * `wrap` / `unwrap`: puts `mcptrust proxy` in front of each stdio server of a JSON or JSONC
 * agent config, and takes it away again, by minimal text edits at known positions so comments,
 * trailing commas, indentation, CRLF and a byte-order mark survive untouched.
 *
 * A wrapped entry keeps its `args` array and every other member; the edit is:
 *   "command": ORIG            →  "command": "mcptrust"
 *   "args": [A, B]             →  "args": [PROXY..., "--", ORIG, A, B]
 * where PROXY is `proxy --lock L --server NAME [--env K]...` (after the words of `--command`),
 * and ORIG is the command's JSON literal copied as written (escapes included). Unwrap deletes
 * the inserted elements and puts ORIG back, so unwrap(wrap(x)) is x byte for byte; both are
 * checked before anything is written. An entry without `args` gets `, "args": [...]` inserted
 * right after its command, which unwrap removes when nothing is left in it.
 *
 * The config is attacker-controlled in the sense that it may be anything: it is parsed strictly
 * first (parseConfigDocument: duplicate keys and deep nesting refused), then located by a linear
 * scan whose depth is bounded by that parse.
 */

export type WrapStatus = 'wrapped' | 'already-wrapped' | 'unwrapped' | 'not-wrapped' | 'skipped' | 'not-in-lock';

export interface WrapServerResult {
  name: string;
  /** ~/.claude.json local scope: the project folder the entry belongs to. */
  project?: string;
  status: WrapStatus;
  /** Why it was skipped or not wrapped (no value from the file is quoted). */
  reason?: string;
  /** The words the entry is launched with after the change (wrap: up to `--` and the command). */
  launch?: string[];
  /** How many original args follow the command (not shown: they may hold tokens). */
  keptArgs?: number;
}

export interface WrapOutcome {
  /** The new text; equal to the input when nothing changed. */
  text: string;
  changed: boolean;
  servers: WrapServerResult[];
}

export interface WrapOptions {
  /** The words that start mcptrust in the agent's environment: ["mcptrust"] by default. */
  launcher: string[];
  /** The lock path as it goes into args (lockArgFor: absolute, `./…` or `${workspaceFolder}/…`). */
  lockArg: string;
  /**
   * The lockfile's absolute path and the project folder: an entry with its own `cwd` starts its
   * proxy there, so a `./…` lockArg is made relative to that folder instead (absolute when the
   * cwd is absolute or holds a variable).
   */
  lockPath?: string;
  workspace?: string;
  /** Server names in the lock: an entry whose name is not in it is not wrapped (exit 1). */
  lockedNames: ReadonlySet<string>;
  /** --server: only these (an unknown name is an error). Empty: every stdio server. */
  only: string[];
}

// ---------------------------------------------------------------------------------------------
// A positional view of a JSON text (comments already blanked, so offsets are the file's).

/**
 * One value of a JSON text, found lazily: its span is known at once (a scan that allocates
 * nothing), its members or items only when asked for (one level at a time). A 30 MB
 * ~/.claude.json is walked only along the path to its servers.
 */
class Node {
  readonly kind: 'object' | 'array' | 'string' | 'other';
  readonly end: number;
  #members?: { key: string; value: Node }[];
  #items?: Node[];

  constructor(
    private readonly text: string,
    readonly start: number,
  ) {
    const c = text.charCodeAt(start);
    this.kind = c === 0x7b ? 'object' : c === 0x5b ? 'array' : c === 0x22 ? 'string' : 'other';
    this.end = skipValue(text, start);
  }

  get members(): { key: string; value: Node }[] | undefined {
    if (this.kind !== 'object') return undefined;
    if (!this.#members) {
      this.#members = [];
      let i = skipSpace(this.text, this.start + 1);
      while (this.text.charCodeAt(i) !== 0x7d) {
        const keyEnd = skipValue(this.text, i);
        const key = JSON.parse(this.text.slice(i, keyEnd)) as string;
        i = skipSpace(this.text, skipSpace(this.text, keyEnd) + 1); // past ':'
        const value = new Node(this.text, i);
        this.#members.push({ key, value });
        i = skipSpace(this.text, value.end);
        if (this.text.charCodeAt(i) === 0x2c) i = skipSpace(this.text, i + 1);
      }
    }
    return this.#members;
  }

  get items(): Node[] | undefined {
    if (this.kind !== 'array') return undefined;
    if (!this.#items) {
      this.#items = [];
      let i = skipSpace(this.text, this.start + 1);
      while (this.text.charCodeAt(i) !== 0x5d) {
        const item = new Node(this.text, i);
        this.#items.push(item);
        i = skipSpace(this.text, item.end);
        if (this.text.charCodeAt(i) === 0x2c) i = skipSpace(this.text, i + 1);
      }
    }
    return this.#items;
  }
}

function skipSpace(text: string, i: number): number {
  for (;;) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0xfeff) i++;
    else return i;
  }
}

/** The end of the value starting at `i` of a text known to be valid JSON: one flat scan. */
function skipValue(text: string, i: number): number {
  const n = text.length;
  let depth = 0;
  do {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i += 2;
        else if (d === 0x22) break;
        else i++;
      }
      i++;
    } else if (c === 0x7b || c === 0x5b) {
      depth++;
      i++;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
      i++;
    } else if (depth === 0) {
      // A number, true, false or null at the top: up to the next delimiter.
      while (i < n && !',]} \t\r\n'.includes(text[i]!)) i++;
    } else i++;
  } while (depth > 0 && i < n);
  return i;
}

/** The root value of JSON text already known to be valid (parseConfigDocument ran first). */
function locate(text: string): Node {
  return new Node(text, skipSpace(text, 0));
}

const member = (node: Node | undefined, key: string): Node | undefined => node?.members?.find((m) => m.key === key)?.value;
const isObject = (v: JsonValue | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

interface Located {
  name: string;
  project?: string;
  node: Node;
  value: JsonValue;
}

/** The server entries of a JSON/JSONC config, with their places, in the file's section. */
function locateEntries(root: JsonValue, tree: Node, reading: FileReading, path: string): Located[] {
  if (!isObject(root)) throw new ConfigError('MALFORMED_CONFIG', `${path}: the top level must be an object`);
  const out: Located[] = [];
  const take = (obj: JsonValue | undefined, node: Node | undefined, project?: string) => {
    if (obj === undefined || obj === null) return;
    if (!isObject(obj) || node?.kind !== 'object') throw new ConfigError('MALFORMED_CONFIG', `${path}: the servers must be an object of name → entry`);
    for (const m of node.members!) out.push({ name: m.key, ...(project !== undefined ? { project } : {}), node: m.value, value: obj[m.key]! });
  };
  let section = reading.section;
  if (section === 'auto') {
    if (root.projects !== undefined && root.mcpServers === undefined) section = 'claude.json';
    else section = root.mcpServers !== undefined ? 'mcpServers' : root.servers !== undefined ? 'servers' : root.mcp !== undefined || root['mcp.servers'] !== undefined ? 'mcp.servers' : 'mcpServers';
  }
  if (section === 'mcpServers' || section === 'servers') take(root[section], member(tree, section));
  else if (section === 'mcp.servers') {
    if (isObject(root.mcp)) take(root.mcp.servers, member(member(tree, 'mcp'), 'servers'));
    else take(root['mcp.servers'], member(tree, 'mcp.servers'));
  } else if (section === 'claude.json') {
    take(root.mcpServers, member(tree, 'mcpServers'));
    if (isObject(root.projects)) {
      const projects = member(tree, 'projects')!;
      for (const m of projects.members!) {
        const settings = root.projects[m.key];
        if (isObject(settings)) take(settings.mcpServers, member(m.value, 'mcpServers'), m.key);
      }
    }
  } else throw new ConfigError('UNSUPPORTED', `${path}: wrap rewrites JSON agent configs (Claude Desktop, Claude Code, Cursor, VS Code); this file's servers are in "${section}"`);
  return out;
}

// ---------------------------------------------------------------------------------------------

interface Edit {
  at: number;
  end: number;
  text: string;
}

function applyEdits(text: string, edits: Edit[]): string {
  let out = '';
  let from = 0;
  for (const e of [...edits].sort((a, b) => a.at - b.at)) {
    out += text.slice(from, e.at) + e.text;
    from = e.end;
  }
  return out + text.slice(from);
}

/** The parsed config, strictly, with its positional view (comments blanked, offsets kept). */
function readDocument(text: string, path: string, reading: FileReading): { root: JsonValue; tree: Node } {
  if (reading.format !== 'json' && reading.format !== 'jsonc') {
    throw new ConfigError('UNSUPPORTED', `${path}: wrap rewrites JSON agent configs (Claude Desktop, Claude Code, Cursor, VS Code), not ${reading.format.toUpperCase()}`);
  }
  const root = parseConfigDocument(text, path, reading.format);
  return { root, tree: locateText(text, path, reading) };
}

/** The positional view of a config text that parsed: comments blanked (JSONC), offsets kept. */
function locateText(text: string, path: string, reading: FileReading): Node {
  const blanked = reading.format === 'jsonc' ? stripJsonc(text) : { text };
  if ('problem' in blanked) throw new ConfigError('MALFORMED_CONFIG', `${path}: is not valid JSON with comments`);
  return locate(blanked.text);
}

/** The edits that wrap one entry, or why it is left as it is. */
function wrapEdits(text: string, entry: Located, options: WrapOptions, where: string, reading: FileReading): { edits: Edit[]; launch: string[]; kept: number } | { status: WrapStatus; reason: string } {
  const obj = entry.value as JsonObject;
  const spec = normalizeEntry(entry.value, reading.dialect, where, reading.offSwitch === true);
  if (!spec) return { status: 'skipped', reason: 'disabled: left as it is' };
  if (spec.kind === 'http') {
    return {
      status: 'skipped',
      reason: 'a remote (HTTP/SSE) server: wrapping would turn it into a stdio entry and move its headers into the proxy\'s arguments; left as it is (check it with mcptrust diff --config)',
    };
  }
  if (wrappedShape(obj.command, obj.args)) return { status: 'already-wrapped', reason: 'already launched through mcptrust proxy' };
  if (spec.envFile !== undefined) {
    return { status: 'skipped', reason: 'uses "envFile": the proxy passes on only the variables it is told by name, and the file is not read; list them in "env" instead' };
  }
  // The proxy takes `--env NAME` for names of letters, digits and _ only; it would refuse to start.
  const oddName = Object.keys(spec.env).find((k) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(k));
  if (oddName !== undefined) return { status: 'skipped', reason: `its env declares "${printable(oddName, 60)}", a name the proxy cannot pass on (letters, digits and _ only)` };
  if (!options.lockedNames.has(entry.name)) return { status: 'not-in-lock', reason: 'not in the lockfile: lock it first (mcptrust lock --config FILE), then wrap' };
  const commandNode = member(entry.node, 'command')!;
  const argsNode = member(entry.node, 'args');
  // A name that starts with "-" goes as --server=NAME, so the proxy cannot take it for an option.
  const server = entry.name.startsWith('-') ? [`--server=${entry.name}`] : ['--server', entry.name];
  const proxyWords = [...options.launcher.slice(1), PROXY_WORD, '--lock', entryLockArg(options, spec.cwd), ...server];
  // The server gets the variables its entry declares only if the proxy passes them on by name.
  for (const name of Object.keys(spec.env)) proxyWords.push('--env', name);
  proxyWords.push('--');
  const literal = text.slice(commandNode.start, commandNode.end);
  const inserted = [...proxyWords.map((w) => JSON.stringify(w)), literal].join(', ');
  const edits: Edit[] = [{ at: commandNode.start, end: commandNode.end, text: JSON.stringify(options.launcher[0]) }];
  if (!argsNode) edits.push({ at: commandNode.end, end: commandNode.end, text: `, "args": [${inserted}]` });
  else if (argsNode.items!.length === 0) edits.push({ at: argsNode.start + 1, end: argsNode.start + 1, text: inserted });
  else edits.push({ at: argsNode.items![0]!.start, end: argsNode.items![0]!.start, text: `${inserted}, ` });
  return { edits, launch: [options.launcher[0]!, ...proxyWords, spec.command], kept: spec.args.length };
}

/** The edits that unwrap one wrapped entry (undefined when it is not wrapped). */
function unwrapEdits(text: string, entry: Located): { edits: Edit[]; command: string; kept: number } | undefined {
  if (!isObject(entry.value)) return undefined;
  const shape = wrappedShape(entry.value.command, entry.value.args);
  const commandNode = member(entry.node, 'command');
  const argsNode = member(entry.node, 'args');
  if (!shape || !commandNode || commandNode.kind !== 'string' || !argsNode?.items) return undefined;
  const items = argsNode.items;
  const original = items[shape.dashDash + 1]!;
  const edits: Edit[] = [{ at: commandNode.start, end: commandNode.end, text: text.slice(original.start, original.end) }];
  const rest = items.length - shape.dashDash - 2;
  if (rest > 0) edits.push({ at: items[0]!.start, end: items[shape.dashDash + 2]!.start, text: '' });
  else if (text.slice(commandNode.end, argsNode.start) === ', "args": ') {
    // Inserted by wrap right after the command: removed whole.
    edits.push({ at: commandNode.end, end: argsNode.end, text: '' });
  } else edits.push({ at: argsNode.start + 1, end: original.end, text: '' });
  return { edits, command: (entry.value.args as string[])[shape.dashDash + 1]!, kept: rest };
}

/** Whether unwrapping one entry's wrapped text gives back its text exactly. */
function entryRoundTrips(text: string, entry: Located, edits: Edit[], reading: FileReading): boolean {
  const { start, end } = entry.node;
  const before = text.slice(start, end);
  const after = applyEdits(before, edits.map((e) => ({ at: e.at - start, end: e.end - start, text: e.text })));
  const parsed = parseJsonOrJsonc(after, reading.format === 'jsonc');
  const blanked = reading.format === 'jsonc' ? stripJsonc(after) : { text: after };
  if (!('value' in parsed) || 'problem' in blanked) return false;
  const undo = unwrapEdits(after, { name: entry.name, node: locate(blanked.text), value: parsed.value });
  return undo !== undefined && applyEdits(after, undo.edits) === before;
}

function checkNames(entries: Located[], only: string[], path: string): void {
  const known = new Set(entries.map((e) => e.name));
  for (const name of only) {
    if (!known.has(name)) {
      throw new ConfigError('UNKNOWN_SERVER', `${path} has no server "${printable(name, 60)}"; it has: ${[...known].map((n) => printable(n, 60)).join(', ') || 'none'}`);
    }
  }
}

const label = (path: string, e: Located) => `${path}: server "${printable(e.name, 60)}"${e.project !== undefined ? ` of project ${printable(e.project, 120)}` : ''}`;

/**
 * Wraps the stdio servers of a JSON/JSONC agent config. Pure: text in, text out. Throws a
 * ConfigError (exit 2) for a config it cannot read or round-trip, or an unknown `--server`.
 */
export function wrapConfigText(text: string, path: string, options: WrapOptions): WrapOutcome {
  const reading = readingFor(path);
  const { root, tree } = readDocument(text, path, reading);
  const entries = locateEntries(root, tree, reading, path);
  checkNames(entries, options.only, path);
  const servers: WrapServerResult[] = [];
  const edits: Edit[] = [];
  for (const entry of entries) {
    if (options.only.length > 0 && !options.only.includes(entry.name)) continue;
    const where = label(path, entry);
    const base = { name: entry.name, ...(entry.project !== undefined ? { project: entry.project } : {}) };
    const planned = wrapEdits(text, entry, options, where, reading);
    if ('status' in planned) {
      servers.push({ ...base, status: planned.status, reason: planned.reason });
      continue;
    }
    // Each entry must come back exactly by itself (an `"args": []` right after the command would
    // not). Checked on the entry's own text, so a large ~/.claude.json is not re-read per server.
    if (!entryRoundTrips(text, entry, planned.edits, reading)) {
      servers.push({ ...base, status: 'skipped', reason: 'its text could not be unwrapped back exactly; left as it is' });
      continue;
    }
    edits.push(...planned.edits);
    servers.push({ ...base, status: 'wrapped', launch: planned.launch, keptArgs: planned.kept });
  }
  const out = applyEdits(text, edits);
  if (edits.length > 0) verifyRoundTrip(text, out, path, reading, root, entries, servers);
  return { text: out, changed: out !== text, servers };
}

/** Unwraps every wrapped entry of a JSON/JSONC agent config (or only `only`). Pure. */
export function unwrapConfigText(text: string, path: string, only: string[] = []): WrapOutcome {
  const reading = readingFor(path);
  return unwrapParsed(text, path, reading, readDocument(text, path, reading).root, only, true);
}

function unwrapParsed(text: string, path: string, reading: FileReading, root: JsonValue, only: string[], check: boolean): WrapOutcome {
  const entries = locateEntries(root, locateText(text, path, reading), reading, path);
  checkNames(entries, only, path);
  const servers: WrapServerResult[] = [];
  const edits: Edit[] = [];
  for (const entry of entries) {
    if (only.length > 0 && !only.includes(entry.name)) continue;
    const base = { name: entry.name, ...(entry.project !== undefined ? { project: entry.project } : {}) };
    const planned = unwrapEdits(text, entry);
    if (!planned) {
      servers.push({ ...base, status: 'not-wrapped' });
      continue;
    }
    edits.push(...planned.edits);
    servers.push({ ...base, status: 'unwrapped', launch: [planned.command], keptArgs: planned.kept });
  }
  const out = applyEdits(text, edits);
  // The result must parse, and as a config (an edit that broke the file is refused). Skipped
  // inside wrap's check, whose unwrapped text must equal a text that already parsed.
  if (edits.length > 0 && check) parseAgain(out, path, reading);
  return { text: out, changed: out !== text, servers };
}

function parseAgain(text: string, path: string, reading: FileReading): JsonValue {
  try {
    return parseConfigDocument(text, path, reading.format as 'json' | 'jsonc');
  } catch {
    throw new ConfigError('MALFORMED_CONFIG', `${path}: the rewritten config would not parse; nothing was written`);
  }
}

/**
 * Before anything is written: the new text parses to the intended document (the old one with
 * each wrapped entry's command and args replaced, nothing else), and unwrap gives back the old
 * bytes exactly.
 */
function verifyRoundTrip(before: string, after: string, path: string, reading: FileReading, root: JsonValue, entries: Located[], servers: WrapServerResult[]): void {
  const parsed = parseAgain(after, path, reading);
  // The intended document: the old one (parsed once, not used after this) with each wrapped
  // entry's command and args replaced.
  for (const s of servers) {
    if (s.status !== 'wrapped') continue;
    const obj = entries.find((l) => l.name === s.name && l.project === s.project)!.value as JsonObject;
    obj.args = [...s.launch!.slice(1), ...(Array.isArray(obj.args) ? obj.args : [])];
    obj.command = s.launch![0]!;
  }
  if (!sameJson(parsed, root) || unwrapParsed(after, path, reading, parsed, [], false).text !== before) {
    throw new ConfigError('MALFORMED_CONFIG', `${path}: this config cannot be rewritten and restored exactly; nothing was written`);
  }
}

/** Deep equality of two parsed JSON values (member order aside); depth bounded by the parse. */
function sameJson(a: JsonValue, b: JsonValue): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => sameJson(x, b[i]!));
  if (!isObject(a) || !isObject(b)) return false;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && sameJson(a[k]!, b[k]!));
}

/** The lock path for one entry: lockArgFor's, taken from the entry's own `cwd` when it has one. */
function entryLockArg(options: WrapOptions, cwd: string | undefined): string {
  const { lockArg, lockPath, workspace } = options;
  if (cwd === undefined || !lockArg.startsWith('./') || lockPath === undefined || workspace === undefined) return lockArg;
  if (isAbsolute(cwd) || cwd.includes('${')) return lockPath;
  const rel = relative(resolve(workspace, cwd), lockPath).split(sep).join('/');
  return rel === '..' || rel.startsWith('../') ? rel : `./${rel}`;
}

/**
 * The lock path as it goes into the agent config, so that the config can be committed and work
 * in every checkout: `${workspaceFolder}/…` for a VS Code or Cursor project config whose lock
 * sits inside the project (both expand it); `./…` for another project config (Claude Code's
 * `.mcp.json`, Gemini, Codex, Zed) whose lock sits inside the project, since that agent starts
 * the project's servers in the project folder; else absolute (a user config's servers start in
 * a folder of the agent's own, not the user's shell's).
 */
export function lockArgFor(configPath: string, lockPath: string): string {
  const absolute = resolve(lockPath);
  const dir = dirname(resolve(configPath));
  const inside = (folder: string): string | undefined => {
    const rel = relative(folder, absolute);
    // `..lock.json` lies inside; `..` and `../x` do not.
    return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel) ? rel.split(sep).join('/') : undefined;
  };
  // ~/.cursor/mcp.json and ~/.gemini/settings.json share their project files' names: the home
  // folder is no project.
  const project = readingFor(configPath).workspace === true && workspaceOf(configPath) !== homedir();
  // Only a project's .vscode or .cursor: ~/.cursor/mcp.json is a user config, which no workspace folder expands in.
  if (project && ['.vscode', '.cursor'].includes(basename(dir))) {
    const rel = inside(dirname(dir));
    if (rel !== undefined) return `\${workspaceFolder}/${rel}`;
  }
  if (project) {
    const rel = inside(workspaceOf(configPath));
    if (rel !== undefined) return `./${rel}`;
  }
  return absolute;
}
