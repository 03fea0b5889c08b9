import { spawnSync } from 'node:child_process';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, tempDir } from './cli.js';

/** A scratch folder holding the bin's loader (scripts/bin-load.cjs) as load.js, CommonJS, as dist/bin/ holds it. */
export function loaderScratch(prefix?: string): ReturnType<typeof tempDir> {
  const scratch = tempDir(prefix);
  writeFileSync(join(scratch.dir, 'package.json'), '{ "type": "commonjs" }\n');
  copyFileSync(join(repoRoot, 'scripts', 'bin-load.cjs'), join(scratch.dir, 'load.js'));
  return scratch;
}

/** Runs `code` in a plain node (the flags a user's run has, PATH only) in `cwd`. */
export function runNode(code: string, cwd: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['-e', code], { cwd, encoding: 'utf8', env: { PATH: process.env.PATH } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
