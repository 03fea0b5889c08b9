// npx exits with the script's code and prints nothing when an install script of the package it installs
// fails (npm 10/11 write the reason only to their debug log). lock used to say only "server
// exited with code 1 during initialize": nothing to act on. It now says what npx leaves unsaid.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { repoRoot, runCli, tempDir } from '../helpers/cli.js';
import { npmEnv, startNpmRegistry, type NpmRegistryFixture } from '../helpers/npm-registry.js';

const serverSource = readFileSync(join(repoRoot, 'testdata', 'npm-registry', 'mcp-server.mjs'), 'utf8');
let registry: NpmRegistryFixture;
let work: ReturnType<typeof tempDir>;
beforeAll(async () => {
  registry = await startNpmRegistry();
  work = tempDir('mcptrust-npx-silent-');
});
afterAll(async () => {
  await registry.close();
  work.cleanup();
});

it('lock -- npx -y pkg whose postinstall fails: exit 3, and the message says why npx may be silent and what to do', async () => {
  const home = join(work.dir, 'home');
  mkdirSync(home);
  const env = npmEnv(registry.url, home);
  registry.publish({ name: 'fx-silent-dep', version: '2.0.0', files: { 'index.js': 'module.exports = 1;\n' } });
  registry.publish({
    name: 'fx-silent',
    version: '1.0.0',
    files: { 'server.mjs': serverSource },
    bin: { 'fx-silent': 'server.mjs' },
    dependencies: { 'fx-silent-dep': '^2.0.0' },
    scripts: { postinstall: 'node -e "process.exit(7)"' },
  });
  const flags = ['npm_config_registry', 'npm_config_cache', 'npm_config_userconfig', 'npm_config_globalconfig', 'npm_config_update_notifier'].flatMap((k) => ['--env', `${k}=${env[k]}`]);
  const result = await runCli(['lock', ...flags, '--', 'npx', '-y', 'fx-silent'], { cwd: work.dir, env });
  expect(result.code).toBe(3);
  expect(result.stderr).toContain('exited with code 7 during initialize');
  expect(result.stderr).toContain('wrote nothing on stderr');
  expect(result.stderr).toContain('install script');
  expect(result.stderr).toContain('_logs');
  expect(existsSync(join(work.dir, 'mcp-lock.json'))).toBe(false);
});
