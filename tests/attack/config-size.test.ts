// ~/.claude.json keeps every project's state and grows to megabytes: discover read it (up to
// 32 MiB) but lock/check --config ~/.claude.json refused it over 4 MiB, so the server discover
// listed could not be locked by its file. One bound for both now.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { repoRoot, runCli, tempDir } from '../helpers/cli.js';

const memory = join(repoRoot, 'node_modules', '@modelcontextprotocol', 'server-memory', 'dist', 'index.js');
const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()!();
});

describe('a 6 MB ~/.claude.json', () => {
  it('lock --config reads it as discover does', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const home = join(dir, 'home');
    mkdirSync(home);
    const projects: Record<string, unknown> = {};
    for (let i = 0; i < 1200; i++) projects[`/p${i}`] = { history: Array.from({ length: 10 }, () => 'x'.repeat(500)) };
    const file = join(home, '.claude.json');
    writeFileSync(file, JSON.stringify({ mcpServers: { memory: { command: 'node', args: [memory], env: { MEMORY_FILE_PATH: join(dir, 'm.jsonl') } } }, projects }));
    const env = { HOME: home, PATH: process.env.PATH };
    const listed = await runCli(['discover'], { cwd: dir, env });
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain('claude-code:user:memory');
    const r = await runCli(['lock', '--config', file], { cwd: dir, env });
    expect(r.stderr).not.toContain('limit');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('memory (memory-server');
  }, 60_000);
});
