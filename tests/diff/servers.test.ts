import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureServer, repoRoot, runCli, tempDir } from '../helpers/cli.js';

const everything = [process.execPath, join(repoRoot, 'node_modules', '@modelcontextprotocol', 'server-everything', 'dist', 'index.js')];
let scratch: ReturnType<typeof tempDir>;
beforeAll(() => {
  scratch = tempDir('mcptrust-diff-servers-');
});
afterAll(() => scratch.cleanup());

describe('diff on real servers', () => {
  it('server-everything against its own lock: no drift, exit 0', async () => {
    const lock = await runCli(['lock', '-o', 'everything.json', '--', ...everything], { cwd: scratch.dir });
    expect(lock.code, lock.stderr).toBe(0);
    const text = await runCli(['diff', '--lock', 'everything.json', '--', ...everything], { cwd: scratch.dir });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toBe('no drift: the live server matches everything.json\n');
    const json = await runCli(['diff', '--lock', 'everything.json', '--format', 'json', '--', ...everything], { cwd: scratch.dir });
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ drift: false, failed: false, changes: [] });
  }, 60_000);

  it('lock refuses a drifted example server with a graded summary from the diff engine', async () => {
    const example = fixtureServer('example-server.mjs');
    expect((await runCli(['lock', '--', ...example], { cwd: scratch.dir })).code).toBe(0);
    const r = await runCli(['lock', '--', ...example, '--changed'], { cwd: scratch.dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('refused: mcp-lock.json pins something different from what the servers offer now; nothing written.');
    expect(r.stderr).toMatch(/critical +\+ example-notes: tool "exec_shell" added: new tool points at command execution/);
    expect(r.stderr).toMatch(/low +~ example-notes: tool "write_note" modified \(breaking\)/);
    const json = await runCli(['lock', '--format', 'json', '--', ...example, '--changed'], { cwd: scratch.dir });
    expect(json.code).toBe(1);
    const doc = JSON.parse(json.stdout);
    expect(doc.written).toBe(false);
    expect(doc.changes.find((c: { name: string }) => c.name === 'exec_shell')).toMatchObject({ severity: 'critical', breaking: false, change: 'added' });
  }, 60_000);
});
