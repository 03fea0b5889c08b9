import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLockfile } from '../../src/lockfile/parse.js';
import { fixtureServer, runCli, tempDir } from '../helpers/cli.js';

const env = { PATH: process.env.PATH, HOME: process.env.HOME };
let scratch: ReturnType<typeof tempDir>;
beforeAll(() => {
  scratch = tempDir();
});
afterAll(() => scratch.cleanup());

describe('lockfile determinism', () => {
  it('gives byte-identical files whatever order and page sizes the server uses', async () => {
    const outputs: string[] = [];
    for (const seed of [1, 2, 3]) {
      const out = join(scratch.dir, `shuffle-${seed}.json`);
      const r = await runCli(['lock', '--name', 'shuffle', '-o', out, '--', ...fixtureServer('shuffle-server.mjs', '--tools=300', `--seed=${seed}`)], { cwd: scratch.dir, env });
      expect(r.code).toBe(0);
      outputs.push(readFileSync(out, 'utf8'));
    }
    // The fixture's seed is part of its argv, which the transport records; compare without it.
    const surfaces = outputs.map((t) => t.replace(/"--seed=\d+"/, '"--seed"'));
    expect(surfaces[1]).toBe(surfaces[0]);
    expect(surfaces[2]).toBe(surfaces[0]);
    const lock = parseLockfile(outputs[0]!);
    expect(Object.keys(lock.servers.shuffle!.surface.tools)).toHaveLength(300);
  });

  it('is pretty-printed, sorted, and ends with a newline', async () => {
    const text = readFileSync(join(scratch.dir, 'shuffle-1.json'), 'utf8');
    expect(text.endsWith('}\n')).toBe(true);
    expect(text.split('\n')[1]).toBe('  "lockfileVersion": 1,');
    const names = [...text.matchAll(/^ {8}"(tool_\d+)": \{$/gm)].map((m) => m[1]);
    expect(names).toHaveLength(300);
    expect(names).toEqual([...names].sort());
    // Keys inside a definition are sorted too (RFC 8785 order).
    const def = text.slice(text.indexOf('"tool_00000": {'));
    expect(def.indexOf('"definition"')).toBeLessThan(def.indexOf('"digest"'));
    expect(def.indexOf('"annotations"')).toBeLessThan(def.indexOf('"description"'));
  });
});

describe('re-locking an existing lockfile', () => {
  const lockExample = (out: string, ...extra: string[]) =>
    runCli(['lock', '-o', out, ...extra.filter((e) => e.startsWith('--f')), '--', ...fixtureServer('example-server.mjs', ...extra.filter((e) => !e.startsWith('--f')))], { cwd: scratch.dir, env });

  it('is a no-op for the same surface', async () => {
    const out = join(scratch.dir, 'same.json');
    expect((await lockExample(out)).code).toBe(0);
    const before = readFileSync(out, 'utf8');
    const again = await lockExample(out);
    expect(again.code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(before);
  });

  it('refuses a changed surface with exit 1 and a summary, leaving the file untouched', async () => {
    const out = join(scratch.dir, 'drift.json');
    expect((await lockExample(out)).code).toBe(0);
    const before = readFileSync(out);
    const r = await lockExample(out, '--changed');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/drift\.json pins something different from what the servers offer now; nothing written/);
    expect(r.stderr).toMatch(/exec_shell/);
    expect(r.stderr).toMatch(/daily_review/);
    expect(r.stderr).toMatch(/--force/);
    expect(readFileSync(out).equals(before)).toBe(true);
  });

  it('overwrites with --force', async () => {
    const out = join(scratch.dir, 'drift.json');
    const r = await lockExample(out, '--changed', '--force');
    expect(r.code).toBe(0);
    expect(Object.keys(parseLockfile(readFileSync(out, 'utf8')).servers['example-notes']!.surface.tools)).toContain('exec_shell');
  });

  it('never overwrites an unreadable lockfile without --force', async () => {
    const out = join(scratch.dir, 'broken.json');
    writeFileSync(out, '{"lockfileVersion": 1, "servers": {');
    const r = await lockExample(out);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/broken\.json is not valid JSON.*refusing to overwrite it \(use --force/);
    expect(readFileSync(out, 'utf8')).toBe('{"lockfileVersion": 1, "servers": {');
    const forced = await lockExample(out, '--force');
    expect(forced.code).toBe(0);
    expect(parseLockfile(readFileSync(out, 'utf8')).lockfileVersion).toBe(1);
  });

  it('leaves no temporary files behind', async () => {
    const { readdirSync } = await import('node:fs');
    expect(readdirSync(scratch.dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(existsSync(join(scratch.dir, 'mcp-lock.json'))).toBe(false);
  });
});

describe('lock output path', () => {
  it('refuses a folder that does not exist before starting the server (exit 2)', async () => {
    const marker = join(scratch.dir, 'server-started');
    const r = await runCli(['lock', '-o', join(scratch.dir, 'no-such-folder', 'mcp-lock.json'), '--', process.execPath, '-e', `require('node:fs').writeFileSync(${JSON.stringify(marker)}, '')`], {
      cwd: scratch.dir,
      env,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot write .*no-such-folder.*: its folder does not exist/);
    expect(existsSync(marker)).toBe(false);
  });
});
