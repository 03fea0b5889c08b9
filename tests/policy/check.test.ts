import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureServer, runCli, tempDir } from '../helpers/cli.js';
import { fixtures } from './helpers.js';

// One signed copy of the clean lock (the example server's surface) per test file.
let dir: string;
let cleanup: () => void;
beforeAll(async () => {
  ({ dir, cleanup } = tempDir('mcptrust-check-'));
  // Locked from the live example server (the clean lock's surface), so it is launched as this
  // machine launches it: check compares the transport too, as diff and lock do.
  expect((await runCli(['lock', '--', ...fixtureServer('example-server.mjs')], { cwd: dir })).code).toBe(0);
  // The surface is the clean lock's; how it is launched (transport, artifact pin) is this machine's.
  const surfaceOnly = (file: string) => {
    const json = JSON.parse(readFileSync(file, 'utf8'));
    for (const server of Object.values(json.servers) as Record<string, unknown>[]) {
      delete server.transport;
      delete server.artifact;
    }
    return json;
  };
  expect(surfaceOnly(join(dir, 'mcp-lock.json'))).toEqual(surfaceOnly(join(fixtures, 'clean.lock.json')));
  expect((await runCli(['keygen', '--name', 'team'], { cwd: dir })).code).toBe(0);
  expect((await runCli(['sign', '--key', 'team.key'], { cwd: dir })).code).toBe(0);
  writeFileSync(join(dir, 'prefix.yaml'), 'name: prefix\nrules:\n  - name: approved_prefix\n    expr: \'input.tools.all(t, t.name.startsWith("notes_"))\'\n    failure_msg: tools must be namespaced notes_\n');
});
afterAll(() => cleanup());

const server = (...args: string[]) => ['--', ...fixtureServer('example-server.mjs', ...args)];
const check = (args: string[], cwd = dir) => runCli(['check', ...args], { cwd });

function statuses(stdout: string) {
  return (JSON.parse(stdout) as { checks: { id: string; status: string }[] }).checks.map((c) => `${c.id}:${c.status}`);
}

describe('mcptrust check', () => {
  it('passes when the signature verifies, the server matches and the policy passes (exit 0)', async () => {
    const r = await check(['--key', 'team.pub', '--preset', 'strict', ...server()]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/✓ signature verified: signed by 1 trusted key \(threshold 1\)/);
    expect(r.stdout).toContain('✓ drift     no drift: the live server matches the lockfile');
    expect(r.stdout).toMatch(/✓ policy {4}strict \(preset:strict, mode strict\): 10 of 10 rules passed/);
    expect(r.stdout).toContain('✓ check passed');
  }, 30_000);

  it('a tampered lock alone fails the signature (exit 1) while drift and policy pass', async () => {
    const tampered = join(dir, 'tampered.json');
    // One byte that changes no JSON value (a space before the final newline): only the signature can tell.
    writeFileSync(tampered, readFileSync(join(dir, 'mcp-lock.json'), 'utf8').replace(/\n$/, ' \n'));
    copyFileSync(join(dir, 'mcp-lock.json.sig'), `${tampered}.sig`);
    const r = await check(['--lock', 'tampered.json', '--key', 'team.pub', '--preset', 'strict', '--format', 'json', ...server()]);
    expect(r.code).toBe(1);
    expect(statuses(r.stdout)).toEqual(['signature:fail', 'drift:pass', 'policy:pass']);
    expect(JSON.parse(r.stdout).checks[0].summary).toMatch(/^not verified: the lockfile .*changed|^not verified: the lockfile is not the one that was signed/);
  }, 30_000);

  it('a hand-edited definition fails the signature and shows as drift (exit 1)', async () => {
    const edited = join(dir, 'edited.json');
    writeFileSync(edited, readFileSync(join(dir, 'mcp-lock.json'), 'utf8').replace('Read a note by id.', 'Read a note by id!'));
    copyFileSync(join(dir, 'mcp-lock.json.sig'), `${edited}.sig`);
    const r = await check(['--lock', 'edited.json', '--key', 'team.pub', '--format', 'json', ...server()]);
    expect(r.code).toBe(1);
    expect(statuses(r.stdout)).toEqual(['signature:fail', 'drift:fail', 'policy:skip']);
    expect(JSON.parse(r.stdout).drift.changes).toMatchObject([{ kind: 'tool', name: 'read_note', change: 'modified' }]);
  }, 30_000);

  it('a lock that no longer parses after its signature failed is a failed check (exit 1, not 2)', async () => {
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, readFileSync(join(dir, 'mcp-lock.json'), 'utf8').slice(0, 200));
    copyFileSync(join(dir, 'mcp-lock.json.sig'), `${broken}.sig`);
    const r = await check(['--lock', 'broken.json', '--key', 'team.pub', '--preset', 'strict', ...server()]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/✗ signature not verified/);
    expect(r.stdout).toMatch(/✗ drift {5}cannot be checked: broken\.json is not valid JSON/);
    expect(r.stdout).toContain('✗ check failed: signature, drift, policy');
    // Without keys, the same file is an input error.
    expect((await check(['--lock', 'broken.json', ...server()])).code).toBe(2);
  }, 30_000);

  it('a drifted server alone fails the drift check (exit 1) with the changes listed', async () => {
    const r = await check(['--key', 'team.pub', ...server('--changed')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/✓ signature verified/);
    expect(r.stdout).toContain('✗ drift     6 changes (most severe: critical, 2 breaking); run mcptrust diff for details');
    // One line per change naming its server, as lock's refusal prints it.
    expect(r.stdout).toMatch(/critical +\+ example-notes: tool "exec_shell" added/);
    expect(r.stdout).toContain('- policy    no policy given');
    expect(r.stdout).toContain('✗ check failed: drift');
    // --fail-on none leaves the judgement to a policy: the drift is shown as a warning.
    const lenient = await check(['--key', 'team.pub', '--fail-on', 'none', '--format', 'json', ...server('--changed')]);
    expect(lenient.code).toBe(0);
    expect(statuses(lenient.stdout)).toEqual(['signature:pass', 'drift:warn', 'policy:skip']);
  }, 30_000);

  it('a policy failure alone fails the policy check (exit 1)', async () => {
    const r = await check(['--key', 'team.pub', '--policy', 'prefix.yaml', '--format', 'json', ...server()]);
    expect(r.code).toBe(1);
    expect(statuses(r.stdout)).toEqual(['signature:pass', 'drift:pass', 'policy:fail']);
    const policy = JSON.parse(r.stdout).policy;
    expect(policy.rules).toEqual([
      {
        name: 'approved_prefix',
        source: 'prefix.yaml',
        severity: 'error',
        status: 'fail',
        outcome: 'fail',
        message: 'tools must be namespaced notes_',
        // The tools that make it fail, by name (the example server's three tools).
        offending: { items: ['read_note', 'search_notes', 'write_note'].map((n) => ({ name: `tool example-notes/${n}`, why: [] })), total: 3 },
        controlRefs: [],
      },
    ]);
  }, 30_000);

  it('writes JUnit XML with one test case per check and per rule', async () => {
    const r = await check(['--key', 'team.pub', '--preset', 'strict', '--format', 'junit', ...server('--changed')]);
    expect(r.code).toBe(1);
    expect(r.stdout.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="mcptrust check" tests="13" failures="7" errors="0" skipped="0">')).toBe(true);
    expect(r.stdout.match(/<testcase /g)).toHaveLength(13);
    expect(r.stdout).toContain('<testcase name="signature" classname="mcptrust.check"');
    expect(r.stdout).toMatch(/<testcase name="drift" classname="mcptrust.check" time="[\d.]+">\n {6}<failure message="6 changes/);
    expect(r.stdout).toMatch(/<testcase name="no_drift" classname="mcptrust.policy.strict" time="[\d.]+">\n {6}<failure message="The live server differs/);
    expect(r.stdout).toMatch(/<testcase name="ascii_names" classname="mcptrust.policy.strict" time="[\d.]+"\/>/);
    // The server change, named, with its first reason: the launch changed (--changed), as diff grades it.
    expect(r.stdout).toContain('medium   ~ example-notes: server modified: the server is now launched with other options');
    expect(r.stdout.trimEnd().endsWith('</testsuites>')).toBe(true);
  }, 30_000);

  it('--junit FILE writes the JUnit report of the same run next to the text summary', async () => {
    const r = await check(['--key', 'team.pub', '--preset', 'strict', '--junit', 'report.xml', ...server('--changed')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('✗ check failed: drift, policy');
    const xml = readFileSync(join(dir, 'report.xml'), 'utf8');
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="mcptrust check" tests="13" failures="7" errors="0" skipped="0">')).toBe(true);
    expect(xml).toMatch(/<testcase name="drift" classname="mcptrust.check" time="[\d.]+">\n {6}<failure message="6 changes/);
  }, 30_000);

  it('given trusted keys, a lock without a signature file fails (exit 1) and says how to sign it', async () => {
    const unsigned = join(dir, 'unsigned.json');
    copyFileSync(join(dir, 'mcp-lock.json'), unsigned);
    const text = await check(['--lock', 'unsigned.json', '--key', 'team.pub', ...server()]);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain(
      '✗ signature not verified: the lockfile is not signed (no signature file unsigned.json.sig); sign it with: mcptrust sign --key PRIVATE.key --lock unsigned.json',
    );
    expect(text.stdout).toContain('✓ drift     no drift');
    expect(text.stdout).toContain('✗ check failed: signature');
    // The same with a keyring, with --require-signature (now implied), and in JSON and JUnit.
    for (const args of [['--keyring', '.'], ['--key', 'team.pub', '--require-signature']]) {
      const json = await check(['--lock', 'unsigned.json', ...args, '--format', 'json', ...server()]);
      expect(json.code, args.join(' ')).toBe(1);
      expect(statuses(json.stdout)).toEqual(['signature:fail', 'drift:pass', 'policy:skip']);
      expect(JSON.parse(json.stdout).checks[0].summary).toMatch(/^not verified: the lockfile is not signed/);
    }
    const junit = await check(['--lock', 'unsigned.json', '--key', 'team.pub', '--format', 'junit', ...server()]);
    expect(junit.code).toBe(1);
    expect(junit.stdout).toMatch(/<testcase name="signature" classname="mcptrust.check" time="[\d.]+">\n {6}<failure message="not verified: the lockfile is not signed/);
    // A --sig that does not exist names that file and the --out that would write it.
    const named = await check(['--lock', 'unsigned.json', '--sig', 'approved.sig', '--key', 'team.pub', '--format', 'json', ...server()]);
    expect(named.code).toBe(1);
    expect(JSON.parse(named.stdout).checks[0].summary).toBe(
      'not verified: the lockfile is not signed (no signature file approved.sig); sign it with: mcptrust sign --key PRIVATE.key --lock unsigned.json --out approved.sig',
    );
  }, 30_000);

  it('without trusted keys the signature is skipped, and --require-signature refuses to run (exit 2, no trusted keys)', async () => {
    const skipped = await check(['--format', 'json', ...server()]);
    expect(skipped.code).toBe(0);
    expect(statuses(skipped.stdout)).toEqual(['signature:skip', 'drift:pass', 'policy:skip']);
    const required = await check(['--require-signature', ...server()]);
    expect(required.code).toBe(2);
    expect(required.stdout).toBe('');
    expect(required.stderr).toBe('error: --require-signature: no trusted keys to verify the signature with; give --key FILE (repeatable) or --keyring DIR\n');
  }, 30_000);

  it('a signature file that is not in the canonical form sign writes fails the signature (exit 1)', async () => {
    const reformatted = join(dir, 'reformatted.json');
    copyFileSync(join(dir, 'mcp-lock.json'), reformatted);
    // The same values, compact instead of indented: nothing a signature covers changed.
    writeFileSync(`${reformatted}.sig`, JSON.stringify(JSON.parse(readFileSync(join(dir, 'mcp-lock.json.sig'), 'utf8'))));
    const r = await check(['--lock', 'reformatted.json', '--key', 'team.pub', '--format', 'json', ...server()]);
    expect(r.code).toBe(1);
    expect(statuses(r.stdout)).toEqual(['signature:fail', 'drift:pass', 'policy:skip']);
    expect(JSON.parse(r.stdout).checks[0].summary).toMatch(/^not verified: the signature file is not in canonical form/);
  }, 30_000);

  it('--allow-unknown-signers, as in verify, ignores a co-signature by a key that is not trusted', async () => {
    const cosigned = join(dir, 'cosigned.json');
    copyFileSync(join(dir, 'mcp-lock.json'), cosigned);
    copyFileSync(join(dir, 'mcp-lock.json.sig'), `${cosigned}.sig`);
    expect((await runCli(['keygen', '--name', 'other'], { cwd: dir })).code).toBe(0);
    expect((await runCli(['sign', '--key', 'other.key', '--lock', 'cosigned.json'], { cwd: dir })).code).toBe(0);
    const strict = await check(['--lock', 'cosigned.json', '--key', 'team.pub', '--format', 'json', ...server()]);
    expect(strict.code).toBe(1);
    expect(statuses(strict.stdout)).toEqual(['signature:fail', 'drift:pass', 'policy:skip']);
    expect(JSON.parse(strict.stdout).checks[0].summary).toContain('pass --allow-unknown-signers');
    const lenient = await check(['--lock', 'cosigned.json', '--key', 'team.pub', '--allow-unknown-signers', '--format', 'json', ...server()]);
    expect(lenient.code).toBe(0);
    expect(statuses(lenient.stdout)).toEqual(['signature:pass', 'drift:pass', 'policy:skip']);
    // An ignored signer never counts towards the threshold.
    const two = await check(['--lock', 'cosigned.json', '--key', 'team.pub', '--allow-unknown-signers', '--threshold', '2', '--format', 'json', ...server()]);
    expect(two.code).toBe(1);
    expect(statuses(two.stdout)).toEqual(['signature:fail', 'drift:pass', 'policy:skip']);
  }, 30_000);

  it('usage and input errors are exit 2 before any server starts', async () => {
    const cases: [string[], RegExp][] = [
      [['--require-signature', ...server()], /--require-signature: no trusted keys/],
      [['--key', 'team.pub'], /check compares the live server with the lockfile/],
      [['--key', 'missing.pub', ...server()], /cannot read public key .*missing\.pub: no such file/],
      [['--policy', join(fixtures, 'does-not-compile.yaml'), ...server()], /rule "missing operand" does not compile/],
      [['--lock', 'nope.json', ...server()], /cannot read lockfile .*nope\.json/],
      [['--fail-on', 'sometimes', ...server()], /argument 'sometimes' is invalid/],
    ];
    for (const [args, message] of cases) {
      const r = await check(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
  });

  it('a server that cannot start is exit 3', async () => {
    const r = await check(['--key', 'team.pub', '--', process.execPath, join(fixtures, 'no-such-server.mjs')]);
    expect(r.code).toBe(3);
  }, 30_000);
});
