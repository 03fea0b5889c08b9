import { readFileBounded } from '../src/util/fs.js';
import { printable } from '../src/util/text.js';
import { UsageError } from '../src/errors.js';
import type { NamedTarget } from '../src/mcp/target.js';
import type { IO } from './io.js';
import { join, resolve } from 'node:path';
import { statSync } from 'node:fs';
import { envValue, RESERVED_NAME } from '../src/util/record.js';

export interface ServerOptions {
  url?: string;
  transport: 'auto' | 'streamable-http' | 'sse';
  header: string[];
  config?: string;
  /** lock --discover: every server of every agent config found (see `mcptrust discover`). */
  discover?: boolean;
  server: string[];
  env: string[];
  name?: string;
  /**
   * How each live stdio server's launch is pinned (which code it runs). Undefined: pinned, with
   * the current folder as the lockfile's folder (lock, diff and check pass the real one).
   */
  pinning?: PinSettings;
}

/** Artifact pinning of live launches (src/artifact): lock, diff and check share it. */
export interface PinSettings {
  /** False under --no-pin: no registry is asked; each stdio server records `unpinned`. */
  enabled: boolean;
  /** The lockfile's folder: local files and paths inside it are recorded relative to it. */
  lockDir: string;
  /** --expected-source: handed to provenance verification. */
  expectedSource?: RegExp;
}

/** The `unpinned` note of a server whose launch was not pinned because --no-pin was given. */
export const NO_PIN_NOTE = 'pinning skipped (--no-pin)';

/** --expected-source REGEX, compiled (a pattern that does not compile is a usage error, exit 2). */
export function expectedSourcePattern(raw: string | undefined): RegExp | undefined {
  if (raw === undefined) return undefined;
  try {
    return new RegExp(raw);
  } catch {
    throw new UsageError('USAGE', '--expected-source is not a valid regular expression');
  }
}

/**
 * Turns the server flags of lock/diff/check into targets: exactly one of a command after
 * `--`, `--url`, or `--config`.
 */
export async function resolveTargets(command: string[], given: Partial<ServerOptions>, io: IO): Promise<NamedTarget[]> {
  // Repeatable flags are undefined when not given (so --help shows no "(default: [])").
  const options: ServerOptions = { transport: 'auto', ...given, header: given.header ?? [], server: given.server ?? [], env: given.env ?? [] };
  const sources = [command.length > 0, options.url !== undefined, options.config !== undefined, options.discover === true].filter(Boolean).length;
  if (sources === 0) throw new UsageError('USAGE', 'say which server to read: -- CMD ARGS..., --url URL, or --config FILE');
  if (sources > 1) throw new UsageError('USAGE', `give only one of: -- CMD ARGS..., --url URL, --config FILE${options.discover !== undefined ? ', --discover' : ''}`);
  if (options.server.length > 0 && !options.config && !options.discover) throw new UsageError('USAGE', '--server only goes with --config');
  if (options.header.length > 0 && !options.url) throw new UsageError('USAGE', '--header only goes with --url (a config file declares its own headers)');
  if (options.env.length > 0 && command.length === 0) throw new UsageError('USAGE', '--env only goes with a server command after --');
  if (options.name !== undefined && options.name.trim() === '') throw new UsageError('USAGE', '--name must not be empty');

  if (options.config || options.discover) {
    const { readAgentConfig, resolveEntry, selectServers, parseEnvFile, applyEnvFile, MAX_CONFIG_BYTES } = await import('../src/config/agent-config.js');
    if (options.name) throw new UsageError('USAGE', `--name does not go with ${options.config ? '--config (servers keep their config names)' : '--discover (servers are named by their discover id)'}`);
    let label: string;
    let entries: { name: string; entry: import('../src/config/agent-config.js').ConfigEntry }[];
    if (options.config) {
      const path = resolve(io.cwd, options.config);
      const text = readFileBounded(path, MAX_CONFIG_BYTES, 'config').toString('utf8');
      label = options.config;
      // The home folder's own files (~/.cursor/mcp.json) are read as the user configs they are.
      const platform = process.platform === 'win32' || process.platform === 'darwin' ? process.platform : 'linux';
      const ctx = { platform, env: io.env, cwd: io.cwd, join } as const;
      entries = readAgentConfig(text, options.config, io.cwd, ctx).map((entry) => ({ name: entry.name, entry }));
    } else {
      entries = await discoveredEntries(io);
      label = 'the discovered configs';
    }
    // Variables are expanded for the selected servers only: a ${input:…} or an unset variable
    // in another server does not block them.
    const selected = selectServers(entries, options.server, label);
    // VS Code's envFile: read here, at the edge, bounded; its values are secrets like env's. Its
    // path is shown as the config writes it: a ${VAR} in it may hold a secret.
    return selected.map(({ name, entry }) => {
      const server = { ...resolveEntry(entry, io.env), name };
      if (server.envFile === undefined) return server;
      const written = entry.spec.kind === 'stdio' && entry.spec.envFile !== undefined ? printable(entry.spec.envFile, 200) : 'envFile';
      const where = `${label}: server "${printable(server.name, 60)}" envFile ${written}`;
      const bytes = readFileBounded(server.envFile, 1024 * 1024, `envFile of server "${printable(server.name, 60)}" in ${label}:`, 0, written);
      return applyEnvFile(server, parseEnvFile(bytes.toString('utf8'), where));
    });
  }
  if (options.url) {
    let url: URL;
    try {
      url = new URL(options.url);
    } catch {
      // Not echoed: a URL may carry a token, and this one did not even parse.
      throw new UsageError('USAGE', '--url is not a valid URL (expected http://host[:port]/path or https://…)');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError('USAGE', `--url must be http:// or https://, not ${url.protocol}`);
    const { expandVariables } = await import('../src/config/agent-config.js');
    const headers: Record<string, string> = {};
    for (const raw of options.header) {
      const colon = raw.indexOf(':');
      const name = colon > 0 ? raw.slice(0, colon).trim() : '';
      // The value is never echoed: "Authorization Bearer sk-…" (colon forgotten) is all secret.
      if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) throw new UsageError('USAGE', `--header #${options.header.indexOf(raw) + 1} must look like "Name: value" (a token name, a colon, the value)`);
      if (name === RESERVED_NAME) throw new UsageError('USAGE', `--header ${RESERVED_NAME}: that name cannot be sent`);
      const value = expandVariables(raw.slice(colon + 1).trim(), io.env, `--header ${name}`);
      if (/[\r\n\0]/.test(value)) throw new UsageError('USAGE', `--header ${name}: the value contains a line break or NUL, which HTTP does not allow`);
      headers[name] = value;
    }
    return [{ name: options.name, target: { kind: 'http', url: options.url, headers, transport: options.transport } }];
  }
  const env: Record<string, string> = {};
  for (const [i, pair] of options.env.entries()) {
    const { key, value = envValue(io.env, key) } = parseEnvFlag(pair, i);
    if (value === undefined) throw new UsageError('USAGE', `--env ${key}: ${key} is not set in mcptrust's environment (give NAME=value, or export it)`);
    env[key] = value;
  }
  const [cmd, ...args] = command;
  return [{ name: options.name, target: { kind: 'stdio', command: cmd!, args, env, cwd: io.cwd } }];
}

/**
 * `lock --discover`: every server `mcptrust discover` lists, named by its id. Fails closed: a
 * config file that exists but cannot be read or parsed, or a malformed entry, is an input error
 * (exit 2), since locking "everything" minus a broken file would pin less than the agents run.
 */
async function discoveredEntries(io: IO): Promise<{ name: string; entry: import('../src/config/agent-config.js').ConfigEntry }[]> {
  const [{ gatherDiscovery }, { ConfigError }] = await Promise.all([import('./commands/discover.js'), import('../src/config/agent-config.js')]);
  const discovery = await gatherDiscovery(io);
  if (discovery.problems.length > 0) {
    const [first, ...rest] = discovery.problems;
    const more = rest.length > 0 ? ` (and ${rest.length} more problem${rest.length === 1 ? '' : 's'}; see mcptrust discover)` : '';
    throw new ConfigError('MALFORMED_CONFIG', `${printable(first!.message, 400)}${more}; nothing locked`);
  }
  if (discovery.servers.length === 0) throw new ConfigError('NO_SERVERS', 'no MCP servers found in the agent configs of this machine and folder (see mcptrust discover)');
  return discovery.servers.map((s) => ({ name: s.id, entry: s.entry }));
}

/**
 * Reads live servers (with a spinner on a terminal) into an in-memory lockfile: the one path
 * lock, diff, policy and check share. Two servers that end up with the same name are an error.
 */
export async function readLive(
  targets: NamedTarget[],
  options: { timeout: number; maxItems: number; discover?: boolean; config?: string; pinning?: PinSettings },
  io: IO,
): Promise<{ lock: import('../src/lockfile/types.js').Lockfile; notes: { server: string; note: string }[] }> {
  // Pinning (registry round trips, file digests) runs while the servers are read.
  const pinning = pinLaunches(targets, options.pinning ?? { enabled: true, lockDir: io.cwd }, io);
  const [{ readServers, DEFAULT_LIMITS }, { redactUrl }, { createLockfile }, { startProgress }, { printable }] = await Promise.all([
    import('../src/mcp/index.js'),
    import('../src/mcp/target.js'),
    import('../src/lockfile/build.js'),
    import('./progress.js'),
    import('../src/util/text.js'),
  ]);
  const progress = await startProgress(io, `connecting to ${targets.length === 1 ? 'the server' : `${targets.length} servers`}`);
  let read;
  try {
    read = await readServers(targets, { ...DEFAULT_LIMITS, timeoutMs: options.timeout, maxItems: options.maxItems }, {
      parentEnv: io.env,
      // The label may be a config name or a URL: escaped, and the URL without its secrets.
      onServer: (label, message) => progress.update(`${printable(redactUrl(label), 60)}: ${message}`),
    });
  } catch (error) {
    // A registry that could not be used (exit 3 too) says more than the server launch that
    // failed with it; a launch that cannot be pinned because it cannot start stays exit 3.
    const pinFailure = await pinning.failure();
    pinning.abort();
    throw pinFailure instanceof Error && (pinFailure as { kind?: string }).kind === 'server' ? pinFailure : error;
  } finally {
    progress.stop();
  }
  const pins = await pinning.result;
  const { portableTransport } = await import('../src/lockfile/launch-paths.js');
  const lockDir = (options.pinning ?? { lockDir: io.cwd }).lockDir;
  read.servers.forEach((server, i) => {
    if (pins[i] === undefined) return;
    server.artifact = pins[i];
    server.transport = portableTransport(server.transport, lockDir);
  });
  const names = new Set<string>();
  for (const server of read.servers) {
    if (names.has(server.name)) {
      const hint = options.discover
        ? 'pick one with --server ID, or lock its agent config alone with --config FILE'
        : options.config
          ? 'rename one in the config'
          : 'give one a --name';
      throw new UsageError('USAGE', `two servers are both named "${printable(server.name, 80)}"; ${hint}`);
    }
    names.add(server.name);
  }
  return { lock: createLockfile(read.servers), notes: read.notes };
}

/**
 * Reads the live servers named by the flags and lines them up with a lockfile as diff, policy
 * and check all do (src/diff/align.ts): one live server against the locked server of the same
 * name (or the lock's only one); `--config --server` against the selected servers; a whole
 * `--config` against the whole lock. Notes from the read and the alignment are returned.
 */
export async function readLiveAligned(
  command: string[],
  options: Partial<ServerOptions> & { timeout: number; maxItems: number },
  lock: import('../src/lockfile/types.js').Lockfile,
  lockName: string,
  io: IO,
  /** The lockfile's path (from io.cwd): each wrapped entry's proxy must enforce it (see proxyFindings). */
  lockPath?: string,
): Promise<{ before: import('../src/lockfile/types.js').Lockfile; after: import('../src/lockfile/types.js').Lockfile; notes: string[]; servers: number; findings: ServerFinding[] }> {
  const targets = await resolveTargets(command, options, io);
  const { alignLive } = await import('../src/diff/align.js');
  const read = await readLive(targets, options, io);
  const aligned = alignLive(lock, read.lock, {
    single: options.config === undefined,
    named: options.name !== undefined,
    selected: options.server ?? [],
    lockName,
  });
  return {
    before: aligned.before,
    after: aligned.after,
    notes: [...aligned.notes, ...read.notes.map(({ server, note }) => `${server}: ${note}`)],
    servers: targets.length,
    findings: lockPath === undefined ? [] : proxyFindings(targets, resolve(io.cwd, lockPath), lockPath),
  };
}

export type ServerFinding = import('../src/diff/artifact.js').ServerFinding;

/**
 * A config entry wrapped by `mcptrust proxy` is compared with the lockfile as the server after
 * its `--`; at run time its proxy enforces the lockfile and server its own `--lock` and
 * `--server` name. Each entry whose proxy would enforce another lockfile (or one that cannot be
 * told from here), or another server's surface, is a finding: the gate the check passed is not
 * the one the agent runs.
 */
function proxyFindings(targets: readonly NamedTarget[], lockPath: string, shown: string): ServerFinding[] {
  const findings: ServerFinding[] = [];
  let checked: { dev: number; ino: number } | undefined;
  try {
    checked = statSync(lockPath);
  } catch {
    // read already (or the command failed before here); left undefined: no file matches it
  }
  for (const target of targets) {
    const proxy = (target as { proxy?: import('../src/config/agent-config.js').ConfigServer['proxy'] }).proxy;
    if (proxy === undefined || target.name === undefined) continue;
    const named = `its mcptrust proxy enforces the lockfile ${printable(proxy.lock, 200)}`;
    const problems: string[] = [];
    if (proxy.lockPath === undefined) {
      problems.push(`${named}, which cannot be told from here (a relative path the agent takes from its own folder, or a variable that is not set): write it as an absolute path, as mcptrust wrap does`);
    } else {
      let enforced: { dev: number; ino: number } | undefined;
      try {
        enforced = statSync(proxy.lockPath);
      } catch {
        problems.push(`${named}, which does not exist: the proxy would refuse to start`);
      }
      if (enforced && !(checked && enforced.dev === checked.dev && enforced.ino === checked.ino)) problems.push(`${named}, not the checked ${printable(shown, 200)}`);
    }
    if (!(proxy.servers.length === 1 && proxy.servers[0] === target.name)) {
      const which = proxy.servers.length === 0 ? 'no lockfile server (no --server)' : `the lockfile server ${proxy.servers.map((s) => `"${printable(s, 60)}"`).join(', ')}`;
      problems.push(`its mcptrust proxy enforces ${which}, not "${printable(target.name, 60)}", the server it was checked as`);
    }
    for (const reason of problems) findings.push({ server: target.name, severity: 'high', field: 'transport.proxy', reason });
  }
  return findings;
}

/**
 * One --env flag (lock, diff, check, proxy, run): `NAME=value`, or `NAME` alone, whose value
 * (undefined here) comes from mcptrust's own environment, so a secret need not sit in an agent
 * config's args. A bad name or a NUL is a usage error; the value is never echoed, the name only
 * when it is one.
 */
export function parseEnvFlag(pair: string, index: number): { key: string; value: string | undefined } {
  const eq = pair.indexOf('=');
  const key = eq > 0 ? pair.slice(0, eq) : eq === -1 ? pair : '';
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new UsageError('USAGE', `--env #${index + 1} must look like NAME=value or NAME (NAME: letters, digits, _)`);
  if (key === RESERVED_NAME) throw new UsageError('USAGE', `--env ${RESERVED_NAME}: that name cannot be passed to a server`);
  if (pair.includes('\0')) throw new UsageError('USAGE', `--env ${key}: the value contains a NUL character`);
  return { key, value: eq === -1 ? undefined : pair.slice(eq + 1) };
}

/**
 * Starts pinning every stdio target's launch (HTTP servers have no artifact): each settles to its
 * pin, and the first failure (a registry that cannot be used: exit 3; a bad spec: exit 2) is
 * thrown by `result`, naming the server when there are several. `abort` stops the registry work
 * when the servers could not be read anyway.
 */
function pinLaunches(
  targets: NamedTarget[],
  settings: PinSettings,
  io: IO,
): { result: Promise<(import('../src/artifact/types.js').ArtifactPin | undefined)[]>; abort: () => void; failure: () => Promise<unknown> } {
  const controller = new AbortController();
  const result = (async () => {
    if (!settings.enabled) return targets.map((t) => (t.target.kind === 'stdio' ? { type: 'unpinned' as const, note: NO_PIN_NOTE } : undefined));
    const { pinLaunch, ArtifactError } = await import('../src/artifact/index.js');
    const settled = await Promise.allSettled(
      targets.map(async ({ target }) => {
        if (target.kind !== 'stdio') return undefined;
        return pinLaunch(
          { command: target.command, args: target.args, written: target.written },
          { cwd: target.cwd ?? io.cwd, lockDir: settings.lockDir, env: { ...io.env, ...target.env }, signal: controller.signal, expectedSource: settings.expectedSource },
        );
      }),
    );
    const failed = settled.findIndex((s) => s.status === 'rejected');
    if (failed !== -1) {
      const error = (settled[failed] as PromiseRejectedResult).reason;
      if (targets.length > 1 && error instanceof ArtifactError) {
        const target = targets[failed]!;
        const label = target.name ?? (target.target.kind === 'stdio' ? (target.target.written?.command ?? target.target.command) : '');
        throw new ArtifactError(error.kind as 'server' | 'input', error.code, `server "${printable(label, 60)}": ${error.message}`);
      }
      throw error;
    }
    return settled.map((s) => (s as PromiseFulfilledResult<import('../src/artifact/types.js').ArtifactPin | undefined>).value);
  })();
  // Awaited only after the servers were read: a failure must not go unhandled meanwhile.
  let failed: unknown;
  result.catch((error: unknown) => (failed = error));
  // The pinning error, if pinning fails within a moment of the servers failing (else undefined).
  const failure = async () => {
    await Promise.race([result.catch(() => undefined), new Promise((r) => setTimeout(r, 2000).unref())]);
    return failed;
  };
  return { result, abort: () => controller.abort(), failure };
}
