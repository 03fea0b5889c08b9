// Artifact pinning loads the resolver of a launch's kind only when that kind is hit
// (src/artifact/index.ts): `lock -- node server.js` pins a local file and must not pay for
// pacote, arborist and sigstore (seconds of start-up on a busy machine). Checked on the shipped
// bundle, as a user runs it: a loader hook reports every ES module loaded, NODE_DEBUG=module every
// CommonJS file Node requires (dist/bin/load.js compiles the program build's own files). An npm launch still loads the npm resolver (its own tests pin what it
// records); this file pins only what a local launch does not load.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtCli, fixtureServer, tempDir } from '../helpers/cli.js';

describe('lock of a local launch loads no registry client', () => {
  let scratch: ReturnType<typeof tempDir>;
  let register: string;
  beforeAll(() => {
    scratch = tempDir();
    const hook = join(scratch.dir, 'hook.mjs');
    writeFileSync(hook, "import { writeSync } from 'node:fs';\nexport async function load(url, context, next) { writeSync(2, `LOADED ${url}\\n`); return next(url, context); }\n");
    register = join(scratch.dir, 'register.mjs');
    writeFileSync(register, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hook).href)});\n`);
  });
  afterAll(() => scratch.cleanup());

  const run = (argv: string[]) =>
    spawnSync(process.execPath, ['--import', register, builtCli, ...argv], {
      cwd: scratch.dir,
      env: { PATH: process.env.PATH, HOME: scratch.dir, NO_COLOR: '1', NODE_DEBUG: 'module' },
      encoding: 'utf8',
      timeout: 60_000,
    });

  it('pins the server file (artifact type local) and loads nothing from node_modules', () => {
    expect(existsSync(builtCli), 'build first: npm run build').toBe(true);
    const r = run(['lock', '--', ...fixtureServer('example-server.mjs')]);
    expect({ status: r.status, stdout: r.stdout }).toMatchObject({ status: 0, stdout: expect.stringMatching(/^locked 1 server into mcp-lock\.json/) });
    // The pin happened (a local resolver ran), so the laziness is not a skipped pin.
    const lock = JSON.parse(readFileSync(join(scratch.dir, 'mcp-lock.json'), 'utf8')) as { servers: Record<string, { artifact?: { type?: string } }> };
    expect(Object.values(lock.servers).map((s) => s.artifact?.type)).toEqual(['local']);
    const esm = [...r.stderr.matchAll(/^LOADED (\S+)$/gm)].map((m) => m[1]!);
    expect(esm).toContain(pathToFileURL(builtCli).href);
    expect(esm.filter((url) => url.includes('/node_modules/'))).toEqual([]);
    // The bin and its loader (dist/bin/load.js) are CommonJS; nothing else is required.
    const required = [...new Set([...r.stderr.matchAll(/^MODULE \d+: load "([^"]+)"/gm)].map((m) => m[1]!))];
    expect(required).toEqual([builtCli, join(dirname(builtCli), 'load.js')]);
    for (const name of ['pacote', '@npmcli/arborist', '@sigstore/verify', 'npm-registry-fetch']) expect(r.stderr).not.toContain(`/node_modules/${name}/`);
  }, 90_000);
});
