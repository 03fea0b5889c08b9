import { resolve as resolvePath } from 'node:path';
/**
 * The one table of agents whose MCP configs mcptrust reads: where each keeps its config files on
 * Linux, macOS and Windows, in which format, where the servers sit in the file, and which
 * dialect its server entries speak. `discover` walks it to find files; `--config FILE` uses it
 * to recognise a file by its path (a Codex `config.toml`, a Zed `settings.json`…).
 *
 * Sources (each checked against the agent's documentation where one exists):
 * - Claude Desktop: macOS ~/Library/Application Support/Claude, Windows %APPDATA%\Claude
 *   https://modelcontextprotocol.io/quickstart/user ; Linux (unofficial builds) ~/.config/Claude,
 *   as tools that install into it use: https://playwright.dev/mcp/clients/claude-desktop
 * - Claude Code: user and local scopes in ~/.claude.json (`mcpServers`, `projects[path].mcpServers`),
 *   project scope in .mcp.json; local > project > user on a name clash.
 *   https://docs.anthropic.com/en/docs/claude-code/mcp , https://code.claude.com/docs/en/settings
 * - Cursor: ~/.cursor/mcp.json (global), .cursor/mcp.json (project). https://cursor.com/docs/mcp
 * - VS Code: user mcp.json in the user settings folder, .vscode/mcp.json (`servers`, `inputs`),
 *   JSONC. https://code.visualstudio.com/docs/copilot/reference/mcp-configuration ; the older
 *   `"mcp": { "servers": … }` block of settings.json is still read.
 * - Windsurf: ~/.codeium/windsurf/mcp_config.json, `serverUrl` for remote servers.
 *   https://docs.windsurf.com/windsurf/cascade/mcp
 * - Gemini CLI: ~/.gemini/settings.json and .gemini/settings.json, `mcpServers`; `url` is SSE,
 *   `httpUrl` Streamable HTTP; `cwd`. https://github.com/google-gemini/gemini-cli/blob/main/docs/tools/mcp-server.md
 *   (settings files accept comments: https://geminicli.com/docs/cli/configuration)
 * - Codex: $CODEX_HOME/config.toml (default ~/.codex/config.toml) and a trusted project's
 *   .codex/config.toml, `[mcp_servers.NAME]`, `enabled = false`, `bearer_token_env_var`,
 *   `http_headers`, `env_http_headers`. https://github.com/openai/codex/blob/main/docs/config.md
 * - Zed: ~/.config/zed/settings.json ($XDG_CONFIG_HOME/zed on Linux), %APPDATA%\Zed\settings.json,
 *   project .zed/settings.json, JSON with comments, `context_servers`.
 *   https://zed.dev/docs/configuring-zed , https://zed.dev/docs/ai/mcp
 * - Cline: VS Code globalStorage saoudrizwan.claude-dev/settings/cline_mcp_settings.json, and the
 *   CLI's ~/.cline/data/settings/cline_mcp_settings.json. https://docs.cline.bot/cli/configuration
 * - Continue: ~/.continue/config.yaml (`mcpServers` list), the older config.json, and block files
 *   in .continue/mcpServers/ (YAML, or JSON in the Claude format).
 *   https://docs.continue.dev/customize/deep-dives/mcp , https://docs.continue.dev/reference
 * - Goose: ~/.config/goose/config.yaml, %APPDATA%\Block\goose\config\config.yaml, `extensions`.
 *   https://block.github.io/goose/docs/guides/config-files
 */

export type Platform = 'linux' | 'darwin' | 'win32';
export type ConfigFormat = 'json' | 'jsonc' | 'toml' | 'yaml';

/**
 * Where the servers sit in a file:
 * - `mcpServers`: a top-level object of name → entry (Claude, Cursor, Windsurf, Gemini, Cline),
 *   or a list of entries with a `name` (Continue);
 * - `servers`: VS Code's mcp.json; `mcp.servers`: VS Code settings.json;
 * - `claude.json`: ~/.claude.json, `mcpServers` (user) and `projects[path].mcpServers` (local);
 * - `context_servers` (Zed), `mcp_servers` (Codex), `extensions` (Goose).
 */
export type ServerSection = 'mcpServers' | 'servers' | 'mcp.servers' | 'claude.json' | 'context_servers' | 'mcp_servers' | 'extensions';

/**
 * How an entry maps to a stdio or HTTP target (see `normalizeEntry`):
 * - `standard`: `command`/`args`/`env`/`cwd`/`envFile`, or `url`/`headers`, `type`, `disabled`;
 * - `windsurf`: standard, plus `serverUrl`;
 * - `gemini`: standard, but `url` is SSE and `httpUrl` Streamable HTTP;
 * - `codex`: standard, plus `enabled`, `http_headers`, `env_http_headers`, `bearer_token_env_var`;
 * - `zed`: standard, or the older `command: { path, args, env }`, and `enabled`;
 * - `goose`: `cmd`/`args`/`envs` or `uri`, `type` (`stdio`, `sse`, `streamable_http`; built-in
 *   extensions are not servers to lock), `enabled`.
 */
export type Dialect = 'standard' | 'windsurf' | 'gemini' | 'codex' | 'zed' | 'goose';

/** A folder a config path starts from, looked up in the command's environment. */
export type Base = 'home' | 'appData' | 'xdgConfig' | 'vscodeUser' | 'codexHome' | 'project';

export interface AgentFile {
  /** Unique within the agent: the middle part of a discovered server's id. */
  label: string;
  scope: 'user' | 'project';
  format: ConfigFormat;
  section: ServerSection;
  /** Per platform, a base and the path parts below it; `*` for all three. */
  paths: Partial<Record<Platform | '*', [Base, ...string[]]>>;
  /** The path names a folder of block files (every `*.yaml`, `*.yml`, `*.json` in it). */
  folder?: boolean;
  /**
   * The config's relative `cwd`, `envFile` and `./`/`../` command are taken from the project
   * folder (`${workspaceFolder}`), as the agent starts its servers there.
   */
  workspace?: boolean;
  /** Path endings that identify a `--config FILE` as this file (compared with `/` separators). */
  suffixes: string[];
}

export interface Agent {
  id: string;
  name: string;
  dialect: Dialect;
  /**
   * The agent documents an entry's off switch (`disabled: true`, `enabled: false`) and starts no
   * such server, so mcptrust skips it too. For every other agent, and a `--config` file of no
   * known agent, a switched-off entry is read as a server: Claude Code, for one, starts
   * `disabled: true` servers of `.mcp.json`, and a gate that skipped them would pass a server
   * it never looked at.
   */
  honoursOffSwitch?: true;
  files: AgentFile[];
}

const vscodeUser: [Base] = ['vscodeUser'];

const AGENTS: readonly Agent[] = [
  {
    id: 'claude-desktop',
    name: 'Claude Desktop',
    dialect: 'standard',
    files: [
      {
        label: 'user',
        scope: 'user',
        format: 'json',
        section: 'mcpServers',
        paths: {
          darwin: ['home', 'Library', 'Application Support', 'Claude', 'claude_desktop_config.json'],
          win32: ['appData', 'Claude', 'claude_desktop_config.json'],
          linux: ['xdgConfig', 'Claude', 'claude_desktop_config.json'],
        },
        suffixes: ['claude_desktop_config.json'],
      },
    ],
  },
  {
    id: 'claude-code',
    name: 'Claude Code',
    dialect: 'standard',
    files: [
      { label: 'user', scope: 'user', format: 'json', section: 'claude.json', paths: { '*': ['home', '.claude.json'] }, suffixes: ['/.claude.json'] },
      { label: 'project', scope: 'project', format: 'json', section: 'mcpServers', paths: { '*': ['project', '.mcp.json'] }, workspace: true, suffixes: ['/.mcp.json'] },
    ],
  },
  {
    id: 'cursor',
    name: 'Cursor',
    dialect: 'standard',
    files: [
      { label: 'user', scope: 'user', format: 'json', section: 'mcpServers', paths: { '*': ['home', '.cursor', 'mcp.json'] }, suffixes: [] },
      { label: 'project', scope: 'project', format: 'json', section: 'mcpServers', paths: { '*': ['project', '.cursor', 'mcp.json'] }, workspace: true, suffixes: ['/.cursor/mcp.json'] },
    ],
  },
  {
    id: 'vscode',
    name: 'VS Code',
    dialect: 'standard',
    files: [
      { label: 'user', scope: 'user', format: 'jsonc', section: 'servers', paths: { '*': [...vscodeUser, 'mcp.json'] }, suffixes: ['/Code/User/mcp.json'] },
      { label: 'user-settings', scope: 'user', format: 'jsonc', section: 'mcp.servers', paths: { '*': [...vscodeUser, 'settings.json'] }, suffixes: ['/Code/User/settings.json'] },
      { label: 'project', scope: 'project', format: 'jsonc', section: 'servers', paths: { '*': ['project', '.vscode', 'mcp.json'] }, workspace: true, suffixes: ['/.vscode/mcp.json'] },
      {
        label: 'project-settings',
        scope: 'project',
        format: 'jsonc',
        section: 'mcp.servers',
        paths: { '*': ['project', '.vscode', 'settings.json'] },
        workspace: true,
        suffixes: ['/.vscode/settings.json'],
      },
    ],
  },
  {
    id: 'windsurf',
    name: 'Windsurf',
    dialect: 'windsurf',
    files: [
      { label: 'user', scope: 'user', format: 'json', section: 'mcpServers', paths: { '*': ['home', '.codeium', 'windsurf', 'mcp_config.json'] }, suffixes: ['/windsurf/mcp_config.json'] },
    ],
  },
  {
    id: 'gemini',
    name: 'Gemini CLI',
    dialect: 'gemini',
    files: [
      { label: 'user', scope: 'user', format: 'jsonc', section: 'mcpServers', paths: { '*': ['home', '.gemini', 'settings.json'] }, suffixes: [] },
      { label: 'project', scope: 'project', format: 'jsonc', section: 'mcpServers', paths: { '*': ['project', '.gemini', 'settings.json'] }, workspace: true, suffixes: ['/.gemini/settings.json'] },
    ],
  },
  {
    id: 'codex',
    name: 'Codex',
    dialect: 'codex',
    honoursOffSwitch: true,
    files: [
      { label: 'user', scope: 'user', format: 'toml', section: 'mcp_servers', paths: { '*': ['codexHome', 'config.toml'] }, suffixes: [] },
      { label: 'project', scope: 'project', format: 'toml', section: 'mcp_servers', paths: { '*': ['project', '.codex', 'config.toml'] }, workspace: true, suffixes: ['/.codex/config.toml'] },
    ],
  },
  {
    id: 'zed',
    name: 'Zed',
    dialect: 'zed',
    files: [
      {
        label: 'user',
        scope: 'user',
        format: 'jsonc',
        section: 'context_servers',
        paths: { linux: ['xdgConfig', 'zed', 'settings.json'], darwin: ['home', '.config', 'zed', 'settings.json'], win32: ['appData', 'Zed', 'settings.json'] },
        suffixes: ['/zed/settings.json', '/Zed/settings.json'],
      },
      { label: 'project', scope: 'project', format: 'jsonc', section: 'context_servers', paths: { '*': ['project', '.zed', 'settings.json'] }, workspace: true, suffixes: ['/.zed/settings.json'] },
    ],
  },
  {
    id: 'cline',
    name: 'Cline',
    dialect: 'standard',
    honoursOffSwitch: true,
    files: [
      {
        label: 'user',
        scope: 'user',
        format: 'json',
        section: 'mcpServers',
        paths: { '*': [...vscodeUser, 'globalStorage', 'saoudrizwan.claude-dev', 'settings', 'cline_mcp_settings.json'] },
        suffixes: ['cline_mcp_settings.json'],
      },
      { label: 'user-cli', scope: 'user', format: 'json', section: 'mcpServers', paths: { '*': ['home', '.cline', 'data', 'settings', 'cline_mcp_settings.json'] }, suffixes: [] },
    ],
  },
  {
    id: 'continue',
    name: 'Continue',
    dialect: 'standard',
    files: [
      { label: 'user', scope: 'user', format: 'yaml', section: 'mcpServers', paths: { '*': ['home', '.continue', 'config.yaml'] }, suffixes: ['/.continue/config.yaml'] },
      { label: 'user-json', scope: 'user', format: 'json', section: 'mcpServers', paths: { '*': ['home', '.continue', 'config.json'] }, suffixes: ['/.continue/config.json'] },
      { label: 'user-blocks', scope: 'user', format: 'yaml', section: 'mcpServers', paths: { '*': ['home', '.continue', 'mcpServers'] }, folder: true, suffixes: [] },
      {
        label: 'project-blocks',
        scope: 'project',
        format: 'yaml',
        section: 'mcpServers',
        paths: { '*': ['project', '.continue', 'mcpServers'] },
        folder: true,
        workspace: true,
        suffixes: [],
      },
    ],
  },
  {
    id: 'goose',
    name: 'Goose',
    dialect: 'goose',
    honoursOffSwitch: true,
    files: [
      {
        label: 'user',
        scope: 'user',
        format: 'yaml',
        section: 'extensions',
        paths: { linux: ['xdgConfig', 'goose', 'config.yaml'], darwin: ['home', '.config', 'goose', 'config.yaml'], win32: ['appData', 'Block', 'goose', 'config', 'config.yaml'] },
        suffixes: ['/goose/config.yaml', '/goose/config/config.yaml'],
      },
    ],
  },
];

/** What path resolution needs from the command's environment. */
export interface PathContext {
  platform: Platform;
  env: NodeJS.ProcessEnv;
  /** The project folder (the command's working directory). */
  cwd: string;
  join(...parts: string[]): string;
}

/** The user's home: HOME, or USERPROFILE on Windows (HOME first, so tests can point it anywhere). */
export function homeOf(ctx: PathContext): string | undefined {
  const home = ctx.platform === 'win32' ? (ctx.env.USERPROFILE ?? ctx.env.HOME) : ctx.env.HOME;
  return home !== undefined && home !== '' ? home : undefined;
}

function baseDir(base: Base, ctx: PathContext): string | undefined {
  const home = homeOf(ctx);
  const set = (v: string | undefined) => (v !== undefined && v !== '' ? v : undefined);
  switch (base) {
    case 'home':
      return home;
    case 'project':
      return ctx.cwd;
    case 'appData':
      return set(ctx.env.APPDATA) ?? (home && ctx.join(home, 'AppData', 'Roaming'));
    case 'xdgConfig':
      return set(ctx.env.XDG_CONFIG_HOME) ?? (home && ctx.join(home, '.config'));
    case 'codexHome':
      return set(ctx.env.CODEX_HOME) ?? (home && ctx.join(home, '.codex'));
    case 'vscodeUser':
      // https://code.visualstudio.com/docs/configure/settings#_settings-file-locations
      if (ctx.platform === 'win32') return baseDir('appData', ctx) && ctx.join(baseDir('appData', ctx)!, 'Code', 'User');
      if (ctx.platform === 'darwin') return home && ctx.join(home, 'Library', 'Application Support', 'Code', 'User');
      return baseDir('xdgConfig', ctx) && ctx.join(baseDir('xdgConfig', ctx)!, 'Code', 'User');
  }
}

export interface CandidateFile {
  agent: Agent;
  file: AgentFile;
  path: string;
}

/**
 * Every config file (or block-file folder) the agents of the table may have on this platform,
 * for this home and project; pure: whether each exists is for the caller to find out.
 */
export function candidateFiles(ctx: PathContext): CandidateFile[] {
  const out: CandidateFile[] = [];
  const seen = new Set<string>();
  for (const agent of AGENTS) {
    for (const file of agent.files) {
      const spec = file.paths[ctx.platform] ?? file.paths['*'];
      if (!spec) continue;
      const [base, ...parts] = spec;
      const dir = baseDir(base, ctx);
      if (dir === undefined) continue;
      const path = ctx.join(dir, ...parts);
      // A project that is the home folder (discover run in ~) would list ~/.cursor/mcp.json twice.
      const key = `${agent.id}\0${path}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ agent, file, path });
    }
  }
  return out;
}

/** The agent file a `--config FILE` path is, by its ending; undefined when none matches. */
export function recogniseConfigPath(path: string): { agent: Agent; file: AgentFile } | undefined {
  const normal = `/${path.replace(/\\/g, '/')}`;
  for (const agent of AGENTS) {
    for (const file of agent.files) {
      if (file.suffixes.some((s) => normal.endsWith(s.startsWith('/') ? s : `/${s}`))) return { agent, file };
    }
  }
  return undefined;
}

/**
 * The user config `path` is, when it is one in this environment: `~/.cursor/mcp.json`,
 * `~/.gemini/settings.json` and `~/.codex/config.toml` end as their project files do, but the
 * home folder is no project (the agent does not start their servers there).
 */
export function userFileAt(path: string, ctx: PathContext): { agent: Agent; file: AgentFile } | undefined {
  const target = resolvePath(ctx.cwd, path);
  const found = candidateFiles(ctx).find((c) => c.file.scope === 'user' && !c.file.folder && resolvePath(ctx.cwd, c.path) === target);
  return found && { agent: found.agent, file: found.file };
}

