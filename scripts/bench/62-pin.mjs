// Artifact pinning's cost (issue 10): `mcptrust lock -- npx -y <pkg>` with pinning against
// `--no-pin`, on the loopback npm registry fixture (tests/helpers/npm-registry.ts, compiled here
// with esbuild), a fresh npm cache per run. Target: at most one registry request per server
// beyond what the launch itself costs (the pin's fresh package document; the top tarball and the
// dependencies' documents are shared with the launch through npm's cache, whichever runs first)
// — counted by the registry, not timed. A package whose registry announces attestations costs
// one more, its attestations document (provenance): measured on its own row, target +2. Until `lock` has
// --no-pin, the rows measure pinLaunch alone against one packument fetch.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { median } from './lib.mjs';

const RUNS = 5;

/** The registry answers from this process, so the CLI runs asynchronously (spawnSync would block it). */
function timed(args, options) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stderr, wallMs: Number(process.hrtime.bigint() - start) / 1e6 }));
  });
}

async function loadFixture(ctx) {
  const out = join(ctx.dir, 'npm-registry.mjs');
  await build({ entryPoints: [join(ctx.root, 'tests', 'helpers', 'npm-registry.ts')], outfile: out, format: 'esm', platform: 'node', bundle: false, logLevel: 'error' });
  return import(pathToFileURL(out).href);
}

export async function run(ctx) {
  const { startNpmRegistry } = await loadFixture(ctx);
  const registry = await startNpmRegistry();
  const server = readFileSync(join(ctx.root, 'testdata', 'npm-registry', 'mcp-server.mjs'), 'utf8');
  registry.publish({ name: 'fx-bench-leaf', version: '1.0.0', files: { 'index.js': 'module.exports = 1;\n' } });
  registry.publish({ name: 'fx-bench-mid', version: '1.0.0', files: { 'index.js': 'module.exports = 2;\n' }, dependencies: { 'fx-bench-leaf': '^1.0.0' } });
  registry.publish({ name: 'fx-bench-server', version: '1.0.0', files: { 'server.mjs': server }, bin: { 'fx-bench-server': 'server.mjs' }, dependencies: { 'fx-bench-mid': '^1.0.0', 'fx-bench-leaf': '^1.0.0' } });
  registry.publish({ name: 'fx-bench-attested', version: '1.0.0', files: { 'server.mjs': server }, bin: { 'fx-bench-attested': 'server.mjs' }, dependencies: { 'fx-bench-mid': '^1.0.0', 'fx-bench-leaf': '^1.0.0' } });
  // Announced with a bundle that does not verify: the pin records it unverified; the count is the point.
  registry.attestations('fx-bench-attested', '1.0.0', { attestations: [{ predicateType: 'https://slsa.dev/provenance/v1', bundle: {} }] });
  let home = 0;
  // A private HOME whose .npmrc points npm (npx and the resolver alike) at the fixture.
  const freshHome = () => {
    const dir = join(ctx.dir, `pin-home-${home++}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, '.npmrc'), `registry=${registry.url}\ncache=${join(dir, '.npm')}\nupdate-notifier=false\naudit=false\nfund=false\n`);
    return dir;
  };
  const envFor = (dir) => ({ PATH: process.env.PATH, HOME: dir });
  const rows = [];
  try {
    const help = spawnSync(process.execPath, [ctx.cli, 'lock', '--help'], { encoding: 'utf8' });
    if (help.stdout.includes('--no-pin')) {
      const lockRun = async (extra, pkg = 'fx-bench-server') => {
        const times = [];
        const counts = [];
        for (let i = 0; i < RUNS; i++) {
          const dir = freshHome();
          const before = registry.requests.length;
          const r = await timed([ctx.cli, 'lock', '--force', ...extra, '-o', join(dir, 'mcp-lock.json'), '--', 'npx', '-y', pkg], { cwd: dir, env: envFor(dir) });
          if (r.status !== 0) throw new Error(`lock ${extra.join(' ')} failed: ${r.stderr}`);
          times.push(r.wallMs);
          counts.push(registry.requests.length - before);
        }
        return { wallMs: median(times), requests: Math.max(...counts) };
      };
      const bare = await lockRun(['--no-pin']);
      const pinned = await lockRun([]);
      const extra = pinned.requests - bare.requests;
      const bareAttested = await lockRun(['--no-pin'], 'fx-bench-attested');
      const pinnedAttested = await lockRun([], 'fx-bench-attested');
      const extraAttested = pinnedAttested.requests - bareAttested.requests;
      rows.push({ name: 'lock --no-pin, npx -y (3 packages, cold cache)', wallMs: bare.wallMs, note: `${bare.requests} registry requests` });
      rows.push({
        name: 'lock with pinning, npx -y (3 packages, cold cache)',
        wallMs: pinned.wallMs,
        ratio: pinned.wallMs / bare.wallMs,
        target: '≤ +1 request',
        ok: extra <= 1,
        note: `${pinned.requests} registry requests (+${extra}: the package document, asked fresh)`,
      });
      rows.push({ name: 'lock --no-pin, npx -y, attestations announced', wallMs: bareAttested.wallMs, note: `${bareAttested.requests} registry requests` });
      rows.push({
        name: 'lock with pinning, npx -y, attestations announced',
        wallMs: pinnedAttested.wallMs,
        ratio: pinnedAttested.wallMs / bareAttested.wallMs,
        target: '≤ +2 requests',
        ok: extraAttested <= 2,
        note: `${pinnedAttested.requests} registry requests (+${extraAttested}: the package document and, for provenance, its attestations)`,
      });
    } else {
      const { pinLaunch } = await import(pathToFileURL(join(ctx.root, 'dist', 'src', 'artifact', 'index.js')).href);
      const times = [];
      let requests = 0;
      for (let i = 0; i < RUNS; i++) {
        const dir = freshHome();
        const before = registry.requests.length;
        const start = process.hrtime.bigint();
        await pinLaunch({ command: 'npx', args: ['-y', 'fx-bench-server'] }, { cwd: dir, lockDir: dir, env: envFor(dir) });
        times.push(Number(process.hrtime.bigint() - start) / 1e6);
        requests = Math.max(requests, registry.requests.length - before);
      }
      const fetchTimes = [];
      for (let i = 0; i < RUNS; i++) {
        const start = process.hrtime.bigint();
        await (await fetch(new URL('fx-bench-server', registry.url))).arrayBuffer();
        fetchTimes.push(Number(process.hrtime.bigint() - start) / 1e6);
      }
      rows.push({ name: 'one packument fetch (loopback)', wallMs: median(fetchTimes) });
      rows.push({ name: 'pinLaunch npx -y (3 packages, cold cache)', wallMs: median(times), ratio: median(times) / median(fetchTimes), note: `${requests} registry requests (3 packuments + top tarball)` });
    }
  } finally {
    await registry.close();
  }
  return rows;
}
