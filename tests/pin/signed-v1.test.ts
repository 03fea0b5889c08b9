// Lockfiles across the artifact change: one signed before pinning existed (testdata/signed-v1,
// no `artifact` field) still verifies and checks; the strict reader refuses an `artifact` on a
// server reached over HTTP (only a stdio launch runs code here).
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LockfileError, parseLockfile } from '../../src/lockfile/parse.js';
import { oneToolLockText } from '../helpers/lockfiles.js';
import { repoRoot, runCli, tempDir } from '../helpers/cli.js';

// As the old lock recorded it: `node` found on PATH.
const node = 'node';
let scratch: ReturnType<typeof tempDir>;
let dir: string;
beforeAll(() => {
  scratch = tempDir('mcptrust-signed-v1-');
  dir = join(scratch.dir, 'signed-v1');
  cpSync(join(repoRoot, 'testdata', 'signed-v1'), dir, { recursive: true });
});
afterAll(() => scratch.cleanup());
const cli = (argv: string[]) => runCli(argv, { cwd: dir, env: { PATH: process.env.PATH, HOME: scratch.dir } });

describe('a lockfile signed before artifact pinning', () => {
  it('has no artifact field, verifies, and passes check --no-pin with its signature', async () => {
    expect(readFileSync(join(dir, 'mcp-lock.json'), 'utf8')).not.toMatch(/artifact/);
    const verified = await cli(['verify', '--key', 'signer.pub']);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    const checked = await cli(['check', '--no-pin', '--key', 'signer.pub', '--', node, './server.mjs']);
    expect(checked.code, checked.stdout + checked.stderr).toBe(0);
    expect(checked.stdout).toMatch(/signature/);
  });

  it('a pinned check fails closed: the lockfile pins nothing and the live launch is pinned', async () => {
    const checked = await cli(['check', '--key', 'signer.pub', '--format', 'json', '--', node, './server.mjs']);
    expect(checked.code).toBe(1);
    expect(checked.stdout).toMatch(/high/);
    expect(checked.stdout).toMatch(/\.\/server\.mjs/);
  });

  it('a byte changed in it no longer verifies', async () => {
    const text = readFileSync(join(dir, 'mcp-lock.json'), 'utf8');
    writeFileSync(join(dir, 'mcp-lock.json'), text.replace('Echo the text.', 'Echo the text!'));
    const verified = await cli(['verify', '--key', 'signer.pub']);
    expect(verified.code).toBe(1);
    writeFileSync(join(dir, 'mcp-lock.json'), text);
  });
});

describe('the strict reader and an artifact on an HTTP server', () => {
  const httpLock = (transport: Record<string, unknown>) => {
    const lock = JSON.parse(oneToolLockText({ server: 'remote' }));
    lock.servers.remote.transport = transport;
    lock.servers.remote.artifact = { type: 'local', spec: './s.mjs', integrity: `sha256-${Buffer.alloc(32, 1).toString('base64')}`, files: [{ path: './s.mjs', integrity: `sha256-${Buffer.alloc(32, 1).toString('base64')}` }] };
    return JSON.stringify(lock, null, 2);
  };

  for (const type of ['streamable-http', 'sse']) {
    it(`refuses it on a ${type} server (INVALID_STRUCTURE naming the field); the same server without it reads`, () => {
      const transport = { type, url: 'https://mcp.example.com/mcp', headers: [] };
      let error: unknown;
      try {
        parseLockfile(httpLock(transport), 'http.json');
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(LockfileError);
      expect(error).toMatchObject({ code: 'INVALID_STRUCTURE' });
      expect((error as Error).message).toBe(`http.json: servers["remote"].artifact is recorded for stdio servers only; this server is reached over ${type}`);
      const without = JSON.parse(httpLock(transport));
      delete without.servers.remote.artifact;
      expect(parseLockfile(JSON.stringify(without), 'http.json').servers.remote!.transport.type).toBe(type);
    });
  }

  it('a command reading it exits 2 with that message', async () => {
    writeFileSync(join(dir, 'http.json'), httpLock({ type: 'sse', url: 'https://mcp.example.com/sse', headers: [] }));
    const r = await cli(['run', '--lock', 'http.json', '--dry-run']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/servers\["remote"\]\.artifact is recorded for stdio servers only/);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
  });
});
