// Round 5 attack: `--preset NAME` takes the build's parsed copy (src/policy/presets.generated.ts)
// only when policies/NAME.yaml has the SHA-256 it was made from. Here the shipped bin runs from a
// copy of its installation whose policies/strict.yaml is replaced by every kind of file: an edit
// of the same length must change the verdict, a byte-for-byte equivalent text (CRLF, BOM) must
// give the unedited answer, and what cannot be read as a policy must fail closed (exit 2) with the
// reader's own message, exactly as a `--policy` file would.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { repoRoot, tempDir } from '../helpers/cli.js';

let scratch: ReturnType<typeof tempDir>;
let bin: string;
let policies: string;
const strictText = readFileSync(join(repoRoot, 'policies', 'strict.yaml'));
const lock = join(repoRoot, 'testdata', 'policy', 'drifted.lock.json');

function run(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: scratch.dir, encoding: 'utf8', env: { PATH: process.env.PATH } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const check = (...extra: string[]) => run('policy', 'check', '--preset', 'strict', '--lock', lock, ...extra);

beforeAll(() => {
  scratch = tempDir('mcptrust-r5-preset-');
  const dist = join(scratch.dir, 'dist', 'bin');
  mkdirSync(dist, { recursive: true });
  for (const name of ['mcptrust.js', 'load.js', 'package.json', 'policy']) cpSync(join(repoRoot, 'dist', 'bin', name), join(dist, name), { recursive: true });
  cpSync(join(repoRoot, 'package.json'), join(scratch.dir, 'package.json'));
  symlinkSync(join(repoRoot, 'node_modules'), join(scratch.dir, 'node_modules'));
  bin = join(dist, 'mcptrust.js');
  policies = join(scratch.dir, 'policies');
});
afterAll(() => scratch.cleanup());
beforeEach(() => {
  rmSync(policies, { recursive: true, force: true });
  cpSync(join(repoRoot, 'policies'), policies, { recursive: true });
});

describe('--preset strict when policies/strict.yaml is not the shipped text', () => {
  let shipped: ReturnType<typeof run>;
  beforeEach(() => {
    shipped ??= check('--format', 'json');
  });

  it('the shipped file denies the drifted lockfile (4 error rules fail)', () => {
    expect(shipped.code).toBe(1);
    expect(JSON.parse(shipped.stdout).policy.counts).toEqual({ rules: 10, passed: 6, warnings: 0, failures: 4 });
  });

  it('an edit of the same length (every "error" severity made "warn ") is what runs', () => {
    const edited = Buffer.from(strictText.toString('utf8').replaceAll('severity: error', 'severity: warn '));
    expect(edited.length).toBe(strictText.length);
    writeFileSync(join(policies, 'strict.yaml'), edited);
    const r = check('--format', 'json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).policy.counts).toEqual({ rules: 10, passed: 6, warnings: 4, failures: 0 });
  });

  it('one rule expression changed in place (same length) is what runs', () => {
    const expr = `'!input.tools.exists(t, t.risk_level == "HIGH")'`;
    const text = strictText.toString('utf8');
    expect(text).toContain(expr);
    const edited = text.replace(expr, `'true${' '.repeat(expr.length - 6)}'`);
    expect(Buffer.byteLength(edited)).toBe(strictText.length);
    writeFileSync(join(policies, 'strict.yaml'), edited);
    const r = check('--format', 'json');
    expect(r.code).toBe(1);
    const rules = JSON.parse(r.stdout).policy.rules as { name: string; status: string }[];
    expect(rules.find((x) => x.name === 'no_high_risk_tools')!.status).toBe('pass');
    expect(JSON.parse(r.stdout).policy.counts).toEqual({ rules: 10, passed: 7, warnings: 0, failures: 3 });
  });

  it('a symlink to the shipped text, CRLF line ends and a BOM give the shipped answer byte for byte', () => {
    writeFileSync(join(policies, 'real.yaml.txt'), strictText);
    rmSync(join(policies, 'strict.yaml'));
    symlinkSync('real.yaml.txt', join(policies, 'strict.yaml'));
    expect(check('--format', 'json')).toEqual(shipped);
    rmSync(join(policies, 'strict.yaml'));
    writeFileSync(join(policies, 'strict.yaml'), strictText.toString('utf8').replaceAll('\n', '\r\n'));
    expect(check('--format', 'json')).toEqual(shipped);
    writeFileSync(join(policies, 'strict.yaml'), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), strictText]));
    expect(check('--format', 'json')).toEqual(shipped);
  });

  it('a FIFO, a folder, a device and a file over the bound fail closed with the reader\'s message', () => {
    const file = join(policies, 'strict.yaml');
    const cases: [() => void, string][] = [
      [() => spawnSync('mkfifo', [file]), 'not a regular file'],
      [() => mkdirSync(file), 'not a regular file'],
      [() => symlinkSync('/dev/zero', file), 'not a regular file'],
      [() => writeFileSync(file, Buffer.concat([strictText, Buffer.alloc(1024 * 1024, 0x23)])), `is ${strictText.length + 1024 * 1024} bytes, over the 1048576-byte limit`],
      [() => symlinkSync('missing.yaml', file), 'no such file'],
    ];
    for (const [make, message] of cases) {
      rmSync(file, { recursive: true, force: true });
      make();
      const r = check();
      expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 2, stdout: '' });
      expect(r.stderr).toContain(`cannot read policy ${file}: ${message}`.replace(`cannot read policy ${file}: is`, `policy ${file} is`));
    }
  });

  it('an empty file, invalid UTF-8 and another preset\'s text are parsed from the file', () => {
    const file = join(policies, 'strict.yaml');
    writeFileSync(file, '');
    expect(check()).toEqual({ code: 2, stdout: '', stderr: 'error: preset:strict is empty: a policy needs a "rules" list\n' });
    writeFileSync(file, Buffer.concat([strictText, Buffer.from([0xff, 0xfe])]));
    const invalid = check();
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(/^error: preset:strict:\d+:\d+: is not valid YAML/);
    writeFileSync(file, readFileSync(join(policies, 'baseline.yaml')));
    const r = check('--format', 'json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).policy).toMatchObject({ name: 'baseline', source: 'preset:strict' });
  });
});

describe('the copied bin, one of its cached files edited after the build', () => {
  it('a chunk changed to another text of the same length runs the new text (its cache is not used)', () => {
    const dir = join(scratch.dir, 'dist', 'bin', 'policy');
    const chunk = readdirSync(dir).find((name) => name.endsWith('.js') && readFileSync(join(dir, name), 'utf8').includes('policy denied: '))!;
    expect(existsSync(join(dir, `${chunk}.cache`))).toBe(true);
    const before = readFileSync(join(dir, chunk));
    expect(check().stdout).toContain('policy denied: 4 rules failed');
    const after = Buffer.from(before.toString('utf8').replace('policy denied: ', 'POLICY DENIED: '));
    expect(after.length).toBe(before.length);
    writeFileSync(join(dir, chunk), after);
    try {
      const r = check();
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('POLICY DENIED: 4 rules failed');
      expect(r.stdout).not.toContain('policy denied');
    } finally {
      writeFileSync(join(dir, chunk), before);
    }
  });
});
