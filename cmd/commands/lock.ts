import type { Command } from 'commander';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { CommandContext } from '../context.js';
import { EXIT } from '../exit.js';
import { addServerOptions, collect, formatOption } from '../options.js';
import type { ServerOptions } from '../servers.js';
import { DEFAULT_LOCKFILE } from '../../src/lockfile/types.js';
import { printable, safeJson } from '../../src/util/text.js';

interface LockOptions extends ServerOptions {
  output: string;
  force?: boolean;
  approve?: string[];
  format: 'text' | 'json';
  timeout: number;
  maxItems: number;
  /** False under --no-pin. */
  pin: boolean;
  expectedSource?: string;
}

export function registerLock(program: Command, ctx: CommandContext): void {
  const command = program
    .command('lock')
    .summary('read a live MCP server and pin its whole surface in mcp-lock.json')
    .description(
      'Connect to MCP servers, read their identity, tools, prompts, resources and resource templates ' +
        '(every page), and write them to a canonical, deterministic lockfile. If the lockfile exists ' +
        'and a server changed (surface or launch), nothing is written (exit 1) unless each changed ' +
        "server's digest is given with --approve, or --force. With --config/--discover and --server, " +
        'only the named servers are updated; every other server of the lockfile is kept as it was.',
    )
    .argument('[command...]', 'the server command and its arguments, after --')
    .option('-o, --output <file>', 'lockfile to write', DEFAULT_LOCKFILE)
    .option('--name <name>', 'name of the server in the lockfile (default: its serverInfo.name)')
    .option('--force', 'write whatever the servers offer now, over a lockfile that pins something else')
    .option('--approve <digest>', "write only if each changed server's live digest is one of these (repeatable; printed by lock's refusal, diff and check)", collect)
    .addOption(formatOption(['text', 'json']))
    .option('--discover', 'every MCP server configured for the agents on this machine (see mcptrust discover), named AGENT:FILE:NAME')
    .option('--no-pin', 'do not pin which code each stdio server runs (no registry is asked); records it as unpinned')
    .option('--expected-source <regex>', "refuse (exit 1) unless each stdio server's package has verified provenance from a source repository matching this");
  addServerOptions(command)
    .addHelpText(
      'after',
      `
Examples:
  mcptrust lock -- npx -y @modelcontextprotocol/server-everything
  mcptrust lock --url https://mcp.example.com/mcp --header "Authorization: Bearer \${TOKEN}"
  mcptrust lock --config .cursor/mcp.json --server github      (updates github only)
  mcptrust lock --config .mcp.json --approve sha256:…          (writes only the reviewed surface)
  mcptrust lock --discover --server claude-code:project:memory
Header and env values are used to connect but never written; only their names are recorded.`,
    )
    .action(async (argv: string[], options: LockOptions) => {
      ctx.setExitCode(await runLock(argv, options, ctx));
    });
}

async function runLock(argv: string[], options: LockOptions, ctx: CommandContext): Promise<number> {
  const { io } = ctx;
  const { UsageError } = await import('../../src/errors.js');
  const approved = new Set<string>();
  for (const [i, digest] of (options.approve ?? []).entries()) {
    // Not echoed: a wrong value may be anything pasted by mistake.
    if (!/^sha256:[0-9a-f]{64}$/.test(digest)) throw new UsageError('USAGE', `--approve #${i + 1} must be a server digest, sha256: and 64 lowercase hex digits, as lock's refusal, diff and check print it`);
    approved.add(digest);
  }
  const approving = approved.size > 0;
  if (approving && options.force) throw new UsageError('USAGE', 'give --approve DIGEST (exactly what was reviewed) or --force (whatever the servers offer), not both');
  // --config/--discover with --server: update those servers only and keep the rest of the lockfile.
  const partial = (options.server ?? []).length > 0;
  const { resolveTargets, readLive } = await import('../servers.js');
  const targets = await resolveTargets(argv, options, io);
  // The lockfile is never written over the agent config it was made from (even with --force).
  (await import('../output-paths.js')).refuseOutputOverInput(io.cwd, [['--output', options.output]], [['the agent config', options.config]]);
  const output = resolve(io.cwd, options.output);
  // Read (and validate) any existing lockfile before touching a server: a broken one is an
  // input error whatever the server says. A partial lock always needs it (to keep the rest).
  const existing = await readExisting(output, options.output, options.force === true && !partial, partial);
  // And make sure there is somewhere to write it, before a server is started for nothing.
  if (!statSync(dirname(output), { throwIfNoEntry: false })?.isDirectory()) {
    throw new UsageError('FILE_WRITE', `cannot write ${options.output}: its folder does not exist`);
  }

  // Each definition's lockfile text is printed at write time: printing it as its page arrived
  // (the onItem hook) cost more CPU and memory than it saved (measured; see the commit).
  const build = await import('../../src/lockfile/build.js');
  const { expectedSourcePattern } = await import('../servers.js');
  const expectedSource = expectedSourcePattern(options.expectedSource);
  if (expectedSource !== undefined && !options.pin) throw new UsageError('USAGE', '--expected-source checks the pinned provenance; it does not go with --no-pin');
  const pinning = { enabled: options.pin, lockDir: dirname(output), expectedSource };
  const read = await readLive(targets, { ...options, pinning }, io);
  // A server may echo a secret it was given into its surface, even into its own name (then the
  // lockfile's server key): the lockfile holds it (a note says so), the screen never does.
  const hideDeep = (await import('../redact.js')).targetsRedactor(targets);
  const hide = (text: string) => hideDeep(text);
  const { lockfileChunks, createLockfile } = build;
  const { paint, colorEnabled } = await import('../io.js');
  const live = read.lock;
  const updated = Object.keys(live.servers);
  // What is written: the live servers, and in a partial lock every other locked server as it was
  // (parsed with its digests checked, so it prints back to the same canonical bytes).
  const kept = partial && existing ? Object.keys(existing.lock.servers).filter((name) => live.servers[name] === undefined) : [];
  const lock = kept.length > 0 ? createLockfile([...kept.map((name) => existing!.lock.servers[name]!), ...Object.values(live.servers)]) : live;
  const p = paint(colorEnabled(io, io.stdout));
  if (expectedSource !== undefined) {
    // The source is checked before anything is written: a lock must not approve code from elsewhere.
    const { expectedSourceProblems } = await import('../../src/diff/artifact.js');
    const problems = expectedSourceProblems(Object.values(live.servers), expectedSource);
    if (problems.length > 0) {
      for (const problem of problems) io.stderr.write(`${hide(problem)}\n`);
      io.stderr.write(`nothing written to ${printable(options.output, 200)}: the pinned source does not match --expected-source\n`);
      return EXIT.CHECK_FAILED;
    }
  }

  // Judge the change, with the one engine every command uses: only the servers being written
  // (a partial lock judges the named ones); with --approve, a first lock judges every server
  // as new, so nothing unreviewed is written either.
  const judged = existing?.lock ?? (approving ? createLockfile([]) : undefined);
  if (judged && !options.force) {
    const before = partial ? createLockfile(updated.filter((name) => judged.servers[name] !== undefined).map((name) => judged.servers[name]!)) : judged;
    const [{ diffLockfiles, REVIEW_DIFF }, { changedServerDigests }] = await Promise.all([
      import('../../src/diff/index.js'),
      import('../../src/report/diff-servers.js'),
    ]);
    const report = diffLockfiles(before, live, REVIEW_DIFF);
    const servers = changedServerDigests(before, live, report.changes);
    // A server is approved when its live digest is one the reviewer gave; a removed server has
    // no live side to approve (drop it with --force, or keep it with --server).
    const unapproved = servers.filter((d) => d.liveDigest === null || !approved.has(d.liveDigest));
    if (report.changes.length > 0 && unapproved.length > 0) {
      const { renderRefusal, refusalJson } = await import('../render/lock.js');
      const refusal = { file: options.output, report, servers, approved, approving };
      if (options.format === 'json') io.stdout.write(`${safeJson(hideDeep(refusalJson(refusal)))}\n`);
      else io.stderr.write(renderRefusal(refusal, paint(colorEnabled(io, io.stderr)), hide));
      // A surface digest (the lockfile's "digest" field, lock's summary) is not what --approve
      // takes: say so rather than leave the reviewer guessing why the right server is refused.
      const { surfaceDigest } = await import('../../src/lockfile/build.js');
      const surfaces = new Set(Object.values(live.servers).map((s) => surfaceDigest(s.surface)));
      if ([...approved].some((d) => surfaces.has(d) && !servers.some((s) => s.liveDigest === d))) {
        io.stderr.write(
          'note: an --approve digest is a surface digest (the lockfile\'s "digest" field); --approve takes the digest printed after "live" above, which also binds how the server is launched\n',
        );
      }
      return EXIT.CHECK_FAILED;
    }
  }
  const { writeFileAtomic } = await import('../../src/util/fs.js');
  // A signature file next to the lockfile signs its old bytes: say so when they change, as
  // verify and check will refuse the new lockfile until it is signed again.
  // Then the new bytes are built once, compared, and written as they are; otherwise streamed:
  // the ~10 MB of a 10,000-tool lockfile is written in pieces, never built as one string.
  const signed = existsSync(`${output}.sig`) ? [...lockfileChunks(lock)].join('') : undefined;
  const staleSignature = signed !== undefined && bytesDiffer(output, signed);
  writeFileAtomic(output, signed ?? lockfileChunks(lock));
  if (staleSignature) {
    io.stderr.write(
      `note: ${printable(options.output, 200)} changed, so the signatures in ${printable(`${options.output}.sig`, 200)} no longer verify it: review it, then sign it again (mcptrust sign)\n`,
    );
  }
  // Tools of two servers that an agent cannot tell apart (the same or a look-alike name): noted;
  // the policy input's `shadows` and --preset strict deny them, diff grades a new one high.
  const { findCollisions, serverTools, describeCollision } = await import('../../src/safety/shadowing.js');
  const collisions = findCollisions(serverTools(lock.servers));
  for (const c of collisions.slice(0, 20)) read.notes.push({ server: c.tools[0]!.server, note: hide(describeCollision(c, 3)) });
  if (collisions.length > 20) read.notes.push({ server: collisions[20]!.tools[0]!.server, note: `and ${collisions.length - 20} more tool-name collisions across servers (mcptrust policy input lists them in tools[].shadows)` });
  const { renderLockSummary, lockSummaryJson } = await import('../render/lock.js');
  if (options.format === 'json') {
    io.stdout.write(`${safeJson(hideDeep(lockSummaryJson(lock, options.output, read.notes, updated, kept)))}\n`);
  } else {
    io.stdout.write(renderLockSummary(lock, options.output, p, hide, updated, kept.length));
    // The server name may be the server's own serverInfo.name: escaped like all server text.
    for (const { server, note } of read.notes) io.stderr.write(`note: ${printable(hide(server), 80)}: ${printable(note, 300)}\n`);
    if (existing && kept.length > 0 && !existing.canonical) {
      io.stderr.write(`note: ${printable(options.output, 200)} was not in canonical form; the servers kept were written back canonically\n`);
    }
  }
  return EXIT.OK;
}

/** Whether writing `text` to `path` changes its bytes (an unreadable file counts as changed). */
function bytesDiffer(path: string, text: string): boolean {
  try {
    const size = statSync(path).size;
    return size !== Buffer.byteLength(text) || readFileSync(path, 'utf8') !== text;
  } catch {
    return true;
  }
}

/**
 * The lockfile already at the output path, parsed with every digest checked, or undefined when
 * there is none (or `--force` replaces it unread). A partial lock keeps its other servers, so a
 * lockfile that does not parse is an input error then, even with --force.
 */
async function readExisting(path: string, shown: string, force: boolean, partial: boolean) {
  // --force replaces whatever is there: no need to read it.
  if (force || !existsSync(path)) return undefined;
  const [{ parseLockfile, lockfileText }, { readFileBounded }, { MAX_LOCKFILE_BYTES }, { serializeLockfile }] = await Promise.all([
    import('../../src/lockfile/parse.js'),
    import('../../src/util/fs.js'),
    import('../../src/lockfile/types.js'),
    import('../../src/lockfile/build.js'),
  ]);
  try {
    // Bounded, and a folder or unreadable file is an input error naming it, not a crash.
    const text = lockfileText(readFileBounded(path, MAX_LOCKFILE_BYTES, 'lockfile'), shown);
    const lock = parseLockfile(text, shown);
    return { lock, canonical: serializeLockfile(lock) === text };
  } catch (error) {
    const { BaseError, UsageError } = await import('../../src/errors.js');
    if (error instanceof BaseError) {
      const why = partial
        ? 'cannot keep its other servers (--server updates only some); fix it, or lock every server without --server --force to replace it'
        : 'refusing to overwrite it (use --force to replace it)';
      throw new UsageError('FILE_EXISTS', `${error.message}; ${why}`);
    }
    throw error;
  }
}
