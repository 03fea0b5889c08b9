import { InvalidArgumentError, type Command } from 'commander';
import { resolve } from 'node:path';
import type { CommandContext } from '../context.js';
import { EXIT } from '../exit.js';
import { collect, formatOption } from '../options.js';
import { safeJson } from '../../src/util/text.js';

interface ScanOptions {
  format: 'text' | 'json';
  output?: string;
  minLevel?: number;
  osvDb?: string;
  online: boolean;
  key: string[];
  runServer: boolean;
  lock?: string;
}

function parseLevel(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 4) throw new InvalidArgumentError('expected a level from 1 to 4');
  return n;
}

export function registerScan(program: Command, ctx: CommandContext): void {
  program
    .command('scan')
    .summary('score an MCP bundle (.mcpb or folder) against the mpak Trust Framework (MTF v0.1)')
    .description(
      'Run the 25 scannable MTF v0.1 controls on a bundle, offline, and report its level (L0–L4), ' +
        'its 0–100 score, its risk and every finding. A .mcpb is checked entry by entry before use ' +
        '(refused: ../ and absolute paths, symlinks, devices, zip bombs) and read in memory. ' +
        'With --lock, the live-server controls (CD-01 tool declaration, CD-03 description safety) ' +
        'are applied to every server of a lockfile instead.',
    )
    .argument('[bundle]', 'the .mcpb archive or the bundle folder')
    .addOption(formatOption(['text', 'json']))
    .option('-o, --output <file>', 'also write the MTF JSON report (report.schema.json) to this file')
    .option('--min-level <level>', 'exit 1 when the bundle reaches a lower level (1–4)', parseLevel)
    .option('--osv-db <dir>', 'offline OSV vulnerability database folder (SC-02)')
    .option('--online', 'allow network look-ups of advisories (SC-02)', false)
    .option('--key <public.pem>', 'Ed25519 public key trusted for the bundle signature and attestations (repeatable)', collect, [])
    .option('--run-server', 'start the bundle\'s server in a scrubbed environment to compare its live tools (CQ-06)', false)
    .option('--lock <file>', 'apply the live-server controls to every server of this lockfile')
    .addHelpText(
      'after',
      `
Examples:
  mcptrust scan server.mcpb
  mcptrust scan ./my-server --format json -o report.json
  mcptrust scan server.mcpb --min-level 2 --osv-db ./osv --key publisher.pub
  mcptrust scan --lock mcp-lock.json
Exit codes: 0 scanned (level at or above --min-level) · 1 below --min-level, or with --lock a server
fails CD-01/CD-03 · 2 unreadable or refused bundle, bad flags.
The signature of server.mcpb is read from server.mcpb.sig (format: docs/scan.md, "Bundle signatures").`,
    )
    .action(async (bundle: string | undefined, options: ScanOptions) => {
      ctx.setExitCode(await runScanCommand(bundle, options, ctx));
    });
}

async function runScanCommand(bundle: string | undefined, options: ScanOptions, ctx: CommandContext): Promise<number> {
  const { io } = ctx;
  const { UsageError } = await import('../../src/errors.js');
  const { paint, colorEnabled } = await import('../io.js');
  const p = paint(colorEnabled(io, io.stdout));
  (await import('../output-paths.js')).refuseOutputOverInput(io.cwd, [['--output', options.output]], [['the lockfile', options.lock], ['the bundle', bundle], ...options.key.map((f) => ['a trusted key', f] as const)]);
  if (options.lock !== undefined) {
    if (bundle !== undefined) throw new UsageError('USAGE', 'give either a bundle or --lock, not both');
    return scanLock(options, ctx);
  }
  if (bundle === undefined) throw new UsageError('USAGE', 'which bundle? (mcptrust scan BUNDLE.mcpb|DIR, or --lock mcp-lock.json)');
  const [{ runScan }, { CONTROLS }, { startProgress }] = await Promise.all([
    import('../../src/mtf/index.js'),
    import('../../src/mtf/controls/index.js'),
    import('../progress.js'),
  ]);
  const path = resolve(io.cwd, bundle);
  const progress = await startProgress(io, `scanning ${bundle}`);
  let result;
  try {
    result = await runScan(path, {
      ...(options.osvDb !== undefined ? { osvDb: resolve(io.cwd, options.osvDb) } : {}),
      online: options.online,
      keys: options.key.map((k) => resolve(io.cwd, k)),
      runServer: options.runServer,
      label: bundle,
      onControl: (id, name) => progress.update(`${id} ${name}`),
    });
  } finally {
    progress.stop();
  }
  const json = `${safeJson(result.report)}\n`;
  if (options.output !== undefined) {
    const { writeFileAtomic } = await import('../../src/util/fs.js');
    writeFileAtomic(resolve(io.cwd, options.output), json);
  }
  if (options.format === 'json') io.stdout.write(json);
  else {
    const { renderScanText } = await import('../render/scan.js');
    io.stdout.write(renderScanText(result, bundle, new Map(CONTROLS.map((c) => [c.id, c.name])), p));
    if (options.output !== undefined) io.stdout.write(`report written to ${options.output}\n`);
  }
  if (options.minLevel !== undefined && result.score.level < options.minLevel) {
    const why = result.score.degraded ? ` (errors hide L${result.score.level_if_no_errors}: fix them to see it)` : '';
    io.stderr.write(`${p.red('below --min-level:')} ${bundle} reaches L${result.score.level}, L${options.minLevel} required${why}\n`);
    return EXIT.CHECK_FAILED;
  }
  return EXIT.OK;
}

async function scanLock(options: ScanOptions, ctx: CommandContext): Promise<number> {
  const { io } = ctx;
  const file = options.lock!;
  const [{ parseLockfile, lockfileText }, { scanLockfile }, { paint, colorEnabled }] = await Promise.all([
    import('../../src/lockfile/parse.js'),
    import('../../src/mtf/live.js'),
    import('../io.js'),
  ]);
  const { MAX_LOCKFILE_BYTES } = await import('../../src/lockfile/types.js');
  const text = lockfileText((await import('../lockfile-read.js')).readLockfileBytes(io.cwd, file, MAX_LOCKFILE_BYTES), file);
  const scan = scanLockfile(parseLockfile(text, file));
  const json = `${safeJson({ lockfile: file, ...scan })}\n`;
  if (options.output !== undefined) {
    const { writeFileAtomic } = await import('../../src/util/fs.js');
    writeFileAtomic(resolve(io.cwd, options.output), json);
  }
  if (options.format === 'json') io.stdout.write(json);
  else {
    const { renderLiveText } = await import('../render/scan.js');
    io.stdout.write(renderLiveText(scan, file, paint(colorEnabled(io, io.stdout))));
  }
  return scan.passed ? EXIT.OK : EXIT.CHECK_FAILED;
}
