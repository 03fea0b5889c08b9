// `mcptrust discover` over fixture homes (testdata/agents, see its README): the exact list of
// servers for every agent of the table on Linux, macOS and Windows layouts, text and JSON, no
// env or header value printed, and every broken file reported by place without quoting it.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gatherDiscovery } from '../../cmd/commands/discover.js';
import type { IO } from '../../cmd/io.js';
import { candidateFiles } from '../../src/config/agents.js';
import { repoRoot, runCli } from '../helpers/cli.js';

const agents = join(repoRoot, 'testdata', 'agents');
const homeLinux = join(agents, 'home-linux');
const project = join(agents, 'project');
const env = (extra: NodeJS.ProcessEnv) => ({ PATH: process.env.PATH, ...extra });

function io(cwd: string, environment: NodeJS.ProcessEnv): IO {
  return { stdout: { write: () => {}, isTTY: false }, stderr: { write: () => {}, isTTY: false }, env: environment, cwd };
}

/** Every value the fixtures hold in env, headers or URL queries: none may be printed. */
const SECRETS = ['fixture-secret', 'sk-live-do-not-print'];

const LINUX_TEXT = `Claude Desktop (user) ~/.config/Claude/claude_desktop_config.json
  claude-desktop:user:memory  stdio            npx -y @modelcontextprotocol/server-memory
  claude-desktop:user:remote  http             https://mcp.example.com/mcp?token=REDACTED
Claude Code (user) ~/.claude.json
  claude-code:user:github        streamable-http  https://api.githubcopilot.com/mcp/
  claude-code:local:/srv/app:db  stdio            ./bin/db-server --read-only
Claude Code (project) .mcp.json
  claude-code:project:memory      stdio            npx -y @modelcontextprotocol/server-memory
  claude-code:project:local-tool  stdio            ./scripts/tool.sh --verbose
Cursor (user) ~/.cursor/mcp.json
  cursor:user:browser  stdio            npx -y @playwright/mcp@latest
Cursor (project) .cursor/mcp.json
  cursor:project:github  http             https://api.githubcopilot.com/mcp/
VS Code (user) ~/.config/Code/User/mcp.json
  vscode:user:fetch  stdio            uvx mcp-server-fetch
VS Code (user-settings) ~/.config/Code/User/settings.json
  vscode:user-settings:time  stdio            uvx mcp-server-time
VS Code (project) .vscode/mcp.json
  vscode:project:perplexity  stdio            npx -y server-perplexity-ask
  vscode:project:files       stdio            npx -y @modelcontextprotocol/server-filesystem \${workspaceFolder}
Windsurf (user) ~/.codeium/windsurf/mcp_config.json
  windsurf:user:zapier  http             https://actions.zapier.com/mcp/sse?key=REDACTED
Gemini CLI (user) ~/.gemini/settings.json
  gemini:user:pythonTools  stdio            python -m tools
  gemini:user:remote       streamable-http  https://mcp.example.com/mcp
  gemini:user:legacy       sse              https://mcp.example.com/sse
Gemini CLI (project) .gemini/settings.json
  gemini:project:tools  stdio            python tools.py
Codex (user) ~/.codex/config.toml
  codex:user:docs    stdio            npx -y mcp-server-docs
  codex:user:linear  http             https://mcp.linear.app/mcp
Codex (project) .codex/config.toml
  codex:project:project-docs  stdio            npx -y mcp-server-docs ./docs
Zed (user) ~/.config/zed/settings.json
  zed:user:local-mcp  stdio            some-command arg-1 arg-2
  zed:user:old-style  stdio            /usr/local/bin/old-server -v
  zed:user:remote     http             https://mcp.example.com/zed
Zed (project) .zed/settings.json
  zed:project:project-mcp  stdio            ./bin/mcp
Cline (user) ~/.config/Code/User/globalStorage/saoudrizwan.claude-dev/settings/cline_mcp_settings.json
  cline:user:sqlite  stdio            uvx mcp-server-sqlite --db-path /tmp/test.db
Continue (user) ~/.continue/config.yaml
  continue:user:sqlite  stdio            npx -y mcp-sqlite /tmp/db.sqlite
  continue:user:hosted  streamable-http  https://mcp.example.com/continue
Continue (project-blocks/from-claude.json) .continue/mcpServers/from-claude.json
  continue:project-blocks/from-claude.json:time  stdio            uvx mcp-server-time
Continue (project-blocks/playwright.yaml) .continue/mcpServers/playwright.yaml
  continue:project-blocks/playwright.yaml:Browser search  stdio            npx @playwright/mcp@latest
Goose (user) ~/.config/goose/config.yaml
  goose:user:github  stdio            npx -y @modelcontextprotocol/server-github
30 servers in 11 agents; lock them all with: mcptrust lock --discover
`;

describe('mcptrust discover (Linux layout, every agent)', () => {
  it.runIf(process.platform === 'linux')('lists every server of every agent, user and project files, exactly (text)', async () => {
    const r = await runCli(['discover'], { cwd: project, env: env({ HOME: homeLinux }) });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(LINUX_TEXT);
    for (const s of SECRETS) expect(r.stdout).not.toContain(s);
  });

  it.runIf(process.platform === 'linux')('JSON: stable fields, absolute paths, transports as written, names of env and headers only', async () => {
    const r = await runCli(['discover', '--format', 'json'], { cwd: project, env: env({ HOME: homeLinux, TOKEN: 'expanded-token-value' }) });
    expect(r.code).toBe(0);
    for (const s of [...SECRETS, 'expanded-token-value']) expect(r.stdout).not.toContain(s);
    const out = JSON.parse(r.stdout) as { discoverVersion: number; servers: Record<string, unknown>[]; files: unknown[]; errors: unknown[] };
    expect(out.discoverVersion).toBe(1);
    expect(out.errors).toEqual([]);
    expect(out.servers.map((s) => s.id)).toEqual([...LINUX_TEXT.matchAll(/^ {2}(\S+(?: search)?) /gm)].map((m) => m[1]));
    const byId = Object.fromEntries(out.servers.map((s) => [s.id, s]));
    expect(byId['claude-desktop:user:memory']).toEqual({
      id: 'claude-desktop:user:memory',
      agent: 'claude-desktop',
      scope: 'user',
      file: join(homeLinux, '.config', 'Claude', 'claude_desktop_config.json'),
      name: 'memory',
      transport: { type: 'stdio', command: 'npx', args: ['-y', '@modelcontextprotocol/server-memory'], env: ['MEMORY_FILE_PATH'] },
    });
    expect(byId['claude-desktop:user:remote']!.transport).toEqual({ type: 'http', transport: 'auto', url: 'https://mcp.example.com/mcp?token=REDACTED', headers: ['Authorization'] });
    expect(byId['claude-code:local:/srv/app:db']).toMatchObject({ scope: 'local', project: '/srv/app', name: 'db' });
    // Codex: bearer_token_env_var becomes an Authorization header, by name only.
    expect(byId['codex:user:linear']!.transport).toEqual({ type: 'http', transport: 'auto', url: 'https://mcp.linear.app/mcp', headers: ['Authorization'] });
    expect(byId['gemini:user:pythonTools']!.transport).toMatchObject({ cwd: './tools' });
    // Switched off, built-in or extension-provided entries are not servers to lock.
    for (const id of ['cline:user:off', 'codex:user:off', 'goose:user:off', 'goose:user:developer', 'zed:user:from-extension']) expect(byId[id]).toBeUndefined();
  });

  it('XDG_CONFIG_HOME moves the Linux config folder (Claude Desktop, VS Code, Cline, Zed, Goose)', async () => {
    const d = await gatherDiscovery(io('/nonexistent-project', { HOME: '/nonexistent-home', XDG_CONFIG_HOME: join(homeLinux, '.config') }), 'linux');
    expect(d.problems).toEqual([]);
    expect(d.servers.map((s) => s.id)).toEqual([
      'claude-desktop:user:memory',
      'claude-desktop:user:remote',
      'vscode:user:fetch',
      'vscode:user-settings:time',
      'zed:user:local-mcp',
      'zed:user:old-style',
      'zed:user:remote',
      'cline:user:sqlite',
      'goose:user:github',
    ]);
  });

  it('an empty home: nothing found, exit 0, and a sentence saying so', async () => {
    const r = await runCli(['discover'], { cwd: join(agents, 'home-macos', 'Library'), env: env({ HOME: join(agents, 'no-such-home') }) });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('no MCP servers found in the agent configs of this machine and folder\n');
  });
});

describe('platform layouts (documented paths on macOS and Windows)', () => {
  it('macOS: Application Support for Claude Desktop and VS Code, ~/.config for Zed and Goose', async () => {
    const home = join(agents, 'home-macos');
    const d = await gatherDiscovery(io('/nonexistent-project', { HOME: home }), 'darwin');
    expect(d.problems).toEqual([]);
    expect(d.servers.map((s) => [s.id, s.file.slice(home.length + 1)])).toEqual([
      ['claude-desktop:user:memory', 'Library/Application Support/Claude/claude_desktop_config.json'],
      ['cursor:user:browser', '.cursor/mcp.json'],
      ['vscode:user:fetch', 'Library/Application Support/Code/User/mcp.json'],
      ['zed:user:local-mcp', '.config/zed/settings.json'],
      ['goose:user:github', '.config/goose/config.yaml'],
    ]);
  });

  it('Windows: USERPROFILE for dot-folders, APPDATA for Claude, Code, Zed and Block\\goose', async () => {
    const home = join(agents, 'home-windows');
    const d = await gatherDiscovery(io('/nonexistent-project', { USERPROFILE: home, APPDATA: join(home, 'AppData', 'Roaming') }), 'win32');
    expect(d.problems).toEqual([]);
    expect(d.servers.map((s) => [s.id, s.file.slice(home.length + 1)])).toEqual([
      ['claude-desktop:user:memory', join('AppData', 'Roaming', 'Claude', 'claude_desktop_config.json')],
      ['cursor:user:browser', join('.cursor', 'mcp.json')],
      ['vscode:user:fetch', join('AppData', 'Roaming', 'Code', 'User', 'mcp.json')],
      ['codex:user:docs', join('.codex', 'config.toml')],
      ['zed:user:local-mcp', join('AppData', 'Roaming', 'Zed', 'settings.json')],
      ['goose:user:github', join('AppData', 'Roaming', 'Block', 'goose', 'config', 'config.yaml')],
    ]);
  });

  it('Windows without APPDATA falls back to USERPROFILE\\AppData\\Roaming; CODEX_HOME moves Codex', () => {
    const paths = candidateFiles({ platform: 'win32', env: { USERPROFILE: 'U', CODEX_HOME: 'C' }, cwd: 'P', join: (...p) => p.join('\\') }).map((c) => `${c.agent.id}:${c.file.label} ${c.path}`);
    expect(paths).toContain('claude-desktop:user U\\AppData\\Roaming\\Claude\\claude_desktop_config.json');
    expect(paths).toContain('codex:user C\\config.toml');
    expect(paths).toContain('cline:user U\\AppData\\Roaming\\Code\\User\\globalStorage\\saoudrizwan.claude-dev\\settings\\cline_mcp_settings.json');
    expect(paths).toContain('vscode:project P\\.vscode\\mcp.json');
  });
});

describe('broken configs: reported by file:line:col, never quoted, the rest still listed (exit 2)', () => {
  it('lists what it could read, one error line per broken file or entry, exit 2', async () => {
    const home = join(agents, 'home-broken');
    const r = await runCli(['discover'], { cwd: join(agents, 'no-such-project'), env: env({ HOME: home }) });
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('  cursor:user:ok  stdio            npx -y ok-server\n');
    expect(r.stdout).toContain('  gemini:user:good  stdio            uvx good-server\n');
    expect(r.stderr.split('\n').filter(Boolean)).toEqual([
      `error: ${join(home, '.config/Claude/claude_desktop_config.json')}:3:5: is not valid JSON: a comment (JSON has no comments) (this agent reads plain JSON; remove it)`,
      `error: ${join(home, '.config/Code/User/mcp.json')}:4:22: is not valid JSON with comments: expected ":"`,
      `error: ${join(home, '.gemini/settings.json')}: server "bad".args must be an array of strings`,
      `error: ${join(home, '.codex/config.toml')}:4:1: is not valid TOML: expected comma or end of structure`,
      `error: ${join(home, '.continue/config.yaml')}:4:5: is not valid YAML: duplicate key`,
    ]);
    for (const s of SECRETS) expect(r.stdout + r.stderr).not.toContain(s);
  });

  it('JSON lists the errors with their file and, for an entry, the server id', async () => {
    const home = join(agents, 'home-broken');
    const r = await runCli(['discover', '--format', 'json'], { cwd: join(agents, 'no-such-project'), env: env({ HOME: home }) });
    expect(r.code).toBe(2);
    const out = JSON.parse(r.stdout) as { servers: { id: string }[]; errors: { agent: string; file: string; server?: string }[] };
    expect(out.servers.map((s) => s.id)).toEqual(['cursor:user:ok', 'gemini:user:good']);
    expect(out.errors.map((e) => [e.agent, e.server])).toEqual([
      ['claude-desktop', undefined],
      ['vscode', undefined],
      ['gemini', 'gemini:user:bad'],
      ['codex', undefined],
      ['continue', undefined],
    ]);
    for (const s of SECRETS) expect(r.stdout).not.toContain(s);
  });

  it('lock --discover refuses the whole run (exit 2, nothing written) when a config is broken', async () => {
    const home = join(agents, 'home-broken');
    const r = await runCli(['lock', '--discover', '-o', join(agents, 'no-such-project', 'x.json')], { cwd: repoRoot, env: env({ HOME: home }) });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/claude_desktop_config\.json:3:5: is not valid JSON.*\(and 4 more problems; see mcptrust discover\); nothing locked/);
  });
});
