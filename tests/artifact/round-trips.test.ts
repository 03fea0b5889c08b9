// Issue 10's performance target, as a count: pinning a server adds at most one registry round
// trip to what its launch (`npx -y <pkg>`, a real npx on npm's cache) costs on its own.
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
});
afterAll(async () => {
  await registry.close();
  for (const d of dirs) d.cleanup();
});

/** Starts `npx -y fx-rt-server` on a HOME and waits for its answer to initialize. */
async function launch(home: string): Promise<void> {
  const child = spawn('npx', ['-y', 'fx-rt-server'], { cwd: home, env: npmEnv(registry.url, home), stdio: ['pipe', 'pipe', 'pipe'] });
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
  it('pin + launch costs at most one request more than the launch alone (fresh npm cache each)', async () => {
    let start = registry.requests.length;
    await launch(fresh());
    const alone = registry.requests.slice(start);

    const home = fresh();
    start = registry.requests.length;
    const pin = await pinLaunch({ command: 'npx', args: ['-y', 'fx-rt-server'] }, { cwd: home, lockDir: home, env: npmEnv(registry.url, home) });
    expect(pin).toMatchObject({ type: 'npm', version: '1.0.0' });
    await launch(home);
    const pinned = registry.requests.slice(start);

    expect(alone.filter((r) => r.endsWith('.tgz'))).toHaveLength(3);
    expect(pinned.length - alone.length, `alone: ${alone.join(', ')}\npinned: ${pinned.join(', ')}`).toBeLessThanOrEqual(1);
  });
});
