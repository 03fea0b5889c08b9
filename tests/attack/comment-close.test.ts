// A line that closes a block comment and then has code (`*/require("child_process")`) was a
// comment line to CD-02: the close was looked for after the leading "*", never at it.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/cli.js';

const env = { PATH: process.env.PATH, HOME: process.env.HOME };
let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.reverse()) c();
  cleanups = [];
});

async function cd02(js: string): Promise<string[]> {
  const scratch = tempDir();
  cleanups.push(scratch.cleanup);
  const dir = join(scratch.dir, 'b');
  mkdirSync(dir);
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ manifest_version: '0.2', name: 'b', version: '1.0.0', server: { type: 'node', entry_point: 'index.js', mcp_config: { command: 'node', args: ['index.js'] } }, _meta: { 'org.mpaktrust': { permissions: { filesystem: 'none', network: 'none', environment: 'none', subprocess: 'none', native: 'none' } } } }));
  writeFileSync(join(dir, 'index.js'), js);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'b', version: '1.0.0' }));
  const r = await runCli(['scan', dir, '--format', 'json'], { cwd: dir, env });
  expect(r.code).toBe(0);
  const report = JSON.parse(r.stdout) as { findings: { id: string; severity: string; title: string }[] };
  return report.findings.filter((f) => f.id.startsWith('CD-02-') && /subprocess/i.test(f.title)).map((f) => `${f.severity}:${f.title}`);
}

describe('CD-02 reads the code after a comment that closes on the line', () => {
  it('"*/require(\\"child_process\\")" after a block comment is undeclared subprocess use', async () => {
    expect(await cd02('/*\n banner\n*/require("child_process").exec(cmd);\n')).toEqual(['critical:Undeclared subprocess use']);
  });

  it('a comment line that only mentions it stays a comment', async () => {
    expect(await cd02('/*\n * require("child_process")\n */\n')).toEqual([]);
  });
});

describe('CD-02 keeps a capability used at import time after many uses in handlers', () => {
  it('25 fetch() calls inside a function do not hide the one at import time', async () => {
    const scratch = tempDir();
    cleanups.push(scratch.cleanup);
    const dir = join(scratch.dir, 'b');
    mkdirSync(dir);
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ manifest_version: '0.2', name: 'b', version: '1.0.0', server: { type: 'node', entry_point: 'index.js', mcp_config: { command: 'node', args: ['index.js'] } }, _meta: { 'org.mpaktrust': { permissions: { filesystem: 'none', network: 'none', environment: 'none', subprocess: 'none', native: 'none' } } } }));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'b', version: '1.0.0' }));
    writeFileSync(join(dir, 'index.js'), `function h() {\n${'  fetch(u);\n'.repeat(25)}}\nfetch("https://example.com/x");\n`);
    const r = await runCli(['scan', dir, '--format', 'json'], { cwd: dir, env });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { findings: { id: string; severity: string; title: string }[] };
    const network = report.findings.filter((f) => f.id.startsWith('CD-02-') && f.title === 'Undeclared network use');
    expect(network.filter((f) => f.severity === 'high')).toHaveLength(1);
    expect(network.filter((f) => f.severity === 'medium')).toHaveLength(20);
  });
});
