/**
 * A local pin records the preloads its line names as modules (`node -r pkg`, `--import=pkg`):
 * their code resolves from node_modules and is not digested, but which ones the locked line loads
 * is pinned, so `run` refuses a line that loads another (or drops one) and `diff` names the change.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArtifactPin } from '../../src/artifact/types.js';
import { diffLockfiles, REVIEW_DIFF } from '../../src/diff/index.js';
import { serializeLockfile } from '../../src/lockfile/build.js';
import { LockfileError, parseLockfile } from '../../src/lockfile/parse.js';
import { lockfileBytesAccepted } from '../../src/lockfile/fast-check.js';
import { buildPolicyInput, compilePolicy, evaluatePolicy, parsePolicy } from '../../src/policy/index.js';
import { repoRoot, runCli, spawnCli, tempDir } from '../helpers/cli.js';
import { lockedServerFolder } from '../helpers/locked-server.js';
import { localPin, pinnedLock } from './pins.js';

const scratch = tempDir('mcptrust-modules-');
afterAll(() => scratch.cleanup());
const env = { PATH: process.env.PATH, HOME: scratch.dir };

/** A module that only records that it ran (MARK beside the lock), then lets the server start. */
const MARKING = "require('node:fs').writeFileSync('MARK', '');\n";

let locked: string;
beforeAll(async () => {
  const dir = join(scratch.dir, 'locked');
  mkdirSync(join(dir, 'node_modules', 'okpkg'), { recursive: true });
  writeFileSync(join(dir, 'node_modules', 'okpkg', 'index.js'), MARKING);
  mkdirSync(join(dir, 'node_modules', 'other'), { recursive: true });
  writeFileSync(join(dir, 'node_modules', 'other', 'index.js'), MARKING);
  locked = await lockedServerFolder(dir, env, ['node', '-r', 'okpkg', '--require', 'okpkg', 'srv.mjs', '--mode=ok']);
}, 60_000);

const lockOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'mcp-lock.json'), 'utf8'));

/** A copy of the locked folder's lockfile, edited by `edit`, in a new folder that shares the files. */
let count = 0;
function editedLock(edit: (lock: { servers: Record<string, { transport: { args: string[] }; artifact: ArtifactPin }> }) => void): string {
  const dir = join(scratch.dir, `e${++count}`);
  mkdirSync(join(dir, 'node_modules', 'okpkg'), { recursive: true });
  writeFileSync(join(dir, 'node_modules', 'okpkg', 'index.js'), MARKING);
  mkdirSync(join(dir, 'node_modules', 'other'), { recursive: true });
  writeFileSync(join(dir, 'node_modules', 'other', 'index.js'), MARKING);
  writeFileSync(join(dir, 'srv.mjs'), readFileSync(join(locked, 'srv.mjs')));
  const lock = lockOf(locked);
  edit(lock);
  writeFileSync(join(dir, 'mcp-lock.json'), `${JSON.stringify(lock, null, 2)}\n`);
  return dir;
}

describe('lock records the module preloads of a local line', () => {
  it('once each, sorted, next to the pinned files; run verifies the same line and diff sees no drift', async () => {
    const artifact = lockOf(locked).servers['hostile-ok'].artifact;
    expect(artifact.type).toBe('local');
    expect(artifact.modules).toEqual(['okpkg']);
    expect(artifact.files.map((f: { path: string }) => f.path)).toEqual(['./srv.mjs']);
    const dry = await runCli(['run', '--dry-run', '--format', 'json'], { cwd: locked, env });
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ verified: true, started: false, files: 1 });
    const diff = await runCli(['diff', '--', 'node', '-r', 'okpkg', '--require', 'okpkg', 'srv.mjs', '--mode=ok'], { cwd: locked, env });
    expect(diff.code, diff.stdout + diff.stderr).toBe(0);
    expect(existsSync(join(locked, 'MARK'))).toBe(true); // lock and diff started the line as written
  });

  it('a line without module preloads records none (no empty list)', async () => {
    const dir = await lockedServerFolder(join(scratch.dir, 'plain'), env);
    expect(Object.keys(lockOf(dir).servers['hostile-ok'].artifact)).not.toContain('modules');
  });

  it('a module named through ${VAR} is not pinned: the lockfile could not fix which module runs (round 19)', async () => {
    const dir = join(scratch.dir, 'var');
    mkdirSync(join(dir, 'node_modules', 'okpkg'), { recursive: true });
    writeFileSync(join(dir, 'node_modules', 'okpkg', 'index.js'), MARKING);
    copyFileSync(join(repoRoot, 'testdata', 'servers', 'hostile-server.mjs'), join(dir, 'srv.mjs'));
    writeFileSync(join(dir, '.mcp.json'), JSON.stringify({ mcpServers: { s: { command: 'node', args: ['-r', '${MOD_NAME_S18}', 'srv.mjs', '--mode=ok'] } } }));
    // As a process: the server starts in the process's working folder.
    const r = await spawnCli(['lock', '--config', '.mcp.json'], { cwd: dir, env: { ...env, MOD_NAME_S18: 'okpkg' } });
    expect(r.code, r.stderr).toBe(0);
    const text = readFileSync(join(dir, 'mcp-lock.json'), 'utf8');
    expect(JSON.parse(text).servers.s.artifact).toEqual({ type: 'unpinned', note: 'a module preload is named through a variable (${…}), so which module runs is not fixed by the lockfile; not pinned' });
    expect(text).not.toContain('"okpkg"');
    const dry = await runCli(['run', '--dry-run'], { cwd: dir, env: { ...env, MOD_NAME_S18: 'okpkg' } });
    expect(dry.code).toBe(1);
  });
});

describe('run refuses a line whose module preloads are not the pinned ones, before anything starts', () => {
  it.each<[string, string[]]>([
    ['another module added with -r', ['-r', 'okpkg', '-r', 'other', 'srv.mjs', '--mode=ok']],
    ['another module added with --import=', ['--import=other', '-r', 'okpkg', 'srv.mjs', '--mode=ok']],
    ['the pinned module swapped for another', ['-r', 'other', 'srv.mjs', '--mode=ok']],
  ])('%s: exit 1, names it, nothing runs', async (_label, args) => {
    const dir = editedLock((lock) => {
      lock.servers['hostile-ok']!.transport.args = args;
    });
    for (const flags of [['--dry-run'], []]) {
      const r = await runCli(['run', ...flags], { cwd: dir, env });
      expect(r.code, r.stderr).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toContain(`server "hostile-ok": its launch line loads the module preload other, which the lock's local pin does not name; lock it again`);
      expect(r.stderr).toContain('Nothing was started');
    }
    expect(existsSync(join(dir, 'MARK'))).toBe(false);
  });

  it('a lockfile written before module preloads were pinned (no modules) is refused for a line that loads one: lock it again', async () => {
    const dir = editedLock((lock) => {
      delete lock.servers['hostile-ok']!.artifact.modules;
    });
    const r = await runCli(['run', '--dry-run'], { cwd: dir, env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/loads the module preload okpkg, which the lock's local pin does not name \(a lockfile written before module preloads were pinned names none\); lock it again/);
  });

  it('a pinned module the line no longer loads: exit 1 (the pin and the line disagree)', async () => {
    const dir = editedLock((lock) => {
      lock.servers['hostile-ok']!.transport.args = ['srv.mjs', '--mode=ok'];
    });
    const r = await runCli(['run', '--dry-run'], { cwd: dir, env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the lock's local pin names the module preload okpkg, which its launch line does not load; lock it again/);
  });

  it('a module added to both the line and the pin of a signed lock: run --key refuses it (the signature no longer verifies)', async () => {
    const dir = editedLock(() => undefined);
    expect((await runCli(['keygen', '--out-dir', 'keys'], { cwd: dir, env })).code).toBe(0);
    expect((await runCli(['sign', '--key', 'keys/mcptrust.key'], { cwd: dir, env })).code).toBe(0);
    expect((await runCli(['run', '--dry-run', '--key', 'keys/mcptrust.pub'], { cwd: dir, env })).code).toBe(0);
    const lock = lockOf(dir);
    lock.servers['hostile-ok']!.transport.args = ['-r', 'okpkg', '-r', 'other', 'srv.mjs', '--mode=ok'];
    lock.servers['hostile-ok'].artifact.modules = ['okpkg', 'other'];
    writeFileSync(join(dir, 'mcp-lock.json'), `${JSON.stringify(lock, null, 2)}\n`);
    const r = await runCli(['run', '--key', 'keys/mcptrust.pub'], { cwd: dir, env });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/the signature does not verify \(the lockfile was changed after it was signed .*; nothing was started/);
    expect(existsSync(join(dir, 'MARK'))).toBe(false);
  });
});

describe('the modules field of a lockfile', () => {
  const text = (pin: ArtifactPin) => serializeLockfile(pinnedLock(pin));
  const raw = (modules: unknown, type = 'local') => {
    const doc = JSON.parse(text(localPin()));
    doc.servers.notes.artifact = { ...doc.servers.notes.artifact, type, modules };
    return JSON.stringify(doc, null, 2);
  };
  const refusal = (source: string): string => {
    try {
      parseLockfile(source, 'mcp-lock.json');
    } catch (error) {
      expect(error).toBeInstanceOf(LockfileError);
      return (error as Error).message;
    }
    throw new Error('the lockfile was accepted');
  };

  it('is written sorted and once each, and read back to the same bytes by both readers', () => {
    const written = text({ ...localPin(), modules: ['zod/register', 'dotenv/config', 'zod/register'] });
    expect(JSON.parse(written).servers.notes.artifact.modules).toEqual(['dotenv/config', 'zod/register']);
    const back = parseLockfile(written);
    expect(back.servers.notes!.artifact!.modules).toEqual(['dotenv/config', 'zod/register']);
    expect(serializeLockfile(back)).toBe(written);
    expect(lockfileBytesAccepted(Buffer.from(written), { checkDigests: true })).toBe(true);
  });

  it.each<[string, unknown, string, RegExp]>([
    ['out of order', ['b', 'a'], 'local', /modules\[1\] is out of order or repeated/],
    ['repeated', ['a', 'a'], 'local', /modules\[1\] is out of order or repeated/],
    ['empty', [], 'local', /modules must not be empty/],
    ['not a list', 'dotenv/config', 'local', /modules must be an array/],
    ['a number in it', [1], 'local', /modules\[0\] must be a string/],
    ['an empty name', [''], 'local', /modules\[0\] must be 1 to 4096 characters long/],
    ['a control character', ['a\u0007b'], 'local', /modules\[0\] must not contain control characters/],
    ['too many', Array.from({ length: 1001 }, (_, i) => `m${String(i).padStart(4, '0')}`), 'local', /modules has 1001 entries; at most 1000 are read/],
    ['on an unpinned artifact', ['a'], 'unpinned', /has an unknown field "modules"/],
  ])('%s is refused by name', (_label, modules, type, message) => {
    const source = raw(modules, type);
    expect(refusal(source)).toMatch(message);
    expect(lockfileBytesAccepted(Buffer.from(source), { checkDigests: false })).toBe(false);
  });
});

describe('diff and policy', () => {
  it('diff reads a module added to the line as a change of the launch line (high); a pin written before modules were recorded is the same pin', async () => {
    // The same line, one pin with modules and one without (a lockfile of an older version): no change.
    expect(diffLockfiles(pinnedLock(localPin()), pinnedLock({ ...localPin(), modules: ['dotenv/config'] }), REVIEW_DIFF).changes).toEqual([]);
    const oldStyle = editedLock((lock) => {
      delete lock.servers['hostile-ok']!.artifact.modules;
    });
    const line = ['node', '-r', 'okpkg', '--require', 'okpkg', 'srv.mjs', '--mode=ok'];
    const same = await runCli(['diff', '--', ...line], { cwd: oldStyle, env });
    expect(same.code, same.stdout).toBe(0);
    // lock writes the pin again with its modules (no change to approve), and run then accepts it.
    const relock = await runCli(['lock', '--', ...line], { cwd: oldStyle, env });
    expect(relock.code, relock.stderr).toBe(0);
    expect(lockOf(oldStyle).servers['hostile-ok'].artifact.modules).toEqual(['okpkg']);
    expect((await runCli(['run', '--dry-run'], { cwd: oldStyle, env })).code).toBe(0);
    // A module added to the live line: the transport's change, high.
    const added = await runCli(['diff', '--format', 'json', '--', 'node', '-r', 'okpkg', '-r', 'other', 'srv.mjs', '--mode=ok'], { cwd: locked, env });
    expect(added.code).toBe(1);
    const [change] = (JSON.parse(added.stdout) as { changes: { severity: string; reasons: string[] }[] }).changes;
    expect(change!.severity).toBe('high');
    expect(change!.reasons.join('\n')).toMatch(/launched with other arguments.*-r other/);
  });

  it('input.artifact.modules lists them, so a policy can refuse any', () => {
    const policy = compilePolicy(parsePolicy('rules:\n  - name: no_module_preloads\n    expr: input.artifact.modules.size() == 0\n    failure_msg: a module preload runs unpinned code\n', 'p.yaml'));
    const status = (pin: ArtifactPin) => evaluatePolicy(policy, buildPolicyInput({ lock: pinnedLock(pin) })).rules[0]!.status;
    expect(buildPolicyInput({ lock: pinnedLock({ ...localPin(), modules: ['dotenv/config'] }) }).artifact!.modules).toEqual(['dotenv/config']);
    expect(status(localPin())).toBe('pass');
    expect(status({ ...localPin(), modules: ['dotenv/config'] })).toBe('fail');
  });
});
