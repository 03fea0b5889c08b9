// The npm resolver against the loopback registry: specs resolved as npm does, the whole tree
// with integrities, npm config (.npmrc, ${VAR}, scoped registries, tokens), and every bad
// answer refused by name with kind 'server' (exit 3).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pinLaunch, ArtifactError } from '../../src/artifact/index.js';
import { assertNotPrivateHop, isPrivateAddress } from '../../src/artifact/net.js';
import { tempDir } from '../helpers/cli.js';
import { npmEnv, startNpmRegistry, type FixturePackage, type NpmRegistryFixture } from '../helpers/npm-registry.js';

let registry: NpmRegistryFixture;
let home: ReturnType<typeof tempDir>;
let env: Record<string, string>;

const pkg = (name: string, version: string, dependencies?: Record<string, string>): FixturePackage => ({
  name,
  version,
  files: { 'index.js': `module.exports = ${JSON.stringify(`${name}@${version}`)};\n` },
  ...(dependencies ? { dependencies } : {}),
});

beforeAll(async () => {
  registry = await startNpmRegistry();
  home = tempDir('mcptrust-npm-');
  env = npmEnv(registry.url, home.dir);
  // A tree: top → a@^1, b@^2; a → c@^1; b → c@^2 (c nests under b).
  registry.publish(pkg('fx-c', '1.0.0'));
  registry.publish(pkg('fx-c', '1.4.0'));
  registry.publish(pkg('fx-c', '2.0.0'));
  registry.publish(pkg('fx-a', '1.1.0', { 'fx-c': '^1.0.0' }));
  registry.publish(pkg('fx-b', '2.0.1', { 'fx-c': '^2.0.0' }));
  registry.publish(pkg('@fx/top', '1.0.0', { 'fx-a': '^1.0.0', 'fx-b': '^2.0.0' }));
  registry.publish(pkg('@fx/top', '1.2.0', { 'fx-a': '^1.0.0', 'fx-b': '^2.0.0' }));
  registry.publish(pkg('@fx/top', '2.0.0-beta.1'), { tag: 'next' });
});
afterAll(async () => {
  await registry.close();
  home.cleanup();
});

const pin = (args: string[], extraEnv: Record<string, string> = {}, signal?: AbortSignal) =>
  pinLaunch({ command: 'npx', args }, { cwd: home.dir, lockDir: home.dir, env: { ...env, ...extraEnv }, signal });

describe('npm resolver', () => {
  it('pins the newest version, its integrity and the whole tree npx installs', async () => {
    const result = await pin(['-y', '@fx/top']);
    const top = registry.packument('@fx/top') as { versions: Record<string, { dist: { integrity: string } }> };
    expect(result).toMatchObject({ type: 'npm', spec: '@fx/top', name: '@fx/top', version: '1.2.0', integrity: top.versions['1.2.0']!.dist.integrity });
    expect(result.dependencies!.map((d) => `${d.path} ${d.version}`)).toEqual([
      'node_modules/@fx/top 1.2.0',
      'node_modules/fx-a 1.1.0',
      'node_modules/fx-b 2.0.1',
      'node_modules/fx-b/node_modules/fx-c 2.0.0',
      'node_modules/fx-c 1.4.0',
    ]);
    for (const dep of result.dependencies!) expect(dep.integrity).toMatch(/^sha512-/);
  });

  it.each([
    ['@fx/top@latest', '1.2.0'],
    ['@fx/top@^1.0.0', '1.2.0'],
    ['@fx/top@1.0.0', '1.0.0'],
    ['@fx/top@~1.0', '1.0.0'],
    ['@fx/top@next', '2.0.0-beta.1'],
  ])('resolves %s like npm → %s', async (spec, version) => {
    const result = await pin(['-y', spec]);
    expect(result).toMatchObject({ type: 'npm', spec, version });
  });

  it('resolves every -p package into one tree and records the specs as written', async () => {
    const result = await pinLaunch(
      { command: 'npx', args: ['-p', 'fx-a@1', '-p', 'fx-b', 'fx-a-bin'], written: { command: 'npx', args: ['-p', 'fx-a@${A_VERSION}', '-p', 'fx-b', 'fx-a-bin'] } },
      { cwd: home.dir, lockDir: home.dir, env },
    );
    expect(result).toMatchObject({ type: 'npm', spec: 'fx-a@${A_VERSION} fx-b', name: 'fx-a', version: '1.1.0' });
    expect(result.dependencies!.map((d) => d.path)).toEqual(['node_modules/fx-a', 'node_modules/fx-b', 'node_modules/fx-b/node_modules/fx-c', 'node_modules/fx-c']);
  });

  it('a new latest resolves to the new version; a re-publish changes the integrity of the same version', async () => {
    registry.publish(pkg('fx-moving', '1.0.0'));
    const first = await pin(['-y', 'fx-moving']);
    registry.publish(pkg('fx-moving', '1.1.0'));
    const second = await pin(['-y', 'fx-moving']);
    expect([first.version, second.version]).toEqual(['1.0.0', '1.1.0']);
    registry.republish(pkg('fx-moving', '1.1.0'));
    const third = await pin(['-y', 'fx-moving@1.1.0']);
    expect(third.version).toBe('1.1.0');
    expect(third.integrity).not.toBe(second.integrity);
  });

  it('each packument is fetched once and the top tarball once: the round trips pinning costs', async () => {
    const before = registry.requests.length;
    await pin(['-y', '@fx/top@1.0.0'], { npm_config_cache: join(home.dir, 'fresh-cache') });
    const asked = registry.requests.slice(before);
    expect([...asked].sort()).toEqual(['GET /@fx/top', 'GET /@fx/top/-/top-1.0.0.tgz', 'GET /fx-a', 'GET /fx-b', 'GET /fx-c'].sort());
  });

  it('refuses a tarball whose integrity does not match its packument, by name', async () => {
    registry.publish(pkg('fx-tampered', '1.0.0'));
    registry.corruptIntegrity('fx-tampered', '1.0.0');
    const error = await pin(['-y', 'fx-tampered']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ArtifactError);
    expect(error).toMatchObject({ kind: 'server', category: 'server', code: 'INTEGRITY_MISMATCH' });
    expect((error as Error).message).toContain('fx-tampered@1.0.0');
  });

  it('garbage, the wrong shape and a huge packument are refused with the registry named by origin', async () => {
    const origin = registry.url.slice(0, -1);
    registry.route('/fx-garbage', (_req, res) => res.end('<html>not json'));
    registry.route('/fx-shape', (_req, res) => res.end(JSON.stringify({ name: 'fx-shape', versions: ['1.0.0'] })));
    registry.route('/fx-huge', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(1024 * 1024, 0x20);
      let sent = 0;
      const pump = () => {
        while (sent < 70 && res.write(chunk)) sent++;
        if (sent < 70) res.once('drain', pump);
        else res.end();
      };
      res.write('{"name":"fx-huge","versions":{},"x":"');
      pump();
    });
    for (const [name, code] of [['fx-garbage', 'REGISTRY_GARBAGE'], ['fx-shape', 'REGISTRY_GARBAGE'], ['fx-huge', 'TOO_LARGE']] as const) {
      const error = await pin(['-y', name]).catch((e: unknown) => e);
      expect(error, name).toMatchObject({ kind: 'server', code });
      expect((error as Error).message, name).toContain(origin);
    }
  });

  it('a tarball over the bound (10 GiB declared) is refused before its body is read, exit 3', async () => {
    const declared = registry.publish(pkg('fx-big-declared', '1.0.0'));
    registry.route(new URL(declared.tarball).pathname, (_req, res) => {
      res.writeHead(200, { 'content-length': String(10 * 1024 * 1024 * 1024) });
      res.end();
    });
    await expect(pin(['-y', 'fx-big-declared'])).rejects.toMatchObject({ kind: 'server', code: 'TOO_LARGE', message: expect.stringContaining('fx-big-declared@1.0.0') });
    // The bound while streaming (no length declared) is the same reader's: see the huge packument.
  });

  it('a registry redirect (loopback to loopback) is followed, each hop checked', async () => {
    const moved = registry.publish(pkg('fx-moved', '1.0.0'));
    const path = new URL(moved.tarball).pathname;
    const bytes = await (await fetch(moved.tarball)).arrayBuffer();
    registry.route(path, (_req, res) => {
      res.writeHead(302, { location: '/elsewhere/fx-moved.tgz' });
      res.end();
    });
    registry.route('/elsewhere/fx-moved.tgz', (_req, res) => res.end(Buffer.from(bytes)));
    const result = await pin(['-y', 'fx-moved'], { npm_config_cache: join(home.dir, 'cache-moved') });
    expect(result).toMatchObject({ version: '1.0.0', integrity: moved.integrity });
    expect(registry.requests).toContain('GET /elsewhere/fx-moved.tgz');
  });

  it('a packument with thousands of versions still resolves', async () => {
    const versions: Record<string, unknown> = {};
    const published = registry.publish(pkg('fx-many', '3000.0.0'));
    for (let i = 0; i < 3000; i++) versions[`${i}.0.0`] = { name: 'fx-many', version: `${i}.0.0`, dist: { tarball: published.tarball, integrity: published.integrity } };
    versions['3000.0.0'] = (registry.packument('fx-many') as { versions: Record<string, unknown> }).versions['3000.0.0'];
    registry.route('/fx-many', (_req, res) => res.end(JSON.stringify({ name: 'fx-many', 'dist-tags': { latest: '3000.0.0' }, versions })));
    const result = await pin(['-y', 'fx-many@^2999 || ^3000']);
    expect(result).toMatchObject({ version: '3000.0.0', integrity: published.integrity });
  });

  it('an unreachable registry is exit 3 naming it by origin, never with its credentials', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const error = await pin(['-y', 'fx-a'], { npm_config_registry: `http://user:s3cretpass@127.0.0.1:${port}/private/path/`, npm_config_fetch_retries: '0' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'server', code: 'REGISTRY_UNREACHABLE' });
    expect((error as Error).message).toContain(`http://127.0.0.1:${port}`);
    expect((error as Error).message).not.toContain('s3cretpass');
    expect((error as Error).message).not.toContain('/private/path');
  });

  it('a registry that never answers times out (npm fetch-timeout), exit 3', async () => {
    registry.route('/fx-hang', () => undefined);
    const error = await pin(['-y', 'fx-hang'], { npm_config_fetch_timeout: '300', npm_config_fetch_retries: '0' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'server', code: 'REGISTRY_UNREACHABLE' });
  });

  it('an unknown package or version is a bad spec (exit 2), a git or file spec is unpinned', async () => {
    await expect(pin(['-y', 'fx-nope'])).rejects.toMatchObject({ kind: 'input', code: 'NOT_FOUND' });
    await expect(pin(['-y', 'fx-a@^9'])).rejects.toMatchObject({ kind: 'input', code: 'NOT_FOUND' });
    expect(await pin(['-y', 'github:owner/repo'])).toMatchObject({ type: 'unpinned', note: expect.stringContaining('git') });
    expect(await pin(['-y', './local-folder'])).toMatchObject({ type: 'unpinned' });
  });

  it('reads the registry, scoped registries and ${VAR} tokens from .npmrc like npm', async () => {
    const scoped = await startNpmRegistry();
    try {
      scoped.publish(pkg('@corp/srv', '3.0.0'));
      let auth: string | undefined;
      const host = new URL(scoped.url).host;
      const user = tempDir('mcptrust-npmrc-');
      writeFileSync(join(user.dir, '.npmrc'), `registry=${registry.url}\n@corp:registry=${scoped.url}\n//${host}/:_authToken=\${CORP_TOKEN}\n`);
      const project = join(user.dir, 'project');
      mkdirSync(project);
      writeFileSync(join(project, 'package.json'), '{}');
      const seen = scoped.requests.length;
      const original = scoped.packument('@corp/srv');
      scoped.route('/@corp/srv', (req, res) => {
        auth = req.headers.authorization;
        res.end(JSON.stringify(original));
      });
      const result = await pinLaunch(
        { command: 'npx', args: ['-y', '@corp/srv'] },
        { cwd: project, lockDir: project, env: { PATH: env.PATH!, HOME: user.dir, npm_config_cache: join(user.dir, 'cache'), CORP_TOKEN: 'tok-123456789' } },
      );
      expect(result).toMatchObject({ name: '@corp/srv', version: '3.0.0' });
      expect(auth).toBe('Bearer tok-123456789');
      expect(scoped.requests.slice(seen)).toContain('GET /@corp/srv');
      expect(JSON.stringify(result)).not.toContain('tok-123456789');
      user.cleanup();
    } finally {
      await scoped.close();
    }
  });

  it('a private scoped registry next to a public default registry is used, not taken for a redirect', async () => {
    const scoped = await startNpmRegistry();
    try {
      scoped.publish(pkg('@inhouse/srv', '1.0.0'));
      // The default registry (a public address) is never contacted: the package is scoped.
      const result = await pin(['-y', '@inhouse/srv'], { npm_config_registry: 'http://93.184.216.34/', 'npm_config_@inhouse:registry': scoped.url });
      expect(result).toMatchObject({ name: '@inhouse/srv', version: '1.0.0' });
    } finally {
      await scoped.close();
    }
  });

  it('a --userconfig on the launch line names the .npmrc that is read', async () => {
    const other = await startNpmRegistry();
    try {
      other.publish(pkg('@cfg/srv', '4.0.0'));
      const rc = join(home.dir, 'line-npmrc');
      writeFileSync(rc, `@cfg:registry=${other.url}\n`);
      expect(await pin(['-y', `--userconfig=${rc}`, '@cfg/srv'])).toMatchObject({ name: '@cfg/srv', version: '4.0.0' });
    } finally {
      await other.close();
    }
  });

  it('a registry line option (npx --registry=URL) wins over the environment', async () => {
    const other = await startNpmRegistry();
    try {
      other.publish(pkg('fx-a', '7.0.0'));
      const result = await pin(['-y', `--registry=${other.url}`, 'fx-a']);
      expect(result.version).toBe('7.0.0');
    } finally {
      await other.close();
    }
  });
});

describe('private redirects', () => {
  it('classifies private, loopback, link-local and mapped addresses', () => {
    for (const ip of ['10.1.2.3', '127.0.0.1', '169.254.169.254', '172.16.0.1', '192.168.1.1', '100.64.0.1', '0.0.0.0', '::1', 'fe80::1', 'fd00::1', '::ffff:169.254.169.254']) {
      expect(isPrivateAddress(ip), ip).toBe(true);
    }
    for (const ip of ['93.184.216.34', '8.8.8.8', '2606:4700::1111', '172.32.0.1']) expect(isPrivateAddress(ip), ip).toBe(false);
  });

  it('a public registry may not send us to 169.254.169.254; a private one may point anywhere private', async () => {
    await expect(assertNotPrivateHop('https://93.184.216.34/', 'http://169.254.169.254/latest/meta-data', {})).rejects.toMatchObject({ code: 'PRIVATE_REDIRECT', kind: 'server' });
    await expect(assertNotPrivateHop('https://93.184.216.34/', 'http://[::ffff:a9fe:a9fe]/', {})).rejects.toMatchObject({ code: 'PRIVATE_REDIRECT' });
    await expect(assertNotPrivateHop('http://10.0.0.5/', 'http://10.0.0.6/x.tgz', {})).resolves.toBeUndefined();
    await expect(assertNotPrivateHop('https://93.184.216.34/', 'https://93.184.216.35/x.tgz', {})).resolves.toBeUndefined();
  });
});
