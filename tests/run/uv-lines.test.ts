/**
 * `uv run srv.py` pins srv.py, but uv does more before it runs it (uv's documentation: "When
 * using run, uv will ensure that the project environment is up-to-date before running the given
 * command"): in a folder with a pyproject.toml (or under one), it installs the project and its
 * dependencies, running the project's build — code from the folder that no pin names. It also
 * runs the script from another folder with `--directory`, and with the python of the nearest
 * .venv (or VIRTUAL_ENV, or `--python PATH`). `run` refuses each before anything starts. uv is not
 * on this machine: these are the refusals, which come before uv would be started; the behaviour
 * itself is uv's documented one, not observed here.
 */
import { chmodSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { editedCopy, lockedBase } from '../helpers/locked-server.js';

const { scratch, env, base } = lockedBase('mcptrust-uv-');

let count = 0;
/** The locked srv.mjs under a lock whose line is `uv run …args srv.mjs` (in `sub` of the folder when given), with `files` from the top. */
function uvLine(args: string[], files: Record<string, string> = {}, sub = '', declared: string[] = []): string {
  const top = join(scratch.dir, `u${++count}`);
  return editedCopy(base(), join(top, sub), (t) => Object.assign(t, { command: 'uv', args: ['run', ...args, 'srv.mjs', '--mode=ok'], env: declared }), files, { root: top });
}

const dryRun = (dir: string, flags: string[] = []) => runCli(['run', '--dry-run', ...flags], { cwd: dir, env });
const PROJECT = { 'pyproject.toml': '[project]\nname = "app"\nversion = "0"\n', 'setup.py': "open('RAN', 'w').close()\n" };

describe('uv run in a project', () => {
  it('a pyproject.toml beside the lock: exit 1, named, with what to add', async () => {
    const r = await dryRun(uvLine([], PROJECT));
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/uv run syncs the project of .*pyproject\.toml before the script .*\(add --no-project or --no-sync\)/);
  });

  it('a pyproject.toml in a folder above the lock: exit 1 (uv finds the project upward)', async () => {
    expect((await dryRun(uvLine([], PROJECT, 'mcp'))).code).toBe(1);
  });

  it.each([['--no-project'], ['--no-sync']])('%s: no sync, verified (exit 0)', async (flag) => {
    const r = await dryRun(uvLine([flag], PROJECT));
    expect(r.code, r.stderr).toBe(0);
  });

  it('no pyproject.toml anywhere up: verified (exit 0)', async () => {
    expect((await dryRun(uvLine([]))).code).toBe(0);
  });
});

describe('uv run from elsewhere, or with a python of the folder', () => {
  it.each([[['--directory', '/tmp']], [['--directory=sub']], [['--project', '.']], [['--project=..']]])('uv run %j srv.mjs: exit 1', async (option) => {
    const r = await dryRun(uvLine(option));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/uv's --(?:directory|project)\S* runs the script from, or syncs, another folder's project/);
  });

  it('--python ./py, a file of the folder: exit 1; --python 3.11 (a version): verified', async () => {
    const own = uvLine(['--python', './py'], { py: '#!/bin/sh\ntouch RAN\n' });
    const r = await dryRun(own);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/uv runs the python .*[/\\]py, a file of the folder/);
    expect((await dryRun(uvLine(['-p', '3.11']))).code, 'version').toBe(0);
  });

  it('a .venv whose bin/python is a file of the folder (a pyvenv.cfg beside it or not): exit 1; one whose python links out of the folder (a real venv): verified', async () => {
    for (const files of [{ '.venv/bin/python': '#!/bin/sh\ntouch RAN\n' } as Record<string, string>, { '.venv/bin/python': '#!/bin/sh\ntouch RAN\n', '.venv/pyvenv.cfg': 'home = /usr/bin\n' }]) {
      const fake = uvLine(['--no-project'], files);
      chmodSync(join(fake, '.venv', 'bin', 'python'), 0o755);
      const r = await dryRun(fake);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/uv runs the python .*\.venv[/\\]bin[/\\]python, a file of the folder/);
    }
    const real = uvLine(['--no-project'], { '.venv/pyvenv.cfg': 'home = /usr/bin\n' });
    mkdirSync(join(real, '.venv', 'bin'), { recursive: true });
    symlinkSync(process.execPath, join(real, '.venv', 'bin', 'python'));
    const ok = await dryRun(real);
    expect(ok.code, ok.stderr).toBe(0);
    // The same link with no pyvenv.cfg is no virtual environment: a link of the folder.
    const bare = uvLine(['--no-project']);
    mkdirSync(join(bare, '.venv', 'bin'), { recursive: true });
    symlinkSync(process.execPath, join(bare, '.venv', 'bin', 'python'));
    expect((await dryRun(bare)).code).toBe(1);
  });

  it('a declared VIRTUAL_ENV that names a folder of the lock folder with its own python: exit 1', async () => {
    const dir = uvLine(['--no-project'], { 'env/bin/python': '#!/bin/sh\ntouch RAN\n' }, '', ['VIRTUAL_ENV']);
    const r = await dryRun(dir, ['--env', 'VIRTUAL_ENV=./env']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/uv runs the python .*env[/\\]bin[/\\]python, a file of the folder/);
  });
});
