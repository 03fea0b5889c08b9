/**
 * The MTF controls that make sense for a live server, applied to every server of a lockfile:
 * CD-01 (tool declaration: every tool named, described, unique) and CD-03 (description safety,
 * including invisible, bidi and look-alike characters) over everything the server offers an
 * agent — tool names, titles, descriptions, input and output schemas, prompts and their
 * arguments, resources, resource templates and the server's instructions. Pure: the lockfile is
 * already parsed. The result is plain data for `scan --lock` output and the policy `input`.
 */
import type { Lockfile } from '../lockfile/types.js';
import { blocking, checkDescriptionSafety, checkToolDeclaration, type Surface } from './declarations.js';
import { riskOf, type Risk } from './score.js';
import { FindingList } from './source.js';
import type { ControlResult, Finding, Severity } from './types.js';

export interface LiveServerScan {
  server: string;
  controls: { 'CD-01': ControlResult; 'CD-03': ControlResult };
  findings: Finding[];
  risk: Risk;
  /** Both controls pass (CD-01 possibly only at L1: see levelCap). */
  passed: boolean;
  /** Findings per severity. */
  counts: Record<Severity, number>;
}

export interface LiveScan {
  servers: LiveServerScan[];
  /** The worst risk over all servers. */
  risk: Risk;
  /** Every server passes both controls. */
  passed: boolean;
}

function liveSurface(lock: Lockfile, name: string): Surface {
  const s = lock.servers[name]!.surface;
  const surface: Surface = { items: [], texts: [] };
  for (const tool of Object.values(s.tools)) surface.items.push({ kind: 'tool', value: tool });
  for (const prompt of Object.values(s.prompts)) surface.items.push({ kind: 'prompt', value: prompt });
  for (const resource of Object.values(s.resources)) surface.items.push({ kind: 'resource', value: resource });
  for (const template of Object.values(s.resourceTemplates)) surface.items.push({ kind: 'resource template', value: template });
  if (typeof s.identity.instructions === 'string' && s.identity.instructions !== '') surface.texts.push({ where: 'server instructions', text: s.identity.instructions });
  return surface;
}

/** CD-01 and CD-03 for every server of `lock`, in server-name order. */
export function scanLockfile(lock: Lockfile): LiveScan {
  const servers: LiveServerScan[] = [];
  for (const name of Object.keys(lock.servers).sort()) {
    const surface = liveSurface(lock, name);
    const cd01 = new FindingList('CD-01');
    const cap = checkToolDeclaration(surface, Object.values(lock.servers[name]!.surface.tools), cd01);
    const cd03 = new FindingList('CD-03');
    checkDescriptionSafety(surface, cd03);
    const r01: ControlResult = { status: blocking(cd01) ? 'fail' : 'pass', findings: cd01.items, ...(!blocking(cd01) && cap.levelCap ? { levelCap: cap.levelCap } : {}) };
    const r03: ControlResult = { status: blocking(cd03) ? 'fail' : 'pass', findings: cd03.items };
    const findings = [...cd01.items, ...cd03.items];
    const counts: Record<Severity, number> = { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
    for (const f of findings) counts[f.severity]++;
    servers.push({ server: name, controls: { 'CD-01': r01, 'CD-03': r03 }, findings, risk: riskOf(findings), passed: r01.status === 'pass' && r03.status === 'pass', counts });
  }
  return { servers, risk: riskOf(servers.flatMap((s) => s.findings)), passed: servers.every((s) => s.passed) };
}
