// Start-up of the offline commands (issue 13): what a short `verify`, `diff --against` or
// `policy check` loads of Node itself is most of what it costs after node's own start-up. These
// built-ins are loaded only by commands that need them (the network, a terminal, timers of
// perf_hooks), so an offline command on a small lockfile with its output piped must not load them.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtCli, fixtureServer, spawnCli, tempDir } from '../helpers/cli.js';

const HEAVY = ['net', 'tty', 'dns', 'dns/promises', 'perf_hooks', 'http', 'https', 'child_process', 'worker_threads'];

describe('offline commands load no network, terminal or timing built-ins', () => {
  let scratch: ReturnType<typeof tempDir>;
  const env = () => ({ PATH: process.env.PATH, HOME: scratch.dir, NO_COLOR: '1' });
  let report: string;
  beforeAll(async () => {
    scratch = tempDir();
    for (const argv of [['lock', '--', ...fixtureServer('example-server.mjs')], ['keygen', '--name', 'startup'], ['sign', '--key', 'startup.key']]) {
      expect((await spawnCli(argv, { cwd: scratch.dir, env: env() })).code).toBe(0);
    }
    report = join(scratch.dir, 'report.cjs');
    writeFileSync(report, "process.on('exit', () => require('node:fs').writeSync(2, `BUILTINS ${process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13)).join(' ')}\\n`));\n");
  }, 60_000);
  afterAll(() => scratch.cleanup());

  for (const argv of [['verify', '--key', 'startup.pub'], ['diff', '--against', 'mcp-lock.json'], ['policy', 'check', '--preset', 'strict'], ['--version']]) {
    it(`mcptrust ${argv.join(' ')}`, () => {
      // stdin, stdout and stderr are pipes, as in CI.
      const r = spawnSync(process.execPath, ['--require', report, builtCli, ...argv], { cwd: scratch.dir, env: env(), encoding: 'utf8' });
      expect(r.status).toBe(0);
      const loaded = new Set(r.stderr.match(/^BUILTINS (.*)$/m)?.[1]?.split(' '));
      expect(loaded.size).toBeGreaterThan(10);
      expect({ argv, heavy: HEAVY.filter((m) => loaded.has(m)) }).toEqual({ argv, heavy: [] });
    });
  }
});
