// A secret that the 64 KiB stderr tail cuts in two: stderr is scrubbed as it arrives, before the
// cut, so no piece of it reaches the screen. The guarantee pinned here: when a server prints a
// secret (a header or env value, or a ${VAR} value of its command, args or URL) on stderr, no
// 5-character piece of it appears in mcptrust's output, wherever the tail's cut, the pipe's
// reads or the end of the stream fall (pieces shorter than 5 characters are not secrets, the
// rule of every other redaction).
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../src/mcp/index.js';
import { fixtureServer, runCli, tempDir } from '../helpers/cli.js';

const SECRET = 'sk-live-Q7vZ3mK9pL2xW8nR4tY6bH1jD5fG0cVa';
const PEM = '-----BEGIN TEST KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7Zq1\n-----END TEST KEY-----';
const env = { PATH: process.env.PATH, HOME: process.env.HOME };

function pieces(secret: string): string[] {
  const out: string[] = [];
  for (let i = 0; i + 5 <= secret.length; i++) out.push(secret.slice(i, i + 5));
  return out;
}

async function lockWith(secret: string, ...args: string[]) {
  const scratch = tempDir();
  try {
    const server = fixtureServer('stderr-cut-server.mjs', `--tail=${DEFAULT_LIMITS.stderrBytes}`, ...args);
    return await runCli(['lock', '--timeout', '20s', '--env', `API_KEY=${secret}`, '-o', `${scratch.dir}/mcp-lock.json`, '--', ...server], { cwd: scratch.dir, env });
  } finally {
    scratch.cleanup();
  }
}

function expectNoPiece(output: string, secret: string): void {
  const shown = pieces(secret).filter((p) => output.includes(p));
  expect(shown, `pieces of the secret in:\n${output}`).toEqual([]);
}

describe('stderr tail: a secret cut by the 64 KiB bound leaves no piece on screen', () => {
  it.each([1, 4, 5, 10, 20, 30, 35, 39])('the cut falls after %i characters of a 40-character secret', async (cut) => {
    const r = await lockWith(SECRET, `--cut=${cut}`);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/server exited with code 1 during initialize/);
    // The tail was shown, and cut: its last line is there, the first line of stderr is not.
    expect(r.stderr).toMatch(/fatal: missing configuration, exiting/);
    expect(r.stderr).not.toMatch(/starting: this line is before the cut/);
    expectNoPiece(r.stdout + r.stderr, SECRET);
  });

  it('the secret arrives in pieces over several reads, the cut inside it', async () => {
    const r = await lockWith(SECRET, '--cut=12', '--trickle');
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/fatal: missing configuration, exiting/);
    expectNoPiece(r.stdout + r.stderr, SECRET);
  });

  it('a multi-line secret (a PEM key in an env var) cut after its first line', async () => {
    const r = await lockWith(PEM, `--cut=${PEM.indexOf('\n') + 3}`);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/fatal: missing configuration, exiting/);
    for (const line of PEM.split('\n')) expectNoPiece(r.stdout + r.stderr, line);
  });

  it.each([5, 12, 39])('stderr ends with the first %i characters of the secret (the server died mid-write)', async (end) => {
    const r = await lockWith(SECRET, `--end=${end}`, '--trickle');
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/token again: \[REDACTED\]/);
    expectNoPiece(r.stdout + r.stderr, SECRET);
  });
});
