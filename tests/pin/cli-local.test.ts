// Launch identity of local scripts, end to end through the CLI: lock pins the script's content,
// check/diff fail when it changes with the surface unchanged, a moved checkout passes, lock
// refuses a launch change without --force, --no-pin records "unpinned" and fails closed.
import { appendFileSync, readFileSync, renameSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { repoRoot, runCli, tempDir } from '../helpers/cli.js';

const serverSource = readFileSync(join(repoRoot, 'testdata', 'npm-registry', 'mcp-server.mjs'), 'utf8');
const node = process.execPath;

let root: ReturnType<typeof tempDir>;
let proj: string;
beforeEach(() => {
  root = tempDir('mcptrust-pin-local-');
  proj = join(root.dir, 'checkout');
  mkdirSync(proj);
  writeFileSync(join(proj, 'server.mjs'), serverSource);
});
afterEach(() => root.cleanup());

const env = () => ({ PATH: process.env.PATH, HOME: root.dir });
const cli = (argv: string[], cwd = proj) => runCli(argv, { cwd, env: env() });
const lockJson = (dir = proj) => JSON.parse(readFileSync(join(dir, 'mcp-lock.json'), 'utf8'));

describe('a local script is pinned by its content', () => {
  it('lock records its digest, relative to the lockfile folder; check passes on the same bytes', async () => {
    const locked = await cli(['lock', '--', node, 'server.mjs']);
    expect(locked.code, locked.stderr).toBe(0);
    const server = lockJson().servers['npm-fixture'];
    expect(server.artifact).toEqual({
      type: 'local',
      spec: './server.mjs',
      integrity: expect.stringMatching(/^sha256-/),
      files: [{ path: './server.mjs', integrity: server.artifact.integrity }],
    });
    const checked = await cli(['check', '--', node, 'server.mjs']);
    expect(checked.code, checked.stdout + checked.stderr).toBe(0);
  });

  it('a changed script fails check and diff (high, naming the file), and lock refuses it without --force', async () => {
    expect((await cli(['lock', '--', node, 'server.mjs'])).code).toBe(0);
    const before = readFileSync(join(proj, 'mcp-lock.json'));
    appendFileSync(join(proj, 'server.mjs'), '\n// a look-alike script: same tools, other code\n');
    const checked = await cli(['check', '--format', 'json', '--', node, 'server.mjs']);
    expect(checked.code).toBe(1);
    expect(checked.stdout).toMatch(/local file \\"\.\/server\.mjs\\" changed: content digest sha256-/);
    const diffed = await cli(['diff', '--format', 'json', '--', node, 'server.mjs']);
    expect(diffed.code).toBe(1);
    const change = JSON.parse(diffed.stdout).changes[0];
    expect(change).toMatchObject({ kind: 'server', change: 'modified', severity: 'high' });
    // check's verdict holds under --fail-on security too: a changed script is high.
    expect((await cli(['check', '--fail-on', 'security', '--', node, 'server.mjs'])).code).toBe(1);
    const refused = await cli(['lock', '--', node, 'server.mjs']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/local file "\.\/server\.mjs" changed/);
    expect(readFileSync(join(proj, 'mcp-lock.json'))).toEqual(before);
    expect((await cli(['lock', '--force', '--', node, 'server.mjs'])).code).toBe(0);
    expect((await cli(['check', '--', node, 'server.mjs'])).code).toBe(0);
  });

  it('a moved checkout passes check: absolute paths inside the lockfile folder are recorded relative to it', async () => {
    const locked = await cli(['lock', '--', node, join(proj, 'server.mjs')]);
    expect(locked.code, locked.stderr).toBe(0);
    const server = lockJson().servers['npm-fixture'];
    expect(server.transport.args).toEqual(['./server.mjs']);
    expect(server.artifact.files[0].path).toBe('./server.mjs');
    const moved = join(root.dir, 'elsewhere');
    renameSync(proj, moved);
    const checked = await cli(['check', '--', node, join(moved, 'server.mjs')], moved);
    expect(checked.code, checked.stdout + checked.stderr).toBe(0);
    // And from the parent folder, with --lock naming it: the lockfile's folder is what counts.
    const fromParent = await cli(['check', '--lock', join('elsewhere', 'mcp-lock.json'), '--', node, join(moved, 'server.mjs')], root.dir);
    expect(fromParent.code, fromParent.stdout + fromParent.stderr).toBe(0);
  });

  it('--no-pin records "unpinned"; a pinned check of that lock fails closed, a --no-pin check passes', async () => {
    const locked = await cli(['lock', '--no-pin', '--', node, 'server.mjs']);
    expect(locked.code, locked.stderr).toBe(0);
    expect(lockJson().servers['npm-fixture'].artifact).toEqual({ type: 'unpinned', note: 'pinning skipped (--no-pin)' });
    const pinned = await cli(['check', '--', node, 'server.mjs']);
    expect(pinned.code).toBe(1);
    expect(pinned.stdout).toMatch(/pins no artifact for this launch/);
    expect((await cli(['check', '--no-pin', '--', node, 'server.mjs'])).code).toBe(0);
  });

  it('a pinned lock checked with --no-pin fails closed: what runs cannot be compared with the pin', async () => {
    expect((await cli(['lock', '--', node, 'server.mjs'])).code).toBe(0);
    const r = await cli(['check', '--no-pin', '--', node, 'server.mjs']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/no longer pinned/);
  });

  it('an unreadable script is an input error (exit 2) and nothing is written', async () => {
    const r = await cli(['lock', '--', node, 'missing.mjs']);
    expect([2, 3]).toContain(r.code);
    expect(() => readFileSync(join(proj, 'mcp-lock.json'))).toThrow();
  });

  it('--expected-source with --no-pin, or an invalid pattern, is a usage error (exit 2)', async () => {
    expect((await cli(['lock', '--no-pin', '--expected-source', 'acme', '--', node, 'server.mjs'])).code).toBe(2);
    const bad = await cli(['lock', '--expected-source', '(', '--', node, 'server.mjs']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--expected-source is not a valid regular expression/);
  });
});

describe('a command found on PATH is pinned as the file the spawn runs', () => {
  it('an empty PATH entry is the working folder, as execvp takes it: the pin is the digest of ./srv that ran, not of the later PATH folder\'s copy', async () => {
    const { createHash } = await import('node:crypto');
    const { chmodSync } = await import('node:fs');
    const bin = join(root.dir, 'bin');
    mkdirSync(bin);
    const script = `#!${node}\n${serverSource.replace(/^#!.*\n/, '')}`;
    writeFileSync(join(proj, 'srv'), `${script}\n// the copy in the working folder\n`);
    writeFileSync(join(bin, 'srv'), `${script}\n// the copy further on PATH\n`);
    for (const f of [join(proj, 'srv'), join(bin, 'srv')]) chmodSync(f, 0o755);
    const r = await runCli(['lock', '--', 'srv'], { cwd: proj, env: { PATH: `:${bin}:${process.env.PATH}`, HOME: root.dir } });
    expect(r.code, r.stderr).toBe(0);
    const digest = (file: string) => `sha256-${createHash('sha256').update(readFileSync(file)).digest('base64')}`;
    const artifact = lockJson().servers['npm-fixture'].artifact;
    expect(artifact.integrity).toBe(digest(join(proj, 'srv')));
    expect(artifact.integrity).not.toBe(digest(join(bin, 'srv')));
  });
});
