import { InvalidArgumentError, Option } from 'commander';
import { parseDuration } from '../src/util/text.js';

const MAX_TIMEOUT_MS = 24 * 60 * 60 * 1000;

/** Shared option parsers and definitions, so every command spells them the same way. */
export function parseTimeout(value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined) throw new InvalidArgumentError('expected a duration such as 30s, 500ms or 2m');
  // Node's timers take at most 2^31-1 ms and fire at once above it: cap well below.
  if (ms > MAX_TIMEOUT_MS) throw new InvalidArgumentError('expected a duration of at most 1440m (one day)');
  return ms;
}

export function parsePositiveInt(value: string): number {
  const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number of at least 1');
  return n;
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function formatOption(choices: string[]): Option {
  return new Option('--format <format>', 'output format').choices(choices).default('text');
}

/** The options that say how to reach a live server, shared by lock, diff and check. */
export function addServerOptions(command: import('commander').Command): import('commander').Command {
  return command
    .option('--url <url>', 'reach the server over Streamable HTTP (falls back to legacy SSE)')
    .addOption(new Option('--transport <kind>', 'HTTP transport for --url').choices(['auto', 'streamable-http', 'sse']).default('auto'))
    .option('--header <header>', 'HTTP header "Name: value" for --url; ${VAR} is taken from the environment (repeatable)', collect, [])
    .option('--config <file>', 'every MCP server of an agent config (any agent mcptrust discover knows: Claude, Cursor, VS Code, Codex, Zed…)')
    .option('--server <name>', 'with --config: only this server; with lock --discover: only this id (repeatable)', collect, [])
    .option('--env <NAME=value>', 'environment variable for a stdio server (repeatable)', collect, [])
    // The default is shown as "30s": a bare 30000 typed back would mean 30000 seconds.
    .addOption(new Option('--timeout <duration>', 'per-request timeout (30s, 500ms, 2m)').argParser(parseTimeout).default(30_000, '30s'))
    .option('--max-items <n>', 'most items accepted in one list', parsePositiveInt, 10_000);
}
