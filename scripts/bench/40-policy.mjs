// mcptrust policy check: a 20-rule policy over a 10,000-tool lockfile, as a process, against bare
// node start-up, each run paired with `node -e 0`. Target: within 3× of `node -e 0`. The time
// includes reading and strictly validating the lockfile (its digests are not recomputed: the rules
// judge the definitions as written), building the input (name and description analysis of every
// tool, the MTF description controls) and evaluating the rules.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FLOORS, floorRow, measurePaired, writeSyntheticLock } from './lib.mjs';

const TOOLS = 10_000;

// Twenty rules of the kinds teams write: quantifiers over the flat tool list, string tests,
// schema checks, drift, resources and MTF results. RULES uses the fields that come straight from
// the lockfile plus the cheap derived ones (name flags, capabilities and risk); FULL_RULES also
// names the costly ones (every description through the text-safety analysis, and the MTF
// CD-01/CD-03 scan), which the input builder computes only when a rule names them.
const RULES = [
  ['has_tools', 'size(input.tools) > 0'],
  ['no_exec_prefix', '!input.tools.exists(t, t.name.startsWith("exec"))'],
  ['no_high_risk', '!input.tools.exists(t, t.risk_level == "HIGH")'],
  ['described', 'input.tools.all(t, t.hasDescription)'],
  ['ascii_names', 'input.tools.all(t, !t.flags.nonAscii && !t.flags.invisible && !t.flags.bidi && !t.flags.confusable)'],
  ['few_arguments', 'input.tools.all(t, !has(t.inputSchema.properties) || size(t.inputSchema.properties) <= 5)'],
  ['namespaced', 'input.tools.all(t, t.name.startsWith("tool_"))'],
  ['no_shell_words', '!input.tools.exists(t, t.description.contains("shell"))'],
  ['short_descriptions', 'input.tools.all(t, size(t.description) < 2000)'],
  ['no_dangling_titles', 'input.tools.all(t, t.title == "" || size(t.title) < 200)'],
  ['no_capabilities', 'input.tools.all(t, size(t.capabilities) == 0)'],
  ['object_schemas', 'input.tools.all(t, t.inputSchema.type == "object")'],
  ['readonly_half', 'size(input.tools.filter(t, has(t.annotations.readOnlyHint) && t.annotations.readOnlyHint)) >= 0'],
  ['no_destructive', '!input.tools.exists(t, has(t.annotations.destructiveHint) && t.annotations.destructiveHint)'],
  ['no_drift', '!input.drift.hasDrift'],
  ['no_file_scheme', '!("file" in input.resources.schemes)'],
  ['no_internal', '!input.resources.items.exists(r, r.internal)'],
  ['known_transport', 'input.servers.all(s, s.transport.type == "stdio")'],
  ['named_server', 'input.servers.all(s, s.identity.name != "")'],
  ['matches_names', 'input.tools.all(t, t.name.matches("^[a-z0-9_]+$"))'],
];
const FULL_RULES = [
  ...RULES.slice(0, 18),
  ['no_suspicious', '!input.tools.exists(t, t.descriptionSignals.exists(s, s.severity == "critical" || s.severity == "high"))'],
  ['mtf_passed', 'input.mtf.servers.all(m, m.passed)'],
];

/** The strict preset's rule count (policies/strict.yaml), checked against what the run reports. */
const STRICT_RULES = { length: 10 };

const policyYaml = (rules) => `${['name: bench', 'mode: strict', 'rules:', ...rules.flatMap(([name, expr]) => [`  - name: ${name}`, `    expr: '${expr}'`])].join('\n')}\n`;

function timeCheck(ctx, dir, file, rules, runs, flag = '--policy') {
  // Paired with `node -e 0` (A B A B…), as the other sections are: on a machine whose speed
  // drifts, a ratio to one shared baseline moved by ±40% from run to run.
  // measurePaired throws on an exit code other than 0.
  const r = measurePaired(process.execPath, [ctx.cli, 'policy', 'check', flag, file, '--format', 'json'], { cwd: dir, pairs: runs });
  const result = JSON.parse(r.stdout);
  if (result.policy.counts.rules !== rules.length || result.policy.counts.passed !== rules.length) throw new Error('bench policy did not pass every rule');
  return r;
}

export async function run(ctx) {
  const dir = join(ctx.dir, 'policy');
  const size = await writeSyntheticLock(join(dir, 'mcp-lock.json'), TOOLS);
  writeFileSync(join(dir, 'policy.yaml'), policyYaml(RULES));
  writeFileSync(join(dir, 'full.yaml'), policyYaml(FULL_RULES));
  writeFileSync(join(dir, 'floor.yaml'), policyYaml([['trivial', 'true']]));
  const mb = `${(size / (1024 * 1024)).toFixed(1)} MiB lockfile`;

  const floor = timeCheck(ctx, dir, 'floor.yaml', [1], 7);
  const main = timeCheck(ctx, dir, 'policy.yaml', RULES, 9);
  const full = timeCheck(ctx, dir, 'full.yaml', FULL_RULES, 5);
  // The issue's row: the shipped strict preset (10 rules: every costly part — description
  // signals, shadowing, risk, MTF — is named) over the same lockfile. Its tools all pass it.
  const strict = timeCheck(ctx, dir, 'strict', STRICT_RULES, 9, '--preset');
  const row = (name, r, target) => {
    const ratio = r.wallMs / r.nodeMs;
    return { name, wallMs: r.wallMs, peakRssMb: r.peakRssMb, ratio, ...(target ? { target: '≤3× node', ok: ratio <= 3 } : {}), note: `${mb}; node -e 0 ${r.nodeMs.toFixed(0)} ms alternately` };
  };
  return [
    row(`policy check: 1 trivial rule × ${TOOLS} tools (read + validate lock)`, floor, false),
    row(`policy check: ${RULES.length} rules × ${TOOLS} tools`, main, true),
    row(`policy check: ${FULL_RULES.length} rules incl. description signals + MTF`, full, false),
    row(`policy check --preset strict, ${TOOLS} tools`, strict, true),
    floorRow(`floor: read + JSON.parse, ${TOOLS} tools`, FLOORS.parse, join(dir, 'mcp-lock.json')),
    floorRow(`floor: read + the strict lockfile reader, ${TOOLS} tools`, FLOORS.strictRead, join(dir, 'mcp-lock.json')),
  ];
}
