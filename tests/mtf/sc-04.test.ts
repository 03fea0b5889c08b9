import { describe, expect, it } from 'vitest';
import { control, integrityProblem } from '../../src/mtf/controls/sc-04.js';
import { brief, cleanBundle, runControl, scDir } from './sccq-helpers.js';

describe('SC-04 lockfile integrity', () => {
  it('passes consistent lockfiles (the reference passed everything)', async () => {
    for (const name of ['npm-clean', 'pnpm', 'yarn-v1', 'yarn-berry', 'poetry', 'uv', 'requirements-pinned']) {
      const result = await runControl(control, scDir(name));
      expect([name, result.status, brief(result)]).toEqual([name, 'pass', []]);
    }
    expect((await runControl(control, cleanBundle)).status).toBe('pass');
  });

  it('fails a lockfile out of step with package.json, a malformed hash and an installed tree that differs', async () => {
    const result = await runControl(control, scDir('lock-mismatch'));
    expect(result.status).toBe('fail');
    expect(brief(result)).toEqual([
      ['high', 'Lockfile out of date', 'package.json', 5],
      ['high', 'Dependency missing from lockfile', 'package.json', 7],
      ['high', 'Lockfile does not match package.json', 'package-lock.json', undefined],
      ['high', 'Malformed integrity hash', 'package-lock.json', 19],
      ['high', 'Installed version differs from lockfile', 'node_modules/lodash/package.json', undefined],
    ]);
    expect(result.findings[0]!.description).toBe('lodash is declared as "^4.17.21" in package.json but locked at 4.17.20');
    expect(result.findings[3]!.description).toBe('minimist@1.2.8: sha512 digest is 6 bytes, expected 64');
  });

  it('fails when the lockfile is missing', async () => {
    const result = await runControl(control, scDir('no-lockfile'));
    expect(result.status).toBe('fail');
    expect(brief(result)).toEqual([['high', 'Lockfile missing from bundle', 'package.json', undefined]]);
  });

  it('warns about sha1-only integrity', async () => {
    const result = await runControl(control, scDir('package-lock-v1'));
    expect(result.status).toBe('pass');
    expect(brief(result)).toEqual([['medium', 'Weak integrity hashes', 'package-lock.json', undefined]]);
  });

  it('checks integrity values by algorithm and length', () => {
    expect(integrityProblem(`sha512-${Buffer.alloc(64).toString('base64')}`)).toBeUndefined();
    expect(integrityProblem(`sha256:${'a'.repeat(64)}`)).toBeUndefined();
    expect(integrityProblem(`10c0/${'b'.repeat(128)}`)).toBeUndefined();
    expect(integrityProblem(`sha512-${Buffer.alloc(63).toString('base64')}`)).toBe('sha512 digest is 63 bytes, expected 64');
    expect(integrityProblem(`sha256:${'a'.repeat(63)}`)).toBe('sha256 digest has 63 hex digits, expected 64');
    expect(integrityProblem('crc32-abcd')).toMatch(/^unrecognised integrity format/);
  });
});
