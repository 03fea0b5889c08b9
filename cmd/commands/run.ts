import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { EXIT } from '../exit.js';
import { collect, formatOption } from '../options.js';
import type { IO } from '../io.js';
import { DEFAULT_LOCKFILE } from '../../src/lockfile/types.js';
import { printable, safeJson } from '../../src/util/text.js';

interface RunOptions {
  lock: string;
  server?: string;
  dryRun?: boolean;
  env?: string[];
  key?: string[];
  keyring?: string;
  sig?: string;
  format: 'text' | 'json';
}

export function registerRun(program: Command, ctx: CommandContext): void {
  program
    .command('run')
    .summary('start a locked server only from its pinned artifact bytes, over stdio (npm first)')
    .description(
      'Start a server of the lockfile from exactly the bytes its artifact pins, and\n' +
        "pass the agent's stdio straight through to it (an agent config launches\n" +
        'mcptrust run instead of npx -y pkg).\n' +
        'npm: every package of the pinned tree is fetched, checked against its integrity\n' +
        'before it is read, and written into a private folder; install scripts never run.\n' +
        'A verified install is kept, and re-verified before it is reused.\n' +
        'local: every pinned file must still match its digest.\n' +
        'Anything that does not match stops before any of its code runs (exit 1);\n' +
        'pypi and oci artifacts are not supported by run yet (exit 2). Once started,\n' +
        "the exit code is the server's.",
    )
    .option('--lock <file>', 'lockfile to start from', DEFAULT_LOCKFILE)
    .option('--server <name>', 'the server to start (needed when the lockfile holds several)')
    .option('--dry-run', 'verify and install, print what would start, start nothing')
    .option('--env <NAME=value>', 'value of an environment variable the lock declares, or NAME alone to take it from the environment (the default; repeatable)', collect)
    .option('--key <file...>', 'verify the lockfile signature with these trusted public keys first (repeatable)')
    .option('--keyring <dir>', 'verify the lockfile signature with every *.pub key in this folder first')
    .option('--sig <file>', 'signature file (default: the lockfile name + .sig)')
    .addOption(formatOption(['text', 'json']))
    .addHelpText(
      'after',
      `
Examples:
  mcptrust run --lock mcp-lock.json --server everything
  mcptrust run --key team.pub --server github         (refuses an unsigned or changed lockfile)
  mcptrust run --dry-run --server github               (fetch and verify only)
In an agent config: "command": "mcptrust", "args": ["run", "--lock", "/abs/mcp-lock.json", "--server", "github"].
mcptrust writes nothing on stdout while the server runs; its own messages go to stderr.`,
    )
    .action(async (options: RunOptions) => {
      ctx.setExitCode(await runRun(options, ctx));
    });
}

/** Where verified installs are kept: the user's cache folder (private, 0700). */
function installRoot(env: NodeJS.ProcessEnv, platform: NodeJS.Platform, tmp: string, join: (...p: string[]) => string): string {
  const home = env.HOME ?? env.USERPROFILE;
  if (platform === 'win32' && env.LOCALAPPDATA) return join(env.LOCALAPPDATA, 'mcptrust', 'run');
  if (platform === 'darwin' && home) return join(home, 'Library', 'Caches', 'mcptrust', 'run');
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'mcptrust', 'run');
  if (home) return join(home, '.cache', 'mcptrust', 'run');
  return join(tmp, `mcptrust-run-${process.getuid?.() ?? 'user'}`);
}

async function verifySignature(options: RunOptions, lockBytes: Buffer, io: IO): Promise<void> {
  const [{ resolve }, { lstatSync }, { readFileBounded }, signature, { loadTrustedKeys }, { RunError }] = await Promise.all([
    import('node:path'),
    import('node:fs'),
    import('../../src/util/fs.js'),
    import('../../src/lockfile/signature.js'),
    import('../keys.js'),
    import('../../src/artifact/install.js'),
  ]);
  const trusted = await loadTrustedKeys(io.cwd, options.key ?? [], options.keyring, 'run');
  const sig = options.sig ?? `${options.lock}.sig`;
  // Fail closed: keys were given, so an unsigned lockfile is "not verified", never "nothing to check".
  if (!lstatSync(resolve(io.cwd, sig), { throwIfNoEntry: false })) {
    throw new RunError('NOT_VERIFIED', `${printable(options.lock, 200)} is not signed (no ${printable(sig, 200)}); nothing was started`, {
      details: [`  sign it first: mcptrust sign --key PRIVATE.key${options.lock === DEFAULT_LOCKFILE ? '' : ` --lock ${printable(options.lock, 200)}`}`],
    });
  }
  const envelope = signature.parseSignatureEnvelope(readFileBounded(resolve(io.cwd, sig), signature.MAX_SIGNATURE_FILE_BYTES, 'signature file'), sig);
  const result = signature.verifyLockfileSignature(lockBytes, envelope, trusted.map((t) => t.key), { threshold: 1, allowUnknownSigners: false });
  if (!result.verified) {
    const reason = result.problems[0]?.message ?? 'no trusted key signed it';
    throw new RunError('NOT_VERIFIED', `${printable(options.lock, 200)}: the signature does not verify (${printable(reason, 200)}); nothing was started`);
  }
}

/** The declared env of the server: each name the lock records, its value from --env or the environment. */
async function declaredEnv(names: readonly string[], given: readonly string[], io: IO, server: string): Promise<Record<string, string>> {
  const [{ UsageError }, { parseEnvFlag }, { createRecord, envValue }] = await Promise.all([import('../../src/errors.js'), import('../servers.js'), import('../../src/util/record.js')]);
  const flags = createRecord<string>();
  for (const [i, pair] of given.entries()) {
    const { key, value } = parseEnvFlag(pair, i);
    if (!names.includes(key)) throw new UsageError('USAGE', `--env ${key}: server "${printable(server, 60)}" declares no such variable in the lock (it declares: ${names.length === 0 ? 'none' : names.map((n) => printable(n, 60)).join(', ')})`);
    const given = value ?? envValue(io.env, key);
    if (given !== undefined) flags[key] = given;
    else throw new UsageError('USAGE', `--env ${key}: not set in the environment (give --env ${key}=value)`);
  }
  const env = createRecord<string>();
  for (const name of names) {
    const value = Object.hasOwn(flags, name) ? flags[name] : envValue(io.env, name);
    if (value === undefined) {
      throw new UsageError('USAGE', `server "${printable(server, 60)}" declares the environment variable ${printable(name, 60)}, which is not set: set it or pass --env ${printable(name, 60)}=…`);
    }
    env[name] = value;
  }
  return env;
}

async function runRun(options: RunOptions, ctx: CommandContext): Promise<number> {
  const { io } = ctx;
  const [{ dirname, join, resolve, isAbsolute }, { tmpdir }, { UsageError }, { RunError, installNpmArtifact, verifyLocalFiles }, { parseLockfileBytes }, { MAX_SIGNED_LOCKFILE_BYTES }, { readLockfileBytes }] =
    await Promise.all([
      import('node:path'),
      import('node:os'),
      import('../../src/errors.js'),
      import('../../src/artifact/install.js'),
      import('../../src/lockfile/read.js'),
      import('../../src/lockfile/signature.js'),
      import('../lockfile-read.js'),
    ]);
  if (options.format === 'json' && !options.dryRun) throw new UsageError('USAGE', '--format json goes with --dry-run (while the server runs, stdout is its own)');
  if (options.sig !== undefined && options.key === undefined && options.keyring === undefined) throw new UsageError('USAGE', '--sig needs trusted keys to verify with: --key FILE or --keyring DIR');

  // 1. The lockfile: its signature first (over the exact bytes), then its meaning.
  const lockBytes = readLockfileBytes(io.cwd, options.lock, MAX_SIGNED_LOCKFILE_BYTES);
  if (options.key !== undefined || options.keyring !== undefined) await verifySignature(options, lockBytes, io);
  // Checked on its bytes, every digest recomputed from them, for a file in lock's form (src/lockfile/read.ts).
  const lock = parseLockfileBytes(lockBytes, options.lock).lock;
  const lockDir = dirname(resolve(io.cwd, options.lock));

  // 2. The server.
  const names = Object.keys(lock.servers);
  let name = options.server;
  if (name === undefined) {
    if (names.length !== 1) throw new UsageError('USAGE', `${printable(options.lock, 200)} holds ${names.length} servers; say which to start with --server NAME (${names.slice(0, 10).map((n) => printable(n, 60)).join(', ')}${names.length > 10 ? ', …' : ''})`);
    name = names[0]!;
  } else if (!Object.hasOwn(lock.servers, name)) {
    throw new UsageError('USAGE', `${printable(options.lock, 200)} has no server "${printable(name, 60)}" (it has: ${names.slice(0, 10).map((n) => printable(n, 60)).join(', ')}${names.length > 10 ? ', …' : ''})`);
  }
  const server = lock.servers[name]!;
  const who = `server "${printable(name, 60)}"`;
  if (server.transport.type !== 'stdio') throw new UsageError('USAGE', `${who} is reached over HTTP: run starts stdio servers only`);
  const artifact = server.artifact;
  if (artifact === undefined) throw new RunError('NOT_PINNED', `${who}: the lock pins no artifact (it was locked without one); lock it again to pin what runs. Nothing was started`);
  if (artifact.type === 'unpinned') throw new RunError('NOT_PINNED', `${who}: the lock could not pin what it runs (${printable(artifact.note ?? 'unknown launcher', 200)}); run starts pinned artifacts only. Nothing was started`);
  if (artifact.type === 'pypi' || artifact.type === 'oci') throw new RunError('UNSUPPORTED_ARTIFACT', `${who}: ${artifact.type} artifacts are not supported by run yet (npm and local files are)`);

  // 3. What was launched, `${VAR}` expanded as lock expanded it, and the server's environment.
  const { expandVariables } = await import('../../src/config/agent-config.js');
  const substituted: string[] = [];
  const command = expandVariables(server.transport.command, io.env, `${who} command`, undefined, substituted);
  const args = server.transport.args.map((a, i) => expandVariables(a, io.env, `${who} argument ${i + 1}`, undefined, substituted));
  const declared = await declaredEnv(server.transport.env, options.env ?? [], io, name);
  const { serverEnvironment } = await import('../../src/mcp/target.js');
  const env = serverEnvironment(declared, io.env);
  // No program the server starts by name (its interpreter, `#!/usr/bin/env node`, a tool it runs)
  // may be found in the lock's folder, where it starts: PATH's entries that lead there are left out.
  // The same for the dynamic loader's search paths, which a lock may declare.
  const [{ parseLaunch }, { serverPath, droppedNote, otherCode, spawnedFile }] = await Promise.all([import('../../src/launch/index.js'), import('../../src/artifact/local-run.js')]);
  for (const variable of ['PATH', 'LD_LIBRARY_PATH', 'DYLD_LIBRARY_PATH', 'DYLD_FALLBACK_LIBRARY_PATH']) {
    const path = serverPath(env[variable], lockDir);
    if (path.dropped.length === 0) continue;
    // None left: unset (an empty value would itself be one empty entry, the working folder).
    if (path.path === undefined || path.path === '') delete env[variable];
    else env[variable] = path.path;
    io.stderr.write(droppedNote(who, variable, path.dropped));
  }
  const launch = parseLaunch(command, args);

  let start: { command: string; args: string[] };
  const report: Record<string, unknown> = { server: name, artifact: artifact.type };
  if (artifact.type === 'npm') {
    if (launch.kind !== 'npm') throw new RunError('NOT_PINNED', `${who}: the lock pins an npm package but its launch line is not an npm launch; lock it again. Nothing was started`);
    // The server's own arguments follow the package spec (or the bin named with --package).
    const after = launch.command === undefined ? launch.packageArgIndexes[0]! + 1 : args.indexOf(launch.command, Math.max(...launch.packageArgIndexes) + 1) + 1;
    if (after <= 0) throw new RunError('NOT_PINNED', `${who}: cannot tell the server's arguments from its npm launch line; lock it again`);
    // npm's own configuration for this launch: the launch line, npm_config_* of the server's
    // environment over the user's, the project's, user's and global .npmrc.
    const [{ readNpmConfig, flattenNpmConfig }, { registryOrigin }] = await Promise.all([import('../../src/artifact/npm-config.js'), import('../../src/artifact/errors.js')]);
    const npmEnv = { ...io.env, ...declared };
    const config = readNpmConfig({ cwd: lockDir, env: npmEnv, line: launch.config });
    const fetch = flattenNpmConfig(config, npmEnv);
    // npm's retry settings, as npm would apply them to these fetches.
    for (const [key, flat] of [['fetch-retries', 'fetchRetries'], ['fetch-retry-mintimeout', 'fetchRetryMintimeout'], ['fetch-retry-maxtimeout', 'fetchRetryMaxtimeout'], ['fetch-timeout', 'timeout']] as const) {
      const value = config[key] === undefined ? Number.NaN : Number(config[key]);
      if (Number.isSafeInteger(value) && value >= 0) fetch[flat] = value;
    }
    const installed = await installNpmArtifact(artifact, name, {
      root: installRoot(io.env, process.platform, tmpdir(), join),
      fetch,
      registryShown: registryOrigin(fetch.registry),
      bin: launch.command,
    });
    start = installed.bin.node ? { command: process.execPath, args: [installed.bin.path, ...args.slice(after)] } : { command: installed.bin.path, args: args.slice(after) };
    Object.assign(report, { package: `${artifact.name}@${artifact.version}`, packages: installed.packages, files: installed.files, reused: installed.reused, dir: installed.dir, bin: installed.bin.name });
  } else {
    // The launch line must be the kind the artifact pins: a local pin says nothing of what an
    // npx (or any other launcher) line would fetch and run.
    if (launch.kind !== 'local' && launch.kind !== 'path') throw new RunError('NOT_PINNED', `${who}: the lock pins local files but its launch line is not a local launch (${launch.kind === 'unknown' ? printable(launch.note, 200) : `${launch.kind} launch`}); lock it again. Nothing was started`);
    // local: each pinned file must still be the file that was locked, then the line runs as
    // written, from the lockfile's folder (where lock records relative paths from). A command
    // found on PATH is started by the very file that was verified.
    const lookup = (recorded: string) => {
      const expanded = expandVariables(recorded, io.env, `${who} pinned file`, undefined, substituted);
      // A `file:` URL preload is pinned as written (`file://${HOME}/hook.mjs`): its file.
      let path = expanded;
      if (/^file:/i.test(expanded)) {
        try {
          path = fileURLToPath(expanded);
        } catch {
          // not a local file URL: looked up as written, and not found
        }
      }
      if (isAbsolute(path) || path.includes('/') || path.includes('\\')) return resolve(lockDir, path);
      return spawnedFile(path, env.PATH, lockDir, env.PATHEXT) ?? resolve(lockDir, path);
    };
    // The pinned files must be the very files this line runs: a line edited to run another
    // script, or to load another preload, is refused before anything is hashed or started.
    const [{ launchedFiles, moduleNames }, { fileURLToPath }] = await Promise.all([import('../../src/artifact/local.js'), import('node:url')]);
    const written = parseLaunch(server.transport.command, server.transport.args);
    // Code the line or its environment runs besides the pinned files (src/artifact/local-run.ts).
    const why = otherCode(launch, command, args, env, lockDir);
    if (why !== undefined) throw new RunError('NOT_PINNED', `${who}: ${why}; it could run code the lock's local pin does not name. Change that and lock it again. Nothing was started`);
    const runs = launchedFiles(launch, written, lockDir);
    if (runs === undefined) throw new RunError('NOT_PINNED', `${who}: its launch line reads differently once its variables are expanded; lock it again. Nothing was started`);
    const pinned = (artifact.files ?? []).map((f) => f.path);
    const unpinned = runs.filter((p) => !pinned.includes(p));
    if (unpinned.length > 0) throw new RunError('NOT_PINNED', `${who}: its launch line runs ${unpinned.map((p) => printable(p, 200)).join(', ')}, which the lock's local pin does not name; lock it again. Nothing was started`);
    const notRun = pinned.filter((p) => !runs.includes(p));
    if (notRun.length > 0) throw new RunError('NOT_PINNED', `${who}: the lock's local pin names ${notRun.map((p) => printable(p, 200)).join(', ')}, which its launch line does not run; lock it again. Nothing was started`);
    // A preload named as a module runs code the pin does not digest (it resolves from
    // node_modules): the pin records which ones the locked line loads, and no other is loaded.
    const modules = written.kind === 'local' ? moduleNames(written.modulePreloads ?? []) : [];
    const variable = modules.find((m) => m.includes('${'));
    if (variable !== undefined) throw new RunError('NOT_PINNED', `${who}: its module preload ${printable(variable, 200)} is named through a variable, so the lockfile does not fix which module runs; name it in the line and lock it again. Nothing was started`);
    const pinnedModules = artifact.modules ?? [];
    const added = modules.filter((m) => !pinnedModules.includes(m));
    if (added.length > 0) throw new RunError('NOT_PINNED', `${who}: its launch line loads the module preload ${added.map((m) => printable(m, 200)).join(', ')}, which the lock's local pin does not name${artifact.modules === undefined ? ' (a lockfile written before module preloads were pinned names none)' : ''}; lock it again. Nothing was started`);
    const dropped = pinnedModules.filter((m) => !modules.includes(m));
    if (dropped.length > 0) throw new RunError('NOT_PINNED', `${who}: the lock's local pin names the module preload ${dropped.map((m) => printable(m, 200)).join(', ')}, which its launch line does not load; lock it again. Nothing was started`);
    const files = verifyLocalFiles(artifact, name, lookup);
    start = { command: launch.kind === 'path' ? (spawnedFile(command, env.PATH, lockDir, env.PATHEXT) ?? command) : command, args };
    Object.assign(report, { files: files.length });
  }
  report.command = [start.command, ...start.args];

  if (options.dryRun) {
    const { redactSecrets } = await import('../../src/mcp/target.js');
    const secrets = [...substituted, ...Object.values(declared)].filter((s) => s.length >= 5);
    const line = (report.command as string[]).map((a) => redactSecrets(a, secrets));
    report.command = line;
    if (options.format === 'json') io.stdout.write(`${safeJson({ verified: true, started: false, ...report })}\n`);
    else {
      const what = artifact.type === 'npm' ? `${printable(String(report.package), 200)}: ${report.packages} package(s), ${report.files} file(s) verified${report.reused ? ' (kept install re-verified)' : ''} in ${printable(String(report.dir), 300)}` : `${report.files} local file(s) verified`;
      io.stdout.write(`${who}: ${what}\nwould start: ${line.map((a) => printable(a, 300)).join(' ')}\n`);
    }
    return EXIT.OK;
  }

  // 4. Start it, stdio passed through; from here the exit code is the server's.
  const { runPassthrough } = await import('../../src/mcp/passthrough.js');
  const exit = await runPassthrough({ command: start.command, args: start.args, env, cwd: lockDir, interactive: io.stdin?.isTTY === true });
  return exit.code;
}
