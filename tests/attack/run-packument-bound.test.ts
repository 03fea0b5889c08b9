// run fetches each pinned package through pacote, which reads the package's document
// (packument) first, and read it unbounded: a registry that declares or sends a huge document
// took memory until it sent it all (or stalled run for npm's fetch-timeout, 5 minutes). The
// documents run reads now go through lock's bounded loader (64 MiB, JSON shape checked):
// exit 3, the registry named by its origin, nothing installed.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { installNpmArtifact, RunError, type InstallOptions } from '../../src/artifact/install.js';
import type { ArtifactPin } from '../../src/artifact/types.js';
import { tempDir } from '../helpers/cli.js';
import { startNpmRegistry, type NpmRegistryFixture } from '../helpers/npm-registry.js';

let registry: NpmRegistryFixture;
let home: ReturnType<typeof tempDir>;
beforeAll(async () => {
  registry = await startNpmRegistry();
  home = tempDir('mcptrust-run-packument-');
});
afterAll(async () => {
  await registry.close();
  home.cleanup();
});

it('a packument declared as 10 GiB is refused at once (exit 3, by origin), nothing installed', async () => {
  const main = registry.publish({ name: 'fx-huge-doc', version: '1.0.0', files: { 'server.js': 'process.exit(0);\n' }, bin: 'server.js' });
  registry.route('/fx-huge-doc', (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(10 * 1024 ** 3) });
    res.write('{"name":"fx-huge-doc","versions":{');
    // ...and the rest never comes: the bound must not wait for it.
  });
  const pin: ArtifactPin = {
    type: 'npm',
    spec: 'fx-huge-doc',
    name: 'fx-huge-doc',
    version: '1.0.0',
    integrity: main.integrity,
    dependencies: [{ path: 'node_modules/fx-huge-doc', name: 'fx-huge-doc', version: '1.0.0', integrity: main.integrity }],
  };
  const opts: InstallOptions = { root: join(home.dir, 'root'), fetch: { registry: registry.url, cache: join(home.dir, 'cache') }, registryShown: new URL(registry.url).origin };
  const error = await installNpmArtifact(pin, 'srv', opts).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RunError);
  expect((error as RunError).code).toBe('REGISTRY_UNUSABLE');
  expect((error as RunError).category).toBe('server');
  expect((error as RunError).message).toContain(new URL(registry.url).origin);
  expect((error as RunError).message).toContain('larger than the 64 MiB bound');
  if (existsSync(opts.root)) expect(readdirSync(opts.root)).toEqual([]);
}, 60_000);
