import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempDir } from '../helpers/cli.js';
import { auditLines, fixture, ProxyProcess } from '../proxy/harness.js';

// A hostile server floods the proxy with what it never asked for: responses to ids it never sent
// and requests it does not pass. Notifications are bounded (1,000 a second, drops counted), but
// each of these was logged on its own (one audit line and one stderr line each) and each request
// answered: a server could fill the audit file and the agent's log without bound.
const scratch = tempDir('mcptrust-proxy-flood-');
const env = { PATH: process.env.PATH, HOME: scratch.dir };

beforeAll(async () => {
  const r = await runCli(['lock', '-o', 'flood.json', '--', ...fixture('bogus-flood')], { cwd: scratch.dir, env });
  expect(r.code, r.stderr).toBe(0);
}, 120_000);
afterAll(() => scratch.cleanup());

describe('proxy: unsolicited responses and requests from the server', () => {
  it('are bounded like notifications: 40,000 of them do not make 40,000 log lines, and the real answer still arrives', async () => {
    const audit = join(scratch.dir, 'audit.jsonl');
    const p = new ProxyProcess(['--lock', 'flood.json', '--audit', audit, '--', ...fixture('bogus-flood')], scratch.dir);
    await p.initialize();
    const answer = await p.call(1, 'tools/call', { name: 'read', arguments: { name: 'x' } });
    expect(answer.result).toEqual({ content: [{ type: 'text', text: 'note x' }] });
    p.child.stdin.end();
    expect((await p.exited).code).toBe(0);
    const lines = auditLines(audit);
    // One line per message would be over 40,000; the bound lets through 1,000 a second.
    expect(lines.length).toBeLessThan(20_000);
    expect(p.stderr.split('\n').length).toBeLessThan(20_000);
    expect(lines.some((l) => l.decision === 'dropped' && /a second/.test(String(l.reason)))).toBe(true);
    // The agent never sees the server's requests.
    expect(p.messages.some((m) => m.method === 'evil/method')).toBe(false);
  }, 120_000);
});
