import { copyFileSync, cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtCli, repoRoot, runCli, tempDir } from '../helpers/cli.js';

// `check --config` reads a wrapped entry as the server after its `--`; at run time its proxy
// enforces whatever lockfile its own `--lock` names, and the lockfile server its `--server`
// names. A config whose proxy enforces another lockfile (a copy that approves more), or another
// server's surface, passed the gate although the agent would run a gate no one checked.
const memoryBin = join(repoRoot, 'node_modules', '@modelcontextprotocol', 'server-memory', 'dist', 'index.js');
const example = join(repoRoot, 'testdata', 'servers', 'example-server.mjs');
const scratch = tempDir('mcptrust-enforced-lock-');
const project = join(scratch.dir, 'project');
const config = join(project, '.mcp.json');
const lock = join(project, 'mcp-lock.json');
const env = { PATH: process.env.PATH!, HOME: scratch.dir };
let wrapped: { mcpServers: Record<string, { command: string; args: string[]; env?: Record<string, string>; cwd?: string }> };

const write = (edit: (c: typeof wrapped) => void) => {
  const copy = structuredClone(wrapped);
  edit(copy);
  writeFileSync(config, JSON.stringify(copy, null, 2));
};
const check = (...extra: string[]) => runCli(['check', '--config', config, '--lock', lock, '--format', 'json', ...extra], { cwd: project, env });
const reasons = (stdout: string, server: string): string[] =>
  (JSON.parse(stdout) as { drift: { changes: { server: string; reasons: string[] }[] } }).drift.changes.filter((c) => c.server === server).flatMap((c) => c.reasons);

beforeAll(async () => {
  mkdirSync(project, { recursive: true });
  writeFileSync(
    config,
    JSON.stringify({
      mcpServers: {
        memory: { command: process.execPath, args: [memoryBin], env: { MEMORY_FILE_PATH: join(scratch.dir, 'memory.jsonl') } },
        notes: { command: process.execPath, args: [example] },
      },
    }),
  );
  const locked = await runCli(['lock', '--config', config], { cwd: project, env });
  expect(locked.code, locked.stderr).toBe(0);
  const done = await runCli(['wrap', '--config', config, '--command', `${process.execPath} ${builtCli}`], { cwd: project, env });
  expect(done.code, done.stderr).toBe(0);
  wrapped = JSON.parse(readFileSync(config, 'utf8')) as typeof wrapped;
  // Relative to the project, where Claude Code starts its servers: the config works in every checkout.
  expect(wrapped.mcpServers.memory!.args.slice(1, 6)).toEqual(['proxy', '--lock', './mcp-lock.json', '--server', 'memory']);
}, 120_000);

afterAll(() => scratch.cleanup());

describe('check --config holds a wrapped entry to the lockfile it checked', () => {
  it('the config wrap wrote passes (exit 0): both proxies enforce this lockfile, each its own server', async () => {
    write(() => {});
    const result = await check();
    expect(result.code, result.stderr).toBe(0);
  }, 60_000);

  it('the wrapped project, committed and checked out elsewhere (a teammate, CI): still passes (exit 0)', async () => {
    write(() => {});
    const elsewhere = join(scratch.dir, 'ci-checkout');
    cpSync(project, elsewhere, { recursive: true });
    const result = await runCli(['check', '--config', join(elsewhere, '.mcp.json'), '--lock', join(elsewhere, 'mcp-lock.json'), '--format', 'json'], { cwd: elsewhere, env });
    expect(result.code, result.stdout).toBe(0);
    // The same config checked against the first project's lockfile: the proxy would enforce the checkout's own.
    const other = await runCli(['check', '--config', join(elsewhere, '.mcp.json'), '--lock', lock, '--format', 'json'], { cwd: elsewhere, env });
    expect(other.code).toBe(1);
    expect(reasons(other.stdout, 'memory')).toEqual([`its mcptrust proxy enforces the lockfile ./mcp-lock.json, not the checked ${lock}`]);
  }, 60_000);

  it('a proxy that enforces a copy of the lockfile: exit 1, high, naming the file as written', async () => {
    const copy = join(project, 'approves-more.json');
    copyFileSync(lock, copy);
    write((c) => (c.mcpServers.memory!.args[3] = copy));
    const result = await check();
    expect(result.code).toBe(1);
    expect(reasons(result.stdout, 'memory')).toEqual([`its mcptrust proxy enforces the lockfile ${copy}, not the checked ${lock}`]);
    expect(reasons(result.stdout, 'notes')).toEqual([]);
    const doc = JSON.parse(result.stdout) as { drift: { changes: { severity: string; kind: string }[]; servers: unknown[] } };
    expect(doc.drift.changes).toMatchObject([{ severity: 'high', kind: 'server' }]);
    // Nothing a `lock --approve` could take: the surface and launch are those locked.
    expect(doc.drift.servers).toEqual([]);
  }, 60_000);

  it('a second --lock after the first (the proxy keeps the last): exit 1', async () => {
    const copy = join(project, 'second.json');
    copyFileSync(lock, copy);
    write((c) => c.mcpServers.notes!.args.splice(6, 0, `--lock=${copy}`));
    const result = await check();
    expect(result.code).toBe(1);
    expect(reasons(result.stdout, 'notes')).toEqual([`its mcptrust proxy enforces the lockfile ${copy}, not the checked ${lock}`]);
  }, 60_000);

  it('a proxy that enforces another server of the same lockfile, or names none: exit 1', async () => {
    write((c) => (c.mcpServers.notes!.args[5] = 'memory'));
    let result = await check();
    expect(result.code).toBe(1);
    expect(reasons(result.stdout, 'notes')).toEqual(['its mcptrust proxy enforces the lockfile server "memory", not "notes", the server it was checked as']);
    write((c) => c.mcpServers.notes!.args.splice(4, 2));
    result = await check();
    expect(result.code).toBe(1);
    expect(reasons(result.stdout, 'notes')).toEqual(['its mcptrust proxy enforces no lockfile server (no --server), not "notes", the server it was checked as']);
  }, 60_000);

  it('a lockfile that does not exist, and a relative one from a folder no one knows: exit 1, each said', async () => {
    write((c) => (c.mcpServers.notes!.args[3] = join(project, 'gone.json')));
    let result = await check();
    expect(result.code).toBe(1);
    expect(reasons(result.stdout, 'notes')).toEqual([`its mcptrust proxy enforces the lockfile ${join(project, 'gone.json')}, which does not exist: the proxy would refuse to start`]);
    // A Claude Desktop style file (not a project config): the agent starts the entry from a
    // folder of its own, so `mcp-lock.json` could be any file.
    const desktop = join(project, 'desktop.json');
    const copy = structuredClone(wrapped);
    copy.mcpServers.notes!.args[3] = 'mcp-lock.json';
    writeFileSync(desktop, JSON.stringify(copy));
    result = await runCli(['check', '--config', desktop, '--lock', lock, '--format', 'json'], { cwd: project, env });
    expect(result.code).toBe(1);
    expect(reasons(result.stdout, 'notes')[0]).toMatch(/^its mcptrust proxy enforces the lockfile mcp-lock\.json, which cannot be told from here .*: write it as an absolute path, as mcptrust wrap does$/);
  }, 60_000);

  it('relative to the entry\'s cwd, through a symlink, or by ${workspaceFolder}: the same file, exit 0', async () => {
    const link = join(scratch.dir, 'link.json');
    symlinkSync(lock, link);
    write((c) => {
      c.mcpServers.notes!.cwd = project;
      c.mcpServers.notes!.args[3] = 'mcp-lock.json';
      c.mcpServers.memory!.args[3] = link;
    });
    let result = await check();
    expect(result.code, result.stdout).toBe(0);
    // A VS Code project config: wrap writes ${workspaceFolder}/…, which VS Code expands.
    const vscode = join(project, '.vscode');
    mkdirSync(vscode, { recursive: true });
    const servers = structuredClone(wrapped.mcpServers);
    servers.notes!.args[3] = '${workspaceFolder}/mcp-lock.json';
    writeFileSync(join(vscode, 'mcp.json'), JSON.stringify({ servers }));
    result = await runCli(['check', '--config', join(vscode, 'mcp.json'), '--lock', lock, '--format', 'json'], { cwd: project, env });
    expect(result.code, result.stdout).toBe(0);
  }, 60_000);

  it('a ${VAR} in the proxy lockfile path is shown as written, never as its value', async () => {
    const secretDir = join(scratch.dir, 'sk-live-0123456789abcdef');
    mkdirSync(secretDir, { recursive: true });
    copyFileSync(lock, join(secretDir, 'lock.json'));
    write((c) => (c.mcpServers.notes!.args[3] = '${LOCKS}/lock.json'));
    const result = await runCli(['check', '--config', config, '--lock', lock], { cwd: project, env: { ...env, LOCKS: secretDir } });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('its mcptrust proxy enforces the lockfile ${LOCKS}/lock.json, not the checked');
    expect(result.stdout + result.stderr).not.toContain('sk-live-0123456789abcdef');
  }, 60_000);

  it('diff --config reports it (exit 1); policy check --config counts it as high drift', async () => {
    const copy = join(project, 'approves-more.json');
    copyFileSync(lock, copy);
    write((c) => (c.mcpServers.memory!.args[3] = copy));
    const diff = await runCli(['diff', '--config', config, '--lock', lock, '--format', 'json'], { cwd: project, env });
    expect(diff.code).toBe(1);
    const changes = (JSON.parse(diff.stdout) as { changes: { server: string; reasons: string[]; detail: { fields: string[] } }[] }).changes;
    expect(changes).toMatchObject([{ server: 'memory', reasons: [`its mcptrust proxy enforces the lockfile ${copy}, not the checked ${lock}`], detail: { fields: ['transport.proxy'] } }]);
    // policy check sees it as live drift, of severity high, for its rules to judge.
    const policy = await runCli(['policy', 'check', '--preset', 'baseline', '--config', config, '--lock', lock, '--format', 'json'], { cwd: project, env });
    expect((JSON.parse(policy.stdout) as { drift: unknown }).drift).toEqual({ checked: true, against: 'live', hasDrift: true, changes: 1, maxSeverity: 'high' });
  }, 60_000);
});
