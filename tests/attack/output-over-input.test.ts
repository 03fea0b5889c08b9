import { execFileSync } from 'node:child_process';
import { linkSync, lstatSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/cli.js';
import { lockedServerFolder } from '../helpers/locked-server.js';

// A report file that is one of the command's inputs would replace it with a report: before,
// `check --json mcp-lock.json`, `diff -o mcp-lock.json` and `scan --lock L -o L` overwrote the
// lockfile and exited 0. Now each is refused up front (exit 2, nothing started or written),
// through symlinks and hard links too, and two report flags may not name one file.

const scratch = tempDir('mcptrust-out-in-');
const env = { PATH: process.env.PATH, HOME: scratch.dir };
const line = ['--', 'node', 'srv.mjs', '--mode=ok'];
let dir: string;
let lock: string;

beforeAll(async () => {
  dir = await lockedServerFolder(join(scratch.dir, 'locked'), env);
  lock = readFileSync(join(dir, 'mcp-lock.json'), 'utf8');
  writeFileSync(join(dir, 'other.json'), lock);
  writeFileSync(join(dir, 'p.yaml'), "name: p\nmode: strict\nrules:\n  - name: t\n    expr: 'true'\n");
  symlinkSync('mcp-lock.json', join(dir, 'link.json'));
  linkSync(join(dir, 'mcp-lock.json'), join(dir, 'hard.json'));
}, 60_000);
afterAll(() => scratch.cleanup());

describe('mcptrust never writes over an input', () => {
  it.each([
    ['check --json onto the lockfile', ['check', '--json', 'mcp-lock.json', ...line], /--json mcp-lock\.json is the lockfile; mcptrust never writes over an input/],
    ['check --markdown through a symlink to the lockfile', ['check', '--markdown', 'link.json', ...line], /--markdown link\.json is the lockfile/],
    ['check --sarif onto a hard link of the lockfile', ['check', '--sarif', 'hard.json', ...line], /--sarif hard\.json is the lockfile/],
    ['check --junit onto the policy', ['check', '--policy', 'p.yaml', '--junit', 'p.yaml', ...line], /--junit p\.yaml is a policy file/],
    ['check --json onto its --lock given as another path', ['check', '--lock', './other.json', '--json', 'other.json', ...line], /--json other\.json is the lockfile/],
    ['check with two reports in one file', ['check', '--json', 'r.out', '--markdown', 'r.out', ...line], /--json and --markdown name the same file \(r\.out\); give each report its own file/],
    ['diff -o onto the lockfile', ['diff', '--against', 'other.json', '-o', 'mcp-lock.json'], /--output mcp-lock\.json is the lockfile/],
    ['diff -o onto the --against lockfile', ['diff', '--against', 'other.json', '-o', 'other.json'], /--output other\.json is the --against lockfile/],
    ['scan -o onto the lockfile it scans', ['scan', '--lock', 'mcp-lock.json', '-o', 'link.json'], /--output link\.json is the lockfile/],
  ])('%s: exit 2, the input keeps its bytes, nothing on stdout', async (_label, argv, message) => {
    const r = await runCli(argv, { cwd: dir, env });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(readFileSync(join(dir, 'mcp-lock.json'), 'utf8')).toBe(lock);
    expect(readFileSync(join(dir, 'other.json'), 'utf8')).toBe(lock);
    expect(readFileSync(join(dir, 'p.yaml'), 'utf8')).toContain('name: p');
  });

  it('lock -o onto the agent config it reads is refused, even with --force (the config keeps its bytes)', async () => {
    const config = JSON.stringify({ mcpServers: { s: { command: 'node', args: ['srv.mjs', '--mode=ok'] } } });
    writeFileSync(join(dir, 'agent.json'), config);
    const r = await runCli(['lock', '--config', 'agent.json', '-o', 'agent.json', '--force'], { cwd: dir, env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--output agent\.json is the agent config; mcptrust never writes over an input/);
    expect(readFileSync(join(dir, 'agent.json'), 'utf8')).toBe(config);
  });

  it('a report path that is a FIFO is refused, and the FIFO stays a FIFO', async () => {
    const fifo = join(dir, 'out.fifo');
    execFileSync('mkfifo', [fifo]);
    const r = await runCli(['diff', '--against', 'other.json', '-o', 'out.fifo'], { cwd: dir, env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--output out\.fifo is not a regular file \(a FIFO, a device or a socket\)/);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
  });

  it('a report beside the inputs is still written (the guard names only the inputs)', async () => {
    const r = await runCli(['diff', '--against', 'other.json', '-o', 'report.txt'], { cwd: dir, env });
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(dir, 'report.txt'), 'utf8')).toMatch(/no changes|identical|no drift/i);
  });
});
