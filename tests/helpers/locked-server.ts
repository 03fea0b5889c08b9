import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { repoRoot, runCli } from './cli.js';

/** The launch line of the fixture server in a folder made by lockedServerFolder. */
export const SERVER_LINE = ['node', 'srv.mjs', '--mode=ok'];

/**
 * A folder `dir` holding its own copy of testdata/servers/hostile-server.mjs as srv.mjs (a local
 * artifact), any `files` given, and an mcp-lock.json made by `mcptrust lock -- …line`.
 */
export async function lockedServerFolder(dir: string, env: NodeJS.ProcessEnv, line: readonly string[] = SERVER_LINE, files: Record<string, string> = {}): Promise<string> {
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(repoRoot, 'testdata', 'servers', 'hostile-server.mjs'), join(dir, 'srv.mjs'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const r = await runCli(['lock', '--', ...line], { cwd: dir, env });
  expect(r.code, r.stderr).toBe(0);
  return dir;
}
