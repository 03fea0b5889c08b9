import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, expandVariables, parseAgentConfig, parseEnvFile } from '../../src/config/agent-config.js';
import { parseLockfile } from '../../src/lockfile/parse.js';
import { fixtureServer, runCli, tempDir } from '../helpers/cli.js';

const env = { PATH: process.env.PATH, HOME: process.env.HOME };
const [node, shuffle] = fixtureServer('shuffle-server.mjs') as [string, string];
const [, example] = fixtureServer('example-server.mjs') as [string, string];

let scratch: ReturnType<typeof tempDir>;
beforeAll(() => {
  scratch = tempDir();
});
afterAll(() => scratch.cleanup());

function write(rel: string, value: unknown): string {
  const path = join(scratch.dir, rel);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value, null, 2));
  return path;
}

describe('lock --config (agent configs)', () => {
  it('locks every server of a Claude Desktop config into one lockfile, with env names but not values', async () => {
    const config = write('claude_desktop_config.json', {
      mcpServers: {
        notes: { command: node, args: [example] },
        shuffle: { command: node, args: [shuffle, '--tools=5', '--report-env'], env: { MCP_ECHO: '${SECRET_TOKEN}', OTHER: 'x' } },
      },
    });
    const out = join(scratch.dir, 'claude.json');
    const r = await runCli(['lock', '--config', config, '-o', out], { cwd: scratch.dir, env: { ...env, SECRET_TOKEN: 'val-81c2', PARENT_ONLY: 'leak?' } });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/locked 2 servers/);
    const text = readFileSync(out, 'utf8');
    const lock = parseLockfile(text);
    expect(Object.keys(lock.servers)).toEqual(['notes', 'shuffle']);
    expect(lock.servers.shuffle!.transport).toEqual({ type: 'stdio', command: node, args: [shuffle, '--tools=5', '--report-env'], env: ['MCP_ECHO', 'OTHER'] });
    // The server got the expanded value and a minimal environment (no PARENT_ONLY)...
    const instructions = lock.servers.shuffle!.surface.identity.instructions!;
    expect(instructions).toMatch(/echo: val-81c2$/);
    expect(instructions).toMatch(/env: [A-Z_,]*\bMCP_ECHO\b/);
    expect(instructions).not.toMatch(/PARENT_ONLY/);
    // ...and only that test fixture echoed the value: the lock's own records hold names only.
    expect(text.replace(instructions, '')).not.toContain('val-81c2');
  });

  it('a switched-off entry is skipped only for an agent that starts no such server (Cline); for Claude Desktop it is read like any other (exit 3 here: it cannot start)', async () => {
    const entries = { mcpServers: { notes: { command: node, args: [example] }, off: { command: 'does-not-exist', disabled: true } } };
    const cline = write('cline/cline_mcp_settings.json', entries);
    const skipped = await runCli(['lock', '--config', cline, '-o', join(scratch.dir, 'cline-lock.json')], { cwd: scratch.dir, env });
    expect(skipped.code, skipped.stderr).toBe(0);
    expect(Object.keys(parseLockfile(readFileSync(join(scratch.dir, 'cline-lock.json'), 'utf8')).servers)).toEqual(['notes']);
    const desktop = write('desktop/claude_desktop_config.json', entries);
    const read = await runCli(['lock', '--config', desktop, '-o', join(scratch.dir, 'desktop-lock.json')], { cwd: scratch.dir, env });
    expect(read.code).toBe(3);
    expect(read.stderr).toMatch(/server "off"/);
    expect(existsSync(join(scratch.dir, 'desktop-lock.json'))).toBe(false);
  });

  it('reads VS Code "servers" with ${env:VAR} and ${workspaceFolder}, and --server picks some', async () => {
    const config = write('proj/.vscode/mcp.json', {
      servers: {
        a: { type: 'stdio', command: node, args: ['${workspaceFolder}/../../../' + shuffle.replace(/^\//, ''), '--tools=2'] },
        b: { type: 'stdio', command: node, args: [example], env: { X: '${env:HOME}' } },
      },
    });
    const out = join(scratch.dir, 'vscode.json');
    const r = await runCli(['lock', '--config', config, '--server', 'b', '-o', out], { cwd: scratch.dir, env });
    expect(r.code).toBe(0);
    expect(Object.keys(parseLockfile(readFileSync(out, 'utf8')).servers)).toEqual(['b']);
  });

  it('names the failing server, exits 3 and writes nothing when one server fails', async () => {
    const config = write('.mcp.json', {
      mcpServers: {
        good: { command: node, args: [shuffle, '--tools=3'] },
        broken: { command: node, args: ['-e', 'process.stderr.write("boom: missing API key\\n"); process.exit(4)'] },
      },
    });
    const out = join(scratch.dir, 'partial.json');
    const r = await runCli(['lock', '--config', config, '-o', out], { cwd: scratch.dir, env });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/1 of 2 servers failed: "broken"/);
    expect(r.stderr).toMatch(/server "broken": server exited with code 4 during initialize/);
    expect(r.stderr).toMatch(/boom: missing API key/);
    expect(existsSync(out)).toBe(false);
  });

  it('accepts Cursor-style url servers and refuses unknown --server names with the known ones', async () => {
    const config = write('.cursor/mcp.json', { mcpServers: { remote: { url: 'http://127.0.0.1:9/mcp', headers: { Authorization: 'Bearer ${TOKEN:-none}' } }, local: { command: node, args: [shuffle] } } });
    const r = await runCli(['lock', '--config', config, '--server', 'nope'], { cwd: scratch.dir, env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/has no server "nope"; it has: remote, local/);
    const servers = parseAgentConfig(readFileSync(config, 'utf8'), config, {});
    expect(servers[0]!.target).toEqual({ kind: 'http', url: 'http://127.0.0.1:9/mcp', headers: { Authorization: 'Bearer none' }, transport: 'auto' });
  });

  it.each([
    ['not JSON', '{"mcpServers": {', /is not valid JSON/],
    ['duplicate key', '{"mcpServers": {"a": {"command": "x"}, "a": {"command": "y"}}}', /duplicate key \$\.mcpServers: "a"/],
    ['no servers object', '{"other": {}}', /has no "mcpServers" \(Claude, Cursor\) or "servers" \(VS Code\) object/],
    ['args not strings', '{"mcpServers": {"a": {"command": "x", "args": [1]}}}', /server "a"\.args must be an array of strings/],
    ['neither command nor url', '{"mcpServers": {"a": {"type": "stdio"}}}', /needs either "command" \(stdio\) or "url" \(HTTP\)/],
    ['an ${input:...} variable', '{"servers": {"a": {"command": "x", "env": {"K": "${input:key}"}}}}', /needs an interactive prompt/],
  ])('exits 2 for a config with %s', async (_, text, message) => {
    const config = write(`bad-${Math.random().toString(36).slice(2)}.json`, text);
    const r = await runCli(['lock', '--config', config], { cwd: scratch.dir, env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(existsSync(join(scratch.dir, 'mcp-lock.json'))).toBe(false);
  });

  it('exits 2 when the config file is missing', async () => {
    const r = await runCli(['lock', '--config', 'nowhere.json'], { cwd: scratch.dir, env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot read config .*nowhere\.json: no such file/);
  });
});

describe('expandVariables', () => {
  it('expands ${VAR}, ${VAR:-default} and ${env:VAR}, and refuses unset ones', () => {
    expect(expandVariables('a-${X}-${env:Y}-${Z:-dflt}', { X: '1', Y: '2' }, 'w')).toBe('a-1-2-dflt');
    expect(() => expandVariables('${MISSING}', {}, 'header Authorization')).toThrow(ConfigError);
    try {
      expandVariables('${MISSING}', {}, 'header Authorization');
    } catch (error) {
      expect((error as ConfigError).code).toBe('UNSET_VARIABLE');
    }
  });
});

describe('server flags', () => {
  it.each([
    [[], /say which server to read/],
    [['--url', 'http://x', '--config', 'c.json'], /give only one of/],
    [['--server', 'a', '--', 'x'], /--server only goes with --config/],
    [['--header', 'A: b', '--', 'x'], /--header only goes with --url/],
    [['--url', 'ftp://x/'], /--url must be http:\/\/ or https:\/\//],
    [['--env', 'bad-name', '--', 'x'], /--env #1 must look like NAME=value or NAME/],
    [['--env', 'MCPTRUST_UNSET_X', '--', 'x'], /--env MCPTRUST_UNSET_X: MCPTRUST_UNSET_X is not set in mcptrust's environment/],
  ])('%j exits 2', async (args, message) => {
    const r = await runCli(['lock', ...args], { cwd: scratch.dir, env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('exits 3 when the command does not exist', async () => {
    const r = await runCli(['lock', '--', 'definitely-not-a-command-xyz'], { cwd: scratch.dir, env });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/could not start definitely-not-a-command-xyz: command not found/);
  });
});

describe('hostile or careless configs and flags (review)', () => {
  const SECRET = 'sk-live-aa11bb22cc33';

  it('--header or --env without the separator: exit 2, and the value is never echoed', async () => {
    for (const args of [
      ['--url', 'http://127.0.0.1:9/mcp', '--header', `Authorization Bearer ${SECRET}`],
      ['--env', `=${SECRET}`, '--', 'x'],
      ['--url', `http//user:${SECRET}@bad url`],
    ]) {
      const r = await runCli(['lock', ...args], { cwd: scratch.dir, env });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/^error: --(header #1|env #1|url) /m);
      expect(r.stderr).not.toContain(SECRET);
    }
  });

  it('--header whose ${VAR} holds a line break: exit 2 naming the header, not the value', async () => {
    const r = await runCli(['lock', '--url', 'http://127.0.0.1:9/mcp', '--header', 'X-Key: ${K}'], { cwd: scratch.dir, env: { ...env, K: `${SECRET}\r\nX-Evil: 1` } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: --header X-Key: the value contains a line break/m);
    expect(r.stderr).not.toContain(SECRET);
  });

  it('a config url that is not an http(s) URL: exit 2 naming file and server (not 3, not echoed)', async () => {
    const config = write('bad-url.json', { mcpServers: { remote: { type: 'http', url: `notaurl ${SECRET}` } } });
    const r = await runCli(['lock', '--config', config], { cwd: scratch.dir, env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad-url\.json: server "remote": "url" must be an http:\/\/ or https:\/\/ URL/);
    expect(r.stderr).not.toContain(SECRET);
  });

  it('config header names and values are checked: exit 2, value not echoed', () => {
    const bad = (headers: Record<string, string>) => {
      try {
        parseAgentConfig(JSON.stringify({ mcpServers: { s: { url: 'https://h/mcp', headers } } }), 'c.json', {});
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as ConfigError).code).toBe('MALFORMED_CONFIG');
        expect((error as ConfigError).message).not.toContain(SECRET);
        return (error as ConfigError).message;
      }
      throw new Error('accepted');
    };
    expect(bad({ 'Bad Name': 'x' })).toMatch(/c\.json: server "s": "Bad Name" is not a valid HTTP header name/);
    expect(bad({ Authorization: `Bearer ${SECRET}\nX: y` })).toMatch(/the value of header Authorization contains a line break/);
  });

  it('server names from the config are escaped in the unknown --server message', async () => {
    const config = write('ansi-names.json', { mcpServers: { '\u001b[2Jevil': { command: 'x' } } });
    const r = await runCli(['lock', '--config', config, '--server', 'nope'], { cwd: scratch.dir, env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('it has: \\u{1b}[2Jevil');
    expect(r.stderr).not.toContain('\u001b');
  });

  it('VS Code envFile: its variables reach the server, names recorded, values nowhere but the server', async () => {
    write('envfile-proj/.env', `# comment\nexport MCP_ECHO="${SECRET}"\nOTHER=plain # trailing comment\n`);
    const config = write('envfile-proj/.vscode/mcp.json', {
      servers: { s: { type: 'stdio', command: node, args: [shuffle, '--tools=1', '--report-env'], envFile: '${workspaceFolder}/.env', env: { OTHER: 'from-env' } } },
    });
    const out = join(scratch.dir, 'envfile.json');
    const r = await runCli(['lock', '--config', config, '-o', out], { cwd: scratch.dir, env });
    expect(r.code, r.stderr).toBe(0);
    const lock = parseLockfile(readFileSync(out, 'utf8'));
    expect(lock.servers.s!.transport).toMatchObject({ env: ['MCP_ECHO', 'OTHER'] });
    expect(lock.servers.s!.surface.identity.instructions).toMatch(new RegExp(`echo: ${SECRET}$`));
    expect(r.stdout + r.stderr).not.toContain(SECRET);
    // The server echoed the value into its instructions: the user is told, by name.
    expect(r.stderr).toMatch(/^note: s: the value of env MCP_ECHO appears in the server's own surface, so the lockfile contains it/m);
    expect(r.stderr).not.toMatch(/OTHER appears/);
  });

  it('a missing envFile: exit 2 naming the config and the server', async () => {
    const config = write('envfile-missing/.vscode/mcp.json', { servers: { s: { command: node, envFile: '${workspaceFolder}/.env' } } });
    const r = await runCli(['lock', '--config', config], { cwd: scratch.dir, env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot read envFile of server "s" in .*mcp\.json: .*\.env: no such file/);
  });

  it('a config saved with a byte-order mark is read', () => {
    const servers = parseAgentConfig('\ufeff{"mcpServers":{"a":{"command":"x","alwaysAllow":["t"]}}}', 'c.json', {});
    expect(servers.map((s) => s.name)).toEqual(['a']);
  });

  it('parseEnvFile: quotes, export, comments; a bad line is named by number without its value', () => {
    expect(parseEnvFile('A=1\nexport B=\'two words\'\nC="x\\ny"\n\n# c\nD=v # c', 'f')).toEqual({ A: '1', B: 'two words', C: 'x\ny', D: 'v' });
    expect(() => parseEnvFile(`ok=1\n${SECRET}`, '.env')).toThrow(/^\.env line 2 is not NAME=value$/);
  });
});
