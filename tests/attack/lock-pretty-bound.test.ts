// lock measures each item and identity part by its size in the lockfile (pretty-printed, each
// line indented for its depth) against the surface size bound. That size is computed in the
// same walk that prints the text (src/canonical canonicalEntry); the text must not be built past
// the bound first. A value nested 250 levels deep with a wide innermost array is small as
// canonical JSON (2 bytes an element) but ~515 bytes an element pretty-printed: lock must refuse
// it by the surface size bound (exit 3, the bound named), not build a text of hundreds of MiB
// (past V8's longest string: "Invalid string length") before the check.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { canonicalEntry } from '../../src/canonical/index.js';
import { repoRoot, runCli, tempDir } from '../helpers/cli.js';

const server = join(repoRoot, 'tests', 'attack', 'fixtures', 'deep-wide-server.mjs');
const scratch = tempDir();
afterAll(() => scratch.cleanup());

describe('a deep and wide value: the lockfile text is bounded while it is printed', () => {
  it('capabilities whose lockfile text is longer than any string: refused by the surface size bound (exit 3)', async () => {
    const out = join(scratch.dir, 'caps-lock.json');
    const r = await runCli(['lock', '--timeout', '60s', '-o', out, '--', process.execPath, server, '--mode=capabilities', '--n=1200000'], { cwd: scratch.dir });
    expect(r.stderr).not.toMatch(/Invalid string length/);
    expect(r.stderr).toMatch(/the server's capabilities takes the surface over the surface size limit of 64 MiB/);
    expect(r.code).toBe(3);
    expect(existsSync(out)).toBe(false);
  }, 120_000);

  it('a tool under the per-item bound: refused by the surface size bound, its text never printed past it', async () => {
    const out = join(scratch.dir, 'tool-lock.json');
    const r = await runCli(['lock', '--timeout', '60s', '-o', out, '--', process.execPath, server, '--mode=tool', '--n=400000'], { cwd: scratch.dir });
    expect(r.stderr).toMatch(/tool "t" takes the surface over the surface size limit of 64 MiB/);
    expect(r.code).toBe(3);
    expect(existsSync(out)).toBe(false);
  }, 120_000);

  it('canonicalEntry stops the pretty text at the bound it is given, and still gives its exact size', () => {
    let value: unknown = Array.from({ length: 5000 }, () => 0);
    for (let i = 0; i < 100; i++) value = [value];
    const full = canonicalEntry(value, 256, 5)!;
    const bounded = canonicalEntry(JSON.parse(JSON.stringify(value)), 256, 5, 10_000)!;
    expect(full.pretty.length).toBeGreaterThan(1_000_000);
    expect(bounded.pretty.length).toBeLessThanOrEqual(10_000);
    expect(bounded.prettyBytes).toBe(full.prettyBytes);
    expect(bounded.digest).toBe(full.digest);
    expect(bounded.bytes).toBe(full.bytes);
  });
});
