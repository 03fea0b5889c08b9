// The bounds flags of `mcptrust lock` (--timeout, --max-items): what they accept, the usage
// error (exit 2) for what they do not, and that the values given are the ones applied.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { parsePositiveInt, parseTimeout } from '../../cmd/options.js';
import { DEFAULT_LIMITS } from '../../src/mcp/index.js';
import { fixtureServer, runCli, tempDir } from '../helpers/cli.js';

/** A "server" that only leaves a file behind if it is ever started. */
const canary = [process.execPath, '-e', "require('node:fs').writeFileSync('started', '')"];

async function lockIn(argv: string[]) {
  const { dir, cleanup } = tempDir();
  try {
    const r = await runCli(argv, { cwd: dir });
    return { ...r, files: readdirSync(dir), lock: existsSync(join(dir, 'mcp-lock.json')) ? readFileSync(join(dir, 'mcp-lock.json'), 'utf8') : undefined };
  } finally {
    cleanup();
  }
}

describe('the default bounds', () => {
  it('are the documented ones', () => {
    expect(DEFAULT_LIMITS).toEqual({
      timeoutMs: 30_000,
      maxMessageBytes: 16 * 1024 * 1024,
      maxItemBytes: 1024 * 1024,
      maxItems: 10_000,
      maxPages: 1_000,
      stderrBytes: 64 * 1024,
      maxSurfaceBytes: 64 * 1024 * 1024,
    });
  });

  it('are shown in lock --help in the units the flags take', async () => {
    const r = await lockIn(['lock', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--timeout <duration>\s+per-request timeout \(30s, 500ms, 2m\) \(default:\s+30s\)/);
    expect(r.stdout).toMatch(/--max-items <n>\s+most items accepted in one list \(default:\s+10000\)/);
  });
});

describe('--timeout', () => {
  it.each([
    ['30s', 30_000],
    ['500ms', 500],
    ['2m', 120_000],
    ['1.5s', 1_500],
    ['5', 5_000],
    ['1ms', 1],
    ['1440m', 86_400_000],
  ])('accepts %s as %d ms', (text, ms) => {
    expect(parseTimeout(text)).toBe(ms);
  });

  it.each(['abc', '0', '0s', '-1s', '10h', '1.5.2s', '', '30 s', '1e3', '0x10'])('refuses %j as a duration', (text) => {
    expect(() => parseTimeout(text)).toThrow(InvalidArgumentError);
    expect(() => parseTimeout(text)).toThrow('expected a duration such as 30s, 500ms or 2m');
  });

  it('refuses more than a day, which Node timers would turn into an immediate timeout', () => {
    expect(() => parseTimeout('1441m')).toThrow('expected a duration of at most 1440m (one day)');
    expect(() => parseTimeout('40000m')).toThrow(InvalidArgumentError);
  });

  it.each(['abc', '0', '-1s', '10h'])('--timeout %s: exit 2 with the reason, no server started, nothing written', async (text) => {
    const r = await lockIn(['lock', '--timeout', text, '--', ...canary]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error: option '--timeout <duration>' argument '${text}' is invalid. expected a duration such as 30s, 500ms or 2m\n`);
    expect(r.stderr).toContain('(run mcptrust lock --help for usage)');
    expect(r.stdout).toBe('');
    expect(r.files).toEqual([]);
  });

  it('--timeout 40000m: exit 2 naming the one-day cap', async () => {
    const r = await lockIn(['lock', '--timeout', '40000m', '--', ...canary]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("error: option '--timeout <duration>' argument '40000m' is invalid. expected a duration of at most 1440m (one day)\n");
    expect(r.files).toEqual([]);
  });

  it('--timeout without a value: exit 2', async () => {
    const r = await lockIn(['lock', '--timeout']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error: option '--timeout <duration>' argument missing/);
    expect(r.files).toEqual([]);
  });

  it('is the bound applied to each request (300ms against a server that never answers)', async () => {
    const r = await lockIn(['lock', '--timeout', '300ms', '--', ...fixtureServer('hostile-server.mjs', '--mode=no-init')]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^error: server did not answer initialize within 0\.3s \(raise --timeout if it is just slow\)$/m);
    // Ended by that bound: the message names it. No wall time is asserted (speed is `npm run
    // bench`); the test's own timeout, the bound plus generous slack, is the hang guard.
    expect(r.files).toEqual([]);
  }, 300 + 30_000);
});

describe('--max-items', () => {
  it.each([
    ['1', 1],
    ['10000', 10_000],
    ['250000', 250_000],
  ])('accepts %s', (text, n) => {
    expect(parsePositiveInt(text)).toBe(n);
  });

  it.each(['0', '-3', 'ten', '1.5', '', '99999999999999999999', '1e3', '0x10'])('--max-items %j: exit 2 with the reason, no server started', async (text) => {
    expect(() => parsePositiveInt(text)).toThrow(InvalidArgumentError);
    const r = await lockIn(['lock', '--max-items', text, '--', ...canary]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error: option '--max-items <n>' argument '${text}' is invalid. expected a whole number of at least 1\n`);
    expect(r.stdout).toBe('');
    expect(r.files).toEqual([]);
  });

  it('lowered below what the server lists: exit 3 naming the bound, nothing written', async () => {
    const r = await lockIn(['lock', '--max-items', '3', '--', ...fixtureServer('hostile-server.mjs', '--mode=lookalike')]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^error: server listed more than 3 tools \(raise --max-items if that is expected\)$/m);
    expect(r.files).toEqual([]);
  });

  it('exactly what the server lists: locked', async () => {
    const r = await lockIn(['lock', '--max-items', '4', '--', ...fixtureServer('hostile-server.mjs', '--mode=lookalike')]);
    expect(r.code, r.stderr).toBe(0);
    expect(Object.keys(JSON.parse(r.lock!).servers['hostile-lookalike'].tools)).toHaveLength(4);
  });

  it('counts items across pages (12,000 against 25,000 tools in pages of 5,000)', async () => {
    const r = await lockIn(['lock', '--max-items', '12000', '--', ...fixtureServer('hostile-server.mjs', '--mode=many-tools')]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^error: server listed more than 12000 tools \(raise --max-items if that is expected\)$/m);
    expect(r.files).toEqual([]);
  });

  it('raised above the default: 25,000 tools over 5 pages are locked', async () => {
    const r = await lockIn(['lock', '--max-items', '25000', '--', ...fixtureServer('hostile-server.mjs', '--mode=many-tools')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ {4}25000 tools, 0 prompts, 0 resources, 0 resource templates$/m);
    const tools = JSON.parse(r.lock!).servers['hostile-many-tools'].tools;
    expect(Object.keys(tools)).toHaveLength(25_000);
    expect(tools.tool_24999.definition.name).toBe('tool_24999');
  });
});
