import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { control } from '../../src/mtf/controls/sc-02.js';
import { advisoryCovers, fetchNpmAdvisories } from '../../src/mtf/deps/npm-advisories.js';
import { cvss3BaseScore, inRange } from '../../src/mtf/deps/osv.js';
import { comparePep440, parsePep440 } from '../../src/mtf/deps/pep440.js';
import { brief, cleanBundle, osvDb, runControl, scDir } from './sccq-helpers.js';

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('SC-02 vulnerability scanning', () => {
  it('is an error, never a pass, without vulnerability data', async () => {
    const result = await runControl(control, scDir('npm-vulnerable'));
    expect(result.status).toBe('error');
    expect(result.error).toBe('no vulnerability data: give an OSV database folder (--osv-db DIR) or allow --online');
  });

  it('is an error when the OSV folder does not exist', async () => {
    const result = await runControl(control, scDir('npm-clean'), { osvDb: join(osvDb, 'missing') });
    expect(result.status).toBe('error');
    expect(result.error).toMatch(/OSV database folder .*missing does not exist/);
  });

  it('is an error when the database has no records for an ecosystem the bundle uses', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcptrust-osv-'));
    try {
      cpSync(join(osvDb, 'npm'), join(dir, 'npm'), { recursive: true });
      const result = await runControl(control, scDir('poetry'), { osvDb: dir });
      expect(result.status).toBe('error');
      expect(result.error).toMatch(/^no vulnerability data for PyPI dependencies/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('matches SEMVER, ECOSYSTEM (last_affected) and exact-version records; blocks only on exploitability', async () => {
    const result = await runControl(control, scDir('npm-vulnerable'), { osvDb });
    expect(result.status).toBe('fail');
    expect(brief(result)).toEqual([
      ['medium', 'MTF-TEST-0003 in @fixture/widget@2.0.0', 'package-lock.json', 16],
      ['critical', 'MTF-TEST-0001 in lodash@4.17.20', 'package-lock.json', 20],
      ['high', 'MTF-TEST-0002 in minimist@1.2.5', 'package-lock.json', 25],
    ]);
    expect(result.findings[1]!.description).toContain('CVSS 9.8');
    expect(result.findings[1]!.description).toContain('blocking');
    expect(result.findings[1]!.remediation).toContain('4.17.21');
    // CVSS 7.5 with EPSS 0.02: a warning (spec: CVSS 7.0-8.9 with EPSS ≤ 0.10).
    expect(result.findings[2]!.description).toContain('EPSS 0.020');
    expect(result.findings[2]!.description).toContain('not blocking');
  });

  it('passes fixed versions (no record matches lodash 4.17.21 or minimist 1.2.8)', async () => {
    const result = await runControl(control, scDir('npm-clean'), { osvDb });
    expect(result.status).toBe('pass');
    expect(result.findings).toEqual([]);
  });

  it('applies OpenVEX: justified not_affected suppresses; unjustified suppresses with a warning', async () => {
    const result = await runControl(control, scDir('npm-vex'), { osvDb });
    expect(result.status).toBe('pass');
    expect(brief(result, true)).toEqual([
      ['medium', 'MTF-TEST-0003 suppressed by VEX without justification', '.vex/widget.json', undefined],
      ['info', 'MTF-TEST-0001 suppressed by VEX', 'package-lock.json', 20],
      ['high', 'MTF-TEST-0002 in minimist@1.2.5', 'package-lock.json', 25],
    ]);
  });

  it('matches PyPI with PEP 440 ordering and normalised names; a KEV listing blocks', async () => {
    const result = await runControl(control, scDir('poetry'), { osvDb });
    expect(result.status).toBe('fail');
    expect(brief(result)).toEqual([
      ['critical', 'MTF-TEST-0005 in pyyaml@5.3.1', 'poetry.lock', 14],
      ['medium', 'MTF-TEST-0004 in requests@2.31.0', 'poetry.lock', 24],
    ]);
    expect(result.findings[0]!.description).toContain('listed in CISA KEV');
    const pinned = await runControl(control, scDir('requirements-pinned'), { osvDb });
    expect(pinned.status).toBe('pass');
    expect(brief(pinned)).toEqual([['medium', 'MTF-TEST-0004 in requests@2.31.0', 'requirements.txt', 1]]);
  });

  it('passes a bundle without dependencies even without data (nothing to match)', async () => {
    const result = await runControl(control, cleanBundle);
    expect(result.status).toBe('pass');
  });

  it('never touches the network without --online', async () => {
    const fetchSpy = vi.fn(() => Promise.reject(new Error('network used')));
    vi.stubGlobal('fetch', fetchSpy);
    await runControl(control, scDir('npm-vulnerable'), { osvDb });
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it('with --online, asks the bulk advisory endpoint and reports what covers the locked versions', async () => {
    const fetchSpy = vi.fn(async (_url: string, init: RequestInit) => {
      expect(JSON.parse(String(init.body))).toEqual({ '@fixture/widget': ['2.0.0'], lodash: ['4.17.20'], minimist: ['1.2.5'] });
      return new Response(JSON.stringify({ lodash: [{ id: 1, url: 'https://github.com/advisories/GHSA-aaaa-bbbb-cccc', title: 'Prototype pollution', severity: 'high', vulnerable_versions: '<4.17.21', cvss: { score: 9.1 } }] }), { status: 200 });
    });
    vi.stubGlobal('fetch', fetchSpy);
    const result = await runControl(control, scDir('npm-vulnerable'), { online: true });
    expect(fetchSpy).toHaveBeenCalledTimes(1);
    expect(String(fetchSpy.mock.calls[0]![0])).toMatch(/\/-\/npm\/v1\/security\/advisories\/bulk$/);
    expect(result.status).toBe('fail');
    expect(brief(result)).toEqual([['critical', 'GHSA-aaaa-bbbb-cccc in lodash@4.17.20', 'package-lock.json', 20]]);
  });

  it('parses bulk advisories and their ranges', async () => {
    const fetchImpl = (async () => new Response(JSON.stringify({ x: [{ id: 7, title: 't', severity: 'moderate', vulnerable_versions: '>=1.0.0 <1.2.0' }] }))) as unknown as typeof fetch;
    const [a] = await fetchNpmAdvisories(new Map([['x', new Set(['1.1.0'])]]), { fetchImpl, origin: 'http://127.0.0.1:1' });
    expect(a).toMatchObject({ id: 'npm-advisory-7', name: 'x', severity: 'moderate' });
    expect(advisoryCovers(a!, '1.1.0')).toBe(true);
    expect(advisoryCovers(a!, '1.2.0')).toBe(false);
  });
});

describe('OSV range evaluation', () => {
  it('follows introduced / fixed / last_affected events', () => {
    const ev = [{ introduced: '1.0.0' }, { fixed: '1.2.0' }, { introduced: '2.0.0' }, { last_affected: '2.1.0' }];
    expect(['0.9.0', '1.0.0', '1.1.9', '1.2.0', '1.9.9', '2.0.0', '2.1.0', '2.1.1'].map((v) => inRange('npm', v, ev))).toEqual([false, true, true, false, false, true, true, false]);
    expect(inRange('npm', '0.0.1', [{ introduced: '0' }])).toBe(true);
  });

  it('orders PEP 440 versions', () => {
    const order = ['1.0.dev1', '1.0a1', '1.0b2', '1.0rc1', '1.0', '1.0.post1', '1.1', '1!0.1'];
    const parsed = order.map((v) => parsePep440(v)!);
    for (let i = 1; i < parsed.length; i++) expect(comparePep440(parsed[i - 1]!, parsed[i]!)).toBe(-1);
    expect(comparePep440(parsePep440('1.0')!, parsePep440('1.0.0')!)).toBe(0);
    expect(inRange('PyPI', '5.3.1', [{ introduced: '5.1' }, { fixed: '5.4' }])).toBe(true);
    expect(inRange('PyPI', '5.4', [{ introduced: '5.1' }, { fixed: '5.4' }])).toBe(false);
  });

  it('computes CVSS v3.1 base scores (FIRST examples)', () => {
    expect(cvss3BaseScore('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H')).toBe(9.8);
    expect(cvss3BaseScore('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H')).toBe(10);
    expect(cvss3BaseScore('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H')).toBe(7.5);
    expect(cvss3BaseScore('CVSS:3.0/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N')).toBe(5.5);
    expect(cvss3BaseScore('CVSS:4.0/AV:N')).toBeUndefined();
  });
});
