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
  const [{ UsageError }, { parseEnvFlag }] = await Promise.all([import('../../src/errors.js'), import('../servers.js')]);
  const flags: Record<string, string> = {};
  for (const [i, pair] of given.entries()) {
    const { key, value } = parseEnvFlag(pair, i);
    if (!names.includes(key)) throw new UsageError('USAGE', `--env ${key}: server "${printable(server, 60)}" declares no such variable in the lock (it declares: ${names.length === 0 ? 'none' : names.map((n) => printable(n, 60)).join(', ')})`);
    if (value !== undefined) flags[key] = value;
    else if (io.env[key] !== undefined) flags[key] = io.env[key];
    else throw new UsageError('USAGE', `--env ${key}: not set in the environment (give --env ${key}=value)`);
  }
  const env: Record<string, string> = {};
  for (const name of names) {
    const value = Object.hasOwn(flags, name) ? flags[name] : io.env[name];
    if (value === undefined) {
      throw new UsageError('USAGE', `server "${printable(server, 60)}" declares the environment variable ${printable(name, 60)}, which is not set: set it or pass --env ${printable(name, 60)}=…`);
    }
    env[name] = value;
  }
  return env;
}

/** Interpreters that read --env-file as node does. */
const NODE_LIKE = new Set(['node', 'nodejs', 'tsx', 'ts-node']);

/** Watch modes (node, tsx, bun, deno): the script is rerun when a file changes. */
const WATCH = /^--(?:watch|watch-path|watch-preserve-output|hot)(?:=|$)/;

/** Inspector flags (node, deno, bun): a debugger port through which whoever reaches it runs any code in the server. */
const INSPECTOR = /^--(?:inspect|inspect-brk|inspect-wait|inspect-port|debug-port)(?:=|$)/;

/**
 * Variables through which the dynamic loader, a shell, perl, ruby, python or a JVM runs code
 * before the script: the server's environment may not set them. (NODE_OPTIONS is read option by
 * option, below.)
 */
const LOADER_VARIABLES = ['LD_PRELOAD', 'LD_AUDIT', 'DYLD_INSERT_LIBRARIES', 'BASH_ENV', 'ENV', 'PERL5OPT', 'PERL5DB', 'RUBYOPT', 'PYTHONPATH', 'PYTHONHOME', 'JAVA_TOOL_OPTIONS', '_JAVA_OPTIONS', 'JDK_JAVA_OPTIONS'];

/** NODE_OPTIONS options that load no code and open nothing: flags, and options that take a value. */
const NODE_OPTIONS_FLAGS = new Set(['--no-warnings', '--enable-source-maps', '--no-deprecation', '--trace-warnings', '--trace-deprecation', '--throw-deprecation', '--pending-deprecation', '--trace-uncaught', '--expose-gc', '--preserve-symlinks', '--preserve-symlinks-main', '--experimental-vm-modules', '--use-openssl-ca', '--use-bundled-ca', '--frozen-intrinsics', '--disallow-code-generation-from-strings', '--no-addons', '--no-experimental-fetch', '--experimental-strip-types', '--tls-min-v1.2', '--tls-min-v1.3', '--force-fips', '--enable-fips', '--openssl-legacy-provider', '--report-on-fatalerror', '--abort-on-uncaught-exception', '--experimental-global-webcrypto', '--experimental-fetch', '--no-experimental-global-navigator', '--trace-exit', '--trace-sigint', '--zero-fill-buffers', '--jitless', '--no-network-family-autoselection']);
const NODE_OPTIONS_VALUES = new Set(['--max-old-space-size', '--max-semi-space-size', '--stack-size', '--title', '--unhandled-rejections', '--disable-warning', '--dns-result-order', '--conditions', '-C', '--max-http-header-size', '--secure-heap', '--secure-heap-min', '--diagnostic-dir', '--input-type', '--experimental-default-type', '--tls-cipher-list', '--heapsnapshot-near-heap-limit', '--use-largepages', '--network-family-autoselection-attempt-timeout']);

/** NODE_OPTIONS split as node splits it: on white space outside double quotes, `\` escaping inside them. */
function nodeOptionWords(value: string): string[] {
  const words: string[] = [];
  let word = '';
  let quoted = false;
  let started = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (quoted && c === '\\' && i + 1 < value.length) {
      word += value[++i];
    } else if (c === '"') {
      quoted = !quoted;
      started = true;
    } else if (!quoted && /\s/.test(c)) {
      if (started) words.push(word);
      word = '';
      started = false;
    } else {
      word += c;
      started = true;
    }
  }
  if (started) words.push(word);
  return words;
}

/** The first NODE_OPTIONS word that is not an option known to load no code (undefined: none). */
function riskyNodeOption(value: string): string | undefined {
  const words = nodeOptionWords(value);
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    const eq = word.indexOf('=');
    // node reads "_" as "-" in an option's name.
    const name = (eq === -1 ? word : word.slice(0, eq)).replace(/_/g, '-');
    if (NODE_OPTIONS_FLAGS.has(name) && eq === -1) continue;
    if (NODE_OPTIONS_VALUES.has(name)) {
      if (eq === -1) i++;
      continue;
    }
    return word;
  }
  return undefined;
}

/**
 * The "name" of the package.json nearest to `dir` (node's package scope for a self-reference),
 * undefined when there is none or it has no name. `read` gives a file's text, undefined when it
 * does not exist ('' for one too large or not a file: no scope is guessed from it).
 */
function ownPackageName(dir: string, read: (path: string) => string | undefined): string | undefined {
  for (let at = dir, depth = 0; depth < 64; depth++) {
    const text = read(`${at}/package.json`);
    if (text !== undefined) {
      try {
        const name = (JSON.parse(text) as { name?: unknown }).name;
        return typeof name === 'string' && name !== '' ? name : undefined;
      } catch {
        return undefined;
      }
    }
    const parent = at.replace(/[/\\][^/\\]*$/, '');
    if (parent === at || parent === '') return undefined;
    at = parent;
  }
  return undefined;
}

/** Bound on an --env-file read for NODE_OPTIONS: a larger one is refused, not read in part. */
const MAX_ENV_FILE_BYTES = 4 * 1024 * 1024;

/**
 * What in a local line or its environment can run code the pin does not name: the inspector or a
 * watch mode opened by an option before the script; a variable of the server's environment
 * through which a loader or interpreter runs code (LOADER_VARIABLES); a NODE_OPTIONS with any
 * option not known to load no code; for node lines, an --env-file that sets NODE_OPTIONS (`read`
 * gives an env file's bytes, or undefined past the bound; one that cannot be read node reports
 * itself). `script` is the index of the script in `args`: what follows it is the server's own.
 */
function lineLoadsOtherCode(interpreter: string | undefined, args: readonly string[], script: number, env: Record<string, string | undefined>, read: (file: string) => string | undefined): string | undefined {
  const before = args.slice(0, script);
  const inspector = before.find((arg) => INSPECTOR.test(arg.replace(/_/g, '-')));
  if (inspector !== undefined) return `it opens the inspector (${printable(inspector, 100)}), a debugger port through which whoever reaches it runs code in the server`;
  const watch = before.find((arg) => WATCH.test(arg));
  if (watch !== undefined) return `it runs in watch mode (${printable(watch, 100)}), which reruns the server with whatever its files hold when they change, after they were verified`;
  const variable = LOADER_VARIABLES.find((name) => env[name] !== undefined && env[name] !== '');
  if (variable !== undefined) return `its environment sets ${variable}, through which code runs before the server's own`;
  if (env.NODE_OPTIONS !== undefined) {
    const option = riskyNodeOption(env.NODE_OPTIONS);
    if (option !== undefined) return `its NODE_OPTIONS has ${printable(option, 100)}, not an option known to load no code (such as --require, --import, a loader, the inspector or a snapshot)`;
  }
  if (!NODE_LIKE.has(interpreter ?? '')) return undefined;
  for (let i = 0; i < script; i++) {
    const arg = args[i]!;
    const file = arg === '--env-file' || arg === '--env-file-if-exists' ? args[i + 1] : /^--env-file(?:-if-exists)?=/.test(arg) ? arg.slice(arg.indexOf('=') + 1) : undefined;
    if (file === undefined) continue;
    let text: string | undefined;
    try {
      text = read(file);
    } catch {
      continue;
    }
    if (text === undefined) return `its env file ${printable(file, 200)} is not a regular file of at most ${MAX_ENV_FILE_BYTES / 1024 / 1024} MiB, so it cannot be checked for NODE_OPTIONS`;
    // node 20 drops every carriage return before it reads the lines; read both ways.
    const setsNodeOptions = /^[ \t]*(?:export[ \t]+)?NODE_OPTIONS[ \t]*[=:]/m;
    if (setsNodeOptions.test(text) || setsNodeOptions.test(text.replace(/\r/g, ''))) return `its env file ${printable(file, 200)} sets NODE_OPTIONS`;
  }
  return undefined;
}

async function runRun(options: RunOptions, ctx: CommandContext): Promise<number> {
  const { io } = ctx;
  const [{ dirname, join, resolve, isAbsolute, delimiter }, { tmpdir }, { statSync, accessSync, readFileSync, existsSync, constants: fsConstants }, { UsageError }, { RunError, installNpmArtifact, verifyLocalFiles }, { parseLockfileBytes }, { MAX_SIGNED_LOCKFILE_BYTES }, { readLockfileBytes }] =
    await Promise.all([
      import('node:path'),
      import('node:os'),
      import('node:fs'),
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
  const { parseLaunch } = await import('../../src/launch/index.js');
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
    const onPath = (name: string): string | undefined => {
      for (const dir of (env.PATH ?? '').split(delimiter)) {
        if (dir === '') continue;
        const candidate = resolve(lockDir, dir, name);
        try {
          if (statSync(candidate).isFile()) {
            if (process.platform !== 'win32') accessSync(candidate, fsConstants.X_OK);
            return candidate;
          }
        } catch {
          // not here: keep looking
        }
      }
      return undefined;
    };
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
      return onPath(path) ?? resolve(lockDir, path);
    };
    // The pinned files must be the very files this line runs: a line edited to run another
    // script, or to load another preload, is refused before anything is hashed or started.
    const [{ launchedFiles }, { fileURLToPath }] = await Promise.all([import('../../src/artifact/local.js'), import('node:url')]);
    const written = parseLaunch(server.transport.command, server.transport.args);
    // The interpreter is a command found on PATH or named by an absolute path: one given as a
    // path inside the folder (`./node`) is a file the pin does not name.
    if (launch.kind === 'local' && launch.interpreter !== undefined && (command.includes('/') || command.includes('\\')) && !isAbsolute(command)) {
      throw new RunError('NOT_PINNED', `${who}: its interpreter ${printable(command, 200)} is a file of the folder, which the lock's local pin does not name; start it by name (found on PATH) or by an absolute path and lock it again. Nothing was started`);
    }
    // bun reads bunfig.toml from its working folder, and runs its preloads before the script.
    if (launch.kind === 'local' && launch.interpreter === 'bun' && existsSync(join(lockDir, 'bunfig.toml'))) {
      throw new RunError('NOT_PINNED', `${who}: bun reads ${printable(join(lockDir, 'bunfig.toml'), 300)}, which can preload code the lock's local pin does not name; remove it or run the server another way. Nothing was started`);
    }
    // A module preload named as the folder's own package (`--import=srvpkg`, package.json
    // "name": "srvpkg") resolves through its "exports" to a file of the folder the pin does not name.
    const own = launch.kind === 'local' && launch.modulePreloads !== undefined ? ownPackageName(lockDir, (path) => {
      const st = statSync(path, { throwIfNoEntry: false });
      return st?.isFile() && st.size <= 1024 * 1024 ? readFileSync(path, 'utf8') : st === undefined ? undefined : '';
    }) : undefined;
    const self = own === undefined ? undefined : (launch as { modulePreloads?: string[] }).modulePreloads?.find((m) => m === own || m.startsWith(`${own}/`));
    if (self !== undefined) throw new RunError('NOT_PINNED', `${who}: its preload ${printable(self, 200)} is the folder's own package, a file reached through package.json "exports" that the lock's local pin does not name; name the file by its path and lock it again. Nothing was started`);
    // Code the line or its environment runs besides the pinned files: a debugger port, a watch
    // mode, a loader variable, NODE_OPTIONS, an env file that sets NODE_OPTIONS.
    const script = launch.kind === 'local' ? Math.max(0, launch.fileArgIndex) : 0;
    const why = lineLoadsOtherCode(launch.kind === 'local' ? launch.interpreter : undefined, args, script, env, (file) => {
      const path = resolve(lockDir, file);
      const st = statSync(path);
      return st.isFile() && st.size <= MAX_ENV_FILE_BYTES ? readFileSync(path, 'utf8') : undefined;
    });
    if (why !== undefined) throw new RunError('NOT_PINNED', `${who}: ${why}; it could run code the lock's local pin does not name. Remove it from the launch line or the environment and lock it again. Nothing was started`);
    const runs = launchedFiles(launch, written, lockDir);
    if (runs === undefined) throw new RunError('NOT_PINNED', `${who}: its launch line reads differently once its variables are expanded; lock it again. Nothing was started`);
    const pinned = (artifact.files ?? []).map((f) => f.path);
    const unpinned = runs.filter((p) => !pinned.includes(p));
    if (unpinned.length > 0) throw new RunError('NOT_PINNED', `${who}: its launch line runs ${unpinned.map((p) => printable(p, 200)).join(', ')}, which the lock's local pin does not name; lock it again. Nothing was started`);
    const notRun = pinned.filter((p) => !runs.includes(p));
    if (notRun.length > 0) throw new RunError('NOT_PINNED', `${who}: the lock's local pin names ${notRun.map((p) => printable(p, 200)).join(', ')}, which its launch line does not run; lock it again. Nothing was started`);
    const files = verifyLocalFiles(artifact, name, lookup);
    start = { command: launch.kind === 'path' ? (onPath(command) ?? command) : command, args };
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
