import { Option, type Command } from 'commander';
import type { CommandContext } from '../context.js';
import { EXIT } from '../exit.js';
import { addServerOptions, formatOption, parseTimeout } from '../options.js';
import type { LiveOptions } from '../policy-support.js';
import { DEFAULT_LOCKFILE } from '../../src/lockfile/types.js';
import { escapeJsonText, safeJson } from '../../src/util/text.js';

interface PolicyCheckOptions extends LiveOptions {
  policy?: string;
  preset?: string;
  lock: string;
  against?: string;
  format: 'text' | 'json' | 'junit';
  ruleTimeout: number;
}

interface ExplainOptions {
  policy?: string;
  preset?: string;
  format: 'text' | 'json';
}

export function registerPolicy(program: Command, ctx: CommandContext): void {
  const policy = program
    .command('policy')
    .summary('evaluate YAML policy rules (CEL) over the lockfile, the drift and the MTF results')
    .description('Policy as code: YAML files of CEL rules over a documented input document\n(README: "The policy input document"; schemas/policy-input.schema.json).');

  const check = policy
    .command('check')
    .summary('evaluate a policy over mcp-lock.json (and the drift of a live server or another lockfile)')
    .description(
      'Evaluate every rule of a policy over the lockfile or, with a live server\n' +
        '(-- CMD, --url, --config) or --against OTHER.json, over that surface and its\n' +
        'drift from the lockfile. Every rule is compiled before any is evaluated.\n' +
        'mode strict: exit 1 when a rule of severity error fails; mode warn: failures\n' +
        'are warnings, exit 0. A policy that does not load or compile, or a rule that\n' +
        'runs longer than --rule-timeout, is exit 2.',
    )
    .argument('[command...]', 'the live server command and its arguments, after --')
    .option('--policy <file>', 'policy YAML file')
    .option('--preset <name>', 'built-in policy: baseline or strict (see policies/)')
    .option('--lock <file>', 'lockfile to evaluate', DEFAULT_LOCKFILE)
    .option('--against <file>', 'compare the lockfile with another lockfile instead of a live server')
    .addOption(new Option('--rule-timeout <duration>', 'longest time one rule may run (rule evaluation; the input is built before it, in time linear in the lockfile)').argParser(parseTimeout).default(2000, '2s'))
    .addOption(formatOption(['text', 'json', 'junit']));
  addServerOptions(check)
    .option('--name <name>', 'name of the live server in the lockfile (default: its serverInfo.name)')
    .addHelpText(
      'after',
      `
Examples:
  mcptrust policy check --preset strict
  mcptrust policy check --policy org.yaml --lock mcp-lock.json -- npx -y @modelcontextprotocol/server-everything
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
    .option('--against <file>', 'compare the lockfile with another lockfile instead of a live server');
  addServerOptions(input)
    .option('--name <name>', 'name of the live server in the lockfile (default: its serverInfo.name)')
    .addHelpText('after', '\nExample:\n  mcptrust policy input --lock mcp-lock.json | jq \'.tools[] | {name, risk_level, flags}\'')
    .action(async (argv: string[], options: InputOptions) => {
      ctx.setExitCode(await runPolicyInput(argv, options, ctx));
    });

  policy
    .command('explain')
    .summary('print the rules of a policy or preset')
    .option('--policy <file>', 'policy YAML file')
    .option('--preset <name>', 'built-in policy: baseline or strict')
    .addOption(formatOption(['text', 'json']))
    .addHelpText('after', '\nExample:\n  mcptrust policy explain --preset strict')
    .action(async (options: ExplainOptions) => {
      ctx.setExitCode(await runExplain(options, ctx));
    });
}

async function runExplain(options: ExplainOptions, ctx: CommandContext): Promise<number> {
  const { io } = ctx;
  const [{ loadCompiledPolicy }, { renderExplain, explainJson }, { paint, colorEnabled }] = await Promise.all([
    import('../policy-support.js'),
    import('../render/policy.js'),
    import('../io.js'),
  ]);
  // Compiled too, so explain also tells whether the policy would load.
  const { policy } = await loadCompiledPolicy(options, io);
  if (options.format === 'json') io.stdout.write(`${safeJson(explainJson(policy))}\n`);
  else io.stdout.write(renderExplain(policy, paint(colorEnabled(io, io.stdout))));
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
  // As in diff: a flag that only means something for a live server is an error, never ignored.
  if (!live && (options.name !== undefined || options.header.length + options.env.length + options.server.length > 0)) {
    const without = options.against !== undefined ? 'not with --against' : 'give one with -- CMD ARGS..., --url URL or --config FILE';
    throw new UsageError('USAGE', `--name, --header, --env and --server only go with a live server: ${without}`);
  }
  const { lock } = await support.readLockfile(options.lock, io);
  let subject = lock;
  let drift: import('../../src/policy/input.js').PolicyInputSources['drift'];
  if (options.against !== undefined) {
    const { diffLockfiles, REVIEW_DIFF } = await import('../../src/diff/index.js');
    subject = (await support.readLockfile(options.against, io)).lock;
    drift = { against: 'lockfile', changes: diffLockfiles(lock, subject, REVIEW_DIFF).changes };
  } else if (live) {
    const read = await support.readLiveAndDiff(argv, options, lock, io);
    subject = read.live;
    drift = { against: 'live', changes: read.report.changes };
  }
  const { buildPolicyInput } = await import('../../src/policy/input.js');
  // The MTF scanner is loaded only when some rule names `mtf` (or everything is printed).
  const needsMtf = names === undefined || names.has('mtf');
  const mtf = needsMtf ? await (await import('../policy-mtf.js')).mtfForPolicy(subject) : undefined;
  return buildPolicyInput({ lock: subject, drift, mtf }, names === undefined ? {} : { names });
}

async function runPolicyCheck(argv: string[], options: PolicyCheckOptions, ctx: CommandContext): Promise<number> {
  const { io } = ctx;
  const [support, { referencedNames }, { evaluatePolicy }] = await Promise.all([
    import('../policy-support.js'),
    import('../../src/policy/compile.js'),
    import('../../src/policy/evaluate.js'),
  ]);
  // Every rule compiles before the lock is read or any server is started.
  const compiled = await support.loadCompiledPolicy(options, io);
  const input = await readPolicyInput(argv, options, ctx, referencedNames(compiled.policy));
  const result = evaluatePolicy(compiled, input, { timeoutMs: options.ruleTimeout });

  const { renderPolicyCheck, policyCheckJson } = await import('../render/policy.js');
  if (options.format === 'json') {
    io.stdout.write(`${safeJson(policyCheckJson(result, options.lock, input.drift))}\n`);
  } else if (options.format === 'junit') {
    const [{ renderJUnit }, { policySuite }] = await Promise.all([import('../../src/report/junit.js'), import('../../src/report/check.js')]);
    io.stdout.write(renderJUnit('mcptrust policy check', [policySuite(result)]));
  } else {
    const { paint, colorEnabled } = await import('../io.js');
    io.stdout.write(renderPolicyCheck(result, options.lock, input.drift, paint(colorEnabled(io, io.stdout))));
  }
  return result.passed ? EXIT.OK : EXIT.CHECK_FAILED;
}

async function runPolicyInput(argv: string[], options: InputOptions, ctx: CommandContext): Promise<number> {
  const input = await readPolicyInput(argv, options, ctx);
  const { policyInputJson } = await import('../../src/policy/input.js');
  ctx.io.stdout.write(`${escapeJsonText(policyInputJson(input, 2))}\n`);
  return EXIT.OK;
}
