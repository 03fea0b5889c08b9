import type { LiveScan, ScanResult } from '../../src/mtf/index.js';
import { requiredAt } from '../../src/mtf/score.js';
import type { ControlResult, Finding } from '../../src/mtf/types.js';
import { printable } from '../../src/util/text.js';
import type { Paint } from '../io.js';

const DOMAIN_TITLES: Record<string, string> = {
  artifact_integrity: 'Artifact integrity',
  supply_chain: 'Supply chain',
  code_quality: 'Code quality',
  capability_declaration: 'Capability declaration',
  provenance: 'Provenance',
};
const SEVERITY_ORDER: Finding['severity'][] = ['critical', 'high', 'medium', 'low', 'info'];
const SHOWN_PER_CONTROL = 8;

function statusWord(status: ControlResult['status'], p: Paint): string {
  switch (status) {
    case 'pass':
      return p.green('PASS ');
    case 'fail':
      return p.red('FAIL ');
    case 'error':
      return p.yellow('ERROR');
    default:
      return p.dim('SKIP ');
  }
}

function severityWord(s: Finding['severity'], p: Paint): string {
  const w = s.padEnd(8);
  return s === 'critical' || s === 'high' ? p.red(w) : s === 'medium' ? p.yellow(w) : p.dim(w);
}

function counts(findings: Finding[]): string {
  const parts: string[] = [];
  for (const s of SEVERITY_ORDER) {
    if (s === 'info') continue;
    const n = findings.filter((f) => f.severity === s).length;
    if (n) parts.push(`${n} ${s}`);
  }
  return parts.join(', ');
}

function where(f: Finding): string {
  if (!f.file) return '';
  return `  ${printable(f.file, 120)}${f.line ? `:${f.line}` : ''}`;
}

/** The scan report for a person: level, score and risk first, a line per control, the findings grouped by control. */
export function renderScanText(result: ScanResult, source: string, names: ReadonlyMap<string, string>, p: Paint): string {
  const { report, score } = result;
  const out: string[] = [];
  const risk = report.risk_score;
  const riskText = risk === 'CRITICAL' || risk === 'HIGH' ? p.red(risk) : risk === 'MEDIUM' ? p.yellow(risk) : p.green(risk);
  out.push(`${p.bold('MTF v0.1 scan')}  ${printable(report.bundle.name, 80)} ${printable(report.bundle.version, 40)}${report.bundle.version_declared === false ? p.dim(' (no valid version)') : ''}`);
  out.push(p.dim(`  ${printable(source, 120)} · ${report.bundle.files} files · ${report.bundle.archive ? 'sha256' : 'listing sha256'} ${report.bundle.hash}`));
  out.push('');
  const levelText = score.level === 0 ? p.red('L0 None') : p.bold(`L${score.level} ${score.level_name}`);
  out.push(`  level  ${levelText}${report.compliance.level_declared ? p.dim(`  (declared L${report.compliance.level_declared})`) : ''}${score.degraded ? p.yellow(`  degraded: errors hide L${score.level_if_no_errors}`) : ''}`);
  out.push(`  score  ${score.score}/100  ${p.dim(`(${score.controls_passed} of ${score.controls_total} controls passed, ${score.controls_failed} failed, ${score.controls_errored} errors, ${score.controls_skipped} skipped)`)}`);
  out.push(`  risk   ${riskText}`);
  for (const [domain, { controls }] of Object.entries(report.domains)) {
    out.push('');
    out.push(p.bold(DOMAIN_TITLES[domain] ?? domain));
    for (const [id, r] of Object.entries(controls)) {
      const name = names.get(id) ?? '';
      const level = requiredAt(id as Parameters<typeof requiredAt>[0]);
      const req = level ? p.dim(`L${level}`) : p.dim('--');
      const own = result.results.get(id as never);
      const note = r.status === 'error' || r.status === 'skip'
        ? p.dim(` — ${printable(r.error ?? '', 140)}`)
        : r.findings.some((f) => f.severity !== 'info')
          ? ` — ${counts(r.findings)}`
          : '';
      const cap = r.status === 'pass' && own?.levelCap ? p.yellow(` (passes up to L${own.levelCap})`) : '';
      out.push(`  ${statusWord(r.status, p)} ${req} ${id} ${name}${cap}${note}`);
    }
  }
  const withFindings = Object.values(report.domains).flatMap((d) => Object.entries(d.controls)).filter(([, r]) => r.findings.some((f) => f.severity !== 'info'));
  if (withFindings.length > 0) {
    out.push('');
    out.push(p.bold('Findings'));
    for (const [id, r] of withFindings) {
      out.push(`  ${p.bold(`${id} ${names.get(id) ?? ''}`)}`);
      const sorted = r.findings.filter((f) => f.severity !== 'info').sort((a, b) => SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity));
      for (const f of sorted.slice(0, SHOWN_PER_CONTROL)) {
        out.push(`    ${severityWord(f.severity, p)} ${printable(f.title, 100)}${p.dim(where(f))}`);
        out.push(`             ${printable(f.description, 240)}`);
        if (f.remediation) out.push(`             ${p.dim(`fix: ${printable(f.remediation, 240)}`)}`);
      }
      if (sorted.length > SHOWN_PER_CONTROL) out.push(p.dim(`    … ${sorted.length - SHOWN_PER_CONTROL} more (--format json shows all)`));
    }
  }
  out.push('');
  if (score.level < 4) {
    const next = score.level + 1;
    const levels = ['None', 'Basic', 'Standard', 'Verified', 'Attested'];
    const list = result.blockers.map((b) => `${b.id} (${b.status})`).join(', ');
    out.push(`${p.bold(`To reach L${next} ${levels[next]}:`)} ${list}`);
  } else out.push(p.green('Every control of L4 Attested passes.'));
  if (result.skipped.length > 0) out.push(p.dim(`${result.skipped.length} file(s) were not read as text (size limits); see the JSON report for the scan's scope.`));
  return `${out.join('\n')}\n`;
}

/** `scan --lock`: one block per server, findings grouped. */
export function renderLiveText(scan: LiveScan, file: string, p: Paint): string {
  const out: string[] = [`${p.bold('MTF live-server controls')} (CD-01 tool declaration, CD-03 description safety) for ${printable(file, 120)}`];
  for (const s of scan.servers) {
    out.push('');
    const risk = s.risk === 'CRITICAL' || s.risk === 'HIGH' ? p.red(s.risk) : s.risk === 'MEDIUM' ? p.yellow(s.risk) : p.green(s.risk);
    out.push(`${p.bold(printable(s.server, 80))}  risk ${risk}`);
    for (const id of ['CD-01', 'CD-03'] as const) {
      const r = s.controls[id];
      const name = id === 'CD-01' ? 'Tool Declaration' : 'Description Safety';
      const extra = r.findings.some((f) => f.severity !== 'info') ? ` — ${counts(r.findings)}` : '';
      out.push(`  ${statusWord(r.status, p)} ${id} ${name}${extra}`);
      const sorted = r.findings.filter((f) => f.severity !== 'info').sort((a, b) => SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity));
      for (const f of sorted.slice(0, SHOWN_PER_CONTROL)) {
        out.push(`      ${severityWord(f.severity, p)} ${printable(f.title, 100)}: ${printable(f.description, 200)}`);
      }
      if (sorted.length > SHOWN_PER_CONTROL) out.push(p.dim(`      … ${sorted.length - SHOWN_PER_CONTROL} more (--format json shows all)`));
    }
  }
  out.push('');
  out.push(scan.passed ? p.green('every server passes CD-01 and CD-03') : p.red('some servers fail CD-01 or CD-03'));
  return `${out.join('\n')}\n`;
}
