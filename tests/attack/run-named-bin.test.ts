// `npx -p a -p b b-cmd` runs b's bin: npx puts the bins of every package it installs at the top
// of its tree on PATH. run looked for the named bin in the first package only, so a lock of that
// launch could never be started (NO_BIN, exit 1) although lock pinned it and npx runs it.
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { installNpmArtifact, RunError, type InstallOptions } from '../../src/artifact/install.js';
import type { ArtifactPin } from '../../src/artifact/types.js';
import { tempDir } from '../helpers/cli.js';
import { startNpmRegistry, type NpmRegistryFixture } from '../helpers/npm-registry.js';

let registry: NpmRegistryFixture;
let home: ReturnType<typeof tempDir>;
let n = 0;
beforeAll(async () => {
  registry = await startNpmRegistry();
  home = tempDir('mcptrust-run-bin-');
});
afterAll(async () => {
  await registry.close();
  home.cleanup();
});

const options = (bin: string): InstallOptions => ({ root: join(home.dir, `root-${++n}`), fetch: { registry: registry.url, cache: join(home.dir, `cache-${n}`) }, registryShown: new URL(registry.url).origin, bin });

function publishPair(): ArtifactPin {
  const a = registry.publish({ name: 'fx-pa', version: '1.0.0', files: { 'a.js': '#!/usr/bin/env node\n' }, bin: { 'fx-pa': 'a.js' } });
  const b = registry.publish({ name: 'fx-pb', version: '1.0.0', files: { 'b.js': '#!/usr/bin/env node\n' }, bin: { 'fx-pb-cmd': 'b.js' } });
  const nested = registry.publish({ name: 'fx-pc', version: '1.0.0', files: { 'c.js': '#!/usr/bin/env node\n' }, bin: { 'fx-pc-cmd': 'c.js' } });
  return {
    type: 'npm',
    spec: 'fx-pa fx-pb',
    name: 'fx-pa',
    version: '1.0.0',
    integrity: a.integrity,
    dependencies: [
      { path: 'node_modules/fx-pa', name: 'fx-pa', version: '1.0.0', integrity: a.integrity },
      { path: 'node_modules/fx-pa/node_modules/fx-pc', name: 'fx-pc', version: '1.0.0', integrity: nested.integrity },
      { path: 'node_modules/fx-pb', name: 'fx-pb', version: '1.0.0', integrity: b.integrity },
    ],
  };
}

it('the bin named on the launch line is found in another package at the top of the tree', async () => {
  const installed = await installNpmArtifact(publishPair(), 'srv', options('fx-pb-cmd'));
  expect(installed.bin).toEqual({ name: 'fx-pb-cmd', path: join(installed.dir, 'node_modules', 'fx-pb', 'b.js'), node: true });
  // The kept install is reused with the same bin.
  const again = await installNpmArtifact(publishPair(), 'srv', { ...options('fx-pb-cmd'), root: join(installed.dir, '..') });
  expect(again.reused).toBe(true);
  expect(again.bin.path).toBe(installed.bin.path);
});

it('a bin of a nested package (not on npx PATH) or of no package is still refused (NO_BIN)', async () => {
  for (const bin of ['fx-pc-cmd', 'fx-nothing']) {
    const error = await installNpmArtifact(publishPair(), 'srv', options(bin)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RunError);
    expect((error as RunError).code).toBe('NO_BIN');
    expect((error as RunError).message).toContain('fx-pa has no bin');
  }
});
