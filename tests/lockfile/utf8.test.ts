// A lockfile is UTF-8 text, read strictly: a byte sequence that is not UTF-8 is refused (exit 2)
// by every command that reads one, never turned into U+FFFD (two files differing only there would
// read the same to diff and policy while their bytes, and signatures, differ).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LockfileError, lockfileText } from '../../src/lockfile/parse.js';
import { fixtureServer, spawnCli, tempDir } from '../helpers/cli.js';

const BAD: [string, number[]][] = [
  ['a lone continuation byte', [0x80]],
  ['0xff', [0xff]],
  ['0xc0 (always overlong)', [0xc0, 0x80]],
  ['an overlong three-byte form', [0xe0, 0x80, 0x80]],
  ['an encoded surrogate', [0xed, 0xa0, 0x80]],
  ['a code point above U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
  ['a sequence cut by the end of the file', [0xe2, 0x82]],
  ['a sequence cut by ASCII', [0xe2, 0x41, 0x41]],
];

describe('lockfileText', () => {
  it('reads well-formed UTF-8 exactly as Buffer#toString does, BOM kept', () => {
    for (const text of ['{}', 'café ☕ 𝄞 \u{10ffff}', '\ufeff{}', '', '\u0000\u007f\u0080\u07ff\u0800\uffff']) {
      const bytes = Buffer.from(text, 'utf8');
      expect(lockfileText(bytes)).toBe(bytes.toString('utf8'));
    }
  });

  it('refuses every kind of ill-formed sequence, naming its offset and line', () => {
    for (const [what, seq] of BAD) {
      const bytes = Buffer.concat([Buffer.from('{\n  "a": "x'), Buffer.from(seq), Buffer.from('"\n}\n')]);
      let error: unknown;
      try {
        lockfileText(bytes, 'lock.json');
      } catch (e) {
        error = e;
      }
      expect(error, what).toBeInstanceOf(LockfileError);
      expect((error as LockfileError).message, what).toBe('lock.json is not valid UTF-8: the byte sequence at offset 11 (line 2) is not a character');
    }
  });

  it('agrees with the decoder on random bytes: refused exactly when Buffer#toString would replace something', () => {
    let seed = 3;
    for (let n = 0; n < 20_000; n++) {
      const bytes = Buffer.alloc(1 + (n % 12));
      for (let i = 0; i < bytes.length; i++) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        bytes[i] = seed % 3 === 0 ? 0x80 + ((seed >> 8) % 0x80) : seed >> 24;
      }
      const lossy = !Buffer.from(bytes.toString('utf8'), 'utf8').equals(bytes);
      let refused = false;
      try {
        expect(lockfileText(bytes)).toBe(bytes.toString('utf8'));
      } catch (e) {
        expect(e).toBeInstanceOf(LockfileError);
        expect((e as Error).message).toMatch(/at offset \d+ \(line \d+\)/);
        refused = true;
      }
      expect([n, refused]).toEqual([n, lossy]);
    }
  });
});

describe('commands refuse a lockfile that is not UTF-8', () => {
  let scratch: ReturnType<typeof tempDir>;
  const env = () => ({ PATH: process.env.PATH, HOME: scratch.dir, NO_COLOR: '1' });
  beforeAll(async () => {
    scratch = tempDir();
    expect((await spawnCli(['lock', '--', ...fixtureServer('example-server.mjs')], { cwd: scratch.dir, env: env() })).code).toBe(0);
    const { readFileSync } = await import('node:fs');
    const good = readFileSync(join(scratch.dir, 'mcp-lock.json'));
    // One description's "e" replaced by a Latin-1 "é" byte (0xe9, not UTF-8).
    const at = good.indexOf('e', good.indexOf('"description"') + 16);
    const bad = Buffer.from(good);
    bad[at] = 0xe9;
    writeFileSync(join(scratch.dir, 'bad.json'), bad);
  }, 60_000);
  afterAll(() => scratch.cleanup());

  for (const argv of [
    ['diff', '--lock', 'bad.json', '--against', 'mcp-lock.json'],
    ['diff', '--lock', 'mcp-lock.json', '--against', 'bad.json'],
    ['policy', 'check', '--preset', 'baseline', '--lock', 'bad.json'],
    ['scan', '--lock', 'bad.json'],
  ]) {
    it(`mcptrust ${argv.join(' ')}: exit 2, the file and the place named`, async () => {
      const r = await spawnCli(argv, { cwd: scratch.dir, env: env() });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/bad\.json is not valid UTF-8: the byte sequence at offset \d+ \(line \d+\) is not a character/);
      expect(r.stdout).toBe('');
    });
  }
});
