import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { control } from '../../src/mtf/controls/cq-03.js';
import { builtCli, repoRoot } from '../helpers/cli.js';
import { brief, cleanBundle, cqDir, runControl } from './sccq-helpers.js';

describe('CQ-03 static analysis', () => {
  it('runs ESLint + eslint-plugin-security on JS and TS, and Bandit-style checks on Python', async () => {
    const result = await runControl(control, cqDir('static'));
    expect(result.status).toBe('fail');
    expect(brief(result)).toEqual([
      ['high', 'TLS certificate check disabled [B501]', 'server/fetch.py', 5],
      ['high', 'detect-child-process', 'server/index.js', 7],
      ['medium', 'detect-non-literal-fs-filename', 'server/index.js', 8],
      ['high', 'detect-eval-with-expression', 'server/index.js', 9],
      ['medium', 'no-eval', 'server/index.js', 9],
      ['medium', 'no-new-func', 'server/tool.ts', 5],
      ['medium', 'detect-non-literal-fs-filename', 'server/tool.ts', 6],
    ]);
  });

  it('ignores the bundle\'s own /* eslint-disable */ comments', async () => {
    // cq/static/server/index.js starts with /* eslint-disable */ and is still reported.
    const result = await runControl(control, cqDir('static'));
    expect(result.findings.filter((f) => f.file === 'server/index.js')).toHaveLength(4);
  });

  it('passes clean JavaScript and TypeScript, and the clean bundle', async () => {
    const result = await runControl(control, cqDir('static-clean'));
    expect(result.status).toBe('pass');
    expect(result.findings).toEqual([]);
    expect((await runControl(control, cleanBundle)).status).toBe('pass');
  });

  it('analyses Python in src/inspect/ (path components, not substrings)', async () => {
    const result = await runControl(control, cqDir('unsafe-exec'));
    expect(brief(result).filter(([, , file]) => file === 'src/inspect/tool.py')).toEqual([
      ['high', 'Process started with a shell [B605]', 'src/inspect/tool.py', 5],
      ['medium', 'Pickle deserialization [B301]', 'src/inspect/tool.py', 6],
      ['medium', 'yaml.load without SafeLoader [B506]', 'src/inspect/tool.py', 7],
      ['high', 'subprocess call with shell=True [B602]', 'src/inspect/tool.py', 10],
      ['medium', 'Use of eval [B307]', 'src/inspect/tool.py', 12],
    ]);
  });

  // Review: declaration files (.d.ts) carry types only; they are not linted (time on type-heavy
  // packages), so even an unparsable one produces nothing, while the .js beside it is linted.
  it('does not lint TypeScript declaration files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcptrust-cq03-'));
    try {
      writeFileSync(join(dir, 'index.d.ts'), 'export declare function f(: ;\n');
      writeFileSync(join(dir, 'index.js'), "const fs = require('fs');\nexport const r = (p) => fs.readFileSync(p);\n");
      const result = await runControl(control, dir);
      expect(brief(result, true)).toEqual([['medium', 'detect-non-literal-fs-filename', 'index.js', 2]]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // The TypeScript parser needs typescript, 9 MB of code to compile (about 200 ms): `scan` loads
  // it only for a bundle with TypeScript sources, and reports the same findings either way.
  it('the built scan loads typescript only for a bundle with TypeScript files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcptrust-cq03-'));
    try {
      const hook = join(dir, 'hook.cjs');
      const seen = join(dir, 'seen.txt');
      writeFileSync(hook, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(seen)}, String(Object.keys(require.cache).some((f) => f.includes('/node_modules/typescript/')))));\n`);
      const scan = (target: string) => {
        const r = spawnSync(process.execPath, ['-r', hook, builtCli, 'scan', target, '--format', 'json'], { cwd: dir, encoding: 'utf8', env: { PATH: process.env.PATH } });
        const cq03 = (JSON.parse(r.stdout) as { domains: { code_quality: { controls: Record<string, { status: string; findings: { file?: string }[] }> } } }).domains.code_quality.controls['CQ-03']!;
        return { loaded: readFileSync(seen, 'utf8'), status: cq03.status, tsFindings: cq03.findings.filter((f) => f.file?.endsWith('.ts')).length };
      };
      expect(scan(join(repoRoot, 'testdata', 'mtf', 'clean.mcpb'))).toEqual({ loaded: 'false', status: 'pass', tsFindings: 0 });
      expect(scan(cqDir('static'))).toEqual({ loaded: 'true', status: 'fail', tsFindings: 2 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
