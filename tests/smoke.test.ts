import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VERSION } from '../src/version.js';
import { repoRoot, runCli, tempDir } from './helpers/cli.js';

describe('the mcptrust program', () => {
  it('reports the version of package.json', async () => {
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
    expect(VERSION).toBe(pkg.version);
    const { dir, cleanup } = tempDir();
    const r = await runCli(['--version'], { cwd: dir });
    cleanup();
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it('exits 2 with a hint on an unknown option', async () => {
    const { dir, cleanup } = tempDir();
    const r = await runCli(['lock', '--bogus'], { cwd: dir });
    cleanup();
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown option '--bogus'/);
    expect(r.stderr).toMatch(/mcptrust lock --help/);
  });
});

describe('the built bin', () => {
  it('answers --version and -V with the same version as the program, exit 0', async () => {
    const { spawnCli } = await import('./helpers/cli.js');
    const { dir, cleanup } = tempDir();
    try {
      for (const flag of ['--version', '-V']) {
        const r = await spawnCli([flag], { cwd: dir });
        expect(r.code).toBe(0);
        expect(r.stdout).toBe(`${VERSION}\n`);
        expect(r.stderr).toBe('');
      }
      const help = await spawnCli(['--help'], { cwd: dir });
      expect(help.code).toBe(0);
      expect(help.stdout).toMatch(/^Usage: mcptrust \[options\] \[command\]/);
    } finally {
      cleanup();
    }
  });
});

describe('the server command comes after --', () => {
  it.each([
    [['check', '--key', 'a.pub', 'b.pub', '--', 'node', 'x'], 'b.pub', 'check'],
    [['lock', 'npx', 'some-server'], 'npx', 'lock'],
    [['policy', 'check', '--preset', 'strict', 'oops', '--', 'node'], 'oops', 'policy check'],
    [['diff', 'stray', '--', 'node'], 'stray', 'diff'],
  ])('%j is refused (exit 2) without starting anything', async (argv, word, path) => {
    const { dir, cleanup } = tempDir();
    try {
      const r = await runCli(argv, { cwd: dir });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`unexpected argument "${word}": the server command goes after -- (mcptrust ${path} [options] -- CMD ARGS...)`);
    } finally {
      cleanup();
    }
  });
});
