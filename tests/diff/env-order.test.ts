// `diff` compares env var and header names as sets: the order they were given in (`--env`, a
// config, a hand-edited lockfile) is not drift; a name added or removed still is.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureServer, runCli, tempDir } from '../helpers/cli.js';

const server = fixtureServer('shuffle-server.mjs', '--tools=3', '--seed=3');
const env = { PATH: process.env.PATH, HOME: process.env.HOME };

let scratch: ReturnType<typeof tempDir>;
let lockPath: string;
beforeAll(async () => {
  scratch = tempDir();
  lockPath = join(scratch.dir, 'mcp-lock.json');
  const r = await runCli(['lock', '--name', 's', '--env', 'B_VAR=1', '--env', 'A_VAR=2', '-o', lockPath, '--', ...server], { cwd: scratch.dir, env });
  expect(r.code, r.stderr).toBe(0);
});
afterAll(() => scratch.cleanup());

/** A copy of the lockfile with its transport replaced. */
function withTransport(file: string, transport: unknown): string {
  const json = JSON.parse(readFileSync(lockPath, 'utf8'));
  json.servers.s.transport = transport;
  // An artifact pin belongs to a launched (stdio) server only; the reader refuses it elsewhere.
  if ((transport as { type: string }).type !== 'stdio') delete json.servers.s.artifact;
  const path = join(scratch.dir, file);
  writeFileSync(path, `${JSON.stringify(json, null, 2)}\n`);
  return path;
}

describe('diff: env var and header names are sets', () => {
  it('the same --env names in another order than the lockfile (sorted) one: no drift, exit 0', async () => {
    expect(JSON.parse(readFileSync(lockPath, 'utf8')).servers.s.transport.env).toEqual(['A_VAR', 'B_VAR']);
    const r = await runCli(['diff', '--lock', lockPath, '--name', 's', '--env', 'B_VAR=3', '--env', 'A_VAR=4', '--', ...server], { cwd: scratch.dir, env });
    expect(r.stdout + r.stderr).not.toMatch(/environment variables/);
    expect(r.code, r.stdout).toBe(0);
  });

  it('a lockfile listing the same env names in another order: no drift, exit 0', async () => {
    const json = JSON.parse(readFileSync(lockPath, 'utf8'));
    const other = withTransport('reordered.json', { ...json.servers.s.transport, env: ['B_VAR', 'A_VAR'] });
    const r = await runCli(['diff', '--lock', lockPath, '--against', other, '--format', 'json'], { cwd: scratch.dir, env });
    expect(r.code, r.stdout).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ drift: false, changes: [] });
  });

  it('header names in another order and case: no drift; a new header name is drift', async () => {
    const a = withTransport('http-a.json', { type: 'streamable-http', url: 'https://example.com/mcp', headers: ['Authorization', 'X-Api-Key'] });
    const b = withTransport('http-b.json', { type: 'streamable-http', url: 'https://example.com/mcp', headers: ['x-api-key', 'authorization'] });
    const same = await runCli(['diff', '--lock', a, '--against', b, '--format', 'json'], { cwd: scratch.dir, env });
    expect(same.code, same.stdout).toBe(0);
    expect(JSON.parse(same.stdout)).toMatchObject({ drift: false, changes: [] });
    const c = withTransport('http-c.json', { type: 'streamable-http', url: 'https://example.com/mcp', headers: ['authorization', 'X-Tenant', 'x-api-key'] });
    const added = await runCli(['diff', '--lock', a, '--against', c], { cwd: scratch.dir, env });
    expect(added.code).toBe(1);
    expect(added.stdout).toMatch(/the server now receives header "X-Tenant"/);
  });

  it('an env name added is still drift (exit 1), named', async () => {
    const r = await runCli(['diff', '--lock', lockPath, '--name', 's', '--env', 'B_VAR=1', '--env', 'C_VAR=1', '--env', 'A_VAR=2', '--', ...server], { cwd: scratch.dir, env });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/the server now receives environment variable "C_VAR"/);
  });
});
