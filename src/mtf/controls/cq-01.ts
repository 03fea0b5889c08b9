/**
 * CQ-01 Secret Detection (MTF v0.1 §3.4). Provider-format secrets (AKIA…, ghp_…, PEM private
 * keys, …) are looked for in every text file of the bundle, dependencies included, since a key
 * shipped in a vendored folder is as exposed as one in the server; generic assignments
 * ("password = '…'") only in the server's own code. Test folders and documentation files are
 * skipped (decided by path components, not substrings). Verification of liveness (TruffleHog
 * `--only-verified`) needs the network and is not done: every high-confidence match blocks.
 */
import { codeFiles, isDocumentationPath } from '../code/files.js';
import { compileRules, hitsToFindings, redactSecret, scanFiles, statusOf, windowNote } from '../code/patterns.js';
import { SECRET_RULES } from '../rules/secrets.js';
import type { Control } from '../types.js';

export const SECRET_RULE_SET = compileRules('CQ-01', SECRET_RULES);

export const control: Control = {
  id: 'CQ-01',
  name: 'Secret Detection',
  domain: 'code_quality',
  run(ctx) {
    const files = codeFiles(ctx.files).filter((f) => !isDocumentationPath(f.file.path));
    const { hits, truncated, windowed } = scanFiles(SECRET_RULE_SET, files);
    const findings = hitsToFindings('CQ-01', hits, (hit) => `${hit.rule.description}: ${redactSecret(hit.match)}`);
    findings.push(...windowNote('CQ-01', windowed));
    if (truncated) findings.push({ id: 'CQ-01-truncated', control: 'CQ-01', severity: 'info', title: 'Finding limit reached', description: `Only the first ${hits.length} secret findings are listed.` });
    return { status: statusOf(findings), findings };
  },
};
