import { basename } from 'node:path';
import { redactWrittenUrl } from '../mcp/target.js';
import type { Agent, AgentFile, CandidateFile, FileReading } from './index.js';
import { ConfigError, readConfigEntries, type ConfigEntry } from './agent-config.js';

/** A config file found on disk, read (bounded) at the edge; or why it could not be read. */
export interface FoundFile {
  agent: Agent;
  file: AgentFile;
  /** The file itself (for a block-file folder: one file in it). */
  path: string;
  text?: string;
  /** Why the file could not be read (it exists: a missing file is simply not found). */
  unreadable?: string;
}

/** How a discovered server is reached, as its config wrote it: names of env vars and headers only. */
export type DiscoveredTransport =
  | { type: 'stdio'; command: string; args: string[]; env: string[]; cwd?: string }
  | { type: 'http'; transport: 'auto' | 'streamable-http' | 'sse'; url: string; headers: string[] };

export interface DiscoveredServer {
  /**
   * `AGENT:FILE:SERVER`, unique on a machine and stable across runs: the agent id, the file's
   * label in the agent table (`user`, `project`, `user-settings`…; a block file adds its name,
   * Claude Code's local scope its project folder), the server's name in the file. It is the
   * server's name in a `lock --discover` lockfile and what `--server` picks.
   */
  id: string;
  agent: string;
  agentName: string;
  scope: 'user' | 'project' | 'local';
  file: string;
  project?: string;
  name: string;
  transport: DiscoveredTransport;
  /** Launched through `mcptrust proxy` (wrap): `transport` is the server the proxy starts. */
  wrapped?: true;
  /** For lock: the entry to expand and start. Not rendered. */
  entry: ConfigEntry;
}

export interface DiscoveryProblem {
  agent: string;
  file: string;
  /** The server's id when one entry is wrong and the rest of the file was read. */
  server?: string;
  message: string;
}

export interface Discovery {
  servers: DiscoveredServer[];
  /** Every config file found, with how many servers it gave. */
  files: { agent: string; label: string; path: string; servers: number }[];
  problems: DiscoveryProblem[];
}

/** How a found file is read: the table's format, except block files, read by their extension. */
function readingOf(found: FoundFile): FileReading {
  const { agent, file } = found;
  let format = file.format;
  if (file.folder) format = found.path.toLowerCase().endsWith('.json') ? 'json' : 'yaml';
  return { format, section: file.section, dialect: agent.dialect, workspace: file.workspace, offSwitch: agent.honoursOffSwitch === true };
}

/** The project folder as shown in an id: under the home folder as `~/…`, so ids travel with the user. */
function shownProject(project: string, home: string | undefined): string {
  if (home && (project === home || project.startsWith(`${home}/`) || project.startsWith(`${home}\\`))) return `~${project.slice(home.length).replace(/\\/g, '/')}`;
  return project.replace(/\\/g, '/');
}

function transportOf(entry: ConfigEntry): DiscoveredTransport {
  const spec = entry.spec;
  if (spec.kind === 'stdio') {
    const t: DiscoveredTransport = { type: 'stdio', command: spec.command, args: [...spec.args], env: Object.keys(spec.env).sort() };
    if (spec.cwd !== undefined) t.cwd = spec.cwd;
    return t;
  }
  // The URL as written, without userinfo, query values or fragment (they may hold tokens).
  return { type: 'http', transport: spec.transport, url: redactWrittenUrl(spec.url), headers: Object.keys(spec.headers).sort() };
}

/**
 * Every MCP server in the config files found: pure, over texts read at the edge. A file that
 * cannot be read or parsed, and an entry that is malformed, is a problem naming the file (and
 * the server); everything else is still listed. Nothing is expanded here: `${VAR}` and
 * `${input:…}` stay as written, and no env or header value is kept in the listing.
 */
export function discoverServers(found: FoundFile[], home: string | undefined): Discovery {
  const servers: DiscoveredServer[] = [];
  const files: Discovery['files'] = [];
  const problems: DiscoveryProblem[] = [];
  for (const f of found) {
    const label = f.file.folder ? `${f.file.label}/${basename(f.path)}` : f.file.label;
    if (f.unreadable !== undefined || f.text === undefined) {
      problems.push({ agent: f.agent.id, file: f.path, message: `cannot read ${f.path}: ${f.unreadable ?? 'unreadable'}` });
      continue;
    }
    let read;
    try {
      read = readConfigEntries(f.text, f.path, readingOf(f), 'all');
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push({ agent: f.agent.id, file: f.path, message: error.message });
      continue;
    }
    const idOf = (name: string, project?: string) => `${f.agent.id}:${project !== undefined ? `local:${shownProject(project, home)}` : label}:${name}`;
    for (const p of read.problems) problems.push({ agent: f.agent.id, file: f.path, server: idOf(p.name, p.project), message: p.error.message });
    files.push({ agent: f.agent.id, label, path: f.path, servers: read.entries.length });
    for (const entry of read.entries) {
      const s: DiscoveredServer = {
        id: idOf(entry.name, entry.project),
        agent: f.agent.id,
        agentName: f.agent.name,
        scope: entry.project !== undefined ? 'local' : f.file.scope,
        file: f.path,
        name: entry.name,
        transport: transportOf(entry),
        entry,
      };
      if (entry.project !== undefined) s.project = entry.project;
      if (entry.wrapped) s.wrapped = true;
      servers.push(s);
    }
  }
  return { servers, files, problems };
}
