import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureServer, runCli, tempDir } from '../helpers/cli.js';

// One change, one grade, one count: the drift fixture (testdata/diff/README.md) seen through
// lock's refusal, diff, check and the policy input must agree change for change.
let scratch: ReturnType<typeof tempDir>;
const cli = (argv: string[]) => runCli(argv, { cwd: scratch.dir });
const drifted = ['--', ...fixtureServer('drift-server.mjs', '--with=all')];

beforeAll(async () => {
  scratch = tempDir('mcptrust-one-engine-');
  const r = await cli(['lock', '--', ...fixtureServer('drift-server.mjs')]);
  expect(r.code, r.stderr).toBe(0);
}, 30_000);
afterAll(() => scratch.cleanup());

type Change = { server: string; kind: string; name: string; change: string; severity: string; breaking: boolean };
const key = (c: Change) => `${c.server}|${c.kind}|${c.name}|${c.change}|${c.severity}|${c.breaking}`;

describe('lock, diff, check and policy grade the same drift the same way', () => {
  it('same count, same severities, same servers', async () => {
    const before = readFileSync(join(scratch.dir, 'mcp-lock.json'));
    const lock = await cli(['lock', '--format', 'json', ...drifted]);
    expect(lock.code).toBe(1);
    expect(readFileSync(join(scratch.dir, 'mcp-lock.json'))).toEqual(before);
    const diff = await cli(['diff', '--format', 'json', ...drifted]);
    expect(diff.code).toBe(1);
    const check = await cli(['check', '--format', 'json', ...drifted]);
    expect(check.code).toBe(1);
    const input = await cli(['policy', 'input', ...drifted]);
    expect(input.code, input.stderr).toBe(0);

    const fromLock: Change[] = JSON.parse(lock.stdout).changes;
    const fromDiff: Change[] = JSON.parse(diff.stdout).changes;
    const fromCheck: Change[] = JSON.parse(check.stdout).drift.changes;
    const fromPolicy: Change[] = JSON.parse(input.stdout).drift.items;
    expect(fromDiff.length).toBeGreaterThan(10);
    for (const [name, list] of [['lock', fromLock], ['check', fromCheck], ['policy', fromPolicy]] as const) {
      expect(list.map(key), name).toEqual(fromDiff.map(key));
    }
    // The server change carries its transport finding everywhere (it was info in lock's refusal
    // and in check, critical-with-transport in diff).
    const server = fromDiff.find((c) => c.kind === 'server')!;
    expect(server.severity).toBe('critical');
    expect(JSON.parse(lock.stdout).summary).toEqual(JSON.parse(diff.stdout).summary);
    expect(JSON.parse(check.stdout).drift.summary).toEqual(JSON.parse(diff.stdout).summary);
    expect(JSON.parse(input.stdout).drift.maxSeverity).toBe(JSON.parse(diff.stdout).summary.maxSeverity);
  }, 60_000);

  it('text: lock\'s refusal and check print the same one line per change, naming the server', async () => {
    const diff = JSON.parse((await cli(['diff', '--format', 'json', ...drifted])).stdout);
    const lock = await cli(['lock', ...drifted]);
    const check = await cli(['check', ...drifted]);
    const summary = `${diff.summary.changes} changes (${diff.summary.breaking} breaking;`;
    expect(lock.stderr).toContain(`  ${summary}`);
    expect(check.stdout).toContain(`✗ drift     ${diff.summary.changes} changes (most severe: ${diff.summary.maxSeverity}`);
    const lockLines = lock.stderr.split('\n').filter((l) => / [+~-] drift-fixture: /.test(l)).map((l) => l.trim());
    const checkLines = check.stdout.split('\n').filter((l) => / [+~-] drift-fixture: /.test(l)).map((l) => l.trim());
    // One line per change in both (fewer than the 20 either shows), equal line for line.
    expect(lockLines).toHaveLength(diff.summary.changes);
    expect(checkLines).toEqual(lockLines);
    expect(lockLines[0]).toMatch(/^critical ~ drift-fixture: server modified: /);
    expect(checkLines.every((l) => l.includes('drift-fixture: '))).toBe(true);
    expect(existsSync(join(scratch.dir, 'mcp-lock.json'))).toBe(true);
  }, 60_000);
});
