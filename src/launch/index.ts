/**
 * A stdio launch line (command + args) → what it starts: an npm package, a Python package, a
 * container image, a local script or binary, a command found on PATH, or unknown. Pure: reads
 * nothing but the line. Launch lines are attacker-influenced text (a shared config): no RegExp
 * here is built from them, and every pattern is linear.
 */
import { scanOptions, set, type OptionTable, type ScannedOptions } from './options.js';
import type { Launch } from './types.js';

export type { Launch, NpmLaunch, PythonLaunch, ContainerLaunch, LocalLaunch, PathLaunch, UnknownLaunch } from './types.js';

/** `npx.cmd` → `npx`, `/usr/bin/python3.12` → `python3.12`, `C:\…\node.exe` → `node`. */
export function launcherName(command: string): string {
  const base = command.slice(Math.max(command.lastIndexOf('/'), command.lastIndexOf('\\')) + 1);
  const lower = base.toLowerCase();
  for (const ext of ['.exe', '.cmd', '.bat', '.ps1']) if (lower.endsWith(ext)) return base.slice(0, -ext.length);
  return base;
}

/** Whether a command names a file by path rather than a name to look up on PATH. */
export function isPathLike(command: string): boolean {
  return command.includes('/') || command.includes('\\');
}

/** Classifies a launch line. */
export function parseLaunch(command: string, args: readonly string[]): Launch {
  if (command === '') return { kind: 'unknown', note: 'empty command' };
  const name = launcherName(command);
  switch (name) {
    case 'npx':
      return parseNpx('npx', args, 0);
    case 'npm':
      if (args[0] === 'exec' || args[0] === 'x') return parseNpx('npm exec', args, 1);
      return unknownForm('npm', args);
    case 'pnpm':
      return args[0] === 'dlx' ? parseDlx('pnpm dlx', args, 1, PNPM_DLX) : unknownForm('pnpm', args);
    case 'pnpx':
      return parseDlx('pnpx', args, 0, PNPM_DLX);
    case 'yarn':
      return args[0] === 'dlx' ? parseDlx('yarn dlx', args, 1, YARN_DLX) : unknownForm('yarn', args);
    case 'bunx':
      return parseDlx('bunx', args, 0, BUNX);
    case 'bun':
      if (args[0] === 'x') return parseDlx('bunx', args, 1, BUNX);
      if (args[0] === 'run') return parseInterpreter('bun', args.slice(1), BUN, 1);
      return parseInterpreter('bun', args, BUN);
    case 'uvx':
      return parsePython('uvx', args, 0, UVX);
    case 'uv':
      if (args[0] === 'tool' && args[1] === 'run') return parsePython('uv tool run', args, 2, UVX);
      if (args[0] === 'run') return parseInterpreter('uv run', args.slice(1), UV_RUN, 1);
      return unknownForm('uv', args);
    case 'pipx':
      return args[0] === 'run' ? parsePython('pipx run', args, 1, PIPX) : unknownForm('pipx', args);
    case 'docker':
    case 'podman':
      return parseContainer(name, args);
    case 'node':
    case 'nodejs':
      return parseInterpreter(name, args, NODE);
    case 'deno':
      if (args[0] === 'run') return parseInterpreter('deno', args.slice(1), DENO, 1);
      return unknownForm('deno', args);
    case 'tsx':
    case 'ts-node':
      return parseInterpreter(name, args, TSX);
    case 'sh':
    case 'bash':
    case 'zsh':
    case 'dash':
      return parseInterpreter(name, args, SHELL);
    case 'ruby':
    case 'perl':
    case 'php':
      return parseInterpreter(name, args, SCRIPT);
    case 'java':
      if (args[0] === '-jar' && args[1] !== undefined) return { kind: 'local', interpreter: 'java', file: args[1], fileArgIndex: 1 };
      return unknownForm('java', args);
    default:
      // General-purpose runners: what they start is not named by a file of theirs, and the tool
      // itself differs between machines (digesting it would be drift on every other machine).
      if (RUNNERS.has(name.toLowerCase())) return unknownForm(name, args);
      if (isPython(name)) return parseInterpreter(name, args, PYTHON);
      if (isPathLike(command)) return { kind: 'local', file: command, fileArgIndex: -1 };
      return { kind: 'path', command };
  }
}

function unknownForm(launcher: string, args: readonly string[]): Launch {
  const sub = args[0] === undefined ? '' : ` ${clip(args[0])}`;
  return { kind: 'unknown', note: `${launcher}${sub}: not a launch form this version pins` };
}

function unknownOption(launcher: string, option: string): Launch {
  return { kind: 'unknown', note: `${launcher}: option ${clip(option)} is not one this version understands` };
}

const clip = (text: string) => (text.length > 40 ? `${text.slice(0, 40)}…` : text);

/** `python`, `python3`, `python3.12`, `py` (the Windows launcher). */
function isPython(name: string): boolean {
  if (name === 'py') return true;
  const prefix = name.startsWith('python') ? 'python' : name.startsWith('pypy') ? 'pypy' : undefined;
  if (prefix === undefined) return false;
  const version = name.slice(prefix.length);
  return [...version].every((c) => c === '.' || (c >= '0' && c <= '9'));
}

// npm's own options that may come before the package on an npx/npm exec line. Values: the
// options of `npm exec` that take one and the npm config keys people put on launch lines.
const NPM_VALUE_CONFIG = ['--registry', '--userconfig', '--cache', '--loglevel', '--prefix', '--node-options'];
const NPX: OptionTable = {
  values: set('-p', '--package', ...NPM_VALUE_CONFIG),
  flags: set('-y', '--yes', '--no', '--no-yes', '-q', '--quiet', '--silent', '-s', '--prefer-online', '--prefer-offline', '--offline', '--no-install', '--ignore-existing', '--legacy-peer-deps', '--no-update-notifier', '--no-fund', '--no-audit'),
};

/**
 * `npx [opts] <pkg> [args]`, `npx [opts] -p <pkg> [-p <pkg>…] <cmd> [args]`, and the same for
 * `npm exec`/`npm x` (whose usage puts a `--` before the package). Everything after the first
 * positional argument belongs to the command (npx's rule; for `npm exec` without `--`, npm
 * would read later options itself, which a launch line does not rely on).
 */
function parseNpx(launcher: string, args: readonly string[], start: number): Launch {
  const scan = scanOptions(args, start, NPX);
  if (scan.unknown !== undefined) return unknownOption(launcher, scan.unknown);
  const { packages, indexes } = packageOptions(scan);
  const config: Record<string, string> = {};
  for (const option of scan.options) {
    if (NPM_VALUE_CONFIG.includes(option.name) && option.value !== undefined) config[option.name.slice(2)] = option.value;
  }
  if (scan.options.some((o) => o.name === '--no' || o.name === '--no-yes' || o.name === '--no-install' || o.name === '--offline')) {
    return { kind: 'unknown', note: `${launcher}: runs only what is already installed (--no / --offline): nothing to pin from a registry` };
  }
  const first = args[scan.positional];
  if (packages.length === 0) {
    if (first === undefined) return { kind: 'unknown', note: `${launcher}: no package given` };
    return { kind: 'npm', launcher, packages: [first], packageArgIndexes: [scan.positional], config };
  }
  if (first === undefined) return { kind: 'unknown', note: `${launcher}: --package given without a command to run` };
  return { kind: 'npm', launcher, packages, packageArgIndexes: indexes, command: first, config };
}

/** The `-p`/`--package` values of a scan and the argument index of each. */
function packageOptions(scan: ScannedOptions): { packages: string[]; indexes: number[] } {
  const packages: string[] = [];
  const indexes: number[] = [];
  for (const option of scan.options) {
    if (option.name === '-p' || option.name === '--package') {
      packages.push(option.value!);
      indexes.push(option.index);
    }
  }
  return { packages, indexes };
}

const PNPM_DLX: OptionTable = {
  values: set('--package', '-C', '--dir', '--reporter', '--registry', '--config.registry', '--allow-build'),
  flags: set('-s', '--silent', '--shell-mode', '-c', '--prefer-offline', '--ignore-scripts'),
};
const YARN_DLX: OptionTable = { values: set('-p', '--package'), flags: set('-q', '--quiet') };
const BUNX: OptionTable = { values: set('-p', '--package'), flags: set('--bun', '--no-install', '--silent', '--verbose') };

/** `pnpm dlx`, `yarn dlx`, `bunx`: like npx, their `--package` values come before the command. */
function parseDlx(launcher: string, args: readonly string[], start: number, table: OptionTable): Launch {
  const scan = scanOptions(args, start, table);
  if (scan.unknown !== undefined) return unknownOption(launcher, scan.unknown);
  if (scan.options.some((o) => o.name === '-c' || o.name === '--shell-mode')) return { kind: 'unknown', note: `${launcher}: runs a shell command (--shell-mode): not pinned` };
  if (scan.options.some((o) => o.name === '--no-install')) return { kind: 'unknown', note: `${launcher}: runs only what is already installed (--no-install): nothing to pin from a registry` };
  const { packages, indexes } = packageOptions(scan);
  const config: Record<string, string> = {};
  for (const option of scan.options) {
    if ((option.name === '--registry' || option.name === '--config.registry') && option.value !== undefined) config.registry = option.value;
  }
  const first = args[scan.positional];
  if (first === undefined) return { kind: 'unknown', note: `${launcher}: no package given` };
  if (packages.length === 0) return { kind: 'npm', launcher, packages: [first], packageArgIndexes: [scan.positional], config };
  return { kind: 'npm', launcher, packages, packageArgIndexes: indexes, command: first, config };
}

// uvx / uv tool run options (uv 0.5–0.9) that may come before the package.
const UVX: OptionTable = {
  values: set(
    '--from', '--with', '-w', '--with-editable', '--with-requirements', '--python', '-p', '--index', '--default-index',
    '--index-url', '-i', '--extra-index-url', '--find-links', '-f', '--index-strategy', '--keyring-provider', '--resolution',
    '--prerelease', '--exclude-newer', '--constraints', '-c', '--overrides', '--build-constraints', '-b', '--cache-dir',
    '--directory', '--project', '--config-file', '--env-file', '--python-preference', '--color', '--allow-insecure-host',
    '--reinstall-package', '--refresh-package', '--upgrade-package', '-P', '--link-mode', '--config-setting', '-C',
  ),
  flags: set(
    '-q', '--quiet', '-v', '--verbose', '--isolated', '--offline', '--no-cache', '-n', '--refresh', '--native-tls', '--no-config',
    '--no-progress', '--no-python-downloads', '--upgrade', '-U', '--reinstall', '--no-build-isolation', '--no-sources', '--no-index',
    '--no-build', '--no-binary', '--compile-bytecode', '--no-env-file', '--managed-python', '--no-managed-python', '--lfs',
  ),
};
const PIPX: OptionTable = {
  values: set('--spec', '--python', '--index-url', '-i', '--pip-args', '--fetch-missing-python'),
  flags: set('--no-cache', '--verbose', '-v', '--quiet', '-q', '--system-site-packages', '--path', '--editable', '-e', '--preinstall'),
};

/** `uvx [opts] <pkg>[==v] [args]`, `uvx --from <req> <cmd> [args]`, `pipx run [--spec <req>] <pkg|cmd> [args]`. */
function parsePython(launcher: string, args: readonly string[], start: number, table: OptionTable): Launch {
  const scan = scanOptions(args, start, table);
  if (scan.unknown !== undefined) return unknownOption(launcher, scan.unknown);
  let from: { value: string; index: number } | undefined;
  let indexUrl: string | undefined;
  for (const option of scan.options) {
    if (option.name === '--from' || option.name === '--spec') from = { value: option.value!, index: option.index };
    else if (['--index-url', '-i', '--default-index'].includes(option.name)) indexUrl = option.value;
    else if (option.name === '--index' && indexUrl === undefined) indexUrl = option.value;
    else if (['--with', '-w', '--with-editable', '--with-requirements', '--editable', '-e', '--find-links', '-f', '--no-index'].includes(option.name)) {
      return { kind: 'unknown', note: `${launcher}: ${option.name} adds packages this version does not pin` };
    }
  }
  const first = args[scan.positional];
  if (first === undefined) return { kind: 'unknown', note: `${launcher}: no package given` };
  if (from) return { kind: 'pypi', launcher, spec: from.value, specArgIndex: from.index, command: first, ...(indexUrl ? { indexUrl } : {}) };
  return { kind: 'pypi', launcher, spec: first, specArgIndex: scan.positional, ...(indexUrl ? { indexUrl } : {}) };
}

const CONTAINER: OptionTable = {
  values: set(
    '--add-host', '--annotation', '-a', '--attach', '--blkio-weight', '--blkio-weight-device', '--cap-add', '--cap-drop', '--cgroup-parent',
    '--cgroupns', '--cidfile', '--cpu-count', '--cpu-percent', '--cpu-period', '--cpu-quota', '--cpu-rt-period', '--cpu-rt-runtime', '-c',
    '--cpu-shares', '--cpus', '--cpuset-cpus', '--cpuset-mems', '--detach-keys', '--device', '--device-cgroup-rule', '--device-read-bps',
    '--device-read-iops', '--device-write-bps', '--device-write-iops', '--dns', '--dns-option', '--dns-search', '--domainname',
    '--entrypoint', '-e', '--env', '--env-file', '--expose', '--gpus', '--group-add', '--health-cmd', '--health-interval',
    '--health-retries', '--health-start-interval', '--health-start-period', '--health-timeout', '-h', '--hostname', '--io-maxbandwidth',
    '--io-maxiops', '--ip', '--ip6', '--ipc', '--isolation', '--kernel-memory', '-l', '--label', '--label-file', '--link', '--link-local-ip',
    '--log-driver', '--log-opt', '--mac-address', '-m', '--memory', '--memory-reservation', '--memory-swap', '--memory-swappiness',
    '--mount', '--name', '--network', '--net', '--network-alias', '--oom-score-adj', '--pid', '--pids-limit', '--platform', '-p',
    '--publish', '--pull', '--restart', '--runtime', '--security-opt', '--shm-size', '--stop-signal', '--stop-timeout', '--storage-opt',
    '--sysctl', '--tmpfs', '--ulimit', '-u', '--user', '--userns', '--uts', '-v', '--volume', '--volume-driver', '--volumes-from', '-w',
    '--workdir',
    // podman's own
    '--arch', '--os', '--variant', '--authfile', '--creds', '--cert-dir', '--pod', '--secret', '--systemd', '--uidmap', '--gidmap',
    '--subuidname', '--subgidname', '--pidfile', '--preserve-fds', '--hooks-dir', '--env-merge', '--timeout', '--requires',
    '--chrootdirs', '--image-volume', '--init-path', '--personality', '--decryption-key', '--cgroup-conf', '--cgroups', '--sdnotify',
    '--seccomp-policy', '--umask', '--unsetenv', '--group-entry', '--passwd-entry', '--mask', '--unmask', '--log-level',
  ),
  flags: set(
    '-d', '--detach', '--disable-content-trust', '--init', '-i', '--interactive', '--no-healthcheck', '--oom-kill-disable', '--privileged',
    '-P', '--publish-all', '-q', '--quiet', '--read-only', '--rm', '--sig-proxy', '-t', '--tty', '--use-api-socket',
    '--replace', '--tls-verify', '--rootfs', '--passwd', '--http-proxy', '--env-host', '--read-only-tmpfs', '--no-hosts', '--rmi',
    '--unsetenv-all',
  ),
  bundles: true,
};

/** `docker run [opts] <image> [cmd…]` (and `docker container run`, and podman's). */
function parseContainer(launcher: 'docker' | 'podman', args: readonly string[]): Launch {
  let start: number;
  if (args[0] === 'run') start = 1;
  else if (args[0] === 'container' && args[1] === 'run') start = 2;
  else return unknownForm(launcher, args);
  const scan = scanOptions(args, start, CONTAINER);
  if (scan.unknown !== undefined) return unknownOption(`${launcher} run`, scan.unknown);
  if (scan.options.some((o) => o.name === '--rootfs')) return { kind: 'unknown', note: `${launcher} run --rootfs: runs a folder, not an image` };
  const image = args[scan.positional];
  if (image === undefined) return { kind: 'unknown', note: `${launcher} run: no image given` };
  return { kind: 'oci', launcher, image, imageArgIndex: scan.positional };
}

/** An interpreter's options before the script: which take a value, and which mean "no script file". */
interface InterpreterTable extends OptionTable {
  /** Options after which the code is not a file (`-e`, `-c`, `-m`): nothing to digest. */
  inline: ReadonlySet<string>;
  /** Options whose value is code loaded before the script (`-r`, `--import`, `--preload`). */
  preload?: ReadonlySet<string>;
}

/**
 * Whether a preload value names a file rather than a module: `./x`, `../x`, `/x`, `C:\x`, a
 * `file:` URL (Node's rule for require and import specifiers). `dotenv/config` is a module.
 */
export function isPathSpecifier(value: string): boolean {
  if (value.startsWith('./') || value.startsWith('../') || value.startsWith('/') || value.startsWith('.\\') || value.startsWith('..\\') || value.startsWith('\\')) return true;
  if (value === '.' || value === '..') return true;
  // node reads the scheme in any case (`FILE:///…`).
  if (/^file:/i.test(value)) return true;
  // As written in a config, before expansion: `${HOME}/pre.cjs` (a variable that expands to a
  // module name makes the expanded line read differently, and nothing is pinned).
  if (value.startsWith('${') && (value.includes('/') || value.includes('\\'))) return true;
  const drive = value.charCodeAt(0) | 0x20;
  return value.length > 2 && drive >= 0x61 && drive <= 0x7a && value[1] === ':' && (value[2] === '\\' || value[2] === '/');
}

const NODE: InterpreterTable = {
  values: set('-r', '--require', '--import', '--loader', '--experimental-loader', '--env-file', '--env-file-if-exists', '--conditions', '-C', '--input-type', '--title', '--max-old-space-size', '--stack-size', '--inspect-port', '--secure-heap', '--disable-warning', '--watch-path', '--localstorage-file', '--experimental-specifier-resolution', '--unhandled-rejections', '--experimental-default-type'),
  // --experimental-specifier-resolution takes its value only after "=" (node 20 reads it alone as a
  // flag, and the next word as the script): in both sets, the flag is matched first.
  flags: set('--no-warnings', '--enable-source-maps', '--experimental-strip-types', '--experimental-transform-types', '--no-experimental-strip-types', '--no-deprecation', '--trace-warnings', '--inspect', '--inspect-brk', '--experimental-vm-modules', '--watch', '--expose-gc', '--trace-uncaught', '--preserve-symlinks', '--experimental-specifier-resolution'),
  inline: set('-e', '--eval', '-p', '--print', '-i', '--interactive', '-', '--test'),
  preload: set('-r', '--require', '--import', '--loader', '--experimental-loader'),
};
const PYTHON: InterpreterTable = {
  values: set('-X', '-W', '--check-hash-based-pycs'),
  flags: set('-u', '-B', '-E', '-I', '-O', '-OO', '-P', '-s', '-S', '-b', '-bb', '-d', '-q', '-v', '-x', '-R'),
  inline: set('-c', '-m', '-', '-i'),
  bundles: true,
};
const DENO: InterpreterTable = {
  // deno takes a value for -r/--reload, --env-file and --inspect only after "=": alone, they are
  // flags, and the next word is the script.
  values: set('--config', '-c', '--import-map', '--lock', '--cert', '--location', '--seed', '--v8-flags', '--ext', '--log-level', '--preload', '--require'),
  flags: set('-A', '--allow-all', '-q', '--quiet', '--no-check', '--no-lock', '--no-remote', '--no-npm', '--no-config', '--cached-only', '--unstable', '--watch', '--no-prompt', '-P', '--frozen', '--node-modules-dir', '-r', '--reload', '--env-file', '--inspect'),
  inline: set('-', '--eval'),
  // deno 2.4+: files run before the main module.
  preload: set('--preload', '--require'),
};
const BUN: InterpreterTable = {
  values: set('--cwd', '-r', '--preload', '--env-file', '--config', '-c', '--tsconfig-override', '--conditions', '--define', '-d', '--install'),
  flags: set('--bun', '--silent', '--smol', '--watch', '--hot', '--no-install', '-i'),
  inline: set('-e', '--eval', '-p', '--print'),
  preload: set('-r', '--preload'),
};
const TSX: InterpreterTable = {
  values: set('--tsconfig', '--env-file', '--import', '--require', '-r'),
  flags: set('--no-cache', '--watch', '--esm', '--transpile-only', '-T', '--swc'),
  inline: set('-e', '--eval', '-p', '--print'),
  preload: set('--import', '--require', '-r'),
};
const UV_RUN: InterpreterTable = {
  values: set('--with', '-w', '--python', '-p', '--directory', '--project', '--env-file', '--index-url', '--extra-index-url', '--index'),
  flags: set('--script', '-s', '--no-project', '--isolated', '-q', '--quiet', '--frozen', '--locked', '--no-sync', '--offline'),
  inline: set('-m', '--module', '-'),
};

/** Shells: `bash server.sh`; `-c` code, `-s`/`-i` input is not a file. */
const SHELL: InterpreterTable = {
  values: set('-o', '+o', '--rcfile', '--init-file'),
  flags: set('-e', '-u', '-x', '-v', '-l', '-p', '--norc', '--noprofile', '--login', '--posix'),
  inline: set('-c', '-s', '-i', '-'),
  bundles: true,
};
/** Script interpreters: `ruby server.rb`, `perl server.pl`, `php server.php`; `-e`/`-r` code is not a file. */
const SCRIPT: InterpreterTable = {
  // -c (check syntax) is a flag in perl and ruby: the next word is the script. -d starts perl's
  // debugger, which first runs ./.perldb: code that is not the script, as -e is.
  values: set('-I'),
  flags: set('-w', '-W', '-T', '-t', '-n', '-q', '-U', '-c'),
  inline: set('-e', '-E', '-r', '-i', '-', '-d'),
};

/** Commands that run something they do not name as a file (or whose target is a build, a service). */
const RUNNERS = new Set([
  'env', 'sudo', 'doas', 'cmd', 'powershell', 'pwsh', 'go', 'cargo', 'dotnet', 'make', 'just', 'npm-run-all', 'exec', 'nohup', 'time', 'xargs', 'ssh', 'kubectl', 'nix', 'mise', 'asdf',
  // Wrappers that run the command after them (pinning the wrapper would pin none of the server).
  'timeout', 'nice', 'ionice', 'stdbuf', 'chrt', 'taskset', 'setsid', 'unbuffer', 'caffeinate', 'xvfb-run', 'firejail', 'bwrap', 'systemd-run', 'flock', 'chroot', 'runuser', 'su', 'script', 'watch', 'strace', 'ltrace', 'valgrind', 'gdb', 'catchsegv', 'prlimit', 'unshare', 'nsenter', 'sg', 'newgrp',
]);

/**
 * `node [opts] <script> [args]` and the like. The Deno-style permission flags that carry their
 * value attached (`--allow-net=host`, `--allow-read`) are accepted as flags.
 */
function parseInterpreter(interpreter: string, args: readonly string[], table: InterpreterTable, offset = 0): Launch {
  const preloads: { file: string; argIndex: number }[] = [];
  const modulePreloads: string[] = [];
  let i = 0;
  while (i < args.length) {
    const arg = args[i]!;
    if (table.inline.has(arg) || table.inline.has(arg.split('=')[0]!)) return { kind: 'unknown', note: `${interpreter} ${clip(arg)}: runs code that is not a file; not pinned` };
    if (interpreter === 'deno' && (arg.startsWith('--allow-') || arg.startsWith('--deny-') || arg.startsWith('--unstable-'))) {
      i++;
      continue;
    }
    if (interpreter === 'uv run' && (arg.startsWith('--with') || arg === '-w')) return { kind: 'unknown', note: `uv run ${clip(arg)}: adds packages this version does not pin` };
    const scan = scanOptions(args, i, table);
    for (const option of scan.options) {
      if (option.value === undefined || !table.preload?.has(option.name)) continue;
      // Code written into the line (`--import=data:text/javascript,…`) or fetched (`https://…`,
      // deno's `npm:`/`jsr:`): nothing on disk to pin, as with -e.
      if (/^(?:data|npm|jsr):/i.test(option.value) || (option.value.includes('://') && !/^file:/i.test(option.value))) return { kind: 'unknown', note: `${interpreter} ${clip(option.name)} ${clip(option.value)}: loads code that is not a file; not pinned` };
      // A package import (`--import=#hook`) is a file of the nearest package.json's folder, reached
      // through its "imports" map: a file the pin would not name.
      if (option.value.startsWith('#')) return { kind: 'unknown', note: `${interpreter} ${clip(option.name)} ${clip(option.value)}: loads a package import (a package.json "imports" entry); not pinned` };
      if (isPathSpecifier(option.value)) preloads.push({ file: option.value, argIndex: option.index + offset });
      else modulePreloads.push(option.value);
    }
    if (scan.unknown === undefined || scan.dashDash) {
      i = scan.positional;
      break;
    }
    // Stopped on an option the table does not know: look at it above (Deno's permission flags,
    // an inline-code option), or give up if it is the very first one.
    if (scan.positional === i) return unknownOption(interpreter, scan.unknown);
    i = scan.positional;
  }
  const file = args[i];
  if (file === undefined) return { kind: 'unknown', note: `${interpreter}: no script given` };
  if (file.includes('://') || file.startsWith('npm:') || file.startsWith('jsr:')) return { kind: 'unknown', note: `${interpreter}: runs a remote module (${clip(file)}); not pinned` };
  return { kind: 'local', interpreter, file, fileArgIndex: i + offset, ...(preloads.length > 0 ? { preloads } : {}), ...(modulePreloads.length > 0 ? { modulePreloads } : {}) };
}
