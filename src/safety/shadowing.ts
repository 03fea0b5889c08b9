import { capMarkRuns, isPrintableAscii, printable } from '../util/text.js';
import { CONFUSABLE_TO_ASCII } from './confusables.js';
import { visibleName } from './index.js';

/**
 * Cross-server tool shadowing: two servers of one lockfile (one agent) offering tools that an
 * agent or a reviewer cannot tell apart — the same name, or a look-alike one (`read_fіle` with a
 * Cyrillic і, a zero-width space, a full-width letter). An agent that sees both may call the
 * attacker's tool for the other. Shared by `lock` (a note), the policy input (`shadows`) and the
 * diff engine (a new collision). Names are attacker-controlled: they are grouped through a Map by
 * their skeleton, in time linear in the number of tools, never compared pairwise.
 */

/** One tool of one server. */
export interface ServerTool {
  server: string;
  name: string;
}

/** Tools of two or more servers whose names look the same. */
export interface Collision {
  /** What the names look like: the shared skeleton (see shadowKey). */
  looksLike: string;
  /** Every tool of the group, sorted by server then name; at least two servers. */
  tools: ServerTool[];
  /** True when the names are not all identical (look-alikes rather than the same name). */
  confusable: boolean;
}

/**
 * What a name looks like: its visible characters (invisible, tag and bidi controls dropped),
 * NFKC-normalised (full-width and mathematical letters), each character with an ASCII look-alike
 * (UTS #39 subset in confusables.ts) replaced by it. Case and separators are kept: `Read_File`
 * and `read-file` are names a reader tells apart.
 */
export function shadowKey(name: string): string {
  // Printable ASCII (most names) has nothing to drop, normalise or map.
  if (isPrintableAscii(name)) return name;
  let out = '';
  // Runs of combining marks cut first (NFKC is quadratic in a long one); scanName reports them.
  for (const ch of capMarkRuns(visibleName(name)).text.normalize('NFKC')) out += CONFUSABLE_TO_ASCII.get(ch) ?? ch;
  return out;
}

/**
 * Which servers one agent sees together. `lock --discover` pools the servers of every agent on a
 * machine into one lockfile, naming each `AGENT:FILE:NAME` (claude-code:project:memory): those are
 * compared only with servers of the same agent, since no agent is given another agent's tools.
 * Any other name (a `--config` lock, one server) is one agent's: all are compared.
 */
export function agentScope(server: string): string {
  const first = server.indexOf(':');
  return first > 0 && server.indexOf(':', first + 1) > first + 1 && /^[a-z][a-z0-9-]*$/.test(server.slice(0, first)) ? server.slice(0, first) : '';
}

const byServerThenName = (a: ServerTool, b: ServerTool) =>
  a.server < b.server ? -1 : a.server > b.server ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0;

/**
 * Every group of tools of two or more servers of one agent (agentScope) that share a skeleton,
 * sorted by skeleton, then by their first server.
 */
export function findCollisions(tools: Iterable<ServerTool>): Collision[] {
  const list = Array.isArray(tools) ? (tools as readonly ServerTool[]) : [...tools];
  // A group needs tools of two servers: with one server (the common lock) there is none.
  if (list.every((t) => t.server === list[0]!.server)) return [];
  const groups = new Map<string, { looksLike: string; tools: ServerTool[]; servers: Set<string> }>();
  for (const tool of list) {
    const looksLike = shadowKey(tool.name);
    const key = `${agentScope(tool.server)}\u0000${looksLike}`;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { looksLike, tools: [], servers: new Set() }));
    group.tools.push(tool);
    group.servers.add(tool.server);
  }
  const out: Collision[] = [];
  for (const group of groups.values()) {
    if (group.servers.size < 2) continue;
    const first = group.tools[0]!.name;
    out.push({ looksLike: group.looksLike, tools: group.tools.sort(byServerThenName), confusable: group.tools.some((t) => t.name !== first) });
  }
  const order = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return out.sort((a, b) => order(a.looksLike, b.looksLike) || order(a.tools[0]!.server, b.tools[0]!.server));
}

/** The tools of every server of a lockfile-shaped record (tool records are keyed by name). */
export function serverTools(servers: Readonly<Record<string, { surface: { tools: object } }>>): ServerTool[] {
  const out: ServerTool[] = [];
  for (const server of Object.keys(servers)) for (const name of Object.keys(servers[server]!.surface.tools)) out.push({ server, name });
  return out;
}

/** The most tools of other servers listed for one tool (policy input `shadows`, diff reasons). */
export const MAX_SHADOWS_LISTED = 50;

/** Which tools of other servers each colliding tool is confused with, at most `limit` of them. */
export interface ShadowIndex {
  /** Tools of other servers that look like `server`'s `name` (empty when none), and how many more were left out. */
  of(server: string, name: string): { others: readonly ServerTool[]; more: number };
}

const NONE = Object.freeze({ others: Object.freeze([]) as readonly ServerTool[], more: 0 });

/**
 * An index of the collisions by tool. The tools of one server in one group share one list
 * (everything of the group but that server's own tools, cut at `limit`), so building it costs
 * O(tools + servers × limit), whatever the group sizes.
 */
export function indexShadows(collisions: readonly Collision[], limit = MAX_SHADOWS_LISTED): ShadowIndex {
  const index = new Map<string, { others: readonly ServerTool[]; more: number }>();
  const key = (server: string, name: string) => `${server}\u0000${name}`;
  for (const collision of collisions) {
    const perServer = new Map<string, number>();
    for (const t of collision.tools) perServer.set(t.server, (perServer.get(t.server) ?? 0) + 1);
    for (const [server, own] of perServer) {
      const others: ServerTool[] = [];
      for (const t of collision.tools) {
        if (others.length === limit) break;
        if (t.server !== server) others.push(t);
      }
      const entry = Object.freeze({ others: Object.freeze(others), more: collision.tools.length - own - others.length });
      for (const t of collision.tools) if (t.server === server) index.set(key(t.server, t.name), entry);
    }
  }
  if (index.size === 0) return { of: () => NONE };
  return { of: (server, name) => index.get(key(server, name)) ?? NONE };
}

const quote = (s: string) => `"${printable(s, 80)}"`;

/** How a collision reads in a `lock` note: which tools, of which servers, and why it matters. */
export function describeCollision(collision: Collision, limit = 5): string {
  const shown = collision.tools.slice(0, limit).map((t) => `server ${quote(t.server)} tool ${quote(t.name)}`);
  const more = collision.tools.length - shown.length;
  const servers = new Set(collision.tools.map((t) => t.server)).size;
  return (
    `${collision.confusable ? 'look-alike' : 'the same'} tool names across ${servers} servers: ${shown.join(', ')}${more > 0 ? ` and ${more} more` : ''}; ` +
    'an agent given both may call one for the other (shadowing): rename or drop one'
  );
}
