import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { EXIT } from '../exit.js';
import { collect, formatOption } from '../options.js';
import { DEFAULT_LOCKFILE } from '../../src/lockfile/types.js';
import type { WrapOutcome } from '../../src/config/wrap.js';

interface WrapCliOptions {
  config?: string;
  lock: string;
  server: string[];
  command?: string;
  dryRun?: boolean;
  format: 'text' | 'json';
}

export function registerWrap(program: Command, ctx: CommandContext): void {
  program
    .command('wrap')
    .summary('rewrite an agent config so each stdio server starts through mcptrust proxy')
    .description(
      'Rewrite each stdio server of an agent config (Claude Desktop, Claude Code\n' +
        '.mcp.json and ~/.claude.json, Cursor, VS Code mcp.json and settings.json)\n' +
        'so the agent launches it as mcptrust proxy --lock LOCK --server NAME\n' +
        '[--env K]... -- CMD ARGS.... env, headers, comments, formatting and unknown\n' +
        'fields are kept; remote (HTTP/SSE) entries are left as they are. The file\n' +
        'is replaced atomically, after a backup to FILE.mcptrust-bak.',
    )
    .requiredOption('--config <file>', 'the agent config to rewrite')
    .option('--lock <file>', 'the lockfile the proxy enforces (every wrapped server must be in it)', DEFAULT_LOCKFILE)
    .option('--server <name>', 'only this server (repeatable)', collect, [])
    .option('--command <words>', 'how the agent starts mcptrust, e.g. "/usr/local/bin/mcptrust" or "npx -y mcptrust"', 'mcptrust')
    .option('--dry-run', 'print what would change, write nothing')
    .addOption(formatOption(['text', 'json']))
    .addHelpText(
      'after',
      `
Exit codes: 0 done (or nothing to do) · 1 a server is not in the lockfile
(lock it first; the others are wrapped) · 2 the config or lockfile cannot be
read, or cannot be rewritten exactly. Idempotent: a server already launched
through mcptrust proxy is left alone. Undo: mcptrust unwrap.
Examples:
  mcptrust lock --config .mcp.json && mcptrust wrap --config .mcp.json
  mcptrust wrap --config .vscode/mcp.json --lock mcp-lock.json --dry-run
See docs/proxy.md ("Wrapping an agent config").`,
    )
    .action(async (options: WrapCliOptions) => {
      ctx.setExitCode(await runWrap('wrap', options, ctx));
    });
}

export function registerUnwrap(program: Command, ctx: CommandContext): void {
  program
    .command('unwrap')
    .summary('undo wrap: restore each server of an agent config to its own command')
    .description('Take mcptrust proxy out of every wrapped server of an agent config,\nrestoring the command and args that follow its -- exactly. Idempotent.')
    .requiredOption('--config <file>', 'the agent config to restore')
    .option('--server <name>', 'only this server (repeatable)', collect, [])
    .option('--dry-run', 'print what would change, write nothing')
    .addOption(formatOption(['text', 'json']))
    .action(async (options: WrapCliOptions) => {
      ctx.setExitCode(await runWrap('unwrap', options, ctx));
    });
}

async function runWrap(action: 'wrap' | 'unwrap', options: WrapCliOptions, ctx: CommandContext): Promise<number> {
  const { io } = ctx;
  const [{ existsSync, statSync, rmSync, realpathSync }, { resolve }, { readFileBounded, writeFileAtomic }, { UsageError }, { printable, safeJson }, wrap, { MAX_CONFIG_BYTES }] = await Promise.all([
    import('node:fs'),
    import('node:path'),
    import('../../src/util/fs.js'),
    import('../../src/errors.js'),
    import('../../src/util/text.js'),
    import('../../src/config/wrap.js'),
    import('../../src/config/agent-config.js'),
  ]);
  const configPath = resolve(io.cwd, options.config!);
  const shown = printable(options.config!, 200);
  const bytes = readFileBounded(configPath, MAX_CONFIG_BYTES, 'agent config');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new UsageError('FILE_UNREADABLE', `${shown} is not UTF-8 text; nothing was written`);
  }

  let outcome: WrapOutcome;
  if (action === 'wrap') {
    const words = (options.command ?? 'mcptrust').split(' ').filter((w) => w !== '');
    if (words.length === 0 || words.length > 4) throw new UsageError('USAGE', '--command must be one to four words (the program, then its arguments), e.g. "npx -y mcptrust"');
    // An entry launched so must read back as wrapped, or check and discover would read it as
    // some other program (and wrap would skip every server as not undoable).
    const [{ wrappedShape }, { workspaceOf }] = await Promise.all([import('../../src/config/wrapped.js'), import('../../src/config/agent-config.js')]);
    if (wrappedShape(words[0], [...words.slice(1), 'proxy', '--lock', 'mcp-lock.json', '--', 'server'], workspaceOf(configPath)) === undefined) {
      throw new UsageError(
        'USAGE',
        `--command "${printable(options.command ?? '', 120)}" does not start mcptrust as check and discover recognise it: give mcptrust on PATH ("mcptrust"), an absolute path outside the project, "npx -y mcptrust[@VERSION]", "node /abs/path/mcptrust.js" or "cmd /c mcptrust"`,
      );
    }
    const lockPath = resolve(io.cwd, options.lock);
    const [{ readLockfileBytes }, { parseLockfile, lockfileText }, { MAX_LOCKFILE_BYTES }] = await Promise.all([
      import('../lockfile-read.js'),
      import('../../src/lockfile/parse.js'),
      import('../../src/lockfile/types.js'),
    ]);
    const lock = parseLockfile(lockfileText(readLockfileBytes(io.cwd, options.lock, MAX_LOCKFILE_BYTES), options.lock), options.lock);
    outcome = wrap.wrapConfigText(text, options.config!, {
      launcher: words,
      lockArg: wrap.lockArgFor(configPath, lockPath),
      lockPath,
      workspace: (await import('../../src/config/agent-config.js')).workspaceOf(configPath),
      lockedNames: new Set(Object.keys(lock.servers)),
      only: options.server,
    });
  } else outcome = wrap.unwrapConfigText(text, options.config!, options.server);

  let backup: string | undefined;
  let madeBackup = false;
  if (outcome.changed && !options.dryRun) {
    // A config kept as a symlink (dotfiles) is written where it points, and stays a symlink.
    const target = realpathSync(configPath);
    // Agents rewrite their configs (~/.claude.json on every start): a file that changed since it
    // was read is not overwritten with an edit of its older bytes.
    if (!readFileBounded(target, MAX_CONFIG_BYTES, 'agent config').equals(bytes)) {
      throw new UsageError('FILE_WRITE', `${shown} changed while it was being rewritten (is the agent running?); nothing was written: run again`);
    }
    const mode = statSync(target).mode & 0o7777;
    if (action === 'wrap') {
      // The backup is the one copy of the file as the user had it: never replaced by another.
      backup = `${target}.mcptrust-bak`;
      if (existsSync(backup)) {
        const old = readFileBounded(backup, MAX_CONFIG_BYTES, 'backup');
        if (!old.equals(bytes)) {
          throw new UsageError('FILE_EXISTS', `${printable(backup, 200)} exists and holds something else: move it away (it may be your only copy of an earlier config); nothing was written`);
        }
      } else {
        writeFileAtomic(backup, bytes, { mode, exclusive: true });
        madeBackup = true;
      }
    }
    try {
      writeFileAtomic(target, Buffer.from(outcome.text, 'utf8'), { mode });
    } catch (error) {
      // The config is untouched (writeFileAtomic replaces it whole or not at all).
      if (madeBackup) rmSync(backup!, { force: true });
      throw error;
    }
  }

  const failed = outcome.servers.some((s) => s.status === 'not-in-lock');
  const code = failed ? EXIT.CHECK_FAILED : EXIT.OK;
  // The agent starts the launcher by name: one that is not on PATH here (mcptrust installed as a
  // shell alias, or run through npx) starts nothing there either.
  const launcher = action === 'wrap' && outcome.servers.some((s) => s.status === 'wrapped') ? (options.command ?? 'mcptrust').split(' ').find((w) => w !== '') : undefined;
  if (launcher !== undefined && !/[\\/]/.test(launcher) && (await import('../../src/artifact/local-run.js')).spawnedFile(launcher, io.env.PATH, io.cwd, io.env.PATHEXT) === undefined) {
    io.stderr.write(
      `warning: ${printable(launcher, 60)} is not on PATH here, and an agent starts wrapped servers through it by name: install mcptrust on PATH, or wrap again with --command naming it in full (e.g. --command "node /path/to/mcptrust/dist/bin/mcptrust.js")\n`,
    );
  }
  if (options.format === 'json') {
    io.stdout.write(`${safeJson({ action, config: options.config, dryRun: options.dryRun === true, changed: outcome.changed, written: outcome.changed && !options.dryRun, ...(backup ? { backup } : {}), servers: outcome.servers })}\n`);
    return code;
  }
  const name = (s: { name: string; project?: string }) => `"${printable(s.name, 60)}"${s.project !== undefined ? ` (project ${printable(s.project, 120)})` : ''}`;
  const q = (w: string) => safeJson(printable(w, 200));
  if (options.dryRun && outcome.changed) {
    io.stdout.write(`--- ${shown}\n+++ ${shown} (${action === 'wrap' ? 'wrapped' : 'unwrapped'})\n`);
    for (const s of outcome.servers) {
      if (s.status !== 'wrapped' && s.status !== 'unwrapped') continue;
      // Original args are counted, not shown: they may hold tokens.
      const rest = s.keptArgs ? `, …${s.keptArgs} original arg${s.keptArgs === 1 ? '' : 's'}` : '';
      io.stdout.write(`@@ server ${name(s)} @@\n`);
      if (s.status === 'wrapped') {
        io.stdout.write(`- "command": ${q(s.launch![s.launch!.length - 1]!)}\n`);
        io.stdout.write(`+ "command": ${q(s.launch![0]!)}, "args": [${s.launch!.slice(1).map(q).join(', ')}${rest}]\n`);
      } else {
        io.stdout.write(`- "command": (mcptrust proxy … --)\n+ "command": ${q(s.launch![0]!)}${rest ? `, "args": [${rest.slice(2)}]` : ''}\n`);
      }
    }
  }
  const labels: Record<string, string> = {
    wrapped: options.dryRun ? 'would be wrapped' : 'wrapped',
    unwrapped: options.dryRun ? 'would be unwrapped' : 'unwrapped',
    'already-wrapped': 'already wrapped',
    'not-wrapped': 'not wrapped (left as it is)',
    skipped: 'skipped',
    'not-in-lock': 'NOT wrapped',
  };
  for (const s of outcome.servers) io.stdout.write(`${name(s)}: ${labels[s.status]}${s.reason ? `: ${printable(s.reason, 300)}` : ''}\n`);
  if (!outcome.changed) io.stdout.write(action === 'unwrap' ? `nothing to unwrap in ${shown}\n` : `nothing to wrap in ${shown}; unchanged\n`);
  else if (options.dryRun) io.stdout.write(`dry run: ${shown} not written\n`);
  else io.stdout.write(`${shown} written${backup ? ` (backup: ${printable(backup, 200)})` : ''}\n`);
  return code;
}
