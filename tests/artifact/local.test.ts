// Local scripts and binaries: sha256 of the file that runs, recorded relative to the lockfile's
// folder when inside it, the interpreter never digested, symlinks and PATH lookups resolved.
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pinLaunch } from '../../src/artifact/index.js';
import { tempDir } from '../helpers/cli.js';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir('mcptrust-local-');
});
afterEach(() => tmp.cleanup());

const sri = (text: string) => `sha256-${createHash('sha256').update(text).digest('base64')}`;
const env = () => ({ PATH: process.env.PATH });

describe('local resolver', () => {
  it('pins a script inside the lockfile folder as ./path with its sha256; a moved checkout pins the same', async () => {
    const project = join(tmp.dir, 'project');
    mkdirSync(join(project, 'dist'), { recursive: true });
    writeFileSync(join(project, 'dist', 'server.js'), 'console.log(1)\n');
    const pin = await pinLaunch({ command: 'node', args: ['dist/server.js', '--stdio'] }, { cwd: project, lockDir: project, env: env() });
    expect(pin).toEqual({ type: 'local', spec: './dist/server.js', integrity: sri('console.log(1)\n'), files: [{ path: './dist/server.js', integrity: sri('console.log(1)\n') }] });
    const moved = join(tmp.dir, 'elsewhere', 'checkout');
    cpSync(project, moved, { recursive: true });
    const again = await pinLaunch({ command: 'node', args: [join(moved, 'dist', 'server.js')] }, { cwd: tmp.dir, lockDir: moved, env: env() });
    expect(again).toEqual(pin);
  });

  it('a changed script changes the pin', async () => {
    writeFileSync(join(tmp.dir, 'server.py'), 'print(1)\n');
    const first = await pinLaunch({ command: 'python3', args: ['-u', 'server.py'] }, { cwd: tmp.dir, lockDir: tmp.dir, env: env() });
    writeFileSync(join(tmp.dir, 'server.py'), 'print(2)\n');
    const second = await pinLaunch({ command: 'python3', args: ['-u', 'server.py'] }, { cwd: tmp.dir, lockDir: tmp.dir, env: env() });
    expect(first.integrity).toBe(sri('print(1)\n'));
    expect(second.integrity).toBe(sri('print(2)\n'));
  });

  it('outside the lockfile folder the path is recorded as written, ${VAR} kept, never its value', async () => {
    const outside = join(tmp.dir, 'secret-home-abc123');
    mkdirSync(outside);
    writeFileSync(join(outside, 'srv.mjs'), 'x');
    const lockDir = join(tmp.dir, 'locks');
    mkdirSync(lockDir);
    const pin = await pinLaunch(
      { command: 'node', args: [join(outside, 'srv.mjs')], written: { command: 'node', args: ['${SRV_HOME}/srv.mjs'] } },
      { cwd: lockDir, lockDir, env: env() },
    );
    expect(pin.files).toEqual([{ path: '${SRV_HOME}/srv.mjs', integrity: sri('x') }]);
    expect(JSON.stringify(pin)).not.toContain('secret-home-abc123');
  });

  it('a symlink is digested as the file it points to; a file run directly is pinned', async () => {
    writeFileSync(join(tmp.dir, 'real-server'), '#!/bin/sh\necho hi\n');
    chmodSync(join(tmp.dir, 'real-server'), 0o755);
    symlinkSync(join(tmp.dir, 'real-server'), join(tmp.dir, 'server'));
    const pin = await pinLaunch({ command: './server', args: ['--stdio'] }, { cwd: tmp.dir, lockDir: tmp.dir, env: env() });
    expect(pin).toMatchObject({ type: 'local', files: [{ path: './server', integrity: sri('#!/bin/sh\necho hi\n') }] });
  });

  it('a bare command is the file PATH finds (resolved through symlinks), recorded by its name', async () => {
    const bin = join(tmp.dir, 'bin');
    mkdirSync(bin);
    writeFileSync(join(tmp.dir, 'impl'), 'binary-bytes');
    chmodSync(join(tmp.dir, 'impl'), 0o755);
    symlinkSync(join(tmp.dir, 'impl'), join(bin, 'my-mcp-server'));
    writeFileSync(join(tmp.dir, 'not-exec-first'), 'skip');
    const pin = await pinLaunch({ command: 'my-mcp-server', args: [] }, { cwd: tmp.dir, lockDir: join(tmp.dir, 'x'), env: { PATH: `${join(tmp.dir, 'empty')}:${bin}` } });
    expect(pin).toEqual({ type: 'local', spec: 'my-mcp-server', integrity: sri('binary-bytes'), files: [{ path: 'my-mcp-server', integrity: sri('binary-bytes') }] });
  });

  it('a missing file, a folder or a command not on PATH is a clear input error (exit 2)', async () => {
    mkdirSync(join(tmp.dir, 'folder'));
    const opts = { cwd: tmp.dir, lockDir: tmp.dir, env: { PATH: tmp.dir } };
    await expect(pinLaunch({ command: 'node', args: ['missing.js'] }, opts)).rejects.toMatchObject({ kind: 'input', category: 'input', code: 'FILE_UNREADABLE', message: expect.stringContaining('missing.js') });
    await expect(pinLaunch({ command: 'node', args: ['folder'] }, opts)).rejects.toMatchObject({ kind: 'input', code: 'FILE_UNREADABLE' });
    await expect(pinLaunch({ command: 'no-such-mcp-cmd', args: [] }, opts)).rejects.toMatchObject({ kind: 'input', code: 'FILE_UNREADABLE', message: expect.stringContaining('not found on PATH') });
  });

  it('an unknown launch is unpinned with its note, never guessed', async () => {
    const pin = await pinLaunch({ command: 'python', args: ['-m', 'mcp_server_time'] }, { cwd: tmp.dir, lockDir: tmp.dir, env: env() });
    expect(pin).toMatchObject({ type: 'unpinned', note: expect.stringContaining('-m') });
  });
});
