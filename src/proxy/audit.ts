import type { Decision } from './enforce.js';

/**
 * One audit log line (JSON Lines): when, which server, the method, the item (tool or prompt
 * name, resource URI, template) and its locked digest, the verdict and why. Never argument
 * values, results or anything else a message carries (they may hold secrets). `enforced` is
 * false under --audit-only, where a blocked or withheld verdict was logged but not applied.
 */
export function renderAuditLine(decision: Decision, context: { server: string; time: Date; auditOnly: boolean }): string {
  const line: Record<string, string | boolean> = { time: context.time.toISOString(), server: context.server, method: decision.method };
  if (decision.kind !== undefined) line.kind = decision.kind;
  if (decision.item !== undefined) line.item = decision.item;
  line.decision = decision.verdict;
  line.reason = decision.reason;
  if (decision.digest !== undefined) line.digest = decision.digest;
  if (context.auditOnly && (decision.verdict === 'blocked' || decision.verdict === 'withheld')) line.enforced = false;
  return `${JSON.stringify(line)}\n`;
}
