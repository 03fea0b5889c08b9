// In the bundle (dist/bin, CommonJS chunks made by esbuild), a binding imported from another chunk
// is read through a getter on that chunk's exports: `import_chunk_X.NAME` is a function call.
// The lockfile's byte check (src/lockfile/fast-check.ts) reads a scanner state
// (src/util/json.ts) for every byte of the file; read as getters, they cost half the check (on a
// 10,000-tool lockfile, `diff --against` an identical copy went from 2.0× to 2.9× node start-up).
// So the states are copied into the module's own constants once, and no bundled file may read
// them through another chunk.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/cli.js';

const binDir = join(repoRoot, 'dist', 'bin');

/** The scanner states src/util/json.ts exports (`export const NAME = <digit>;`). */
function scannerStates(): string[] {
  const source = readFileSync(join(repoRoot, 'src', 'util', 'json.ts'), 'utf8');
  return [...source.matchAll(/^export const ([A-Z][A-Z_]*) = \d+;$/gm)].map((m) => m[1]!).filter((name) => !name.startsWith('MAX_'));
}

/** Every .js file of the bundle, with its text. */
function bundleFiles(): { file: string; text: string }[] {
  const out: { file: string; text: string }[] = [];
  for (const entry of readdirSync(binDir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.js')) {
      const file = join(entry.parentPath ?? entry.path, entry.name);
      out.push({ file, text: readFileSync(file, 'utf8') });
    }
  }
  return out;
}

describe('hot loops of the bundle read no state through another chunk', () => {
  it('the JSON scanner states are the six src/util/json.ts exports', () => {
    expect(scannerStates().sort()).toEqual(['AFTER', 'COLON', 'KEY', 'KEY_OR_CLOSE', 'VALUE', 'VALUE_OR_CLOSE']);
  });

  it('no bundled file reads a scanner state as import_chunk_X.NAME', () => {
    const states = scannerStates();
    const pattern = new RegExp(`\\bimport_chunk_[A-Z0-9]+\\.(?:${states.join('|')})\\b`, 'g');
    const files = bundleFiles();
    expect(files.length).toBeGreaterThan(50);
    const offenders = files.flatMap(({ file, text }) => [...text.matchAll(pattern)].map((m) => `${file.slice(binDir.length + 1)}: ${m[0]}`));
    expect(offenders).toEqual([]);
  });

  it('every bundled copy of the byte check takes the states into its own constants, once', () => {
    const checks = bundleFiles().filter(({ text }) => text.includes('function lockfileBytesAccepted('));
    // sign and diff each bundle it.
    expect(checks.length).toBeGreaterThanOrEqual(2);
    for (const { text } of checks) {
      const copies = [...text.matchAll(/^var \{ VALUE, VALUE_OR_CLOSE, AFTER, KEY, KEY_OR_CLOSE, COLON \} = import_chunk_[A-Z0-9]+\.\w+;$/gm)];
      expect(copies.length).toBe(1);
    }
  });
});
