// Issue 10's performance target, as a count: pinning a server adds one registry round trip to
// what its launch (`npx -y <pkg>`, a real npx on npm's cache) costs on its own — its package
// document, asked fresh — whichever of the two runs first (lock runs them side by side); a
// package whose registry announces attestations costs one more, the attestations document.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pinLaunch } from '../../src/artifact/index.js';
import { repoRoot, tempDir } from '../helpers/cli.js';
import { npmEnv, startNpmRegistry, type NpmRegistryFixture } from '../helpers/npm-registry.js';

const serverSource = readFileSync(join(repoRoot, 'testdata', 'npm-registry', 'mcp-server.mjs'), 'utf8');
let registry: NpmRegistryFixture;
const dirs: ReturnType<typeof tempDir>[] = [];

beforeAll(async () => {
  registry = await startNpmRegistry();
  registry.publish({ name: 'fx-leaf', version: '1.0.0', files: { 'index.js': 'module.exports = 1;\n' } });
  registry.publish({ name: 'fx-mid', version: '1.0.0', files: { 'index.js': 'module.exports = 2;\n' }, dependencies: { 'fx-leaf': '^1.0.0' } });
  registry.publish({ name: 'fx-rt-server', version: '1.0.0', files: { 'server.mjs': serverSource }, bin: { 'fx-rt-server': 'server.mjs' }, dependencies: { 'fx-mid': '^1.0.0', 'fx-leaf': '^1.0.0' } });
  registry.publish({ name: 'fx-rt-attested', version: '1.0.0', files: { 'server.mjs': serverSource }, bin: { 'fx-rt-attested': 'server.mjs' }, dependencies: { 'fx-mid': '^1.0.0', 'fx-leaf': '^1.0.0' } });
  // Announced, but no valid bundle: recorded as unverified; the count is what is asserted here.
  registry.attestations('fx-rt-attested', '1.0.0', { attestations: [{ predicateType: 'https://slsa.dev/provenance/v1', bundle: {} }] });
});
afterAll(async () => {
  await registry.close();
  for (const d of dirs) d.cleanup();
});

/** Starts `npx -y fx-rt-server` on a HOME and waits for its answer to initialize. */
async function launch(home: string, pkg = 'fx-rt-server'): Promise<void> {
  const child = spawn('npx', ['-y', pkg], { cwd: home, env: npmEnv(registry.url, home), stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c) => (stderr += c));
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (c: Buffer) => c.includes('\n') && resolve());
      child.on('exit', (code) => reject(new Error(`npx exited ${code}: ${stderr}`)));
      child.stdin.write(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } }) + '\n');
    });
  } finally {
    child.kill();
  }
}

const fresh = () => {
  const d = tempDir('mcptrust-rt-');
  dirs.push(d);
  return d.dir;
};

describe('registry round trips', () => {
  const pin = (home: string, pkg = 'fx-rt-server') => pinLaunch({ command: 'npx', args: ['-y', pkg] }, { cwd: home, lockDir: home, env: npmEnv(registry.url, home) });
  const shown = (alone: string[], pinned: string[]) => `alone: ${alone.join(', ')}\npinned: ${pinned.join(', ')}`;

  it('pin, then launch: exactly one request more than the launch alone (fresh npm cache each)', async () => {
    let start = registry.requests.length;
    await launch(fresh());
    const alone = registry.requests.slice(start);

    const home = fresh();
    start = registry.requests.length;
    expect(await pin(home)).toMatchObject({ type: 'npm', version: '1.0.0' });
    await launch(home);
    const pinned = registry.requests.slice(start);

    expect(alone.filter((r) => r.endsWith('.tgz'))).toHaveLength(3);
    expect(pinned.length - alone.length, shown(alone, pinned)).toBe(1);
  });

  it('launch, then pin: the pin reads the tarball the launch cached and asks only the package document', async () => {
    const home = fresh();
    await launch(home);
    const start = registry.requests.length;
    expect(await pin(home)).toMatchObject({ type: 'npm', version: '1.0.0' });
    expect(registry.requests.slice(start)).toEqual(['GET /fx-rt-server']);
  });

  it('a re-published version whose older tarball is in npm cache is fetched again, not refused', async () => {
    const home = fresh();
    registry.publish({ name: 'fx-rt-again', version: '1.0.0', files: { 'index.js': 'module.exports = 1;\n' } });
    expect(await pin(home, 'fx-rt-again')).toMatchObject({ type: 'npm' });
    const again = registry.republish({ name: 'fx-rt-again', version: '1.0.0', files: { 'index.js': 'module.exports = 1;\n' } });
    const start = registry.requests.length;
    expect(await pin(home, 'fx-rt-again')).toMatchObject({ type: 'npm', integrity: again.integrity });
    // The cached copy does not match the new integrity: the tarball is asked again.
    expect(registry.requests.slice(start)).toEqual(['GET /fx-rt-again', 'GET /fx-rt-again/-/fx-rt-again-1.0.0.tgz']);
  });

  it('a package that announces attestations: exactly two more (its document and its attestations)', async () => {
    let start = registry.requests.length;
    await launch(fresh(), 'fx-rt-attested');
    const alone = registry.requests.slice(start);

    const home = fresh();
    start = registry.requests.length;
    expect(await pin(home, 'fx-rt-attested')).toMatchObject({ type: 'npm', provenance: { verified: false } });
    await launch(home, 'fx-rt-attested');
    const pinned = registry.requests.slice(start);

    expect(pinned.length - alone.length, shown(alone, pinned)).toBe(2);
    expect(pinned.filter((r) => r.startsWith('GET /-/npm/v1/attestations/'))).toEqual(['GET /-/npm/v1/attestations/fx-rt-attested@1.0.0']);
  });
});
