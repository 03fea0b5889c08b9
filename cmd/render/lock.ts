import { surfaceDigest } from '../../src/lockfile/build.js';
import type { DiffChange } from '../../src/diff/types.js';
import type { Lockfile } from '../../src/lockfile/types.js';
import { printable } from '../../src/util/text.js';
import type { Paint } from '../io.js';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function counts(lock: Lockfile, name: string) {
  const s = lock.servers[name]!.surface;
  return {
    tools: Object.keys(s.tools).length,
    prompts: Object.keys(s.prompts).length,
    resources: Object.keys(s.resources).length,
    resourceTemplates: Object.keys(s.resourceTemplates).length,
  };
}

/** `hide` redacts secrets from server text before it is shortened (a cut must not split a secret). */
export function renderLockSummary(lock: Lockfile, file: string, p: Paint, hide: (text: string) => string = (t) => t): string {
  const names = Object.keys(lock.servers);
  const lines = [`${p.green('locked')} ${plural(names.length, 'server')} into ${printable(file, 200)}`];
  for (const name of names) {
    const server = lock.servers[name]!;
    const info = server.surface.identity.serverInfo;
    const c = counts(lock, name);
    const id = `${printable(hide(String(info.name ?? '?')), 60)} ${printable(hide(String(info.version ?? '?')), 30)}, protocol ${printable(hide(server.surface.identity.protocolVersion), 20)}`;
    lines.push(`  ${p.bold(printable(hide(name), 60))} (${id})`);
    lines.push(
      `    ${plural(c.tools, 'tool')}, ${plural(c.prompts, 'prompt')}, ${plural(c.resources, 'resource')}, ${plural(c.resourceTemplates, 'resource template')}`,
    );
    lines.push(`    ${p.dim(surfaceDigest(server.surface))}`);
  }
  return `${lines.join('\n')}\n`;
}

export function lockSummaryJson(lock: Lockfile, file: string, notes: { server: string; note: string }[]) {
  return {
    written: true,
    lockfile: file,
    servers: Object.keys(lock.servers).map((name) => ({
      name,
      digest: surfaceDigest(lock.servers[name]!.surface),
      serverInfo: lock.servers[name]!.surface.identity.serverInfo,
      counts: counts(lock, name),
    })),
    notes,
  };
}

const SHOWN = 20;

/** The short form of `mcptrust diff` shown when lock refuses to overwrite: one line per change. */
export function renderChangeSummary(changes: DiffChange[], p: Paint, hide: (text: string) => string = (t) => t): string {
  const sign = { added: '+', removed: '-', modified: '~' } as const;
  const color = (c: DiffChange) => (c.severity === 'critical' || c.severity === 'high' ? p.red : c.severity === 'medium' ? p.yellow : p.dim);
  const lines = changes.slice(0, SHOWN).map((c) => {
    const what = c.kind === 'server' ? 'server' : `${c.kind} "${printable(hide(c.name), 80)}"`;
    const reason = c.reasons[0] === undefined ? '' : `: ${printable(hide(c.reasons[0]), 120)}`;
    return `  ${color(c)(c.severity.padEnd(8))} ${sign[c.change]} ${printable(hide(c.server), 40)}: ${what} ${c.change}${c.breaking ? ' (breaking)' : ''}${reason}`;
  });
  if (changes.length > SHOWN) lines.push(`  … and ${changes.length - SHOWN} more`);
  return `${lines.join('\n')}\n`;
}
