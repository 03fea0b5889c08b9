import { execFileSync } from 'node:child_process';
import { readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/cli.js';
import { fixture, ProxyProcess } from '../proxy/harness.js';

// --audit appends to a path. When that path is a symlink (planted by someone else in a shared
// folder such as /tmp), the proxy appended its JSON lines, with agent-chosen text in them, to
// whatever file the link names (a shell profile…); a FIFO there made it block before serving.
// The audit file must be a regular file the proxy opens without following a link.
const scratch = tempDir('mcptrust-proxy-audit-');
const env = { PATH: process.env.PATH, HOME: scratch.dir };

beforeAll(async () => {
  const r = await runCli(['lock', '-o', 'plain.json', '--', ...fixture('plain')], { cwd: scratch.dir, env });
  expect(r.code, r.stderr).toBe(0);
}, 120_000);
afterAll(() => scratch.cleanup());

async function runWithAudit(audit: string) {
  const p = new ProxyProcess(['--lock', 'plain.json', '--audit', audit, '--', ...fixture('plain')], scratch.dir);
  p.send({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'a', version: '1' } } });
  p.send({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: '$(touch /tmp/pwned)', arguments: {} } });
  p.child.stdin.end();
  return { p, exit: await p.exited };
}

describe('proxy --audit', () => {
  it('refuses a symlink (exit 2) and never writes through it', async () => {
    const target = join(scratch.dir, 'profile');
    writeFileSync(target, 'export PATH\n');
    symlinkSync(target, join(scratch.dir, 'audit-link.jsonl'));
    const { p, exit } = await runWithAudit('audit-link.jsonl');
    expect(exit.code).toBe(2);
    expect(p.stderr).toMatch(/cannot open the audit file audit-link\.jsonl: it is a symlink/);
    expect(readFileSync(target, 'utf8')).toBe('export PATH\n');
  }, 120_000);

  it('refuses a FIFO (exit 2) instead of blocking on it', async () => {
    execFileSync('mkfifo', [join(scratch.dir, 'audit-fifo')]);
    const { p, exit } = await runWithAudit('audit-fifo');
    expect(exit.code).toBe(2);
    expect(p.stderr).toMatch(/cannot open the audit file audit-fifo: it is not a regular file/);
  }, 120_000);

  it('still appends to a regular file', async () => {
    const { exit } = await runWithAudit('audit.jsonl');
    expect(exit.code).toBe(0);
    expect(readFileSync(join(scratch.dir, 'audit.jsonl'), 'utf8')).toMatch(/"decision":"blocked"/);
  }, 120_000);
});
