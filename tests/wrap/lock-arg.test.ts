import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lockArgFor } from '../../src/config/wrap.js';

// The lock path wrap writes: portable in a project config, absolute in a user config.
describe('lockArgFor', () => {
  const home = homedir();
  const proj = join(home, 'proj');
  it.each([
    [join(proj, '.mcp.json'), join(proj, 'mcp-lock.json'), './mcp-lock.json'],
    [join(proj, '.mcp.json'), join(proj, 'locks', 'mcp-lock.json'), './locks/mcp-lock.json'],
    [join(proj, '.mcp.json'), join(proj, '..lock.json'), './..lock.json'],
    [join(proj, '.mcp.json'), join(home, 'shared', 'mcp-lock.json'), join(home, 'shared', 'mcp-lock.json')],
    [join(proj, '.cursor', 'mcp.json'), join(proj, 'mcp-lock.json'), '${workspaceFolder}/mcp-lock.json'],
    [join(proj, '.vscode', 'mcp.json'), join(proj, 'mcp-lock.json'), '${workspaceFolder}/mcp-lock.json'],
    [join(proj, '.gemini', 'settings.json'), join(proj, 'mcp-lock.json'), './mcp-lock.json'],
    // ~/.cursor/mcp.json is Cursor's user config: no workspace folder expands in it.
    [join(home, '.cursor', 'mcp.json'), join(proj, 'mcp-lock.json'), join(proj, 'mcp-lock.json')],
    [join(home, '.claude.json'), join(proj, 'mcp-lock.json'), join(proj, 'mcp-lock.json')],
  ])('%s with %s: %s', (config, lock, expected) => {
    expect(lockArgFor(config, lock)).toBe(expected);
  });
});
