import { Option, type Command } from 'commander';
import { dirname, resolve } from 'node:path';
import type { CommandContext } from '../context.js';
import { EXIT } from '../exit.js';
import { addServerOptions, collect, formatOption, parseTimeout } from '../options.js';
import type { LiveOptions } from '../policy-support.js';
import { DEFAULT_LOCKFILE } from '../../src/lockfile/types.js';
import { escapeJsonText, safeJson } from '../../src/util/text.js';

interface PolicyCheckOptions extends LiveOptions {
  policy: string[];
  preset: string[];
  lock: string;
  /** false under --no-lockfile: the live surface alone, no approved lockfile. */
  lockfile: boolean;
  against?: string;
  format: 'text' | 'json' | 'junit';
  ruleTimeout: number;
}

interface TestOptions {
  policy: string[];
  preset: string[];
  ruleTimeout: number;
  format: 'text' | 'json';
}

interface ExplainOptions {
  policy: string[];
  preset: string[];
  format: 'text' | 'json';
}

export function registerPolicy(program: Command, ctx: CommandContext): void {
  const policy = program
    .command('policy')
    .summary('evaluate YAML policy rules (CEL) over the lockfile, the drift and the MTF results')
    .description('Policy as code: YAML files of CEL rules over a documented input document\n(docs/policy.md: "The policy input document"; schemas/policy-input.schema.json).');

  const check = policy
    .command('check')
    .summary('evaluate a policy over mcp-lock.json (and the drift of a live server or another lockfile)')
    .description(
      'Evaluate every rule of one or more policies over the lockfile or, with a live\n' +
        'server (-- CMD, --url, --config) or --against OTHER.json, over that surface and\n' +
        'its drift from the lockfile. With --no-lockfile, over a live server alone (a\n' +
        'pre-deploy hook for a server not locked yet: no drift, input.locked false).\n' +
        '--policy and --preset are repeatable and combine: every rule of every file\n' +
        'applies, each result labelled with its file. Every rule is compiled and\n' +
        'type-checked against the input document before any is evaluated. A failed rule\n' +
        'names the tools, prompts, resources or servers that make it fail.\n' +
        'mode strict: exit 1 when a rule of severity error fails; mode warn: failures\n' +
        'are warnings, exit 0. A policy that does not load or compile, or a rule that\n' +
        'cannot be evaluated on the input or runs longer than --rule-timeout, is exit 2.',
    )
    .argument('[command...]', 'the live server command and its arguments, after --')
    .option('--policy <file>', 'policy YAML file (repeatable)', collect, [])
    .option('--preset <name>', 'built-in policy: baseline or strict, see policies/ (repeatable; combines with --policy)', collect, [])
    .option('--lock <file>', 'lockfile to evaluate', DEFAULT_LOCKFILE)
    .addOption(new Option('--no-lockfile', 'no approved lockfile: evaluate the live server alone (drift not applicable)').conflicts(['lock', 'against']))
    .option('--against <file>', 'compare the lockfile with another lockfile instead of a live server')
    .addOption(new Option('--rule-timeout <duration>', 'longest time one rule may run (rule evaluation, once more for a rule the fast evaluator leaves to cel-js; the input is built before it, in time linear in the lockfile)').argParser(parseTimeout).default(2000, '2s'))
    .addOption(formatOption(['text', 'json', 'junit']));
  addServerOptions(check)
    .option('--name <name>', 'name of the live server in the lockfile (default: its serverInfo.name)')
    .addHelpText(
      'after',
      `
Examples:
  mcptrust policy check --preset strict
  mcptrust policy check --policy org.yaml --lock mcp-lock.json -- npx -y @modelcontextprotocol/server-everything
  mcptrust policy check --preset strict --policy org.yaml --policy team.yaml
  mcptrust policy check --preset strict --no-lockfile -- npx -y @modelcontextprotocol/server-memory
  mcptrust policy check --preset baseline --against old-lock.json`,
    )
    .action(async (argv: string[], options: PolicyCheckOptions) => {
      ctx.setExitCode(await runPolicyCheck(argv, options, ctx));
    });

  const input = policy
    .command('input')
    .summary('print the input document the rules see, as JSON (to write and debug rules)')
    .argument('[command...]', 'the live server command and its arguments, after --')
    .option('--lock <file>', 'lockfile', DEFAULT_LOCKFILE)
    .addOption(new Option('--no-lockfile', 'no approved lockfile: the live server alone').conflicts(['lock', 'against']))
    .option('--against <file>', 'compare the lockfile with another lockfile instead of a live server');
  addServerOptions(input)
    .option('--name <name>', 'name of the live server in the lockfile (default: its serverInfo.name)')
    .addHelpText('after', '\nExample:\n  mcptrust policy input --lock mcp-lock.json | jq \'.tools[] | {name, risk_level, flags}\'')
    .action(async (argv: string[], options: InputOptions) => {
      ctx.setExitCode(await runPolicyInput(argv, options, ctx));
    });

  policy
    .command('test')
    .summary('run policy fixtures with expected outcomes (like opa test, conftest verify)')
    .description(
      'Evaluate the policies over every case of DIR and compare with what the case expects.\n' +
        'A case is NAME.expect.yaml next to NAME.input.json (an input document, as\n' +
        '`mcptrust policy input` prints it) or NAME.lock.json (a lockfile). The expect file\n' +
        'holds any of: passed: true|false; rules: {RULE: pass|warn|fail}; offending:\n' +
        '{RULE: [names the failed rule must list]}; error: EVAL_ERROR|EVAL_TIMEOUT.\n' +
        'Exit 0 when every case passes, 1 when one fails, 2 for a malformed case or a\n' +
        'policy that does not compile.',
    )
    .argument('<dir>', 'folder of test cases')
    .option('--policy <file>', 'policy YAML file (repeatable)', collect, [])
    .option('--preset <name>', 'built-in policy: baseline or strict (repeatable)', collect, [])
    .addOption(new Option('--rule-timeout <duration>', 'longest time one rule may run (once more for a rule the fast evaluator leaves to cel-js)').argParser(parseTimeout).default(2000, '2s'))
    .addOption(formatOption(['text', 'json']))
    .addHelpText('after', '\nExample:\n  mcptrust policy test policy-tests/ --policy org.yaml --preset baseline')
    .action(async (dir: string, options: TestOptions) => {
      ctx.setExitCode(await runPolicyTest(dir, options, ctx));
    });

  policy
    .command('explain')
    .summary('print the rules of one or more policies or presets')
    .option('--policy <file>', 'policy YAML file (repeatable)', collect, [])
    .option('--preset <name>', 'built-in policy: baseline or strict (repeatable)', collect, [])
    .addOption(formatOption(['text', 'json']))
    .addHelpText('after', '\nExample:\n  mcptrust policy explain --preset strict')
    .action(async (options: ExplainOptions) => {
      ctx.setExitCode(await runExplain(options, ctx));
    });
}

async function runExplain(options: ExplainOptions, ctx: CommandContext): Promise<number> {
  const { io } = ctx;
  const [{ loadCompiledPolicies }, { renderExplain, explainJson }, { paint, colorEnabled }] = await Promise.all([
    import('../policy-support.js'),
    import('../render/policy.js'),
    import('../io.js'),
  ]);
  // Compiled too, so explain also tells whether the policies would load.
  const policies = (await loadCompiledPolicies(options, io)).map((c) => c.policy);
  if (options.format === 'json') {
    // One policy: its object, as before; several: a list, in the order they apply.
    const json = policies.length === 1 ? explainJson(policies[0]!) : policies.map(explainJson);
    io.stdout.write(`${safeJson(json)}\n`);
  } else {
    const p = paint(colorEnabled(io, io.stdout));
    io.stdout.write(policies.map((policy) => renderExplain(policy, p)).join('\n'));
  }
  return EXIT.OK;
}

type InputOptions = Omit<PolicyCheckOptions, 'policy' | 'preset' | 'ruleTimeout' | 'format'>;

/**
 * Reads the lock and, when asked, the live server or the --against lockfile, and builds the
 * policy input. The subject of the rules is what agents will use: the live server (or the
 * --against lockfile) when one is given, else the lockfile; the drift says how it differs.
 */
async function readPolicyInput(argv: string[], options: InputOptions, ctx: CommandContext, names?: ReadonlySet<string>) {
  const { io } = ctx;
  const [support, { UsageError }] = await Promise.all([import('../policy-support.js'), import('../../src/errors.js')]);
  const live = support.hasLiveSource(argv, options);
  if (live && options.against !== undefined) throw new UsageError('USAGE', 'give a live server or --against FILE, not both');
  if (options.lockfile === false) {
    // No approved lockfile: the rules judge the live surface alone; nothing to drift from.
    if (!live) throw new UsageError('USAGE', '--no-lockfile evaluates a live server: give -- CMD ARGS..., --url URL or --config FILE');
    const subject = await support.readLiveUnlocked(argv, options, io);
    return buildInput(subject, undefined, names, false);
  }
  // As in diff: a flag that only means something for a live server is an error, never ignored.
  if (!live && (options.name !== undefined || options.header.length + options.env.length + options.server.length > 0)) {
    const without = options.against !== undefined ? 'not with --against' : 'give one with -- CMD ARGS..., --url URL or --config FILE';
    throw new UsageError('USAGE', `--name, --header, --env and --server only go with a live server: ${without}`);
  }
  const { lock, bytes } = await support.readLockfile(options.lock, io).catch((error: unknown) => {
    // A server with no lockfile yet: say how to judge it anyway, or how to lock it.
    if (live && (error as { code?: unknown }).code === 'FILE_UNREADABLE' && /: no such file$/.test((error as Error).message)) {
      throw new UsageError('FILE_UNREADABLE', `${(error as Error).message}; to judge the live server without one use --no-lockfile, or lock it first (mcptrust lock -o ${options.lock} …)`, { cause: error });
    }
    throw error;
  });
  let subject = lock;
  let drift: import('../../src/policy/input.js').PolicyInputSources['drift'];
  if (options.against !== undefined) {
    const { diffLockfiles, REVIEW_DIFF } = await import('../../src/diff/index.js');
    subject = (await support.readLockfile(options.against, io)).lock;
    drift = { against: 'lockfile', changes: diffLockfiles(lock, subject, REVIEW_DIFF).changes };
  } else if (live) {
    // `./…` paths in the lock are relative to its folder, wherever policy check runs from.
    const pinning = { enabled: true, lockDir: dirname(resolve(io.cwd, options.lock)) };
    const read = await support.readLiveAndDiff(argv, { ...options, pinning }, lock, io);
    subject = read.live;
    drift = { against: 'live', changes: read.report.changes };
  }
  // The lockfile alone: its bytes may prove celJson needless.
  return buildInput(subject, drift, names, true, subject === lock ? bytes : undefined);
}

async function buildInput(
  subject: import('../../src/lockfile/types.js').Lockfile,
  drift: import('../../src/policy/input.js').PolicyInputSources['drift'],
  names: ReadonlySet<string> | undefined,
  locked: boolean,
  /** The bytes `subject` was parsed from, when it is a lockfile alone. */
  bytes?: Uint8Array,
) {
  const { buildPolicyInput, mayHoldConstructorKey } = await import('../../src/policy/input.js');
  // celJson is skipped when the bytes cannot hold a "constructor" key.
  const noConstructorKeys = bytes !== undefined && !mayHoldConstructorKey(bytes);
  // The MTF scanner is loaded only when some rule names `mtf` (or everything is printed).
  const needsMtf = names === undefined || names.has('mtf');
  const mtf = needsMtf ? await (await import('../policy-mtf.js')).mtfForPolicy(subject) : undefined;
  return buildPolicyInput({ lock: subject, drift, mtf, locked }, names === undefined ? { noConstructorKeys } : { names, noConstructorKeys });
}

async function runPolicyCheck(argv: string[], options: PolicyCheckOptions, ctx: CommandContext): Promise<number> {
  const { io } = ctx;
  const [support, { referencedNames }, { evaluatePolicies }] = await Promise.all([
    import('../policy-support.js'),
    import('../../src/policy/compile.js'),
    import('../../src/policy/evaluate.js'),
  ]);
  // Every rule of every policy compiles before the lock is read or any server is started.
  const compiled = await support.loadCompiledPolicies(options, io);
  const input = await readPolicyInput(argv, options, ctx, referencedNames(...compiled.map((c) => c.policy)));
  const result = evaluatePolicies(compiled, input, { timeoutMs: options.ruleTimeout });
  const subject = input.locked ? options.lock : 'the live server (no lockfile)';

  const { renderPolicyCheck, policyCheckJson } = await import('../render/policy.js');
  if (options.format === 'json') {
    io.stdout.write(`${safeJson(policyCheckJson(result, input.locked ? options.lock : null, input.drift))}\n`);
  } else if (options.format === 'junit') {
    const [{ renderJUnit }, { policySuite }] = await Promise.all([import('../../src/report/junit.js'), import('../../src/report/check.js')]);
    io.stdout.write(renderJUnit('mcptrust policy check', [policySuite(result)]));
  } else {
    const { paint, colorEnabled } = await import('../io.js');
    io.stdout.write(renderPolicyCheck(result, subject, input.drift, paint(colorEnabled(io, io.stdout)), input.locked));
  }
  return result.passed ? EXIT.OK : EXIT.CHECK_FAILED;
}

async function runPolicyInput(argv: string[], options: InputOptions, ctx: CommandContext): Promise<number> {
  const input = await readPolicyInput(argv, options, ctx);
  const { policyInputJson } = await import('../../src/policy/input.js');
  ctx.io.stdout.write(`${escapeJsonText(policyInputJson(input, 2))}\n`);
  return EXIT.OK;
}

async function runPolicyTest(dir: string, options: TestOptions, ctx: CommandContext): Promise<number> {
  const { io } = ctx;
  const [support, { referencedNames }, { runPolicyTests }, { readPolicyTests }, render] = await Promise.all([
    import('../policy-support.js'),
    import('../../src/policy/compile.js'),
    import('../../src/policy/test.js'),
    import('../policy-test.js'),
    import('../render/policy.js'),
  ]);
  // The policies compile, and every case reads, before any case runs: a malformed case is exit 2.
  const compiled = await support.loadCompiledPolicies(options, io);
  const cases = await readPolicyTests(dir, referencedNames(...compiled.map((c) => c.policy)), io);
  const run = runPolicyTests(compiled, cases, { timeoutMs: options.ruleTimeout });
  if (options.format === 'json') io.stdout.write(`${safeJson(render.policyTestJson(run, dir, compiled))}\n`);
  else {
    const { paint, colorEnabled } = await import('../io.js');
    io.stdout.write(render.renderPolicyTest(run, dir, compiled, paint(colorEnabled(io, io.stdout))));
  }
  return run.passed ? EXIT.OK : EXIT.CHECK_FAILED;
}
