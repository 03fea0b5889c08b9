// A number beyond a double's range (1e400) is read by JSON.parse as Infinity, which has no
// RFC 8785 form. The one-pass reader hashed a key-ordered definition's JSON.stringify, which
// prints Infinity as null: a lockfile whose digests were computed over "null" was read, signed
// and verified, while the same file in another key order stopped with "internal error" (the
// sorting digest refuses non-finite numbers). The strict reader now refuses it on every path.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLockfile } from '../../src/lockfile/parse.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { toolsLockText } from '../helpers/lockfiles.js';

let scratch: ReturnType<typeof tempDir>;
const cli = (argv: string[]) => runCli(argv, { cwd: scratch.dir });

/** A lockfile lock would write, with `maximum: null` in the tool's schema (keys in RFC 8785 order). */
function lockWithNull(): string {
  return toolsLockText([{ name: 'read', description: 'Read a note.', inputSchema: { maximum: null, type: 'object' } }], 'notes');
}

// Every digest still matches if 1e400 is hashed as JSON.stringify prints it (null).
const ordered = () => lockWithNull().replace('"maximum": null', '"maximum": 1e400');
// The same, with the schema's keys out of order (the sorting digest path).
const unordered = () => ordered().replace(/"maximum": 1e400,\s*"type": "object"/, '"type": "object", "maximum": 1e400');

beforeAll(async () => {
  scratch = tempDir('mcptrust-inf-');
  expect(ordered()).toContain('1e400');
  expect(unordered()).toContain('"type": "object", "maximum": 1e400');
  writeFileSync(join(scratch.dir, 'ordered.json'), ordered());
  writeFileSync(join(scratch.dir, 'unordered.json'), unordered());
  writeFileSync(join(scratch.dir, 'good.json'), lockWithNull());
  expect((await cli(['keygen', '--out-dir', 'keys'])).code).toBe(0);
}, 60_000);
afterAll(() => scratch.cleanup());

describe('a lockfile holding a number beyond a double', () => {
  it('the reader refuses it, in canonical key order or not', () => {
    for (const text of [ordered(), unordered()]) {
      expect(() => parseLockfile(text)).toThrow(/too large/);
      expect(() => parseLockfile(text, 'x', { checkDigests: false, computeDigests: true })).toThrow(/too large/);
    }
  });

  it('sign refuses it (exit 2) and writes no signature', async () => {
    for (const file of ['ordered.json', 'unordered.json']) {
      const r = await cli(['sign', '--key', 'keys/mcptrust.key', '--lock', file]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/not valid JSON: a number too large/);
      expect(r.stderr).not.toContain('internal error');
      expect(existsSync(join(scratch.dir, `${file}.sig`))).toBe(false);
    }
  });

  it('diff --against refuses it (exit 2), whichever side holds it', async () => {
    for (const file of ['ordered.json', 'unordered.json']) {
      for (const argv of [['--lock', 'good.json', '--against', file], ['--lock', file, '--against', 'good.json']]) {
        const r = await cli(['diff', ...argv]);
        expect(r.code).toBe(2);
        expect(r.stderr).not.toContain('internal error');
      }
    }
  });
});
