import { dirname, basename, isAbsolute, resolve } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { parseDocument as parseYamlDocument } from 'yaml';
import type { JsonObject, JsonValue } from '../canonical/index.js';
import { BaseError } from '../errors.js';
import type { NamedTarget, ServerTarget } from '../mcp/target.js';
import { lineColumnAt } from '../util/json.js';
import { printable } from '../util/text.js';
import { envValue, RESERVED_NAME } from '../util/record.js';
import { yamlNestingExceeds } from '../util/yaml-nesting.js';
import { recogniseConfigPath, userFileAt, type ConfigFormat, type Dialect, type PathContext, type ServerSection } from './agents.js';
import { parseJsonOrJsonc } from './jsonc.js';
import { proxyEnforces, wrappedShape } from './wrapped.js';

export type ConfigErrorCode = 'MALFORMED_CONFIG' | 'NO_SERVERS' | 'UNKNOWN_SERVER' | 'UNSET_VARIABLE' | 'UNSUPPORTED';

/** An agent config (any agent of src/config/agents.ts) that cannot be used (exit 2). */
export class ConfigError extends BaseError<ConfigErrorCode> {
  constructor(code: ConfigErrorCode, message: string) {
    super('input', code, message);
  }
}

const isObject = (v: JsonValue | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface ConfigServer extends NamedTarget {
  name: string;
  /**
   * For a wrapped entry: what its proxy enforces. `lock` as written; `lockPath` where it points,
   * expanded and taken from the folder the agent starts the entry in, or undefined when that
   * cannot be known (a relative path and no known folder, a variable that is not set).
   */
  proxy?: { lock: string; lockPath?: string; servers: string[] };
  /**
   * VS Code's `envFile`: a dotenv file whose variables the server gets (under those of `env`).
   * Resolved against the workspace; the caller reads it and merges it with `applyEnvFile`.
   */
  envFile?: string;
}

/** Largest agent config file read, by --config and discover alike (~/.claude.json keeps per-project state and grows). */
export const MAX_CONFIG_BYTES = 32 * 1024 * 1024;

/** A header name as HTTP defines it (RFC 9110 token). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * `text` with each `${…}` (up to the first `}` after it) replaced by what `expand` makes of its
 * inside: what /\$\{([^}]*)\}/g finds, found with two index searches per variable. The pattern
 * rescans to the end of the text from every `${` of an unclosed `${${${…` (quadratic).
 */
function eachVariable(text: string, expand: (inner: string) => string): string {
  let out = '';
  let from = 0;
  for (let open = text.indexOf('${'); open !== -1; open = text.indexOf('${', from)) {
    const close = text.indexOf('}', open + 2);
    // No `}` after this `${`: none after any later one either.
    if (close === -1) break;
    out += text.slice(from, open) + expand(text.slice(open + 2, close));
    from = close + 1;
  }
  return from === 0 ? text : out + text.slice(from);
}

/**
 * Expands `${VAR}`, `${VAR:-default}` and `${env:VAR}` (VS Code) from the environment and
 * `${workspaceFolder}` from the config's location. `${input:…}` needs an interactive prompt
 * and is refused with a message saying so. The values that variables (not the workspace)
 * expanded to are pushed onto `substituted`, if given: they are treated as secrets.
 */
export function expandVariables(text: string, env: NodeJS.ProcessEnv, where: string, workspace?: string, substituted?: string[]): string {
  return eachVariable(text, (inner) => {
    if (inner === 'workspaceFolder' && workspace !== undefined) return workspace;
    if (inner.startsWith('input:')) {
      throw new ConfigError('UNSUPPORTED', `${where} uses \${${printable(inner, 40)}}, which needs an interactive prompt; put the value in an environment variable and use \${env:NAME}`);
    }
    const m = /^(?:env:)?([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/s.exec(inner);
    if (!m) throw new ConfigError('UNSUPPORTED', `${where} has an unsupported variable \${${printable(inner, 40)}}`);
    const value = envValue(env, m[1]!);
    const expanded = value !== undefined && value !== '' ? value : m[2];
    if (expanded !== undefined) {
      substituted?.push(expanded);
      return expanded;
    }
    throw new ConfigError('UNSET_VARIABLE', `${where} references \${${m[1]}}, which is not set in the environment`);
  });
}

function stringArray(v: JsonValue | undefined, where: string): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new ConfigError('MALFORMED_CONFIG', `${where} must be an array of strings`);
  return v as string[];
}

function stringMap(v: JsonValue | undefined, where: string): Record<string, string> {
  if (v === undefined) return {};
  if (!isObject(v)) throw new ConfigError('MALFORMED_CONFIG', `${where} must be an object of strings`);
  const out: Record<string, string> = {};
  for (const [k, value] of Object.entries(v)) {
    if (k === RESERVED_NAME) throw new ConfigError('MALFORMED_CONFIG', `${where} has a member named ${RESERVED_NAME}, which cannot name a variable or header`);
    if (typeof value !== 'string') throw new ConfigError('MALFORMED_CONFIG', `${where}.${printable(k, 60)} must be a string`);
    out[k] = value;
  }
  return out;
}

/** Environment variable names a process can be given: not empty, no "=", no NUL. */
function checkEnvName(name: string, where: string): void {
  if (name === '' || name.includes('=') || name.includes('\0')) throw new ConfigError('MALFORMED_CONFIG', `${where}: "${printable(name, 60)}" is not a valid environment variable name`);
}

/**
 * Parses a dotenv file (VS Code `envFile`): `NAME=value` lines, optional `export `, `#`
 * comments, values optionally in single or double quotes (double quotes understand \n).
 * Values are secrets: no message quotes one.
 */
export function parseEnvFile(text: string, where: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const body = line.startsWith('export ') ? line.slice(7).trimStart() : line;
    const eq = body.indexOf('=');
    const name = eq > 0 ? body.slice(0, eq).trim() : '';
    if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(name)) throw new ConfigError('MALFORMED_CONFIG', `${where} line ${i + 1} is not NAME=value`);
    if (name === RESERVED_NAME) throw new ConfigError('MALFORMED_CONFIG', `${where} line ${i + 1} names the variable ${RESERVED_NAME}, which cannot be passed`);
    let value = body.slice(eq + 1).trim();
    const quote = value[0];
    if ((quote === '"' || quote === "'") && value.length >= 2 && value.endsWith(quote)) {
      value = value.slice(1, -1);
      if (quote === '"') value = value.replace(/\\n/g, '\n');
    } else {
      const comment = value.indexOf(' #');
      if (comment !== -1) value = value.slice(0, comment).trimEnd();
    }
    if (value.includes('\0')) throw new ConfigError('MALFORMED_CONFIG', `${where}: ${name} contains a NUL character`);
    out[name] = value;
  }
  return out;
}

/** The server with the variables of its `envFile` added under those its `env` declares. */
export function applyEnvFile(server: ConfigServer, fileEnv: Record<string, string>): ConfigServer {
  if (server.target.kind !== 'stdio') return server;
  return { ...server, target: { ...server.target, env: { ...fileEnv, ...server.target.env } } };
}

/** The folders whose parent is the project: `${workspaceFolder}` of a config kept inside one. */
const PROJECT_FOLDERS = ['.vscode', '.cursor', '.claude', '.gemini', '.zed', '.codex'];

/**
 * The folder `${workspaceFolder}` means: the project above `.vscode/`, `.cursor/`, `.gemini/`,
 * `.zed/`, `.codex/` or `.continue/mcpServers/`, else the file's folder.
 */
export function workspaceOf(path: string): string {
  const dir = dirname(resolve(path));
  if (PROJECT_FOLDERS.includes(basename(dir))) return dirname(dir);
  if (basename(dir) === 'mcpServers' && basename(dirname(dir)) === '.continue') return dirname(dirname(dir));
  return dir;
}

/** A server entry as the config wrote it: typed and checked, no variable expanded yet. */
export type EntrySpec =
  | { kind: 'stdio'; command: string; args: string[]; env: Record<string, string>; cwd?: string; envFile?: string }
  | { kind: 'http'; url: string; headers: Record<string, string>; transport: 'auto' | 'streamable-http' | 'sse' };

/** One server of a config file, before its variables are expanded (see `resolveEntry`). */
export interface ConfigEntry {
  name: string;
  /** "FILE: server "NAME"", for messages (escaped). */
  where: string;
  /** Claude Code's local scope: the project folder the entry belongs to. */
  project?: string;
  spec: EntrySpec;
  /** The folder `${workspaceFolder}`, a relative `cwd` and `envFile` are taken from. */
  workspace: string;
  /** A command starting with `./` or `../` is started from `workspace` (the agent runs it there). */
  relativeCommand: boolean;
  /** Launched through `mcptrust proxy` (wrap): `spec` is the server after its `--`. */
  wrapped?: boolean;
  /** For a wrapped entry: the lockfile and lockfile server its proxy enforces, as written (see proxyEnforces). */
  enforces?: { lock: string; servers: string[] };
}

/**
 * A stdio entry that `wrap` put `mcptrust proxy … --` in front of, read as the server it
 * launches: the command and args after `--` (env, cwd as the entry has them), so a wrapped and
 * an unwrapped config lock alike. The same strict rule as wrap's: an entry that only looks
 * wrapped (`node proxy --lock x -- server.js`) is read as written.
 */
function unwrappedSpec(spec: EntrySpec, workspace: string): { spec: EntrySpec; enforces: { lock: string; servers: string[] } } | undefined {
  if (spec.kind !== 'stdio') return undefined;
  const shape = wrappedShape(spec.command, spec.args, workspace);
  if (!shape) return undefined;
  return { spec: { ...spec, command: spec.args[shape.dashDash + 1]!, args: spec.args.slice(shape.dashDash + 2) }, enforces: proxyEnforces(spec.args, shape) };
}

/** How to read a file: its format, where its servers sit, the dialect of its entries. */
export interface FileReading {
  format: ConfigFormat;
  section: ServerSection | 'auto';
  dialect: Dialect;
  /** The agent starts project servers in the project folder (see AgentFile.workspace). */
  workspace?: boolean;
  /** The agent starts no switched-off entry (see Agent.honoursOffSwitch). */
  offSwitch?: boolean;
}

/** How `--config FILE` reads a file: by the agent table when its path is known, else by its extension. */
export function readingFor(path: string, ctx?: PathContext): FileReading {
  const known = (ctx && userFileAt(path, ctx)) ?? recogniseConfigPath(path);
  if (known) return { format: known.file.format, section: known.file.section, dialect: known.agent.dialect, workspace: known.file.workspace, offSwitch: known.agent.honoursOffSwitch === true };
  const lower = path.toLowerCase();
  if (lower.endsWith('.toml')) return { format: 'toml', section: 'mcp_servers', dialect: 'codex', offSwitch: true };
  if (lower.endsWith('.yaml') || lower.endsWith('.yml')) return { format: 'yaml', section: 'auto', dialect: 'standard' };
  if (lower.endsWith('.jsonc')) return { format: 'jsonc', section: 'auto', dialect: 'standard' };
  return { format: 'json', section: 'auto', dialect: 'standard' };
}

/** The deepest YAML nesting (flow collections, `- - -` on a line) a config file may have. */
const MAX_CONFIG_YAML_NESTING = 64;

const FORMAT_NAMES: Record<ConfigFormat, string> = { json: 'JSON', jsonc: 'JSON with comments', toml: 'TOML', yaml: 'YAML' };

/**
 * Parses a config file's text in its format. Errors say `FILE:LINE:COL: what` and never quote
 * the file (it may be a symlink to a token file, and agent configs hold secrets). Duplicate
 * keys are refused in every format; YAML aliases are bounded (a "billion laughs" is refused).
 */
export function parseConfigDocument(text: string, path: string, format: ConfigFormat): JsonValue {
  const at = (line: number | undefined, column: number | undefined) => (line !== undefined ? `${path}:${line}:${column ?? 1}: ` : `${path}: `);
  if (format === 'json' || format === 'jsonc') {
    const parsed = parseJsonOrJsonc(text, format === 'jsonc');
    if ('value' in parsed) return parsed.value;
    const { reason, line, column } = parsed.problem;
    const hint = format === 'json' && reason.startsWith('a comment') ? ' (this agent reads plain JSON; remove it)' : '';
    throw new ConfigError('MALFORMED_CONFIG', `${at(line, column)}is not valid ${FORMAT_NAMES[format]}: ${reason}${hint}`);
  }
  if (format === 'toml') {
    try {
      return parseToml(text) as unknown as JsonValue;
    } catch (error) {
      const e = error as { line?: number; column?: number; message?: string };
      // smol-toml's message quotes the offending line: only its first words are kept, and only
      // when they are plain words (the reason, not file content).
      const first = String(e.message ?? '').split('\n')[0]!.replace(/^Invalid TOML document: /, '');
      const reason = /^[A-Za-z ,()-]{1,80}$/.test(first) ? first : 'syntax error';
      throw new ConfigError('MALFORMED_CONFIG', `${at(e.line, e.column)}is not valid TOML: ${reason}`);
    }
  }
  // A config needs a few levels; the parser recurses per level (a megabyte of [ took 20 s and 1 GB).
  const deep = yamlNestingExceeds(text, MAX_CONFIG_YAML_NESTING);
  if (deep !== undefined) {
    const { line, column } = lineColumnAt(text, deep);
    throw new ConfigError('MALFORMED_CONFIG', `${at(line, column)}is not valid YAML: nests deeper than ${MAX_CONFIG_YAML_NESTING} levels`);
  }
  const doc = parseYamlDocument(text, { uniqueKeys: true });
  const problem = doc.errors[0];
  if (problem) {
    const pos = problem.linePos?.[0];
    const reason = problem.code === 'DUPLICATE_KEY' ? 'duplicate key' : problem.code.toLowerCase().replace(/_/g, ' ');
    throw new ConfigError('MALFORMED_CONFIG', `${at(pos?.line, pos?.col)}is not valid YAML: ${reason}`);
  }
  try {
    const value = doc.toJS({ maxAliasCount: 100 }) as JsonValue;
    return value === undefined ? null : value;
  } catch {
    throw new ConfigError('MALFORMED_CONFIG', `${path}: is not valid YAML: too many alias expansions`);
  }
}

/** Where the servers of a parsed file sit: name → entry pairs, or a list with names (Continue). */
interface RawEntry {
  name: string;
  value: JsonValue;
  project?: string;
}

function entriesOf(table: JsonValue | undefined, path: string, section: string): RawEntry[] | undefined {
  if (table === undefined || table === null) return undefined;
  if (isObject(table)) return Object.entries(table).map(([name, value]) => ({ name, value }));
  if (Array.isArray(table)) {
    // Continue's list form: each entry names itself.
    const seen = new Set<string>();
    return table.map((value, i) => {
      const name = isObject(value) && typeof value.name === 'string' ? value.name : '';
      if (name === '') throw new ConfigError('MALFORMED_CONFIG', `${path}: ${section}[${i}] needs a "name" string`);
      if (seen.has(name)) throw new ConfigError('MALFORMED_CONFIG', `${path}: two servers of ${section} are both named "${printable(name, 60)}"`);
      seen.add(name);
      return { name, value };
    });
  }
  throw new ConfigError('MALFORMED_CONFIG', `${path}: "${section}" must be an object of servers`);
}

/**
 * The raw server entries of a parsed config, from `section`. `auto` (a file the table does not
 * know) looks for `mcpServers`, then `servers`, then the other sections. For ~/.claude.json,
 * `projects` selects the local-scope servers: those of every project (discover) or of one.
 */
function rawEntries(root: JsonValue, path: string, section: ServerSection | 'auto', projects: 'all' | string): { entries: RawEntry[]; section: ServerSection } | undefined {
  if (!isObject(root)) throw new ConfigError('MALFORMED_CONFIG', `${path}: the top level must be an object`);
  const tryIn = (s: ServerSection): { entries: RawEntry[]; section: ServerSection } | undefined => {
    if (s === 'mcp.servers') {
      // VS Code settings.json: `"mcp": { "servers": … }`, or the dotted key `"mcp.servers"`.
      const block = isObject(root.mcp) ? root.mcp.servers : root['mcp.servers'];
      const entries = entriesOf(block, path, 'mcp.servers');
      return entries && { entries, section: s };
    }
    if (s === 'claude.json') {
      const user = entriesOf(root.mcpServers, path, 'mcpServers') ?? [];
      const local: RawEntry[] = [];
      if (root.projects !== undefined) {
        if (!isObject(root.projects)) throw new ConfigError('MALFORMED_CONFIG', `${path}: "projects" must be an object`);
        for (const [project, settings] of Object.entries(root.projects)) {
          if (projects !== 'all' && resolve(project) !== resolve(projects)) continue;
          if (!isObject(settings)) continue;
          for (const e of entriesOf(settings.mcpServers, `${path} projects[${printable(JSON.stringify(project), 120)}]`, 'mcpServers') ?? []) local.push({ ...e, project });
        }
      }
      if (projects !== 'all') {
        // Claude Code: a local-scope server hides a user-scope one of the same name.
        const hidden = new Set(local.map((e) => e.name));
        return { entries: [...user.filter((e) => !hidden.has(e.name)), ...local], section: s };
      }
      return { entries: [...user, ...local], section: s };
    }
    const entries = entriesOf(root[s], path, s);
    return entries && { entries, section: s };
  };
  if (section !== 'auto') return tryIn(section);
  if (root.projects !== undefined && root.mcpServers === undefined) return tryIn('claude.json');
  for (const s of ['mcpServers', 'servers', 'mcp.servers', 'context_servers', 'mcp_servers', 'extensions'] as const) {
    const found = tryIn(s);
    if (found) return found;
  }
  return undefined;
}

const HTTP_TYPES = ['http', 'streamable-http', 'streamableHttp', 'streamable_http', 'sse'];

/**
 * Maps one entry, in its agent's dialect, to a stdio or HTTP spec; undefined for an entry that
 * is switched off or is not a server to reach (a Goose built-in, a Zed extension). The values
 * stay as written: `${VAR}` references are expanded later, for the selected servers only.
 */
export function normalizeEntry(value: JsonValue, dialect: Dialect, where: string, offSwitch = false): EntrySpec | undefined {
  if (!isObject(value)) throw new ConfigError('MALFORMED_CONFIG', `${where} must be an object`);
  if (offSwitch && (value.disabled === true || value.enabled === false)) return undefined;
  const typeField = value.type;
  if (typeField !== undefined && typeof typeField !== 'string') throw new ConfigError('MALFORMED_CONFIG', `${where}: "type" must be a string`);
  let type = typeField as string | undefined;
  if (dialect === 'goose' && type !== undefined && !['stdio', 'sse', 'streamable_http'].includes(type)) return undefined;
  if (dialect === 'zed' && value.source === 'extension') return undefined;

  let url: JsonValue | undefined = value.url;
  let transport: 'auto' | 'streamable-http' | 'sse' | undefined;
  if (dialect === 'windsurf' && url === undefined) url = value.serverUrl;
  if (dialect === 'goose') url = value.uri;
  if (dialect === 'gemini') {
    if (value.httpUrl !== undefined) {
      url = value.httpUrl;
      transport = 'streamable-http';
    } else if (url !== undefined && type === undefined) transport = 'sse';
  }
  const headers = stringMap(dialect === 'codex' && value.http_headers !== undefined ? value.http_headers : value.headers, `${where}.headers`);
  if (dialect === 'codex') {
    // Header values taken from the environment: recorded as the variable, like ${VAR}.
    for (const [header, variable] of Object.entries(stringMap(value.env_http_headers, `${where}.env_http_headers`))) headers[header] = `\${${variable}}`;
    if (value.bearer_token_env_var !== undefined) {
      if (typeof value.bearer_token_env_var !== 'string') throw new ConfigError('MALFORMED_CONFIG', `${where}: "bearer_token_env_var" must be a string`);
      headers.Authorization = `Bearer \${${value.bearer_token_env_var}}`;
    }
  }
  let command: JsonValue | undefined = dialect === 'goose' ? value.cmd : value.command;
  let args: JsonValue | undefined = value.args;
  let env: JsonValue | undefined = dialect === 'goose' ? value.envs : value.env;
  if (dialect === 'zed' && isObject(command)) {
    // Zed's older form: "command": { "path", "args", "env" }.
    args = command.args;
    env = command.env;
    command = command.path;
  }
  // Both, and no type to choose: agents differ (Claude Code and Claude Desktop start the command,
  // a reader that prefers the URL would show a remote server's surface while the command runs).
  if (typeof url === 'string' && typeof command === 'string' && type === undefined) {
    throw new ConfigError('MALFORMED_CONFIG', `${where} has both "command" and a URL and no "type": agents differ on which one they start; set "type" ("stdio" or "http") or remove one`);
  }
  if (typeof url === 'string' && (type === undefined || HTTP_TYPES.includes(type))) {
    for (const k of Object.keys(headers)) {
      if (!HEADER_NAME.test(k)) throw new ConfigError('MALFORMED_CONFIG', `${where}: "${printable(k, 60)}" is not a valid HTTP header name`);
    }
    transport ??= type === 'sse' ? 'sse' : type === undefined ? 'auto' : 'streamable-http';
    return { kind: 'http', url, headers, transport };
  }
  if (typeof command === 'string' && (type === undefined || type === 'stdio')) {
    const spec: EntrySpec = { kind: 'stdio', command, args: [...stringArray(args, `${where}.args`)], env: stringMap(env, `${where}.env`) };
    for (const k of Object.keys(spec.env)) checkEnvName(k, `${where}.env`);
    if (value.cwd !== undefined) {
      if (typeof value.cwd !== 'string') throw new ConfigError('MALFORMED_CONFIG', `${where}: "cwd" must be a string`);
      spec.cwd = value.cwd;
    }
    if (value.envFile !== undefined) {
      if (typeof value.envFile !== 'string') throw new ConfigError('MALFORMED_CONFIG', `${where}: "envFile" must be a string`);
      spec.envFile = value.envFile;
    }
    return spec;
  }
  throw new ConfigError('MALFORMED_CONFIG', `${where} needs either "command" (stdio) or "url" (HTTP)${type ? ` matching its type "${printable(type, 20)}"` : ''}`);
}

/** A server of a config that could not be read, with the reason; the others are still listed. */
export interface EntryProblem {
  name: string;
  project?: string;
  error: ConfigError;
}

/**
 * Reads the servers of one config file: every enabled entry, checked and typed, with nothing
 * expanded. A file that does not parse throws; an entry that is malformed is returned in
 * `problems` (the caller decides: `--config` refuses the file, `discover` reports the entry).
 * `projects` is the project whose Claude Code local-scope servers count (`all` for discover);
 * `base` is the folder a relative `path` is taken from (the command's working folder).
 */
export function readConfigEntries(
  text: string,
  path: string,
  reading: FileReading,
  projects: 'all' | string,
  base?: string,
): { entries: ConfigEntry[]; problems: EntryProblem[]; section?: ServerSection } {
  const root = parseConfigDocument(text, path, reading.format);
  const found = rawEntries(root, path, reading.section, projects);
  if (!found) return { entries: [], problems: [] };
  const workspace = workspaceOf(base === undefined ? path : resolve(base, path));
  const entries: ConfigEntry[] = [];
  const problems: EntryProblem[] = [];
  for (const raw of found.entries) {
    const where = `${path}: server "${printable(raw.name, 60)}"${raw.project !== undefined ? ` of project ${printable(raw.project, 120)}` : ''}`;
    try {
      let spec = normalizeEntry(raw.value, reading.dialect, where, reading.offSwitch === true);
      if (!spec) continue;
      const inner = unwrappedSpec(spec, raw.project !== undefined ? raw.project : workspace);
      if (inner) spec = inner.spec;
      const entry: ConfigEntry = {
        name: raw.name,
        where,
        spec,
        workspace: raw.project !== undefined ? raw.project : workspace,
        relativeCommand: reading.workspace === true || raw.project !== undefined,
      };
      if (raw.project !== undefined) entry.project = raw.project;
      if (inner) {
        entry.wrapped = true;
        entry.enforces = inner.enforces;
      }
      entries.push(entry);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push({ name: raw.name, ...(raw.project !== undefined ? { project: raw.project } : {}), error });
    }
  }
  return { entries, problems, section: found.section };
}

/** `./x` or `../x` (either separator): a command the agent looks up from its working folder. */
const isRelativeCommand = (command: string) => /^\.\.?[\\/]/.test(command);

/**
 * The target to start or reach for one entry: `${VAR}`, `${env:VAR}`, `${VAR:-default}` and
 * `${workspaceFolder}` expanded from `env` (only now, so that a `${input:…}` or an unset
 * variable in one server never blocks another), command, args and URL kept as written for the
 * lockfile, a relative `cwd`/`envFile` taken from the workspace, and a `./` command started
 * from the workspace where the agent does so.
 */
export function resolveEntry(entry: ConfigEntry, env: NodeJS.ProcessEnv): ConfigServer {
  const { where, workspace, spec, name } = entry;
  const expand = (s: string, field: string, substituted?: string[]) => expandVariables(s, env, `${where} ${field}`, workspace, substituted);
  // Command, args and URL are recorded as written (see ServerTarget.written): the values their
  // variables expand to are kept aside, to be redacted from whatever the server prints.
  const substituted: string[] = [];
  if (spec.kind === 'http') {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(spec.headers)) {
      headers[k] = expand(v, `header ${k}`);
      // Not quoted: header values are secrets.
      if (/[\r\n\0]/.test(headers[k]!)) throw new ConfigError('MALFORMED_CONFIG', `${where}: the value of header ${k} contains a line break or NUL, which HTTP does not allow`);
    }
    const url = expand(spec.url, 'url', substituted);
    let parsedUrl: URL | undefined;
    try {
      parsedUrl = new URL(url);
    } catch {
      // left undefined: refused below
    }
    // Not quoted: a URL may carry a token.
    if (!parsedUrl || (parsedUrl.protocol !== 'http:' && parsedUrl.protocol !== 'https:')) throw new ConfigError('MALFORMED_CONFIG', `${where}: "url" must be an http:// or https:// URL`);
    const target: ServerTarget = { kind: 'http', url, headers, transport: spec.transport };
    if (url !== spec.url) target.written = { url: spec.url };
    if (substituted.length > 0) target.substituted = substituted;
    return { name, target };
  }
  const envDecl: Record<string, string> = {};
  for (const [k, v] of Object.entries(spec.env)) {
    envDecl[k] = expand(v, `env ${printable(k, 60)}`);
    if (envDecl[k]!.includes('\0')) throw new ConfigError('MALFORMED_CONFIG', `${where}: the value of env ${printable(k, 60)} contains a NUL character`);
  }
  const t: ServerTarget = {
    kind: 'stdio',
    command: expand(spec.command, 'command', substituted),
    args: spec.args.map((a) => expand(a, 'args', substituted)),
    env: envDecl,
  };
  if (t.command !== spec.command || t.args.some((a, i) => a !== spec.args[i])) t.written = { command: spec.command, args: [...spec.args] };
  // The values a cwd's or envFile's variables expand to are secrets too (a message may name the
  // folder). An agent that starts project servers in the project folder starts one without a
  // cwd there, wherever mcptrust runs.
  if (spec.cwd !== undefined) t.cwd = resolve(workspace, expand(spec.cwd, 'cwd', substituted));
  else if (entry.relativeCommand) t.cwd = workspace;
  // Started from the folder the agent starts it from; recorded as written (portable).
  if (entry.relativeCommand && isRelativeCommand(t.command)) {
    const absolute = resolve(t.cwd ?? workspace, t.command);
    t.written ??= { command: spec.command, args: [...spec.args] };
    t.command = absolute;
  }
  if (t.args.some((a) => a.includes('\0')) || t.command.includes('\0')) throw new ConfigError('MALFORMED_CONFIG', `${where}: "command" and "args" must not contain NUL characters`);
  const envFile = spec.envFile !== undefined ? resolve(workspace, expand(spec.envFile, 'envFile', substituted)) : undefined;
  const proxy = entry.enforces && enforcedLock(entry.enforces, t.cwd, (s) => expand(s, 'args', substituted));
  if (substituted.length > 0) t.substituted = substituted;
  const server: ConfigServer = { name, target: t };
  if (envFile !== undefined) server.envFile = envFile;
  if (proxy) server.proxy = proxy;
  return server;
}

/** A wrapped entry's proxy lockfile, expanded as the agent expands args and taken from the folder it starts in. */
function enforcedLock(enforces: { lock: string; servers: string[] }, start: string | undefined, expand: (s: string) => string): NonNullable<ConfigServer['proxy']> {
  const proxy: NonNullable<ConfigServer['proxy']> = { lock: enforces.lock, servers: [...enforces.servers] };
  let lock: string;
  try {
    lock = expand(enforces.lock);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return proxy;
  }
  if (isAbsolute(lock)) proxy.lockPath = resolve(lock);
  else if (start !== undefined) proxy.lockPath = resolve(start, lock);
  return proxy;
}

/**
 * Reads the MCP servers of an agent config (any agent of the table, or a file with
 * `mcpServers` or `servers`) and expands every one: `--config` without `--server`.
 * Attacker-controlled in the sense that it may be anything: parsed strictly, every field typed.
 */
export function parseAgentConfig(text: string, path: string, env: NodeJS.ProcessEnv, cwd?: string): ConfigServer[] {
  return readAgentConfig(text, path, cwd ?? workspaceOf(path)).map((entry) => resolveEntry(entry, env));
}

/**
 * The entries of a `--config FILE`, unexpanded: a malformed entry or a file with no enabled
 * server is an error (exit 2), as the lock would otherwise silently pin less than the file says.
 */
export function readAgentConfig(text: string, path: string, cwd: string, ctx?: PathContext): ConfigEntry[] {
  const reading = readingFor(path, ctx);
  const { entries, problems, section } = readConfigEntries(text, path, reading, cwd, cwd);
  if (problems.length > 0) throw problems[0]!.error;
  if (section === undefined) {
    throw new ConfigError('NO_SERVERS', `${path} has no "mcpServers" (Claude, Cursor) or "servers" (VS Code) object`);
  }
  if (entries.length === 0) throw new ConfigError('NO_SERVERS', `${path} lists no enabled MCP servers`);
  return entries;
}

/** Keeps the servers named by `--server`; an unknown name is an error listing the known ones. */
export function selectServers<T extends { name: string }>(servers: T[], names: string[], path: string): T[] {
  if (names.length === 0) return servers;
  const known = new Set(servers.map((s) => s.name));
  for (const name of names) {
    if (!known.has(name)) {
      throw new ConfigError('UNKNOWN_SERVER', `${path} has no server "${printable(name, 60)}"; it has: ${servers.map((s) => printable(s.name, 60)).join(', ')}`);
    }
  }
  return servers.filter((s) => names.includes(s.name));
}
