import type { Command } from 'commander';
import { resolve } from 'node:path';
import type { CommandContext } from '../context.js';
import { EXIT } from '../exit.js';
import { addServerOptions, formatOption } from '../options.js';
import type { ServerOptions } from '../servers.js';
import { DEFAULT_LOCKFILE } from '../../src/lockfile/types.js';
import { safeJson } from '../../src/util/text.js';

interface LockOptions extends ServerOptions {
  output: string;
  force?: boolean;
  format: 'text' | 'json';
  timeout: number;
  maxItems: number;
}

export function registerLock(program: Command, ctx: CommandContext): void {
  const command = program
    .command('lock')
    .summary('read a live MCP server and pin its whole surface in mcp-lock.json')
    .description(
      'Connect to MCP servers, read their identity, tools, prompts, resources and resource templates ' +
        '(every page), and write them to a canonical, deterministic lockfile. If the lockfile exists ' +
        'and the surface changed, nothing is written (exit 1) unless --force.',
    )
    .argument('[command...]', 'the server command and its arguments, after --')
    .option('-o, --output <file>', 'lockfile to write', DEFAULT_LOCKFILE)
    .option('--name <name>', 'name of the server in the lockfile (default: its serverInfo.name)')
    .option('--force', 'overwrite a lockfile whose pinned surface differs')
    .addOption(formatOption(['text', 'json']))
    .option('--discover', 'every MCP server configured for the agents on this machine (see mcptrust discover), named AGENT:FILE:NAME');
  addServerOptions(command)
    .addHelpText(
      'after',
      `
Examples:
  mcptrust lock -- npx -y @modelcontextprotocol/server-everything
  mcptrust lock --url https://mcp.example.com/mcp --header "Authorization: Bearer \${TOKEN}"
  mcptrust lock --config .cursor/mcp.json --server github
  mcptrust lock --discover --server claude-code:project:memory
Header and env values are used to connect but never written; only their names are recorded.`,
    )
    .action(async (argv: string[], options: LockOptions) => {
      ctx.setExitCode(await runLock(argv, options, ctx));
    });
}

async function runLock(argv: string[], options: LockOptions, ctx: CommandContext): Promise<number> {
  const { io } = ctx;
  const { resolveTargets, readLive } = await import('../servers.js');
  const targets = await resolveTargets(argv, options, io);
  const output = resolve(io.cwd, options.output);
  // Read (and validate) any existing lockfile before touching a server: a broken one is an
  // input error whatever the server says.
  const existing = await readExisting(output, options.output, options.force);
  // And make sure there is somewhere to write it, before a server is started for nothing.
  const { statSync } = await import('node:fs');
  const { dirname } = await import('node:path');
  if (!statSync(dirname(output), { throwIfNoEntry: false })?.isDirectory()) {
    const { UsageError } = await import('../../src/errors.js');
    throw new UsageError('FILE_WRITE', `cannot write ${options.output}: its folder does not exist`);
  }

  const read = await readLive(targets, options, io);
  const lock = read.lock;
  // A server may echo a secret it was given into its surface, even into its own name (then the
  // lockfile's server key): the lockfile holds it (a note says so), the screen never does.
  const { redactSecrets, targetSecrets } = await import('../../src/mcp/target.js');
  const secrets = [...new Set(targets.flatMap((t) => targetSecrets(t.target)))].sort((a, b) => b.length - a.length);
  const hide = (text: string) => redactSecrets(text, secrets);
  const hideDeep = (value: unknown): unknown =>
    typeof value === 'string'
      ? hide(value)
      : Array.isArray(value)
        ? value.map(hideDeep)
        : value !== null && typeof value === 'object'
          ? Object.fromEntries(Object.entries(value).map(([k, v]) => [hide(k), hideDeep(v)]))
          : value;
  const { serializeLockfile } = await import('../../src/lockfile/build.js');
  const text = serializeLockfile(lock);

  const { paint, colorEnabled } = await import('../io.js');
  const p = paint(colorEnabled(io, io.stdout));
  if (existing && !options.force) {
    const { diffLockfiles } = await import('../../src/diff/index.js');
    const { changes } = diffLockfiles(existing, lock);
    if (changes.length > 0) {
      const { renderChangeSummary } = await import('../render/lock.js');
      if (options.format === 'json') {
        io.stdout.write(`${safeJson(hideDeep({ written: false, lockfile: options.output, drift: true, changes }))}\n`);
      } else {
        io.stderr.write(`${p.red('refused:')} ${options.output} pins a different surface; nothing written.\n`);
        io.stderr.write(renderChangeSummary(changes, p, hide));
        io.stderr.write(`Review the change (mcptrust diff), then run lock again with --force to approve it.\n`);
      }
      return EXIT.CHECK_FAILED;
    }
  }
  const { writeFileAtomic } = await import('../../src/util/fs.js');
  writeFileAtomic(output, text);
  const { renderLockSummary, lockSummaryJson } = await import('../render/lock.js');
  if (options.format === 'json') {
    io.stdout.write(`${safeJson(hideDeep(lockSummaryJson(lock, options.output, read.notes)))}\n`);
  } else {
    io.stdout.write(renderLockSummary(lock, options.output, p, hide));
    // The server name may be the server's own serverInfo.name: escaped like all server text.
    const { printable } = await import('../../src/util/text.js');
    for (const { server, note } of read.notes) io.stderr.write(`note: ${printable(hide(server), 80)}: ${printable(note, 300)}\n`);
  }
  return EXIT.OK;
}

async function readExisting(path: string, shown: string, force = false) {
  const { existsSync } = await import('node:fs');
  // --force replaces whatever is there: no need to read it.
  if (force || !existsSync(path)) return undefined;
  const [{ parseLockfile }, { readFileBounded }, { MAX_LOCKFILE_BYTES }] = await Promise.all([
    import('../../src/lockfile/parse.js'),
    import('../../src/util/fs.js'),
    import('../../src/lockfile/types.js'),
  ]);
  try {
    // Bounded, and a folder or unreadable file is an input error naming it, not a crash.
    return parseLockfile(readFileBounded(path, MAX_LOCKFILE_BYTES, 'lockfile').toString('utf8'), shown);
  } catch (error) {
    if (force) return undefined;
    const { BaseError } = await import('../../src/errors.js');
    if (error instanceof BaseError) {
      const { UsageError } = await import('../../src/errors.js');
      throw new UsageError('FILE_EXISTS', `${error.message}; refusing to overwrite it (use --force to replace it)`);
    }
    throw error;
  }
}
