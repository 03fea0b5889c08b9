// The run installer puts exactly the pinned npm tree into a private folder: every tarball
// checked against its pin before it is read, links/devices/escaping paths refused, nothing
// written on a refusal, a kept install re-verified before reuse.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installNpmArtifact, RunError, selectBin, type InstallOptions } from '../../src/artifact/install.js';
import type { ArtifactPin } from '../../src/artifact/types.js';
import { repoRoot, tempDir } from '../helpers/cli.js';
import { startNpmRegistry, type NpmRegistryFixture } from '../helpers/npm-registry.js';
import { rawTarball, serveRaw } from './evil-tarball.js';

const serverSource = readFileSync(join(repoRoot, 'testdata', 'npm-registry', 'mcp-server.mjs'), 'utf8');

let registry: NpmRegistryFixture;
let home: ReturnType<typeof tempDir>;
let n = 0;

beforeAll(async () => {
  registry = await startNpmRegistry();
  home = tempDir('mcptrust-run-install-');
});
afterAll(async () => {
  await registry.close();
  home.cleanup();
});

function options(): InstallOptions {
  const root = join(home.dir, `root-${++n}`);
  return { root, fetch: { registry: registry.url, cache: join(home.dir, `cache-${n}`) }, registryShown: new URL(registry.url).origin };
}

/** Publishes a top package with one dependency and returns the pin a lock would hold. */
function publishTree(top: string): ArtifactPin {
  const dep = registry.publish({ name: `${top}-dep`, version: '2.0.0', files: { 'index.js': 'module.exports = 42;\n' } });
  const main = registry.publish({
    name: top,
    version: '1.0.0',
    files: { 'server.mjs': serverSource },
    bin: { [top.replace(/^@[^/]+\//, '')]: 'server.mjs' },
    dependencies: { [`${top}-dep`]: '^2.0.0' },
  });
  return {
    type: 'npm',
    spec: top,
    name: top,
    version: '1.0.0',
    integrity: main.integrity,
    dependencies: [
      { path: `node_modules/${top}`, name: top, version: '1.0.0', integrity: main.integrity },
      { path: `node_modules/${top}-dep`, name: `${top}-dep`, version: '2.0.0', integrity: dep.integrity },
    ],
  };
}

async function refusal(pin: ArtifactPin, opts: InstallOptions): Promise<RunError> {
  const error = await installNpmArtifact(pin, 'srv', opts).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RunError);
  return error as RunError;
}

/** Nothing but the (empty or absent) private root: no install, no partial folder. */
function expectNothingInstalled(opts: InstallOptions): void {
  if (existsSync(opts.root)) expect(readdirSync(opts.root)).toEqual([]);
}

describe('installNpmArtifact', () => {
  it('installs the pinned tree into a private folder and finds the bin by npx rules', async () => {
    const pin = publishTree('fx-good');
    const opts = options();
    const installed = await installNpmArtifact(pin, 'srv', opts);
    expect(installed.reused).toBe(false);
    expect(installed.packages).toBe(2);
    expect(installed.bin).toEqual({ name: 'fx-good', path: join(installed.dir, 'node_modules', 'fx-good', 'server.mjs'), node: true });
    expect(readFileSync(installed.bin.path, 'utf8')).toBe(serverSource);
    expect(readFileSync(join(installed.dir, 'node_modules', 'fx-good-dep', 'index.js'), 'utf8')).toBe('module.exports = 42;\n');
    expect(statSync(opts.root).mode & 0o777).toBe(0o700);
  });

  it('installs scoped packages at their scoped paths', async () => {
    const pin = publishTree('@fx/scoped');
    const installed = await installNpmArtifact(pin, 'srv', options());
    expect(installed.bin).toMatchObject({ name: 'scoped', path: join(installed.dir, 'node_modules', '@fx', 'scoped', 'server.mjs') });
    expect(existsSync(join(installed.dir, 'node_modules', '@fx', 'scoped-dep', 'index.js'))).toBe(true);
  });

  it('reuses a kept install without the registry, and reinstalls one whose files changed', async () => {
    const pin = publishTree('fx-reuse');
    const opts = options();
    const first = await installNpmArtifact(pin, 'srv', opts);
    const asked = registry.requests.length;
    const second = await installNpmArtifact(pin, 'srv', opts);
    expect(second).toMatchObject({ reused: true, dir: first.dir, files: first.files });
    expect(registry.requests.length).toBe(asked);

    writeFileSync(first.bin.path, 'process.exit(7)\n');
    const third = await installNpmArtifact(pin, 'srv', opts);
    expect(third.reused).toBe(false);
    expect(readFileSync(third.bin.path, 'utf8')).toBe(serverSource);

    writeFileSync(join(first.dir, 'node_modules', 'fx-reuse-dep', 'extra.js'), 'added later\n');
    const fourth = await installNpmArtifact(pin, 'srv', opts);
    expect(fourth.reused).toBe(false);
    expect(existsSync(join(first.dir, 'node_modules', 'fx-reuse-dep', 'extra.js'))).toBe(false);
  });

  it('refuses a version re-published with other bytes (INTEGRITY_MISMATCH, exit 1), writing nothing', async () => {
    const pin = publishTree('fx-repub');
    registry.republish({ name: 'fx-repub', version: '1.0.0', files: { 'server.mjs': serverSource }, bin: { 'fx-repub': 'server.mjs' } });
    const opts = options();
    const error = await refusal(pin, opts);
    expect(error.code).toBe('INTEGRITY_MISMATCH');
    expect(error.category).toBe('check');
    expect(error.message).toContain('fx-repub@1.0.0');
    expectNothingInstalled(opts);
  });

  it('refuses a tarball whose bytes do not match the integrity the packument and lock give', async () => {
    const pin = publishTree('fx-corrupt');
    registry.corruptIntegrity('fx-corrupt-dep', '2.0.0');
    const opts = options();
    expect((await refusal(pin, opts)).code).toBe('INTEGRITY_MISMATCH');
    expectNothingInstalled(opts);
  });

  it('refuses a version the registry no longer has (VERSION_UNAVAILABLE, exit 1)', async () => {
    const pin = publishTree('fx-gone');
    const gone = { ...pin, dependencies: pin.dependencies!.map((d) => (d.name === 'fx-gone-dep' ? { ...d, version: '2.0.1' } : d)) };
    const opts = options();
    const error = await refusal(gone, opts);
    expect(error.code).toBe('VERSION_UNAVAILABLE');
    expect(error.message).toContain('fx-gone-dep@2.0.1');
    expectNothingInstalled(opts);
  });

  it('reports an unreachable registry by origin (REGISTRY_UNUSABLE, exit 3)', async () => {
    const pin = publishTree('fx-down');
    const opts = { ...options(), fetch: { registry: 'http://127.0.0.1:9/', cache: join(home.dir, 'cache-down'), fetchRetries: 0 }, registryShown: 'http://127.0.0.1:9' };
    const error = await refusal(pin, opts);
    expect(error.code).toBe('REGISTRY_UNUSABLE');
    expect(error.category).toBe('server');
    expect(error.message).toContain('http://127.0.0.1:9');
  });

  const manifest = JSON.stringify({ name: 'x', version: '1.0.0', bin: 'server.mjs' });
  it.each([
    ['a ../ entry', [{ name: 'package/package.json', data: manifest }, { name: 'package/../../escape.js', data: 'x' }], 'climbs out'],
    ['an absolute path', [{ name: 'package/package.json', data: manifest }, { name: '/tmp/abs.js', data: 'x' }], 'absolute path'],
    ['a symbolic link', [{ name: 'package/package.json', data: manifest }, { name: 'package/server.mjs', type: '2', linkname: '/etc/passwd' }], 'symbolic link'],
    ['a hard link', [{ name: 'package/package.json', data: manifest }, { name: 'package/server.mjs', type: '1', linkname: 'package/package.json' }], 'hard link'],
    ['a device file', [{ name: 'package/package.json', data: manifest }, { name: 'package/dev', type: '3' }], 'character device'],
    ['a path given twice', [{ name: 'package/package.json', data: manifest }, { name: 'package/package.json', data: manifest }], 'appears twice'],
  ])('refuses a pinned tarball holding %s (UNSAFE_TARBALL), writing nothing', async (_what, entries, words) => {
    const name = `fx-evil-${++n}`;
    const integrity = serveRaw(registry, name, '1.0.0', rawTarball(entries), { bin: 'server.mjs' });
    const pin: ArtifactPin = { type: 'npm', name, version: '1.0.0', integrity, dependencies: [{ path: `node_modules/${name}`, name, version: '1.0.0', integrity }] };
    const opts = options();
    const error = await refusal(pin, opts);
    expect(error.code).toBe('UNSAFE_TARBALL');
    expect(error.message).toContain(words);
    expectNothingInstalled(opts);
    expect(existsSync(join(opts.root, '..', 'escape.js'))).toBe(false);
  });

  it.each([
    ['no dependency tree', (p: ArtifactPin) => ({ ...p, dependencies: undefined }), 'NOT_PINNED'],
    ['a tree without the top package', (p: ArtifactPin) => ({ ...p, dependencies: p.dependencies!.slice(1) }), 'NOT_PINNED'],
    ['a weak integrity', (p: ArtifactPin) => ({ ...p, dependencies: p.dependencies!.map((d) => ({ ...d, integrity: 'sha1-AAAA' })) }), 'NOT_PINNED'],
    ['a path that climbs out', (p: ArtifactPin) => ({ ...p, dependencies: [...p.dependencies!, { path: 'node_modules/../../x', name: 'x', version: '1.0.0', integrity: p.integrity! }] }), 'MALFORMED_PIN'],
    ['another artifact type', (p: ArtifactPin) => ({ ...p, type: 'pypi' as const }), 'UNSUPPORTED_ARTIFACT'],
  ])('refuses a pin with %s before any fetch', async (_what, change, code) => {
    const pin = publishTree(`fx-pin-${++n}`);
    const asked = registry.requests.length;
    expect((await refusal(change(pin), options())).code).toBe(code);
    expect(registry.requests.length).toBe(asked);
  });
});

describe('selectBin (npx rules)', () => {
  it('takes the only bin, the one named like the package, or the one the launch named', () => {
    expect(selectBin({ bin: 'cli.js' }, '@s/tool')).toEqual({ name: 'tool', file: 'cli.js' });
    expect(selectBin({ bin: { other: './o.js' } }, 'tool')).toEqual({ name: 'other', file: 'o.js' });
    expect(selectBin({ bin: { a: 'a.js', tool: 't.js' } }, '@s/tool')).toEqual({ name: 'tool', file: 't.js' });
    expect(selectBin({ bin: { a: 'a.js', b: 'b.js' } }, 'tool', 'b')).toEqual({ name: 'b', file: 'b.js' });
  });
  it('refuses several bins none named like the package, a missing bin and a bin outside the package', () => {
    expect(() => selectBin({ bin: { a: 'a.js', b: 'b.js' } }, 'tool')).toThrow(/several bins \(a, b\)/);
    expect(() => selectBin({}, 'tool')).toThrow(/declares no bin/);
    expect(() => selectBin({ bin: '../../x.js' }, 'tool')).toThrow(/outside the package/);
  });
});
