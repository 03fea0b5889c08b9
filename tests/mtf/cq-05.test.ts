import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { control } from '../../src/mtf/controls/cq-05.js';
import { isTestPath } from '../../src/mtf/code/files.js';
import { findChildProcessCalls } from '../../src/mtf/code/js-exec.js';
import type { BundleContext } from '../../src/mtf/types.js';
import { brief, cleanBundle, cqDir, runControl } from './sccq-helpers.js';

function ctxOf(files: Record<string, string>): BundleContext {
  return { root: '/nonexistent', bundleHash: '0'.repeat(64), archive: false, manifest: undefined, options: {}, files: Object.entries(files).map(([path, text]) => ({ path, size: text.length, text })) } as unknown as BundleContext;
}

describe('CQ-05 safe execution patterns', () => {
  it('reports unsafe calls with file and line, including src/inspect/ and destructured child_process', async () => {
    const result = await runControl(control, cqDir('unsafe-exec'));
    expect(result.status).toBe('fail');
    expect(brief(result)).toEqual([
      ['high', 'JavaScript eval()', 'server/esm.mjs', 10],
      ['high', 'os.system Command Injection', 'src/inspect/tool.py', 5],
      ['high', 'Pickle Deserialization', 'src/inspect/tool.py', 6],
      ['high', 'Unsafe YAML Load', 'src/inspect/tool.py', 7],
      ['high', 'Subprocess Shell Injection', 'src/inspect/tool.py', 10],
      ['critical', 'Eval with User Input', 'src/inspect/tool.py', 12],
      ['high', 'child_process.exec Injection', 'server/esm.mjs', 6],
      ['high', 'child_process.exec Injection', 'server/esm.mjs', 9],
      ['high', 'child_process.exec Injection', 'server/index.js', 5],
    ]);
    // tests/test_tool.py calls os.system too, but tests are not server code.
    expect(result.findings.some((f) => f.file?.startsWith('tests/'))).toBe(false);
  });

  it('does not flag ast.literal_eval, yaml.load(..., Loader=SafeLoader), parameterised SQL, execFile or a justified nosec', async () => {
    const result = await runControl(control, cqDir('safe-exec'));
    expect(result.status).toBe('pass');
    expect(result.findings).toEqual([]);
    expect((await runControl(control, cleanBundle)).findings).toEqual([]);
  });

  it('reports a bare nosec as an unjustified suppression (warning)', async () => {
    const result = await control.run(ctxOf({ 'server/a.js': 'export const f = (x) => eval(x); // nosec\n' }));
    expect(result.status).toBe('pass');
    expect(brief(result)).toEqual([['medium', 'JavaScript eval() (suppressed without justification)', 'server/a.js', 1]]);
  });

  it('follows child_process bindings: require, ESM named/renamed/namespace imports, promisify, shell option', () => {
    const text = [
      "const { exec: run, spawn } = require('child_process');",
      "import cp from 'node:child_process';",
      "import { promisify } from 'node:util';",
      'const execAsync = promisify(cp.exec);',
      'run(a);',
      "spawn('ls', [], { shell: true });",
      "spawn('ls', []);",
      'await execAsync(b);',
      'cp.execSync(c);',
      'function exec(x) {}',
    ].join('\n');
    expect(findChildProcessCalls(text).map((c) => [c.line, c.callee, c.target])).toEqual([
      [5, 'run', 'exec'],
      [6, 'spawn', 'spawn'],
      [8, 'execAsync', 'exec'],
      [9, 'cp.execSync', 'execSync'],
    ]);
    expect(findChildProcessCalls("const exec = (x) => x;\nexec('ls');\n")).toEqual([]);
  });

  it('decides test files by path component, not substring', () => {
    expect(isTestPath('src/inspect/x.py')).toBe(false);
    expect(isTestPath('src/latest.js')).toBe(false);
    expect(isTestPath('src/contest.py')).toBe(false);
    expect(isTestPath('tests/x.py')).toBe(true);
    expect(isTestPath('src/x.test.ts')).toBe(true);
    expect(isTestPath('pkg/test_x.py')).toBe(true);
  });

  // Review: ESLint's own rule docs ("Disallow the use of `eval()`") were a HIGH finding.
  it('does not flag a call written inside a string literal, but still flags calls in code and in a template\'s ${…}', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcptrust-cq05-'));
    try {
      writeFileSync(join(dir, 'a.js'), [
        'const docs = { description: "Disallow the use of `eval()`" };',
        "const msg = 'never call eval(x) here';",
        'const t = `${eval(code)}`;',
        'run(); eval(input);',
      ].join('\n') + '\n');
      writeFileSync(join(dir, 'b.py'), ['s = "os.system(x) is unsafe"', 'os.system(cmd)  # "quoted" later'].join('\n') + '\n');
      const result = await runControl(control, dir);
      expect(brief(result)).toEqual([
        ['high', 'JavaScript eval()', 'a.js', 3],
        ['high', 'JavaScript eval()', 'a.js', 4],
        ['high', 'os.system Command Injection', 'b.py', 2],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
