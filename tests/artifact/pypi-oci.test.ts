// The Python and container resolvers against loopback fixtures: versions and distribution
// digests from the index's JSON API, image digests through the registry API v2 and its
// anonymous token flow, and bad answers refused with kind 'server'.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pinLaunch } from '../../src/artifact/index.js';
import { jsonApiRoot, parseRequirement } from '../../src/artifact/pypi.js';
import { parseBearerChallenge, parseImageReference } from '../../src/artifact/oci.js';
import { startOciRegistry, startPypiIndex, type OciRegistryFixture, type PypiIndexFixture } from '../helpers/registries.js';

let index: PypiIndexFixture;
let oci: OciRegistryFixture;
beforeAll(async () => {
  index = await startPypiIndex();
  oci = await startOciRegistry();
});
afterAll(async () => {
  await index.close();
  await oci.close();
});

const opts = (env: Record<string, string> = {}) => ({ cwd: '/', lockDir: '/', env });

describe('Python resolver', () => {
  it('pins the newest release and the sha256 of each file from the index in the environment', async () => {
    index.publish('mcp-server-time', '1.0.0', { 'mcp_server_time-1.0.0.tar.gz': 'old' });
    const files = index.publish('mcp-server-time', '1.1.0', { 'mcp_server_time-1.1.0-py3-none-any.whl': 'wheel', 'mcp_server_time-1.1.0.tar.gz': 'sdist' });
    const pin = await pinLaunch({ command: 'uvx', args: ['mcp-server-time', '--local-timezone=UTC'] }, opts({ UV_INDEX_URL: index.indexUrl }));
    expect(pin).toEqual({
      type: 'pypi',
      spec: 'mcp-server-time',
      name: 'mcp-server-time',
      version: '1.1.0',
      distributions: [
        { filename: 'mcp_server_time-1.1.0-py3-none-any.whl', sha256: files['mcp_server_time-1.1.0-py3-none-any.whl'] },
        { filename: 'mcp_server_time-1.1.0.tar.gz', sha256: files['mcp_server_time-1.1.0.tar.gz'] },
      ],
    });
    expect(index.requests.at(-1)).toBe('GET /pypi/mcp-server-time/json');
  });

  it('an exact version, --from and pipx --spec ask for that release; PEP 503 names', async () => {
    const a = await pinLaunch({ command: 'uvx', args: ['--index-url', index.indexUrl, 'MCP_Server.Time==1.0.0'] }, opts());
    expect(a).toMatchObject({ version: '1.0.0', spec: 'MCP_Server.Time==1.0.0' });
    expect(index.requests.at(-1)).toBe('GET /pypi/mcp-server-time/1.0.0/json');
    const b = await pinLaunch({ command: 'uvx', args: ['--from', 'mcp-server-time@1.0.0', 'mcp-server-time'] }, opts({ UV_DEFAULT_INDEX: index.indexUrl }));
    expect(b).toMatchObject({ version: '1.0.0' });
    const c = await pinLaunch({ command: 'pipx', args: ['run', '--spec', 'mcp-server-time==1.1.0', 'mcp-server-time'] }, opts({ PIP_INDEX_URL: index.indexUrl }));
    expect(c).toMatchObject({ version: '1.1.0' });
  });

  it('ranges, URLs and git requirements are unpinned with a note', async () => {
    expect(await pinLaunch({ command: 'uvx', args: ['pkg>=1.0'] }, opts())).toMatchObject({ type: 'unpinned', note: expect.stringContaining('range') });
    expect(await pinLaunch({ command: 'uvx', args: ['--from', 'git+https://github.com/o/r', 'x'] }, opts())).toMatchObject({ type: 'unpinned' });
  });

  it('an unknown release is exit 2; garbage, the wrong shape and a bad digest are exit 3', async () => {
    await expect(pinLaunch({ command: 'uvx', args: ['nope-pkg'] }, opts({ UV_INDEX_URL: index.indexUrl }))).rejects.toMatchObject({ kind: 'input', code: 'NOT_FOUND' });
    index.route('/pypi/garbage/json', (_req, res) => res.end('<html>'));
    index.route('/pypi/shape/json', (_req, res) => res.end(JSON.stringify({ info: { name: 'shape', version: '1' }, urls: [{ filename: 'a.whl', digests: { sha256: 'nothex' } }] })));
    for (const [name, code] of [['garbage', 'REGISTRY_GARBAGE'], ['shape', 'REGISTRY_GARBAGE']]) {
      const error = await pinLaunch({ command: 'uvx', args: [name!] }, opts({ UV_INDEX_URL: index.indexUrl })).catch((e: unknown) => e);
      expect(error, name).toMatchObject({ kind: 'server', code });
      expect((error as Error).message).toContain(index.url.slice(0, -1));
    }
  });

  it('index credentials are sent, never shown', async () => {
    let auth: string | undefined;
    index.route('/pypi/private-pkg/json', (req, res) => {
      auth = req.headers.authorization;
      res.writeHead(503);
      res.end();
    });
    const withCreds = index.indexUrl.replace('http://', 'http://me:pypi-secret-1@');
    const error = await pinLaunch({ command: 'uvx', args: ['private-pkg'] }, opts({ UV_INDEX_URL: withCreds })).catch((e: unknown) => e);
    expect(auth).toBe(`Basic ${Buffer.from('me:pypi-secret-1').toString('base64')}`);
    expect(error).toMatchObject({ kind: 'server', code: 'REGISTRY_UNREACHABLE' });
    expect((error as Error).message).not.toContain('pypi-secret-1');
  });

  it('reads requirements and index roots', () => {
    expect(parseRequirement('pkg[extra]==2.0')).toEqual({ name: 'pkg', version: '2.0' });
    expect(parseRequirement('pkg@latest')).toEqual({ name: 'pkg' });
    expect(parseRequirement('pkg~=1.0')).toHaveProperty('note');
    expect(parseRequirement('pkg==1.*')).toHaveProperty('note');
    expect(jsonApiRoot('https://pypi.org/simple')).toBe('https://pypi.org/');
    expect(jsonApiRoot('https://mirror.example/root/pypi/+simple/')).toBe('https://mirror.example/root/pypi/');
  });
});

describe('container resolver', () => {
  it('resolves a tag to the digest of the manifest bytes, through the anonymous token flow', async () => {
    const digest = oci.push('org/server', 'v1');
    oci.requireToken = true;
    try {
      const image = `${oci.host}/org/server:v1`;
      const pin = await pinLaunch({ command: 'docker', args: ['run', '-i', '--rm', '-e', 'TOKEN', image] }, opts());
      expect(pin).toEqual({ type: 'oci', spec: image, name: `${oci.host}/org/server`, version: 'v1', integrity: digest });
      expect(oci.requests.some((r) => r.startsWith('GET /token?') && r.includes('scope=repository%3Aorg%2Fserver%3Apull'))).toBe(true);
    } finally {
      oci.requireToken = false;
    }
  });

  it('a re-pushed tag resolves to the new digest; an image given by digest needs no request', async () => {
    const first = oci.push('org/moving', 'latest');
    const a = await pinLaunch({ command: 'podman', args: ['run', '-i', `${oci.host}/org/moving`] }, opts());
    const second = oci.push('org/moving', 'latest');
    const b = await pinLaunch({ command: 'podman', args: ['run', '-i', `${oci.host}/org/moving`] }, opts());
    expect([a.integrity, b.integrity]).toEqual([first, second]);
    expect(first).not.toBe(second);
    const before = oci.requests.length;
    const byDigest = `${oci.host}/org/moving@${first}`;
    expect(await pinLaunch({ command: 'docker', args: ['run', byDigest] }, opts())).toMatchObject({ type: 'oci', integrity: first });
    expect(oci.requests.length).toBe(before);
  });

  it('a digest header that does not match the bytes, a missing image and garbage are refused', async () => {
    oci.push('org/liar', 'v1');
    oci.lieAboutDigest = true;
    try {
      await expect(pinLaunch({ command: 'docker', args: ['run', `${oci.host}/org/liar:v1`] }, opts())).rejects.toMatchObject({ kind: 'server', code: 'INTEGRITY_MISMATCH' });
    } finally {
      oci.lieAboutDigest = false;
    }
    await expect(pinLaunch({ command: 'docker', args: ['run', `${oci.host}/org/none:v1`] }, opts())).rejects.toMatchObject({ kind: 'input', code: 'NOT_FOUND' });
    oci.route('/v2/org/junk/manifests/v1', (_req, res) => res.end('not json'));
    await expect(pinLaunch({ command: 'docker', args: ['run', `${oci.host}/org/junk:v1`] }, opts())).rejects.toMatchObject({ kind: 'server', code: 'REGISTRY_GARBAGE' });
    await expect(pinLaunch({ command: 'docker', args: ['run', 'Bad//Image::'] }, opts())).rejects.toMatchObject({ kind: 'input', code: 'BAD_SPEC' });
  });

  it('reads image references with docker rules and bearer challenges', () => {
    expect(parseImageReference('alpine')).toEqual({ domain: 'docker.io', repository: 'library/alpine' });
    expect(parseImageReference('mcp/git:1.0')).toEqual({ domain: 'docker.io', repository: 'mcp/git', tag: '1.0' });
    expect(parseImageReference('ghcr.io/github/github-mcp-server')).toEqual({ domain: 'ghcr.io', repository: 'github/github-mcp-server' });
    expect(parseImageReference('localhost:5000/x:y')).toEqual({ domain: 'localhost:5000', repository: 'x', tag: 'y' });
    expect(parseBearerChallenge('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull"')).toEqual({
      realm: 'https://auth.docker.io/token',
      service: 'registry.docker.io',
      scope: 'repository:library/alpine:pull',
    });
  });
});
