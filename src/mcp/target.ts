import type { TransportRecord } from '../lockfile/types.js';

/** How to reach one MCP server. Secret values live only here, in memory, never in output. */
export type ServerTarget =
  | {
      kind: 'stdio';
      /** The command and arguments to start, with `${VAR}` references already expanded. */
      command: string;
      args: string[];
      /** Variables declared for the server (config `env` or `--env`); added to a minimal base. */
      env: Record<string, string>;
      cwd?: string;
      /**
       * The command and arguments as the config wrote them (`${HOME}/data`, `--token=${TOKEN}`),
       * when that differs from what is started: this is what the lockfile records, so a lock
       * holds no expanded secret and shows no drift on another machine or after a rotation.
       */
      written?: { command: string; args: string[] };
      /** The values that `${VAR}` references in command, args or URL expanded to: secrets. */
      substituted?: string[];
    }
  | {
      kind: 'http';
      /** The URL to connect to, `${VAR}` references expanded. */
      url: string;
      /** Header values, already expanded from `${VAR}` references. */
      headers: Record<string, string>;
      transport: 'auto' | 'streamable-http' | 'sse';
      /** The URL as the config wrote it, when it used variables (recorded, redacted, instead of `url`). */
      written?: { url: string };
      substituted?: string[];
    };

/** A target with the name it will have in the lockfile. */
export interface NamedTarget {
  /** Name given by the user or the config; undefined means "use serverInfo.name". */
  name: string | undefined;
  target: ServerTarget;
}

// The variables a server process inherits from mcptrust's own environment (the same short
// allow-list as the MCP SDK): enough for `npx` and interpreters to run, nothing secret.
const INHERITED_ENV =
  process.platform === 'win32'
    ? ['APPDATA', 'HOMEDRIVE', 'HOMEPATH', 'LOCALAPPDATA', 'PATH', 'PROCESSOR_ARCHITECTURE', 'SYSTEMDRIVE', 'SYSTEMROOT', 'TEMP', 'USERNAME', 'USERPROFILE', 'PROGRAMFILES']
    : ['HOME', 'LOGNAME', 'PATH', 'SHELL', 'TERM', 'USER', 'TMPDIR', 'LANG'];

/** The server's environment: the inherited allow-list plus what was declared for it. */
export function serverEnvironment(declared: Record<string, string>, parent: NodeJS.ProcessEnv): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of INHERITED_ENV) {
    const value = parent[key];
    // Exported shell functions ("() {") are skipped, as the SDK does.
    if (value !== undefined && !value.startsWith('()')) env[key] = value;
  }
  return { ...env, ...declared };
}

/**
 * A URL safe to write down: user name, password and query values removed, since people put
 * tokens there (`?api_key=…`). The query's parameter names stay so the record is still useful.
 */
export function redactUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return raw;
  }
  url.username = '';
  url.password = '';
  const names = [...url.searchParams.keys()];
  if (names.length > 0) url.search = names.map((n) => `${encodeURIComponent(n)}=REDACTED`).join('&');
  url.hash = '';
  return url.toString();
}

/**
 * The redacted record of a URL as a config wrote it. Without `${…}` it is `redactUrl`'s (so
 * existing lockfiles keep their records). With references, the text is kept as written, since
 * a reference may sit where a URL parser would refuse it or rewrite it (`:${PORT}`, a
 * lowercased host, an encoded path), and only the parts that may hold a secret are removed:
 * the userinfo, the query values (names kept) and the fragment.
 */
export function redactWrittenUrl(written: string): string {
  if (!written.includes('${')) return redactUrl(written);
  let text = written;
  const hash = text.indexOf('#');
  if (hash !== -1) text = text.slice(0, hash);
  let query: string | undefined;
  const question = text.indexOf('?');
  if (question !== -1) {
    query = text.slice(question + 1);
    text = text.slice(0, question);
  }
  const scheme = text.indexOf('://');
  if (scheme !== -1) {
    const start = scheme + 3;
    const slash = text.indexOf('/', start);
    const end = slash === -1 ? text.length : slash;
    const at = text.lastIndexOf('@', end - 1);
    if (at >= start) text = text.slice(0, start) + text.slice(at + 1);
  }
  if (query !== undefined) {
    const names = query.split('&').filter((p) => p !== '').map((p) => (p.includes('=') ? p.slice(0, p.indexOf('=')) : p));
    if (names.length > 0) text += `?${names.map((n) => `${n}=REDACTED`).join('&')}`;
  }
  return text;
}

/**
 * The transport record of a server as the lockfile keeps it: the command, arguments or URL as
 * the user wrote them (never a `${VAR}` expanded, see `written`), the URL redacted, and the
 * names of env vars and headers as a sorted set (the order they were given in means nothing).
 */
export function recordedTransport(record: TransportRecord, target: ServerTarget): TransportRecord {
  if (record.type === 'stdio') {
    const written = target.kind === 'stdio' ? target.written : undefined;
    return {
      type: 'stdio',
      command: written?.command ?? record.command,
      args: [...(written?.args ?? record.args)],
      env: [...new Set(record.env)].sort(),
    };
  }
  const written = target.kind === 'http' ? target.written : undefined;
  return { type: record.type, url: written ? redactWrittenUrl(written.url) : record.url, headers: [...new Set(record.headers)].sort() };
}

/** Shortest declared value treated as a secret: shorter ones ("1", "true") would blank out words. */
export const MIN_SECRET_LENGTH = 5;

/**
 * The values that must never be printed for a target: header and declared env values, the
 * URL's password and query values, and the Basic credentials made from the URL's userinfo.
 * Longest first, so a secret that contains another is replaced whole.
 */
export function targetSecrets(target: ServerTarget): string[] {
  const values: string[] = [...(target.substituted ?? [])];
  if (target.kind === 'stdio') values.push(...Object.values(target.env));
  else {
    for (const value of Object.values(target.headers)) {
      values.push(value);
      // "Bearer abc…": the token alone is also a secret, wherever a server echoes it.
      const space = value.indexOf(' ');
      if (space > 0) values.push(value.slice(space + 1).trim());
    }
    try {
      const url = new URL(target.url);
      if (url.password) {
        values.push(url.password, decodeURIComponent(url.password));
        values.push(Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64'));
      }
      for (const value of url.searchParams.values()) values.push(value, encodeURIComponent(value));
    } catch {
      // not a URL: nothing more to collect
    }
  }
  return [...new Set(values.filter((v) => v.length >= MIN_SECRET_LENGTH))].sort((a, b) => b.length - a.length);
}

/** `text` with every occurrence of each secret replaced by [REDACTED] (plain search, no RegExp). */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join('[REDACTED]');
  return out;
}

/**
 * The URL to connect to, without userinfo (fetch refuses such URLs, and its error would print
 * the password), and the `Authorization: Basic` header the userinfo meant, unless one is given.
 */
export function splitUserinfo(raw: string, headers: Record<string, string>): { url: URL; headers: Record<string, string> } {
  const url = new URL(raw);
  if (url.username === '' && url.password === '') return { url, headers };
  const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  url.username = '';
  url.password = '';
  const given = Object.keys(headers).some((k) => k.toLowerCase() === 'authorization');
  return { url, headers: given ? headers : { ...headers, Authorization: `Basic ${Buffer.from(credentials).toString('base64')}` } };
}
