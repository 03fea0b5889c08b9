import type { Discovery, DiscoveredServer, DiscoveredTransport } from '../../src/config/discover.js';
import { printable } from '../../src/util/text.js';
import type { Paint } from '../io.js';

/** The discover JSON (version 1): stable for machines; paths absolute, transports as written. */
export function discoveryJson(d: Discovery) {
  return {
    discoverVersion: 1,
    servers: d.servers.map((s) => ({
      id: s.id,
      agent: s.agent,
      scope: s.scope,
      file: s.file,
      ...(s.project !== undefined ? { project: s.project } : {}),
      name: s.name,
      transport: s.transport,
      ...(s.wrapped ? { wrapped: true } : {}),
    })),
    files: d.files,
    errors: d.problems,
  };
}

/** A path as a user reads it: `~/…` under the home folder, relative under the project. */
function shownPath(path: string, where: { home?: string; cwd: string }): string {
  const under = (base: string | undefined) => base !== undefined && base !== '' && (path.startsWith(`${base}/`) || path.startsWith(`${base}\\`));
  if (under(where.cwd)) return path.slice(where.cwd.length + 1);
  if (under(where.home)) return `~${path.slice(where.home!.length)}`;
  return path;
}

export function describeTransport(t: DiscoveredTransport): string {
  if (t.type === 'stdio') return `${'stdio'.padEnd(15)}  ${printable([t.command, ...t.args].join(' '), 200)}`;
  return `${(t.transport === 'auto' ? 'http' : t.transport).padEnd(15)}  ${printable(t.url, 200)}`;
}

/**
 * The text listing: one block per config file (agent, scope, file), one line per server (its
 * id, transport and command or URL as written), then the problems on stderr. Everything from a
 * file is escaped; no env or header value is in the data to begin with.
 */
export function renderDiscovery(d: Discovery, where: { home?: string; cwd: string }, p: Paint, pe: Paint): { stdout: string; stderr: string } {
  const lines: string[] = [];
  const byFile = new Map<string, DiscoveredServer[]>();
  for (const s of d.servers) {
    const list = byFile.get(s.file);
    if (list) list.push(s);
    else byFile.set(s.file, [s]);
  }
  const agents = new Set<string>();
  for (const f of d.files) {
    const servers = byFile.get(f.path) ?? [];
    if (servers.length === 0) continue;
    agents.add(f.agent);
    lines.push(`${p.bold(printable(servers[0]!.agentName, 40))} ${p.dim(`(${printable(f.label, 80)})`)} ${printable(shownPath(f.path, where), 300)}`);
    // One pass (no spread: a file may list more servers than a call takes arguments).
    const ids = servers.map((s) => printable(s.id, 120));
    let width = 0;
    for (const id of ids) width = Math.max(width, id.length);
    width = Math.min(60, width);
    servers.forEach((s, i) => lines.push(`  ${ids[i]!.padEnd(width)}  ${describeTransport(s.transport)}${s.wrapped ? `  ${p.dim('(wrapped: through mcptrust proxy)')}` : ''}`));
  }
  const n = d.servers.length;
  if (n === 0) lines.push('no MCP servers found in the agent configs of this machine and folder');
  else {
    lines.push(
      `${n} server${n === 1 ? '' : 's'} in ${agents.size} agent${agents.size === 1 ? '' : 's'}; lock them all with: mcptrust lock --discover`,
    );
  }
  const errors = d.problems.map((e) => `${pe.red('error:')} ${printable(e.message, 400)}\n`);
  return { stdout: `${lines.join('\n')}\n`, stderr: errors.join('') };
}
