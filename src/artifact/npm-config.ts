/**
 * npm's configuration as npm itself would see it for a launch, flattened into the options that
 * pacote, @npmcli/arborist and npm-registry-fetch take. Sources, the first to set a key wins:
 * options on the launch line (`npx --registry=…`), `npm_config_*` variables of the launch's
 * environment, the project's `.npmrc` (the nearest folder up from cwd holding package.json or
 * node_modules), the user's (`npm_config_userconfig`, else `$HOME/.npmrc`), the global one
 * (`npm_config_globalconfig`). `${VAR}` in .npmrc values is expanded from the same environment,
 * as npm does. The values (tokens) stay in memory: nothing here is written or printed.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import ini from 'ini';

export const DEFAULT_REGISTRY = 'https://registry.npmjs.org/';
/** An .npmrc larger than this is not one (they are a few lines). */
const MAX_NPMRC_BYTES = 1024 * 1024;
/** How far up from cwd the project's root is looked for. */
const MAX_PROJECT_DEPTH = 64;

export type NpmFlatOptions = Record<string, unknown> & { registry: string; cache: string };

/** The raw key/values of every source, merged by precedence. */
export function readNpmConfig(options: { cwd: string; env: Record<string, string | undefined>; line?: Record<string, string> }): Record<string, string> {
  const { env } = options;
  const fromEnv: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined || value === '' || key.length <= 11 || key.slice(0, 11).toLowerCase() !== 'npm_config_') continue;
    let name = key.slice(11);
    // npm's rule: nerf-darted keys (`//host/:_authToken`) stay as they are; others are lowercased
    // and every `_` but a leading one becomes `-`.
    if (!name.startsWith('//')) name = ((name[0] ?? '') + name.slice(1).replaceAll('_', '-')).toLowerCase();
    fromEnv[name] = value;
  }
  const home = env.HOME || env.USERPROFILE || homedir();
  const project = join(projectRoot(options.cwd), '.npmrc');
  // Where the user and global files are may itself be set on the line or in the environment.
  const located = { ...fromEnv, ...(options.line ?? {}) };
  const user = located.userconfig ? resolve(options.cwd, expandHome(located.userconfig, home)) : join(home, '.npmrc');
  const globalFile = located.globalconfig ? resolve(options.cwd, expandHome(located.globalconfig, home)) : undefined;
  const layers = [options.line ?? {}, fromEnv, readNpmrc(project, env), user === project ? {} : readNpmrc(user, env), globalFile ? readNpmrc(globalFile, env) : {}];
  const merged: Record<string, string> = {};
  for (const layer of layers.reverse()) Object.assign(merged, layer);
  return merged;
}

/** The flat options npm hands its libraries, from the merged config. */
export function flattenNpmConfig(config: Record<string, string>, env: Record<string, string | undefined>): NpmFlatOptions {
  const home = env.HOME || env.USERPROFILE || homedir();
  const flat: NpmFlatOptions = {
    registry: withSlash(config.registry || DEFAULT_REGISTRY),
    cache: join(npmCacheDir(config, env, home), '_cacache'),
  };
  for (const [key, value] of Object.entries(config)) {
    // Scoped registries and per-registry credentials are read by npm-registry-fetch under their own keys.
    if (key.startsWith('@') && key.endsWith(':registry')) flat[key] = withSlash(value);
    else if (key.startsWith('//')) flat[key] = value;
  }
  const proxy = config.proxy || env.HTTP_PROXY || env.http_proxy;
  const httpsProxy = config['https-proxy'] || env.HTTPS_PROXY || env.https_proxy || proxy;
  const noProxy = config.noproxy || env.NO_PROXY || env.no_proxy;
  if (proxy) flat.proxy = proxy;
  if (httpsProxy) flat.httpsProxy = httpsProxy;
  if (noProxy) flat.noProxy = noProxy;
  if (config['strict-ssl'] !== undefined) flat.strictSSL = config['strict-ssl'] !== 'false';
  if (config.ca) flat.ca = config.ca;
  if (config.cafile) {
    try {
      flat.ca = readFileSync(config.cafile, 'utf8');
    } catch {
      // npm fails later on the TLS handshake; so will we, naming the registry.
    }
  }
  if (config['local-address']) flat.localAddress = config['local-address'];
  return flat;
}

/** npm's cache folder: `cache` config, else `~/.npm` (`%LocalAppData%\npm-cache` on Windows). */
function npmCacheDir(config: Record<string, string>, env: Record<string, string | undefined>, home: string): string {
  if (config.cache) return expandHome(config.cache, home);
  if (process.platform === 'win32' && env.LOCALAPPDATA) return join(env.LOCALAPPDATA, 'npm-cache');
  return join(home, '.npm');
}

function expandHome(path: string, home: string): string {
  return path === '~' || path.startsWith('~/') ? join(home, path.slice(1)) : path;
}

function withSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}

/** npm's localPrefix: the nearest folder up from cwd with package.json or node_modules, else cwd. */
function projectRoot(cwd: string): string {
  let dir = resolve(cwd);
  for (let depth = 0; depth < MAX_PROJECT_DEPTH; depth++) {
    if (existsSync(join(dir, 'package.json')) || existsSync(join(dir, 'node_modules'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return resolve(cwd);
}

/** One .npmrc as key/values, `${VAR}` expanded; a missing or unreadable file is no config. */
function readNpmrc(file: string, env: Record<string, string | undefined>): Record<string, string> {
  let text: string;
  try {
    if (statSync(file).size > MAX_NPMRC_BYTES) return {};
    text = readFileSync(file, 'utf8');
  } catch {
    return {};
  }
  const parsed = ini.parse(text) as Record<string, unknown>;
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(parsed)) {
    if (typeof value !== 'string' && typeof value !== 'boolean' && typeof value !== 'number') continue;
    out[expandVars(key, env)] = expandVars(String(value), env);
  }
  return out;
}

/** npm's `${VAR}` / `${VAR?}` substitution (a plain scan, no RegExp over the file). */
function expandVars(text: string, env: Record<string, string | undefined>): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const start = text.indexOf('${', i);
    if (start === -1) break;
    const end = text.indexOf('}', start + 2);
    if (end === -1) break;
    if (start > 0 && text[start - 1] === '\\') {
      out += text.slice(i, start - 1) + text.slice(start, end + 1);
      i = end + 1;
      continue;
    }
    let name = text.slice(start + 2, end);
    const optional = name.endsWith('?');
    if (optional) name = name.slice(0, -1);
    const value = env[name];
    out += text.slice(i, start) + (value !== undefined ? value : optional ? '' : text.slice(start, end + 1));
    i = end + 1;
  }
  return out + text.slice(i);
}
