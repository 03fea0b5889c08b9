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
}

/**
 * Expands `${VAR}`, `${VAR:-default}` and `${env:VAR}` (VS Code) from the environment and
 * `${workspaceFolder}` from the config's location. `${input:…}` needs an interactive prompt
 * and is refused with a message saying so.
 */
export function expandVariables(text: string, env: NodeJS.ProcessEnv, where: string, workspace?: string): string {
  return text.replace(/\$\{([^}]*)\}/g, (_, inner: string) => {
    if (inner === 'workspaceFolder' && workspace !== undefined) return workspace;
    if (inner.startsWith('input:')) {
      throw new ConfigError('UNSUPPORTED', `${where} uses \${${printable(inner, 40)}}, which needs an interactive prompt; put the value in an environment variable and use \${env:NAME}`);
    }
    const m = /^(?:env:)?([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/s.exec(inner);
    if (!m) throw new ConfigError('UNSUPPORTED', `${where} has an unsupported variable \${${printable(inner, 40)}}`);
    const value = env[m[1]!];
    if (value !== undefined && value !== '') return value;
    if (m[2] !== undefined) return m[2];
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
  const parsed = parseJsonStrict(text);
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
    const expand = (s: string, field: string) => expandVariables(s, env, `${where} ${field}`, workspace);
    let target: ServerTarget;
    if (typeof value.url === 'string' && (type === undefined || ['http', 'streamable-http', 'streamableHttp', 'sse'].includes(type))) {
      const headers = stringMap(value.headers, `${where}.headers`);
      for (const k of Object.keys(headers)) headers[k] = expand(headers[k]!, `header ${k}`);
      target = {
        kind: 'http',
        url: expand(value.url, 'url'),
        headers,
        transport: type === 'sse' ? 'sse' : type === undefined ? 'auto' : 'streamable-http',
      };
    } else if (typeof value.command === 'string' && (type === undefined || type === 'stdio')) {
      const envDecl = stringMap(value.env, `${where}.env`);
      for (const k of Object.keys(envDecl)) envDecl[k] = expand(envDecl[k]!, `env ${k}`);
      const t: ServerTarget = {
        kind: 'stdio',
        command: expand(value.command, 'command'),
        args: stringArray(value.args, `${where}.args`).map((a) => expand(a, 'args')),
        env: envDecl,
      };
      if (typeof value.cwd === 'string') t.cwd = resolve(workspace, expand(value.cwd, 'cwd'));
      target = t;
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
      throw new ConfigError('UNKNOWN_SERVER', `${path} has no server "${printable(name, 60)}"; it has: ${servers.map((s) => s.name).join(', ')}`);
    }
  }
  return servers.filter((s) => names.includes(s.name));
}
