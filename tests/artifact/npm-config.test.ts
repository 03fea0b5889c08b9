// npm's configuration as npm reads it: sources in npm's order, env key normalization, ${VAR}
// expansion in .npmrc, the project root found upward, flat options for npm's libraries.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { flattenNpmConfig, readNpmConfig } from '../../src/artifact/npm-config.js';
import { tempDir } from '../helpers/cli.js';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir('mcptrust-npmcfg-');
});
afterEach(() => tmp.cleanup());

describe('npm config', () => {
  it('reads sources in npm order: line, npm_config_*, project .npmrc, user .npmrc, global', () => {
    const home = join(tmp.dir, 'home');
    const project = join(tmp.dir, 'project');
    const deep = join(project, 'src', 'deep');
    mkdirSync(home);
    mkdirSync(deep, { recursive: true });
    writeFileSync(join(project, 'package.json'), '{}');
    writeFileSync(join(project, '.npmrc'), 'registry=http://project/\nproxy=http://project-proxy/\n');
    writeFileSync(join(home, '.npmrc'), 'registry=http://user/\nproxy=http://user-proxy/\nstrict-ssl=false\ncafile=/nonexistent\n');
    writeFileSync(join(tmp.dir, 'global'), 'noproxy=global.example\nproxy=http://global-proxy/\n');
    const env = { HOME: home, npm_config_globalconfig: join(tmp.dir, 'global'), NPM_CONFIG_FETCH_RETRIES: '0' };
    const config = readNpmConfig({ cwd: deep, env });
    expect(config).toMatchObject({ registry: 'http://project/', proxy: 'http://project-proxy/', noproxy: 'global.example', 'strict-ssl': 'false', 'fetch-retries': '0' });
    expect(readNpmConfig({ cwd: deep, env: { ...env, npm_config_registry: 'http://env/' } }).registry).toBe('http://env/');
    expect(readNpmConfig({ cwd: deep, env: { ...env, npm_config_registry: 'http://env/' }, line: { registry: 'http://line' } }).registry).toBe('http://line');
    const flat = flattenNpmConfig(readNpmConfig({ cwd: deep, env, line: { registry: 'http://line' } }), env);
    expect(flat).toMatchObject({ registry: 'http://line/', proxy: 'http://project-proxy/', httpsProxy: 'http://project-proxy/', noProxy: 'global.example', strictSSL: false, cache: join(home, '.npm', '_cacache') });
  });

  it('expands ${VAR} and ${VAR?} in .npmrc from the launch environment; keeps nerf-darted keys and scopes', () => {
    writeFileSync(join(tmp.dir, '.npmrc'), '//reg.example/:_authToken=${TOKEN}\n@corp:registry=https://corp.example/npm\nemail=${MISSING?}\nliteral=\\${TOKEN}\nleft=${UNSET}\n');
    const env = { HOME: tmp.dir, TOKEN: 'npm_abcdef123456' };
    const config = readNpmConfig({ cwd: join(tmp.dir, 'nowhere'), env });
    expect(config).toMatchObject({ '//reg.example/:_authToken': 'npm_abcdef123456', email: '', literal: '${TOKEN}', left: '${UNSET}' });
    const flat = flattenNpmConfig(config, env);
    expect(flat['//reg.example/:_authToken']).toBe('npm_abcdef123456');
    expect(flat['@corp:registry']).toBe('https://corp.example/npm/');
    expect(flat.registry).toBe('https://registry.npmjs.org/');
  });

  it('uses npm_config_cache and HTTPS_PROXY of the launch environment; an oversized .npmrc is ignored', () => {
    writeFileSync(join(tmp.dir, '.npmrc'), `registry=http://big/\n${'#'.repeat(2 * 1024 * 1024)}\n`);
    const env = { HOME: tmp.dir, npm_config_cache: join(tmp.dir, 'c'), HTTPS_PROXY: 'http://corp-proxy:3128' };
    const flat = flattenNpmConfig(readNpmConfig({ cwd: tmp.dir, env }), env);
    expect(flat).toMatchObject({ registry: 'https://registry.npmjs.org/', cache: join(tmp.dir, 'c', '_cacache'), httpsProxy: 'http://corp-proxy:3128' });
  });
});
