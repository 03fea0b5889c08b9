import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, runCli, tempDir } from '../helpers/cli.js';

// Discover ids are AGENT:FILE:NAME; a Claude Code project path with a ':' can make two servers
// share one. lock --discover refuses (exit 2, nothing written), and its hint must be one the
// user can follow: --discover refuses --name, so it names --server or --config instead.
const memoryBin = join(repoRoot, 'node_modules', '@modelcontextprotocol', 'server-memory', 'dist', 'index.js');
let scratch: ReturnType<typeof tempDir>;
let home: string;
beforeAll(() => {
  scratch = tempDir('mcptrust-discover-ids-');
  home = join(scratch.dir, 'home');
  mkdirSync(home, { recursive: true });
  const server = { command: process.execPath, args: [memoryBin], env: { MEMORY_FILE_PATH: join(scratch.dir, 'm.jsonl') } };
  // Existing folders: Claude Code starts a project's servers in the project folder, and so does lock.
  const [ab, a] = [join(scratch.dir, 'srv', 'a:b'), join(scratch.dir, 'srv', 'a')];
  for (const folder of [ab, a]) mkdirSync(folder, { recursive: true });
  writeFileSync(join(home, '.claude.json'), JSON.stringify({ projects: { [ab]: { mcpServers: { c: server } }, [a]: { mcpServers: { 'b:c': server } } } }));
});
afterAll(() => scratch.cleanup());

describe('lock --discover with two servers behind one id', () => {
  it('exit 2, nothing written, and a hint that works with --discover', async () => {
    const out = join(scratch.dir, 'lock.json');
    const r = await runCli(['lock', '--discover', '-o', out], { cwd: scratch.dir, env: { PATH: process.env.PATH, HOME: home } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('two servers are both named');
    expect(r.stderr).toContain('pick one with --server ID, or lock its agent config alone with --config FILE');
    expect(r.stderr).not.toContain('--name');
    expect(existsSync(out)).toBe(false);
  }, 60_000);
});
