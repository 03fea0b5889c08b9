import { digestOf } from '../canonical/index.js';
import { coreChange } from './change-fields.js';
import { SEVERITIES, type DiffChange, type DiffReport, type Severity } from '../diff/types.js';
import { ITEM_COLLECTION } from '../lockfile/types.js';
import { printable, safeJson } from '../util/text.js';
import { KIND_LABEL } from './diff-common.js';
import type { ServerDigest } from './diff-servers.js';
import { memberLines } from './json-lines.js';

/** SARIF 2.1.0 (OASIS): https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html */
const SARIF_SCHEMA = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { critical: 'error', high: 'error', medium: 'warning', low: 'note', info: 'note' };
/**
 * GitHub code scanning reads `properties.security-severity` of a rule (a reportingDescriptor):
 * a number as a string, 0.0 to 10.0, shown as critical (9.0–10.0), high (7.0–8.9), medium
 * (4.0–6.9), low (0.1–3.9) or none (0.0), for rules tagged "security". Each score sits in the
 * middle of its band.
 */
export const SECURITY_SEVERITY: Record<Severity, string> = { critical: '9.5', high: '8.0', medium: '5.5', low: '3.0', info: '0.0' };

const KINDS = ['server', 'tool', 'prompt', 'resource', 'resourceTemplate'] as const;
const CHANGES = ['added', 'removed', 'modified'] as const;

/**
 * One rule per kind of change and severity, since code scanning takes an alert's severity from
 * its rule: `mcptrust.diff.tool-modified/high`, a hierarchical id (SARIF 2.1.0 §3.5.4 and
 * §3.27.5: each "/" component refines the one before it).
 */
const ruleId = (c: Pick<DiffChange, 'kind' | 'change' | 'severity'>) => `mcptrust.diff.${c.kind}-${c.change}/${c.severity}`;

/**
 * The line in the lockfile that a change points at: the entry itself when the lockfile has it
 * (removed, modified), else the collection it would join, else the server, else line 1.
 */
export function changeLine(lines: Map<string, number>, c: DiffChange): number {
  const key = (...parts: string[]) => lines.get(['servers', ...parts].join('\u0000'));
  if (c.kind === 'server') {
    // A change of how the server is launched only (command, args, URL) points at its transport.
    const transportOnly = c.detail.fields.length > 0 && c.detail.fields.every((f) => f.startsWith('transport'));
    return (transportOnly ? key(c.server, 'transport') : undefined) ?? key(c.server, 'identity') ?? key(c.server) ?? lines.get('servers') ?? 1;
  }
  const collection = ITEM_COLLECTION[c.kind];
  return key(c.server, collection, c.name) ?? key(c.server, collection) ?? key(c.server) ?? lines.get('servers') ?? 1;
}

export interface SarifOptions {
  /** The lockfile as a URI relative to the repository root (forward slashes). */
  lockUri: string;
  /** The lockfile's text, to find the line of each entry. */
  lockText: string;
  toolVersion: string;
  /** The changed servers' approval digests (diff-servers.ts), added to each result's properties. */
  servers?: readonly ServerDigest[];
}

/** SARIF 2.1.0 for code scanning: one result per change, located at its entry in the lockfile. */
export function renderDiffSarif(report: DiffReport, options: SarifOptions): string {
  const lines = memberLines(options.lockText, 4);
  // The rules the results use, in a fixed order (kind, change, severity), each with its score.
  const used = new Set(report.changes.map(ruleId));
  const rules = KINDS.flatMap((kind) =>
    CHANGES.flatMap((change) =>
      SEVERITIES.filter((severity) => used.has(ruleId({ kind, change, severity }))).map((severity) => ({
        id: ruleId({ kind, change, severity }),
        name: `${KIND_LABEL[kind].replace(/ (\w)/g, (_, ch: string) => ch.toUpperCase())}${change[0]!.toUpperCase()}${change.slice(1)}${severity[0]!.toUpperCase()}${severity.slice(1)}`,
        shortDescription: { text: `MCP ${KIND_LABEL[kind]} ${change} since the lockfile was approved (${severity})` },
        defaultConfiguration: { level: LEVEL[severity] },
        properties: { tags: ['security', 'mcp', 'drift'], 'security-severity': SECURITY_SEVERITY[severity] },
      })),
    ),
  );
  const digests = new Map((options.servers ?? []).map((d) => [d.server, d]));
  const results = report.changes.map((c) => {
    const d = digests.get(c.server);
    const subject = c.kind === 'server' ? `server "${printable(c.server, 100)}"` : `${KIND_LABEL[c.kind]} "${printable(c.name, 100)}" of server "${printable(c.server, 60)}"`;
    const text = `${c.severity}${c.breaking ? ', breaking' : ''}: ${subject} ${c.change}. ${c.reasons.slice(0, 5).map((r) => printable(r, 300)).join('; ')}`;
    return {
      ruleId: ruleId(c),
      ruleIndex: rules.findIndex((r) => r.id === ruleId(c)),
      level: LEVEL[c.severity],
      message: { text },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: options.lockUri },
            region: { startLine: changeLine(lines, c) },
          },
        },
      ],
      // Stable across runs, so code scanning tracks one alert per entry and kind of change.
      partialFingerprints: { 'mcptrustChange/v1': digestOf([c.server, c.kind, c.name, c.change]) },
      properties: {
        ...coreChange(c),
        ...(d ? { lockedDigest: d.lockedDigest, liveDigest: d.liveDigest } : {}),
        'security-severity': SECURITY_SEVERITY[c.severity],
      },
    };
  });
  const sarif = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'mcptrust', version: options.toolVersion, rules } },
        results,
      },
    ],
  };
  // Viewers render message.text (made printable above); the properties keep the exact strings,
  // with no control, bidi or invisible character left raw in the file.
  return `${safeJson(sarif)}\n`;
}
