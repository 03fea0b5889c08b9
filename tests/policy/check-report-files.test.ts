import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/cli.js';
import { lockedServerFolder } from '../helpers/locked-server.js';

// check's report files (--junit, --json, --markdown, --sarif) tell the verdict of the run that
// wrote them: all of them are written, or none is left behind, and a machine format on stdout
// (--format json, junit) is printed only once they are, so a run that exits 2 on a file it
// cannot write never prints a verdict a CI step could read as a pass.

const scratch = tempDir('mcptrust-check-files-');
const env = { PATH: process.env.PATH, HOME: scratch.dir };
const line = ['--', 'node', 'srv.mjs', '--mode=ok'];
let dir: string;

beforeAll(async () => {
  dir = await lockedServerFolder(join(scratch.dir, 'locked'), env);
}, 60_000);
afterAll(() => scratch.cleanup());

describe('check: report files', () => {
  it('all written on a passing run: the stdout JSON and the files tell one verdict', async () => {
    const r = await runCli(['check', '--format', 'json', '--json', 'c.json', '--markdown', 'c.md', '--junit', 'c.xml', '--sarif', 'c.sarif', ...line], { cwd: dir, env });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).passed).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, 'c.json'), 'utf8')).passed).toBe(true);
    for (const f of ['c.md', 'c.xml', 'c.sarif']) expect(existsSync(join(dir, f)), f).toBe(true);
  }, 60_000);

  it.each(['json', 'junit'])('--format %s: a report file that cannot be written (a folder) is exit 2 with nothing on stdout and no file left behind', async (format) => {
    mkdirSync(join(dir, `out-${format}`));
    writeFileSync(join(dir, `old-${format}.json`), '{"passed": false}\n');
    const r = await runCli(['check', '--format', format, '--json', `old-${format}.json`, '--markdown', `out-${format}`, ...line], { cwd: dir, env });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(new RegExp(`cannot write .*out-${format}: EISDIR`));
    // The JSON written before the failing file is removed again (it would vouch for this run).
    expect(existsSync(join(dir, `old-${format}.json`))).toBe(false);
  }, 60_000);

  it('--format text: the verdict is shown, then the file that could not be written (exit 2)', async () => {
    mkdirSync(join(dir, 'out-text'));
    const r = await runCli(['check', '--json', 'out-text', ...line], { cwd: dir, env });
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/pass/i);
    expect(r.stderr).toMatch(/cannot write .*out-text: EISDIR/);
  }, 60_000);
});
