// Hostile dependency files: every SC control answers (no crash, no prototype confusion), and a
// lockfile that cannot be read never counts as a pass for the dependencies it was meant to pin.
import { describe, expect, it } from 'vitest';
import { control as sc01 } from '../../src/mtf/controls/sc-01.js';
import { control as sc02 } from '../../src/mtf/controls/sc-02.js';
import { control as sc03 } from '../../src/mtf/controls/sc-03.js';
import { control as sc04 } from '../../src/mtf/controls/sc-04.js';
import { control as sc05 } from '../../src/mtf/controls/sc-05.js';
import type { BundleContext } from '../../src/mtf/types.js';
import { brief, osvDb } from './sccq-helpers.js';

function ctxOf(files: Record<string, string>): BundleContext {
  return { root: '/nonexistent', bundleHash: '0'.repeat(64), archive: false, manifest: undefined, options: { osvDb }, files: Object.entries(files).map(([path, text]) => ({ path, size: text.length, text })) } as unknown as BundleContext;
}

describe('SC controls on hostile input', () => {
  it('survive files and packages named after Object.prototype members', async () => {
    const ctx = ctxOf({
      constructor: 'x',
      '__proto__/toString': 'y',
      'package.json': JSON.stringify({ name: 'x', dependencies: { ['__proto__']: '1.0.0', constructor: '^1.0.0' } }),
      'package-lock.json': JSON.stringify({ lockfileVersion: 3, packages: { '': { dependencies: { constructor: '^1.0.0' } }, 'node_modules/constructor': { version: '1.0.0', integrity: `sha512-${Buffer.alloc(64).toString('base64')}` }, 'node_modules/__proto__': { version: '1.0.0', integrity: 'sha1-AAAA' } } }),
    });
    for (const c of [sc01, sc02, sc03, sc04, sc05]) {
      const result = await c.run(ctx);
      expect(['pass', 'fail']).toContain(result.status);
    }
    // Both names are declared, locked and in range; only the truncated sha1 is wrong.
    expect(brief(await sc04.run(ctx))).toEqual([['high', 'Malformed integrity hash', 'package-lock.json', undefined]]);
  });

  it('report an unreadable lockfile and fail SC-01 when it was the only way to enumerate dependencies', async () => {
    const ctx = ctxOf({ 'package.json': '{"dependencies":{"a":"1.0.0"}}', 'package-lock.json': '{"lockfileVersion": 3, "packages": ' });
    const result = await sc01.run(ctx);
    expect(result.status).toBe('fail');
    expect(brief(result)).toEqual([
      ['high', 'Dependencies cannot be enumerated', 'package.json', undefined],
      ['medium', 'Unreadable lockfile', 'package-lock.json', undefined],
    ]);
    expect((await sc02.run(ctx)).status).toBe('error');
  });

  it('bound YAML aliases in pnpm and yarn berry lockfiles', async () => {
    const bomb = ['lockfileVersion: "9.0"', 'a: &a ["x","x","x","x","x","x","x","x","x","x"]', ...Array.from({ length: 12 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`)].join('\n');
    const ctx = ctxOf({ 'package.json': '{"dependencies":{"a":"1.0.0"}}', 'pnpm-lock.yaml': bomb });
    // No wall time asserted: vitest's per-test timeout is the guard (the aliases expand to 10^13
    // nodes if they are not bounded).
    const result = await sc01.run(ctx);
    expect(brief(result)).toContainEqual(['medium', 'Unreadable lockfile', 'pnpm-lock.yaml', undefined]);
  });
});
