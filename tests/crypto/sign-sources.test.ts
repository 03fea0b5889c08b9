// sign takes the private key from a file, standard input (--key -) or an environment variable
// (--key-env NAME), so CI never writes it to disk; no error ever quotes key material. keygen warns
// when it writes a private key where git would commit it.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtCli, runCli, tempDir } from '../helpers/cli.js';
import { oneToolLockText } from '../helpers/lockfiles.js';

let root: string;
let cleanup: () => void;
let n = 0;
const baseEnv = { PATH: process.env.PATH, HOME: process.env.HOME };

/** A fresh folder with mcp-lock.json and the key pair ci.key / ci.pub (made by keygen, outside any git work tree). */
async function workspace(): Promise<{ dir: string; pem: string }> {
  const dir = join(root, `w${n++}`);
  mkdirSync(dir);
  writeFileSync(join(dir, 'mcp-lock.json'), oneToolLockText());
  const r = await runCli(['keygen', '--name', 'ci'], { cwd: dir });
  expect(r.code).toBe(0);
  return { dir, pem: readFileSync(join(dir, 'ci.key'), 'utf8') };
}

async function verifies(dir: string): Promise<void> {
  const v = await runCli(['verify', '--key', 'ci.pub'], { cwd: dir });
  expect(v.stderr).toBe('');
  expect(v.code).toBe(0);
}

/** The base64 lines of a PEM: none of them may appear in any output. */
const bodyLines = (pem: string) => pem.split('\n').filter((l) => l !== '' && !l.startsWith('-----'));

beforeAll(() => {
  ({ dir: root, cleanup } = tempDir('mcptrust-keysrc-'));
  // The temporary folder must not itself be inside a git work tree, or the keygen checks below mean nothing.
  for (let d = root; d !== '/'; d = join(d, '..')) expect(existsSync(join(d, '.git'))).toBe(false);
});
afterAll(() => cleanup());

describe('sign --key-env NAME', () => {
  it('signs with the PEM held in the variable; the signature verifies', async () => {
    const { dir, pem } = await workspace();
    const r = await runCli(['sign', '--key-env', 'MCPTRUST_SIGNING_KEY'], { cwd: dir, env: { ...baseEnv, MCPTRUST_SIGNING_KEY: pem } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    await verifies(dir);
  });

  it('reads a PEM stored on one line with literal \\n separators (as some secret stores keep it)', async () => {
    const { dir, pem } = await workspace();
    const r = await runCli(['sign', '--key-env', 'K'], { cwd: dir, env: { ...baseEnv, K: pem.trimEnd().replaceAll('\n', '\\n') } });
    expect(r.code).toBe(0);
    await verifies(dir);
  });

  it('a variable that is not set: exit 2 naming the variable, nothing written', async () => {
    const { dir } = await workspace();
    const r = await runCli(['sign', '--key-env', 'NO_SUCH_KEY_VAR'], { cwd: dir, env: baseEnv });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('error: environment variable NO_SUCH_KEY_VAR is not set (--key-env names the variable that holds the PEM private key)\n');
    expect(existsSync(join(dir, 'mcp-lock.json.sig'))).toBe(false);
  });

  it('an empty variable: exit 2', async () => {
    const { dir } = await workspace();
    const r = await runCli(['sign', '--key-env', 'K'], { cwd: dir, env: { ...baseEnv, K: '  \n' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: environment variable K is empty/);
  });

  it('garbage in the variable: exit 2, and the value is never quoted', async () => {
    const { dir } = await workspace();
    const garbage = 'sk_live_9f8e7d6c5b4a-not-a-pem-but-a-secret';
    const r = await runCli(['sign', '--key-env', 'K'], { cwd: dir, env: { ...baseEnv, K: garbage } });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('error: environment variable K: not a PEM key file (no -----BEGIN line)\n');
    expect(r.stdout + r.stderr).not.toContain('sk_live');
    expect(existsSync(join(dir, 'mcp-lock.json.sig'))).toBe(false);
  });

  it('a damaged private key in the variable: exit 2, no line of it in the output', async () => {
    const { dir, pem } = await workspace();
    const lines = pem.split('\n');
    lines[1] = `${lines[1]!.slice(0, 10)}!${lines[1]!.slice(11)}`;
    const damaged = lines.join('\n');
    const r = await runCli(['sign', '--key-env', 'K'], { cwd: dir, env: { ...baseEnv, K: damaged } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: environment variable K: malformed PEM/);
    for (const line of bodyLines(damaged)) expect(r.stderr).not.toContain(line.slice(0, 12));
  });

  it('a public key in the variable: exit 2, the wrong half named', async () => {
    const { dir } = await workspace();
    const r = await runCli(['sign', '--key-env', 'K'], { cwd: dir, env: { ...baseEnv, K: readFileSync(join(dir, 'ci.pub'), 'utf8') } });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('error: environment variable K: a public key; sign needs the private key (the .key file)\n');
  });

  it('the key itself given to --key-env or --key: exit 2, not echoed', async () => {
    const { dir, pem } = await workspace();
    for (const argv of [['--key-env', pem], ['--key', pem]]) {
      const r = await runCli(['sign', ...argv], { cwd: dir, env: baseEnv });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^error: --key(-env)? takes .*not its value|^error: --key takes a file name, and this looks like the key itself/);
      for (const line of bodyLines(pem)) expect(r.stdout + r.stderr).not.toContain(line.slice(0, 12));
    }
  });

  it('exactly one source: both, or none, is exit 2', async () => {
    const { dir, pem } = await workspace();
    const both = await runCli(['sign', '--key', 'ci.key', '--key-env', 'K'], { cwd: dir, env: { ...baseEnv, K: pem } });
    expect(both.code).toBe(2);
    expect(both.stderr).toBe('error: give the private key once: --key FILE, --key - (standard input) or --key-env NAME\n');
    const none = await runCli(['sign'], { cwd: dir, env: baseEnv });
    expect(none.code).toBe(2);
    expect(none.stderr).toBe('error: sign needs the private key: --key FILE, --key - (standard input) or --key-env NAME\n');
  });
});

describe('sign --key - (standard input)', () => {
  it('signs with the PEM piped in; the signature verifies', async () => {
    const { dir, pem } = await workspace();
    const r = await runCli(['sign', '--key', '-'], { cwd: dir, stdin: pem });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    await verifies(dir);
  });

  it('over 64 KiB, empty, or a terminal: exit 2, nothing written', async () => {
    const { dir, pem } = await workspace();
    const big = await runCli(['sign', '--key', '-'], { cwd: dir, stdin: pem + 'A'.repeat(64 * 1024) });
    expect(big.code).toBe(2);
    expect(big.stderr).toBe('error: standard input holds more than 65536 bytes: not a key\n');
    const empty = await runCli(['sign', '--key', '-'], { cwd: dir, stdin: '' });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toBe('error: standard input was empty (pipe the PEM private key in)\n');
    const tty = await runCli(['sign', '--key', '-'], { cwd: dir, stdin: pem, tty: true });
    expect(tty.code).toBe(2);
    expect(tty.stderr).toMatch(/standard input, which is a terminal: pipe the key in/);
    const none = await runCli(['sign', '--key', '-'], { cwd: dir });
    expect(none.code).toBe(2);
    expect(existsSync(join(dir, 'mcp-lock.json.sig'))).toBe(false);
  });

  it('garbage on standard input: exit 2, not quoted', async () => {
    const { dir } = await workspace();
    const r = await runCli(['sign', '--key', '-'], { cwd: dir, stdin: 'hunter2-secret-value\n' });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('error: standard input: not a PEM key file (no -----BEGIN line)\n');
  });

  it('through a real process and a real pipe (the built CLI)', async () => {
    const { dir, pem } = await workspace();
    const result = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [builtCli, 'sign', '--key', '-'], { cwd: dir, env: baseEnv });
      let stderr = '';
      child.stderr.on('data', (c) => (stderr += c));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stderr }));
      child.stdin.end(pem);
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    await verifies(dir);
  });
});

describe('keygen and git', () => {
  const git = (dir: string, ...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'pipe' });
  const repo = () => {
    const dir = join(root, `repo${n++}`);
    mkdirSync(dir);
    git(dir, 'init', '-q');
    return dir;
  };

  it('warns (exit 0) when the private key is written inside a work tree that does not ignore it', async () => {
    const dir = repo();
    mkdirSync(join(dir, 'sub'));
    const r = await runCli(['keygen', '--out-dir', 'keys'], { cwd: join(dir, 'sub'), env: baseEnv });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(
      `warning: keys/mcptrust.key is inside the git work tree ${dir} and not ignored by git: it could be committed. ` +
        'Keep private keys outside repositories (mcptrust keygen --out-dir ~/.config/mcptrust), or add *.key to .gitignore.\n',
    );
    expect(existsSync(join(dir, 'sub', 'keys', 'mcptrust.key'))).toBe(true);
    const j = await runCli(['keygen', '--name', 'other', '--format', 'json'], { cwd: dir, env: baseEnv });
    expect(j.code).toBe(0);
    expect(JSON.parse(j.stdout).warnings).toEqual([expect.stringMatching(/^other\.key is inside the git work tree .* and not ignored by git/)]);
  });

  it('does not warn when a .gitignore covers *.key', async () => {
    const dir = repo();
    writeFileSync(join(dir, '.gitignore'), '*.key\n');
    const r = await runCli(['keygen'], { cwd: dir, env: baseEnv });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
  });

  it('does not warn outside a work tree', async () => {
    const dir = join(root, `plain${n++}`);
    mkdirSync(dir);
    const r = await runCli(['keygen'], { cwd: dir, env: baseEnv });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
  });

  it('without git on PATH, a .git folder is enough to warn (it cannot be told that the key is ignored)', async () => {
    const dir = repo();
    writeFileSync(join(dir, '.gitignore'), '*.key\n');
    const r = await runCli(['keygen'], { cwd: dir, env: { PATH: join(root, 'no-bin'), HOME: process.env.HOME } });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^warning: mcptrust\.key is inside the git work tree .* and git could not say whether it is ignored: it could be committed\./);
  });
});
