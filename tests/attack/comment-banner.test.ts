// A line that *starts* like a comment is not a comment line when code follows the comment on it:
// a minified bundle opening with a `/*! lib | MIT */` banner hid every CQ-05 finding on its one
// line, and on a line longer than the match window the window starts mid-line, where padding
// chose the character a "^\s*(//|\*)" test saw (1 MiB of "*" before the call hid it too).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/cli.js';

const MiB = 1024 * 1024;
const env = { PATH: process.env.PATH, HOME: process.env.HOME };
let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.reverse()) c();
  cleanups = [];
});

function bundle(js: string): string {
  const scratch = tempDir();
  cleanups.push(scratch.cleanup);
  const dir = join(scratch.dir, 'b');
  mkdirSync(dir);
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ manifest_version: '0.2', name: 'b', version: '1.0.0', server: { type: 'node', entry_point: 'index.js', mcp_config: { command: 'node', args: ['index.js'] } } }));
  writeFileSync(join(dir, 'index.js'), js);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'b', version: '1.0.0' }));
  return dir;
}

async function cq05(js: string): Promise<string[]> {
  const dir = bundle(js);
  const r = await runCli(['scan', dir, '--format', 'json'], { cwd: dir, env });
  expect(r.code).toBe(0);
  const report = JSON.parse(r.stdout) as { findings: { id: string }[] };
  return report.findings.map((f) => f.id).filter((id) => id.startsWith('CQ-05-') && !id.endsWith('-long-lines'));
}

const call = 'require("child_process").exec(cmd);eval(code);\n';

describe('CQ-05 reads the code after a comment on the same line', () => {
  it('a /*! licence */ banner before the calls hides neither finding', async () => {
    expect(await cq05(`/*! mylib v1 | MIT */${call}`)).toEqual(['CQ-05-child-process-exec-1', 'CQ-05-eval-js-2']);
  });

  it('a 1 MiB line of "*" before the calls (a window that starts mid-line) hides neither finding', async () => {
    expect(await cq05(`${'*'.repeat(MiB)}${call}`)).toEqual(['CQ-05-child-process-exec-1', 'CQ-05-eval-js-2']);
  });

  it('a line that is only a comment stays a comment', async () => {
    expect(await cq05(`// require("child_process").exec(cmd)\n/* eval(code) */\n * eval(code)\n`)).toEqual([]);
  });
});
