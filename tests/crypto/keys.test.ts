// Key files: PEM PKCS#8 / SPKI for Ed25519, read and written byte-compatible with OpenSSL (the
// real openssl binary), every other key type refused by name.
import { execFileSync } from 'node:child_process';
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publicKeyProblem, signEd25519, verifyEd25519 } from '../../src/crypto/ed25519.js';
import { KeyError, type KeyErrorCode } from '../../src/crypto/errors.js';
import {
  encodePrivateKeyPem,
  encodePublicKeyPem,
  keyIdOf,
  publicKeyFromRaw,
  parsePrivateKeyPem,
  parsePublicKeyPem,
  privateKeyFromSeed,
} from '../../src/crypto/keys.js';
import { tempDir } from '../helpers/cli.js';

const openssl = (...args: string[]) => execFileSync('openssl', args, { encoding: 'buffer' });
const text = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));

function expectKeyError(fn: () => unknown, code: KeyErrorCode, message: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(KeyError);
  expect((caught as KeyError).code).toBe(code);
  expect((caught as KeyError).message).toMatch(message);
}

let dir: string;
let cleanup: () => void;
beforeAll(() => ({ dir, cleanup } = tempDir('mcptrust-keys-')));
afterAll(() => cleanup());

describe('interop with openssl', () => {
  it('openssl pkey -pubout of a key mcptrust wrote prints exactly the public key file mcptrust wrote', () => {
    const key = privateKeyFromSeed(new Uint8Array(32).fill(9));
    writeFileSync(join(dir, 'a.key'), encodePrivateKeyPem(key), { mode: 0o600 });
    expect(openssl('pkey', '-in', join(dir, 'a.key'), '-pubout').toString()).toBe(encodePublicKeyPem(key.publicKey));
    // and openssl re-writes the private key byte for byte as mcptrust did.
    expect(openssl('pkey', '-in', join(dir, 'a.key')).toString()).toBe(encodePrivateKeyPem(key));
  });

  it('reads keys made by openssl genpkey, and the key id is sha256 of the DER public key', () => {
    const keyFile = join(dir, 'o.key');
    openssl('genpkey', '-algorithm', 'ed25519', '-out', keyFile);
    const pubPem = openssl('pkey', '-in', keyFile, '-pubout');
    const key = parsePrivateKeyPem(readFileSync(keyFile), 'o.key');
    const pub = parsePublicKeyPem(pubPem, 'o.pub');
    expect(Buffer.from(pub.raw).equals(Buffer.from(key.publicKey.raw))).toBe(true);
    const der = openssl('pkey', '-in', keyFile, '-pubout', '-outform', 'DER');
    expect(pub.keyId).toBe(`sha256:${createHash('sha256').update(der).digest('hex')}`);
    expect(keyIdOf(der)).toBe(pub.keyId);
  });

  it('a signature made by openssl with our key verifies, and ours verifies with openssl', () => {
    const key = privateKeyFromSeed(new Uint8Array(32).fill(3));
    const keyFile = join(dir, 'b.key');
    const pubFile = join(dir, 'b.pub');
    const msgFile = join(dir, 'msg');
    const sigFile = join(dir, 'msg.sig');
    writeFileSync(keyFile, encodePrivateKeyPem(key), { mode: 0o600 });
    writeFileSync(pubFile, encodePublicKeyPem(key.publicKey));
    const msg = new Uint8Array(Buffer.from('lockfile bytes\n'));
    writeFileSync(msgFile, msg);
    openssl('pkeyutl', '-sign', '-rawin', '-inkey', keyFile, '-in', msgFile, '-out', sigFile);
    const sslSig = new Uint8Array(readFileSync(sigFile));
    expect(verifyEd25519(sslSig, msg, key.publicKey.raw)).toBe(true);
    expect(Buffer.from(sslSig).equals(Buffer.from(signEd25519(msg, key.seed)))).toBe(true);
    writeFileSync(sigFile, signEd25519(msg, key.seed));
    expect(openssl('pkeyutl', '-verify', '-rawin', '-pubin', '-inkey', pubFile, '-in', msgFile, '-sigfile', sigFile).toString()).toMatch(/Signature Verified Successfully/);
  });
});

describe('refusals', () => {
  /** A key pair of another type as PEM (SPKI public, PKCS#8 private), made by node:crypto. */
  const pem = (type: string, options: object = {}): { publicKey: string; privateKey: string } =>
    (generateKeyPairSync as (t: string, o: object) => { publicKey: string; privateKey: string })(type, {
      ...options,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });

  it('refuses RSA, X25519, EC, Ed448 keys by name, public or private', () => {
    const rsa = pem('rsa', { modulusLength: 1024 });
    expectKeyError(() => parsePublicKeyPem(text(rsa.publicKey), 'rsa.pub'), 'UNSUPPORTED_KEY_TYPE', /^rsa\.pub: an RSA key; mcptrust signs and verifies with Ed25519 keys only/);
    expectKeyError(() => parsePrivateKeyPem(text(rsa.privateKey), 'rsa.key'), 'UNSUPPORTED_KEY_TYPE', /^rsa\.key: an RSA key/);
    const x = pem('x25519');
    expectKeyError(() => parsePublicKeyPem(text(x.publicKey), 'x.pub'), 'UNSUPPORTED_KEY_TYPE', /an X25519 key \(key agreement, not signing\)/);
    expectKeyError(() => parsePrivateKeyPem(text(x.privateKey), 'x.key'), 'UNSUPPORTED_KEY_TYPE', /an X25519 key/);
    const ec = pem('ec', { namedCurve: 'prime256v1' });
    expectKeyError(() => parsePublicKeyPem(text(ec.publicKey), 'ec.pub'), 'UNSUPPORTED_KEY_TYPE', /an EC key \(prime256v1\)/);
    const ed448 = pem('ed448');
    expectKeyError(() => parsePublicKeyPem(text(ed448.publicKey), 'e.pub'), 'UNSUPPORTED_KEY_TYPE', /an Ed448 key/);
  });

  it('refuses PKCS#1 and SEC 1 PEM labels, OpenSSH keys and certificates by name', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'pkcs1', format: 'pem' } });
    expectKeyError(() => parsePrivateKeyPem(text(rsa.privateKey), 'id_rsa'), 'UNSUPPORTED_KEY_TYPE', /an RSA private key \(PKCS#1\)/);
    expectKeyError(() => parsePublicKeyPem(text(rsa.publicKey), 'rsa1.pub'), 'UNSUPPORTED_KEY_TYPE', /an RSA public key \(PKCS#1\)/);
    const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1', privateKeyEncoding: { type: 'sec1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    expectKeyError(() => parsePrivateKeyPem(text(ec.privateKey), 'ec.key'), 'UNSUPPORTED_KEY_TYPE', /an EC private key \(SEC 1\)/);
    expectKeyError(() => parsePublicKeyPem(text('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl me@host\n'), 'id.pub'), 'UNSUPPORTED_KEY_TYPE', /an OpenSSH public key/);
    expectKeyError(() => parsePrivateKeyPem(text('-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n'), 'id'), 'UNSUPPORTED_KEY_TYPE', /an OpenSSH-format private key/);
  });

  it('refuses an encrypted private key, and the wrong half of a pair', () => {
    const enc = generateKeyPairSync('ed25519', {
      privateKeyEncoding: { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pw' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    expectKeyError(() => parsePrivateKeyPem(text(enc.privateKey), 'enc.key'), 'ENCRYPTED_KEY', /^enc\.key: an encrypted private key/);
    const key = privateKeyFromSeed(new Uint8Array(32).fill(1));
    expectKeyError(() => parsePublicKeyPem(text(encodePrivateKeyPem(key)), 'k.key'), 'WRONG_KEY_KIND', /a private key; verify needs the public key/);
    expectKeyError(() => parsePrivateKeyPem(text(encodePublicKeyPem(key.publicKey)), 'k.pub'), 'WRONG_KEY_KIND', /a public key; sign needs the private key/);
  });

  it('refuses malformed PEM: no armour, two blocks, bad base64, trailing junk, not text, truncated DER', () => {
    const key = privateKeyFromSeed(new Uint8Array(32).fill(2));
    const good = encodePublicKeyPem(key.publicKey);
    expect(parsePublicKeyPem(text(good), 'ok.pub').keyId).toBe(key.publicKey.keyId);
    expect(parsePublicKeyPem(text(`\n${good.replace(/\n/g, '\r\n')}\n\n`), 'crlf.pub').keyId).toBe(key.publicKey.keyId);
    expectKeyError(() => parsePublicKeyPem(text('hello'), 'x.pub'), 'MALFORMED_KEY', /no -----BEGIN line/);
    expectKeyError(() => parsePublicKeyPem(text(good + good), 'x.pub'), 'MALFORMED_KEY', /holds 2 PEM blocks/);
    expectKeyError(() => parsePublicKeyPem(text(good.replace('MCowBQ', 'MC*wBQ')), 'x.pub'), 'MALFORMED_KEY', /bad base64/);
    expectKeyError(() => parsePublicKeyPem(text(`${good}junk\n`), 'x.pub'), 'MALFORMED_KEY', /malformed PEM/);
    expectKeyError(() => parsePublicKeyPem(new Uint8Array([0xff, 0xfe, 0x00]), 'x.pub'), 'MALFORMED_KEY', /not text/);
    const short = `-----BEGIN PUBLIC KEY-----\n${Buffer.from(key.publicKey.spki.subarray(0, 40)).toString('base64')}\n-----END PUBLIC KEY-----\n`;
    expectKeyError(() => parsePublicKeyPem(text(short), 'x.pub'), 'MALFORMED_KEY', /not a valid SubjectPublicKeyInfo/);
    // Non-canonical base64 (unused bits set in the last character): one key, one spelling.
    const b64 = Buffer.from(key.publicKey.spki).toString('base64');
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const at = b64.indexOf('=') - 1; // 44 bytes: the last data character has 2 unused low bits
    expect(at).toBe(58);
    const tweaked = b64.slice(0, at) + alphabet[alphabet.indexOf(b64[at]!) ^ 1] + b64.slice(at + 1);
    expect(Buffer.from(tweaked, 'base64').equals(Buffer.from(key.publicKey.spki))).toBe(true);
    expectKeyError(() => parsePublicKeyPem(text(`-----BEGIN PUBLIC KEY-----\n${tweaked}\n-----END PUBLIC KEY-----\n`), 'x.pub'), 'MALFORMED_KEY', /invalid base64/);
  });

  it('refuses small-order and non-canonical public keys inside a well-formed SPKI', () => {
    const spki = (raw: string) =>
      `-----BEGIN PUBLIC KEY-----\n${Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), Buffer.from(raw, 'hex')]).toString('base64')}\n-----END PUBLIC KEY-----\n`;
    expectKeyError(() => parsePublicKeyPem(text(spki('01' + '00'.repeat(31))), 'id.pub'), 'INVALID_PUBLIC_KEY', /small order/);
    expectKeyError(() => parsePublicKeyPem(text(spki('ee' + 'ff'.repeat(30) + '7f')), 'nc.pub'), 'INVALID_PUBLIC_KEY', /not a canonical encoding/);
  });
});

describe('privateKeyFromSeed', () => {
  // It skips publicKeyProblem for the key it derives (see its comment): these seeds show the
  // checks would have passed, and the key is exactly the one publicKeyFromRaw builds.
  it('gives, for 100 random seeds and the edge seeds, the public key publicKeyFromRaw accepts', () => {
    const seeds = [new Uint8Array(32), new Uint8Array(32).fill(0xff), ...Array.from({ length: 100 }, () => new Uint8Array(randomBytes(32)))];
    for (const seed of seeds) {
      const key = privateKeyFromSeed(seed);
      expect(publicKeyProblem(key.publicKey.raw)).toBeUndefined();
      expect(key.publicKey).toEqual(publicKeyFromRaw(key.publicKey.raw));
    }
  });

  it('refuses a seed that is not 32 bytes with MALFORMED_KEY', () => {
    expectKeyError(() => privateKeyFromSeed(new Uint8Array(31)), 'MALFORMED_KEY', /32 bytes, not 31/);
  });
});
