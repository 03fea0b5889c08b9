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
