// `sign` and `diff --against <a byte-identical copy>` decide on a lockfile's bytes
// (lockfileBytesAccepted, src/lockfile/fast-check.ts) before, or instead of, the strict reader.
// That check must change nothing a user sees: every case below pins, through the shipped bin,
// the exit code, the exact stdout and stderr, and the exact signature file that `sign` wrote
// before the check existed (Ed25519 is deterministic: one key and one file give one signature).
// The cases are the most telling of a differential run of the old and new bins over ~560 hostile
// lockfiles: files in the form lock writes (the check decides), files the strict reader accepts
// in another form (escapes, "1.0", CRLF), and files it refuses (each with its own message).
//
// The last group is a finding: a number with millions of digits (here the lockfileVersion
// "1.000…0", which the strict reader reads as 1 and accepts) made the check build a string one
// character at a time, so `sign` and such a `diff` ran out of memory (a V8 crash, exit 134)
// where the strict reader alone used a few megabytes. Run under a 64 MB heap, which the strict
// reader's own read fits in with room to spare: an upper bound on memory, not on time.
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, symlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot, spawnCli, tempDir } from '../helpers/cli.js';

const scratch = tempDir('mcptrust-round6-fast-check-');
afterAll(() => scratch.cleanup());

// A test-only key from keys.example (mode 0600, or sign warns on stderr).
const KEY = join(scratch.dir, 'signer.key');
copyFileSync(join(repoRoot, 'keys.example', 'test-only-DO-NOT-USE.key'), KEY);
chmodSync(KEY, 0o600);
const KEY_ID = 'sha256:40c10484f4c377813460e42dc8d5b2a618022fd821722e916699e0735925c828';

/** A lockfile lock wrote (testdata/signed-v1): the form the byte check decides on. */
const BASE = readFileSync(join(repoRoot, 'testdata', 'signed-v1', 'mcp-lock.json'), 'utf8');

const sha256 = (bytes: Uint8Array) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** The signature file sign writes for these bytes with KEY holding `signature`. */
function signatureFile(bytes: Uint8Array, signature: string): string {
  return `{
  "signatureVersion": 1,
  "lockfileDigest": "${sha256(bytes)}",
  "signatures": [
    {
      "algorithm": "ed25519",
      "keyid": "${KEY_ID}",
      "signature": "${signature}"
    }
  ]
}
`;
}

function signedText(bytes: Uint8Array): string {
  return `signed mcp-lock.json with ${KEY_ID}\n  mcp-lock.json.sig now holds 1 signature:\n    ${KEY_ID}\n  lockfile ${sha256(bytes)}\n`;
}

const NO_DRIFT_TEXT = 'no drift: copy.json matches mcp-lock.json\n';
const NO_DRIFT_JSON = `${JSON.stringify(
  {
    diffVersion: 1,
    drift: false,
    before: 'mcp-lock.json',
    after: 'copy.json',
    failOn: 'any',
    failed: false,
    summary: { changes: 0, breaking: 0, maxSeverity: null, bySeverity: { critical: 0, high: 0, medium: 0, low: 0, info: 0 } },
    servers: [],
    changes: [],
  },
  null,
  2,
)}\n`;

let counter = 0;
/** A fresh folder holding the lockfile as mcp-lock.json and a byte-identical copy.json. */
function folderWith(bytes: Uint8Array | string): string {
  const dir = join(scratch.dir, `case-${counter++}`);
  mkdirSync(dir);
  writeFileSync(join(dir, 'mcp-lock.json'), bytes);
  writeFileSync(join(dir, 'copy.json'), bytes);
  return dir;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}
const sign = (cwd: string, env?: NodeJS.ProcessEnv): Promise<Run> => spawnCli(['sign', '--key', KEY], { cwd, env });
const diff = (cwd: string, format: string, env?: NodeJS.ProcessEnv): Promise<Run> =>
  spawnCli(['diff', '--lock', 'mcp-lock.json', '--against', 'copy.json', '--format', format], { cwd, env });

async function expectSigned(bytes: Uint8Array, signature: string, env?: NodeJS.ProcessEnv): Promise<void> {
  const dir = folderWith(bytes);
  const r = await sign(dir, env);
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
  expect(r.stdout).toBe(signedText(bytes));
  expect(readFileSync(join(dir, 'mcp-lock.json.sig'), 'utf8')).toBe(signatureFile(bytes, signature));
  for (const [format, want] of [
    ['text', NO_DRIFT_TEXT],
    ['json', NO_DRIFT_JSON],
  ]) {
    const d = await diff(dir, format!, env);
    expect({ code: d.code, stdout: d.stdout, stderr: d.stderr }, `diff --format ${format}`).toEqual({ code: 0, stdout: want, stderr: '' });
  }
}

/** sign refuses (exit 2, nothing written); diff against the identical copy says no drift (it checks no digest). */
async function expectSignRefusesDiffAccepts(bytes: string, message: string): Promise<void> {
  const dir = folderWith(bytes);
  const r = await sign(dir);
  expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 2, stdout: '', stderr: `error: ${message}\n` });
  expect(existsSync(join(dir, 'mcp-lock.json.sig'))).toBe(false);
  for (const [format, want] of [
    ['text', NO_DRIFT_TEXT],
    ['json', NO_DRIFT_JSON],
  ]) {
    const d = await diff(dir, format!);
    expect({ code: d.code, stdout: d.stdout, stderr: d.stderr }, `diff --format ${format}`).toEqual({ code: 0, stdout: want, stderr: '' });
  }
}

/** Both refuse with the strict reader's message (exit 2, no output, no signature file), diff in every format. */
async function expectBothRefuse(dir: string, message: string): Promise<void> {
  const want = { code: 2, stdout: '', stderr: `error: ${message}\n` };
  const r = await sign(dir);
  expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual(want);
  expect(existsSync(join(dir, 'mcp-lock.json.sig'))).toBe(false);
  for (const format of ['text', 'json', 'markdown', 'sarif']) {
    const d = await diff(dir, format);
    expect({ code: d.code, stdout: d.stdout, stderr: d.stderr }, `diff --format ${format}`).toEqual(want);
  }
}

describe('files the strict reader accepts: signed byte for byte as before, and no drift against a copy', () => {
  it('the file lock wrote', async () => {
    await expectSigned(Buffer.from(BASE), 'GWXthKyfPLdgjNLEZ33i0xBphGq5wJdG8eMO3G0TjQeZT/xgJQh78qlOXGCtuMzpkT5yqCU/2VnOQmcNKCWpDA==');
  }, 30_000);

  it('the same file with CRLF line ends and tab indentation', async () => {
    const text = BASE.replaceAll('\n', '\r\n').replaceAll('  ', '\t');
    await expectSigned(Buffer.from(text), 'bVEwK8AphAm1hyoVrAZ+Oa5d1l/gR7Z6OHP6pDPRH0zO+uax/wG9ZgpW4cJLr6EK1N3UkHw36Vag+iY1CKA+CQ==');
  }, 30_000);

  it('an escape JSON.stringify would not write ("\\u002e" for ".")', async () => {
    const text = BASE.replace('"Echo the text."', '"Echo the text\\u002e"');
    await expectSigned(Buffer.from(text), 'oggfVBU56AHqS3rEA+xV/O2URGFZDLUYXPImqpZUvzaB+DwMaOxFZi4cvfN337jFA44lglS1mJOU+iS7tihtBQ==');
  }, 30_000);

  it('lockfileVersion written 1.0', async () => {
    const text = BASE.replace('"lockfileVersion": 1', '"lockfileVersion": 1.0');
    await expectSigned(Buffer.from(text), 'bPwy1XgZ8czHheEeVaqHXINHSpA0jlpEgNGT/JRU2U1GrKhTGYG2IRDhs02aP5zY4Zcgb1bE/7OaciD4OjPsCw==');
  }, 30_000);
});

describe('a wrong digest: sign refuses with the reader message; diff of two identical files trusts no digest', () => {
  it("an item's digest", async () => {
    await expectSignRefusesDiffAccepts(BASE.replace('9044c73a', '9044c73b'), 'mcp-lock.json: tool "echo" does not match its digest (edited by hand? re-run mcptrust lock)');
  }, 30_000);

  it("a server's surface digest", async () => {
    await expectSignRefusesDiffAccepts(
      BASE.replace('c4466e0d', 'c4466e0e'),
      'mcp-lock.json: server "npm-fixture" does not match its surface digest (edited by hand? re-run mcptrust lock)',
    );
  }, 30_000);
});

describe('files the strict reader refuses: sign and diff --against a copy name the problem, exit 2', () => {
  it('a byte-order mark', async () => {
    await expectBothRefuse(folderWith(`\ufeff${BASE}`), 'mcp-lock.json is not valid JSON: unexpected character at line 1, column 1');
  }, 30_000);

  it('an encoded surrogate (not UTF-8)', async () => {
    const at = BASE.indexOf('Echo');
    const bytes = Buffer.concat([Buffer.from(BASE.slice(0, at)), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from(BASE.slice(at))]);
    await expectBothRefuse(folderWith(bytes), 'mcp-lock.json is not valid UTF-8: the byte sequence at offset 542 (line 22) is not a character');
  }, 30_000);

  it('a duplicate key', async () => {
    await expectBothRefuse(
      folderWith(BASE.replace('"name": "echo"', '"name": "echo",\n            "name": "echo"')),
      'mcp-lock.json is not valid JSON: duplicate key $.servers["npm-fixture"].tools.echo.definition: "name" at line 32, column 13',
    );
  }, 30_000);

  it('a number beyond a double (1e400)', async () => {
    await expectBothRefuse(
      folderWith(BASE.replace('"lockfileVersion": 1', '"lockfileVersion": 1e400')),
      'mcp-lock.json is not valid JSON: a number too large for a double-precision value (it has no RFC 8785 form)',
    );
  }, 30_000);

  it('an unknown field', async () => {
    await expectBothRefuse(folderWith(BASE.replace('"identity": {', '"identityx": 1,\n      "identity": {')), 'mcp-lock.json: servers["npm-fixture"] has an unknown field "identityx"');
  }, 30_000);

  it('a definition one level deeper than lock writes', async () => {
    const deep = `${'['.repeat(256)}${']'.repeat(256)}`;
    await expectBothRefuse(folderWith(BASE.replace('"name": "echo"', `"deep": ${deep},\n            "name": "echo"`)), 'mcp-lock.json is not valid JSON: nested more than 261 levels deep');
  }, 30_000);

  it('a symlink to a secret file: refused without quoting it', async () => {
    const secret = join(scratch.dir, 'token.txt');
    writeFileSync(secret, 'ghp_round6SECRETabcdefghijklmnopqrstuvwxyz\n');
    const dir = folderWith('');
    rmSync(join(dir, 'mcp-lock.json'));
    symlinkSync(secret, join(dir, 'mcp-lock.json'));
    copyFileSync(secret, join(dir, 'copy.json'));
    await expectBothRefuse(dir, 'mcp-lock.json is not valid JSON: unexpected character at line 1, column 1');
  }, 30_000);
});

describe('a number with millions of digits: read in bounded memory, as the strict reader reads it', () => {
  // 8 MiB: lockfileVersion 1.000…0 (8 Mi zeros), which reads as 1.
  const bytes = Buffer.from(`{"lockfileVersion": 1.${'0'.repeat(8 << 20)},"servers":{}}`);
  const env = { ...process.env, NODE_OPTIONS: '--max-old-space-size=64' };

  it('sign signs it under a 64 MB heap', async () => {
    const dir = folderWith(bytes);
    const r = await sign(dir, env);
    expect({ code: r.code, stdout: r.stdout, stderr: r.stderr.slice(0, 200) }).toEqual({ code: 0, stdout: signedText(bytes), stderr: '' });
    expect(readFileSync(join(dir, 'mcp-lock.json.sig'), 'utf8')).toBe(
      signatureFile(bytes, 'LqLh2mmJO4eDmSj8ZLnSZQMEs7InA9VmkC84kj+iFtXwXBhfI42K5mVWcpPc0WrZXjCK66Rk8mER4qcpPTlHDQ=='),
    );
  }, 60_000);

  it('diff --against an identical copy says no drift under a 64 MB heap', async () => {
    const dir = folderWith(bytes);
    const d = await diff(dir, 'text', env);
    expect({ code: d.code, stdout: d.stdout, stderr: d.stderr.slice(0, 200) }).toEqual({ code: 0, stdout: NO_DRIFT_TEXT, stderr: '' });
  }, 60_000);
});
