// `npx pkg` where the project already has `pkg` installed: npx runs the local install, so that is
// what is pinned, from npm's install record, and no registry is asked (npm's rule: see
// src/artifact/local-npm.ts). A loopback registry that records every request stands in for the
// registry: it must never be asked.
import { createServer, type Server } from 'node:http';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pinLaunch } from '../../src/artifact/index.js';
import { LOCAL_INSTALL_NOTE } from '../../src/artifact/local-npm.js';
import { repoRoot, runCli, tempDir } from '../helpers/cli.js';

const installed = JSON.parse(readFileSync(join(repoRoot, 'node_modules', '.package-lock.json'), 'utf8')).packages as Record<string, { version: string; integrity: string }>;
const everything = installed['node_modules/@modelcontextprotocol/server-everything']!;

let registry: Server;
let registryUrl: string;
const asked: string[] = [];
let scratch: ReturnType<typeof tempDir>;
beforeAll(async () => {
  scratch = tempDir('mcptrust-pin-installed-');
  registry = createServer((req, res) => {
    asked.push(`${req.method} ${req.url}`);
    res.writeHead(500).end();
  });
  await new Promise<void>((resolve) => registry.listen(0, '127.0.0.1', resolve));
  registryUrl = `http://127.0.0.1:${(registry.address() as AddressInfo).port}/`;
});
afterAll(async () => {
  await new Promise((resolve) => registry.close(resolve));
  scratch.cleanup();
});

const env = () => ({
  PATH: process.env.PATH,
  HOME: scratch.dir,
  npm_config_cache: join(scratch.dir, 'npm-cache'),
  npm_config_registry: registryUrl,
  npm_config_update_notifier: 'false',
});

describe('lock -- npx -y pkg, with pkg installed in the project', () => {
  it('pins the installed version and integrity and its installed tree, asking no registry; check passes', async () => {
    const out = join(scratch.dir, 'everything', 'mcp-lock.json');
    mkdirSync(join(scratch.dir, 'everything'));
    const locked = await runCli(['lock', '-o', out, '--', 'npx', '-y', '@modelcontextprotocol/server-everything'], { cwd: repoRoot, env: env() });
    expect(locked.code, locked.stderr).toBe(0);
    const artifact = JSON.parse(readFileSync(out, 'utf8')).servers['mcp-servers/everything'].artifact;
    expect(artifact).toMatchObject({
      type: 'npm',
      spec: '@modelcontextprotocol/server-everything',
      name: '@modelcontextprotocol/server-everything',
      version: everything.version,
      integrity: everything.integrity,
      note: LOCAL_INSTALL_NOTE,
    });
    // The tree: the package itself and what it loads, each as npm recorded it at install.
    const deps = artifact.dependencies as { path: string; name: string; version: string; integrity: string }[];
    expect(deps.find((d) => d.path === 'node_modules/@modelcontextprotocol/server-everything')).toEqual({ path: 'node_modules/@modelcontextprotocol/server-everything', name: '@modelcontextprotocol/server-everything', version: everything.version, integrity: everything.integrity });
    expect(deps.length).toBeGreaterThan(10);
    for (const d of deps) expect(d).toEqual({ ...d, version: installed[d.path]!.version, integrity: installed[d.path]!.integrity });
    expect(deps.map((d) => d.path)).toContain('node_modules/@modelcontextprotocol/sdk');
    expect(deps.map((d) => d.path)).not.toContain('node_modules/vitest');
    expect(asked).toEqual([]);

    const checked = await runCli(['check', '--lock', out, '--', 'npx', '-y', '@modelcontextprotocol/server-everything'], { cwd: repoRoot, env: env() });
    expect(checked.code, checked.stdout + checked.stderr).toBe(0);
    expect(asked).toEqual([]);
  }, 180_000);
});

describe('pinning a local install (fixture projects)', () => {
  const project = (files: Record<string, string>) => {
    const dir = join(scratch.dir, `p-${Math.random().toString(36).slice(2)}`);
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    return dir;
  };
  const integrity = `sha512-${Buffer.alloc(64, 7).toString('base64')}`;
  const pin = (cwd: string, args: string[]) => pinLaunch({ command: 'npx', args }, { cwd, lockDir: cwd, env: env() });

  it('a package npm recorded without an integrity is unpinned with a note, never given registry bytes', async () => {
    const dir = project({
      'package.json': JSON.stringify({ name: 'proj', version: '1.0.0', dependencies: { 'mcp-thing': '1.0.0' } }),
      'node_modules/mcp-thing/package.json': JSON.stringify({ name: 'mcp-thing', version: '1.0.0', bin: { 'mcp-thing': 'index.js' } }),
      'node_modules/mcp-thing/index.js': '',
    });
    const result = await pin(join(dir), ['-y', 'mcp-thing@1.0.0']);
    expect(result).toEqual({ type: 'unpinned', spec: 'mcp-thing@1.0.0', note: 'runs a local install: npm recorded no integrity for mcp-thing@1.0.0; not pinned' });
    expect(asked).toEqual([]);
  });

  it('a bin of that name in a node_modules/.bin above the project runs instead: unpinned, naming it', async () => {
    const dir = project({
      'node_modules/.bin/mcp-thing': '#!/bin/sh\n',
      'proj/package.json': JSON.stringify({ name: 'proj', version: '1.0.0' }),
    });
    const result = await pin(join(dir, 'proj'), ['-y', 'mcp-thing']);
    expect(result).toEqual({ type: 'unpinned', spec: 'mcp-thing', note: 'runs a local install: the bin node_modules/.bin/mcp-thing of a folder above the project; not pinned' });
    expect(asked).toEqual([]);
  });

  it("the integrity comes from the project's package-lock.json when node_modules has no install record; a version the range excludes goes to the registry", async () => {
    const dir = project({
      'package.json': JSON.stringify({ name: 'proj', version: '1.0.0', dependencies: { 'mcp-thing': '^1.0.0' } }),
      'package-lock.json': JSON.stringify({ lockfileVersion: 3, packages: { '': { name: 'proj' }, 'node_modules/mcp-thing': { version: '1.2.0', integrity } } }),
      'node_modules/mcp-thing/package.json': JSON.stringify({ name: 'mcp-thing', version: '1.2.0' }),
      'sub/dir/.keep': '',
    });
    // From a folder below the project (npm walks up to the folder with package.json).
    const result = await pin(join(dir, 'sub', 'dir'), ['-y', 'mcp-thing@^1.1']);
    expect(result).toEqual({
      type: 'npm',
      spec: 'mcp-thing@^1.1',
      name: 'mcp-thing',
      version: '1.2.0',
      integrity,
      dependencies: [{ path: 'node_modules/mcp-thing', name: 'mcp-thing', version: '1.2.0', integrity }],
      note: LOCAL_INSTALL_NOTE,
    });
    expect(asked).toEqual([]);
    await expect(pin(dir, ['-y', 'mcp-thing@2'])).rejects.toMatchObject({ kind: 'server' });
    expect(asked.length).toBeGreaterThan(0);
    asked.length = 0;
  });
});
