import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POLICY_INPUT_SCHEMA } from '../../src/policy/input-schema.js';
import { repoRoot, runCli, tempDir } from '../helpers/cli.js';

// A real server, never locked: the pre-deploy hook case.
const memory = join(repoRoot, 'node_modules', '@modelcontextprotocol', 'server-memory', 'dist', 'index.js');
let dir: string;
let cleanup: () => void;
let env: NodeJS.ProcessEnv;
beforeAll(() => {
  ({ dir, cleanup } = tempDir('mcptrust-unlocked-'));
  env = { ...process.env, MEMORY_FILE_PATH: join(dir, 'memory.jsonl') };
  writeFileSync(join(dir, 'locked.yaml'), "name: must-be-locked\nrules:\n  - name: approved\n    expr: 'input.locked'\n");
  writeFileSync(join(dir, 'no-delete.yaml'), "name: no-delete\nrules:\n  - name: no_delete_tools\n    expr: '!input.tools.exists(t, t.name.startsWith(\"delete_\"))'\n");
});
afterAll(() => cleanup());

const run = (...args: string[]) => runCli(['policy', ...args], { cwd: dir, env });
const server = ['--', process.execPath, memory];

describe('policy check --no-lockfile: the live surface of a server not locked yet', () => {
  it('evaluates the live tools, with drift not applicable, and writes nothing', async () => {
    const r = await run('check', '--preset', 'strict', '--policy', 'no-delete.yaml', '--no-lockfile', ...server);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('on the live server (no lockfile)');
    expect(r.stdout).toContain('drift not applicable (--no-lockfile: no approved lockfile to compare with)');
    // The presets pass on this server; the org rule names the live tools it refuses.
    expect(r.stdout).toContain('preset:strict (strict, mode strict): 10 of 10 rules passed');
    expect(r.stdout).toMatch(/- tool memory-server\/delete_entities\n/);
    expect(r.stdout).toMatch(/- tool memory-server\/delete_observations\n/);
    const json = JSON.parse((await run('check', '--policy', 'no-delete.yaml', '--no-lockfile', '--format', 'json', ...server)).stdout);
    expect(json.lockfile).toBeNull();
    expect(json.drift).toEqual({ checked: false, against: null, hasDrift: false, changes: 0, maxSeverity: null });
    expect(json.policy.rules[0].offending.total).toBe(3);
    expect(readdirSync(dir).filter((f) => f.endsWith('.json'))).toEqual([]);
  }, 30_000);

  it('input.locked is false, so a policy can require an approved lockfile (fails closed)', async () => {
    const r = await run('check', '--policy', 'locked.yaml', '--no-lockfile', ...server);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('✗ approved [error]');
    const input = JSON.parse((await run('input', '--no-lockfile', ...server)).stdout);
    expect(input).toMatchObject({ source: 'live', locked: false, drift: { checked: false, hasDrift: false, items: [] } });
    expect(input.tools.map((t: { name: string }) => t.name)).toContain('create_entities');
    const validate = new Ajv({ strict: false }).compile(POLICY_INPUT_SCHEMA);
    expect(validate(input), JSON.stringify(validate.errors)).toBe(true);
  }, 30_000);

  it('without --no-lockfile a missing lockfile is exit 2 saying how to go on; the flag needs a live server and no --lock', async () => {
    const missing = await run('check', '--preset', 'strict', ...server);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read lockfile .*mcp-lock\.json: no such file; to judge the live server without one use --no-lockfile, or lock it first \(mcptrust lock -o mcp-lock\.json …\)/);
    const noServer = await run('check', '--preset', 'strict', '--no-lockfile');
    expect(noServer.code).toBe(2);
    expect(noServer.stderr).toMatch(/--no-lockfile evaluates a live server: give -- CMD ARGS\.\.\., --url URL or --config FILE/);
    const both = await run('check', '--preset', 'strict', '--no-lockfile', '--lock', 'x.json', ...server);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/option '--no-lockfile' cannot be used with option '--lock <file>'/);
    expect(existsSync(join(dir, 'mcp-lock.json'))).toBe(false);
  }, 30_000);
});
