import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtCli, fixtureServer, tempDir } from '../helpers/cli.js';

// Runs the built CLI on a real pseudo-terminal through util-linux `script`, the way a person
// at a terminal runs it. `stty cols 0` is what some CI runners and `script` without a size
// report; ora counts the lines to clear by dividing by the width and used to loop forever.
const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;

function onTerminal(cols: number, dir: string, args: string[]) {
  const line = [process.execPath, builtCli, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const log = join(dir, `typescript-${cols}`);
  const r = spawnSync('script', ['-qec', `stty cols ${cols} rows 30; ${line}`, log], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 30_000,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, TERM: 'xterm' },
  });
  return { status: r.status, signal: r.signal, screen: existsSync(log) ? readFileSync(log, 'utf8') : '' };
}

describe.skipIf(!hasScript)('lock on a terminal', () => {
  it.each([0, 100])('finishes, with the spinner only when the terminal has a width (cols %i)', (cols) => {
    const { dir, cleanup } = tempDir();
    try {
      const r = onTerminal(cols, dir, ['lock', '-o', 'mcp-lock.json', '--', ...fixtureServer('example-server.mjs')]);
      expect(r.signal).toBeNull();
      expect(r.status).toBe(0);
      expect(r.screen).toContain('locked');
      expect(existsSync(join(dir, 'mcp-lock.json'))).toBe(true);
      // The spinner's "connecting" frame appears only on a terminal with a width.
      expect(r.screen.includes('connecting to the server')).toBe(cols > 0);
    } finally {
      cleanup();
    }
  });
});
