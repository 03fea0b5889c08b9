// dist/bin/load.js compiles the program build's files with the V8 code caches the build made
// (scripts/bin-load.cjs, scripts/bundle.mjs TRAINING). A cache may only ever change how soon code
// runs, never what runs: these tests change a file after its cache was made and check that the
// new text runs, and that the build's own caches are ones this node accepts.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loaderScratch, runNode } from '../helpers/bin-loader.js';
import { repoRoot, tempDir } from '../helpers/cli.js';

const binDir = join(repoRoot, 'dist', 'bin');

const node = runNode;

describe('the code-cache loader of the bin', () => {
  let scratch: ReturnType<typeof tempDir>;
  beforeAll(() => {
    scratch = loaderScratch();
  });
  afterAll(() => scratch.cleanup());

  const entry = () => join(scratch.dir, 'program.js');
  const chunk = () => join(scratch.dir, 'chunk.js');
  const run = () => node(`process.stdout.write(require('./load.js').loadProgram(${JSON.stringify(entry())}, false).say())`, scratch.dir);

  it('records a cache per compiled file, named by the SHA-256 of its source, and runs the files with it', () => {
    writeFileSync(chunk(), "'use strict';\nexports.word = () => 'AAAA';\n");
    writeFileSync(entry(), "'use strict';\nconst { word } = require('./chunk.js');\nexports.say = () => `said ${word()}`;\n");
    const record = node(`const l = require('./load.js'); l.record(); process.stdout.write(l.loadProgram(${JSON.stringify(entry())}, false).say());`, scratch.dir);
    expect(record).toEqual({ status: 0, stdout: 'said AAAA', stderr: '' });
    for (const file of [entry(), chunk()]) {
      const cache = readFileSync(`${file}.cache`);
      expect(cache.subarray(0, 32).equals(createHash('sha256').update(readFileSync(file, 'utf8')).digest())).toBe(true);
      expect(cache.length).toBeGreaterThan(32);
    }
    expect(run()).toEqual({ status: 0, stdout: 'said AAAA', stderr: '' });
  });

  it('a file changed after its cache was made, to another text of the same length, runs its new text', () => {
    const before = readFileSync(chunk(), 'utf8');
    const after = before.replace('AAAA', 'BBBB');
    expect(after.length).toBe(before.length);
    writeFileSync(chunk(), after);
    expect(run()).toEqual({ status: 0, stdout: 'said BBBB', stderr: '' });
    // A cache cut short or of another file is ignored the same way.
    writeFileSync(`${chunk()}.cache`, readFileSync(`${entry()}.cache`));
    expect(run().stdout).toBe('said BBBB');
    writeFileSync(`${chunk()}.cache`, Buffer.alloc(8));
    expect(run().stdout).toBe('said BBBB');
  });

  it('the build ships load.js as written and caches this node accepts for the trained commands', () => {
    expect(readFileSync(join(binDir, 'load.js'), 'utf8')).toBe(readFileSync(join(repoRoot, 'scripts', 'bin-load.cjs'), 'utf8'));
    for (const command of ['verify', 'diff', 'policy', 'sign', 'keygen', 'all', 'lock', 'check']) {
      const file = join(binDir, command, 'program.js');
      const check = `const { Script } = require('node:vm'); const { wrap } = require('node:module'); const fs = require('node:fs');
const source = fs.readFileSync(${JSON.stringify(file)}, 'utf8'); const cache = fs.readFileSync(${JSON.stringify(`${file}.cache`)});
const ok = cache.subarray(0, 32).equals(require('node:crypto').createHash('sha256').update(source).digest());
const script = new Script(wrap(source), { filename: ${JSON.stringify(file)}, cachedData: cache.subarray(32) });
process.stdout.write(JSON.stringify({ hash: ok, rejected: script.cachedDataRejected }));`;
      expect({ command, ...JSON.parse(node(check, scratch.dir).stdout) }).toEqual({ command, hash: true, rejected: false });
    }
  });

  it('a policy file and the strict preset, as the build trained them, compile no program file from source', async () => {
    const { writeSyntheticLock } = (await import(pathToFileURL(join(repoRoot, 'scripts', 'bench', 'lib.mjs')).href)) as { writeSyntheticLock: (path: string, count: number) => Promise<void> };
    await writeSyntheticLock(join(scratch.dir, 'mcp-lock.json'), 3);
    copyFileSync(join(repoRoot, 'policies', 'strict.yaml'), join(scratch.dir, 'policy.yaml'));
    // Every program file the run compiles, and whether V8 took a cache for it.
    const hook = join(scratch.dir, 'hook.cjs');
    writeFileSync(
      hook,
      `const vm = require('node:vm'); const Script = vm.Script; const seen = [];
vm.Script = function (source, options) { const s = new Script(source, options); if (options.filename.startsWith(${JSON.stringify(binDir)})) seen.push([options.filename.slice(${binDir.length + 1}), options.cachedData !== undefined && !s.cachedDataRejected]); return s; };
process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(join(scratch.dir, 'seen.json'))}, JSON.stringify(seen)));\n`,
    );
    for (const how of [['--policy', 'policy.yaml'], ['--preset', 'strict']]) {
      const r = spawnSync(process.execPath, ['-r', hook, join(binDir, 'mcptrust.js'), 'policy', 'check', ...how], { cwd: scratch.dir, encoding: 'utf8', env: { PATH: process.env.PATH } });
      expect(r.status, r.stderr).toBe(0);
      const seen = JSON.parse(readFileSync(join(scratch.dir, 'seen.json'), 'utf8')) as [string, boolean][];
      // The YAML parser is in a chunk of its own, loaded only for a policy file.
      expect(seen.length, how.join(' ')).toBeGreaterThan(how[0] === '--policy' ? 20 : 15);
      expect(seen.filter(([, cached]) => !cached).map(([file]) => file), how.join(' ')).toEqual([]);
    }
  });
});
