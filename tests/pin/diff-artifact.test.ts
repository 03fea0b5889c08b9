import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ArtifactPin } from '../../src/artifact/types.js';
import { diffLockfiles, REVIEW_DIFF } from '../../src/diff/index.js';
import { expectedSourceProblems } from '../../src/diff/artifact.js';
import { serializeLockfile } from '../../src/lockfile/build.js';
import { runCli } from '../helpers/cli.js';
import { localPin, npmPin, pinnedLock, sri } from './pins.js';

/** The one change between two pins of the same server, same surface and transport. */
function only(before: ArtifactPin | undefined, after: ArtifactPin | undefined) {
  const report = diffLockfiles(pinnedLock(before), pinnedLock(after), REVIEW_DIFF);
  return report.changes;
}

describe('diff grades a change of the pinned artifact with the surface unchanged', () => {
  it('finds nothing when the pin is the same', () => {
    expect(only(npmPin(), npmPin())).toEqual([]);
    // Why nothing is pinned is not code: an old lockfile without a pin and --no-pin agree.
    expect(only(undefined, { type: 'unpinned', note: 'pinning skipped (--no-pin)' })).toEqual([]);
    // The reason provenance did not verify, worded otherwise, is the same record.
    const a = { ...npmPin(), provenance: { verified: false, reason: 'no attestations' } };
    expect(only(a, { ...a, provenance: { verified: false, reason: 'attestations unreachable' } })).toEqual([]);
  });

  it('the same version re-published with other bytes: critical', () => {
    const [c, ...rest] = only(npmPin(), npmPin({ bytes: 'evil' }));
    expect(rest).toEqual([]);
    expect(c).toMatchObject({ server: 'notes', kind: 'server', change: 'modified', severity: 'critical' });
    expect(c!.reasons.join('\n')).toMatch(/npm "@acme\/notes"@1\.0\.0 was re-published with other bytes: integrity sha512-/);
    expect(c!.detail.fields).toEqual(expect.arrayContaining(['artifact', 'artifact.integrity']));
    expect(c!.detail.paths).toContain('/artifact');
  });

  it('a new version behind a range or latest: high, old → new version', () => {
    const [c] = only(npmPin(), npmPin({ version: '1.1.0', bytes: 'v1.1' }));
    expect(c!.severity).toBe('high');
    expect(c!.reasons).toContain('a new version behind "@acme/notes" is run: 1.0.0 → 1.1.0');
  });

  it('a changed transitive dependency: says which', () => {
    const [c] = only(npmPin(), npmPin({ dep: { version: '2.0.1', bytes: 'dep2' } }));
    expect(c!.severity).toBe('high');
    expect(c!.reasons).toContain('dependency "left-pad" changed version: 2.0.0 → 2.0.1');
    const [r] = only(npmPin(), npmPin({ dep: { version: '2.0.0', bytes: 'evil' } }));
    expect(r!.severity).toBe('critical');
    expect(r!.reasons.join('\n')).toMatch(/dependency "left-pad"@2\.0\.0 was re-published with other bytes/);
  });

  it('a changed local script: high, with its path', () => {
    const [c] = only(localPin('./server.mjs', 'v1'), localPin('./server.mjs', 'v2'));
    expect(c!.severity).toBe('high');
    expect(c!.reasons.join('\n')).toMatch(/local file "\.\/server\.mjs" changed: content digest sha256-/);
  });

  it('another package: high', () => {
    const [c] = only(npmPin(), npmPin({ name: '@acrne/notes' }));
    expect(c!.severity).toBe('high');
    expect(c!.reasons.join('\n')).toMatch(/another package: npm "@acme\/notes"@1\.0\.0 → npm "@acrne\/notes"@1\.0\.0/);
  });

  it('pinned → unpinned, or a pin on one side only: fails closed (high)', () => {
    for (const [before, after] of [
      [npmPin(), { type: 'unpinned', note: 'pinning skipped (--no-pin)' }],
      [npmPin(), undefined],
      [undefined, npmPin()],
    ] as [ArtifactPin | undefined, ArtifactPin | undefined][]) {
      const [c] = only(before, after);
      expect(c!.severity).toBe('high');
      expect(c!.reasons.join('\n')).toMatch(/no longer pinned|pins no artifact/);
    }
  });

  it('provenance that no longer verifies, or another source repository: high', () => {
    const [c] = only(npmPin(), { ...npmPin(), provenance: { verified: false, reason: 'the bundle signature does not verify' } });
    expect(c!.severity).toBe('high');
    expect(c!.reasons).toContain('provenance no longer verifies: the bundle signature does not verify');
    const [d] = only(npmPin(), { ...npmPin(), provenance: { verified: true, sourceRepository: 'https://github.com/evil/notes', sourceCommit: 'b'.repeat(40) } });
    expect(d!.reasons.join('\n')).toMatch(/built from another repository: https:\/\/github\.com\/acme\/notes → https:\/\/github\.com\/evil\/notes/);
  });

  it('names eight changed dependencies and counts the rest', () => {
    const many = (bytes: string): ArtifactPin => ({
      ...npmPin(),
      dependencies: Array.from({ length: 20 }, (_, i) => ({ path: `node_modules/d${String(i).padStart(2, '0')}`, name: `d${i}`, version: '1.0.0', integrity: sri(bytes + i) })),
    });
    const [c] = only(many('a'), many('b'));
    expect(c!.reasons.filter((r) => r.startsWith('dependency '))).toHaveLength(8);
    expect(c!.reasons).toContain('and 12 more dependencies changed (compare the two lockfiles)');
  });

  it('--expected-source: a pin whose verified source does not match, or with no verified provenance, is a problem', () => {
    const servers = (pin: ArtifactPin | undefined) => Object.values(pinnedLock(pin).servers);
    expect(expectedSourceProblems(servers(npmPin()), /^https:\/\/github\.com\/acme\//)).toEqual([]);
    expect(expectedSourceProblems(servers(npmPin()), /^https:\/\/github\.com\/other\//)).toEqual([
      'server "notes": npm "@acme/notes"@1.0.0 was built from https://github.com/acme/notes, which does not match --expected-source',
    ]);
    expect(expectedSourceProblems(servers({ ...npmPin(), provenance: undefined }), /acme/)[0]).toMatch(/has no provenance/);
    expect(expectedSourceProblems(servers(undefined), /acme/)[0]).toMatch(/no artifact is pinned/);
  });
});

describe('every diff format shows an artifact change', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcptrust-pin-diff-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'old.json'), serializeLockfile(pinnedLock(npmPin())));
  writeFileSync(join(dir, 'new.json'), serializeLockfile(pinnedLock(npmPin({ bytes: 'evil' }))));
  for (const format of ['text', 'json', 'markdown', 'sarif']) {
    it(`--format ${format}: exit 1 and the re-publish reason`, async () => {
      const r = await runCli(['diff', '--lock', 'old.json', '--against', 'new.json', '--format', format], { cwd: dir });
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/re-published with other bytes/);
      if (format === 'json') expect(JSON.parse(r.stdout).changes[0]).toMatchObject({ kind: 'server', severity: 'critical' });
    });
  }
  it('the JUnit report of check names it as a failure', async () => {
    const { checkJUnit, checkReport, driftPart } = await import('../../src/report/check.js');
    const { failsOn } = await import('../../src/diff/index.js');
    const report = diffLockfiles(pinnedLock(npmPin()), pinnedLock(npmPin({ bytes: 'evil' })), REVIEW_DIFF);
    const xml = checkJUnit(checkReport('mcp-lock.json', [driftPart(report, 'any', failsOn, 0, [])], { drift: report, servers: [] }));
    expect(xml).toMatch(/re-published with other bytes/);
    expect(xml).toMatch(/<failure/);
  });
});
