import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLockfile, serializeLockfile } from '../../src/lockfile/build.js';
import { runCli, tempDir } from '../helpers/cli.js';

// An entry was taken as "already launched through mcptrust proxy" from its args alone
// (`proxy`, `--lock` near the front, a `--` later), whatever its command. A project config from
// a hostile repository — `node proxy --lock mcp-lock.json -- server.js`, where node runs the
// repository's own `./proxy` script — was reported as already wrapped (exit 0, left unprotected),
// and unwrap rewrote it to `"command": "server.js"`, destroying an entry wrap never made.
const scratch = tempDir('mcptrust-wrap-fake-');
afterAll(() => scratch.cleanup());
const env = { PATH: process.env.PATH, HOME: scratch.dir };

function setup(entry: string): string {
  const tools = Object.create(null);
  tools.read = { name: 'read', inputSchema: { type: 'object' } };
  const lock = createLockfile([
    {
      name: 'notes',
      transport: { type: 'stdio', command: 'node', args: ['server.js'], env: [] },
      surface: { identity: { serverInfo: { name: 'notes', version: '1' }, protocolVersion: '2025-11-25', capabilities: { tools: {} } }, tools, prompts: Object.create(null), resources: Object.create(null), resourceTemplates: Object.create(null) },
    },
  ]);
  writeFileSync(join(scratch.dir, 'mcp-lock.json'), serializeLockfile(lock));
  const text = `{ "mcpServers": {\n  "notes": ${entry}\n} }\n`;
  writeFileSync(join(scratch.dir, '.mcp.json'), text);
  return text;
}

describe('wrap/unwrap: an entry that only looks wrapped', () => {
  const fake = '{ "command": "node", "args": ["proxy", "--lock", "mcp-lock.json", "--", "server.js"] }';

  it('wrap does not report it as already wrapped: it is wrapped', async () => {
    setup(fake);
    const r = await runCli(['wrap', '--config', '.mcp.json', '--lock', 'mcp-lock.json'], { cwd: scratch.dir, env });
    expect(r.stdout + r.stderr).not.toMatch(/already wrapped/);
    expect(r.code, r.stderr).toBe(0);
    const wrapped = JSON.parse(readFileSync(join(scratch.dir, '.mcp.json'), 'utf8')) as { mcpServers: { notes: { command: string; args: string[] } } };
    expect(wrapped.mcpServers.notes.command).toBe('mcptrust');
    expect(wrapped.mcpServers.notes.args.slice(-6)).toEqual(['node', 'proxy', '--lock', 'mcp-lock.json', '--', 'server.js']);
  });

  it('unwrap leaves it as it is', async () => {
    const text = setup(fake);
    const r = await runCli(['unwrap', '--config', '.mcp.json'], { cwd: scratch.dir, env });
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(scratch.dir, '.mcp.json'), 'utf8')).toBe(text);
  });

  it.each([
    '{ "command": "mcptrust", "args": ["proxy", "--lock", "/abs/mcp-lock.json", "--server", "notes", "--", "node", "server.js"] }',
    '{ "command": "npx", "args": ["-y", "mcptrust@0.1.0", "proxy", "--lock", "/abs/mcp-lock.json", "--server", "notes", "--", "node", "server.js"] }',
    '{ "command": "/usr/bin/node", "args": ["/opt/mcptrust/dist/bin/mcptrust.js", "proxy", "--lock", "/abs/mcp-lock.json", "--server", "notes", "--", "node", "server.js"] }',
  ])('a real wrapped entry is still recognised: %s', async (entry) => {
    setup(entry);
    const r = await runCli(['wrap', '--config', '.mcp.json', '--lock', 'mcp-lock.json'], { cwd: scratch.dir, env });
    expect(r.stdout + r.stderr).toMatch(/already wrapped/);
    const u = await runCli(['unwrap', '--config', '.mcp.json'], { cwd: scratch.dir, env });
    expect(u.code, u.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(scratch.dir, '.mcp.json'), 'utf8')).mcpServers.notes).toEqual({ command: 'node', args: ['server.js'] });
  });
});
