// A lockfile whose artifact is `local` but whose launch line is an npx line (an unsigned lock
// edited by hand, or a shared one tampered with): run verified the pinned local files and then
// ran the npx line, which fetches and runs whatever the registry serves — nothing of it pinned.
// run must refuse (exit 1) before anything starts when the launch kind and the artifact type
// differ. A fake `npx` on PATH writes a marker: it is never written.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { digestFile } from '../../src/artifact/local.js';
import type { ArtifactPin } from '../../src/artifact/types.js';
import { createLockfile, serializeLockfile } from '../../src/lockfile/build.js';
import type { LockedServer } from '../../src/lockfile/types.js';
import { repoRoot, runCli, tempDir } from '../helpers/cli.js';

let root: ReturnType<typeof tempDir>;
let bin: string;
let marker: string;
beforeEach(() => {
  root = tempDir('mcptrust-run-kind-');
  bin = join(root.dir, 'bin');
  mkdirSync(bin);
  marker = join(root.dir, 'npx-ran');
  writeFileSync(join(bin, 'npx'), `#!/bin/sh\necho ran > ${JSON.stringify(marker)}\n`);
  chmodSync(join(bin, 'npx'), 0o755);
  writeFileSync(join(root.dir, 'server.mjs'), readFileSync(join(repoRoot, 'testdata', 'npm-registry', 'mcp-server.mjs')));
});
afterEach(() => root.cleanup());

function writeLock(artifact: ArtifactPin, transport: { command: string; args: string[] }): void {
  const server: LockedServer = {
    name: 'srv',
    transport: { type: 'stdio', command: transport.command, args: transport.args, env: [] },
    surface: {
      identity: { serverInfo: { name: 'npm-fixture', version: '1.0.0' }, protocolVersion: '2025-06-18', capabilities: { tools: {} } },
      tools: Object.create(null),
      prompts: Object.create(null),
      resources: Object.create(null),
      resourceTemplates: Object.create(null),
    },
  };
  server.artifact = artifact;
  writeFileSync(join(root.dir, 'mcp-lock.json'), serializeLockfile(createLockfile([server])));
}

const run = (...argv: string[]) => runCli(['run', ...argv], { cwd: root.dir, env: { PATH: `${bin}:${process.env.PATH}`, HOME: root.dir } });

async function localPin(): Promise<ArtifactPin> {
  const integrity = await digestFile(join(root.dir, 'server.mjs'), 'server.mjs');
  return { type: 'local', spec: './server.mjs', integrity, files: [{ path: './server.mjs', integrity }] };
}

it.skipIf(process.platform === 'win32')('a local artifact with an npx launch line is refused (exit 1) and npx never starts', async () => {
  writeLock(await localPin(), { command: 'npx', args: ['-y', 'some-server'] });
  for (const argv of [[], ['--dry-run']]) {
    const r = await run(...argv);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/pins local files but its launch line is not a local launch \(npm launch\)/);
    expect(r.stdout).toBe('');
    expect(existsSync(marker)).toBe(false);
  }
});

it.skipIf(process.platform === 'win32')('a local artifact with a launch line this version cannot read is refused too', async () => {
  writeLock(await localPin(), { command: 'env', args: ['npx', '-y', 'some-server'] });
  const r = await run();
  expect(r.code, r.stderr).toBe(1);
  expect(r.stderr).toMatch(/is not a local launch \(env npx: not a launch form this version pins\)/);
  expect(existsSync(marker)).toBe(false);
});

it.skipIf(process.platform === 'win32')('the matching local line still starts (dry run): the check refuses only a mismatch', async () => {
  writeLock(await localPin(), { command: process.execPath, args: ['./server.mjs'] });
  const r = await run('--dry-run');
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout).toMatch(/1 local file\(s\) verified/);
});
