// Hostile agent configs and policy test fixtures: a config with 100,000 servers is listed (the
// listing was quadratic in the servers of one file: 20,000 took 18 s, 100,000 did not finish in a
// minute), and YAML nested a megabyte deep (a Goose config, a Continue block file, an expect file
// of `policy test`) is refused by depth at file:line:col after one pass, before the parser
// recurses (it took 20 s and 1 GB, then said "resource exhaustion").
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfigDocument } from '../../src/config/agent-config.js';
import { parseExpectation } from '../../src/policy/test.js';
import { runCli, tempDir } from '../helpers/cli.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()!();
});

describe('hostile agent configs', () => {
  it('discover lists 100,000 servers of one file, one line each', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const home = join(dir, 'home');
    const cwd = join(dir, 'project');
    mkdirSync(home);
    mkdirSync(cwd);
    const servers: Record<string, unknown> = {};
    for (let i = 0; i < 100_000; i++) servers[`s${i}`] = { command: 'echo', args: ['x'] };
    writeFileSync(join(home, '.claude.json'), JSON.stringify({ mcpServers: servers }));
    const r = await runCli(['discover'], { cwd, env: { HOME: home, PATH: process.env.PATH } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(100_002);
    expect(lines[1]).toMatch(/^ {2}claude-code:user:s0 +stdio +echo x$/);
    expect(lines.at(-1)).toBe('100000 servers in 1 agent; lock them all with: mcptrust lock --discover');
  }, 120_000);

  it('a megabyte of "[" in a YAML config is refused by depth, placed, quoting nothing', () => {
    const text = `extensions:\n  x: ${'['.repeat(1024 * 1024)}`;
    expect(() => parseConfigDocument(text, 'config.yaml', 'yaml')).toThrow('config.yaml:2:70: is not valid YAML: nests deeper than 64 levels');
  });

  it('block sequences opened on one line count too; a config at the bound still parses', () => {
    expect(() => parseConfigDocument(`mcpServers:\n${'- '.repeat(100)}x\n`, 'c.yaml', 'yaml')).toThrow(/^c\.yaml:2:\d+: is not valid YAML: nests deeper than 64 levels$/);
    const ok = `a: ${'['.repeat(63)}1${']'.repeat(63)}\n`;
    expect(parseConfigDocument(ok, 'c.yaml', 'yaml')).toHaveProperty('a');
  });

  it('a Goose config.yaml a megabyte deep: discover exits 2 naming the file', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const home = join(dir, 'home');
    mkdirSync(join(home, '.config', 'goose'), { recursive: true });
    writeFileSync(join(home, '.config', 'goose', 'config.yaml'), `extensions: ${'['.repeat(1024 * 1024)}`);
    const r = await runCli(['discover'], { cwd: dir, env: { HOME: home, PATH: process.env.PATH, XDG_CONFIG_HOME: join(home, '.config') } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${join(home, '.config', 'goose', 'config.yaml')}:1:77: is not valid YAML: nests deeper than 64 levels`);
  });

  it('a policy test expect file a megabyte deep is INVALID_TEST at file:line:col', () => {
    expect(() => parseExpectation(`rules: ${'{'.repeat(1024 * 1024)}`, 'a.expect.yaml')).toThrow('a.expect.yaml:1:72: nests deeper than 64 levels');
  });
});
