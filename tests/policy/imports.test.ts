import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/cli.js';

/**
 * What `mcptrust policy check` loads is most of its run time on a small policy. These tests walk
 * the static (value) imports of the modules it loads and keep the heavy ones out: ajv (the
 * policy schema is compiled ahead of time), the diff engine (jsondiffpatch; loaded only when
 * something is compared) and the MTF scanner (loaded only when a rule names `mtf`).
 */
function staticClosure(entries: string[]): Set<string> {
  const seen = new Set<string>();
  const todo = entries.map((e) => resolve(repoRoot, e));
  while (todo.length > 0) {
    const file = todo.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    if (!file.startsWith(repoRoot) || file.includes('node_modules')) continue;
    const text = readFileSync(file, 'utf8');
    // `import x from 'y'`, `import { a } from 'y'`, `export … from 'y'`; not `import type`.
    for (const m of text.matchAll(/^(?:import|export)\s+(?!type\b)[^'";]*?\bfrom\s+'([^']+)'|^import\s+'([^']+)'/gm)) {
      const spec = (m[1] ?? m[2])!;
      if (spec.startsWith('.')) {
        const target = resolve(dirname(file), spec).replace(/\.js$/, '.ts');
        todo.push(existsSync(target) ? target : resolve(dirname(file), spec));
      } else seen.add(`pkg:${spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]}`);
    }
  }
  return new Set([...seen].map((f) => (f.startsWith('pkg:') ? f : relative(repoRoot, f))));
}

describe('modules loaded by mcptrust policy check', () => {
  const closure = staticClosure([
    'cmd/commands/policy.ts',
    'cmd/policy-support.ts',
    'cmd/render/policy.ts',
    'src/policy/load.ts',
    'src/policy/compile.ts',
    'src/policy/evaluate.ts',
    'src/policy/input.ts',
    'src/report/check.ts',
    'src/report/junit.ts',
  ]);

  it('finds the imports it walks (the walker works)', () => {
    expect(closure.has('pkg:yaml')).toBe(true);
    expect(closure.has('pkg:@marcbachmann/cel-js')).toBe(true);
    expect(closure.has('src/policy/policy-validate.generated.ts')).toBe(true);
  });

  it('do not include ajv, the diff engine or the MTF scanner', () => {
    expect(closure.has('pkg:ajv')).toBe(false);
    expect(closure.has('pkg:jsondiffpatch')).toBe(false);
    expect([...closure].filter((f) => f.startsWith('src/diff/') || f.startsWith('src/mtf/'))).toEqual([]);
  });
});
