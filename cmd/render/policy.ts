import type { CompiledPolicy } from '../../src/policy/compile.js';
import type { DriftDoc } from '../../src/policy/input.js';
import type { TestRun } from '../../src/policy/test.js';
import type { Policy } from '../../src/policy/load.js';
import type { PolicyResult, RuleResult } from '../../src/policy/evaluate.js';
import { policyResultJson } from '../../src/report/check.js';
import { printable } from '../../src/util/text.js';
import type { Paint } from '../io.js';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function mark(rule: RuleResult, p: Paint): string {
  if (rule.outcome === 'pass') return p.green('✓');
  if (rule.outcome === 'warn') return p.yellow('⚠');
  return p.red('✗');
}

function ruleLines(rule: RuleResult, p: Paint, indent: string): string[] {
  const lines: string[] = [];
  const tag = rule.outcome === 'pass' ? '' : p.dim(` [${rule.severity}]`);
  lines.push(`${indent}${mark(rule, p)} ${printable(rule.name, 100)}${tag}`);
  if (rule.outcome === 'pass') return lines;
  const colour = rule.outcome === 'fail' ? p.red : p.yellow;
  if (rule.message) lines.push(`${indent}    ${colour(`→ ${printable(rule.message, 300)}`)}`);
  // What made it fail, by name (src/policy/explain.ts): bounded, the rest counted.
  if (rule.offending) {
    for (const item of rule.offending.items) {
      const why = item.why.length === 0 ? '' : p.dim(` (${item.why.map((w) => printable(w, 100)).join(', ')})`);
      lines.push(`${indent}      ${colour('-')} ${printable(item.name, 200)}${why}`);
    }
    const more = rule.offending.total - rule.offending.items.length;
    if (more > 0) lines.push(`${indent}      ${p.dim(`… and ${more} more`)}`);
  }
  if (rule.unexplained) lines.push(`${indent}      ${p.dim(`(${printable(rule.unexplained, 200)})`)}`);
  return lines;
}

/**
 * One line per rule, the failure message and the offending items under each rule that did not
 * pass. With several policy files, the rules are grouped under a line naming each file.
 */
export function renderRuleLines(result: PolicyResult, p: Paint, indent = '  '): string[] {
  if (result.policies.length <= 1) return result.rules.flatMap((rule) => ruleLines(rule, p, indent));
  const lines: string[] = [];
  for (const policy of result.policies) {
    const { counts } = policy;
    lines.push(
      `${indent}${p.bold(printable(policy.source, 120))} ${p.dim(`(${printable(policy.name, 80)}, mode ${policy.mode}): ${counts.passed} of ${plural(counts.rules, 'rule')} passed`)}`,
    );
    for (const rule of result.rules) if (rule.source === policy.source) lines.push(...ruleLines(rule, p, `${indent}  `));
  }
  return lines;
}

export function verdictLine(result: PolicyResult, p: Paint): string {
  const { counts } = result;
  if (counts.failures > 0) {
    return p.red(`✗ policy denied: ${plural(counts.failures, 'rule')} failed${counts.warnings ? `, ${plural(counts.warnings, 'warning')}` : ''}`);
  }
  if (counts.warnings > 0) {
    const why = result.mode === 'warn' ? ' (mode warn: failures are warnings)' : '';
    return p.yellow(`⚠ policy passed with ${plural(counts.warnings, 'warning')}${why}`);
  }
  return p.green(`✓ policy passed: all ${plural(counts.rules, 'rule')} passed`);
}

export function describeDrift(drift: DriftDoc, locked = true): string {
  if (!locked) return 'drift not applicable (--no-lockfile: no approved lockfile to compare with)';
  if (!drift.checked) return 'drift not checked (no live server or --against given)';
  const against = drift.against === 'live' ? 'the live server' : 'the other lockfile';
  if (!drift.hasDrift) return `no drift against ${against}`;
  return `${plural(drift.items.length, 'change')} against ${against} (most severe: ${drift.maxSeverity}${drift.breaking ? ', breaking' : ''})`;
}

export function renderPolicyCheck(result: PolicyResult, subject: string, drift: DriftDoc, p: Paint, locked = true): string {
  const head =
    result.policies.length === 1
      ? `${p.bold('policy')} ${printable(result.name, 80)} ${p.dim(`(${printable(result.source, 120)}, mode ${result.mode})`)}`
      : `${p.bold('policies')} ${printable(result.source, 240)}`;
  const lines = [
    `${head} on ${printable(subject, 120)}`,
    p.dim(`  ${describeDrift(drift, locked)}`),
    ...renderRuleLines(result, p),
    verdictLine(result, p),
  ];
  return `${lines.join('\n')}\n`;
}

/** `lockfile` is null under --no-lockfile (the live surface alone). */
export function policyCheckJson(result: PolicyResult, lockfile: string | null, drift: DriftDoc) {
  return {
    lockfile,
    passed: result.passed,
    policy: policyResultJson(result),
    drift: { checked: drift.checked, against: drift.against || null, hasDrift: drift.hasDrift, changes: drift.items.length, maxSeverity: drift.maxSeverity || null },
  };
}

/** `mcptrust policy explain`: what each rule checks, in words and CEL. */
export function renderExplain(policy: Policy, p: Paint): string {
  const lines = [`${p.bold('policy')} ${printable(policy.name, 80)} ${p.dim(`(${printable(policy.source, 120)})`)}`];
  if (policy.description) lines.push(`  ${printable(policy.description, 300)}`);
  lines.push(
    `  mode ${policy.mode}: ${
      policy.mode === 'strict'
        ? 'a failed rule of severity error fails the check (exit 1); a failed warn rule is a warning'
        : 'every failed rule is reported as a warning; the check passes (exit 0)'
    }`,
    '',
  );
  for (const rule of policy.rules) {
    lines.push(`${p.bold(printable(rule.name, 100))} ${p.dim(`[${rule.severity}]`)}`);
    if (rule.description) lines.push(`  ${printable(rule.description, 300)}`);
    const expr = rule.expr.trim().split('\n');
    lines.push(`  expr: ${printable(expr[0] ?? '', 300)}`);
    for (const more of expr.slice(1)) lines.push(`        ${printable(more, 300)}`);
    lines.push(`  when it fails: ${printable(rule.failureMsg, 300)}`);
    if (rule.controlRefs.length > 0) lines.push(`  controls: ${rule.controlRefs.map((c) => printable(c, 80)).join('; ')}`);
    lines.push('');
  }
  return `${lines.join('\n')}`;
}

export function explainJson(policy: Policy) {
  return {
    name: policy.name,
    source: policy.source,
    description: policy.description ?? null,
    mode: policy.mode,
    rules: policy.rules.map((r) => ({
      name: r.name,
      description: r.description ?? null,
      expr: r.expr,
      failure_msg: r.failureMsg,
      severity: r.severity,
      control_refs: r.controlRefs,
      evidence: r.evidence,
      evidence_commands: r.evidenceCommands,
    })),
  };
}

/** `mcptrust policy test`: one line per case, what did not match under each failed case. */
export function renderPolicyTest(run: TestRun, dir: string, compiled: readonly CompiledPolicy[], p: Paint): string {
  const sources = compiled.map((c) => printable(c.policy.source, 120)).join(' + ');
  const lines = [`${p.bold('policy test')} ${printable(dir, 120)} ${p.dim(`(${sources})`)}`];
  for (const c of run.cases) {
    lines.push(`  ${c.passed ? p.green('✓') : p.red('✗')} ${printable(c.name, 100)}`);
    for (const problem of c.problems) lines.push(`      ${p.red(`→ ${printable(problem, 400)}`)}`);
  }
  const { counts } = run;
  lines.push(
    counts.failed === 0
      ? p.green(`✓ all ${plural(counts.cases, 'case')} passed`)
      : p.red(`✗ ${plural(counts.failed, 'case')} of ${counts.cases} failed`),
  );
  return `${lines.join('\n')}\n`;
}

export function policyTestJson(run: TestRun, dir: string, compiled: readonly CompiledPolicy[]) {
  return {
    dir,
    policies: compiled.map((c) => ({ name: c.policy.name, source: c.policy.source })),
    passed: run.passed,
    counts: run.counts,
    cases: run.cases,
  };
}
