import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MtfError } from '../../src/mtf/errors.js';
import { DEFAULT_EXTRACT_LIMITS, extractBundle, readBundleFolder, unsafeEntryName } from '../../src/mtf/extract.js';
import { runCli } from '../helpers/cli.js';
// @ts-expect-error plain JS helper shared with the fixture generator
import { buildZip } from '../../testdata/mtf/zip.mjs';
import { mtfDir } from './scan-helpers.js';

const hostile = (name: string) => join(mtfDir, 'hostile', `${name}.mcpb`);

// Each hostile fixture: the error code and a phrase of the message.
const CASES: [string, string, RegExp][] = [
  ['zip-slip', 'BUNDLE_UNSAFE', /invalid relative path|escapes/],
  ['zip-slip-nested', 'BUNDLE_UNSAFE', /invalid relative path|escapes/],
  ['absolute-path', 'BUNDLE_UNSAFE', /absolute path/],
  ['drive-letter', 'BUNDLE_UNSAFE', /absolute path/],
  ['backslash', 'BUNDLE_UNSAFE', /invalid characters|backslash/],
  ['symlink', 'BUNDLE_UNSAFE', /symbolic link/],
  ['device', 'BUNDLE_UNSAFE', /device, FIFO or socket/],
  ['fifo', 'BUNDLE_UNSAFE', /device, FIFO or socket/],
  ['duplicate', 'BUNDLE_UNSAFE', /appears twice/],
  ['file-and-folder', 'BUNDLE_UNSAFE', /both a file and a folder/],
  ['zip-bomb', 'BUNDLE_TOO_LARGE', /compression ratio of \d+:1/],
  ['lying-size', 'BUNDLE_TOO_LARGE', /inflates past its declared 16 bytes/],
  ['not-a-zip', 'BUNDLE_UNREADABLE', /as a zip archive/],
  ['truncated', 'BUNDLE_UNREADABLE', /as a zip archive/],
];

describe('safe extraction of hostile .mcpb archives', () => {
  let tmp: string;
  let savedTmp: string | undefined;
  beforeEach(() => {
    // A private TMPDIR: whatever the extractor creates must be inside it, and gone afterwards.
    tmp = mkdtempSync(join(tmpdir(), 'mcptrust-extract-test-'));
    mkdirSync(join(tmp, 'inner'));
    savedTmp = process.env.TMPDIR;
    process.env.TMPDIR = join(tmp, 'inner');
  });
  afterEach(() => {
    if (savedTmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmp;
    rmSync(tmp, { recursive: true, force: true });
  });

  for (const [name, code, message] of CASES) {
    it(`refuses ${name} with ${code}, exit 2, and writes nothing`, async () => {
      const { readFileSync } = await import('node:fs');
      const error = await extractBundle(readFileSync(hostile(name)), `${name}.mcpb`).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MtfError);
      expect((error as MtfError).code).toBe(code);
      expect((error as MtfError).message).toMatch(message);
      // No extraction folder left behind, and nothing escaped next to it.
      expect(readdirSync(join(tmp, 'inner'))).toEqual([]);
      expect(readdirSync(tmp)).toEqual(['inner']);
      expect(existsSync('/tmp/mcptrust-absolute.txt')).toBe(false);

      const cli = await runCli(['scan', hostile(name)], { cwd: tmp });
      expect(cli.code).toBe(2);
      expect(cli.stderr).toMatch(message);
      expect(cli.stdout).toBe('');
      expect(readdirSync(join(tmp, 'inner'))).toEqual([]);
    });
  }

  it('removes its private folder after a successful scan too', async () => {
    const cli = await runCli(['scan', join(mtfDir, 'clean.mcpb'), '--format', 'json'], { cwd: tmp });
    expect(cli.code).toBe(0);
    expect(readdirSync(join(tmp, 'inner'))).toEqual([]);
  });

  it('--run-server extracts the archive to disk, runs it, and removes the folder: the clean bundle reaches L4', async () => {
    const { runScan } = await import('../../src/mtf/index.js');
    const result = await runScan(join(mtfDir, 'clean.mcpb'), {
      runServer: true,
      keys: [join(mtfDir, 'keys', 'publisher.pub'), join(mtfDir, 'keys', 'builder.pub')],
      osvDb: join(mtfDir, 'osv'),
      now: new Date('2026-11-20T00:00:00Z'),
    });
    expect(result.results.get('CQ-06')?.status).toBe('pass');
    expect(result.score).toMatchObject({ level: 4, score: 100, risk: 'NONE' });
    expect(readdirSync(join(tmp, 'inner'))).toEqual([]);
  });

  it('extracts into a mode-0700 folder and keeps no exec bits it was not given', async () => {
    const zip = buildZip([{ name: 'a.txt', data: 'x' }, { name: 'bin/run', data: '#!/bin/sh\n', mode: 0o100755 }]);
    const read = await extractBundle(zip, 'x.mcpb');
    try {
      const { statSync } = await import('node:fs');
      expect(statSync(read.root).mode & 0o777).toBe(0o700);
      expect(statSync(join(read.root, 'a.txt')).mode & 0o777).toBe(0o600);
      expect(read.files.map((f) => [f.path, f.executable])).toEqual([['a.txt', false], ['bin/run', true]]);
      expect(read.entries?.map((e) => e.unixMode & 0o777)).toEqual([0o644, 0o755]);
    } finally {
      read.cleanup();
    }
    expect(existsSync(read.root)).toBe(false);
  });

  it('caps the number of entries and the total size', async () => {
    const many = buildZip(Array.from({ length: 12 }, (_, i) => ({ name: `f${i}.txt`, data: 'x' })));
    await expect(extractBundle(many, 'many.mcpb', { ...DEFAULT_EXTRACT_LIMITS, maxEntries: 10 })).rejects.toMatchObject({ code: 'BUNDLE_TOO_LARGE', message: expect.stringMatching(/more than 10 entries/) });
    const big = buildZip([{ name: 'a.bin', data: Buffer.alloc(3000, 1), method: 'store' }, { name: 'b.bin', data: Buffer.alloc(3000, 2), method: 'store' }]);
    await expect(extractBundle(big, 'big.mcpb', { ...DEFAULT_EXTRACT_LIMITS, maxTotalBytes: 5000 })).rejects.toMatchObject({ code: 'BUNDLE_TOO_LARGE', message: expect.stringMatching(/more than 5000 bytes/) });
    await expect(extractBundle(big, 'big.mcpb', { ...DEFAULT_EXTRACT_LIMITS, maxEntryBytes: 2000 })).rejects.toMatchObject({ code: 'BUNDLE_TOO_LARGE' });
  });

  it('prints attacker-chosen entry names safely (no raw escape sequences)', async () => {
    const zip = buildZip([{ name: 'x/../../\u001b[2Jevil', data: 'x' }]);
    const error = (await extractBundle(zip, 'esc.mcpb').catch((e: unknown) => e)) as MtfError;
    expect(error.code).toBe('BUNDLE_UNSAFE');
    expect(error.message).not.toContain('\u001b');
  });
});

describe('entry name rules', () => {
  it.each([
    ['../a', /\.\./],
    ['a/../../b', /\.\./],
    ['/etc/passwd', /absolute/],
    ['C:/x', /drive letter/],
    ['c:x', /drive letter/],
    ['a\\b', /backslash/],
    ['a//b', /empty/],
    ['./a', /"\."/],
    ['a\u0000b', /NUL/],
  ])('%j is refused', (name, why) => {
    expect(unsafeEntryName(name)).toMatch(why);
  });
  it.each(['manifest.json', 'server/index.js', 'dir/', 'a..b/c', '.sigstore/bundle.json'])('%j is accepted', (name) => {
    expect(unsafeEntryName(name)).toBeUndefined();
  });
});

describe('folder bundles', () => {
  it('lists regular files, skips .git and never follows symlinks', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcptrust-folder-'));
    try {
      writeFileSync(join(dir, 'manifest.json'), '{}');
      mkdirSync(join(dir, '.git'));
      writeFileSync(join(dir, '.git', 'HEAD'), 'ref');
      symlinkSync('/etc/passwd', join(dir, 'passwd'));
      const read = readBundleFolder(dir);
      expect(read.files.map((f) => f.path)).toEqual(['manifest.json']);
      expect(read.skipped).toEqual([{ path: 'passwd', reason: 'symbolic link, not followed' }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a missing bundle is exit 2 with a clear message', async () => {
    const cli = await runCli(['scan', 'nope.mcpb'], { cwd: mtfDir });
    expect(cli.code).toBe(2);
    expect(cli.stderr).toContain('cannot read bundle nope.mcpb: no such file or folder');
  });
});

// Review additions: names that only collide on other file systems, control characters, overlong
// components, and a bomb spread over many entries each under the per-entry ratio floor.
describe('extraction hardening (review)', () => {
  it.each([
    ['case', ['manifest.json', 'Manifest.json']],
    ['case in a folder', ['server/Index.js', 'SERVER/index.js']],
    ['Unicode normalisation', ['caf\u00e9.js', 'cafe\u0301.js']],
    ['Windows trailing dot', ['manifest.json', 'manifest.json.']],
  ])('refuses two entries that are one file on some systems (%s)', async (_why, names) => {
    const zip = buildZip(names.map((name) => ({ name, data: '{}' })));
    const error = (await extractBundle(zip, 'dup.mcpb').catch((e: unknown) => e)) as MtfError;
    expect(error).toBeInstanceOf(MtfError);
    expect(error.code).toBe('BUNDLE_UNSAFE');
    expect(error.message).toMatch(/appears twice \(ignoring case/);
  });

  it('still accepts names that differ in more than case', async () => {
    const read = await extractBundle(buildZip([{ name: 'a.js', data: '1' }, { name: 'ab.js', data: '2' }]), 'ok.mcpb', DEFAULT_EXTRACT_LIMITS, { write: false });
    read.cleanup();
    expect(read.files.map((f) => f.path)).toEqual(['a.js', 'ab.js']);
  });

  it.each([
    ['a\u001b[2Jb.js', /control character/],
    ['a\nb.js', /control character/],
    ['a\u0085b.js', /control character/],
    [`${'x'.repeat(256)}.js`, /longer than 255 bytes/],
    [`dir/${'\u00e9'.repeat(128)}`, /longer than 255 bytes/],
  ])('refuses the entry name %j', (name, why) => {
    expect(unsafeEntryName(name)).toMatch(why);
  });

  it('refuses an archive whose entries together inflate past the ratio limit (each entry under the per-entry floor)', async () => {
    const limits = { ...DEFAULT_EXTRACT_LIMITS, ratioMinBytes: 64 * 1024, maxRatio: 100 };
    // 40 entries of 60 KiB of one byte: each under the 64 KiB floor, together ~2.4 MB from a few KB.
    const zip = buildZip(Array.from({ length: 40 }, (_, i) => ({ name: `f${i}.txt`, data: Buffer.alloc(60 * 1024, 0x61) })));
    const error = (await extractBundle(zip, 'spread.mcpb', limits).catch((e: unknown) => e)) as MtfError;
    expect(error).toBeInstanceOf(MtfError);
    expect(error.code).toBe('BUNDLE_TOO_LARGE');
    expect(error.message).toMatch(/inflate to 2457600 bytes from a \d+-byte archive, a compression ratio of \d+:1/);
  });
});
