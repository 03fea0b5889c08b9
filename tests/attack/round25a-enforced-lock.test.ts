import { spawn } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtCli, repoRoot, runCli, tempDir } from '../helpers/cli.js';

// Round 25a: `check --config` holds a wrapped entry's proxy (`mcptrust proxy --lock L --server S
// -- CMD`) to the lockfile it checked and to the entry's name. The attacker wants a config that
// passes `check` (exit 0) while the proxy the agent starts (same argv, same cwd, the built bin's
// commander parsing) enforces another lockfile or another server.
const memoryBin = join(repoRoot, 'node_modules', '@modelcontextprotocol', 'server-memory', 'dist', 'index.js');
const scratch = tempDir('mcptrust-r25a-');
const project = join(scratch.dir, 'project');
const config = join(project, '.mcp.json');
const lock = join(project, 'mcp-lock.json');
const env = { PATH: process.env.PATH!, HOME: scratch.dir };
type Entry = { command: string; args: string[]; env?: Record<string, string>; cwd?: string };
let unwrappedText: string;
let wrapped: Entry;

/** The .mcp.json with the wrapped memory entry, edited. */
const write = (edit: (e: Entry) => void, file = config, key = 'mcpServers') => {
  const copy = structuredClone(wrapped);
  edit(copy);
  writeFileSync(file, JSON.stringify({ [key]: { memory: copy } }, null, 2));
  return copy;
};
const check = (file = config, extra: string[] = [], cwd = project, e: NodeJS.ProcessEnv = env) =>
  runCli(['check', '--config', file, '--lock', lock, '--format', 'json', ...extra], { cwd, env: e });
const reasons = (stdout: string): string[] =>
  (JSON.parse(stdout) as { drift: { changes: { server: string; reasons: string[] }[] } }).drift.changes.filter((c) => c.server === 'memory').flatMap((c) => c.reasons);

/**
 * Starts the entry as the agent does: its command and args (after the agent's own variable
 * expansion, given here), in `cwd`, with its env; stdin at end of file, so a proxy that starts
 * sees the agent close the session at once (exit 0), and one that refuses exits 2 or 1.
 */
function startAsAgent(entry: Entry, cwd: string): Promise<{ code: number; stderr: string }> {
  return new Promise((done, reject) => {
    const child = spawn(entry.command, entry.args, { cwd, env: { ...env, ...entry.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    child.stdout.resume();
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code: code ?? -1, stderr });
    });
  });
}

beforeAll(async () => {
  mkdirSync(project, { recursive: true });
  writeFileSync(config, JSON.stringify({ mcpServers: { memory: { command: process.execPath, args: [memoryBin], env: { MEMORY_FILE_PATH: join(scratch.dir, 'memory.jsonl') } } } }));
  unwrappedText = readFileSync(config, 'utf8');
  const locked = await runCli(['lock', '--config', config], { cwd: project, env });
  expect(locked.code, locked.stderr).toBe(0);
  const done = await runCli(['wrap', '--config', config, '--command', `${process.execPath} ${builtCli}`], { cwd: project, env });
  expect(done.code, done.stderr).toBe(0);
  wrapped = (JSON.parse(readFileSync(config, 'utf8')) as { mcpServers: { memory: Entry } }).mcpServers.memory;
  expect(wrapped.args.slice(1, 8)).toEqual(['proxy', '--lock', './mcp-lock.json', '--server', 'memory', '--env', 'MEMORY_FILE_PATH']);
  // A decoy: not the checked lockfile. A proxy that reads it refuses to start and names it.
  writeFileSync(join(project, 'decoy.json'), 'not a lockfile\n');
}, 120_000);

afterAll(() => scratch.cleanup());

/** Inserts proxy words right before the entry's `--`. */
const beforeDashDash = (e: Entry, ...words: string[]) => e.args.splice(e.args.indexOf('--'), 0, ...words);

describe('option spellings: check reads --lock and --server as the proxy\'s commander does', () => {
  it('the config wrap wrote: check exit 0, and the proxy started as the agent starts it runs (exit 0 on the agent closing)', async () => {
    const entry = write(() => {});
    const result = await check();
    expect(result.code, result.stdout).toBe(0);
    const run = await startAsAgent(entry, project);
    expect(run.code, run.stderr).toBe(0);
  }, 90_000);

  it('--lock DECOY --lock ./mcp-lock.json: both keep the last (check exit 0, the proxy runs on the checked file)', async () => {
    const entry = write((e) => e.args.splice(2, 0, '--lock', 'decoy.json'));
    const result = await check();
    expect(result.code, result.stdout).toBe(0);
    const run = await startAsAgent(entry, project);
    expect(run.code, run.stderr).toBe(0);
  }, 90_000);

  it('--lock=DECOY after the first, or --lock DECOY between other options: check exit 1 and the proxy reads the decoy', async () => {
    for (const edit of [(e: Entry) => beforeDashDash(e, '--lock=decoy.json'), (e: Entry) => e.args.splice(6, 0, '--lock', 'decoy.json')]) {
      const entry = write(edit);
      const result = await check();
      expect(result.code, result.stdout).toBe(1);
      expect(reasons(result.stdout)).toEqual([`its mcptrust proxy enforces the lockfile decoy.json, not the checked ${lock}`]);
      const run = await startAsAgent(entry, project);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('decoy.json');
    }
  }, 120_000);

  it('--lock whose value is "--" (commander takes it as the value), then the real --: check exit 1, the proxy refuses', async () => {
    const entry = write((e) => beforeDashDash(e, '--lock', '--'));
    const result = await check();
    expect(result.code, result.stdout).toBe(1);
    expect(reasons(result.stdout)).toEqual([`its mcptrust proxy enforces the lockfile --, which does not exist: the proxy would refuse to start`]);
    const run = await startAsAgent(entry, project);
    expect(run.code).toBe(2);
  }, 90_000);

  it('--lock= (empty) and --lock . (a folder): check exit 1', async () => {
    for (const value of ['--lock=', '.']) {
      write((e) => (value === '.' ? beforeDashDash(e, '--lock', '.') : beforeDashDash(e, value)));
      const result = await check();
      expect(result.code, result.stdout).toBe(1);
      expect(reasons(result.stdout)).toHaveLength(1);
      expect(reasons(result.stdout)[0]).toMatch(/^its mcptrust proxy enforces the lockfile \.?, not the checked /);
    }
  }, 90_000);

  it('--server=memory is the same server (exit 0); --server twice, empty, or another name: exit 1', async () => {
    write((e) => e.args.splice(4, 2, '--server=memory'));
    let result = await check();
    expect(result.code, result.stdout).toBe(0);
    const twice = write((e) => e.args.splice(6, 0, '--server', 'memory'));
    result = await check();
    expect(result.code).toBe(1);
    expect(reasons(result.stdout)).toEqual(['its mcptrust proxy enforces the lockfile server "memory", "memory", not "memory", the server it was checked as']);
    // The proxy refuses it too (a proxy runs one server).
    const run = await startAsAgent(twice, project);
    expect(run.code).toBe(2);
    for (const value of ['--server=', '--server=Memory', '--server=memory ']) {
      write((e) => e.args.splice(4, 2, value));
      result = await check();
      expect(result.code, value).toBe(1);
    }
  }, 120_000);

  it('spellings the proxy reads otherwise make the entry unwrapped (read as written): never exit 0', async () => {
    const variants: ((e: Entry) => void)[] = [
      (e) => (e.args[2] = '--lock=./mcp-lock.json'), // not `--lock` right after proxy
      (e) => beforeDashDash(e, '--loc', 'decoy.json'), // an abbreviation (commander: unknown option)
      (e) => beforeDashDash(e, '-h'),
      (e) => beforeDashDash(e, '--help'),
      (e) => beforeDashDash(e, '--audit-only', '--audit', join(scratch.dir, 'a.jsonl')),
      (e) => beforeDashDash(e, '--fail-on', 'none'),
      (e) => beforeDashDash(e, '--config', config),
      (e) => beforeDashDash(e, '--name', 'other'),
      (e) => beforeDashDash(e, '--bogus'),
    ];
    for (const [i, edit] of variants.entries()) {
      write(edit);
      const result = await check();
      expect(result.code, `variant ${i}: ${result.stdout}${result.stderr}`).not.toBe(0);
    }
  }, 240_000);
});

describe('launchers: only a launch that starts mcptrust itself counts as wrapped', () => {
  it('the bin by absolute path as the command: wrapped, held to the lockfile (exit 0; a decoy --lock: exit 1)', async () => {
    write((e) => {
      e.command = builtCli;
      e.args.shift();
    });
    let result = await check();
    expect(result.code, result.stdout).toBe(0);
    write((e) => {
      e.command = builtCli;
      e.args.shift();
      e.args[2] = 'decoy.json';
    });
    result = await check();
    expect(result.code).toBe(1);
    expect(reasons(result.stdout)).toEqual([`its mcptrust proxy enforces the lockfile decoy.json, not the checked ${lock}`]);
  }, 90_000);

  it('sh -c "mcptrust proxy --lock decoy.json …" (or the checked lock): read as written, so the launch is drift (never exit 0)', async () => {
    const inner = `${process.execPath} ${builtCli} proxy --lock decoy.json --server memory --env MEMORY_FILE_PATH -- ${process.execPath} ${memoryBin}`;
    for (const edit of [
      (e: Entry) => {
        e.command = '/bin/sh';
        e.args = ['-c', inner];
      },
      (e: Entry) => {
        e.command = '/bin/sh';
        e.args = ['-c', inner.replace('decoy.json', './mcp-lock.json')];
      },
    ]) {
      write(edit);
      const result = await check();
      expect(result.code, result.stdout + result.stderr).not.toBe(0);
    }
  }, 120_000);
});

describe('paths: the file check compares is the file the proxy opens', () => {
  it('relative to the entry\'s own cwd: ../mcp-lock.json from cwd "sub" is the checked file (exit 0, the proxy runs there)', async () => {
    mkdirSync(join(project, 'sub'), { recursive: true });
    const entry = write((e) => {
      e.cwd = 'sub';
      e.args[3] = '../mcp-lock.json';
    });
    const result = await check();
    expect(result.code, result.stdout).toBe(0);
    const run = await startAsAgent(entry, join(project, 'sub'));
    expect(run.code, run.stderr).toBe(0);
  }, 90_000);

  it('~ is not expanded by check, nor by the agent (no shell): ~/mcp-lock.json is a folder "~" of the project, exit 1', async () => {
    copyFileSync(lock, join(scratch.dir, 'mcp-lock.json'));
    write((e) => (e.args[3] = '~/mcp-lock.json'));
    const result = await check();
    expect(result.code).toBe(1);
    expect(reasons(result.stdout)).toEqual(['its mcptrust proxy enforces the lockfile ~/mcp-lock.json, which does not exist: the proxy would refuse to start']);
  }, 60_000);

  it('a symlink committed in the project that points at the lockfile: the same file for both (exit 0)', async () => {
    symlinkSync('mcp-lock.json', join(project, 'link-lock.json'));
    const entry = write((e) => (e.args[3] = 'link-lock.json'));
    const result = await check();
    expect(result.code, result.stdout).toBe(0);
    const run = await startAsAgent(entry, project);
    expect(run.code, run.stderr).toBe(0);
  }, 90_000);
});

describe('false alarms a user hits with a config wrap wrote', () => {
  it('checked from a subfolder, with relative --config and --lock: exit 0', async () => {
    write(() => {});
    mkdirSync(join(project, 'deep', 'er'), { recursive: true });
    const result = await runCli(['check', '--config', '../../.mcp.json', '--lock', '../../mcp-lock.json', '--format', 'json'], { cwd: join(project, 'deep', 'er'), env });
    expect(result.code, result.stdout).toBe(0);
  }, 60_000);

  it('checked through a symlinked checkout (the lock path taken through the link, the config through the real path): exit 0', async () => {
    write(() => {});
    const link = join(scratch.dir, 'linked');
    symlinkSync(project, link);
    let result = await runCli(['check', '--config', join(link, '.mcp.json'), '--lock', join(link, 'mcp-lock.json'), '--format', 'json'], { cwd: link, env });
    expect(result.code, result.stdout).toBe(0);
    result = await runCli(['check', '--config', config, '--lock', join(link, 'mcp-lock.json'), '--format', 'json'], { cwd: scratch.dir, env });
    expect(result.code, result.stdout).toBe(0);
  }, 90_000);

  it('the same project, copied to another path, its lockfile in locks/: wrap\'s ./locks/… passes there (exit 0)', async () => {
    const other = join(scratch.dir, 'other-clone');
    mkdirSync(join(other, 'locks'), { recursive: true });
    writeFileSync(join(other, '.mcp.json'), unwrappedText);
    copyFileSync(lock, join(other, 'locks', 'mcp-lock.json'));
    const w = await runCli(['wrap', '--config', '.mcp.json', '--lock', 'locks/mcp-lock.json', '--command', `${process.execPath} ${builtCli}`], { cwd: other, env });
    expect(w.code, w.stderr).toBe(0);
    const clone = join(scratch.dir, 'clone-of-other');
    cpSync(other, clone, { recursive: true });
    const result = await runCli(['check', '--config', '.mcp.json', '--lock', 'locks/mcp-lock.json', '--format', 'json'], { cwd: clone, env });
    expect(result.code, result.stdout).toBe(0);
  }, 90_000);

  it('.vscode/mcp.json, .cursor/mcp.json and .gemini/settings.json wrapped by wrap: check exit 0 from the project', async () => {
    const entry = (JSON.parse(unwrappedText) as { mcpServers: Record<string, unknown> }).mcpServers;
    const files: [string, string][] = [
      [join(project, '.vscode', 'mcp.json'), 'servers'],
      [join(project, '.cursor', 'mcp.json'), 'mcpServers'],
      [join(project, '.gemini', 'settings.json'), 'mcpServers'],
    ];
    for (const [file, key] of files) {
      mkdirSync(join(file, '..'), { recursive: true });
      writeFileSync(file, JSON.stringify({ [key]: entry }));
      const w = await runCli(['wrap', '--config', file, '--lock', 'mcp-lock.json', '--command', `${process.execPath} ${builtCli}`], { cwd: project, env });
      expect(w.code, w.stderr).toBe(0);
      const result = await check(file);
      expect(result.code, `${file}: ${result.stdout}`).toBe(0);
      rmSync(join(file, '..'), { recursive: true, force: true });
    }
  }, 120_000);
});

describe('secrets: a ${VAR} of the lock path and the entry\'s env values are never printed', () => {
  it('a lock path through ${LOCKDIR} that is a copy, or a file that does not exist: shown as written, in text and JSON', async () => {
    const secret = 'sk-live-r25a-0123456789';
    const dir = join(scratch.dir, secret);
    mkdirSync(dir, { recursive: true });
    copyFileSync(lock, join(dir, 'lock.json'));
    const e = { ...env, LOCKDIR: dir };
    for (const file of ['lock.json', 'gone.json']) {
      write((entry) => {
        entry.args[3] = `\${LOCKDIR}/${file}`;
        entry.env = { MEMORY_FILE_PATH: '${LOCKDIR}/memory.jsonl' };
      });
      for (const format of ['json', 'text']) {
        const result = await runCli(['check', '--config', config, '--lock', lock, '--format', format], { cwd: project, env: e });
        expect(result.code).toBe(1);
        expect(result.stdout).toContain(`\${LOCKDIR}/${file}`);
        expect(result.stdout + result.stderr).not.toContain(secret);
      }
      const diff = await runCli(['diff', '--config', config, '--lock', lock, '--format', 'json'], { cwd: project, env: e });
      expect(diff.code).toBe(1);
      expect(diff.stdout + diff.stderr).not.toContain(secret);
    }
  }, 120_000);
});
