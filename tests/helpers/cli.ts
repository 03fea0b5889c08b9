import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { IO } from '../../cmd/io.js';
import { run } from '../../cmd/program.js';

export const repoRoot = resolve(import.meta.dirname, '..', '..');
/** The shipped bin (package.json "bin": the bundle scripts/bundle.mjs writes), built by `npm run build`. */
export const builtCli = join(repoRoot, (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { bin: { mcptrust: string } }).bin.mcptrust);

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs the CLI in-process with a fake, non-TTY I/O (the fast path for most CLI tests). */
export async function runCli(argv: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; tty?: boolean; stdin?: string | Uint8Array }): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const io: IO = {
    stdout: { write: (s) => void (stdout += s), isTTY: options.tty ?? false },
    stderr: { write: (s) => void (stderr += s), isTTY: options.tty ?? false },
    env: options.env ?? { PATH: process.env.PATH, HOME: process.env.HOME },
    cwd: options.cwd,
  };
  if (options.stdin !== undefined) {
    const input = Buffer.from(options.stdin);
    io.stdin = { read: async (max) => input.subarray(0, max + 1), isTTY: options.tty ?? false };
  }
  const start = performance.now();
  const code = await run(argv, io);
  return { code, stdout, stderr, ms: performance.now() - start };
}

/** Runs the shipped bin (the bundle in dist/bin/) as a real process: for what only a process shows (exit, signals, TTY). */
export function spawnCli(argv: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const start = performance.now();
    const child = spawn(process.execPath, [builtCli, ...argv], { cwd: options.cwd, env: options.env ?? process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code: code ?? -1, stdout, stderr, ms: performance.now() - start });
    });
  });
}

/** A fresh temporary folder, removed by the returned cleanup. */
export function tempDir(prefix = 'mcptrust-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The command that starts a fixture server in testdata/servers. */
export function fixtureServer(file: string, ...args: string[]): string[] {
  return [process.execPath, join(repoRoot, 'testdata', 'servers', file), ...args];
}
