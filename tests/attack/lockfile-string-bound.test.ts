// A lockfile under the 512 MiB bound but longer than the longest string V8 can make
// (buffer.constants.MAX_STRING_LENGTH, 24 bytes short of 512 MiB) was read whole and then
// failed to decode: "internal error: Cannot create a string longer than 0x1fffffe8
// characters". The bound is now the smaller of the two, so such a file is refused by size
// before it is read (exit 2, naming the limit). The file is sparse: no 512 MiB is written.
import { constants } from 'node:buffer';
import { closeSync, existsSync, openSync, ftruncateSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_SIGNED_LOCKFILE_BYTES } from '../../src/lockfile/signature.js';
import { MAX_LOCKFILE_BYTES } from '../../src/lockfile/types.js';
import { oneToolLockText } from '../helpers/lockfiles.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { writeFileSync } from 'node:fs';

let scratch: ReturnType<typeof tempDir>;
const cli = (argv: string[]) => runCli(argv, { cwd: scratch.dir });
const size = Math.min(512 * 1024 * 1024, constants.MAX_STRING_LENGTH + 1);

beforeAll(async () => {
  scratch = tempDir('mcptrust-string-bound-');
  const fd = openSync(join(scratch.dir, 'big.json'), 'w');
  ftruncateSync(fd, size);
  closeSync(fd);
  writeFileSync(join(scratch.dir, 'good.json'), oneToolLockText());
  expect((await cli(['keygen', '--out-dir', 'keys'])).code).toBe(0);
}, 60_000);
afterAll(() => scratch.cleanup());

describe('a lockfile longer than the longest string', () => {
  it('the bounds never pass a file that cannot be decoded into one string', () => {
    expect(MAX_LOCKFILE_BYTES).toBeLessThanOrEqual(constants.MAX_STRING_LENGTH);
    expect(MAX_SIGNED_LOCKFILE_BYTES).toBeLessThanOrEqual(constants.MAX_STRING_LENGTH);
  });

  for (const argv of [
    ['diff', '--lock', 'big.json', '--against', 'good.json'],
    ['diff', '--lock', 'good.json', '--against', 'big.json'],
    ['sign', '--key', 'keys/mcptrust.key', '--lock', 'big.json'],
    ['policy', 'check', '--preset', 'baseline', '--lock', 'big.json'],
  ]) {
    it(`${argv.join(' ')}: refused by size (exit 2), no internal error`, async () => {
      const r = await cli(argv);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/over the \d+-byte limit/);
      expect(r.stderr).not.toContain('internal error');
      expect(existsSync(join(scratch.dir, 'big.json.sig'))).toBe(false);
    }, 60_000);
  }
});
