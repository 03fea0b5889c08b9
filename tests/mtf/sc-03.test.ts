import { describe, expect, it } from 'vitest';
import { control } from '../../src/mtf/controls/sc-03.js';
import { brief, cleanBundle, runControl, scDir } from './sccq-helpers.js';

describe('SC-03 dependency pinning', () => {
  it('passes exact, hashed lockfiles of every format', async () => {
    for (const name of ['npm-clean', 'pnpm', 'yarn-v1', 'yarn-berry', 'poetry', 'uv', 'requirements-pinned', 'package-lock-v1']) {
      const result = await runControl(control, scDir(name));
      expect([name, result.status, brief(result)]).toEqual([name, 'pass', []]);
    }
  });

  it('fails ranges and git references without a commit; hashes missing are a warning', async () => {
    const result = await runControl(control, scDir('requirements-unpinned'));
    expect(result.status).toBe('fail');
    expect(brief(result)).toEqual([
      ['high', 'Dependency without exact version', 'requirements.txt', 3],
      ['high', 'Dependency without exact version', 'requirements.txt', 7],
      ['medium', 'Dependencies without integrity hash', 'requirements.txt', 3],
    ]);
    expect(result.findings[0]!.description).toBe('requests is locked to ">=2.0"');
    expect(result.findings[1]!.description).toContain('a git reference without a commit hash');
    expect(result.findings[2]!.description).toMatch(/^3 of 4 production dependencies/);
  });

  it('passes exact pins without hashes only up to L2 (spec: WARN at L2, BLOCK at L3+)', async () => {
    const result = await runControl(control, scDir('requirements-nohash'));
    expect(result.status).toBe('pass');
    expect(result.levelCap).toBe(2);
    expect(brief(result)).toEqual([['medium', 'Dependencies without integrity hash', 'requirements.txt', 1]]);
    expect((await runControl(control, scDir('npm-clean'))).levelCap).toBeUndefined();
  });

  it('fails a manifest with dependencies and no lockfile, and warns about "latest"', async () => {
    const result = await runControl(control, scDir('no-lockfile'));
    expect(result.status).toBe('fail');
    expect(brief(result)).toEqual([['high', 'Missing lockfile', 'package.json', undefined]]);
  });

  it('passes a bundle without dependencies', async () => {
    expect((await runControl(control, cleanBundle)).status).toBe('pass');
  });
});
