// A JSONC agent config (VS Code, Zed, Gemini) of 32 MB of ", " or of comments: the comment
// stripper built a string per comma and per comment character, 1.4 GB for a 32 MB file (an
// out-of-memory crash on a small runner). It now blanks in one flat array: discover refuses the
// file at line:col within a 384 MB heap.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stripJsonc } from '../../src/config/jsonc.js';
import { builtCli, tempDir } from '../helpers/cli.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length > 0) cleanups.pop()!();
});

function discoverWithSmallHeap(body: string) {
  const { dir, cleanup } = tempDir();
  cleanups.push(cleanup);
  mkdirSync(join(dir, '.vscode'));
  writeFileSync(join(dir, '.vscode', 'mcp.json'), body);
  return spawnSync(process.execPath, ['--max-old-space-size=384', builtCli, 'discover'], {
    cwd: dir,
    env: { PATH: process.env.PATH, HOME: join(dir, 'home') },
    encoding: 'utf8',
    timeout: 120_000,
  });
}

describe('JSONC configs of 32 MB', () => {
  it('32 MB of ", ": refused at line:col, no crash', () => {
    const r = discoverWithSmallHeap(`{"servers":{${', '.repeat(16_000_000)}`);
    expect(r.stderr).toMatch(/\.vscode\/mcp\.json:1:13: is not valid JSON with comments: expected a property name in double quotes\n$/);
    expect(r.status).toBe(2);
  });

  it('32 MB of comment openers: refused at line:col, no crash', () => {
    const r = discoverWithSmallHeap(`/${'/*'.repeat(16_000_000)}`);
    expect(r.stderr).toMatch(/\.vscode\/mcp\.json:1:32000002: is not valid JSON with comments: unexpected end of the text\n$/);
    expect(r.status).toBe(2);
  });

  it('blanks keep every line and column; a text with nothing to blank is returned as it is', () => {
    const text = '{"a": [1, 2,], // x\r\n "b": /* y\n z */ "//", }';
    expect(stripJsonc(text)).toEqual({ text: '{"a": [1, 2 ],     \r\n "b":     \n      "//"  }' });
    const plain = '{"a": [1, 2]}';
    expect((stripJsonc(plain) as { text: string }).text).toBe(plain);
  });
});
