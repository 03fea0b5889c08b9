/**
 * Round 20 attack on the bun, deno and uv checks of `run` (4d95dc1, 7b90479, 05fdca8, 795b5a7).
 * Refusals are checked without the runtimes (they come before anything starts); what a runtime
 * really does is shown end to end only where it is installed (bun 1.4.5 and deno 2.9.6 were used;
 * put them on PATH to run those cases). uv was not available: its cases follow uv's documentation.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { copyWithLine, lockedBase } from '../helpers/locked-server.js';

const { scratch, env, base } = lockedBase('mcptrust-r20rt-');
const has = (command: string) => spawnSync(command, ['--version'], { stdio: 'ignore' }).status === 0;
const hasBun = has('bun');
const hasDeno = has('deno');

/** A copy of the locked folder whose line is `command args` (tests/helpers/locked-server.ts). */
const line = (command: string, args: string[], files: Record<string, string> = {}, options: { declare?: string[]; sub?: string; executable?: boolean } = {}) =>
  copyWithLine(base(), scratch.dir, command, args, files, options);

const dry = (dir: string, extra: string[] = []) => runCli(['run', '--dry-run', ...extra], { cwd: dir, env });
const started = (dir: string) => runCli(['run'], { cwd: dir, env });

/** Deno code that shows it ran: exit 42 (no permission needed). */
const EVIL_DENO = 'Deno.exit(42);\n';

describe('deno (held)', () => {
  it.skipIf(!hasDeno)('deno run --no-config beside a deno.json that remaps ./srv.mjs: the pinned script runs (exit 64)', async () => {
    const dir = line('deno', ['run', '--no-config', 'srv.mjs', '--mode=exit-now'], { 'deno.json': '{"imports":{"./srv.mjs":"./evil.mjs"}}', 'evil.mjs': EVIL_DENO });
    const r = await started(dir);
    expect(r.code, r.stderr).toBe(64);
  });

  it.skipIf(!hasDeno)('a deno.json task named srv.mjs does not replace the file (deno run srv.mjs; `deno srv.mjs` is not a form run pins)', async () => {
    for (const args of [['run', 'srv.mjs', '--mode=exit-now']]) {
      const dir = line('deno', args, { 'deno.json': '{"tasks":{"srv.mjs":"touch RAN"}}' });
      const r = await started(dir);
      expect(r.code, r.stderr).toBe(64);
      expect(existsSync(join(dir, 'RAN'))).toBe(false);
    }
  });

  it('deno --env-file is not an option this version knows: refused as not a local launch (no guess)', async () => {
    const dir = line('deno', ['run', '--env-file=.env', 'srv.mjs', '--mode=exit-now'], { '.env': 'DENO_V8_FLAGS=--x\n' });
    const r = await dry(dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('option --env-file is not one this version understands');
  });
});

describe('bun (held)', () => {
  it('a .env that sets BUN_OPTIONS: run verifies the line (exit 0) …', async () => {
    const dir = line('bun', ['srv.mjs', '--mode=exit-now'], { '.env': 'BUN_OPTIONS=--preload ./evil.cjs\n', 'evil.cjs': 'require("fs").writeFileSync("RAN","x")\n' });
    expect((await dry(dir)).code).toBe(0);
  });

  it.skipIf(!hasBun)('… and bun does not read BUN_OPTIONS from its .env: evil.cjs never runs', async () => {
    const dir = line('bun', ['srv.mjs', '--mode=exit-now'], { '.env': 'BUN_OPTIONS=--preload ./evil.cjs\n', 'evil.cjs': 'require("fs").writeFileSync("RAN","x")\n' });
    const r = await started(dir);
    expect(r.code, r.stderr).toBe(64);
    expect(existsSync(join(dir, 'RAN'))).toBe(false);
  });

  it.skipIf(!hasBun)('a bunfig.toml in a parent folder is not read by bun (its preload never runs) and run does not refuse it', async () => {
    const dir = line('bun', ['srv.mjs', '--mode=exit-now'], { 'bunfig.toml': 'preload = ["./mcp/evil.cjs"]\n', 'mcp/evil.cjs': 'require("fs").writeFileSync("RAN","x")\n' }, { sub: 'mcp' });
    expect((await dry(dir)).code).toBe(0);
    const r = await started(dir);
    expect(r.code, r.stderr).toBe(64);
    expect(existsSync(join(dir, 'RAN'))).toBe(false);
  });

  it('--config= with a space in its value, -c=, --cwd=.: refused before anything starts', async () => {
    for (const opt of ['--config=./my cfg.toml', '-c=./b.toml', '--cwd=.']) {
      const r = await dry(line('bun', [opt, 'srv.mjs', '--mode=exit-now']));
      expect(r.code, opt).toBe(1);
      expect(r.stderr).toContain('Nothing was started');
    }
  });

  // Conservative, not exploitable: bun 1.4.5 runs the FILE for `bun run ./srv.mjs` even when the
  // package.json has a script literally named "./srv.mjs", but run refuses (a false refusal of an
  // unlikely setup). A script named "SRV.MJS" (other case) is neither run by bun nor refused.
  it('a script named "./srv.mjs" is refused for bun run ./srv.mjs; "SRV.MJS" is not (bun is case-sensitive)', async () => {
    expect((await dry(line('bun', ['run', './srv.mjs', '--mode=exit-now'], { 'package.json': '{"scripts":{"./srv.mjs":"touch RAN"}}' }))).code).toBe(1);
    expect((await dry(line('bun', ['run', 'srv.mjs', '--mode=exit-now'], { 'package.json': '{"scripts":{"SRV.MJS":"touch RAN"}}' }))).code).toBe(0);
  });

  it.skipIf(!hasBun)('bun 1.4.5 runs the file, not a "./srv.mjs" or "SRV.MJS" script, nor node_modules/.bin/srv.mjs', () => {
    for (const [args, files] of [
      [['run', './srv.mjs', '--mode=exit-now'], { 'package.json': '{"scripts":{"./srv.mjs":"touch RAN"}}' }],
      [['run', 'srv.mjs', '--mode=exit-now'], { 'package.json': '{"scripts":{"SRV.MJS":"touch RAN"}}' }],
      [['srv.mjs', '--mode=exit-now'], { 'node_modules/.bin/srv.mjs': '#!/bin/sh\ntouch RAN\n' }],
    ] as const) {
      const dir = line('bun', [...args], files);
      if (existsSync(join(dir, 'node_modules/.bin/srv.mjs'))) chmodSync(join(dir, 'node_modules/.bin/srv.mjs'), 0o755);
      const r = spawnSync('bun', args, { cwd: dir, env: { PATH: process.env.PATH, HOME: scratch.dir }, encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(64);
      expect(existsSync(join(dir, 'RAN'))).toBe(false);
    }
  });
});

describe('uv (held, by uv\'s documented behaviour)', () => {
  it.each(['--python=./py', '-p=./py', '--python ./py'])('%s, a python of the folder: refused', async (spelling) => {
    const dir = line('uv', ['run', '--no-project', ...spelling.split(' '), 'srv.mjs', '--mode=exit-now'], { py: '#!/bin/sh\ntouch RAN\n' });
    const r = await dry(dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('a file of the folder');
  });
});

describe('FIXED (were OPEN) findings', () => {
  // FIXED (was OPEN): deno reads deno.json / deno.jsonc (found from the working folder up) and applies its
  // "imports" map to the MAIN module too: {"imports":{"./srv.mjs":"./evil.mjs"}} makes
  // `deno run srv.mjs` run ./evil.mjs instead of the pinned srv.mjs. run checks no deno config.
  // Reproduction (deno 2.9.6): an honest lock of `deno run srv.mjs --mode=exit-now` (pin ./srv.mjs);
  // add deno.json {"imports":{"./srv.mjs":"./evil.mjs"}} and evil.mjs `Deno.exit(42)`;
  //   mcptrust run --dry-run → exit 0 "1 local file(s) verified"; mcptrust run → exit 42 (evil.mjs ran).
  // The same from a deno.jsonc in the PARENT folder ({"imports":{"./mcp/srv.mjs":"./mcp/evil.mjs"}},
  // lock in mcp/), and with `--config=cfg.json` or `--import-map=map.json` in the line (a config or
  // map file no pin names). Expected: refused like bunfig.toml (or the config pinned); `--no-config`
  // (held above) is the honest way out.
  it.each([
    ['deno.json beside the lock', ['run', 'srv.mjs', '--mode=exit-now'], { 'deno.json': '{"imports":{"./srv.mjs":"./evil.mjs"}}', 'evil.mjs': EVIL_DENO }, undefined],
    ['deno.jsonc in the parent folder', ['run', 'srv.mjs', '--mode=exit-now'], { 'deno.jsonc': '{"imports":{"./mcp/srv.mjs":"./mcp/evil.mjs"}}', 'mcp/evil.mjs': EVIL_DENO }, 'mcp'],
    ['--import-map=map.json', ['run', '--import-map=map.json', 'srv.mjs', '--mode=exit-now'], { 'map.json': '{"imports":{"./srv.mjs":"./evil.mjs"}}', 'evil.mjs': EVIL_DENO }, undefined],
    ['--config=cfg.json', ['run', '--config=cfg.json', 'srv.mjs', '--mode=exit-now'], { 'cfg.json': '{"imports":{"./srv.mjs":"./evil.mjs"}}', 'evil.mjs': EVIL_DENO }, undefined],
  ] as const)('FIXED (was OPEN): deno import map from %s replaces the pinned main module', async (_label, args, files, sub) => {
    const dir = line('deno', [...args], files, sub === undefined ? {} : { sub });
    const r = await dry(dir);
    expect(r.code, r.stdout).toBe(1);
    expect(r.stderr).toContain('Nothing was started');
    if (hasDeno) expect((await started(dir)).code).not.toBe(42);
  });

  // FIXED (was OPEN): uv (clap) takes a short option's value attached: `-p./py` is `--python ./py`, but
  // uvRunsOther's optionValue reads only `-p VALUE` and `-p=VALUE`.
  // Reproduction: lock line `uv run --no-project -p./py srv.mjs --mode=exit-now`, an executable ./py
  // in the folder; mcptrust run --dry-run → exit 0 "would start: uv run --no-project -p./py srv.mjs…"
  // (--python=./py, -p=./py and --python ./py are refused). Expected: exit 1, "a file of the folder".
  it('FIXED (was OPEN): uv -p./py (attached short value) starts a python of the folder', async () => {
    const dir = line('uv', ['run', '--no-project', '-p./py', 'srv.mjs', '--mode=exit-now'], { py: '#!/bin/sh\ntouch RAN\n' });
    chmodSync(join(dir, 'py'), 0o755);
    const r = await dry(dir);
    expect(r.code).toBe(1);
  });

  // FIXED (was OPEN): uv reads the python request from UV_PYTHON ("Equivalent to the --python command-line
  // argument. If set to a path, uv will use this Python interpreter") and from a .python-version
  // file in the working folder or a parent ("any of the request formats", an executable path or an
  // install folder included; --no-config disables it). Neither is checked: VIRTUAL_ENV, .venv and
  // --python are.
  // Reproduction: lock `uv run --no-project srv.mjs --mode=exit-now` declaring UV_PYTHON, ./py in the
  // folder; `mcptrust run --dry-run --env UV_PYTHON=./py` → exit 0. Likewise no variable and a
  // .python-version holding "./py" → exit 0. Expected: exit 1 (a python of the folder).
  it('FIXED (was OPEN): uv run with UV_PYTHON=./py, or a .python-version naming ./py, starts a python of the folder', async () => {
    const viaEnv = line('uv', ['run', '--no-project', 'srv.mjs', '--mode=exit-now'], { py: '#!/bin/sh\ntouch RAN\n' }, { declare: ['UV_PYTHON'] });
    chmodSync(join(viaEnv, 'py'), 0o755);
    expect((await dry(viaEnv, ['--env', 'UV_PYTHON=./py'])).code).toBe(1);
    const viaFile = line('uv', ['run', '--no-project', 'srv.mjs', '--mode=exit-now'], { py: '#!/bin/sh\ntouch RAN\n', '.python-version': './py\n' });
    chmodSync(join(viaFile, 'py'), 0o755);
    expect((await dry(viaFile)).code).toBe(1);
  });
});

