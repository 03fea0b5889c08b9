import type { Command } from 'commander';
import { Option } from 'commander';
import { dirname, relative, resolve, sep } from 'node:path';
import { DEFAULT_LOCKFILE, MAX_LOCKFILE_BYTES, type Lockfile } from '../../src/lockfile/types.js';
import type { CommandContext } from '../context.js';
import { EXIT } from '../exit.js';
import { addServerOptions } from '../options.js';
import type { ServerOptions } from '../servers.js';

interface DiffOptions extends ServerOptions {
  lock: string;
  against?: string;
  format: 'text' | 'json' | 'markdown' | 'sarif';
  failOn: 'any' | 'breaking' | 'security' | 'none';
  output?: string;
  timeout: number;
  maxItems: number;
  /** False under --no-pin. */
  pin: boolean;
}

/** Largest lockfile read (the same bound as sign/verify). */

export function registerDiff(program: Command, ctx: CommandContext): void {
  const command = program
    .command('diff')
    .summary('compare a live MCP server (or another lockfile) with mcp-lock.json and classify every change')
    .description(
      'Compare the approved lockfile (--lock: the old side) with what a live server\n' +
        'offers now (-- CMD, --url or --config: the new side) or, offline, with another\n' +
        'lockfile (--against: it replaces the live server as the new side). Every added,\n' +
        'removed or modified tool, prompt, resource, resource template, server identity\n' +
        'field and transport (command, arguments, URL) is classified on two axes:\n' +
        'breaking (existing agent calls may fail) and severity (critical, high, medium,\n' +
        'low, info), with the reasons and the old and new text. "added" means present on\n' +
        'the new side only.',
    )
    .argument('[command...]', 'the server command and its arguments, after --')
    .option('--lock <file>', 'the approved lockfile: the old side', DEFAULT_LOCKFILE)
    .option('--against <file>', 'the new side: this lockfile instead of a live server (e.g. the one in a pull request)')
    .option('--name <name>', 'which server of the lockfile the live server is (default: its serverInfo.name)')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'markdown', 'sarif']).default('text'))
    .addOption(
      new Option('--fail-on <level>', 'exit 1 when a change at this level exists: any change; breaking (or security); security (severity high or critical); none')
        .choices(['any', 'breaking', 'security', 'none'])
        .default('any'),
    )
    .option('-o, --output <file>', 'write the report to this file instead of stdout')
    .option('--no-pin', 'do not pin the live launch (no registry is asked); a lockfile that pins an artifact then shows it as no longer pinned');
  addServerOptions(command)
    .addHelpText(
      'after',
      `
--fail-on levels nest: any ⊇ breaking ⊇ security ⊇ none.
  any       every change fails (default)
  breaking  a breaking change, or a change of severity high or critical
  security  a change of severity high or critical
  none      report only; exit 0 whatever changed

Examples:
  mcptrust diff -- npx -y @modelcontextprotocol/server-everything
  mcptrust diff --lock main-lock.json --against mcp-lock.json --format markdown
      (main-lock.json approved, mcp-lock.json proposed: what the proposal changes)
  mcptrust diff --config .cursor/mcp.json --format sarif -o mcptrust.sarif --fail-on security`,
    )
    .action(async (argv: string[], options: DiffOptions) => {
      ctx.setExitCode(await runDiff(argv, options, ctx));
    });
}

async function runDiff(argv: string[], options: DiffOptions, ctx: CommandContext): Promise<number> {
  const { io } = ctx;
  const [{ parseLockfile, lockfileText }, { UsageError }] = await Promise.all([
    import('../../src/lockfile/parse.js'),
    import('../../src/errors.js'),
  ]);
  (await import('../output-paths.js')).refuseOutputOverInput(io.cwd, [['--output', options.output]], [['the lockfile', options.lock], ['the --against lockfile', options.against], ['the agent config', options.config]]);
  const live = argv.length > 0 || options.url !== undefined || options.config !== undefined;
  if (options.against !== undefined && live) throw new UsageError('USAGE', '--against compares two lockfiles; do not also give a server (-- CMD, --url or --config)');
  if (options.against !== undefined && (options.name !== undefined || options.header.length + options.env.length + options.server.length > 0)) {
    throw new UsageError('USAGE', '--name, --header, --env and --server only go with a live server, not with --against');
  }

  // The diff never trusts the digests written next to the definitions: it compares each
  // definition's own digest, looking inside only the items whose digests differ; a hand-edited
  // definition shows up as a change whatever its written digest says, and the signature covers
  // the bytes. A written digest is used only where the byte check recomputed it from the
  // definition's bytes and found it equal (src/lockfile/read.ts); any other file's digests are
  // computed while it is parsed (cheap for a file in canonical key order).
  // Each file is read once and parsed once. The same bytes on both sides (a pull request that
  // leaves the lockfile alone) are compared as they are read and parse to the one lockfile:
  // nothing to compare, so no digest is computed.
  const { readLockfileBytes, readLockfileBytesUnlessSame } = await import('../lockfile-read.js');
  const lockBytes = readLockfileBytes(io.cwd, options.lock, MAX_LOCKFILE_BYTES);
  const otherBytes = options.against === undefined ? undefined : readLockfileBytesUnlessSame(io.cwd, options.against, MAX_LOCKFILE_BYTES, lockBytes);
  // The same bytes twice: nothing can differ, so all that is left to decide is whether they are
  // a lockfile. A file in the form lock writes is checked on its bytes against every rule of the
  // strict read (lockfileBytesAccepted; the diff trusts no written digest, so none is checked)
  // and never parsed; any other file is parsed, and refused with the reader's message.
  const sameBytes = options.against !== undefined && otherBytes === undefined;
  const unparsed = sameBytes && (await import('../../src/lockfile/fast-check.js')).lockfileBytesAccepted(lockBytes, { checkDigests: false });
  const lockText = () => lockfileText(lockBytes, options.lock);
  let before: Lockfile | undefined;
  let after: Lockfile | undefined;
  if (otherBytes !== undefined) {
    // Two different files: every definition's digest is computed while reading (the comparison
    // and the approval digests use them), from the bytes for a file in lock's form, whose
    // definitions are then parsed only where the digests differ.
    const { readLockfileForDiff } = await import('../../src/lockfile/read.js');
    before = readLockfileForDiff(lockBytes, options.lock).lock;
    after = readLockfileForDiff(otherBytes, options.against!).lock;
  } else if (!unparsed) {
    // A live side (its digests are computed as it is compared), or the same bytes twice.
    before = parseLockfile(lockText(), options.lock, { checkDigests: false });
    if (sameBytes) after = before;
  }
  let afterLabel: string;
  const notes: string[] = [];
  // What a wrapped config entry's proxy enforces, when it is not this lockfile's server.
  let findings: import('../servers.js').ServerFinding[] = [];
  if (options.against !== undefined) {
    afterLabel = options.against;
  } else {
    const { readLiveAligned } = await import('../servers.js');
    // The live launch is pinned relative to the lockfile's folder, as lock pinned it.
    const pinning = { enabled: options.pin, lockDir: dirname(resolve(io.cwd, options.lock)) };
    // (Parsed above: only two identical files are left unparsed.)
    const aligned = await readLiveAligned(argv, { ...options, pinning }, before!, options.lock, io, options.lock);
    before = aligned.before;
    after = aligned.after;
    notes.push(...aligned.notes);
    findings = aligned.findings;
    afterLabel = aligned.servers === 1 ? 'the live server' : `${aligned.servers} live servers`;
  }

  // Equal lockfiles (every server's transport and surface) have no change to classify: the
  // engine, its text analysis and jsondiffpatch are loaded only when something differs.
  const [{ sameLockfiles }, { emptyReport }] = await Promise.all([import('../../src/diff/same.js'), import('../../src/diff/types.js')]);
  let report = emptyReport();
  let failed = false;
  let servers: import('../../src/report/diff-servers.js').ServerDigest[] = [];
  if (before !== undefined && after !== undefined && !sameLockfiles(before, after)) {
    const { diffLockfiles, failsOn, REVIEW_DIFF } = await import('../../src/diff/index.js');
    // The transport is compared too: the same surface behind another program or host is drift.
    report = diffLockfiles(before, after, REVIEW_DIFF);
    failed = report.changes.some((c) => failsOn(c, options.failOn));
    // The digests each changed server is approved by (lock --approve), its new side's included.
    const { changedServerDigests } = await import('../../src/report/diff-servers.js');
    servers = changedServerDigests(before, after, report.changes);
  }
  if (findings.length > 0) {
    const [{ withServerFindings }, { failsOn }] = await Promise.all([import('../../src/diff/artifact.js'), import('../../src/diff/index.js')]);
    report = withServerFindings(report, findings);
    failed = report.changes.some((c) => failsOn(c, options.failOn));
  }
  if (live) {
    // A live server may echo a secret it was given into its surface: the change is reported,
    // the secret never (decided above on the real text, redacted only for display).
    const hide = await (await import('../redact.js')).liveRedactor(argv, options, io);
    report = hide(report);
    notes.splice(0, notes.length, ...hide(notes));
  }
  const sources = { before: options.lock, after: afterLabel, newSide: options.against === undefined ? 'live' : 'new' };

  let text: string;
  if (options.format === 'json') {
    const { renderDiffJson } = await import('../../src/report/diff-json.js');
    text = renderDiffJson(report, sources, options.failOn, failed, servers);
  } else if (options.format === 'markdown') {
    const { renderDiffMarkdown } = await import('../../src/report/diff-markdown.js');
    text = renderDiffMarkdown(report, sources, servers);
  } else if (options.format === 'sarif') {
    const [{ renderDiffSarif }, { VERSION }] = await Promise.all([import('../../src/report/diff-sarif.js'), import('../../src/version.js')]);
    // SARIF locations are URI references relative to where the scan ran (the repository root in CI).
    const lockUri = relative(io.cwd, resolve(io.cwd, options.lock)).split(sep).map(encodeURIComponent).join('/');
    text = renderDiffSarif(report, { lockUri, lockText: lockText(), toolVersion: VERSION, servers });
  } else {
    const [{ renderDiffText }, { paint, colorEnabled }] = await Promise.all([import('../../src/report/diff-text.js'), import('../io.js')]);
    const stream = options.output === undefined ? io.stdout : io.stderr;
    text = renderDiffText(report, sources, paint(options.output === undefined && colorEnabled(io, stream)), servers);
  }
  if (options.output !== undefined) {
    const { writeFileAtomic } = await import('../../src/util/fs.js');
    writeFileAtomic(resolve(io.cwd, options.output), text);
  } else {
    io.stdout.write(text);
  }
  const { printable } = await import('../../src/util/text.js');
  for (const note of notes) io.stderr.write(`note: ${printable(note, 300)}\n`);
  if (failed && options.format !== 'json') {
    io.stderr.write(`drift at or above --fail-on ${options.failOn}: exit 1\n`);
  }
  return failed ? EXIT.CHECK_FAILED : EXIT.OK;
}
