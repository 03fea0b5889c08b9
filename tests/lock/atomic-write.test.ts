// A lockfile write interrupted by a signal must leave neither a partial file nor its
// temporary file behind. Only a real process shows this (dist/, built first).
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, tempDir } from '../helpers/cli.js';

const fsModule = join(repoRoot, 'dist', 'src', 'util', 'fs.js');
const SIZE = 1024 * 1024;

describe('writeFileAtomic under SIGINT', () => {
  it('finishes the write, leaves no temporary file, then dies of the signal', async () => {
    expect(existsSync(fsModule), 'build dist/ first: npx tsc -p tsconfig.build.json').toBe(true);
    const { dir, cleanup } = tempDir();
    try {
      const target = join(dir, 'mcp-lock.json');
      // The signal is raised from inside the write itself (fs.writeSync is wrapped before the
      // module loads), so it lands mid-write every time, with no race against a second process.
      const script = `
        import fs from 'node:fs';
        import { syncBuiltinESMExports } from 'node:module';
        const writeSync = fs.writeSync;
        fs.writeSync = (...args) => {
          process.kill(process.pid, 'SIGINT');
          return writeSync(...args);
        };
        syncBuiltinESMExports();
        const { writeFileAtomic } = await import(${JSON.stringify(fsModule)});
        writeFileAtomic(${JSON.stringify(target)}, Buffer.alloc(${SIZE}, 120));
        setTimeout(() => {}, 2000);
      `;
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'ignore', 'inherit'] });
      const ended = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once('close', (code, signal) => r({ code, signal })));
      expect(ended).toEqual({ code: null, signal: 'SIGINT' });
      expect(readdirSync(dir)).toEqual(['mcp-lock.json']);
      expect(statSync(target).size).toBe(SIZE);
    } finally {
      cleanup();
    }
  });
});
