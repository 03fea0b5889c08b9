// The loopback npm registry fixture is real enough for npm's own libraries and for npx: pacote
// resolves and extracts from it, and `npx -y <pkg>` (private HOME and cache) starts the bin it
// serves as an MCP server.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pacote from 'pacote';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, tempDir } from '../helpers/cli.js';
import { npmEnv, startNpmRegistry, type NpmRegistryFixture } from '../helpers/npm-registry.js';

const serverSource = readFileSync(join(repoRoot, 'testdata', 'npm-registry', 'mcp-server.mjs'), 'utf8');

let registry: NpmRegistryFixture;
let home: ReturnType<typeof tempDir>;

beforeAll(async () => {
  registry = await startNpmRegistry();
  home = tempDir('mcptrust-npmreg-');
});
afterAll(async () => {
  await registry.close();
  home.cleanup();
});

const pkg = (name: string, version: string, extra: object = {}) => ({
  name,
  version,
  files: { 'server.mjs': serverSource },
  bin: { [name.replace(/^@[^/]+\//, '')]: 'server.mjs' },
  ...extra,
});

describe('loopback npm registry fixture', () => {
  it('serves a packument and a tarball pacote resolves and verifies', async () => {
    const published = registry.publish(pkg('@fx/good', '1.0.0'));
    const opts = { registry: registry.url, cache: join(home.dir, 'pacote-cache'), fullMetadata: false };
    const manifest = await pacote.manifest('@fx/good@^1', opts);
    expect(manifest.version).toBe('1.0.0');
    expect(manifest._integrity).toBe(published.integrity);
    const dest = join(home.dir, 'extract');
    await pacote.extract('@fx/good@1.0.0', dest, opts);
    expect(readFileSync(join(dest, 'server.mjs'), 'utf8')).toBe(serverSource);
    expect(JSON.parse(readFileSync(join(dest, 'package.json'), 'utf8')).name).toBe('@fx/good');
    expect(registry.requests).toContain('GET /@fx/good');
  });

  it('republish changes the bytes of the same version; dist-tags move', async () => {
    const first = registry.publish(pkg('fx-tags', '1.0.0'));
    const again = registry.republish(pkg('fx-tags', '1.0.0'));
    expect(again.integrity).not.toBe(first.integrity);
    registry.publish(pkg('fx-tags', '2.0.0'), { tag: 'next' });
    const doc = registry.packument('fx-tags') as { 'dist-tags': Record<string, string> };
    expect(doc['dist-tags']).toEqual({ latest: '1.0.0', next: '2.0.0' });
  });

  it('corruptIntegrity makes pacote refuse the tarball', async () => {
    registry.publish(pkg('fx-corrupt', '1.0.0'));
    registry.corruptIntegrity('fx-corrupt', '1.0.0');
    const opts = { registry: registry.url, cache: join(home.dir, 'pacote-cache-2') };
    await expect(pacote.tarball('fx-corrupt@1.0.0', opts)).rejects.toMatchObject({ code: 'EINTEGRITY' });
  });

  it('serves attestations on the registry path', async () => {
    registry.attestations('fx-tags', '1.0.0', { attestations: [] });
    const res = await fetch(new URL('-/npm/v1/attestations/fx-tags@1.0.0', registry.url));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ attestations: [] });
  });

  it('a real `npx -y` installs the package and starts its bin as an MCP server', async () => {
    registry.publish(pkg('fx-npx-server', '1.0.0', { dependencies: { 'fx-dep': '^1.0.0' } }));
    registry.publish({ name: 'fx-dep', version: '1.2.0', files: { 'index.js': 'module.exports = 1;\n' } });
    const marker = join(home.dir, 'marker');
    const env = npmEnv(registry.url, home.dir, { FIXTURE_MARKER: marker });
    const child = spawn('npx', ['-y', 'fx-npx-server'], { cwd: home.dir, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    const answered = new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (c) => {
        stdout += c;
        if (stdout.includes('\n')) resolve(stdout.slice(0, stdout.indexOf('\n')));
      });
      child.on('exit', (code) => reject(new Error(`npx exited ${code}: ${stderr}`)));
    });
    child.stdin.write(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } }) + '\n');
    try {
      const line = await answered;
      expect(JSON.parse(line).result.serverInfo.name).toBe('npm-fixture');
      expect(existsSync(marker)).toBe(true);
      expect(registry.requests).toContain('GET /fx-npx-server/-/fx-npx-server-1.0.0.tgz');
      expect(registry.requests).toContain('GET /fx-dep/-/fx-dep-1.2.0.tgz');
    } finally {
      child.kill();
    }
  });
});
