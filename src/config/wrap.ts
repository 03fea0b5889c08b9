import { basename, dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import type { JsonObject, JsonValue } from '../canonical/index.js';
import { printable } from '../util/text.js';
import { ConfigError, normalizeEntry, parseConfigDocument, readingFor, type FileReading } from './agent-config.js';
import { stripJsonc } from './jsonc.js';

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
  /** The lock path as it goes into args (absolute, or `${workspaceFolder}/…`). */
  lockArg: string;
  /** Server names in the lock: an entry whose name is not in it is not wrapped (exit 1). */
  lockedNames: ReadonlySet<string>;
  /** --server: only these (an unknown name is an error). Empty: every stdio server. */
  only: string[];
}

/** The default launcher: the `mcptrust` on the agent's PATH (see docs/proxy.md). */
export const DEFAULT_LAUNCHER = ['mcptrust'];

/** The word that starts the proxy's arguments; found within the first few elements. */
const PROXY_WORD = 'proxy';
/** Most words a launcher may have before `proxy` (`npx -y mcptrust` has three). */
const MAX_LAUNCHER_WORDS = 6;

// ---------------------------------------------------------------------------------------------
// A positional view of a JSON text (comments already blanked, so offsets are the file's).

interface Node {
  start: number;
  end: number;
  kind: 'object' | 'array' | 'string' | 'other';
  members?: { key: string; value: Node }[];
  items?: Node[];
}

/** Parses JSON already known to be valid (parseConfigDocument ran first), keeping offsets. */
function locate(text: string): Node {
  let i = 0;
  const ws = () => {
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0xfeff) i++;
      else return;
    }
  };
  const str = (): Node => {
    const start = i;
    i++;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 0x5c) i += 2;
      else if (c === 0x22) {
        i++;
        break;
      } else i++;
    }
    return { start, end: i, kind: 'string' };
  };
  const value = (): Node => {
    ws();
    const c = text.charCodeAt(i);
    if (c === 0x22) return str();
    if (c === 0x7b) {
      const start = i++;
      const members: { key: string; value: Node }[] = [];
      ws();
      while (text.charCodeAt(i) !== 0x7d) {
        const k = str();
        ws();
        i++; // ':'
        const v = value();
        members.push({ key: JSON.parse(text.slice(k.start, k.end)) as string, value: v });
        ws();
        if (text.charCodeAt(i) === 0x2c) i++;
        ws();
      }
      i++;
      return { start, end: i, kind: 'object', members };
    }
    if (c === 0x5b) {
      const start = i++;
      const items: Node[] = [];
      ws();
      while (text.charCodeAt(i) !== 0x5d) {
        items.push(value());
        ws();
        if (text.charCodeAt(i) === 0x2c) i++;
        ws();
      }
      i++;
      return { start, end: i, kind: 'array', items };
    }
    const start = i;
    while (i < text.length && !',]} \t\r\n'.includes(text[i]!)) i++;
    return { start, end: i, kind: 'other' };
  };
  return value();
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

/** The proxy part of a wrapped entry's args: where `proxy` and `--` are, or undefined. */
function wrappedShape(args: JsonValue | undefined): { proxyAt: number; dashDash: number } | undefined {
  if (!Array.isArray(args)) return undefined;
  const proxyAt = args.findIndex((a, i) => i <= MAX_LAUNCHER_WORDS && a === PROXY_WORD && args[i + 1] === '--lock');
  if (proxyAt === -1) return undefined;
  const dashDash = args.indexOf('--', proxyAt + 1);
  if (dashDash === -1 || dashDash + 1 >= args.length || typeof args[dashDash + 1] !== 'string') return undefined;
  return { proxyAt, dashDash };
}

/** The parsed config, strictly, with its positional tree (comments blanked, offsets kept). */
function readDocument(text: string, path: string, reading: FileReading): { root: JsonValue; tree: Node } {
  if (reading.format !== 'json' && reading.format !== 'jsonc') {
    throw new ConfigError('UNSUPPORTED', `${path}: wrap rewrites JSON agent configs (Claude Desktop, Claude Code, Cursor, VS Code), not ${reading.format.toUpperCase()}`);
  }
  const root = parseConfigDocument(text, path, reading.format);
  const blanked = reading.format === 'jsonc' ? stripJsonc(text) : { text };
  if ('problem' in blanked) throw new ConfigError('MALFORMED_CONFIG', `${path}: is not valid JSON with comments`);
  return { root, tree: locate(blanked.text) };
}

/** The edits that wrap one entry, or why it is left as it is. */
function wrapEdits(text: string, entry: Located, options: WrapOptions, where: string, reading: FileReading): { edits: Edit[]; launch: string[]; kept: number } | { status: WrapStatus; reason: string } {
  const obj = entry.value as JsonObject;
  const spec = normalizeEntry(entry.value, reading.dialect, where);
  if (!spec) return { status: 'skipped', reason: 'disabled: left as it is' };
  if (spec.kind === 'http') {
    return {
      status: 'skipped',
      reason: 'a remote (HTTP/SSE) server: wrapping would turn it into a stdio entry and move its headers into the proxy\'s arguments; left as it is (check it with mcptrust diff --config)',
    };
  }
  if (wrappedShape(obj.args)) return { status: 'already-wrapped', reason: 'already launched through mcptrust proxy' };
  if (spec.envFile !== undefined) {
    return { status: 'skipped', reason: 'uses "envFile": the proxy passes on only the variables it is told by name, and the file is not read; list them in "env" instead' };
  }
  if (!options.lockedNames.has(entry.name)) return { status: 'not-in-lock', reason: 'not in the lockfile: lock it first (mcptrust lock --config FILE), then wrap' };
  const commandNode = member(entry.node, 'command')!;
  const argsNode = member(entry.node, 'args');
  const proxyWords = [...options.launcher.slice(1), PROXY_WORD, '--lock', options.lockArg, '--server', entry.name];
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
  const shape = wrappedShape(entry.value.args);
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
    // Each entry must come back exactly by itself (an `"args": []` right after the command would not).
    const alone = applyEdits(text, planned.edits);
    if (unwrapConfigText(alone, path).text !== text) {
      servers.push({ ...base, status: 'skipped', reason: 'its text could not be unwrapped back exactly; left as it is' });
      continue;
    }
    edits.push(...planned.edits);
    servers.push({ ...base, status: 'wrapped', launch: planned.launch, keptArgs: planned.kept });
  }
  const out = applyEdits(text, edits);
  if (edits.length > 0) verifyRoundTrip(text, out, path, reading, root, servers);
  return { text: out, changed: out !== text, servers };
}

/** Unwraps every wrapped entry of a JSON/JSONC agent config (or only `only`). Pure. */
export function unwrapConfigText(text: string, path: string, only: string[] = []): WrapOutcome {
  const reading = readingFor(path);
  const { root, tree } = readDocument(text, path, reading);
  const entries = locateEntries(root, tree, reading, path);
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
  if (edits.length > 0) {
    // The result must parse, and as a config this time (an edit that broke the file is refused).
    parseAgain(out, path, reading);
  }
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
function verifyRoundTrip(before: string, after: string, path: string, reading: FileReading, root: JsonValue, servers: WrapServerResult[]): void {
  const parsed = parseAgain(after, path, reading);
  const intended = structuredClone(root);
  const { tree } = readDocument(before, path, reading);
  const located = locateEntries(intended, tree, reading, path);
  for (const s of servers) {
    if (s.status !== 'wrapped') continue;
    const e = located.find((l) => l.name === s.name && l.project === s.project)!;
    const obj = e.value as JsonObject;
    const origArgs = Array.isArray(obj.args) ? (obj.args as string[]) : [];
    obj.args = [...s.launch!.slice(1), ...origArgs];
    obj.command = s.launch![0]!;
  }
  const sameCommandAndArgs = JSON.stringify(sortKeys(parsed)) === JSON.stringify(sortKeys(intended));
  if (!sameCommandAndArgs || unwrapConfigText(after, path).text !== before) {
    throw new ConfigError('MALFORMED_CONFIG', `${path}: this config cannot be rewritten and restored exactly; nothing was written`);
  }
}

function sortKeys(v: JsonValue): JsonValue {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (!isObject(v)) return v;
  const out: JsonObject = {};
  for (const k of Object.keys(v).sort()) out[k] = sortKeys(v[k]!);
  return out;
}

/**
 * The lock path as it goes into the agent config: `${workspaceFolder}/…` for a VS Code or
 * Cursor project config whose lock sits inside the project (both expand it; the project may
 * move), else absolute (the agent's working folder is not the user's shell's).
 */
export function lockArgFor(configPath: string, lockPath: string): string {
  const absolute = resolve(lockPath);
  const dir = dirname(resolve(configPath));
  const expands = ['.vscode', '.cursor'].includes(basename(dir));
  if (expands) {
    const rel = relative(dirname(dir), absolute);
    if (rel !== '' && !rel.startsWith('..') && !isAbsolute(rel)) return `\${workspaceFolder}/${rel.split(sep).join('/')}`;
  }
  return absolute;
}
