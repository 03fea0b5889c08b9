import type { Command } from 'commander';
import { Option } from 'commander';
import { closeSync, constants as fsConstants, fstatSync, openSync, writeSync } from 'node:fs';
import { constants } from 'node:os';
import { dirname, resolve } from 'node:path';
import { DEFAULT_LOCKFILE, MAX_LOCKFILE_BYTES } from '../../src/lockfile/types.js';
import type { CommandContext } from '../context.js';
import { EXIT } from '../exit.js';
import { addServerOptions } from '../options.js';
import type { ServerOptions } from '../servers.js';

interface ProxyOptions extends ServerOptions {
  lock: string;
  failOn: 'any' | 'breaking' | 'security' | 'none';
  audit?: string;
  auditOnly?: boolean;
  timeout: number;
  maxItems: number;
}

export function registerProxy(program: Command, ctx: CommandContext): void {
  const command = program
    .command('proxy')
    .summary('run an MCP server behind mcptrust: the agent sees only what the lockfile approves')
    .description(
      'Start between an agent and one MCP server (put it in the agent config in place of the\n' +
        'server command) and enforce the lockfile at run time. Before the agent is answered,\n' +
        'the live surface is read and diffed against the lock (--fail-on): drift at or above\n' +
        'it ends the proxy with exit 1 and the diff on stderr. Then every list the agent\n' +
        'receives holds only locked items with their locked definitions; tools/call goes\n' +
        "through only for a locked tool with arguments valid against its locked inputSchema;\n" +
        'prompts/get only for a locked prompt with its required arguments; resources/read\n' +
        'only for a locked URI or one a locked template expands to. Anything else gets a\n' +
        'JSON-RPC error "blocked by mcptrust: …" and never reaches the server.\n' +
        'The agent speaks to the proxy over stdio; the server is reached with -- CMD ARGS,\n' +
        '--url, or --config FILE --server NAME.',
    )
    .argument('[command...]', 'the server command and its arguments, after --')
    .option('--lock <file>', 'the approved lockfile', DEFAULT_LOCKFILE)
    .addOption(
      new Option('--fail-on <level>', 'refuse to start when the live server drifted at this level: any, breaking, security, none')
        .choices(['any', 'breaking', 'security', 'none'])
        .default('any'),
    )
    .option('--audit <file>', 'append one JSON line per decision to this file (never argument values or results)')
    .option('--audit-only', 'log what would be blocked or withheld, but forward it (a trial run)');
  addServerOptions(command)
    .addHelpText(
      'after',
      `
With -- CMD, --server NAME names the lockfile's server to enforce (as diff's --name does);
with --config it picks the one server of the config to run. --env NAME (no value) passes
NAME from the proxy's own environment, so no secret needs to sit in the agent config.

Exit codes: 0 the agent closed the session · 1 the live server drifted (not started) ·
2 usage or lockfile error · 3 the server could not be used; otherwise the server's own status.

Examples (in an agent config, in place of the server command):
  mcptrust proxy --lock /path/mcp-lock.json -- npx -y @modelcontextprotocol/server-everything
  mcptrust proxy --lock mcp-lock.json --audit mcp-audit.jsonl --env API_TOKEN -- node server.js
See docs/proxy.md for what is blocked, withheld or passed, and why.`,
    )
    .action(async (argv: string[], options: ProxyOptions) => {
      ctx.setExitCode(await runProxy(argv, options, ctx));
    });
}

async function runProxy(argv: string[], given: ProxyOptions, ctx: CommandContext): Promise<number> {
  const { io } = ctx;
  const [{ UsageError }, { printable }] = await Promise.all([import('../../src/errors.js'), import('../../src/util/text.js')]);
  // --server names the locked server for a command or URL (the one server a proxy runs).
  const options: ProxyOptions =
    given.config === undefined && given.server.length > 0
      ? { ...given, name: given.server.length === 1 ? given.server[0] : undefined, server: [] }
      : given;
  if (given.config === undefined && given.server.length > 1) throw new UsageError('USAGE', 'a proxy runs one server: give --server once');
  if (given.config === undefined && given.server.length > 0 && given.name !== undefined) throw new UsageError('USAGE', 'give --server or --name, not both');
  if (options.auditOnly && options.audit === undefined) throw new UsageError('USAGE', '--audit-only needs --audit FILE (where the decisions are logged)');

  // The audit file is opened first: a path that cannot be written is an input error before any
  // server starts. Appended to (an agent starts the proxy many times), created private.
  // Never through a symlink (someone else's link in a shared folder would send the lines to the
  // file it names) and only a regular file (a FIFO would block, non-blocking it is refused).
  let auditFd: number | undefined;
  if (options.audit !== undefined) {
    const { O_APPEND, O_CREAT, O_NOFOLLOW, O_NONBLOCK, O_WRONLY } = fsConstants;
    try {
      auditFd = openSync(resolve(io.cwd, options.audit), O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK, 0o600);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const why = code === 'ELOOP' ? 'it is a symlink' : code === 'ENXIO' ? 'it is not a regular file' : (code ?? 'error');
      throw new UsageError('FILE_WRITE', `cannot open the audit file ${printable(options.audit, 200)}: ${why}`);
    }
    if (!fstatSync(auditFd).isFile()) {
      closeSync(auditFd);
      throw new UsageError('FILE_WRITE', `cannot open the audit file ${printable(options.audit, 200)}: it is not a regular file`);
    }
  }
  try {
    return await serve(argv, options, ctx, auditFd);
  } finally {
    if (auditFd !== undefined) closeSync(auditFd);
  }
}

async function serve(argv: string[], options: ProxyOptions, ctx: CommandContext, auditFd: number | undefined): Promise<number> {
  const { io } = ctx;
  const [{ parseLockfileBytes }, { UsageError }, { readLockfileBytes }, { printable }, servers] = await Promise.all([
    import('../../src/lockfile/read.js'),
    import('../../src/errors.js'),
    import('../lockfile-read.js'),
    import('../../src/util/text.js'),
    import('../servers.js'),
  ]);
  // Checked on its bytes, every digest recomputed from them, for a file in lock's form (src/lockfile/read.ts).
  const lock = parseLockfileBytes(readLockfileBytes(io.cwd, options.lock, MAX_LOCKFILE_BYTES), options.lock).lock;
  const targets = await servers.resolveTargets(argv, options, io);
  if (targets.length !== 1) throw new UsageError('USAGE', `a proxy runs one server; ${printable(options.config ?? 'the config', 200)} has ${targets.length}: pick one with --server NAME`);

  // Preflight: the whole live surface, diffed against the lock by the one diff engine.
  // `./…` paths in the lock are relative to its folder, wherever the proxy is started from.
  const pinning = { enabled: true, lockDir: dirname(resolve(io.cwd, options.lock)) };
  const aligned = await servers.readLiveAligned(argv, { ...options, pinning }, lock, options.lock, io);
  const liveName = Object.keys(aligned.after.servers)[0];
  const locked = liveName === undefined ? undefined : aligned.before.servers[liveName];
  if (!locked) throw new UsageError('USAGE', `${printable(options.lock, 200)} has no server to enforce for this one; name it with --server NAME`);
  const [{ diffLockfiles, failsOn, REVIEW_DIFF }, { targetsRedactor }] = await Promise.all([import('../../src/diff/index.js'), import('../redact.js')]);
  const only = { lockfileVersion: lock.lockfileVersion, servers: { [liveName!]: locked } };
  const report = diffLockfiles(only as typeof lock, aligned.after, REVIEW_DIFF);
  if (report.changes.some((c) => failsOn(c, options.failOn))) {
    const [{ renderDiffText }, { paint }] = await Promise.all([import('../../src/report/diff-text.js'), import('../io.js')]);
    const hide = targetsRedactor(targets);
    io.stderr.write(renderDiffText(hide(report), { before: options.lock, after: 'the live server', newSide: 'live' }, paint(false)));
    io.stderr.write(`mcptrust proxy: the live server drifted at or above --fail-on ${options.failOn}; not started (exit 1)\n`);
    return EXIT.CHECK_FAILED;
  }

  const [{ Enforcer, LineChannel, ProxySession, renderAuditLine, warmSchemaEngine }, { openUpstream }, { DEFAULT_LIMITS, ServerError }] = await Promise.all([
    import('../../src/proxy/index.js'),
    import('../../src/mcp/upstream.js'),
    import('../../src/mcp/index.js'),
  ]);
  const limits = { ...DEFAULT_LIMITS, timeoutMs: options.timeout, maxItems: options.maxItems };
  const upstream = await openUpstream(targets[0]!.target, limits, io.env);
  const server = locked.name;
  const auditOnly = options.auditOnly === true;
  const enforcer = new Enforcer(locked);
  const session = new ProxySession({
    enforcer,
    upstream: upstream.transport,
    downstream: new LineChannel(process.stdin, process.stdout, limits.maxMessageBytes),
    auditOnly,
    timeoutMs: options.timeout,
    identity: locked.surface.identity,
    onDecision: (decision) => {
      if (auditFd !== undefined) writeSync(auditFd, renderAuditLine(decision, { server, time: new Date(), auditOnly }));
      if (decision.verdict !== 'allowed') {
        const what = decision.item === undefined ? decision.method : `${decision.method} ${decision.item}`;
        const verb = auditOnly && decision.verdict !== 'dropped' ? `would be ${decision.verdict}` : decision.verdict;
        io.stderr.write(`mcptrust proxy: ${verb}: ${printable(what, 120)}: ${printable(decision.reason, 200)}\n`);
      }
    },
  });
  try {
    await session.start();
  } catch (error) {
    throw error instanceof ServerError ? error : new ServerError('SPAWN_FAILED', `could not start the server: ${printable(String((error as Error)?.message ?? error), 200)}`);
  }
  // While the server boots, the schema engine loads and the locked tools' schemas are compiled
  // (up to EAGER_SCHEMA_NODES; any others on first call), synchronously: the agent's initialize
  // (read on a later turn of the event loop) is answered after this, and no tools/call pays for
  // it (a schema that cannot be compiled still blocks its tool, with the reason).
  warmSchemaEngine();
  enforcer.compileAll();
  const how = await session.finished;
  if (how === 'agent') {
    await upstream.transport.close().catch(() => {});
    process.stdin.destroy();
    return EXIT.OK;
  }
  // The server ended the session: the proxy ends too, with the server's status.
  process.stdin.destroy();
  const failure = upstream.failure();
  if (failure) {
    io.stderr.write(`mcptrust proxy: ${printable(failure.message, 300)}\n`);
    return EXIT.SERVER;
  }
  const exit = upstream.exit();
  const { printableLines } = await import('../../src/util/text.js');
  const tail = printableLines(upstream.stderrText(), 10);
  if (exit && (exit.code !== 0 || exit.signal)) {
    io.stderr.write(`mcptrust proxy: the server ${exit.signal ? `was ended by ${exit.signal}` : `exited with code ${exit.code}`}\n`);
    for (const line of tail) io.stderr.write(`  ${line}\n`);
  }
  if (!exit) return EXIT.SERVER;
  if (exit.signal) return 128 + (signalNumber(exit.signal) ?? 0);
  return exit.code ?? EXIT.SERVER;
}

function signalNumber(signal: NodeJS.Signals): number | undefined {
  return constants.signals[signal];
}
