/** How to reach one MCP server. Secret values live only here, in memory, never in output. */
export type ServerTarget =
  | {
      kind: 'stdio';
      command: string;
      args: string[];
      /** Variables declared for the server (config `env` or `--env`); added to a minimal base. */
      env: Record<string, string>;
      cwd?: string;
    }
  | {
      kind: 'http';
      url: string;
      /** Header values, already expanded from `${VAR}` references. */
      headers: Record<string, string>;
      transport: 'auto' | 'streamable-http' | 'sse';
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

/** Shortest declared value treated as a secret: shorter ones ("1", "true") would blank out words. */
const MIN_SECRET_LENGTH = 5;

/**
 * The values that must never be printed for a target: header and declared env values, the
 * URL's password and query values, and the Basic credentials made from the URL's userinfo.
 * Longest first, so a secret that contains another is replaced whole.
 */
export function targetSecrets(target: ServerTarget): string[] {
  const values: string[] = [];
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
