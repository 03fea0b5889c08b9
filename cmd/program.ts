import { Command, CommanderError, Help, Option } from 'commander';
import { VERSION } from '../src/version.js';
import { UsageError } from '../src/errors.js';
import { printable } from '../src/util/text.js';
import type { CommandContext } from './context.js';
import { EXIT, reportError } from './exit.js';
import type { IO } from './io.js';

type Register = (program: Command, ctx: CommandContext) => void;

// In the order a user meets them: pin, review, approve, prove, gate, score.
const COMMANDS: Record<string, () => Promise<Register>> = {
  lock: async () => (await import('./commands/lock.js')).registerLock,
  diff: async () => (await import('./commands/diff.js')).registerDiff,
  keygen: async () => (await import('./commands/keygen.js')).registerKeygen,
  sign: async () => (await import('./commands/sign.js')).registerSign,
  verify: async () => (await import('./commands/verify.js')).registerVerify,
  policy: async () => (await import('./commands/policy.js')).registerPolicy,
  check: async () => (await import('./commands/check.js')).registerCheck,
  proxy: async () => (await import('./commands/proxy.js')).registerProxy,
  wrap: async () => (await import('./commands/wrap.js')).registerWrap,
  unwrap: async () => (await import('./commands/wrap.js')).registerUnwrap,
  scan: async () => (await import('./commands/scan.js')).registerScan,
  run: async () => (await import('./commands/run.js')).registerRun,
  discover: async () => (await import('./commands/discover.js')).registerDiscover,
  init: async () => (await import('./commands/init.js')).registerInit,
};

/**
 * A fresh commander program writing to `io`. When `argv` names a command, only that command is
 * registered (its module is the only one loaded); otherwise all are, for help and suggestions.
 * Command implementations are imported lazily in their actions.
 */
export async function createProgram(ctx: CommandContext, argv: string[] = []): Promise<Command> {
  const { io } = ctx;
  const program = new Command('mcptrust')
    .description('Pin, sign, verify, diff and gate what MCP servers offer AI agents.')
    .version(VERSION, '-V, --version', 'print the version')
    .addOption(new Option('--debug', 'show stack traces on errors'))
    .helpOption('-h, --help', 'show help')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .exitOverride()
    .configureHelp({
      // "(default: [])" on repeatable flags and "(default: false)" on switches say nothing.
      optionDescription(option) {
        return Help.prototype.optionDescription.call(this, option).replace(/ \(default: (?:\[\]|false)\)/, '');
      },
    })
    .addHelpText(
      'after',
      `
Exit codes: 0 ok · 1 check failed (drift, bad signature, policy denied) · 2 usage or input error · 3 server unusable

Typical use:
  mcptrust lock -- npx -y @modelcontextprotocol/server-everything   # pin what the server offers
  mcptrust keygen && mcptrust sign --key mcptrust.key                # approve the pin
  mcptrust check --key mcptrust.pub --preset strict -- npx -y @modelcontextprotocol/server-everything
  mcptrust diff -- npx -y @modelcontextprotocol/server-everything   # before an upgrade
  mcptrust scan server.mcpb --min-level 2                            # score a bundle (MTF)`,
    );
  // The program's only option (--debug) takes no value, so the first word is the command.
  const named = argv.find((a) => !a.startsWith('-'));
  const names = named !== undefined && Object.hasOwn(COMMANDS, named) ? [named] : Object.keys(COMMANDS);
  for (const register of await Promise.all(names.map((name) => COMMANDS[name]!()))) register(program, ctx);
  for (const command of program.commands) {
    command.exitOverride().configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
    command.showHelpAfterError(`(run mcptrust ${command.name()} --help for usage)`);
  }
  return program;
}

/**
 * The server command of lock, diff, policy and check is everything after `--`. A word before
 * `--` (`check --key a.pub b.pub -- server`) would otherwise silently become the program that
 * is started, so it is refused.
 */
function refuseWordsBeforeDashDash(action: Command, argv: string[]): void {
  const last = action.registeredArguments.at(-1);
  if (!last?.variadic || last.name() !== 'command') return;
  const dashDash = argv.indexOf('--');
  const after = dashDash === -1 ? 0 : argv.length - dashDash - 1;
  const before = action.args.length - after;
  if (before > 0) {
    const word = action.args[0]!;
    const path = action.parent && action.parent.parent ? `${action.parent.name()} ${action.name()}` : action.name();
    throw new UsageError(
      'USAGE',
      `unexpected argument "${printable(word, 60)}": the server command goes after -- (mcptrust ${path} [options] -- CMD ARGS...); an option that takes several values takes one per flag`,
    );
  }
}

/** Runs mcptrust with `argv` (without node and script) and returns the exit code. */
export async function run(argv: string[], io: IO): Promise<number> {
  let exitCode: number = EXIT.OK;
  const ctx: CommandContext = { io, setExitCode: (code) => (exitCode = code) };
  const debug = argv.includes('--debug');
  try {
    const program = await createProgram(ctx, argv);
    program.hook('preAction', (_root, action) => refuseWordsBeforeDashDash(action, argv));
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has already printed help, the version or its own error message.
      // Help asked for (--help, `help`) is a success; help shown because no command was given
      // (`mcptrust`, `mcptrust policy`: commander's exit code 1) is a usage error, so a CI step
      // whose command expanded to nothing fails instead of passing.
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return EXIT.OK;
      if (error.exitCode === 0) return EXIT.OK;
      return EXIT.INPUT;
    }
    return reportError(error, io, debug);
  }
}
