// `./…` paths in a lock are relative to the lockfile's folder: every command that pins a live
// launch against a lock (policy check, the proxy's preflight) and `run` take that folder from
// --lock, not from where they are started. A lock made in folder A, used from folder B.
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { builtCli, repoRoot, runCli, tempDir } from '../helpers/cli.js';
import { ProxyProcess } from '../proxy/harness.js';

const serverSource = readFileSync(join(repoRoot, 'testdata', 'npm-registry', 'mcp-server.mjs'), 'utf8');
const node = process.execPath;

let root: ReturnType<typeof tempDir>;
let a: string;
let b: string;
beforeEach(async () => {
  root = tempDir('mcptrust-pin-folder-');
  a = join(root.dir, 'A');
  b = join(root.dir, 'B');
  mkdirSync(a);
  mkdirSync(b);
  writeFileSync(join(a, 'server.mjs'), serverSource);
  // A look-alike in B: if anything resolved `./server.mjs` from B, this is what it would find.
  writeFileSync(join(b, 'server.mjs'), 'process.stderr.write("decoy ran\\n"); process.exit(7);\n');
  writeFileSync(join(b, 'no-drift.yaml'), 'name: "No drift"\nrules:\n  - name: "No drift"\n    expr: "!input.drift.hasDrift"\n    failure_msg: "The live server drifted."\n');
  const locked = await cli(['lock', '--', node, './server.mjs'], a);
  expect(locked.code, locked.stderr).toBe(0);
  const server = JSON.parse(readFileSync(join(a, 'mcp-lock.json'), 'utf8')).servers['npm-fixture'];
  expect(server.transport.args).toEqual(['./server.mjs']);
  expect(server.artifact.files).toEqual([{ path: './server.mjs', integrity: expect.stringMatching(/^sha256-/) }]);
});
afterEach(() => root.cleanup());

const env = () => ({ PATH: process.env.PATH, HOME: root.dir });
const cli = (argv: string[], cwd: string) => runCli(argv, { cwd, env: env() });
const lockFromB = join('..', 'A', 'mcp-lock.json');
const live = () => [node, join(a, 'server.mjs')];

describe('policy check -- CMD --lock A/mcp-lock.json, run from B', () => {
  it('passes on the same script and fails when the script changed', async () => {
    const same = await cli(['policy', 'check', '--policy', 'no-drift.yaml', '--lock', lockFromB, '--format', 'json', '--', ...live()], b);
    expect(same.code, same.stdout + same.stderr).toBe(0);
    expect(JSON.parse(same.stdout).drift).toMatchObject({ checked: true, hasDrift: false });
    appendFileSync(join(a, 'server.mjs'), '\n// other code, same tools\n');
    const changed = await cli(['policy', 'check', '--policy', 'no-drift.yaml', '--lock', lockFromB, '--format', 'json', '--', ...live()], b);
    expect(changed.code, changed.stdout + changed.stderr).toBe(1);
    expect(JSON.parse(changed.stdout).drift).toMatchObject({ checked: true, hasDrift: true, changes: 1, maxSeverity: 'high' });
  }, 120_000);
});

describe('proxy --lock A/mcp-lock.json, started from B', () => {
  it('the preflight passes on the same script (the agent is answered) and refuses a changed one', async () => {
    const p = new ProxyProcess(['--lock', lockFromB, '--', ...live()], b);
    const answer = await Promise.race([p.initialize(), p.exited.then(() => Promise.reject(new Error(`the proxy exited: ${p.stderr}`)))]);
    expect(answer).toMatchObject({ id: 0, result: { serverInfo: { name: 'npm-fixture' } } });
    p.child.stdin.end();
    await p.exited;
    expect(p.stderr).not.toMatch(/drifted/);

    appendFileSync(join(a, 'server.mjs'), '\n// other code, same tools\n');
    const q = new ProxyProcess(['--lock', lockFromB, '--', ...live()], b);
    expect((await q.exited).code).toBe(1);
    expect(q.messages).toEqual([]);
    expect(q.stderr).toMatch(/local file "\.\/server\.mjs" changed/);
    expect(q.stderr).toMatch(/not started \(exit 1\)/);
  }, 120_000);
});

/** The built CLI with the agent's stdin: one initialize request, then end of input. */
function runBuilt(argv: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(node, [builtCli, ...argv], { cwd, env: env() });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
      if (stdout.includes('\n')) child.stdin.end();
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'a', version: '1' } } })}\n`);
  });
}

describe('run --lock A/mcp-lock.json from B', () => {
  it('starts ./server.mjs from the lock folder A, not the look-alike in B', async () => {
    const dry = await cli(['run', '--lock', lockFromB, '--dry-run', '--format', 'json'], b);
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ verified: true, started: false, files: 1 });
    const ran = await runBuilt(['run', '--lock', lockFromB], b);
    expect(ran.stderr).not.toMatch(/decoy ran/);
    expect(ran.code, ran.stderr).toBe(0);
    expect(JSON.parse(ran.stdout.split('\n')[0]!)).toMatchObject({ id: 1, result: { serverInfo: { name: 'npm-fixture' } } });
  }, 120_000);

  it('refuses to start a changed script (exit 1), from any folder', async () => {
    appendFileSync(join(a, 'server.mjs'), '\n// other code\n');
    const ran = await runBuilt(['run', '--lock', lockFromB], b);
    expect(ran.code).toBe(1);
    expect(ran.stdout).toBe('');
    expect(ran.stderr).toMatch(/server\.mjs/);
  }, 120_000);
});
