import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializeLockfile } from '../../src/lockfile/build.js';
import { parseLockfile } from '../../src/lockfile/parse.js';
import { SWITCHES } from '../../testdata/servers/drift-surface.mjs';
import { fixtureServer, repoRoot, runCli, tempDir } from '../helpers/cli.js';
import { driftLock } from './helpers.js';

// Golden outputs: `UPDATE_GOLDEN=1 npx vitest run tests/diff` rewrites them (review the git diff).
const goldenDir = join(repoRoot, 'testdata', 'diff');
function expectGolden(file: string, raw: string): void {
  // The transport line names this machine's node and checkout: placeholders keep goldens portable.
  // The servers' approval digests cover that transport line, so they are machine-specific too.
  const actual = raw.split(process.execPath).join('<node>').split(repoRoot).join('<repo>').replace(/sha256:[0-9a-f]{64}/g, 'sha256:<digest>');
  const path = join(goldenDir, file);
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(path)) writeFileSync(path, actual);
  expect(actual).toBe(readFileSync(path, 'utf8'));
}

const drift = fixtureServer('drift-server.mjs', '--with=all');
let scratch: ReturnType<typeof tempDir>;
const cli = (argv: string[], tty = false) => runCli(argv, { cwd: scratch.dir, tty });

beforeAll(async () => {
  scratch = tempDir('mcptrust-diff-');
  const base = await cli(['lock', '--', ...fixtureServer('drift-server.mjs')]);
  expect(base.code, base.stderr).toBe(0);
  const all = await cli(['lock', '-o', 'all.json', '--', ...drift]);
  expect(all.code, all.stderr).toBe(0);
  // In-memory lockfiles for single switches, written in the same canonical form, launched the
  // same way as the real lock (diff compares transports too).
  const locked = parseLockfile(readFileSync(join(scratch.dir, 'mcp-lock.json'), 'utf8')).servers['drift-fixture']!;
  const transport = locked.transport;
  // And running the same pinned code (the artifact pin): only the surface switches differ.
  const pinned = (lock: ReturnType<typeof driftLock>) => (Object.values(lock.servers).forEach((s) => (s.artifact = locked.artifact)), lock);
  for (const name of ['desc-reword', 'required-param', 'new-tool', 'enum-widen']) writeFileSync(join(scratch.dir, `${name}.json`), serializeLockfile(pinned(driftLock([name], 'drift-fixture', transport))));
}, 60_000);
afterAll(() => scratch.cleanup());

describe('mcptrust diff against the live drift fixture (golden files)', () => {
  it('text: grouped by server, word-level descriptions, exit 1 on drift', async () => {
    const r = await cli(['diff', '--', ...drift]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('drift at or above --fail-on any: exit 1\n');
    expectGolden('drift-all.txt', r.stdout);
  });

  it('json: the Diff JSON document', async () => {
    const r = await cli(['diff', '--format', 'json', '--', ...drift]);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ diffVersion: 1, drift: true, failOn: 'any', failed: true, before: 'mcp-lock.json', after: 'the live server' });
    for (const c of doc.changes) {
      expect(Object.keys(c)).toEqual(['server', 'kind', 'name', 'change', 'severity', 'breaking', 'reasons', 'detail']);
    }
    expectGolden('drift-all.json', r.stdout);
  });

  it('markdown: a pull-request comment', async () => {
    const r = await cli(['diff', '--format', 'markdown', '--', ...drift]);
    expect(r.code).toBe(1);
    expectGolden('drift-all.md', r.stdout);
  });

  it('gives the same changes live and lockfile against lockfile', async () => {
    const live = JSON.parse((await cli(['diff', '--format', 'json', '--', ...drift])).stdout);
    const offline = await cli(['diff', '--format', 'json', '--against', 'all.json']);
    expect(offline.code).toBe(1);
    const doc = JSON.parse(offline.stdout);
    expect(doc.after).toBe('all.json');
    expect(doc.changes).toEqual(live.changes);
    expect(doc.changes.length).toBeGreaterThanOrEqual(SWITCHES.length / 2);
  });
});

describe('mcptrust diff exit codes and --fail-on', () => {
  const cases: [string, string, number][] = [
    ['desc-reword', 'any', 1],
    ['desc-reword', 'breaking', 0],
    ['desc-reword', 'none', 0],
    ['required-param', 'breaking', 1],
    ['required-param', 'security', 0],
    ['new-tool', 'security', 1],
    ['new-tool', 'breaking', 1],
    ['enum-widen', 'breaking', 0],
  ];
  for (const [lock, failOn, code] of cases) {
    it(`${lock} with --fail-on ${failOn} exits ${code}`, async () => {
      const r = await cli(['diff', '--against', `${lock}.json`, '--fail-on', failOn]);
      expect(r.code, r.stderr).toBe(code);
      expect(r.stdout).toMatch(/^drift: mcp-lock\.json → .*\.json: 1 change/);
      expect(r.stderr).toBe(code === 1 ? `drift at or above --fail-on ${failOn}: exit 1\n` : '');
    });
  }

  it('sarif: each result at the changed entry\'s line of the lockfile', async () => {
    const r = await cli(['diff', '--against', 'required-param.json', '--format', 'sarif']);
    expect(r.code).toBe(1);
    const sarif = JSON.parse(r.stdout);
    expect(sarif.version).toBe('2.1.0');
    const [result] = sarif.runs[0].results;
    // One rule per kind of change and severity: code scanning reads the rule's security-severity.
    expect(result.ruleId).toBe('mcptrust.diff.tool-modified/low');
    const location = result.locations[0].physicalLocation;
    expect(location.artifactLocation.uri).toBe('mcp-lock.json');
    const lines = readFileSync(join(scratch.dir, 'mcp-lock.json'), 'utf8').split('\n');
    expect(lines[location.region.startLine - 1]).toBe('        "read_file": {');
  });

  it('exits 0 with "no drift" when the surfaces match', async () => {
    const r = await cli(['diff', '--against', 'mcp-lock.json']);
    expect(r).toMatchObject({ code: 0, stdout: 'no drift: mcp-lock.json matches mcp-lock.json\n', stderr: '' });
  });

  it('colors the text report on a terminal only', async () => {
    const plain = await cli(['diff', '--against', 'new-tool.json']);
    expect(plain.stdout).not.toContain('\u001b[');
    const tty = await cli(['diff', '--against', 'new-tool.json'], true);
    expect(tty.stdout).toContain('\u001b[31m');
  });

  it('writes the report to --output atomically instead of stdout', async () => {
    const r = await cli(['diff', '--against', 'new-tool.json', '--format', 'json', '-o', 'report.json']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(JSON.parse(readFileSync(join(scratch.dir, 'report.json'), 'utf8')).changes[0].name).toBe('list_pages');
  });

  it('exits 2 on a missing lockfile, naming it', async () => {
    const r = await cli(['diff', '--lock', 'nope.json', '--against', 'all.json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot read lockfile .*nope\.json: no such file/);
  });

  it('exits 2 on a malformed --against file', async () => {
    writeFileSync(join(scratch.dir, 'broken.json'), '{"lockfileVersion": 1, "servers": {');
    const r = await cli(['diff', '--against', 'broken.json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: broken\.json is not valid JSON/);
  });

  it('exits 2 on an unknown lockfile version', async () => {
    writeFileSync(join(scratch.dir, 'v9.json'), '{"lockfileVersion": 9, "servers": {}}');
    const r = await cli(['diff', '--against', 'v9.json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/v9\.json has lockfileVersion 9/);
  });

  it('exits 2 when --against is combined with a live server', async () => {
    const r = await cli(['diff', '--against', 'all.json', '--', ...drift]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--against compares two lockfiles/);
  });

  it('exits 2 with no source at all', async () => {
    const r = await cli(['diff']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/say which server to read/);
  });

  it('exits 2 on an unknown --fail-on level', async () => {
    const r = await cli(['diff', '--against', 'all.json', '--fail-on', 'sometimes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--fail-on/);
  });

  it('exits 3 when the live server cannot be used', async () => {
    const r = await cli(['diff', '--', ...fixtureServer('drift-server.mjs', '--with=no-such-switch')]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/exited with code 64/);
  });

  it('compares a live server with the only server of the lockfile, whatever it calls itself', async () => {
    const lock = await cli(['lock', '-o', 'named.json', '--name', 'docs', '--', ...fixtureServer('drift-server.mjs')]);
    expect(lock.code, lock.stderr).toBe(0);
    const r = await cli(['diff', '--lock', 'named.json', '--', ...fixtureServer('drift-server.mjs', '--with=version-bump')]);
    expect(r.code).toBe(1);
    // Medium, not info: the live server is launched with other options than the locked one.
    expect(r.stdout).toMatch(/^docs\n {2}locked (sha256:[0-9a-f]{64}) → live (?!\1)sha256:[0-9a-f]{64}\n {2}medium +~ server modified\n {6}- the server is now launched with other options: .*--with=version-bump\n {6}- version "1\.0\.0" → "1\.1\.0"$/m);
    expect(r.stderr).toContain('note: the server calls itself "drift-fixture"; compared with "docs", the only server in named.json\n');
  });

  it('diffs every server of an agent config, or only the --server ones', async () => {
    const config = (withArg: string) => ({
      mcpServers: {
        docs: { command: process.execPath, args: [join(repoRoot, 'testdata', 'servers', 'drift-server.mjs'), withArg] },
        notes: { command: process.execPath, args: [join(repoRoot, 'testdata', 'servers', 'example-server.mjs')] },
      },
    });
    writeFileSync(join(scratch.dir, 'agent.json'), JSON.stringify(config('--with=')));
    expect((await cli(['lock', '-o', 'agent-lock.json', '--config', 'agent.json'])).code).toBe(0);
    writeFileSync(join(scratch.dir, 'agent.json'), JSON.stringify(config('--with=new-exec-tool')));
    const all = await cli(['diff', '--lock', 'agent-lock.json', '--config', 'agent.json', '--format', 'json']);
    expect(all.code, all.stderr).toBe(1);
    // The config now launches docs with other arguments (a transport change), and it offers a new tool.
    expect(JSON.parse(all.stdout).changes.map((c: { server: string; name: string }) => `${c.server}/${c.name}`)).toEqual(['docs/docs', 'docs/run_command']);
    const notes = await cli(['diff', '--lock', 'agent-lock.json', '--config', 'agent.json', '--server', 'notes']);
    expect(notes).toMatchObject({ code: 0, stdout: 'no drift: the live server matches agent-lock.json\n' });
  }, 30_000);

  it('exits 2 when --name names no server of the lockfile', async () => {
    const r = await cli(['diff', '--name', 'other', '--', ...fixtureServer('drift-server.mjs')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/mcp-lock\.json has no server "other" \(it pins "drift-fixture"\)/);
  });
});
