import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readAgentConfig } from '../../src/config/agent-config.js';
import { fixtureServer, runCli, tempDir } from '../helpers/cli.js';

// The config reader (lock/diff/check --config, discover, lock --discover) reads an entry that
// `wrap` put `mcptrust proxy … --` in front of as the server after the `--`, so a wrapped and an
// unwrapped config give the same lockfile; an entry that only looks wrapped is read as written.
const scratch = tempDir('mcptrust-wrap-reader-');
afterAll(() => scratch.cleanup());
const env = { PATH: process.env.PATH!, HOME: scratch.dir, NOTES_TOKEN: 'tok-secret-value-123' };
const [node, server] = fixtureServer('example-server.mjs');

const project = (name: string) => {
  const dir = join(scratch.dir, name);
  mkdirSync(dir, { recursive: true });
  return dir;
};
const configText = (entry: object) => `${JSON.stringify({ mcpServers: { notes: entry } }, null, 2)}\n`;

describe('reading a wrapped config', () => {
  it('lock of a config, wrap it, lock again from the wrapped config: the same lockfile bytes; check against the wrapped config passes', async () => {
    const cwd = project('roundtrip');
    const config = join(cwd, '.mcp.json');
    const original = configText({ command: node, args: [server], env: { NOTES_TOKEN: '${NOTES_TOKEN}' } });
    writeFileSync(config, original);
    const lockPath = join(cwd, 'mcp-lock.json');

    const first = await runCli(['lock', '--no-pin', '--config', config], { cwd, env });
    expect(first.code, first.stderr).toBe(0);
    const unwrappedLock = readFileSync(lockPath);

    const wrapped = await runCli(['wrap', '--config', config, '--lock', lockPath], { cwd, env });
    expect(wrapped.code, wrapped.stderr).toBe(0);
    const entry = JSON.parse(readFileSync(config, 'utf8')).mcpServers.notes as { command: string; args: string[] };
    expect(entry.command).toBe('mcptrust');
    // A project config: the lock path relative to the project, where the agent starts the server.
    expect(entry.args).toEqual(['proxy', '--lock', './mcp-lock.json', '--server', 'notes', '--env', 'NOTES_TOKEN', '--', node, server]);

    const again = await runCli(['lock', '--no-pin', '--force', '--config', config], { cwd, env });
    expect(again.code, again.stderr).toBe(0);
    expect(readFileSync(lockPath).equals(unwrappedLock)).toBe(true);
    expect(readFileSync(lockPath, 'utf8')).not.toContain('proxy');
    expect(readFileSync(lockPath, 'utf8')).not.toContain('tok-secret-value-123');

    const check = await runCli(['check', '--no-pin', '--config', config, '--lock', lockPath], { cwd, env });
    expect(check.code, check.stdout + check.stderr).toBe(0);

    // The reader gives the server after `--`, with the entry's env, and says it was wrapped.
    const [read] = readAgentConfig(readFileSync(config, 'utf8'), config, cwd);
    expect(read!.wrapped).toBe(true);
    expect(read!.spec).toEqual({ kind: 'stdio', command: node, args: [server], env: { NOTES_TOKEN: '${NOTES_TOKEN}' } });
  }, 120_000);

  it('discover marks a wrapped entry (text and JSON) and shows the server it launches', async () => {
    const cwd = project('discover');
    const lockPath = join(cwd, 'mcp-lock.json');
    writeFileSync(
      join(cwd, '.mcp.json'),
      `${JSON.stringify(
        {
          mcpServers: {
            notes: { command: 'npx', args: ['-y', 'mcptrust@0.1.0', 'proxy', '--lock', lockPath, '--server', 'notes', '--', node, server] },
            plain: { command: node, args: [server] },
          },
        },
        null,
        2,
      )}\n`,
    );
    const json = await runCli(['discover', '--format', 'json'], { cwd, env });
    expect(json.code, json.stderr).toBe(0);
    const servers = (JSON.parse(json.stdout) as { servers: { name: string; wrapped?: boolean; transport: unknown }[] }).servers;
    const notes = servers.find((s) => s.name === 'notes')!;
    expect(notes.wrapped).toBe(true);
    expect(notes.transport).toEqual({ type: 'stdio', command: node, args: [server], env: [] });
    expect('wrapped' in servers.find((s) => s.name === 'plain')!).toBe(false);

    const text = await runCli(['discover'], { cwd, env });
    expect(text.code, text.stderr).toBe(0);
    const lines = text.stdout.split('\n');
    expect(lines.find((l) => l.includes(':notes '))).toContain('(wrapped: through mcptrust proxy)');
    expect(lines.find((l) => l.includes(':plain '))).not.toContain('wrapped');
  });

  it('a look-alike that does not start mcptrust (node proxy --lock x -- server.js) is read as written', async () => {
    const cwd = project('lookalike');
    const config = join(cwd, '.mcp.json');
    writeFileSync(config, configText({ command: 'node', args: ['proxy', '--lock', 'x', '--', 'server.js'] }));
    const [read] = readAgentConfig(readFileSync(config, 'utf8'), config, cwd);
    expect(read!.wrapped).toBeUndefined();
    expect(read!.spec).toEqual({ kind: 'stdio', command: 'node', args: ['proxy', '--lock', 'x', '--', 'server.js'], env: {} });

    // Nor an entry with a non-proxy option before `--`.
    writeFileSync(config, configText({ command: 'mcptrust', args: ['proxy', '--lock', 'x', '--exec', 'y', '--', 'server.js'] }));
    const [odd] = readAgentConfig(readFileSync(config, 'utf8'), config, cwd);
    expect(odd!.wrapped).toBeUndefined();
    expect(odd!.spec).toMatchObject({ command: 'mcptrust', args: ['proxy', '--lock', 'x', '--exec', 'y', '--', 'server.js'] });

    const json = await runCli(['discover', '--format', 'json'], { cwd, env });
    expect(json.code, json.stderr).toBe(0);
    const [shown] = (JSON.parse(json.stdout) as { servers: { wrapped?: boolean; transport: { command: string } }[] }).servers;
    expect(shown!.wrapped).toBeUndefined();
    expect(shown!.transport.command).toBe('mcptrust');
  });
});
