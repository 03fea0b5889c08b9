import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalDigest, surfaceDigest } from '../../src/lockfile/build.js';
import { parseLockfile } from '../../src/lockfile/parse.js';
import { repoRoot, runCli, tempDir } from '../helpers/cli.js';

// Partial re-locks (--server) and --approve, against the real servers of node_modules in a
// project .mcp.json: lock all, change one, update only that one, approve exactly what was seen.
const modules = join(repoRoot, 'node_modules', '@modelcontextprotocol');
let scratch: ReturnType<typeof tempDir>;
const cli = (argv: string[]) => runCli(argv, { cwd: scratch.dir });
const lockText = () => readFileSync(join(scratch.dir, 'mcp-lock.json'), 'utf8');

function writeConfig(servers: { memoryArgs?: string[]; everythingArgs?: string[]; filesystem?: boolean } = {}) {
  const mcpServers: Record<string, unknown> = {
    memory: { command: 'node', args: [join(modules, 'server-memory', 'dist', 'index.js'), ...(servers.memoryArgs ?? [])], env: { MEMORY_FILE_PATH: join(scratch.dir, 'memory.jsonl') } },
    everything: { command: 'node', args: [join(modules, 'server-everything', 'dist', 'index.js'), ...(servers.everythingArgs ?? [])] },
  };
  if (servers.filesystem !== false) mcpServers.filesystem = { command: 'node', args: [join(modules, 'server-filesystem', 'dist', 'index.js'), scratch.dir] };
  writeFileSync(join(scratch.dir, '.mcp.json'), JSON.stringify({ mcpServers }, null, 2));
}

/** The exact JSON text of one server's entry in a canonical lockfile (from its key to its closing brace). */
function entrySlice(text: string, name: string): string {
  const start = text.indexOf(`\n    ${JSON.stringify(name)}: {\n`);
  expect(start, name).toBeGreaterThan(0);
  const end = text.indexOf('\n    }', start + 1);
  return text.slice(start, end + 6);
}

const liveDigestOf = (stderr: string, server: string) => {
  const match = new RegExp(`server "${server}": (?:locked sha256:[0-9a-f]{64} → live|new, live) (sha256:[0-9a-f]{64})`).exec(stderr);
  expect(match, stderr).not.toBeNull();
  return match![1]!;
};

beforeAll(async () => {
  scratch = tempDir('mcptrust-relock-');
  writeConfig();
  const r = await cli(['lock', '--config', '.mcp.json']);
  expect(r.code, r.stderr).toBe(0);
  expect(Object.keys(parseLockfile(lockText()).servers)).toEqual(['everything', 'filesystem', 'memory']);
}, 60_000);
afterAll(() => scratch.cleanup());

describe('lock --server updates only the named servers', () => {
  it('writes only memory\'s change; the other entries stay byte for byte', async () => {
    const before = lockText();
    writeConfig({ memoryArgs: ['--unused-flag'] });
    // Without approval: refused (exit 1), naming memory only (not "everything: server removed").
    const refused = await cli(['lock', '--config', '.mcp.json', '--server', 'memory']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^refused: mcp-lock\.json pins something different/);
    expect(refused.stderr).toContain('1 change (0 breaking; 1 medium)');
    expect(refused.stderr).toMatch(/medium +~ memory: server modified: the server is now launched with other options/);
    expect(refused.stderr).not.toContain('everything');
    expect(refused.stderr).not.toContain('removed');
    expect(lockText()).toBe(before);

    const digest = liveDigestOf(refused.stderr, 'memory');
    // The surface digest (the lockfile's "digest" field) is not the approval digest: refused,
    // with a note that says which digest --approve takes.
    const surfaceOnly = await cli(['lock', '--config', '.mcp.json', '--server', 'memory', '--approve', surfaceDigest(parseLockfile(before).servers.memory!.surface)]);
    expect(surfaceOnly.code).toBe(1);
    expect(surfaceOnly.stderr).toContain('note: an --approve digest is a surface digest');
    expect(lockText()).toBe(before);
    const approved = await cli(['lock', '--config', '.mcp.json', '--server', 'memory', '--approve', digest]);
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toMatch(/^locked 1 server into mcp-lock\.json \(2 other servers kept as they were\)\n {2}memory /);
    const after = lockText();
    expect(after).not.toBe(before);
    for (const other of ['everything', 'filesystem']) expect(entrySlice(after, other)).toBe(entrySlice(before, other));
    const lock = parseLockfile(after);
    expect(lock.servers.memory!.transport).toMatchObject({ args: [expect.stringContaining('server-memory'), '--unused-flag'] });
    // The digest approved is the one now pinned.
    expect(approvalDigest(lock.servers.memory!)).toBe(digest);
    // And the whole file is what a full lock of the same config writes.
    const full = await cli(['lock', '--config', '.mcp.json', '-o', 'full.json']);
    expect(full.code, full.stderr).toBe(0);
    expect(readFileSync(join(scratch.dir, 'full.json'), 'utf8')).toBe(after);
  }, 60_000);

  it('keeps a server that is no longer in the config; only a full re-lock drops it (with --force)', async () => {
    writeConfig({ memoryArgs: ['--unused-flag'], filesystem: false });
    const before = lockText();
    const partial = await cli(['lock', '--config', '.mcp.json', '--server', 'memory']);
    expect(partial.code, partial.stderr).toBe(0);
    expect(lockText()).toBe(before);
    expect(Object.keys(parseLockfile(lockText()).servers)).toEqual(['everything', 'filesystem', 'memory']);

    const full = await cli(['lock', '--config', '.mcp.json']);
    expect(full.code).toBe(1);
    expect(full.stderr).toMatch(/low +- filesystem: server removed \(breaking\)/);
    expect(full.stderr).toContain('server "filesystem": removed, locked sha256:');
    expect(lockText()).toBe(before);
    // A removed server has no live digest: --approve cannot drop it.
    const everything = approvalDigest(parseLockfile(before).servers.everything!);
    const approve = await cli(['lock', '--config', '.mcp.json', '--approve', everything]);
    expect(approve.code).toBe(1);
    expect(approve.stderr).toMatch(/^refused: not approved: server "filesystem" \(removed\); nothing written to mcp-lock\.json\./);
    expect(lockText()).toBe(before);
    const forced = await cli(['lock', '--config', '.mcp.json', '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(Object.keys(parseLockfile(lockText()).servers)).toEqual(['everything', 'memory']);
    writeConfig({ memoryArgs: ['--unused-flag'] });
    expect((await cli(['lock', '--config', '.mcp.json', '--server', 'filesystem', '--force'])).code).toBe(0);
    expect(Object.keys(parseLockfile(lockText()).servers)).toEqual(['everything', 'filesystem', 'memory']);
  }, 60_000);

  it('a partial lock over a lockfile that does not parse is exit 2 even with --force, and writes nothing', async () => {
    writeFileSync(join(scratch.dir, 'broken.json'), '{"lockfileVersion": 1, "servers": {');
    const r = await cli(['lock', '--config', '.mcp.json', '--server', 'memory', '-o', 'broken.json', '--force']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: broken\.json is not valid JSON: .*; cannot keep its other servers \(--server updates only some\)/);
    expect(readFileSync(join(scratch.dir, 'broken.json'), 'utf8')).toBe('{"lockfileVersion": 1, "servers": {');
  });
});

describe('lock --approve writes exactly what was reviewed', () => {
  it('a wrong digest, or one of two changed servers approved: exit 1 and the file unchanged', async () => {
    writeConfig({ memoryArgs: ['--other-flag'], everythingArgs: ['stdio'] });
    const before = lockText();
    const refused = await cli(['lock', '--config', '.mcp.json']);
    expect(refused.code).toBe(1);
    const memory = liveDigestOf(refused.stderr, 'memory');
    const everything = liveDigestOf(refused.stderr, 'everything');
    expect(memory).not.toBe(everything);
    // The refusal prints the flags that approve exactly this.
    expect(refused.stderr).toContain(`--approve ${everything} --approve ${memory}`);

    const wrong = await cli(['lock', '--config', '.mcp.json', '--approve', `sha256:${'0'.repeat(64)}`]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain(`not approved: server "everything" (live ${everything}), server "memory" (live ${memory})`);
    expect(lockText()).toBe(before);

    const one = await cli(['lock', '--config', '.mcp.json', '--approve', memory]);
    expect(one.code).toBe(1);
    expect(one.stderr).toMatch(/^refused: not approved: server "everything" \(live sha256:[0-9a-f]{64}\); nothing written/);
    expect(one.stderr).toContain(`server "memory": locked `);
    expect(one.stderr).toMatch(/server "memory": locked sha256:[0-9a-f]{64} → live sha256:[0-9a-f]{64} approved\n/);
    expect(lockText()).toBe(before);

    const json = await cli(['lock', '--config', '.mcp.json', '--approve', memory, '--format', 'json']);
    expect(json.code).toBe(1);
    const doc = JSON.parse(json.stdout);
    expect(doc).toMatchObject({ written: false, drift: true, summary: { changes: 2 } });
    expect(doc.servers).toEqual([
      { server: 'everything', change: 'modified', lockedDigest: expect.stringMatching(/^sha256:/), liveDigest: everything, approved: false },
      { server: 'memory', change: 'modified', lockedDigest: expect.stringMatching(/^sha256:/), liveDigest: memory, approved: true },
    ]);
    expect(lockText()).toBe(before);

    const both = await cli(['lock', '--config', '.mcp.json', '--approve', memory, '--approve', everything]);
    expect(both.code, both.stderr).toBe(0);
    const lock = parseLockfile(lockText());
    expect(approvalDigest(lock.servers.memory!)).toBe(memory);
    expect(approvalDigest(lock.servers.everything!)).toBe(everything);
  }, 90_000);

  it('the digests lock asks for are the ones diff (every format) and check print', async () => {
    writeConfig({ memoryArgs: ['--third-flag'], everythingArgs: ['stdio'] });
    const refused = await cli(['lock', '--config', '.mcp.json', '--server', 'memory']);
    expect(refused.code).toBe(1);
    const live = liveDigestOf(refused.stderr, 'memory');
    const locked = approvalDigest(parseLockfile(lockText()).servers.memory!);
    const args = ['--config', '.mcp.json', '--server', 'memory'];

    const json = JSON.parse((await cli(['diff', ...args, '--format', 'json'])).stdout);
    expect(json.servers).toEqual([{ server: 'memory', change: 'modified', lockedDigest: locked, liveDigest: live }]);
    expect((await cli(['diff', ...args])).stdout).toContain(`\nmemory\n  locked ${locked} → live ${live}\n`);
    expect((await cli(['diff', ...args, '--format', 'markdown'])).stdout).toContain(`- live: \`${live}\` (approve with \`mcptrust lock --approve ${live}\`)`);
    const sarif = JSON.parse((await cli(['diff', ...args, '--format', 'sarif'])).stdout);
    expect(sarif.runs[0].results[0].properties).toMatchObject({ server: 'memory', lockedDigest: locked, liveDigest: live });

    const check = await cli(['check', ...args, '--format', 'json']);
    expect(check.code).toBe(1);
    expect(JSON.parse(check.stdout).drift.servers).toEqual([{ server: 'memory', change: 'modified', lockedDigest: locked, liveDigest: live }]);
    expect((await cli(['check', ...args])).stdout).toContain(`memory: locked ${locked} → live ${live}`);
    expect((await cli(['check', ...args, '--format', 'junit'])).stdout).toContain(`memory: locked ${locked} → live ${live}`);
  }, 90_000);

  it('bad --approve values and --approve with --force are usage errors (exit 2)', async () => {
    for (const argv of [['--approve', 'sha256:abc'], ['--approve', `SHA256:${'a'.repeat(64)}`], ['--approve', `sha256:${'a'.repeat(64)}`, '--force']]) {
      const r = await cli(['lock', '--config', '.mcp.json', ...argv]);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr, argv.join(' ')).toMatch(/^error: (--approve #1 must be a server digest|give --approve DIGEST \(exactly what was reviewed\) or --force)/);
      expect(r.stdout).toBe('');
    }
  });

  it('with no lockfile yet, --approve judges every server as new', async () => {
    const first = await cli(['lock', '--config', '.mcp.json', '--server', 'memory', '-o', 'first.json', '--approve', `sha256:${'1'.repeat(64)}`]);
    expect(first.code).toBe(1);
    expect(first.stderr).toMatch(/high +\+ memory: server added: new server, not in the approved lockfile/);
    const digest = liveDigestOf(first.stderr, 'memory');
    const ok = await cli(['lock', '--config', '.mcp.json', '--server', 'memory', '-o', 'first.json', '--approve', digest]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(approvalDigest(parseLockfile(readFileSync(join(scratch.dir, 'first.json'), 'utf8')).servers.memory!)).toBe(digest);
  }, 60_000);
});
