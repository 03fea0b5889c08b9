// How the shipped bin writes its output (cmd/io.ts): straight to fd 1 and 2, without Node's
// stream unless a pipe is full and non-blocking. These tests check the bytes that arrive, the
// exit code when the reader has gone away (`mcptrust diff | head` under `set -o pipefail` must
// still fail on drift), and the non-blocking pipe some parents leave their children.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, constants, openSync, readFileSync, writeFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '../../src/canonical/index.js';
import { builtCli, tempDir } from '../helpers/cli.js';
import { toolsLockText } from '../helpers/lockfiles.js';

/** A one-server lockfile of `count` tools; `suffix` changes every description. */
function lockOf(count: number, suffix = ''): string {
  const tools: JsonObject[] = [];
  for (let i = 0; i < count; i++) {
    const name = `tool_${String(i).padStart(5, '0')}`;
    tools.push({ name, description: `Reads record ${i} by id.${suffix}`, inputSchema: { type: 'object', properties: { id: { type: 'string' } } } });
  }
  return toolsLockText(tools, 'out');
}

const readText = (path: string) => {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
};

/** Resolves once `test()` has held for 10 samples in a row, 100 ms apart (at most 30 s). */
async function until(test: () => boolean): Promise<void> {
  let held = 0;
  for (let i = 0; i < 300 && held < 10; i++) {
    held = test() ? held + 1 : 0;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('the bin writes its output to fd 1 and 2', () => {
  let scratch: ReturnType<typeof tempDir>;
  const env = () => ({ PATH: process.env.PATH, HOME: scratch.dir, NO_COLOR: '1' });
  const diffArgs = ['diff', '--lock', 'base.json', '--against', 'changed.json'];
  beforeAll(() => {
    scratch = tempDir();
    // About half a megabyte of diff: many times a pipe's 64 KiB.
    writeFileSync(join(scratch.dir, 'base.json'), lockOf(1500));
    writeFileSync(join(scratch.dir, 'changed.json'), lockOf(1500, ' Now also archived ones.'));
  });
  afterAll(() => scratch.cleanup());

  /** Output written to a file: the reference bytes. */
  const toFile = (argv: string[]) => {
    const path = join(scratch.dir, `out-${argv[0]}.txt`);
    const fd = openSync(path, 'w');
    const r = spawnSync(process.execPath, [builtCli, ...argv], { cwd: scratch.dir, env: env(), stdio: ['ignore', fd, 'pipe'], encoding: 'utf8' });
    closeSync(fd);
    return { status: r.status, stderr: r.stderr, stdout: readFileSync(path, 'utf8') };
  };

  it('a pipe gets the bytes a file gets', () => {
    const file = toFile(diffArgs);
    expect(file.status).toBe(1);
    expect(file.stdout.length).toBeGreaterThan(256 * 1024);
    const piped = spawnSync(process.execPath, [builtCli, ...diffArgs], { cwd: scratch.dir, env: env(), encoding: 'utf8', maxBuffer: 1 << 26 });
    expect({ status: piped.status, stderr: piped.stderr, stdout: piped.stdout }).toEqual(file);
  });

  it('a reader that has gone away drops the output but not the verdict: drift still exits 1, no drift 0, no stack', async () => {
    const closedReader = (argv: string[]) =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [builtCli, ...argv], { cwd: scratch.dir, env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
        child.stdout.destroy();
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
        child.on('close', (code) => resolve({ code, stderr }));
      });
    expect(await closedReader(diffArgs)).toEqual({ code: 1, stderr: 'drift at or above --fail-on any: exit 1\n' });
    expect(await closedReader(['diff', '--lock', 'base.json', '--against', 'base.json'])).toEqual({ code: 0, stderr: '' });
    expect(await closedReader(['--version'])).toEqual({ code: 0, stderr: '' });
    expect(await closedReader(['--help'])).toEqual({ code: 0, stderr: '' });
  }, 60_000);

  it('a full non-blocking pipe hands the rest to the stream: every byte arrives, in order', async () => {
    const fifo = join(scratch.dir, 'fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const readFd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    const writeFd = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
    // Node's spawn makes a child's stdio blocking again; a preload that opens fd 1 as a libuv
    // pipe (unused, unref'd) makes it non-blocking inside the child, as some parents leave it.
    const nonBlocking = join(scratch.dir, 'non-blocking.cjs');
    writeFileSync(nonBlocking, "new (require('node:net').Socket)({ fd: 1, readable: false, writable: true }).unref();\n");
    const child = spawn(process.execPath, ['--require', nonBlocking, builtCli, ...diffArgs], { cwd: scratch.dir, env: env(), stdio: ['ignore', writeFd, 'pipe'] });
    closeSync(writeFd);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    // Read only once the child has slept for a second of samples: it waits for the pipe to
    // drain, so its first writes met a full pipe (EAGAIN) by then.
    await until(() => readText(`/proc/${child.pid}/stat`)?.split(') ')[1]?.startsWith('S') === true);
    const reader = new Socket({ fd: readFd, readable: true, writable: false });
    const chunks: Buffer[] = [];
    reader.on('data', (d: Buffer) => chunks.push(d));
    const [code] = await Promise.all([new Promise((r) => child.on('close', r)), new Promise((r) => reader.on('end', r))]);
    expect({ code, stderr, stdout: Buffer.concat(chunks).toString('utf8') }).toEqual({ code: 1, stderr: 'drift at or above --fail-on any: exit 1\n', stdout: toFile(diffArgs).stdout });
  }, 60_000);
});
