import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtCli, repoRoot, runCli, tempDir } from '../helpers/cli.js';

// `~/.cursor/mcp.json` and `~/.gemini/settings.json` end as their agents' project files do, and
// `--config` read them as project configs whose project is the home folder: an entry with no
// `cwd` was taken as started in ~, so a wrapped entry's relative `--lock ./mcp-lock.json`
// resolved to ~/mcp-lock.json and passed `check`, although the agent starts its user servers
// wherever it runs (the project it has open). They are the agents' user configs: a relative lock
// path there cannot be resolved, and is reported; `wrap` writes them an absolute one.
const memoryBin = join(repoRoot, 'node_modules', '@modelcontextprotocol', 'server-memory', 'dist', 'index.js');
const scratch = tempDir('mcptrust-home-configs-');
const home = join(scratch.dir, 'home');
const elsewhere = join(scratch.dir, 'work');
const lock = join(home, 'mcp-lock.json');
const env = { PATH: process.env.PATH!, HOME: home };
const memory = { command: process.execPath, args: [memoryBin], env: { MEMORY_FILE_PATH: join(scratch.dir, 'memory.jsonl') } };
const proxied = (lockArg: string) => ({ ...memory, args: [builtCli, 'proxy', '--lock', lockArg, '--server', 'memory', '--', process.execPath, memoryBin] });
const files = { cursor: join(home, '.cursor', 'mcp.json'), gemini: join(home, '.gemini', 'settings.json') };

beforeAll(async () => {
  mkdirSync(join(home, '.cursor'), { recursive: true });
  mkdirSync(join(home, '.gemini'), { recursive: true });
  mkdirSync(elsewhere, { recursive: true });
  writeFileSync(files.cursor, JSON.stringify({ mcpServers: { memory } }));
  const locked = await runCli(['lock', '--config', files.cursor, '-o', lock], { cwd: elsewhere, env });
  expect(locked.code, locked.stderr).toBe(0);
}, 120_000);
afterAll(() => scratch.cleanup());

const reasons = (stdout: string): string[] => (JSON.parse(stdout) as { drift: { changes: { reasons: string[] }[] } }).drift.changes.flatMap((c) => c.reasons);

describe('the home folder is no project', () => {
  it.each(Object.entries(files))('%s: a wrapped entry with a relative --lock and no cwd is reported (exit 1), not resolved against ~', async (_, file) => {
    writeFileSync(file, JSON.stringify({ mcpServers: { memory: proxied('./mcp-lock.json') } }));
    const r = await runCli(['check', '--config', file, '--lock', lock, '--format', 'json'], { cwd: elsewhere, env });
    expect(r.code, r.stderr).toBe(1);
    expect(reasons(r.stdout).join('\n')).toContain('enforces the lockfile ./mcp-lock.json, which cannot be told from here');
  }, 60_000);

  it.each(Object.entries(files))('%s: the same entry with the absolute path wrap writes there passes (exit 0)', async (_, file) => {
    writeFileSync(file, JSON.stringify({ mcpServers: { memory: proxied(lock) } }));
    const r = await runCli(['check', '--config', file, '--lock', lock, '--format', 'json'], { cwd: elsewhere, env });
    expect(r.code, r.stderr).toBe(0);
  }, 60_000);

  it('a project .cursor/mcp.json of the same shape still resolves ./mcp-lock.json from its project (exit 0)', async () => {
    const project = join(scratch.dir, 'project');
    mkdirSync(join(project, '.cursor'), { recursive: true });
    const config = join(project, '.cursor', 'mcp.json');
    writeFileSync(config, JSON.stringify({ mcpServers: { memory: proxied('./mcp-lock.json') } }));
    writeFileSync(join(project, 'mcp-lock.json'), readFileSync(lock));
    const r = await runCli(['check', '--config', config, '--lock', join(project, 'mcp-lock.json'), '--format', 'json'], { cwd: elsewhere, env });
    expect(r.code, r.stderr).toBe(0);
  }, 60_000);
});
