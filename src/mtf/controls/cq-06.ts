/**
 * CQ-06 Behavioral Analysis (MTF v0.1 §3.4). Runs only with `--run-server`, because it executes
 * the bundle: the server is started from its manifest (`server.mcp_config` command/args/env with
 * `${__dirname}` replaced by the bundle folder) with a scrubbed environment (the MCP SDK's short
 * allow-list, no secrets) and a fresh temporary HOME, and its live tools and prompts are compared
 * with the ones the manifest declares. An undeclared tool blocks (spec: HIGH); a declared tool the
 * server does not offer, and description drift, are warnings.
 *
 * Not done: the spec's syscall monitoring (network/filesystem/environment/subprocess) needs an
 * instrumented sandbox that a portable CLI does not have; only the MCP surface is compared.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkDescriptionSafety, type SurfaceItem } from '../declarations.js';
import { FindingList } from '../source.js';
import type { Control, ControlResult, Finding } from '../types.js';
import { printable } from '../../util/text.js';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `${__dirname}` → bundle folder; `${user_config.*}` and other variables → '' (not known here). */
export function substitute(value: string, root: string): { value: string; unresolved: boolean } {
  let unresolved = false;
  const out = value.replace(/\$\{([^}]{1,100})\}/g, (_, name: string) => {
    if (name === '__dirname') return root;
    if (name === 'pathSeparator' || name === '/') return '/';
    unresolved = true;
    return '';
  });
  return { value: out, unresolved };
}

function declaredNames(list: unknown): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>();
  if (!Array.isArray(list)) return out;
  for (const item of list) if (isObject(item) && typeof item.name === 'string') out.set(item.name, typeof item.description === 'string' ? item.description : undefined);
  return out;
}

const norm = (s: string) => s.replace(/\s+/g, ' ').trim();

export const control: Control = {
  id: 'CQ-06',
  name: 'Behavioral Analysis',
  domain: 'code_quality',
  async run(ctx): Promise<ControlResult> {
    if (!ctx.options.runServer) return { status: 'skip', findings: [], error: 'behavioural analysis starts the bundle\'s server; pass --run-server to allow it' };
    const manifest = ctx.manifest;
    const server = manifest && isObject(manifest.server) ? manifest.server : undefined;
    const config = server && isObject(server.mcp_config) ? server.mcp_config : undefined;
    if (!config || typeof config.command !== 'string') return { status: 'error', findings: [], error: 'the manifest has no server.mcp_config.command to start' };
    const findings: Finding[] = [];
    const add = (f: Omit<Finding, 'id' | 'control'>) => findings.push({ id: `CQ-06-${findings.length + 1}`, control: 'CQ-06', ...f });
    let unresolved = false;
    const sub = (v: string) => {
      const r = substitute(v, ctx.root);
      unresolved ||= r.unresolved;
      return r.value;
    };
    let command = sub(config.command);
    if (command === 'node') command = process.execPath;
    const args = Array.isArray(config.args) ? config.args.filter((a): a is string => typeof a === 'string').map(sub) : [];
    const env: Record<string, string> = {};
    if (isObject(config.env)) for (const [k, v] of Object.entries(config.env)) if (typeof v === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) env[k] = sub(v);
    if (unresolved) add({ severity: 'info', title: 'User configuration not supplied', description: 'The server command uses ${user_config…} or other variables; they were left empty for this run' });
    const home = mkdtempSync(join(tmpdir(), 'mcptrust-cq06-'));
    let surface: { tools: Record<string, Record<string, unknown>>; prompts: Record<string, Record<string, unknown>> };
    try {
      const { readServerSurface, DEFAULT_LIMITS } = await import('../../mcp/index.js');
      const parentEnv: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: home, USERPROFILE: home, TMPDIR: home, LANG: 'C.UTF-8' };
      const read = await readServerSurface({ kind: 'stdio', command, args, env, cwd: ctx.root }, { ...DEFAULT_LIMITS, timeoutMs: 20_000 }, { parentEnv });
      surface = read.surface as never;
    } catch (error) {
      return { status: 'error', findings, error: `the server could not be started or read: ${printable((error as Error).message, 240)}` };
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
    const checks: [kind: 'tool' | 'prompt', declared: Map<string, string | undefined>, live: Record<string, Record<string, unknown>>, generated: boolean][] = [
      ['tool', declaredNames(manifest!.tools), surface.tools, manifest!.tools_generated === true],
      ['prompt', declaredNames(manifest!.prompts), surface.prompts, manifest!.prompts_generated === true],
    ];
    for (const [kind, declared, live, generated] of checks) {
      const liveNames = Object.keys(live);
      for (const name of liveNames) {
        if (!declared.has(name)) {
          if (generated) continue;
          add({ severity: kind === 'tool' ? 'high' : 'medium', title: `Undeclared ${kind}`, description: `The running server offers the ${kind} "${printable(name, 80)}", which manifest.json does not declare`, file: 'manifest.json', remediation: `Declare every ${kind} in manifest.json (or set ${kind}s_generated: true).` });
          continue;
        }
        const want = declared.get(name);
        const got = live[name]?.description;
        if (want !== undefined && typeof got === 'string' && norm(want) !== norm(got)) {
          add({ severity: 'low', title: `${kind === 'tool' ? 'Tool' : 'Prompt'} description differs`, description: `"${printable(name, 80)}" is described differently by the running server than in manifest.json`, file: 'manifest.json' });
        }
      }
      for (const name of declared.keys()) {
        if (!(name in live)) add({ severity: 'medium', title: `Declared ${kind} not offered`, description: `manifest.json declares the ${kind} "${printable(name, 80)}" but the running server does not offer it`, file: 'manifest.json' });
      }
    }
    // What the running server tells the model may not be what the manifest (and so CD-03) showed:
    // descriptions that drifted, and undeclared tools/prompts, get CD-03's description safety
    // analysis here (a poisoned live description is the rug pull §2.2.8 warns of).
    const drifted: SurfaceItem[] = [];
    for (const [kind, declared, live] of checks) {
      for (const [name, definition] of Object.entries(live)) {
        const got = definition?.description;
        const want = declared.get(name);
        if (!declared.has(name) || (typeof got === 'string' && (want === undefined || norm(want) !== norm(got)))) drifted.push({ kind, value: { ...definition, name } });
      }
    }
    if (drifted.length > 0) {
      const safety = new FindingList('CQ-06');
      checkDescriptionSafety({ items: drifted, texts: [] }, safety);
      for (const f of safety.items) {
        add({ severity: f.severity, title: `Live description: ${f.title}`, description: `${f.description} (as the running server describes it, not the manifest)`, ...(f.remediation ? { remediation: f.remediation } : {}) });
      }
    }
    add({ severity: 'info', title: 'Server surface observed', description: `${Object.keys(surface.tools).length} tools and ${Object.keys(surface.prompts).length} prompts offered by the running server` });
    return { status: findings.some((f) => f.severity === 'high' || f.severity === 'critical') ? 'fail' : 'pass', findings };
  },
};
