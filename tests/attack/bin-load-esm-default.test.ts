// The shipped bin's program builds are rewritten from ES modules to CommonJS (scripts/bundle.mjs
// toCommonJS). An `import()` or default import of a package left in node_modules must keep Node's
// semantics: the default export of a CommonJS package is its module.exports, even when the package
// marks itself `__esModule` (@typescript-eslint/parser, sigstore). Read the Babel way instead,
// scan's CQ-03 found no TypeScript parser (`default` undefined) and skipped every .ts file of a
// bundle: eval and child_process.exec in TypeScript sources passed the static analysis.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnCli, tempDir } from '../helpers/cli.js';

describe('the shipped bin keeps the default export of a package left in node_modules', () => {
  let scratch: ReturnType<typeof tempDir>;
  beforeAll(() => {
    scratch = tempDir();
    mkdirSync(join(scratch.dir, 'src'));
    writeFileSync(
      join(scratch.dir, 'manifest.json'),
      JSON.stringify({ manifest_version: '0.2', name: 'demo', version: '1.0.0', description: 'demo', author: { name: 'a' }, server: { type: 'node', entry_point: 'src/index.ts', mcp_config: { command: 'node', args: ['src/index.ts'] } } }),
    );
    writeFileSync(join(scratch.dir, 'src', 'index.ts'), "import { exec } from 'child_process';\nexport function run(cmd: string): void {\n  exec(cmd);\n  eval(cmd);\n}\n");
  });
  afterAll(() => scratch.cleanup());

  it('scan lints a bundle\'s TypeScript sources with the TypeScript parser (CQ-03 fails on eval and exec)', async () => {
    const r = await spawnCli(['scan', scratch.dir, '--format', 'json'], { cwd: scratch.dir, env: { PATH: process.env.PATH, HOME: scratch.dir } });
    expect(r.stderr).toBe('');
    const report = JSON.parse(r.stdout) as { findings: { control: string; title: string; file?: string }[] };
    const cq03 = report.findings.filter((f) => f.control === 'CQ-03').map((f) => f.title);
    expect(cq03).not.toContain('TypeScript sources not analysed');
    expect(cq03).toContain('detect-eval-with-expression');
    expect(cq03).toContain('detect-child-process');
  });
});
