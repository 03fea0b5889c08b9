import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/cli.js';

// Every command that reads a lockfile says how to make one when there is none (exit 2).
let scratch: ReturnType<typeof tempDir>;
beforeAll(async () => {
  scratch = tempDir('mcptrust-no-lock-');
  expect((await runCli(['keygen'], { cwd: scratch.dir })).code).toBe(0);
});
afterAll(() => scratch.cleanup());

const server = ['--', process.execPath, 'server.mjs'];
const cases: [string, string[], string][] = [
  ['verify', ['verify', '--key', 'mcptrust.pub'], 'mcp-lock.json'],
  ['sign', ['sign', '--key', 'mcptrust.key'], 'mcp-lock.json'],
  ['diff', ['diff', ...server], 'mcp-lock.json'],
  ['diff --against', ['diff', '--lock', 'agents.json', '--against', 'other.json'], 'agents.json'],
  ['check', ['check', ...server], 'mcp-lock.json'],
  ['policy check', ['policy', 'check', '--preset', 'baseline', '--lock', 'agents.json'], 'agents.json'],
  ['policy input', ['policy', 'input'], 'mcp-lock.json'],
  ['scan --lock', ['scan', '--lock', 'agents.json'], 'agents.json'],
];

describe('a missing lockfile', () => {
  it.each(cases)('%s: exit 2, "no such file", and the lock command that makes one', async (_, argv, file) => {
    const r = await runCli(argv, { cwd: scratch.dir });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const out = file === 'mcp-lock.json' ? '' : ` -o ${file}`;
    expect(r.stderr).toMatch(new RegExp(`^error: cannot read lockfile .*${file.replace('.', '\\.')}: no such file\\n`));
    expect(r.stderr).toContain(`\n  make one first: mcptrust lock${out} --config .mcp.json (or -- CMD ARGS..., or --url URL)\n`);
  });
});
