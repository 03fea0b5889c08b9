// Bounds never hide a finding, and no control is quadratic in what a bundle declares
// (SECURITY.md): CD-02 reads megabyte-long minified lines, the manifest line index of SC-03/04/05
// is built in one pass with exact names, SC-05 looks path dependencies up instead of walking
// every file for each. No wall time is asserted (it flakes on a loaded machine): synchronous work
// runs under the shared hang guard and control runs under vitest's per-test timeout; speed is
// measured by `npm run bench`.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { control as cd02 } from '../../src/mtf/controls/cd-02.js';
import { control as sc03 } from '../../src/mtf/controls/sc-03.js';
import { control as sc04 } from '../../src/mtf/controls/sc-04.js';
import { control as sc05, judgeSource } from '../../src/mtf/controls/sc-05.js';
import type { Control, ControlResult } from '../../src/mtf/types.js';
import { withinHangGuard } from '../helpers/watchdog.js';
import { brief, contextOf, runControl } from './sccq-helpers.js';

const MiB = 1 << 20;

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A bundle folder of `files` plus a manifest that declares no permission. */
function bundle(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'mcptrust-bounds-'));
  dirs.push(dir);
  const manifest = {
    manifest_version: '0.3', name: 'x', version: '1.0.0', description: 'x', author: { name: 'a' },
    server: { type: 'node', entry_point: 'index.js', mcp_config: { command: 'node', args: ['${__dirname}/index.js'] } },
    _meta: { 'org.mpaktrust': { permissions: { filesystem: 'none', network: 'none', environment: 'none', subprocess: 'none', native: 'none' } } },
  };
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

async function runOn(control: Control, dir: string): Promise<{ result: ControlResult }> {
  return { result: await control.run(contextOf(dir)) };
}

/** A package-lock.json (v3, compact: it must stay under the 4 MiB text bound) locking each name at 1.0.0. */
function packageLock(names: string[]): string {
  const packages: Record<string, unknown> = { '': { name: 'x', version: '1.0.0' } };
  for (const n of names) packages[`node_modules/${n}`] = { version: '1.0.0', integrity: `sha512-${'A'.repeat(86)}==` };
  return JSON.stringify({ name: 'x', version: '1.0.0', lockfileVersion: 3, requires: true, packages });
}

describe('CD-02 reads minified code on lines of any length', () => {
  it('a 1 MiB single-line bundle with require("child_process") in the middle is a critical finding', async () => {
    const half = 'var a=function(){return 1};'.repeat(MiB / 2 / 27);
    const text = `${half}var cp=require("child_process");${half}`;
    expect(text.length).toBeGreaterThan(MiB);
    const { result } = await runOn(cd02, bundle({ 'index.js': text }));
    expect(brief(result)).toEqual([['critical', 'Undeclared subprocess use', 'index.js', 1]]);
    expect(result.status).toBe('fail');
  });

  it('a minified line that opens with a /*! licence */ banner is code after the banner, and reports each capability', async () => {
    const pad = 'x.y=z;'.repeat(500);
    const text = `/*! lib v1 | MIT */${pad}require("child_process");${pad}fetch(u);${pad}process.env.GITHUB_TOKEN;process.env.HOME\n// require("child_process") in a comment\n`;
    const { result } = await runOn(cd02, bundle({ 'index.js': text }));
    expect(brief(result)).toEqual([
      ['critical', 'Undeclared subprocess use', 'index.js', 1],
      ['high', 'Undeclared network use', 'index.js', 1],
      ['high', 'Undeclared environment use', 'index.js', 1],
    ]);
  });
});

describe('the manifest line index of SC-03 and SC-04', () => {
  it('react and react-dom each get their own line, and a dependency called "name" is not the top-level name', async () => {
    const pkg = '{\n  "name": "x",\n  "version": "1.0.0",\n  "dependencies": {\n    "react-dom": "latest",\n    "react": "latest",\n    "name": "latest"\n  }\n}\n';
    const dir = bundle({ 'package.json': pkg, 'package-lock.json': packageLock(['react-dom', 'react', 'name']), 'index.js': '' });
    const sc03Result = await runControl(sc03, dir);
    expect(brief(sc03Result).filter((f) => f[1] === 'Floating version tag')).toEqual([
      ['medium', 'Floating version tag', 'package.json', 5],
      ['medium', 'Floating version tag', 'package.json', 6],
      ['medium', 'Floating version tag', 'package.json', 7],
    ]);
    const lockless = bundle({ 'package.json': pkg.replace('"react": "latest"', '"react": "^18.0.0"'), 'package-lock.json': packageLock(['react-dom', 'name']), 'index.js': '' });
    expect(brief(await runControl(sc04, lockless)).filter((f) => f[1] === 'Dependency missing from lockfile')).toEqual([
      ['high', 'Dependency missing from lockfile', 'package.json', 6],
    ]);
  });

  it('pyproject.toml: requests is not found on the requests-toolbelt line', async () => {
    const pyproject = '[project]\nname = "x"\nversion = "1.0.0"\ndependencies = [\n  "requests-toolbelt>=1.0",\n  "Requests[socks]>=2.0",\n]\n';
    const lock = '[[package]]\nname = "requests-toolbelt"\nversion = "1.0.0"\n';
    const dir = bundle({ 'pyproject.toml': pyproject, 'poetry.lock': lock, 'server.py': '' });
    expect(brief(await runControl(sc04, dir)).filter((f) => f[1] === 'Dependency missing from lockfile')).toEqual([
      ['high', 'Dependency missing from lockfile', 'pyproject.toml', 6],
    ]);
  });

  it('a package.json of 20,000 floating dependencies: SC-03 and SC-04 finish and report every floating tag', async () => {
    const names = Array.from({ length: 20_000 }, (_, i) => `dep-${i}`);
    const pkg = JSON.stringify({ name: 'x', version: '1.0.0', dependencies: Object.fromEntries(names.map((n) => [n, 'latest'])) }, null, 2);
    const dir = bundle({ 'package.json': pkg, 'package-lock.json': packageLock(names), 'index.js': '' });
    const a = await runOn(sc03, dir);
    const b = await runOn(sc04, dir);
    const floating = a.result.findings.filter((f) => f.title === 'Floating version tag');
    expect(floating).toHaveLength(20_000);
    expect([floating[0]!.line, floating[19_999]!.line]).toEqual([5, 20_004]);
  });
});

describe('SC-05 path dependencies', () => {
  it('5,000 path dependencies against 20,000 bundle files: one lookup each, same verdicts', () => {
    const files = new Set<string>();
    for (let i = 0; i < 20_000; i++) files.add(`packages/p${i}/lib/index.js`);
    let inside = 0;
    let outside = 0;
    withinHangGuard(() => {
      for (let i = 0; i < 5_000; i++) {
        // Half name a folder of the bundle; the other half a folder that is only a name prefix of one.
        const resolved = i % 2 === 0 ? `file:packages/p${i}` : `file:./packages/p${i}0/li`;
        if (judgeSource({ ecosystem: 'npm', source: 'path', resolved }, files) === undefined) inside++;
        else outside++;
      }
    });
    expect([inside, outside]).toEqual([2_500, 2_500]);
    // The semantics kept: the folder itself, a file, a nested folder are in the bundle; a name
    // prefix, a climb out, an absolute path and an empty path are not.
    const judge = (resolved: string) => judgeSource({ ecosystem: 'npm', source: 'path', resolved }, files)?.title;
    expect(['file:packages/p7', 'link:./packages/p7/lib/index.js', 'portal:packages/p7/lib', 'file:packages'].map(judge)).toEqual([undefined, undefined, undefined, undefined]);
    expect(['file:packages/p', 'file:packages/p7/li', 'file:../packages/p7', 'file:/packages/p7', 'file:', 'file:packages/p7/'].map(judge)).toEqual(Array(6).fill('Dependency from a local path'));
  });

  it('the control over a package.json of 5,000 path dependencies and 2,000 files finishes with the same verdicts', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 2_000; i++) files[`vendor/p${i}/index.js`] = '';
    const deps = Object.fromEntries(Array.from({ length: 5_000 }, (_, i) => [`p${i}`, `file:vendor/p${i}`]));
    const dir = bundle({ ...files, 'package.json': JSON.stringify({ name: 'x', version: '1.0.0', dependencies: deps }, null, 2) });
    const { result } = await runOn(sc05, dir);
    const local = result.findings.filter((f) => f.title === 'Dependency from a local path');
    expect(local).toHaveLength(30);
    expect(local[0]!.description).toContain('p2000 ');
    expect(result.findings.find((f) => f.title === 'More untrusted sources')?.description).toBe('2970 further dependencies come from restricted sources');
  });
});
