// Adversarial review of keygen / sign / verify: file modes under a permissive umask, planted
// symlinks, hostile signature files (deep nesting, terminal escapes in key names), one key
// spelled two ways, a signature that claims a trusted key's id.
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePublicKeyPem, privateKeyFromSeed } from '../../src/crypto/keys.js';
import {
  parseSignatureEnvelope,
  serializeSignatureEnvelope,
  SignatureError,
  signLockfile,
  verifyLockfileSignature,
} from '../../src/lockfile/signature.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { oneToolLockText } from '../helpers/lockfiles.js';

let root: string;
let cleanup: () => void;
let n = 0;
beforeAll(() => ({ dir: root, cleanup } = tempDir('mcptrust-sigreview-')));
afterAll(() => cleanup());

function lockText(): string {
  return oneToolLockText();
}

function folder(): string {
  const dir = join(root, `r${n++}`);
  mkdirSync(dir);
  return dir;
}
const cli = (dir: string, ...argv: string[]) => runCli(argv, { cwd: dir });

describe('keygen file safety', () => {
  it('the private key is 0600 and the folder it creates 0700 even under umask 000', async () => {
    const dir = folder();
    const old = process.umask(0o000);
    try {
      const r = await cli(dir, 'keygen', '--out-dir', 'k', '--name', 'me');
      expect(r.code).toBe(0);
    } finally {
      process.umask(old);
    }
    expect(statSync(join(dir, 'k', 'me.key')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'k', 'me.pub')).mode & 0o777).toBe(0o644);
    expect(statSync(join(dir, 'k')).mode & 0o777).toBe(0o700);
    expect(readdirSync(join(dir, 'k')).sort()).toEqual(['me.key', 'me.pub']);
  });

  it('never writes through a planted (dangling) symlink at NAME.key: exit 2, its target never created', async () => {
    const dir = folder();
    symlinkSync(join(dir, 'stolen.key'), join(dir, 'me.key'));
    const r = await cli(dir, 'keygen', '--name', 'me');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('error: me.key already exists; keygen never overwrites a key\n');
    expect(existsSync(join(dir, 'stolen.key'))).toBe(false);
    expect(readdirSync(dir)).toEqual(['me.key']);
  });

  it('NAME.pub taken at the last moment: exit 2, and the private key just written is removed again', async () => {
    const dir = folder();
    symlinkSync(join(dir, 'elsewhere.pub'), join(dir, 'me.pub'));
    const r = await cli(dir, 'keygen', '--name', 'me');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('error: me.pub already exists; keygen never overwrites a key\n');
    expect(readdirSync(dir)).toEqual(['me.pub']);
    expect(lstatSync(join(dir, 'me.pub')).isSymbolicLink()).toBe(true);
    expect(existsSync(join(dir, 'elsewhere.pub'))).toBe(false);
  });
});

describe('hostile signature files', () => {
  async function signed(): Promise<string> {
    const dir = folder();
    writeFileSync(join(dir, 'mcp-lock.json'), lockText());
    expect((await cli(dir, 'keygen', '--name', 'alice')).code).toBe(0);
    expect((await cli(dir, 'sign', '--key', 'alice.key')).code).toBe(0);
    return dir;
  }

  it('a megabyte of nested brackets is a malformed signature file (exit 2), not an internal error', async () => {
    const dir = await signed();
    const depth = 400_000;
    writeFileSync(join(dir, 'deep.sig'), '['.repeat(depth) + ']'.repeat(depth));
    const r = await cli(dir, 'verify', '--key', 'alice.pub', '--sig', 'deep.sig');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('error: deep.sig: not valid JSON (nested more than 512 levels deep)\n');
    let error: unknown;
    try {
      parseSignatureEnvelope(Buffer.from('['.repeat(depth) + ']'.repeat(depth)), 'x.sig');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SignatureError);
    expect((error as SignatureError).code).toBe('MALFORMED_SIGNATURE_FILE');
  });

  it('terminal escapes in a duplicated key name never reach the terminal', async () => {
    const dir = await signed();
    writeFileSync(join(dir, 'esc.sig'), '{"signatureVersion":1,"\\u001b]0;pwned\\u0007\\u001b[2J":1,"\\u001b]0;pwned\\u0007\\u001b[2J":2}');
    const r = await cli(dir, 'verify', '--key', 'alice.pub', '--sig', 'esc.sig');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: esc\.sig: not valid JSON \(duplicate key/);
    expect(r.stderr).toContain('\\u{1b}]0;pwned\\u{7}');
    expect(/[\u0000-\u0009\u000b-\u001f\u007f]/.test(r.stderr)).toBe(false);
  });

  it('a literal "__proto__" member is an unknown field, not a prototype', () => {
    const lock = new Uint8Array(Buffer.from(lockText()));
    const env = JSON.parse(serializeSignatureEnvelope(signLockfile(lock, privateKeyFromSeed(new Uint8Array(32).fill(1))).envelope));
    const text = JSON.stringify(env).replace('{"signatureVersion"', '{"__proto__":{"signatures":[]},"signatureVersion"');
    expect(text).toContain('"__proto__"');
    expect(() => parseSignatureEnvelope(Buffer.from(text), 'p.sig')).toThrow('p.sig: the envelope has an unknown field "__proto__"');
    const entry = JSON.stringify(env).replace('{"algorithm"', '{"__proto__":{},"algorithm"');
    expect(() => parseSignatureEnvelope(Buffer.from(entry), 'p.sig')).toThrow('p.sig: signatures[0] has an unknown field "__proto__"');
  });

  it('a JSON syntax error names its line and column and quotes nothing of the file (no raw control characters either)', () => {
    let error: unknown;
    try {
      parseSignatureEnvelope(Buffer.from('{"signatureVersion": \u001b]0;pwned\u0007}'), 'x.sig');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SignatureError);
    expect((error as SignatureError).message).toMatch(/^x\.sig: not valid JSON/);
    expect((error as SignatureError).message).toBe('x.sig: not valid JSON (unexpected character at line 1, column 22)');
    expect((error as SignatureError).message).not.toContain('pwned');
    expect((error as SignatureError).message).not.toMatch(/[\u0000-\u001f]/);
  });
});

describe('key identity', () => {
  const lock = new Uint8Array(Buffer.from(lockText()));
  const alice = privateKeyFromSeed(new Uint8Array(32).fill(0xa1));
  const mallory = privateKeyFromSeed(new Uint8Array(32).fill(0x66));

  it('one key spelled two ways (CRLF, blank lines, another file name) counts once toward the threshold', async () => {
    const dir = folder();
    writeFileSync(join(dir, 'mcp-lock.json'), lockText());
    expect((await cli(dir, 'keygen', '--name', 'alice')).code).toBe(0);
    expect((await cli(dir, 'sign', '--key', 'alice.key')).code).toBe(0);
    mkdirSync(join(dir, 'ring'));
    const pem = readFileSync(join(dir, 'alice.pub'), 'utf8');
    writeFileSync(join(dir, 'ring', 'a.pub'), pem);
    writeFileSync(join(dir, 'ring', 'b.pub'), `\r\n${pem.replace(/\n/g, '\r\n')}\r\n\r\n`);
    // Same key material, so the same key id.
    expect(parsePublicKeyPem(readFileSync(join(dir, 'ring', 'b.pub')), 'b.pub').keyId).toBe(parsePublicKeyPem(Buffer.from(pem), 'a.pub').keyId);
    const r = await cli(dir, 'verify', '--keyring', 'ring', '--threshold', '2');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/1 distinct trusted key signed; 2 required \(only 1 distinct trusted key was given\)/);
    const ok = await cli(dir, 'verify', '--keyring', 'ring');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/\((?:ring\/)?a\.pub, (?:ring\/)?b\.pub\)/);
  });

  it('a signature by another key under a trusted key id is invalid, and does not count', () => {
    const real = signLockfile(lock, alice).envelope;
    const forged = signLockfile(lock, mallory).envelope;
    // Mallory's signature bytes, relabelled with alice's key id (the PAE then names alice: still invalid).
    const relabelled = { ...forged, signatures: [{ ...forged.signatures[0]!, keyid: alice.publicKey.keyId }] };
    let result = verifyLockfileSignature(lock, parseSignatureEnvelope(Buffer.from(serializeSignatureEnvelope(relabelled))), [alice.publicKey]);
    expect(result.verified).toBe(false);
    expect(result.problems.map((p) => p.code)).toEqual(['INVALID_SIGNATURE', 'THRESHOLD_NOT_MET']);
    // Alongside alice's real signature it still fails (an invalid signature by a trusted key id).
    const both = { ...real, signatures: [...real.signatures, relabelled.signatures[0]!] };
    result = verifyLockfileSignature(lock, parseSignatureEnvelope(Buffer.from(serializeSignatureEnvelope(both))), [alice.publicKey]);
    expect(result.verified).toBe(false);
    expect(result.signers).toEqual([alice.publicKey.keyId]);
    expect(result.problems.map((p) => p.code)).toEqual(['INVALID_SIGNATURE']);
  });

  it('the same valid signature listed twice is a duplicate signer and fails closed', () => {
    const real = signLockfile(lock, alice).envelope;
    const twice = { ...real, signatures: [real.signatures[0]!, real.signatures[0]!] };
    const result = verifyLockfileSignature(lock, parseSignatureEnvelope(Buffer.from(serializeSignatureEnvelope(twice))), [alice.publicKey, alice.publicKey]);
    expect(result.verified).toBe(false);
    expect(result.signers).toEqual([alice.publicKey.keyId]);
    expect(result.problems.map((p) => p.code)).toEqual(['DUPLICATE_SIGNER']);
  });
});

describe('keys that are not Ed25519, through the CLI', () => {
  it('verify and sign refuse X25519 and Ed448 keys by name (exit 2)', async () => {
    const dir = folder();
    writeFileSync(join(dir, 'mcp-lock.json'), lockText());
    for (const type of ['x25519', 'ed448'] as const) {
      const pair = generateKeyPairSync(type as 'x25519');
      writeFileSync(join(dir, `${type}.pub`), pair.publicKey.export({ type: 'spki', format: 'pem' }));
      writeFileSync(join(dir, `${type}.key`), pair.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    }
    let r = await cli(dir, 'verify', '--key', 'x25519.pub');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('error: x25519.pub: an X25519 key (key agreement, not signing); mcptrust signs and verifies with Ed25519 keys only (make one with mcptrust keygen)\n');
    r = await cli(dir, 'verify', '--key', 'ed448.pub');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: ed448\.pub: an Ed448 key; mcptrust signs and verifies with Ed25519 keys only/);
    r = await cli(dir, 'sign', '--key', 'x25519.key');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: x25519\.key: an X25519 key \(key agreement, not signing\)/);
    expect(existsSync(join(dir, 'mcp-lock.json.sig'))).toBe(false);
  });
});
