import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureServer, runCli, tempDir } from '../helpers/cli.js';

// Cross-command consistency found in the final review: help texts that must be true for every
// command sharing an option, and inputs every command must refuse the same way.
let dir: string;
let cleanup: () => void;
beforeAll(() => {
  ({ dir, cleanup } = tempDir('mcptrust-review-'));
});
afterAll(() => cleanup());

describe('shared options', () => {
  it('--config is described as reading an agent config, not as locking it, in diff, check and policy', async () => {
    for (const argv of [['lock'], ['diff'], ['check'], ['policy', 'check'], ['policy', 'input']]) {
      const r = await runCli([...argv, '--help'], { cwd: dir });
      expect(r.code, argv.join(' ')).toBe(0);
      expect(r.stdout, argv.join(' ')).toMatch(/--config <file> +every MCP server of an agent config/);
      expect(r.stdout, argv.join(' ')).not.toContain('lock the MCP servers');
    }
  });

  it('check offers --allow-unknown-signers, which its own signature message suggests (as verify does)', async () => {
    for (const command of ['verify', 'check']) {
      const r = await runCli([command, '--help'], { cwd: dir });
      expect(r.code, command).toBe(0);
      expect(r.stdout, command).toMatch(/--allow-unknown-signers +ignore signatures by keys that are not trusted/);
    }
  });

  it('an empty --name is a usage error (exit 2) in every command that reads a server, and nothing is written', async () => {
    const server = ['--', ...fixtureServer('example-server.mjs')];
    for (const name of ['', '  ']) {
      const r = await runCli(['lock', '--name', name, ...server], { cwd: dir });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('error: --name must not be empty');
      expect(r.stdout).toBe('');
    }
    expect(existsSync(join(dir, 'mcp-lock.json'))).toBe(false);
    const locked = tempDir('mcptrust-review-locked-');
    try {
      expect((await runCli(['lock', ...server], { cwd: locked.dir })).code).toBe(0);
      for (const argv of [['diff', '--name', ''], ['check', '--name', ''], ['policy', 'check', '--preset', 'strict', '--name', '']]) {
        const r = await runCli([...argv, ...server], { cwd: locked.dir });
        expect(r.code, argv.join(' ')).toBe(2);
        expect(r.stderr, argv.join(' ')).toContain('error: --name must not be empty');
        expect(r.stdout, argv.join(' ')).toBe('');
      }
    } finally {
      locked.cleanup();
    }
  }, 30_000);
});

describe('help and missing commands', () => {
  it('help that was asked for is exit 0; no command at all is a usage error (exit 2), so an empty CI step fails', async () => {
    for (const argv of [['--help'], ['help'], ['help', 'verify'], ['policy', '--help'], ['policy', 'help', 'check']]) {
      const r = await runCli(argv, { cwd: dir });
      expect(r.code, argv.join(' ')).toBe(0);
      expect(r.stdout, argv.join(' ')).toContain('Usage: mcptrust');
    }
    for (const argv of [[], ['policy'], ['--debug']]) {
      const r = await runCli(argv, { cwd: dir });
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stdout, argv.join(' ')).toBe('');
      expect(r.stderr, argv.join(' ')).toContain('Usage: mcptrust');
    }
  });
});

describe('flags that only mean something for a live server', () => {
  it('policy check and policy input refuse them without a live server (exit 2), as diff does with --against', async () => {
    const locked = tempDir('mcptrust-review-policy-');
    try {
      const server = ['--', ...fixtureServer('example-server.mjs')];
      expect((await runCli(['lock', ...server], { cwd: locked.dir })).code).toBe(0);
      expect((await runCli(['lock', '-o', 'other.json', ...server], { cwd: locked.dir })).code).toBe(0);
      const cases: [string[], string][] = [
        [['diff', '--against', 'other.json', '--name', 'x'], 'not with --against'],
        [['policy', 'check', '--preset', 'strict', '--against', 'other.json', '--name', 'x'], 'not with --against'],
        [['policy', 'check', '--preset', 'strict', '--against', 'other.json', '--server', 'x'], 'not with --against'],
        [['policy', 'input', '--against', 'other.json', '--env', 'A=b'], 'not with --against'],
        [['policy', 'check', '--preset', 'strict', '--name', 'x'], 'give one with -- CMD ARGS..., --url URL or --config FILE'],
        [['policy', 'input', '--header', 'A: b'], 'give one with -- CMD ARGS..., --url URL or --config FILE'],
      ];
      for (const [argv, hint] of cases) {
        const r = await runCli(argv, { cwd: locked.dir });
        expect(r.code, argv.join(' ')).toBe(2);
        expect(r.stderr, argv.join(' ')).toMatch(/^error: --name, --header, --env and --server only go with a live server/);
        if (argv[0] === 'policy') expect(r.stderr, argv.join(' ')).toContain(hint);
        expect(r.stdout, argv.join(' ')).toBe('');
      }
      // Without those flags the same offline runs work.
      expect((await runCli(['policy', 'check', '--preset', 'strict', '--against', 'other.json'], { cwd: locked.dir })).code).toBe(0);
    } finally {
      locked.cleanup();
    }
  }, 30_000);
});

describe('messages that say what to do next', () => {
  it('verify of a lockfile that was never signed: exit 2, and how to sign it', async () => {
    const locked = tempDir('mcptrust-review-verify-');
    try {
      expect((await runCli(['lock', '-o', 'agents.json', '--', ...fixtureServer('example-server.mjs')], { cwd: locked.dir })).code).toBe(0);
      expect((await runCli(['keygen'], { cwd: locked.dir })).code).toBe(0);
      const r = await runCli(['verify', '--key', 'mcptrust.pub', '--lock', 'agents.json'], { cwd: locked.dir });
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^error: cannot read signature file .*agents\.json\.sig: no such file\n {2}sign the lockfile first: mcptrust sign --key PRIVATE\.key --lock agents\.json\n$/);
      // The advice works: after it, verify passes.
      expect((await runCli(['sign', '--key', 'mcptrust.key', '--lock', 'agents.json'], { cwd: locked.dir })).code).toBe(0);
      expect((await runCli(['verify', '--key', 'mcptrust.pub', '--lock', 'agents.json'], { cwd: locked.dir })).code).toBe(0);
    } finally {
      locked.cleanup();
    }
  }, 30_000);
});
