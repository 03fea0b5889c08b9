// lock --discover locks real servers (server-memory from node_modules) found in a temp HOME and
// project; ${input:…} in one server refuses only that server when selected; relative paths
// resolve against the config's folder where the agent does so, and are recorded as written.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAgentConfig, resolveEntry } from '../../src/config/agent-config.js';
import { parseLockfile } from '../../src/lockfile/parse.js';
import { repoRoot, runCli, tempDir } from '../helpers/cli.js';

const memoryBin = join(repoRoot, 'node_modules', '@modelcontextprotocol', 'server-memory', 'dist', 'index.js');
const node = process.execPath;

let scratch: ReturnType<typeof tempDir>;
let home: string;
let project: string;
let elsewhere: string;

function write(path: string, value: unknown): void {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value, null, 2));
}

beforeAll(() => {
  scratch = tempDir();
  home = join(scratch.dir, 'home');
  project = join(scratch.dir, 'project');
  elsewhere = join(scratch.dir, 'elsewhere');
  mkdirSync(elsewhere, { recursive: true });
  const memoryFile = join(scratch.dir, 'memory.jsonl');
  write(join(home, '.cursor', 'mcp.json'), { mcpServers: { memory: { command: node, args: [memoryBin], env: { MEMORY_FILE_PATH: memoryFile } } } });
  write(
    join(project, '.vscode', 'mcp.json'),
    `{
  // one server needs a prompt; the other does not
  "inputs": [{ "type": "promptString", "id": "api-key", "password": true }],
  "servers": {
    "needs-key": { "type": "stdio", "command": "${node}", "args": ["${memoryBin}"], "env": { "API_KEY": "\${input:api-key}" } },
    "plain": { "type": "stdio", "command": "${node}", "args": ["${memoryBin}"], "env": { "MEMORY_FILE_PATH": "${memoryFile}" } },
  },
}
`,
  );
  // A project-scope server started by a relative command, as Claude Code starts it: from the project.
  write(join(project, 'bin', 'memory.sh'), `#!/bin/sh\nexec "${node}" "${memoryBin}" "$@"\n`);
  chmodSync(join(project, 'bin', 'memory.sh'), 0o755);
  write(join(project, '.mcp.json'), { mcpServers: { relative: { command: './bin/memory.sh', args: [], env: { MEMORY_FILE_PATH: memoryFile } } } });
});
afterAll(() => scratch.cleanup());

const env = () => ({ PATH: process.env.PATH, HOME: home });

describe('lock --discover', () => {
  it('a ${input:…} server refuses the whole discover lock: exit 2 naming the server and the input, nothing written', async () => {
    const out = join(scratch.dir, 'all.json');
    const r = await runCli(['lock', '--discover', '-o', out], { cwd: project, env: env() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\.vscode\/mcp\.json: server "needs-key" env API_KEY uses \$\{input:api-key\}, which needs an interactive prompt/);
    expect(existsSync(out)).toBe(false);
  });

  it.runIf(process.platform !== 'win32')('locks the servers picked by id from a user and two project configs into one lockfile, named by id', async () => {
    const out = join(scratch.dir, 'picked.json');
    const r = await runCli(['lock', '--discover', '--server', 'cursor:user:memory', '--server', 'vscode:project:plain', '--server', 'claude-code:project:relative', '-o', out], {
      cwd: project,
      env: env(),
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lock = parseLockfile(readFileSync(out, 'utf8'));
    expect(Object.keys(lock.servers)).toEqual(['claude-code:project:relative', 'cursor:user:memory', 'vscode:project:plain']);
    for (const server of Object.values(lock.servers)) {
      expect(server.surface.identity.serverInfo.name).toBe('memory-server');
      expect(Object.keys(server.surface.tools)).toContain('create_entities');
    }
    // The relative command is recorded as written: the lockfile travels with the project.
    expect(lock.servers['claude-code:project:relative']!.transport).toEqual({ type: 'stdio', command: './bin/memory.sh', args: [], env: ['MEMORY_FILE_PATH'] });
    expect(lock.servers['cursor:user:memory']!.transport).toMatchObject({ command: node, args: [memoryBin], env: ['MEMORY_FILE_PATH'] });
  });

  it('an unknown id lists the known ones; --name does not go with --discover', async () => {
    const r = await runCli(['lock', '--discover', '--server', 'memory'], { cwd: project, env: env() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/the discovered configs has no server "memory"; it has: claude-code:project:relative, cursor:user:memory, vscode:project:needs-key, vscode:project:plain/);
    const n = await runCli(['lock', '--discover', '--name', 'x'], { cwd: project, env: env() });
    expect(n.code).toBe(2);
    expect(n.stderr).toMatch(/--name does not go with --discover/);
    const both = await runCli(['lock', '--discover', '--config', '.mcp.json'], { cwd: project, env: env() });
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/give only one of: .*--discover/);
  });
});

describe('${input:…} in one server does not block --server of another (--config)', () => {
  it('locks the plain server of a config whose other server needs an input', async () => {
    const out = join(scratch.dir, 'plain.json');
    const r = await runCli(['lock', '--config', join(project, '.vscode', 'mcp.json'), '--server', 'plain', '-o', out], { cwd: elsewhere, env: env() });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(Object.keys(parseLockfile(readFileSync(out, 'utf8')).servers)).toEqual(['plain']);
  });

  it('selecting the server that uses it: exit 2 naming the server and the input, nothing written', async () => {
    const out = join(scratch.dir, 'needs.json');
    const r = await runCli(['lock', '--config', join(project, '.vscode', 'mcp.json'), '--server', 'needs-key', '-o', out], { cwd: elsewhere, env: env() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/server "needs-key" env API_KEY uses \$\{input:api-key\}, which needs an interactive prompt/);
    expect(existsSync(out)).toBe(false);
  });

  it('an unset ${VAR} in another server does not block either', () => {
    const text = JSON.stringify({ mcpServers: { a: { command: 'x', env: { K: '${NOT_SET_ANYWHERE}' } }, b: { command: 'y' } } });
    const entries = readAgentConfig(text, '/p/.mcp.json', '/p');
    expect(resolveEntry(entries.find((e) => e.name === 'b')!, {}).target).toMatchObject({ command: 'y' });
    expect(() => resolveEntry(entries.find((e) => e.name === 'a')!, {})).toThrow(/references \$\{NOT_SET_ANYWHERE\}, which is not set/);
  });
});

describe('relative paths resolve against the config folder where the agent does so', () => {
  it.runIf(process.platform !== 'win32')('--config .mcp.json from another folder: ./bin/memory.sh is started from the project, recorded as written', async () => {
    const out = join(scratch.dir, 'relative.json');
    const r = await runCli(['lock', '--config', join(project, '.mcp.json'), '-o', out], { cwd: elsewhere, env: env() });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(parseLockfile(readFileSync(out, 'utf8')).servers.relative!.transport).toMatchObject({ command: './bin/memory.sh' });
  });

  it('project files: cwd, envFile and ./ commands from the project folder; ${workspaceFolder} the same', () => {
    const text = JSON.stringify({ servers: { s: { command: './run', args: ['./data', '${workspaceFolder}/x'], cwd: 'sub', envFile: '.env' } } });
    const [entry] = readAgentConfig(text, '/proj/.vscode/mcp.json', '/proj');
    const s = resolveEntry(entry!, {});
    // args that look like paths are left to the server: only the command, cwd and envFile resolve.
    expect(s.target).toEqual({
      kind: 'stdio',
      command: '/proj/sub/run',
      args: ['./data', '/proj/x'],
      env: {},
      cwd: '/proj/sub',
      written: { command: './run', args: ['./data', '${workspaceFolder}/x'] },
    });
    expect(s.envFile).toBe('/proj/.env');
    const [gemini] = readAgentConfig(JSON.stringify({ mcpServers: { g: { command: 'python', cwd: './tools' } } }), '/proj/.gemini/settings.json', '/proj');
    expect(resolveEntry(gemini!, {}).target).toMatchObject({ command: 'python', cwd: '/proj/tools' });
  });

  it('user files of agents that start servers anywhere (Claude Desktop) leave a ./ command as written', () => {
    const [entry] = readAgentConfig(JSON.stringify({ mcpServers: { s: { command: './run' } } }), '/h/Library/Application Support/Claude/claude_desktop_config.json', '/elsewhere');
    expect(resolveEntry(entry!, {}).target).toEqual({ kind: 'stdio', command: './run', args: [], env: {} });
  });

  it("Claude Code's local scope: ~/.claude.json servers of the current project start from it, and hide user servers of the same name", () => {
    const text = JSON.stringify({
      mcpServers: { db: { command: 'user-db' }, web: { command: 'web' } },
      projects: { '/proj': { mcpServers: { db: { command: './local-db' } } }, '/other': { mcpServers: { x: { command: 'x' } } } },
    });
    const entries = readAgentConfig(text, '/h/.claude.json', '/proj');
    expect(entries.map((e) => [e.name, e.project])).toEqual([
      ['web', undefined],
      ['db', '/proj'],
    ]);
    expect(resolveEntry(entries[1]!, {}).target).toMatchObject({ command: '/proj/local-db', written: { command: './local-db' } });
  });
});
