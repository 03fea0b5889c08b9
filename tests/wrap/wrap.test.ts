import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readAgentConfig, resolveEntry } from '../../src/config/agent-config.js';
import { ConfigError } from '../../src/config/agent-config.js';
import { unwrapConfigText, wrapConfigText } from '../../src/config/wrap.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { serversLockText } from '../helpers/lockfiles.js';

let dir: string;
let cleanup: () => void;
let lock: string;
beforeEach(() => {
  ({ dir, cleanup } = tempDir('mcptrust-wrap-'));
  lock = join(dir, 'mcp-lock.json');
  writeFileSync(lock, serversLockText({ memory: { t: 'T.' }, github: { t: 'T.' }, 'notes-ü': { t: 'T.' }, old: { t: 'T.' } }));
});
afterEach(() => cleanup());

const write = (rel: string, text: string | Buffer) => {
  const path = join(dir, rel);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  return path;
};
const cli = (...argv: string[]) => runCli(argv, { cwd: dir, env: { PATH: process.env.PATH, HOME: dir } });
/** The files of the folder of `path`: no temporary file or backup left behind by a refusal. */
const siblings = (path: string) => readdirSync(join(path, '..')).sort();

// A Claude Code project config as people write it: env with ${VAR}, a "disabled" entry (which
// Claude Code starts all the same), an HTTP
// entry with a secret header, an unknown field, unicode, an entry without args.
const MCP_JSON = `{
  "mcpServers": {
    "memory": {
      "command": "npx",
      "args": [
        "-y",
        "@modelcontextprotocol/server-memory"
      ],
      "env": { "MEMORY_FILE_PATH": "\${HOME}/memory.json" },
      "x-team-note": "ask #infra ✓"
    },
    "notes-ü": { "command": "/opt/notes/bin/notes-server" },
    "remote": { "type": "http", "url": "https://mcp.example.com/mcp", "headers": { "Authorization": "Bearer \${TOKEN}" } },
    "old": { "command": "node", "args": ["old.js"], "disabled": true }
  }
}
`;

describe('wrap and unwrap: Claude Code .mcp.json', () => {
  it('wraps each locked stdio server to the exact expected bytes, keeps the rest, and unwrap gives back the original bytes', async () => {
    const path = write('proj/.mcp.json', MCP_JSON);
    const r = await cli('wrap', '--config', path, '--lock', lock);
    // No mcptrust on this machine's PATH: the one thing said on stderr is that the agent will not find it either.
    expect(r.stderr.replace(/^warning: mcptrust is not on PATH here, .*--command.*\n/, '')).toBe('');
    expect(r.code).toBe(0);
    const wrapped = readFileSync(path, 'utf8');
    const L = JSON.stringify(lock);
    expect(wrapped).toBe(`{
  "mcpServers": {
    "memory": {
      "command": "mcptrust",
      "args": [
        "proxy", "--lock", ${L}, "--server", "memory", "--env", "MEMORY_FILE_PATH", "--", "npx", "-y",
        "@modelcontextprotocol/server-memory"
      ],
      "env": { "MEMORY_FILE_PATH": "\${HOME}/memory.json" },
      "x-team-note": "ask #infra ✓"
    },
    "notes-ü": { "command": "mcptrust", "args": ["proxy", "--lock", ${L}, "--server", "notes-ü", "--", "/opt/notes/bin/notes-server"] },
    "remote": { "type": "http", "url": "https://mcp.example.com/mcp", "headers": { "Authorization": "Bearer \${TOKEN}" } },
    "old": { "command": "mcptrust", "args": ["proxy", "--lock", ${L}, "--server", "old", "--", "node", "old.js"], "disabled": true }
  }
}
`);
    expect(r.stdout).toContain('"memory": wrapped');
    expect(r.stdout).toMatch(/"remote": skipped: a remote \(HTTP\/SSE\) server/);
    // Claude Code starts a "disabled": true server of .mcp.json: it is wrapped like the others.
    expect(r.stdout).toContain('"old": wrapped');
    // The backup holds the original bytes, with the original mode.
    expect(readFileSync(`${path}.mcptrust-bak`, 'utf8')).toBe(MCP_JSON);

    // Wrap again: the same bytes, every server already wrapped.
    const again = await cli('wrap', '--config', path, '--lock', lock);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('"memory": already wrapped');
    expect(again.stdout).toContain('nothing to wrap');
    expect(readFileSync(path, 'utf8')).toBe(wrapped);

    // Unwrap: the original bytes exactly; unwrap again: nothing to unwrap, exit 0.
    const un = await cli('unwrap', '--config', path);
    expect(un.code).toBe(0);
    expect(readFileSync(path, 'utf8')).toBe(MCP_JSON);
    const un2 = await cli('unwrap', '--config', path);
    expect(un2.code).toBe(0);
    expect(un2.stdout).toContain('nothing to unwrap');
    expect(readFileSync(path, 'utf8')).toBe(MCP_JSON);
  });

  it('the wrapped config launches the proxy with the original command after --; the config reader reads it as that server', () => {
    const path = join(dir, 'proj', '.mcp.json');
    const out = wrapConfigText(MCP_JSON, path, { launcher: ['mcptrust'], lockArg: '/locks/mcp-lock.json', lockedNames: new Set(['memory', 'notes-ü']), only: [] });
    expect(JSON.parse(out.text).mcpServers.memory).toMatchObject({
      command: 'mcptrust',
      args: ['proxy', '--lock', '/locks/mcp-lock.json', '--server', 'memory', '--env', 'MEMORY_FILE_PATH', '--', 'npx', '-y', '@modelcontextprotocol/server-memory'],
    });
    // lock/diff/check --config read the server the proxy starts (tests/wrap/reader.test.ts).
    const entries = readAgentConfig(out.text, path, join(dir, 'proj'));
    const memory = resolveEntry(entries.find((e) => e.name === 'memory')!, { HOME: '/home/u' });
    expect(memory.target).toMatchObject({ kind: 'stdio', command: 'npx', args: ['-y', '@modelcontextprotocol/server-memory'], env: { MEMORY_FILE_PATH: '/home/u/memory.json' } });
  });

  it('a server missing from the lockfile is not wrapped (exit 1, says lock it first); the others are', async () => {
    const path = write('proj/.mcp.json', MCP_JSON);
    writeFileSync(lock, serversLockText({ 'notes-ü': { t: 'T.' } }));
    const r = await cli('wrap', '--config', path, '--lock', lock);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/"memory": NOT wrapped: not in the lockfile: lock it first/);
    const text = readFileSync(path, 'utf8');
    expect(text).toContain('"command": "npx"');
    expect(text).toContain('"--server", "notes-ü"');
  });

  it('--server wraps only the named server; an unknown name is exit 2 and nothing is written', async () => {
    const path = write('proj/.mcp.json', MCP_JSON);
    const r = await cli('wrap', '--config', path, '--lock', lock, '--server', 'notes-ü');
    expect(r.code).toBe(0);
    expect(readFileSync(path, 'utf8')).toContain('"command": "npx"');
    const path2 = write('proj2/.mcp.json', MCP_JSON);
    const bad = await cli('wrap', '--config', path2, '--lock', lock, '--server', 'nope');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/has no server "nope"; it has: memory, notes-ü, remote, old/);
    expect(readFileSync(path2, 'utf8')).toBe(MCP_JSON);
    expect(siblings(path2)).toEqual(['.mcp.json']);
  });

  it('--dry-run prints the change without the original args and writes nothing', async () => {
    const path = write('proj/.mcp.json', MCP_JSON);
    const r = await cli('wrap', '--config', path, '--lock', lock, '--dry-run');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('@@ server "memory" @@\n- "command": "npx"\n+ "command": "mcptrust", "args": ["proxy", "--lock",');
    expect(r.stdout).toContain('"--", "npx", …2 original args]');
    expect(r.stdout).not.toContain('server-memory');
    expect(r.stdout).toContain('dry run:');
    expect(readFileSync(path, 'utf8')).toBe(MCP_JSON);
    expect(siblings(path)).toEqual(['.mcp.json']);
  });

  it('--format json reports each server', async () => {
    const path = write('proj/.mcp.json', MCP_JSON);
    const r = await cli('wrap', '--config', path, '--lock', lock, '--format', 'json');
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ action: 'wrap', changed: true, written: true });
    expect(doc.servers.map((s: { name: string; status: string }) => `${s.name}:${s.status}`)).toEqual(['memory:wrapped', 'notes-ü:wrapped', 'remote:skipped', 'old:wrapped']);
  });

  it('--command "npx -y mcptrust" is split into command and args, and unwrap still restores the original', async () => {
    const path = write('proj/.mcp.json', MCP_JSON);
    expect((await cli('wrap', '--config', path, '--lock', lock, '--command', 'npx -y mcptrust')).code).toBe(0);
    expect(readFileSync(path, 'utf8')).toContain('"notes-ü": { "command": "npx", "args": ["-y", "mcptrust", "proxy", "--lock"');
    expect((await cli('unwrap', '--config', path)).code).toBe(0);
    expect(readFileSync(path, 'utf8')).toBe(MCP_JSON);
  });
});

describe('wrap and unwrap: other formats', () => {
  const VSCODE = '\uFEFF// Project MCP servers\r\n{\r\n  "inputs": [],\r\n  "servers": {\r\n    /* the memory server */\r\n    "memory": {\r\n      "type": "stdio",\r\n      "command": "npx",\r\n      "args": ["-y", "@modelcontextprotocol/server-memory",], // pinned\r\n    },\r\n    "github": { "url": "https://api.example.com/mcp/", "headers": { "Authorization": "Bearer ${env:GH}" } },\r\n  },\r\n}\r\n';

  it('VS Code .vscode/mcp.json (JSONC, BOM, CRLF, comments, trailing commas): exact bytes, ${workspaceFolder} lock path, round trip', async () => {
    const path = write('proj/.vscode/mcp.json', VSCODE);
    const projLock = join(dir, 'proj', 'mcp-lock.json');
    writeFileSync(projLock, readFileSync(lock));
    const r = await cli('wrap', '--config', path, '--lock', projLock);
    expect(r.code).toBe(0);
    const wrapped = readFileSync(path, 'utf8');
    expect(wrapped).toBe(VSCODE.replace('"command": "npx",\r\n      "args": ["-y"', '"command": "mcptrust",\r\n      "args": ["proxy", "--lock", "${workspaceFolder}/mcp-lock.json", "--server", "memory", "--", "npx", "-y"'));
    expect(readFileSync(path).subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(r.stdout).toMatch(/"github": skipped/);
    expect((await cli('wrap', '--config', path, '--lock', projLock)).stdout).toContain('already wrapped');
    expect(readFileSync(path, 'utf8')).toBe(wrapped);
    expect((await cli('unwrap', '--config', path)).code).toBe(0);
    expect(readFileSync(path, 'utf8')).toBe(VSCODE);
    // Read back: the reader reads the wrapped entry as the server after --.
    const entries = readAgentConfig(wrapped, path, join(dir, 'proj'));
    expect(entries[0]!.wrapped).toBe(true);
    expect(resolveEntry(entries[0]!, {}).target).toMatchObject({ command: 'npx', args: ['-y', '@modelcontextprotocol/server-memory'] });
  });

  it('VS Code settings.json "mcp": { "servers" } is wrapped in place; the other settings are untouched', () => {
    const text = '{\n  "editor.fontSize": 14, // big\n  "mcp": {\n    "servers": {\n      "memory": { "command": "npx", "args": ["-y", "@modelcontextprotocol/server-memory"] },\n    },\n  },\n}\n';
    const path = join(dir, '.vscode', 'settings.json');
    const out = wrapConfigText(text, path, { launcher: ['mcptrust'], lockArg: '/l.json', lockedNames: new Set(['memory']), only: [] });
    expect(out.text).toBe(text.replace('"command": "npx", "args": [', '"command": "mcptrust", "args": ["proxy", "--lock", "/l.json", "--server", "memory", "--", "npx", '));
    expect(unwrapConfigText(out.text, path).text).toBe(text);
  });

  it('Claude Desktop claude_desktop_config.json (tabs, escapes in the command kept as written)', () => {
    const text = '{\n\t"mcpServers": {\n\t\t"memory": {\n\t\t\t"command": "C:\\\\Program Files\\\\nodejs\\\\npx.cmd",\n\t\t\t"args": []\n\t\t}\n\t},\n\t"globalShortcut": "Ctrl+Space"\n}';
    const path = join(dir, 'Claude', 'claude_desktop_config.json');
    const out = wrapConfigText(text, path, { launcher: ['mcptrust'], lockArg: '/l.json', lockedNames: new Set(['memory']), only: [] });
    expect(out.text).toBe(text.replace('"command": "C:\\\\Program Files\\\\nodejs\\\\npx.cmd",\n\t\t\t"args": []', '"command": "mcptrust",\n\t\t\t"args": ["proxy", "--lock", "/l.json", "--server", "memory", "--", "C:\\\\Program Files\\\\nodejs\\\\npx.cmd"]'));
    expect(unwrapConfigText(out.text, path).text).toBe(text);
    expect(wrapConfigText(out.text, path, { launcher: ['mcptrust'], lockArg: '/l.json', lockedNames: new Set(['memory']), only: [] }).changed).toBe(false);
  });

  it('Cursor .cursor/mcp.json and ~/.claude.json (user and per-project servers)', () => {
    const cursor = '{"mcpServers":{"memory":{"command":"npx","args":["-y","@modelcontextprotocol/server-memory"],"env":{}}}}';
    const cpath = join(dir, 'proj', '.cursor', 'mcp.json');
    const c = wrapConfigText(cursor, cpath, { launcher: ['mcptrust'], lockArg: '${workspaceFolder}/mcp-lock.json', lockedNames: new Set(['memory']), only: [] });
    expect(c.text).toBe('{"mcpServers":{"memory":{"command":"mcptrust","args":["proxy", "--lock", "${workspaceFolder}/mcp-lock.json", "--server", "memory", "--", "npx", "-y","@modelcontextprotocol/server-memory"],"env":{}}}}');
    expect(unwrapConfigText(c.text, cpath).text).toBe(cursor);

    const claude = JSON.stringify({ numStartups: 3, mcpServers: { memory: { type: 'stdio', command: 'npx', args: ['-y', 'm'] } }, projects: { '/p': { allowedTools: [], mcpServers: { github: { command: 'gh-mcp', env: { GH: 'x' } } } } } }, null, 2);
    const hpath = join(dir, '.claude.json');
    const h = wrapConfigText(claude, hpath, { launcher: ['mcptrust'], lockArg: '/l.json', lockedNames: new Set(['memory', 'github']), only: [] });
    expect(h.servers.map((s) => `${s.name}@${s.project ?? 'user'}:${s.status}`)).toEqual(['memory@user:wrapped', 'github@/p:wrapped']);
    expect(JSON.parse(h.text).projects['/p'].mcpServers.github).toEqual({ command: 'mcptrust', args: ['proxy', '--lock', '/l.json', '--server', 'github', '--env', 'GH', '--', 'gh-mcp'], env: { GH: 'x' } });
    expect(unwrapConfigText(h.text, hpath).text).toBe(claude);
  });
});

describe('refusals write nothing', () => {
  const refuse = async (rel: string, content: string | Buffer, pattern: RegExp, extra: string[] = []) => {
    const path = write(rel, content);
    const before = readFileSync(path);
    const r = await cli('wrap', '--config', path, '--lock', lock, ...extra);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(pattern);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(readFileSync(path)).toEqual(before);
    expect(siblings(path)).toEqual([rel.split('/').at(-1)]);
  };
  it('duplicate keys', () => refuse('a/.mcp.json', '{"mcpServers":{"memory":{"command":"a"},"memory":{"command":"b"}}}', /duplicate/i));
  it('not UTF-8', () => refuse('b/.mcp.json', Buffer.from([0x7b, 0xff, 0x7d]), /not UTF-8/));
  it('not JSON', () => refuse('c/.mcp.json', '{"mcpServers": {', /is not valid JSON/));
  it('a comment in a plain-JSON config', () => refuse('d/.mcp.json', '{ // c\n"mcpServers": {}}', /is not valid JSON/));
  it('a TOML config', () => refuse('e/.codex/config.toml', '[mcp_servers.memory]\ncommand = "npx"\n', /wrap rewrites JSON agent configs/));
  it('a lockfile that does not exist', () => refuse('f/.mcp.json', MCP_JSON, /make one first|no such file/, ['--lock', join(dir, 'missing.json')]));
  it('a lockfile that is not a lockfile', async () => {
    writeFileSync(lock, '{"lockfileVersion": 99}');
    await refuse('f2/.mcp.json', MCP_JSON, /lockfileVersion|version/i);
  });
  it('a different backup already there', async () => {
    const path = write('g/.mcp.json', MCP_JSON);
    writeFileSync(`${path}.mcptrust-bak`, 'older');
    const r = await cli('wrap', '--config', path, '--lock', lock);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/mcptrust-bak exists and holds something else/);
    expect(readFileSync(path, 'utf8')).toBe(MCP_JSON);
    expect(readFileSync(`${path}.mcptrust-bak`, 'utf8')).toBe('older');
    expect(siblings(path)).toEqual(['.mcp.json', '.mcp.json.mcptrust-bak']);
  });
  it('an entry with "args": [] right after its command is left as it is (it could not be restored exactly)', () => {
    const text = '{"mcpServers":{"memory":{"command":"npx", "args": []}}}';
    const out = wrapConfigText(text, join(dir, '.mcp.json'), { launcher: ['mcptrust'], lockArg: '/l', lockedNames: new Set(['memory']), only: [] });
    expect(out.changed).toBe(false);
    expect(out.servers[0]).toMatchObject({ status: 'skipped', reason: expect.stringContaining('could not be unwrapped back exactly') });
  });
  it('keeps the file mode', async () => {
    const path = write('h/.mcp.json', MCP_JSON);
    chmodSync(path, 0o600);
    expect((await cli('wrap', '--config', path, '--lock', lock)).code).toBe(0);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(`${path}.mcptrust-bak`).mode & 0o777).toBe(0o600);
    expect(existsSync(path)).toBe(true);
  });
  it('errors are ConfigErrors with codes', () => {
    const attempt = (text: string, path: string, only: string[] = []) => {
      try {
        wrapConfigText(text, join(dir, path), { launcher: ['m'], lockArg: '/l', lockedNames: new Set(), only });
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        return (error as ConfigError).code;
      }
      return 'no error';
    };
    expect(attempt('{"mcpServers":{}}', '.mcp.json', ['x'])).toBe('UNKNOWN_SERVER');
    expect(attempt('{"mcpServers":{"a":{"command":"x"},"a":{"command":"y"}}}', '.mcp.json')).toBe('MALFORMED_CONFIG');
    expect(attempt('[mcp_servers.a]\ncommand = "x"\n', '.codex/config.toml')).toBe('UNSUPPORTED');
    expect(attempt('{"mcpServers":{"a":{"command":"x","args":"not a list"}}}', '.mcp.json')).toBe('MALFORMED_CONFIG');
  });
});

describe('edge cases', () => {
  const opts = { launcher: ['mcptrust'], lockArg: '/l.json', lockedNames: new Set(['memory', 'a"b']), only: [] as string[] };

  it('comments inside the entry and between args, args before command, a quote in the name: round trip', () => {
    const text = '{\n  "servers": {\n    "memory": {\n      "args": [ // first\n        "-y", /* mid */ "pkg", // last\n      ],\n      "command": /* c */ "npx", // trailing\n    },\n    "a\\"b": {"command": "x"} // no args\n  }\n}\n';
    const path = join(dir, '.vscode', 'mcp.json');
    const out = wrapConfigText(text, path, opts);
    expect(out.servers.map((s) => s.status)).toEqual(['wrapped', 'wrapped']);
    expect(out.text).toContain('"args": [ // first\n        "proxy", "--lock", "/l.json", "--server", "memory", "--", "npx", "-y", /* mid */ "pkg", // last\n');
    expect(out.text).toContain('"a\\"b": {"command": "mcptrust", "args": ["proxy", "--lock", "/l.json", "--server", "a\\"b", "--", "x"]} // no args');
    expect(unwrapConfigText(out.text, path).text).toBe(text);
    expect(wrapConfigText(out.text, path, opts).text).toBe(out.text);
  });

  it('a server named "--" is wrapped and unwrapped by the structure of the proxy options, not by the first "--"', () => {
    const text = '{"mcpServers":{"--":{"command":"npx","args":["pkg"]}}}';
    const path = join(dir, '.mcp.json');
    const out = wrapConfigText(text, path, { ...opts, lockedNames: new Set(['--']) });
    expect(out.text).toBe('{"mcpServers":{"--":{"command":"mcptrust","args":["proxy", "--lock", "/l.json", "--server=--", "--", "npx", "pkg"]}}}');
    expect(unwrapConfigText(out.text, path).text).toBe(text);
  });

  it('an env name the proxy cannot pass on leaves the entry as it is, with the reason', () => {
    const text = '{"mcpServers":{"memory":{"command":"npx","env":{"MY-VAR":"1"}}}}';
    const out = wrapConfigText(text, join(dir, '.mcp.json'), opts);
    expect(out.changed).toBe(false);
    expect(out.servers[0]).toMatchObject({ status: 'skipped', reason: expect.stringContaining('"MY-VAR"') });
  });

  it('an entry wrapped with "npx -y mcptrust" is recognised as wrapped by a later wrap with the default launcher', () => {
    const text = '{"mcpServers":{"memory":{"command":"npx","args":["pkg"]}}}';
    const path = join(dir, '.mcp.json');
    const once = wrapConfigText(text, path, { ...opts, launcher: ['npx', '-y', 'mcptrust'] });
    const twice = wrapConfigText(once.text, path, opts);
    expect(twice.changed).toBe(false);
    expect(twice.servers[0]!.status).toBe('already-wrapped');
  });

  it('unwrap --dry-run writes nothing; unwrap --server restores only that server', async () => {
    const text = '{\n  "mcpServers": {\n    "memory": {"command": "npx", "args": ["pkg"]},\n    "github": {"command": "gh", "args": ["repo"]}\n  }\n}\n';
    const path = write('u/.mcp.json', text);
    expect((await cli('wrap', '--config', path, '--lock', lock)).code).toBe(0);
    const wrapped = readFileSync(path, 'utf8');
    const dry = await cli('unwrap', '--config', path, '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('"memory": would be unwrapped');
    expect(readFileSync(path, 'utf8')).toBe(wrapped);
    expect((await cli('unwrap', '--config', path, '--server', 'memory')).code).toBe(0);
    const partly = readFileSync(path, 'utf8');
    expect(partly).toContain('"memory": {"command": "npx", "args": ["pkg"]}');
    expect(partly).toContain('"github": {"command": "mcptrust"');
  });
});

describe('where the file is written', () => {
  it('a config that is a symlink stays one: the file it points to is rewritten, the backup sits next to it', async () => {
    const real = write('dotfiles/claude.json', '{"mcpServers":{"memory":{"command":"npx","args":["pkg"]}}}\n');
    mkdirSync(join(dir, 'home'), { recursive: true });
    const link = join(dir, 'home', '.claude.json');
    symlinkSync(real, link);
    const r = await cli('wrap', '--config', link, '--lock', lock);
    expect(r.code, r.stderr).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(real, 'utf8')).toContain('"command":"mcptrust"');
    expect(existsSync(`${real}.mcptrust-bak`)).toBe(true);
    expect(readdirSync(join(dir, 'home'))).toEqual(['.claude.json']);
  });
});
