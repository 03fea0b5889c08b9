#!/usr/bin/env node
// `npm run demo`: a guided tour on the example server that ships in testdata/, with no network.
// Each scripts/demo/NN-*.mjs step exports `run(ctx)`; they run in name order in one temp folder.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { spawnSync } from 'node:child_process';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const dir = mkdtempSync(join(tmpdir(), 'mcptrust-demo-'));
const cli = join(root, JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).bin.mcptrust);
const exampleServer = ['node', join(root, 'testdata', 'servers', 'example-server.mjs')];

/** Runs mcptrust, echoing the command line and its output like a terminal session. */
function mcptrust(args, { expect = 0, quiet = false } = {}) {
  const shown = args.map((a) => (a.startsWith(root) ? a.replace(root + '/', '') : a.startsWith(dir) ? a.replace(dir + '/', '') : a));
  console.log(`\n$ mcptrust ${shown.join(' ')}`);
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env } });
  if (!quiet) process.stdout.write(r.stdout);
  process.stdout.write(r.stderr);
  console.log(`(exit ${r.status})`);
  if (r.status !== expect) {
    console.error(`demo: expected exit ${expect}, got ${r.status}`);
    process.exit(1);
  }
  return r;
}

const ctx = { dir, root, cli, exampleServer, mcptrust, say: (s) => console.log(`\n# ${s}`) };
try {
  for (const file of readdirSync(join(here, 'demo')).filter((f) => /^\d\d-.*\.mjs$/.test(f)).sort()) {
    const step = await import(pathToFileURL(join(here, 'demo', file)).href);
    await step.run(ctx);
  }
  console.log('\ndemo finished.');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
