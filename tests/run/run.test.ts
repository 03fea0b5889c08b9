// `mcptrust run` starts a locked server only from its pinned bytes, against the loopback npm
// registry: an MCP client talks to the server through it; every mismatch (re-published
// version, corrupted integrity, unsafe tarball, unpinned or unsigned lock, changed local
// script) stops it before any code of the package runs — the package's bin and its install
// script both write a marker file, and the marker is never written.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pinLaunch } from '../../src/artifact/index.js';
import type { ArtifactPin } from '../../src/artifact/types.js';
import type { JsonObject } from '../../src/canonical/index.js';
import { randomBytes } from 'node:crypto';
import { encodePublicKeyPem, privateKeyFromSeed } from '../../src/crypto/keys.js';
import { createLockfile, serializeLockfile } from '../../src/lockfile/build.js';
import { signLockfile, serializeSignatureEnvelope } from '../../src/lockfile/signature.js';
import type { LockedServer } from '../../src/lockfile/types.js';
import { builtCli, repoRoot, runCli, tempDir } from '../helpers/cli.js';
import { npmEnv, startNpmRegistry, type NpmRegistryFixture } from '../helpers/npm-registry.js';
import { rawTarball, serveRaw } from './evil-tarball.js';

// The fixture server of testdata/npm-registry, taught tools/call (echo) and to write its pid
// next to its marker, so a test can see the very process that ran and that it is gone.
const fixture = readFileSync(join(repoRoot, 'testdata', 'npm-registry', 'mcp-server.mjs'), 'utf8');
const serverSource = fixture
  .replace(
    "if (process.env.FIXTURE_MARKER) writeFileSync(process.env.FIXTURE_MARKER, 'started\\n');",
    "if (process.env.FIXTURE_MARKER) writeFileSync(process.env.FIXTURE_MARKER, `started ${process.pid}\\n`);",
  )
  .replace(
    '  } else {\n    send({ id: request.id, error',
    "  } else if (request.method === 'tools/call') {\n    send({ id: request.id, result: { content: [{ type: 'text', text: `echo: ${request.params.arguments.text}` }] } });\n  } else {\n    send({ id: request.id, error",
  );

let registry: NpmRegistryFixture;
let work: ReturnType<typeof tempDir>;
let n = 0;

beforeAll(async () => {
  expect(serverSource).toContain('tools/call');
  expect(serverSource).toContain('process.pid');
  registry = await startNpmRegistry();
  work = tempDir('mcptrust-run-');
});
afterAll(async () => {
  await registry.close();
  work.cleanup();
});

interface Case {
  dir: string;
  home: string;
  marker: string;
  installMarker: string;
  env: Record<string, string>;
}

function newCase(): Case {
  const dir = join(work.dir, `case-${++n}`);
  const home = join(dir, 'home');
  mkdirSync(home, { recursive: true });
  const marker = join(dir, 'server-ran');
  const installMarker = join(dir, 'install-script-ran');
  return { dir, home, marker, installMarker, env: { ...npmEnv(registry.url, home), FIXTURE_MARKER: marker } };
}

/** Publishes `name` (bin + an install script that writes the install marker) with one dependency; returns its pin. */
function publishPackage(c: Case, name: string): ArtifactPin {
  const dep = registry.publish({ name: `${name}-dep`, version: '2.0.0', files: { 'index.js': 'module.exports = 1;\n' } });
  // The install script is a file of the package (no shell quoting to get wrong): run by hand in
  // the package folder, `node install-marker.cjs` writes the marker, so "no install script ran"
  // can fail.
  const script = 'node install-marker.cjs';
  const main = registry.publish({
    name,
    version: '1.0.0',
    files: { 'server.mjs': serverSource, 'install-marker.cjs': `require('fs').writeFileSync(${JSON.stringify(c.installMarker)}, 'x');\n` },
    bin: { [name]: 'server.mjs' },
    dependencies: { [`${name}-dep`]: '^2.0.0' },
    scripts: { preinstall: script, install: script, postinstall: script },
  });
  return {
    type: 'npm',
    spec: name,
    name,
    version: '1.0.0',
    integrity: main.integrity,
    dependencies: [
      { path: `node_modules/${name}`, name, version: '1.0.0', integrity: main.integrity },
      { path: `node_modules/${name}-dep`, name: `${name}-dep`, version: '2.0.0', integrity: dep.integrity },
    ],
  };
}

/** Writes a one-server lockfile (`srv`) into the case folder, with the given launch and artifact. */
function writeLock(c: Case, artifact: ArtifactPin | undefined, transport: { command: string; args: string[]; env?: string[] }): string {
  const tools = Object.create(null) as Record<string, JsonObject>;
  tools.echo = { name: 'echo', description: 'Echo the text.', inputSchema: { type: 'object', properties: { text: { type: 'string' } } } };
  const server: LockedServer = {
    name: 'srv',
    transport: { type: 'stdio', command: transport.command, args: transport.args, env: transport.env ?? ['FIXTURE_MARKER'] },
    surface: {
      identity: { serverInfo: { name: 'npm-fixture', version: '1.0.0' }, protocolVersion: '2025-06-18', capabilities: { tools: {} } },
      tools,
      prompts: Object.create(null),
      resources: Object.create(null),
      resourceTemplates: Object.create(null),
    },
  };
  if (artifact) server.artifact = artifact;
  const path = join(c.dir, 'mcp-lock.json');
  writeFileSync(path, serializeLockfile(createLockfile([server])));
  return path;
}

const run = (c: Case, ...argv: string[]) => runCli(['run', ...argv], { cwd: c.dir, env: c.env });

function expectNothingRan(c: Case): void {
  expect(existsSync(c.marker)).toBe(false);
  expect(existsSync(c.installMarker)).toBe(false);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('mcptrust run (npm)', () => {
  it('starts the pinned package and an MCP client lists and calls its tool through it; no install script runs', async () => {
    const c = newCase();
    const pin = publishPackage(c, 'fx-run-good');
    writeLock(c, pin, { command: 'npx', args: ['-y', 'fx-run-good'] });
    const transport = new StdioClientTransport({ command: process.execPath, args: [builtCli, 'run', '--server', 'srv'], cwd: c.dir, env: c.env, stderr: 'pipe' });
    const client = new Client({ name: 'run-test', version: '1.0.0' });
    await client.connect(transport);
    try {
      const tools = await client.listTools();
      expect(tools.tools.map((t) => t.name)).toEqual(['echo']);
      const result = await client.callTool({ name: 'echo', arguments: { text: 'hi' } });
      expect(result.content).toEqual([{ type: 'text', text: 'echo: hi' }]);
    } finally {
      await client.close();
    }
    expect(readFileSync(c.marker, 'utf8')).toMatch(/^started \d+\n$/);
    expect(existsSync(c.installMarker)).toBe(false);
  });

  it('ends when its standard input ends, with the server exit code, leaving no process behind; a second start reuses the verified install', async () => {
    const c = newCase();
    const pin = publishPackage(c, 'fx-run-eof');
    writeLock(c, pin, { command: 'npx', args: ['-y', 'fx-run-eof'] });
    await run(c, '--dry-run'); // installs
    const asked = registry.requests.length;
    const child = spawn(process.execPath, [builtCli, 'run'], { cwd: c.dir, env: c.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } })}\n`);
    await new Promise<void>((resolve) => child.stdout.on('data', () => stdout.includes('\n') && resolve()));
    expect(JSON.parse(stdout.split('\n')[0]!)).toMatchObject({ id: 1, result: { serverInfo: { name: 'npm-fixture' } } });
    child.stdin.end();
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const pid = Number(/started (\d+)/.exec(readFileSync(c.marker, 'utf8'))![1]);
    expect(pidAlive(pid)).toBe(false);
    expect(registry.requests.length).toBe(asked);
  });

  it('starts from the pin that the lock resolver (pinLaunch) records for the same launch', async () => {
    const c = newCase();
    publishPackage(c, 'fx-run-resolved');
    const pin = await pinLaunch({ command: 'npx', args: ['-y', 'fx-run-resolved@^1'] }, { cwd: c.dir, lockDir: c.dir, env: c.env });
    expect(pin).toMatchObject({ type: 'npm', name: 'fx-run-resolved', version: '1.0.0' });
    writeLock(c, pin, { command: 'npx', args: ['-y', 'fx-run-resolved@^1', '--port', '1'] });
    const result = await run(c, '--dry-run', '--format', 'json');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as { packages: number; command: string[] };
    expect(report.packages).toBe(2);
    expect(report.command.slice(-3)).toEqual([join(JSON.parse(result.stdout).dir, 'node_modules', 'fx-run-resolved', 'server.mjs'), '--port', '1']);
    expectNothingRan(c);
  });

  it('starts what `mcptrust lock -- npx -y pkg` pinned, end to end', async () => {
    const c = newCase();
    registry.publish({ name: 'fx-run-e2e', version: '1.0.0', files: { 'server.mjs': serverSource }, bin: { 'fx-run-e2e': 'server.mjs' } });
    // npx (started by lock) sees only the loopback registry and private folders, as the server's declared env.
    const npmFlags = ['npm_config_registry', 'npm_config_cache', 'npm_config_userconfig', 'npm_config_globalconfig', 'npm_config_update_notifier'].flatMap((k) => ['--env', `${k}=${c.env[k]}`]);
    const locked = await runCli(['lock', ...npmFlags, '--env', `FIXTURE_MARKER=${join(c.dir, 'lock-ran')}`, '--', 'npx', '-y', 'fx-run-e2e'], { cwd: c.dir, env: c.env });
    expect(locked.stderr).toBe('');
    expect(locked.code).toBe(0);
    const pinned = JSON.parse(readFileSync(join(c.dir, 'mcp-lock.json'), 'utf8')) as { servers: Record<string, { artifact: ArtifactPin }> };
    const [name, server] = Object.entries(pinned.servers)[0]!;
    expect(server.artifact).toMatchObject({ type: 'npm', name: 'fx-run-e2e', version: '1.0.0' });
    const result = await run(c, '--server', name, '--dry-run', '--format', 'json');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ verified: true, started: false, package: 'fx-run-e2e@1.0.0' });
    expectNothingRan(c);
  });

  it('expands ${VAR} in the recorded arguments as lock does, and never prints the value', async () => {
    const c = newCase();
    const pin = publishPackage(c, 'fx-run-vars');
    writeLock(c, pin, { command: 'npx', args: ['-y', 'fx-run-vars', '--token=${FX_TOKEN}'] });
    const unset = await run(c, '--dry-run');
    expect(unset.code).toBe(2);
    expect(unset.stderr).toContain('${FX_TOKEN}');
    const result = await runCli(['run', '--dry-run'], { cwd: c.dir, env: { ...c.env, FX_TOKEN: 'sk-very-secret-value' } });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('--token=[REDACTED]');
    expect(result.stdout + result.stderr).not.toContain('sk-very-secret-value');
  });

  it('--dry-run verifies and installs, prints what would start, and starts nothing', async () => {
    const c = newCase();
    const pin = publishPackage(c, 'fx-run-dry');
    writeLock(c, pin, { command: 'npx', args: ['-y', 'fx-run-dry', '--flag', 'x'] });
    const result = await run(c, '--dry-run');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('server "srv": fx-run-dry@1.0.0: 2 package(s)');
    expect(result.stdout).toMatch(/would start: .*fx-run-dry[/\\]server\.mjs --flag x\n$/);
    expectNothingRan(c);
    const json = await run(c, '--dry-run', '--format', 'json');
    expect(JSON.parse(json.stdout)).toMatchObject({ verified: true, started: false, server: 'srv', artifact: 'npm', packages: 2, reused: true });
  });

  it('refuses a version re-published with other bytes, before any code runs (exit 1)', async () => {
    const c = newCase();
    const pin = publishPackage(c, 'fx-run-repub');
    registry.republish({ name: 'fx-run-repub', version: '1.0.0', files: { 'server.mjs': serverSource }, bin: { 'fx-run-repub': 'server.mjs' } });
    writeLock(c, pin, { command: 'npx', args: ['-y', 'fx-run-repub'] });
    const result = await run(c);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/fx-run-repub@1\.0\.0: the registry serves other bytes than the lock pinned \(integrity mismatch\); nothing was started/);
    expectNothingRan(c);
  });

  it('refuses a tarball that does not match its integrity (exit 1)', async () => {
    const c = newCase();
    const pin = publishPackage(c, 'fx-run-corrupt');
    registry.corruptIntegrity('fx-run-corrupt', '1.0.0');
    writeLock(c, pin, { command: 'npx', args: ['-y', 'fx-run-corrupt'] });
    const result = await run(c);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('integrity mismatch');
    expectNothingRan(c);
  });

  it.each([
    ['a ../ entry', { name: 'package/../../../escape.mjs', data: 'x' }, 'climbs out'],
    ['a symbolic link', { name: 'package/linked.mjs', type: '2', linkname: '/etc/passwd' }, 'symbolic link'],
  ])('refuses a pinned tarball holding %s, before any code runs (exit 1)', async (_what, evil, words) => {
    const c = newCase();
    const name = `fx-run-evil-${n}`;
    const manifest = { name, version: '1.0.0', bin: 'server.mjs', scripts: { postinstall: 'node -e 1' } };
    const integrity = serveRaw(registry, name, '1.0.0', rawTarball([{ name: 'package/package.json', data: JSON.stringify(manifest) }, { name: 'package/server.mjs', data: serverSource, mode: 0o755 }, evil]), manifest);
    writeLock(c, { type: 'npm', spec: name, name, version: '1.0.0', integrity, dependencies: [{ path: `node_modules/${name}`, name, version: '1.0.0', integrity }] }, { command: 'npx', args: ['-y', name] });
    const result = await run(c);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(words);
    expect(result.stderr).toContain('nothing was started');
    expectNothingRan(c);
    expect(existsSync(join(c.home, '.cache', 'escape.mjs'))).toBe(false);
  });

  it('refuses an unpinned lock and a lock without an artifact (exit 1), and pypi/oci artifacts (exit 2)', async () => {
    const c = newCase();
    writeLock(c, { type: 'unpinned', note: 'foo: not a launch form this version pins' }, { command: 'foo', args: ['bar'] });
    const unpinned = await run(c);
    expect(unpinned.code).toBe(1);
    expect(unpinned.stderr).toContain('could not pin what it runs (foo: not a launch form this version pins)');
    writeLock(c, undefined, { command: 'npx', args: ['-y', 'x'] });
    const none = await run(c);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('the lock pins no artifact');
    writeLock(c, { type: 'oci', spec: 'img:1', name: 'img', version: '1', integrity: `sha256:${'a'.repeat(64)}` }, { command: 'docker', args: ['run', '-i', 'img:1'] });
    const oci = await run(c);
    expect(oci.code).toBe(2);
    expect(oci.stderr).toContain('oci artifacts are not supported by run yet');
    expectNothingRan(c);
  });

  it('reports an unreachable registry by its origin (exit 3)', async () => {
    const c = newCase();
    const pin = publishPackage(c, 'fx-run-down');
    writeLock(c, pin, { command: 'npx', args: ['-y', 'fx-run-down'] });
    const result = await runCli(['run'], { cwd: c.dir, env: { ...c.env, npm_config_registry: 'http://127.0.0.1:9/', npm_config_fetch_retries: '0' } });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('from http://127.0.0.1:9:');
    expectNothingRan(c);
  });

  it('with --key: refuses an unsigned lock and a changed one (exit 1); starts a signed one', async () => {
    const c = newCase();
    const pin = publishPackage(c, 'fx-run-signed');
    const lockPath = writeLock(c, pin, { command: 'npx', args: ['-y', 'fx-run-signed'] });
    const key = privateKeyFromSeed(randomBytes(32));
    writeFileSync(join(c.dir, 'k.pub'), encodePublicKeyPem(key.publicKey));
    const unsigned = await run(c, '--key', 'k.pub', '--dry-run');
    expect(unsigned.code).toBe(1);
    expect(unsigned.stderr).toContain('mcp-lock.json is not signed');
    const bytes = readFileSync(lockPath);
    writeFileSync(`${lockPath}.sig`, serializeSignatureEnvelope(signLockfile(bytes, key).envelope));
    const signed = await run(c, '--key', 'k.pub', '--dry-run');
    expect(signed.stderr).toBe('');
    expect(signed.code).toBe(0);
    writeFileSync(lockPath, bytes.toString('utf8').replace('"1.0.0"', '"1.0.0" '));
    const changed = await run(c, '--key', 'k.pub', '--dry-run');
    expect(changed.code).toBe(1);
    expect(changed.stderr).toContain('the signature does not verify');
  });

  it('gives the server the variables the lock declares (from --env or the environment) and only the allow-listed rest', async () => {
    const c = newCase();
    const script = join(c.dir, 'env.mjs');
    const source = "import { writeFileSync } from 'node:fs';\nwriteFileSync(process.env.FIXTURE_MARKER, JSON.stringify(process.env));\n";
    writeFileSync(script, source);
    const { createHash } = await import('node:crypto');
    writeLock(c, { type: 'local', files: [{ path: './env.mjs', integrity: `sha256-${createHash('sha256').update(source).digest('base64')}` }] }, { command: process.execPath, args: ['./env.mjs'], env: ['FIXTURE_MARKER', 'FX_DECLARED'] });
    const missing = await run(c);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('declares the environment variable FX_DECLARED, which is not set');
    const { spawnCli } = await import('../helpers/cli.js');
    const result = await spawnCli(['run', '--env', 'FX_DECLARED=given'], { cwd: c.dir, env: { ...c.env, FX_UNDECLARED: 'leak' } });
    expect(result.code).toBe(0);
    const seen = JSON.parse(readFileSync(c.marker, 'utf8')) as Record<string, string>;
    expect(seen.FX_DECLARED).toBe('given');
    expect(seen.FX_UNDECLARED).toBeUndefined();
    expect(seen.npm_config_registry).toBeUndefined();
  });

  it('refuses bad flags and a server the lock does not hold (exit 2)', async () => {
    const c = newCase();
    writeLock(c, publishPackage(c, 'fx-run-flags'), { command: 'npx', args: ['-y', 'fx-run-flags'] });
    expect((await run(c, '--server', 'nope')).code).toBe(2);
    expect((await run(c, '--format', 'json')).code).toBe(2);
    expect((await run(c, '--env', 'OTHER=1', '--dry-run')).code).toBe(2);
    expect((await run(c, '--bogus')).code).toBe(2);
    expectNothingRan(c);
  });
});

describe('mcptrust run (process)', () => {
  // A local server that starts a grandchild (a long sleep), records both pids, and exits on
  // end of input or on SIGTERM with a code of its own.
  const treeServer = [
    "import { spawn } from 'node:child_process';",
    "import { writeFileSync } from 'node:fs';",
    "const grandchild = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 600000)'], { stdio: 'ignore' });",
    "writeFileSync(process.env.FIXTURE_MARKER, `${process.pid} ${grandchild.pid}\\n`);",
    "process.on('SIGTERM', () => process.exit(42));",
    "process.stdin.on('data', () => {}).on('end', () => process.exit(0));",
  ].join('\n');

  async function startTree(c: Case) {
    const script = join(c.dir, 'tree.mjs');
    writeFileSync(script, treeServer);
    const { createHash } = await import('node:crypto');
    writeLock(c, { type: 'local', files: [{ path: './tree.mjs', integrity: `sha256-${createHash('sha256').update(treeServer).digest('base64')}` }] }, { command: process.execPath, args: ['./tree.mjs'] });
    const child = spawn(process.execPath, [builtCli, 'run'], { cwd: c.dir, env: c.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    for (let i = 0; i < 200 && !existsSync(c.marker); i++) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 100));
    const [server, grandchild] = readFileSync(c.marker, 'utf8').trim().split(' ').map(Number) as [number, number];
    return { child, closed, server, grandchild, stderr: () => stderr };
  }

  it('end of input ends the server, and what it left running in its group ends with it', async () => {
    const c = newCase();
    const { child, closed, server, grandchild, stderr } = await startTree(c);
    expect(pidAlive(grandchild)).toBe(true);
    child.stdin.end();
    expect(await closed).toBe(0);
    expect(stderr()).toBe('');
    expect(pidAlive(server)).toBe(false);
    for (let i = 0; i < 40 && pidAlive(grandchild); i++) await new Promise((r) => setTimeout(r, 50));
    expect(pidAlive(grandchild)).toBe(false);
  });

  it('SIGTERM to mcptrust reaches the server; mcptrust exits with the server\'s code', async () => {
    const c = newCase();
    const { child, closed, server, grandchild } = await startTree(c);
    child.kill('SIGTERM');
    expect(await closed).toBe(42);
    expect(pidAlive(server)).toBe(false);
    for (let i = 0; i < 40 && pidAlive(grandchild); i++) await new Promise((r) => setTimeout(r, 50));
    expect(pidAlive(grandchild)).toBe(false);
  });
});

describe('mcptrust run (local)', () => {
  it('starts a local script whose digest matches, and refuses it once changed (exit 1)', async () => {
    const c = newCase();
    const script = join(c.dir, 'server.mjs');
    writeFileSync(script, serverSource);
    const { createHash } = await import('node:crypto');
    const integrity = `sha256-${createHash('sha256').update(serverSource).digest('base64')}`;
    writeLock(c, { type: 'local', files: [{ path: './server.mjs', integrity }] }, { command: process.execPath, args: ['./server.mjs'] });
    const ok = await run(c, '--dry-run');
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('1 local file(s) verified');
    writeFileSync(script, `${serverSource}\n// changed\n`);
    const changed = await run(c);
    expect(changed.code).toBe(1);
    expect(changed.stderr).toContain('the file ./server.mjs changed since it was locked');
    expectNothingRan(c);
  });
});
