// Round 5 attack on verify's native fast path: a public key is accepted without noble when
// y < p, it is not a small-order or negative-zero encoding, and X25519(5L - 1, u) = u; any other
// key goes to the reference. Every key file below must get exactly the answer an independent
// oracle (noble's strict decoding, isSmallOrder, isTorsionFree) gives, with the message and exit
// code verify gave before the fast path: twist points, non-canonical y, torsion and small-order
// keys, negative zero, SPKI files with trailing junk, a keyring holding one bad key, and a
// threshold that one secret cannot meet under two encodings.
import { readFileSync, writeFileSync, mkdirSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ed from '@noble/ed25519';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, spawnCli, tempDir } from '../helpers/cli.js';
import { T8, toLe } from '../helpers/ed25519.js';
import { oneToolLockText } from '../helpers/lockfiles.js';

const P = 2n ** 255n - 19n;
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const pem = (raw: Uint8Array, nl = '\n') => `-----BEGIN PUBLIC KEY-----${nl}${Buffer.concat([SPKI_PREFIX, raw]).toString('base64')}${nl}-----END PUBLIC KEY-----${nl}`;
const SUBGROUP = 'is not in the prime-order subgroup ([L]A is not the identity: it has a torsion component, so one secret could stand behind several key ids)';

/** What verify must say of a key, decided by noble alone: undefined when acceptable. */
function oracle(raw: Uint8Array): string | undefined {
  let point: InstanceType<typeof ed.Point>;
  try {
    point = ed.Point.fromBytes(raw, false);
  } catch {
    return 'is not a canonical encoding of a curve point';
  }
  if (!Buffer.from(point.toBytes()).equals(Buffer.from(raw))) return 'is not a canonical encoding of a curve point';
  if (point.isSmallOrder()) return 'is a point of small order';
  if (!point.isTorsionFree()) return SUBGROUP;
  return undefined;
}

let scratch: ReturnType<typeof tempDir>;
let good: Uint8Array;
let goodKeyId: string;
const keys = new Map<string, Uint8Array>();

beforeAll(async () => {
  scratch = tempDir('mcptrust-r5-keys-');
  writeFileSync(join(scratch.dir, 'mcp-lock.json'), oneToolLockText());
  expect((await runCli(['keygen', '--name', 'good'], { cwd: scratch.dir })).code).toBe(0);
  expect((await runCli(['keygen', '--name', 'other'], { cwd: scratch.dir })).code).toBe(0);
  expect((await runCli(['sign', '--key', 'good.key'], { cwd: scratch.dir })).code).toBe(0);
  good = new Uint8Array(Buffer.from(readFileSync(join(scratch.dir, 'good.pub'), 'utf8').split('\n')[1]!, 'base64').subarray(12));
  goodKeyId = JSON.parse(readFileSync(join(scratch.dir, 'mcp-lock.json.sig'), 'utf8')).signatures[0].keyid;

  const A = ed.Point.fromBytes(good, false);
  keys.set('negated', A.negate().toBytes());
  let T = T8;
  for (let i = 1; i < 8; i++) {
    keys.set(`torsion${i}`, A.add(T).toBytes());
    T = T.add(T8);
  }
  T = ed.Point.ZERO;
  for (let i = 0; i < 8; i++) {
    const small = new Uint8Array(T.toBytes());
    keys.set(`small${i}`, small);
    const signed = new Uint8Array(small);
    signed[31]! ^= 0x80;
    keys.set(`small${i}-sign`, signed);
    T = T.add(T8);
  }
  for (let k = 0n; k < 19n; k++) {
    keys.set(`y=p+${k}`, toLe(P + k));
    const s = toLe(P + k);
    s[31]! |= 0x80;
    keys.set(`y=p+${k}-sign`, s);
  }
  keys.set('all-ff', new Uint8Array(32).fill(0xff));
  // Twist points (no curve point has this y), curve points of mixed order and of prime order.
  let twist = 0;
  let mixed = 0;
  for (let i = 0; twist < 8 || mixed < 4; i++) {
    const b = toLe(BigInt(`0x${Buffer.from(ed.etc.randomBytes(32)).toString('hex')}`) % P);
    if (i % 2) b[31]! |= 0x80;
    const verdict = oracle(b);
    if (verdict === 'is not a canonical encoding of a curve point' && twist < 8) keys.set(`twist${twist++}`, b);
    if (verdict === SUBGROUP && mixed < 4) keys.set(`mixed${mixed++}`, b);
  }
  for (let i = 1n; i <= 4n; i++) keys.set(`prime-order${i}`, ed.Point.BASE.multiply(i * 1000003n).toBytes());
  for (const y of [2n, 3n, 4n, 5n, P - 2n, P - 3n]) keys.set(`y=${y < 100n ? y : `p-${P - y}`}`, toLe(y));
  mkdirSync(join(scratch.dir, 'k'));
  for (const [name, raw] of keys) writeFileSync(join(scratch.dir, 'k', `${name}.pub`), pem(raw));
});
afterAll(() => scratch.cleanup());

describe('verify --key FILE: every key gets the reference\'s answer', () => {
  it('the oracle sees each kind of key at least once', () => {
    const kinds = new Set([...keys.values()].map(oracle));
    expect(kinds).toEqual(new Set([undefined, 'is not a canonical encoding of a curve point', 'is a point of small order', SUBGROUP]));
  });

  it('a refused key is exit 2 with its problem, an acceptable one verifies or names the unknown signer', async () => {
    for (const [name, raw] of keys) {
      const shown = `k/${name}.pub`;
      const r = await runCli(['verify', '--key', shown], { cwd: scratch.dir });
      const problem = oracle(raw);
      if (problem) {
        expect({ name, ...r, ms: 0 }).toEqual({ name, code: 2, stdout: '', stderr: `error: ${shown}: the Ed25519 public key ${problem}\n`, ms: 0 });
      } else {
        expect({ name, code: r.code }).toEqual({ name, code: 1 });
        expect(r.stderr).toContain(`signed by ${goodKeyId}, which is not a trusted key`);
      }
      // With the signer's key too: the bad key is refused whichever comes first.
      const both = await runCli(['verify', '--key', 'good.pub', '--key', shown], { cwd: scratch.dir });
      expect({ name, code: both.code }).toEqual({ name, code: problem ? 2 : 0 });
    }
  });

  it('the shipped bin gives the same answers (its fast path loads no noble for a yes)', async () => {
    const sample = ['negated', 'torsion3', 'small4', 'small0-sign', 'y=p+0', 'y=p+1-sign', 'twist0', 'mixed0', 'prime-order1', 'y=2'];
    for (const name of sample) {
      const inProcess = await runCli(['verify', '--key', `k/${name}.pub`], { cwd: scratch.dir });
      const shipped = await spawnCli(['verify', '--key', `k/${name}.pub`], { cwd: scratch.dir, env: { PATH: process.env.PATH } });
      expect({ name, code: shipped.code, stdout: shipped.stdout, stderr: shipped.stderr }).toEqual({ name, code: inProcess.code, stdout: inProcess.stdout, stderr: inProcess.stderr });
    }
    const ok = await spawnCli(['verify', '--key', 'good.pub'], { cwd: scratch.dir, env: { PATH: process.env.PATH } });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('verified mcp-lock.json: signed by 1 trusted key (threshold 1)');
  });

  it('PEM files around a good key: line ends and a BOM are read, trailing junk, NUL, two blocks, long-form DER and X25519 are refused', async () => {
    const files: [string, string | Buffer, number, string][] = [
      ['crlf.pub', pem(good, '\r\n'), 0, ''],
      ['bom.pub', `\ufeff${pem(good)}`, 0, ''],
      ['no-final-newline.pub', pem(good).trimEnd(), 0, ''],
      ['junk.pub', `${pem(good)}junk\n`, 2, 'malformed PEM (expected one -----BEGIN …----- / -----END …----- block and nothing else)'],
      ['nul.pub', `${pem(good)}\0`, 2, 'malformed PEM (expected one -----BEGIN …----- / -----END …----- block and nothing else)'],
      ['latin1.pub', Buffer.concat([Buffer.from(pem(good)), Buffer.from([0xe9])]), 2, 'not a PEM key file (not text)'],
      ['two.pub', pem(good) + pem(keys.get('negated')!), 2, 'holds 2 PEM blocks; a key file must hold exactly one key'],
      ['twist-junk.pub', `${pem(keys.get('twist0')!)}x`, 2, 'malformed PEM (expected one -----BEGIN …----- / -----END …----- block and nothing else)'],
      [
        'long-der.pub',
        `-----BEGIN PUBLIC KEY-----\n${Buffer.concat([Buffer.from('30812a300506032b6570032100', 'hex'), good]).toString('base64')}\n-----END PUBLIC KEY-----\n`,
        2,
        'a non-canonical encoding of an Ed25519 public key',
      ],
      [
        'x25519.pub',
        `-----BEGIN PUBLIC KEY-----\n${Buffer.concat([Buffer.from('302a300506032b656e032100', 'hex'), good]).toString('base64')}\n-----END PUBLIC KEY-----\n`,
        2,
        'an X25519 key (key agreement, not signing); mcptrust signs and verifies with Ed25519 keys only (make one with mcptrust keygen)',
      ],
      ['torsion-crlf.pub', pem(keys.get('torsion5')!, '\r\n'), 2, `the Ed25519 public key ${SUBGROUP}`],
    ];
    for (const [name, text, code, message] of files) {
      writeFileSync(join(scratch.dir, name), text);
      const r = await runCli(['verify', '--key', name], { cwd: scratch.dir });
      expect({ name, code: r.code }).toEqual({ name, code });
      if (code === 2) expect({ name, stderr: r.stderr }).toEqual({ name, stderr: `error: ${name}: ${message}\n` });
    }
  });

  it('a keyring with the signer and one refused key fails as a whole (exit 2), naming the bad file', async () => {
    for (const bad of ['torsion2', 'small3', 'twist1', 'y=p+4']) {
      const ring = join(scratch.dir, `ring-${bad}`);
      mkdirSync(ring);
      copyFileSync(join(scratch.dir, 'good.pub'), join(ring, 'a.pub'));
      copyFileSync(join(scratch.dir, 'k', `${bad}.pub`), join(ring, 'b.pub'));
      const r = await runCli(['verify', '--keyring', `ring-${bad}`], { cwd: scratch.dir });
      expect({ bad, ...r, ms: 0 }).toEqual({ bad, code: 2, stdout: '', stderr: `error: ring-${bad}/b.pub: the Ed25519 public key ${oracle(keys.get(bad)!)}\n`, ms: 0 });
    }
  });

  it('one secret cannot meet a threshold of 2 under two encodings (A and A + T)', async () => {
    // The mixed-order twin of the signer is refused at load, so it can never count as a second signer.
    const r = await runCli(['verify', '--key', 'good.pub', '--key', 'k/torsion4.pub', '--threshold', '2'], { cwd: scratch.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`error: k/torsion4.pub: the Ed25519 public key ${SUBGROUP}\n`);
    // Two real signers meet it, natively; one signer with the other key merely trusted does not.
    expect((await runCli(['sign', '--key', 'other.key'], { cwd: scratch.dir })).code).toBe(0);
    const two = await runCli(['verify', '--key', 'good.pub', '--key', 'other.pub', '--threshold', '2'], { cwd: scratch.dir });
    expect(two.code).toBe(0);
    const three = await runCli(['verify', '--key', 'good.pub', '--key', 'other.pub', '--threshold', '3'], { cwd: scratch.dir });
    expect(three.code).toBe(1);
    expect(three.stderr).toContain('2 distinct trusted keys signed; 3 required (only 2 distinct trusted keys were given)');
  });
});
