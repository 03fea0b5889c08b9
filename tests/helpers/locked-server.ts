import { chmodSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { repoRoot, runCli, tempDir } from './cli.js';

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

/**
 * A scratch folder for one test file, removed after it, holding `base`: a folder locked once with
 * SERVER_LINE (server "hostile-ok"). `env` is a minimal environment whose HOME is the scratch.
 */
export function lockedBase(prefix: string): { scratch: { dir: string }; env: NodeJS.ProcessEnv; base: () => string } {
  const scratch = tempDir(prefix);
  afterAll(() => scratch.cleanup());
  const env = { PATH: process.env.PATH, HOME: scratch.dir };
  let base = '';
  beforeAll(async () => {
    base = await lockedServerFolder(join(scratch.dir, 'base'), env);
  }, 60_000);
  return { scratch, env, base: () => base };
}

/** The transport of a locked server, as a test edits it. */
export interface EditableTransport {
  command: string;
  args: string[];
  env: string[];
}

/**
 * A copy of the locked folder `base` in `dir`: its srv.mjs, and its mcp-lock.json with the server's
 * transport changed by `edit`, then `files` written (and made executable when `executable`),
 * their paths relative to `root` (default `dir`: a lock in a subfolder of a project).
 */
export function editedCopy(base: string, dir: string, edit: (transport: EditableTransport) => void, files: Record<string, string> = {}, options: { root?: string; executable?: boolean } = {}): string {
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(base, 'srv.mjs'), join(dir, 'srv.mjs'));
  const lock = JSON.parse(readFileSync(join(base, 'mcp-lock.json'), 'utf8'));
  edit(lock.servers['hostile-ok'].transport);
  writeFileSync(join(dir, 'mcp-lock.json'), `${JSON.stringify(lock, null, 2)}\n`);
  const root = options.root ?? dir;
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, name)), { recursive: true });
    writeFileSync(join(root, name), text);
    if (options.executable) chmodSync(join(root, name), 0o755);
  }
  return dir;
}

let copies = 0;
/**
 * A copy of the locked folder `base` in a new folder of `scratch` whose server's line is `command
 * args` (declaring `declare`), with `files` written relative to that new folder; the lock itself
 * is in its subfolder `sub` when given (a lock below a project's root).
 */
export function copyWithLine(base: string, scratch: string, command: string, args: string[], files: Record<string, string> = {}, options: { declare?: string[]; sub?: string; executable?: boolean } = {}): string {
  const top = join(scratch, `line-${++copies}`);
  const dir = options.sub === undefined ? top : join(top, options.sub);
  return editedCopy(base, dir, (t) => Object.assign(t, { command, args, env: options.declare ?? [] }), files, { root: top, executable: options.executable });
}
