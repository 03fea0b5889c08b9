/**
 * CQ-05 Safe Execution Patterns (MTF v0.1 §3.4): the server's own code only ("Server code MUST
 * NOT use unsafe execution patterns"), dependency folders and tests excluded by path component
 * (the reference's substring filter skipped `src/inspect/x.py` for containing "spec").
 * Fixes over the reference: `ast.literal_eval` and `yaml.load(..., Loader=SafeLoader)` are not
 * flagged; `exec(cmd)` after `const { exec } = require('child_process')` or a destructured /
 * renamed ESM import is (src/mtf/code/js-exec.ts). `# nosec: reason` suppresses a line; a bare
 * `nosec` is reported as an unjustified suppression (WARN).
 */
import { codeFiles } from '../code/files.js';
import { findChildProcessCalls } from '../code/js-exec.js';
import { compileRules, hitsToFindings, scanFiles, statusOf, windowNote } from '../code/patterns.js';
import { UNSAFE_EXEC_RULES } from '../rules/unsafe-exec.js';
import type { Control, Finding } from '../types.js';
import { printable } from '../../util/text.js';

export const UNSAFE_EXEC_RULE_SET = compileRules('CQ-05', UNSAFE_EXEC_RULES);

export const control: Control = {
  id: 'CQ-05',
  name: 'Safe Execution Patterns',
  domain: 'code_quality',
  run(ctx) {
    const files = codeFiles(ctx.files).filter((f) => !f.dependency && !f.test);
    const { hits, truncated, windowed } = scanFiles(UNSAFE_EXEC_RULE_SET, files);
    const findings = hitsToFindings('CQ-05', hits, (hit) => `${hit.rule.description}: ${printable(hit.match, 100)}`);
    const seen = new Set(hits.filter((h) => h.rule.id === 'child-process-exec').map((h) => `${h.file}:${h.line}`));
    for (const f of files) {
      if (f.language !== 'js') continue;
      for (const call of findChildProcessCalls(f.file.text)) {
        const key = `${f.file.path}:${call.line}`;
        if (seen.has(key)) continue;
        seen.add(key);
        findings.push(execFinding(f.file.path, call.line, call.callee, call.target, call.shell, findings.length + 1));
      }
    }
    findings.push(...windowNote('CQ-05', windowed));
    if (truncated) findings.push({ id: 'CQ-05-truncated', control: 'CQ-05', severity: 'info', title: 'Finding limit reached', description: `Only the first ${hits.length} pattern findings are listed.` });
    return { status: statusOf(findings), findings };
  },
};

function execFinding(file: string, line: number, callee: string, target: string, shellOption: boolean, n: number): Finding {
  return {
    id: `CQ-05-child-process-exec-${n}`,
    control: 'CQ-05',
    severity: 'high',
    title: 'child_process.exec Injection',
    description: shellOption
      ? `${printable(callee, 60)}() is child_process.${target} called with a shell option`
      : `${printable(callee, 60)}() is child_process.${target}, which runs the command through a shell`,
    file,
    line,
    remediation: "Use execFile()/spawn() with an argument array and no shell: execFile('ls', [userDir]).",
  };
}
