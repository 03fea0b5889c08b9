// run held every tarball of a pinned tree, then every unpacked file, in memory before writing
// anything, bounded only per package (256 MiB fetched, 512 MiB unpacked) and by 5,000 packages:
// a pinned tree of several gzip bombs (or large tarballs), each within its own bound, took
// memory without limit. The whole tree is now bounded too, fetched and unpacked (TOO_LARGE,
// exit 1), and nothing is installed.
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { installNpmArtifact, MAX_TREE_BYTES, RunError, type InstallOptions } from '../../src/artifact/install.js';
import type { ArtifactPin, PackagePin } from '../../src/artifact/types.js';
import { tempDir } from '../helpers/cli.js';
import { startNpmRegistry, type NpmRegistryFixture } from '../helpers/npm-registry.js';

let registry: NpmRegistryFixture;
let home: ReturnType<typeof tempDir>;
let n = 0;
beforeAll(async () => {
  registry = await startNpmRegistry();
  home = tempDir('mcptrust-run-tree-');
});
afterAll(async () => {
  await registry.close();
  home.cleanup();
});

const LIMIT = 1024 * 1024;

function options(): InstallOptions {
  const root = join(home.dir, `root-${++n}`);
  return { root, fetch: { registry: registry.url, cache: join(home.dir, `cache-${n}`) }, registryShown: new URL(registry.url).origin, maxTreeBytes: LIMIT };
}

/** A top package and three dependencies, each with one file made by `fill`. */
function publishTree(top: string, fill: () => string): ArtifactPin {
  const packages: PackagePin[] = [];
  for (const i of [1, 2, 3]) {
    const dep = registry.publish({ name: `${top}-dep${i}`, version: '1.0.0', files: { 'blob.txt': fill() } });
    packages.push({ path: `node_modules/${top}-dep${i}`, name: `${top}-dep${i}`, version: '1.0.0', integrity: dep.integrity });
  }
  const main = registry.publish({ name: top, version: '1.0.0', files: { 'server.js': 'process.exit(0);\n' }, bin: 'server.js' });
  packages.push({ path: `node_modules/${top}`, name: top, version: '1.0.0', integrity: main.integrity });
  return { type: 'npm', spec: top, name: top, version: '1.0.0', integrity: main.integrity, dependencies: packages };
}

async function refusal(pin: ArtifactPin, opts: InstallOptions): Promise<RunError> {
  const error = await installNpmArtifact(pin, 'srv', opts).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RunError);
  return error as RunError;
}

it('the default bound is 1 GiB', () => {
  expect(MAX_TREE_BYTES).toBe(1024 * 1024 * 1024);
});

it('a tree whose packages unpack to over the bound in total (small gzip bombs) is refused, nothing installed', async () => {
  const pin = publishTree('fx-bombs', () => 'a'.repeat(400 * 1024));
  const opts = options();
  const error = await refusal(pin, opts);
  expect(error.code).toBe('TOO_LARGE');
  expect(error.category).toBe('check');
  expect(error.message).toContain('unpacks to over 1 MiB in total');
  if (existsSync(opts.root)) expect(readdirSync(opts.root)).toEqual([]);
});

it('a tree whose tarballs are over the bound in total is refused while fetching, nothing installed', async () => {
  const pin = publishTree('fx-big', () => randomBytes(400 * 1024).toString('base64'));
  const opts = options();
  const error = await refusal(pin, opts);
  expect(error.code).toBe('TOO_LARGE');
  expect(error.message).toContain('tarballs are over 1 MiB in total');
  if (existsSync(opts.root)) expect(readdirSync(opts.root)).toEqual([]);
});

it('a tree within the bound installs', async () => {
  const pin = publishTree('fx-small', () => 'a'.repeat(100 * 1024));
  const installed = await installNpmArtifact(pin, 'srv', options());
  expect(installed.packages).toBe(4);
});
