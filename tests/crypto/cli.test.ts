// mcptrust keygen / sign / verify through the CLI (in-process): every exit code with its message.
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import nacl from 'tweetnacl';
import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import { parsePublicKeyPem } from '../../src/crypto/keys.js';
import { preAuthEncoding } from '../../src/lockfile/signature.js';
import { runCli, spawnCli, tempDir } from '../helpers/cli.js';
import { oneToolLockText } from '../helpers/lockfiles.js';

let root: string;
let cleanup: () => void;
let n = 0;

function lockText(description = 'Read a note.'): string {
  return oneToolLockText({ description });
}

/** A fresh folder with mcp-lock.json and the key pairs alice and bob (made by keygen). */
async function workspace(): Promise<string> {
  const dir = join(root, `w${n++}`);
  mkdirSync(dir);
  writeFileSync(join(dir, 'mcp-lock.json'), lockText());
  for (const name of ['alice', 'bob']) {
    const r = await runCli(['keygen', '--name', name], { cwd: dir });
    expect(r.code).toBe(0);
  }
  return dir;
}

const cli = (dir: string, ...argv: string[]) => runCli(argv, { cwd: dir });

/**
 * Every signature in the folder's mcp-lock.json.sig, checked by two independent Ed25519
 * implementations (tweetnacl, node:crypto / OpenSSL) over the PAE rebuilt from the files.
 * Returns how many were checked.
 */
function crossCheckSignatures(dir: string, pubFiles: string[]): number {
  const lock = new Uint8Array(readFileSync(join(dir, 'mcp-lock.json')));
  const env = JSON.parse(readFileSync(join(dir, 'mcp-lock.json.sig'), 'utf8'));
  const keys = new Map(pubFiles.map((f) => { const k = parsePublicKeyPem(readFileSync(join(dir, f)), f); return [k.keyId, k] as const; }));
  for (const entry of env.signatures) {
    const key = keys.get(entry.keyid)!;
    expect(key).toBeDefined();
    const message = preAuthEncoding(env.signatureVersion, entry.algorithm, entry.keyid, env.lockfileDigest, lock);
    const signature = new Uint8Array(Buffer.from(entry.signature, 'base64'));
    expect(nacl.sign.detached.verify(message, signature, key.raw)).toBe(true);
    const nodeKey = createPublicKey({ key: Buffer.from(key.spki), format: 'der', type: 'spki' });
    expect(nodeVerify(null, message, nodeKey, signature)).toBe(true);
  }
  return env.signatures.length;
}

beforeAll(() => ({ dir: root, cleanup } = tempDir('mcptrust-sigcli-')));
afterAll(() => cleanup());

describe('mcptrust keygen', () => {
  it('writes NAME.key (mode 0600) and NAME.pub, which openssl agrees on; prints the key id', async () => {
    const dir = join(root, 'kg');
    mkdirSync(dir);
    const r = await runCli(['keygen', '--out-dir', 'keys', '--name', 'ci'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^wrote keys\/ci\.key \(private key, mode 0600: keep it secret, never commit it\)$/m);
    expect(r.stdout).toMatch(/^wrote keys\/ci\.pub /m);
    const keyid = /^key id (sha256:[0-9a-f]{64})$/m.exec(r.stdout)?.[1];
    expect(keyid).toBeDefined();
    expect(statSync(join(dir, 'keys', 'ci.key')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'keys', 'ci.pub')).mode & 0o777).toBe(0o644);
    const pub = readFileSync(join(dir, 'keys', 'ci.pub'), 'utf8');
    expect(execFileSync('openssl', ['pkey', '-in', join(dir, 'keys', 'ci.key'), '-pubout'], { encoding: 'utf8' })).toBe(pub);
    const der = execFileSync('openssl', ['pkey', '-pubin', '-in', join(dir, 'keys', 'ci.pub'), '-outform', 'DER']);
    const { createHash } = await import('node:crypto');
    expect(keyid).toBe(`sha256:${createHash('sha256').update(der).digest('hex')}`);
  });

  it('never overwrites: exit 2 and both files untouched, even when only NAME.pub exists', async () => {
    const dir = await workspace();
    const before = readFileSync(join(dir, 'alice.key'));
    const r = await cli(dir, 'keygen', '--name', 'alice');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('error: alice.key already exists; keygen never overwrites a key (choose another --name or --out-dir)\n');
    expect(readFileSync(join(dir, 'alice.key')).equals(before)).toBe(true);
    writeFileSync(join(dir, 'carol.pub'), 'mine\n');
    const r2 = await cli(dir, 'keygen', '--name', 'carol');
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/carol\.pub already exists/);
    expect(existsSync(join(dir, 'carol.key'))).toBe(false);
    expect(readFileSync(join(dir, 'carol.pub'), 'utf8')).toBe('mine\n');
  });

  it('refuses a --name with a folder in it (exit 2) and prints JSON with --format json', async () => {
    const dir = await workspace();
    const r = await cli(dir, 'keygen', '--name', '../x');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--name must be 1 to 100 letters/);
    const j = await cli(dir, 'keygen', '--name', 'dave', '--format', 'json');
    expect(j.code).toBe(0);
    expect(JSON.parse(j.stdout)).toEqual({ privateKey: 'dave.key', publicKey: 'dave.pub', keyid: expect.stringMatching(/^sha256:[0-9a-f]{64}$/), warnings: [] });
  });
});

describe('mcptrust sign', () => {
  it('writes mcp-lock.json.sig and names the key; a second key adds, the same key replaces its own', async () => {
    const dir = await workspace();
    const r = await cli(dir, 'sign', '--key', 'alice.key');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^signed mcp-lock\.json with sha256:[0-9a-f]{64}$/m);
    expect(r.stdout).toMatch(/mcp-lock\.json\.sig now holds 1 signature:/);
    const sig1 = JSON.parse(readFileSync(join(dir, 'mcp-lock.json.sig'), 'utf8'));
    expect(sig1.signatureVersion).toBe(1);
    expect(sig1.signatures).toHaveLength(1);
    const r2 = await cli(dir, 'sign', '--key', 'bob.key', '--format', 'json');
    expect(r2.code).toBe(0);
    expect(JSON.parse(r2.stdout)).toMatchObject({ signed: true, replaced: false, signers: expect.any(Array) });
    expect(JSON.parse(r2.stdout).signers).toHaveLength(2);
    expect(crossCheckSignatures(dir, ['alice.pub', 'bob.pub'])).toBe(2);
    const r3 = await cli(dir, 'sign', '--key', 'alice.key');
    expect(r3.stdout).toMatch(/\(replaced its earlier signature\)/);
    expect(r3.stdout).toMatch(/now holds 2 signatures/);
    expect(crossCheckSignatures(dir, ['alice.pub', 'bob.pub'])).toBe(2);
  });

  it('warns when the private key is readable by group or others (and still signs)', async () => {
    const dir = await workspace();
    chmodSync(join(dir, 'alice.key'), 0o644);
    const r = await cli(dir, 'sign', '--key', 'alice.key');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('warning: alice.key is readable or writable by group or others (mode 0644); run: chmod 600 alice.key\n');
  });

  it('drops signatures over an older lockfile, with a warning', async () => {
    const dir = await workspace();
    await cli(dir, 'sign', '--key', 'alice.key');
    writeFileSync(join(dir, 'mcp-lock.json'), lockText('Read a note, changed.'));
    const r = await cli(dir, 'sign', '--key', 'bob.key');
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^warning: mcp-lock\.json\.sig held 1 signature over a different version of mcp-lock\.json; dropped/);
    expect(r.stdout).toMatch(/now holds 1 signature:/);
    expect(crossCheckSignatures(dir, ['bob.pub'])).toBe(1);
  });

  it('exit 2: missing key, a public key, an RSA key, a malformed lockfile, a broken existing signature file (left untouched)', async () => {
    const dir = await workspace();
    let r = await cli(dir, 'sign', '--key', 'nope.key');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: cannot read private key .*nope\.key: no such file$/m);
    r = await cli(dir, 'sign', '--key', 'alice.pub');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: alice\.pub: a public key; sign needs the private key/);
    writeFileSync(join(dir, 'rsa.key'), generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
    r = await cli(dir, 'sign', '--key', 'rsa.key');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: rsa\.key: an RSA key; mcptrust signs and verifies with Ed25519 keys only/);
    writeFileSync(join(dir, 'bad.json'), '{"lockfileVersion": 1, "servers": ');
    r = await cli(dir, 'sign', '--key', 'alice.key', '--lock', 'bad.json');
    expect(r.code).toBe(2);
    expect(existsSync(join(dir, 'bad.json.sig'))).toBe(false);
    writeFileSync(join(dir, 'mcp-lock.json.sig'), '{"signatureVersion": 1');
    r = await cli(dir, 'sign', '--key', 'alice.key');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/mcp-lock\.json\.sig: not valid JSON .*; refusing to overwrite it/);
    expect(readFileSync(join(dir, 'mcp-lock.json.sig'), 'utf8')).toBe('{"signatureVersion": 1');
  });
});

describe('openssl interop through the CLI', () => {
  it('signs with a key from openssl genpkey and verifies with its openssl -pubout public key', async () => {
    const dir = await workspace();
    execFileSync('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', join(dir, 'ossl.key')]);
    chmodSync(join(dir, 'ossl.key'), 0o600);
    writeFileSync(join(dir, 'ossl.pub'), execFileSync('openssl', ['pkey', '-in', join(dir, 'ossl.key'), '-pubout']));
    const s = await cli(dir, 'sign', '--key', 'ossl.key');
    expect(s.code).toBe(0);
    expect(s.stderr).toBe('');
    expect(crossCheckSignatures(dir, ['ossl.pub'])).toBe(1);
    const r = await cli(dir, 'verify', '--key', 'ossl.pub');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\(ossl\.pub\)/);
  });
});

describe('mcptrust verify', () => {
  it('exit 0: prints which trusted key ids signed', async () => {
    const dir = await workspace();
    const s = await cli(dir, 'sign', '--key', 'alice.key', '--format', 'json');
    const keyid = JSON.parse(s.stdout).keyid as string;
    const r = await cli(dir, 'verify', '--key', 'alice.pub');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      `verified mcp-lock.json: signed by 1 trusted key (threshold 1)\n  ${keyid} (alice.pub)\n  lockfile ${JSON.parse(s.stdout).lockfileDigest}\n`,
    );
    const j = await cli(dir, 'verify', '--key', 'alice.pub', '--format', 'json');
    expect(j.code).toBe(0);
    expect(JSON.parse(j.stdout)).toMatchObject({ verified: true, threshold: 1, signers: [{ keyid, keys: ['alice.pub'] }], problems: [] });
  });

  it('exit 1: one altered byte of the lockfile', async () => {
    const dir = await workspace();
    await cli(dir, 'sign', '--key', 'alice.key');
    const lock = readFileSync(join(dir, 'mcp-lock.json'));
    lock[lock.indexOf('Read') + 1] = 'E'.charCodeAt(0);
    writeFileSync(join(dir, 'mcp-lock.json'), lock);
    const r = await cli(dir, 'verify', '--key', 'alice.pub');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^error: mcp-lock\.json: signature verification failed\n  the lockfile was changed after it was signed/);
    const j = await cli(dir, 'verify', '--key', 'alice.pub', '--format', 'json');
    expect(j.code).toBe(1);
    expect(JSON.parse(j.stdout).problems[0].code).toBe('DIGEST_MISMATCH');
  });

  it('exit 1: one altered byte of the signature', async () => {
    const dir = await workspace();
    await cli(dir, 'sign', '--key', 'alice.key');
    const env = JSON.parse(readFileSync(join(dir, 'mcp-lock.json.sig'), 'utf8'));
    const sig = Buffer.from(env.signatures[0].signature, 'base64');
    sig[10]! ^= 0x01;
    env.signatures[0].signature = sig.toString('base64');
    writeFileSync(join(dir, 'mcp-lock.json.sig'), JSON.stringify(env));
    const r = await cli(dir, 'verify', '--key', 'alice.pub');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the signature by sha256:[0-9a-f]{64} does not verify \(alice\.pub\)/);
    expect(r.stderr).toMatch(/0 distinct trusted keys signed; 1 required/);
  });

  it('exit 1: a signature by an unknown key', async () => {
    const dir = await workspace();
    await cli(dir, 'sign', '--key', 'bob.key');
    const r = await cli(dir, 'verify', '--key', 'alice.pub');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/signed by sha256:[0-9a-f]{64}, which is not a trusted key/);
  });

  it('threshold 2: two distinct keys pass; one key, or the same key given twice, fails (exit 1)', async () => {
    const dir = await workspace();
    await cli(dir, 'sign', '--key', 'alice.key');
    let r = await cli(dir, 'verify', '--key', 'alice.pub', '--key', 'bob.pub', '--threshold', '2');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/1 distinct trusted key signed; 2 required/);
    copyFileSync(join(dir, 'alice.pub'), join(dir, 'alice-copy.pub'));
    r = await cli(dir, 'verify', '--key', 'alice.pub', '--key', 'alice-copy.pub', '--threshold', '2');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/2 required \(only 1 distinct trusted key was given\)/);
    await cli(dir, 'sign', '--key', 'bob.key');
    r = await cli(dir, 'verify', '--key', 'alice.pub', '--key', 'bob.pub', '--threshold', '2');
    expect(r.code).toBe(0);
    expect((await cli(dir, 'verify', '--key', 'alice.pub', 'bob.pub', '--threshold', '2')).code).toBe(0);
    expect(r.stdout).toMatch(/signed by 2 trusted keys \(threshold 2\)/);
    expect(r.stdout).toMatch(/\(alice\.pub\)/);
    expect(r.stdout).toMatch(/\(bob\.pub\)/);
    r = await cli(dir, 'sign', '--key', 'alice.key'); // same key again: replaces, still two distinct signers
    r = await cli(dir, 'verify', '--key', 'alice.pub', '--key', 'bob.pub', '--threshold', '3');
    expect(r.code).toBe(1);
  });

  it('--keyring loads every *.pub in the folder; a bad one is an error naming the file (exit 2)', async () => {
    const dir = await workspace();
    await cli(dir, 'sign', '--key', 'alice.key');
    await cli(dir, 'sign', '--key', 'bob.key');
    mkdirSync(join(dir, 'ring'));
    copyFileSync(join(dir, 'alice.pub'), join(dir, 'ring', 'alice.pub'));
    copyFileSync(join(dir, 'bob.pub'), join(dir, 'ring', 'bob.pub'));
    writeFileSync(join(dir, 'ring', 'README.md'), 'not a key');
    let r = await cli(dir, 'verify', '--keyring', 'ring', '--threshold', '2');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\(ring\/alice\.pub\)/);
    writeFileSync(join(dir, 'ring', 'x25519.pub'), generateKeyPairSync('x25519').publicKey.export({ type: 'spki', format: 'pem' }));
    r = await cli(dir, 'verify', '--keyring', 'ring');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('error: ring/x25519.pub: an X25519 key (key agreement, not signing); mcptrust signs and verifies with Ed25519 keys only (make one with mcptrust keygen)\n');
    const ring2 = join(dir, 'ring2');
    mkdirSync(ring2);
    copyFileSync(join(dir, 'alice.pub'), join(ring2, 'evil\u001b[2Jname.pub'));
    r = await cli(dir, 'verify', '--keyring', 'ring2');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('error: keyring ring2 holds a key file with an unprintable name: evil\\u{1b}[2Jname.pub\n');
    mkdirSync(join(dir, 'empty'));
    r = await cli(dir, 'verify', '--keyring', 'empty');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('error: keyring empty holds no *.pub public key\n');
    r = await cli(dir, 'verify', '--keyring', 'nowhere');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('error: cannot read keyring nowhere: no such folder\n');
  });

  it('exit 2: missing or malformed key or signature file, RSA key, private key, unknown version, no key given', async () => {
    const dir = await workspace();
    await cli(dir, 'sign', '--key', 'alice.key');
    let r = await cli(dir, 'verify');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('error: verify needs the trusted public keys: --key FILE (repeatable) or --keyring DIR\n');
    r = await cli(dir, 'verify', '--key', 'missing.pub');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: cannot read public key .*missing\.pub: no such file$/m);
    writeFileSync(join(dir, 'garbage.pub'), '-----BEGIN PUBLIC KEY-----\n!!!\n-----END PUBLIC KEY-----\n');
    r = await cli(dir, 'verify', '--key', 'garbage.pub');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: garbage\.pub: malformed PEM/);
    writeFileSync(join(dir, 'rsa.pub'), generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }));
    r = await cli(dir, 'verify', '--key', 'rsa.pub');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: rsa\.pub: an RSA key; mcptrust signs and verifies with Ed25519 keys only/);
    r = await cli(dir, 'verify', '--key', 'alice.key');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: alice\.key: a private key; verify needs the public key/);
    r = await cli(dir, 'verify', '--key', 'alice.pub', '--sig', 'none.sig');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: cannot read signature file .*none\.sig: no such file$/m);
    r = await cli(dir, 'verify', '--key', 'alice.pub', '--lock', 'none.json', '--sig', 'mcp-lock.json.sig');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: cannot read lockfile .*none\.json: no such file$/m);
    const env = JSON.parse(readFileSync(join(dir, 'mcp-lock.json.sig'), 'utf8'));
    writeFileSync(join(dir, 'v2.sig'), JSON.stringify({ ...env, signatureVersion: 2 }));
    r = await cli(dir, 'verify', '--key', 'alice.pub', '--sig', 'v2.sig');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('error: v2.sig: signature format version 2 is not supported by this mcptrust (reads 1)\n');
    writeFileSync(join(dir, 'trunc.sig'), readFileSync(join(dir, 'mcp-lock.json.sig')).subarray(0, 50));
    r = await cli(dir, 'verify', '--key', 'alice.pub', '--sig', 'trunc.sig');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: trunc\.sig: not valid JSON/);
    r = await cli(dir, 'verify', '--key', 'alice.pub', '--threshold', '0');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/expected a whole number of at least 1/);
  });

  it('--allow-unknown-signers ignores signatures by other keys, which never count', async () => {
    const dir = await workspace();
    await cli(dir, 'sign', '--key', 'alice.key');
    await cli(dir, 'sign', '--key', 'bob.key');
    let r = await cli(dir, 'verify', '--key', 'alice.pub', '--allow-unknown-signers');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/sha256:[0-9a-f]{64} \(not trusted, ignored\)/);
    r = await cli(dir, 'verify', '--key', 'alice.pub', '--allow-unknown-signers', '--threshold', '2');
    expect(r.code).toBe(1);
  });

  it('as a real process: exit codes 0 and 1 reach the shell (needs the build in dist/)', async () => {
    const dir = await workspace();
    await cli(dir, 'sign', '--key', 'alice.key');
    const ok = await spawnCli(['verify', '--key', 'alice.pub'], { cwd: dir });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^verified mcp-lock\.json/);
    writeFileSync(join(dir, 'mcp-lock.json'), `${readFileSync(join(dir, 'mcp-lock.json'), 'utf8')} `);
    const bad = await spawnCli(['verify', '--key', 'alice.pub'], { cwd: dir });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/the lockfile was changed after it was signed/);
  });
});
