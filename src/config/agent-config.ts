import { dirname, basename, resolve } from 'node:path';
import type { JsonObject, JsonValue } from '../canonical/index.js';
import { BaseError } from '../errors.js';
import type { NamedTarget, ServerTarget } from '../mcp/target.js';
import { parseJsonStrict } from '../util/json.js';
import { printable } from '../util/text.js';

export type ConfigErrorCode = 'MALFORMED_CONFIG' | 'NO_SERVERS' | 'UNKNOWN_SERVER' | 'UNSET_VARIABLE' | 'UNSUPPORTED';

/** An agent config (Claude Desktop, Claude Code, Cursor, VS Code) that cannot be used (exit 2). */
export class ConfigError extends BaseError<ConfigErrorCode> {
  constructor(code: ConfigErrorCode, message: string) {
    super('input', code, message);
  }
}

const isObject = (v: JsonValue | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface ConfigServer extends NamedTarget {
  name: string;
  /**
   * VS Code's `envFile`: a dotenv file whose variables the server gets (under those of `env`).
   * Resolved against the workspace; the caller reads it and merges it with `applyEnvFile`.
   */
  envFile?: string;
}

/** A header name as HTTP defines it (RFC 9110 token). */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Expands `${VAR}`, `${VAR:-default}` and `${env:VAR}` (VS Code) from the environment and
 * `${workspaceFolder}` from the config's location. `${input:…}` needs an interactive prompt
 * and is refused with a message saying so. The values that variables (not the workspace)
 * expanded to are pushed onto `substituted`, if given: they are treated as secrets.
 */
export function expandVariables(text: string, env: NodeJS.ProcessEnv, where: string, workspace?: string, substituted?: string[]): string {
  return text.replace(/\$\{([^}]*)\}/g, (_, inner: string) => {
    if (inner === 'workspaceFolder' && workspace !== undefined) return workspace;
    if (inner.startsWith('input:')) {
      throw new ConfigError('UNSUPPORTED', `${where} uses \${${printable(inner, 40)}}, which needs an interactive prompt; put the value in an environment variable and use \${env:NAME}`);
    }
    const m = /^(?:env:)?([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/s.exec(inner);
    if (!m) throw new ConfigError('UNSUPPORTED', `${where} has an unsupported variable \${${printable(inner, 40)}}`);
    const value = env[m[1]!];
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

/** The folder `${workspaceFolder}` means: the project above `.vscode/` or `.cursor/`, else the file's folder. */
function workspaceOf(path: string): string {
  const dir = dirname(resolve(path));
  return ['.vscode', '.cursor', '.claude'].includes(basename(dir)) ? dirname(dir) : dir;
}

/**
 * Reads the MCP servers of an agent config: `mcpServers` (Claude Desktop, Claude Code
 * `.mcp.json`, Cursor `.cursor/mcp.json`) or `servers` (VS Code `.vscode/mcp.json`).
 * Attacker-controlled in the sense that it may be anything: parsed strictly, every field typed.
 */
export function parseAgentConfig(text: string, path: string, env: NodeJS.ProcessEnv): ConfigServer[] {
  // Editors on Windows may save with a byte-order mark; the agents themselves accept it.
  const parsed = parseJsonStrict(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  if ('problem' in parsed) {
    throw new ConfigError('MALFORMED_CONFIG', `${path} is not valid JSON: ${parsed.problem.message}${/comment|Unexpected token '\/'/.test(parsed.problem.message) ? ' (comments are not supported; remove them)' : ''}`);
  }
  const root = parsed.value;
  if (!isObject(root)) throw new ConfigError('MALFORMED_CONFIG', `${path}: the top level must be an object`);
  const table = isObject(root.mcpServers) ? root.mcpServers : isObject(root.servers) ? root.servers : undefined;
  if (!table) throw new ConfigError('NO_SERVERS', `${path} has no "mcpServers" (Claude, Cursor) or "servers" (VS Code) object`);
  const workspace = workspaceOf(path);
  const servers: ConfigServer[] = [];
  for (const [name, value] of Object.entries(table)) {
    const where = `${path}: server "${printable(name, 60)}"`;
    if (!isObject(value)) throw new ConfigError('MALFORMED_CONFIG', `${where} must be an object`);
    if (value.disabled === true) continue;
    const type = value.type;
    if (type !== undefined && typeof type !== 'string') throw new ConfigError('MALFORMED_CONFIG', `${where}: "type" must be a string`);
    const expand = (s: string, field: string, substituted?: string[]) => expandVariables(s, env, `${where} ${field}`, workspace, substituted);
    // Command, args and URL are recorded as written (see ServerTarget.written): the values their
    // variables expand to are kept aside, to be redacted from whatever the server prints.
    const substituted: string[] = [];
    let target: ServerTarget;
    if (typeof value.url === 'string' && (type === undefined || ['http', 'streamable-http', 'streamableHttp', 'sse'].includes(type))) {
      const headers = stringMap(value.headers, `${where}.headers`);
      for (const k of Object.keys(headers)) {
        if (!HEADER_NAME.test(k)) throw new ConfigError('MALFORMED_CONFIG', `${where}: "${printable(k, 60)}" is not a valid HTTP header name`);
        headers[k] = expand(headers[k]!, `header ${k}`);
        // Not quoted: header values are secrets.
        if (/[\r\n\0]/.test(headers[k]!)) throw new ConfigError('MALFORMED_CONFIG', `${where}: the value of header ${k} contains a line break or NUL, which HTTP does not allow`);
      }
      const url = expand(value.url, 'url', substituted);
      let parsedUrl: URL | undefined;
      try {
        parsedUrl = new URL(url);
      } catch {
        // left undefined: refused below
      }
      // Not quoted: a URL may carry a token.
      if (!parsedUrl || (parsedUrl.protocol !== 'http:' && parsedUrl.protocol !== 'https:')) throw new ConfigError('MALFORMED_CONFIG', `${where}: "url" must be an http:// or https:// URL`);
      target = {
        kind: 'http',
        url,
        headers,
        transport: type === 'sse' ? 'sse' : type === undefined ? 'auto' : 'streamable-http',
      };
      if (url !== value.url) target.written = { url: value.url };
      if (substituted.length > 0) target.substituted = substituted;
    } else if (typeof value.command === 'string' && (type === undefined || type === 'stdio')) {
      const envDecl = stringMap(value.env, `${where}.env`);
      for (const k of Object.keys(envDecl)) {
        checkEnvName(k, `${where}.env`);
        envDecl[k] = expand(envDecl[k]!, `env ${printable(k, 60)}`);
        if (envDecl[k]!.includes('\0')) throw new ConfigError('MALFORMED_CONFIG', `${where}: the value of env ${printable(k, 60)} contains a NUL character`);
      }
      const writtenArgs = stringArray(value.args, `${where}.args`);
      const t: ServerTarget = {
        kind: 'stdio',
        command: expand(value.command, 'command', substituted),
        args: writtenArgs.map((a) => expand(a, 'args', substituted)),
        env: envDecl,
      };
      if (t.command !== value.command || t.args.some((a, i) => a !== writtenArgs[i])) t.written = { command: value.command, args: [...writtenArgs] };
      if (typeof value.cwd === 'string') t.cwd = resolve(workspace, expand(value.cwd, 'cwd'));
      if (t.args.some((a) => a.includes('\0')) || t.command.includes('\0')) throw new ConfigError('MALFORMED_CONFIG', `${where}: "command" and "args" must not contain NUL characters`);
      if (substituted.length > 0) t.substituted = substituted;
      target = t;
      if (value.envFile !== undefined) {
        if (typeof value.envFile !== 'string') throw new ConfigError('MALFORMED_CONFIG', `${where}: "envFile" must be a string`);
        servers.push({ name, target, envFile: resolve(workspace, expand(value.envFile, 'envFile')) });
        continue;
      }
    } else {
      throw new ConfigError('MALFORMED_CONFIG', `${where} needs either "command" (stdio) or "url" (HTTP)${type ? ` matching its type "${printable(type, 20)}"` : ''}`);
    }
    servers.push({ name, target });
  }
  if (servers.length === 0) throw new ConfigError('NO_SERVERS', `${path} lists no enabled MCP servers`);
  return servers;
}

/** Keeps the servers named by `--server`; an unknown name is an error listing the known ones. */
export function selectServers(servers: ConfigServer[], names: string[], path: string): ConfigServer[] {
  if (names.length === 0) return servers;
  const known = new Set(servers.map((s) => s.name));
  for (const name of names) {
    if (!known.has(name)) {
      throw new ConfigError('UNKNOWN_SERVER', `${path} has no server "${printable(name, 60)}"; it has: ${servers.map((s) => printable(s.name, 60)).join(', ')}`);
    }
  }
  return servers.filter((s) => names.includes(s.name));
}
