// Re-locking over a signed lockfile: the signature file beside it signs the old bytes, so
// verify and check refuse the new lockfile. lock changed the bytes silently; it now says so
// (on stderr, in both formats), and says nothing when the bytes it writes are the same.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, runCli, tempDir } from '../helpers/cli.js';

const memory = join(repoRoot, 'node_modules', '@modelcontextprotocol', 'server-memory', 'dist', 'index.js');
let scratch: ReturnType<typeof tempDir>;
const cli = (argv: string[]) => runCli(argv, { cwd: scratch.dir });
const STALE = 'note: mcp-lock.json changed, so the signatures in mcp-lock.json.sig no longer verify it: review it, then sign it again (mcptrust sign)\n';

function writeConfig(extra: string[]) {
  const mcpServers = {
    a: { command: 'node', args: [memory, ...extra], env: { MEMORY_FILE_PATH: join(scratch.dir, 'a.jsonl') } },
    b: { command: 'node', args: [memory], env: { MEMORY_FILE_PATH: join(scratch.dir, 'b.jsonl') } },
  };
  writeFileSync(join(scratch.dir, '.mcp.json'), JSON.stringify({ mcpServers }));
}

beforeAll(async () => {
  scratch = tempDir('mcptrust-relock-signed-');
  writeConfig([]);
  expect((await cli(['lock', '--config', '.mcp.json'])).code).toBe(0);
  expect((await cli(['keygen', '--out-dir', 'keys'])).code).toBe(0);
  expect((await cli(['sign', '--key', 'keys/mcptrust.key'])).code).toBe(0);
  expect((await cli(['verify', '--key', 'keys/mcptrust.pub'])).code).toBe(0);
}, 60_000);
afterAll(() => scratch.cleanup());

describe('lock over a signed lockfile', () => {
  it('same bytes: no note, the signature still verifies', async () => {
    const r = await cli(['lock', '--config', '.mcp.json', '--server', 'a']);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain('mcp-lock.json.sig');
    expect((await cli(['verify', '--key', 'keys/mcptrust.pub'])).code).toBe(0);
  }, 60_000);

  it('a partial re-lock that changes the bytes says the signature no longer verifies', async () => {
    writeConfig(['--unused-flag']);
    const before = readFileSync(join(scratch.dir, 'mcp-lock.json'), 'utf8');
    const r = await cli(['lock', '--config', '.mcp.json', '--server', 'a', '--force', '--format', 'json']);
    expect(r.code).toBe(0);
    expect(readFileSync(join(scratch.dir, 'mcp-lock.json'), 'utf8')).not.toBe(before);
    expect(r.stderr).toBe(STALE);
    expect(JSON.parse(r.stdout)).toBeTypeOf('object');
    expect((await cli(['verify', '--key', 'keys/mcptrust.pub'])).code).toBe(1);
  }, 60_000);
});
