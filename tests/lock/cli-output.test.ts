// How `mcptrust lock` talks to a terminal, a pipe and CI: colours only on a TTY and never
// under NO_COLOR, no spinner outside a TTY, help and usage errors with the documented codes.
import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixtureServer, runCli, spawnCli, tempDir } from '../helpers/cli.js';

const ESC = '\u001b';
const base = { PATH: process.env.PATH, HOME: process.env.HOME };
const ok = () => ['lock', '--', ...fixtureServer('hostile-server.mjs', '--mode=ok')];

describe.concurrent('lock output', () => {
  it('is coloured on a TTY, plain under NO_COLOR and when not a TTY', async () => {
    const runs = [
      { tty: true, env: base, coloured: true },
      { tty: true, env: { ...base, NO_COLOR: '1' }, coloured: false },
      { tty: false, env: base, coloured: false },
      { tty: false, env: { ...base, FORCE_COLOR: '1' }, coloured: true },
      { tty: true, env: { ...base, FORCE_COLOR: 'false' }, coloured: true },
      { tty: false, env: { ...base, FORCE_COLOR: 'false' }, coloured: false },
      { tty: true, env: { ...base, FORCE_COLOR: '1', NO_COLOR: '1' }, coloured: false },
    ];
    for (const { tty, env, coloured } of runs) {
      const { dir, cleanup } = tempDir();
      try {
        // CI set: no spinner even on the fake TTY (it would draw on the real stderr).
        const r = await runCli(ok(), { cwd: dir, env: { ...env, CI: '1' }, tty });
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout.includes(`${ESC}[32mlocked`), JSON.stringify({ tty, env })).toBe(coloured);
        if (!coloured) expect(r.stdout).not.toContain(ESC);
      } finally {
        cleanup();
      }
    }
  });

  it('as a real process with pipes: no spinner, no escape codes, nothing on stderr', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const r = await spawnCli(ok(), { cwd: dir, env: base });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toBe('');
      expect(r.stdout).not.toContain(ESC);
      expect(r.stdout).toMatch(/^locked 1 server into mcp-lock\.json$/m);
      expect(readdirSync(dir)).toEqual(['mcp-lock.json']);
    } finally {
      cleanup();
    }
  });

  it('--help: exit 0, usage on stdout, the exit codes and examples', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const r = await runCli(['lock', '--help'], { cwd: dir, env: base });
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^Usage: mcptrust lock \[options\] \[command\.\.\.\]/);
      expect(r.stdout).toMatch(/--timeout <duration>\s+per-request timeout \(30s, 500ms, 2m\) \(default: 30s\)/);
      expect(r.stdout).toMatch(/only their names are recorded/);
      const top = await runCli(['--help'], { cwd: dir, env: base });
      expect(top.code).toBe(0);
      expect(top.stdout).toMatch(/Exit codes: 0 ok · 1 check failed .* · 2 usage or input error · 3 server unusable/);
    } finally {
      cleanup();
    }
  });

  it('an unknown flag: exit 2, the error and a hint on stderr, nothing written', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const r = await runCli(['lock', '--frobnicate', '--', 'x'], { cwd: dir, env: base });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/unknown option '--frobnicate'/);
      expect(r.stderr).toMatch(/run mcptrust lock --help for usage/);
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      cleanup();
    }
  });
});
