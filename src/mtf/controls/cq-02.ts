/**
 * CQ-02 Malware Patterns (MTF v0.1 §3.4). Exfiltration, reverse shells, miners, obfuscated
 * execution and install hooks are looked for in every file, dependencies included (malware
 * mostly arrives in a dependency); the review-level rules only in the server's own code.
 * Tests and fixtures are skipped by path component (`test/`, `fixtures/`, `*.test.js`), not by
 * substring as the reference did.
 */
import { codeFiles } from '../code/files.js';
import { compileRules, hitsToFindings, scanFiles, statusOf, windowNote } from '../code/patterns.js';
import { MALICIOUS_RULES } from '../rules/malicious.js';
import type { Control } from '../types.js';
import { printable } from '../../util/text.js';

export const MALICIOUS_RULE_SET = compileRules('CQ-02', MALICIOUS_RULES);

export const control: Control = {
  id: 'CQ-02',
  name: 'Malware Patterns',
  domain: 'code_quality',
  run(ctx) {
    const { hits: all, truncated, windowed } = scanFiles(MALICIOUS_RULE_SET, codeFiles(ctx.files));
    // An install hook that downloads and runs code (critical) also reaches the network: the
    // warning would only repeat it.
    const downloads = new Set(all.filter((h) => h.rule.id === 'install-hook-download').map((h) => `${h.file}\u0000${h.line}`));
    const hits = all.filter((h) => h.rule.id !== 'install-hook-network' || !downloads.has(`${h.file}\u0000${h.line}`));
    const findings = hitsToFindings('CQ-02', hits, (hit) => `${hit.rule.description}: ${printable(hit.match, 100)}`);
    findings.push(...windowNote('CQ-02', windowed));
    if (truncated) findings.push({ id: 'CQ-02-truncated', control: 'CQ-02', severity: 'info', title: 'Finding limit reached', description: `Only the first ${hits.length} findings are listed.` });
    return { status: statusOf(findings), findings };
  },
};
