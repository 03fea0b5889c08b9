import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { APPROVED_HOSTS, control, judgeSource } from '../../src/mtf/controls/sc-05.js';
import { brief, cleanBundle, runControl, scDir } from './sccq-helpers.js';

describe('SC-05 trusted sources', () => {
  it('passes registry dependencies', async () => {
    for (const name of ['npm-clean', 'pnpm', 'yarn-v1', 'poetry', 'requirements-pinned', 'package-lock-v1']) {
      const result = await runControl(control, scDir(name));
      expect([name, result.status, brief(result)]).toEqual([name, 'pass', []]);
    }
    expect((await runControl(control, cleanBundle)).status).toBe('pass');
  });

  it('blocks git, plain http, direct downloads and outside paths; warns about other registries', async () => {
    const result = await runControl(control, scDir('untrusted-sources'));
    expect(result.status).toBe('fail');
    expect(brief(result)).toEqual([
      ['high', 'Git dependency without attestation', 'package-lock.json', 18],
      ['high', 'Dependency fetched over plain HTTP', 'package-lock.json', 22],
      ['high', 'Dependency from a direct URL', 'package-lock.json', 27],
      ['medium', 'Dependency from unknown registry', 'package-lock.json', 32],
      ['high', 'Dependency from a local path', 'package-lock.json', 37],
      ['medium', 'Registry configuration points elsewhere', '.npmrc', 1],
    ]);
  });

  it('blocks git sources in requirements.txt, uv.lock and yarn berry; warns about extra indexes', async () => {
    const req = await runControl(control, scDir('requirements-unpinned'));
    expect(req.status).toBe('fail');
    expect(brief(req)).toEqual([
      ['high', 'Git dependency without attestation', 'requirements.txt', 7],
      ['medium', 'Package index is not an approved registry', 'requirements.txt', 2],
    ]);
    expect(brief(await runControl(control, scDir('uv')))).toEqual([['high', 'Git dependency without attestation', 'uv.lock', 4]]);
    expect(brief(await runControl(control, scDir('yarn-berry')))).toEqual([['high', 'Git dependency without attestation', 'yarn.lock', 8]]);
  });

  it('accepts https downloads from the approved registries and paths inside the bundle', () => {
    for (const host of APPROVED_HOSTS.npm) expect(judgeSource({ ecosystem: 'npm', source: 'url', resolved: `https://${host}/x/-/x-1.0.0.tgz` }, new Set())).toBeUndefined();
    for (const host of APPROVED_HOSTS.PyPI) expect(judgeSource({ ecosystem: 'PyPI', source: 'url', resolved: `https://${host}/packages/x.whl` }, new Set())).toBeUndefined();
    expect(judgeSource({ ecosystem: 'npm', source: 'url', resolved: `http://${APPROVED_HOSTS.npm[0]}/x/-/x-1.0.0.tgz` }, new Set())?.title).toBe('Dependency fetched over plain HTTP');
    expect(judgeSource({ ecosystem: 'npm', source: 'path', resolved: 'file:packages/util' }, new Set(['packages/util/package.json']))).toBeUndefined();
    expect(judgeSource({ ecosystem: 'npm', source: 'path', resolved: 'file:../util' }, new Set(['packages/util/package.json']))?.severity).toBe('high');
    // An npm host is not a PyPI registry.
    expect(judgeSource({ ecosystem: 'PyPI', source: 'url', resolved: `https://${APPROVED_HOSTS.npm[0]}/simple/x/` }, new Set())?.title).toBe('Dependency from unknown registry');
  });

  // Review: without a lockfile, the package.json specifier is the source (this passed before).
  it('blocks git, shorthand, path and tarball specifiers in a package.json that no lockfile covers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcptrust-sc05-'));
    try {
      const deps = { evil: 'git+https://github.com/e/v.git', short: 'e/v#main', loc: 'file:../outside', tb: 'https://evil.example/x.tgz', ok: '^1.0.0', alias: 'npm:left-pad@1.3.0' };
      writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: 'x', version: '1.0.0', dependencies: deps }, null, 2)}\n`);
      const result = await runControl(control, dir);
      expect(result.status).toBe('fail');
      expect(brief(result)).toEqual([
        ['high', 'Git dependency without attestation', 'package.json', 5],
        ['high', 'Git dependency without attestation', 'package.json', 6],
        ['high', 'Dependency from a local path', 'package.json', 7],
        ['high', 'Dependency from a direct URL', 'package.json', 8],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
