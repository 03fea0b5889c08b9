import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { EXIT } from '../exit.js';
import { formatOption } from '../options.js';
import type { IO } from '../io.js';
import type { Platform } from '../../src/config/agents.js';
import type { Discovery, FoundFile } from '../../src/config/discover.js';

interface DiscoverOptions {
  format: 'text' | 'json';
}

/** Most block files read from one `.continue/mcpServers/` folder; more is reported, not skipped silently. */
const MAX_BLOCK_FILES = 256;

export function registerDiscover(program: Command, ctx: CommandContext): void {
  program
    .command('discover')
    .summary('list every MCP server configured for the agents on this machine')
    .description(
      'Look for the MCP configs of Claude Desktop, Claude Code, Cursor, VS Code, Windsurf, Gemini CLI, ' +
        'Codex, Zed, Cline, Continue and Goose in their documented places (user files under HOME, ' +
        'APPDATA or XDG_CONFIG_HOME; project files in the current folder) and list each server: ' +
        'agent, config file, server id and transport, as written (${VAR} unexpanded; no env or ' +
        'header value, URLs without query values). `mcptrust lock --discover` locks them all.',
    )
    .addOption(formatOption(['text', 'json']))
    .addHelpText(
      'after',
      `
Examples:
  mcptrust discover
  mcptrust discover --format json
  mcptrust lock --discover                              # every server found, into one lockfile
  mcptrust lock --discover --server cursor:project:github
Server ids are AGENT:FILE:NAME (e.g. claude-code:user:memory, vscode:project:github,
claude-code:local:~/code/app:db); they are the server names in a --discover lockfile.
Exit codes: 0 listed (even when nothing is found) · 2 a config file that exists could not be read
or parsed, or a server entry is malformed (everything else is still listed).`,
    )
    .action(async (options: DiscoverOptions) => {
      ctx.setExitCode(await runDiscover(options, ctx));
    });
}

/**
 * Finds and reads (bounded) the agent config files of the table for this environment, and
 * hands their texts to the pure discovery. HOME, USERPROFILE, APPDATA, XDG_CONFIG_HOME and
 * CODEX_HOME come from the command's environment, the project from its working folder.
 */
export async function gatherDiscovery(io: IO, platformOverride?: Platform): Promise<Discovery & { home: string | undefined }> {
  const [{ existsSync, readdirSync, statSync }, path, { candidateFiles, homeOf }, { discoverServers }, { readFileBounded }, { MAX_CONFIG_BYTES }] = await Promise.all([
    import('node:fs'),
    import('node:path'),
    import('../../src/config/agents.js'),
    import('../../src/config/discover.js'),
    import('../../src/util/fs.js'),
    import('../../src/config/agent-config.js'),
  ]);
  // Tests pass a platform to check the macOS and Windows layouts on any machine.
  const platform: Platform = platformOverride ?? (process.platform === 'win32' || process.platform === 'darwin' ? process.platform : 'linux');
  const ctx = { platform, env: io.env, cwd: io.cwd, join: path.join } as const;
  const found: FoundFile[] = [];
  const read = (f: Omit<FoundFile, 'text' | 'unreadable'>) => {
    try {
      found.push({ ...f, text: readFileBounded(f.path, MAX_CONFIG_BYTES, 'config').toString('utf8') });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // readFileBounded says "cannot read config PATH: why"; keep the why.
      const colon = message.lastIndexOf(': ');
      found.push({ ...f, unreadable: colon === -1 ? message : message.slice(colon + 2) });
    }
  };
  for (const candidate of candidateFiles(ctx)) {
    if (!existsSync(candidate.path)) continue;
    if (!candidate.file.folder) {
      read(candidate);
      continue;
    }
    if (!statSync(candidate.path).isDirectory()) continue;
    const names = readdirSync(candidate.path)
      .filter((n) => /\.(ya?ml|json)$/i.test(n))
      .sort();
    for (const name of names.slice(0, MAX_BLOCK_FILES)) read({ ...candidate, path: path.join(candidate.path, name) });
    if (names.length > MAX_BLOCK_FILES) {
      found.push({ ...candidate, unreadable: `more than ${MAX_BLOCK_FILES} block files; only the first ${MAX_BLOCK_FILES} were read` });
    }
  }
  const home = homeOf(ctx);
  return { ...discoverServers(found, home), home };
}

async function runDiscover(options: DiscoverOptions, ctx: CommandContext): Promise<number> {
  const { io } = ctx;
  const discovery = await gatherDiscovery(io);
  const { renderDiscovery, discoveryJson } = await import('../render/discover.js');
  if (options.format === 'json') {
    const { safeJson } = await import('../../src/util/text.js');
    io.stdout.write(`${safeJson(discoveryJson(discovery))}\n`);
  } else {
    const { paint, colorEnabled } = await import('../io.js');
    const out = renderDiscovery(discovery, { home: discovery.home, cwd: io.cwd }, paint(colorEnabled(io, io.stdout)), paint(colorEnabled(io, io.stderr)));
    io.stdout.write(out.stdout);
    io.stderr.write(out.stderr);
  }
  return discovery.problems.length > 0 ? EXIT.INPUT : EXIT.OK;
}
