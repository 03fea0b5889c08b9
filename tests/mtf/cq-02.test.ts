import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { control } from '../../src/mtf/controls/cq-02.js';
import { brief, cleanBundle, cqDir, runControl } from './sccq-helpers.js';

describe('CQ-02 malware patterns', () => {
  it('finds install hooks, exfiltration, reverse shells, miners and obfuscated execution', async () => {
    const result = await runControl(control, cqDir('malicious'));
    expect(result.status).toBe('fail');
    expect(brief(result)).toEqual([
      ['critical', 'Install Hook Downloads Code', 'package.json', 5],
      ['critical', 'HTTP Data Exfiltration', 'server/helper.py', 5],
      ['high', 'Environment Variable Dump', 'server/helper.py', 5],
      ['critical', 'HTTP Data Exfiltration', 'server/helper.py', 6],
      ['critical', 'Obfuscated Code Execution', 'server/helper.py', 8],
      ['medium', 'Base64 Decode and Execute', 'server/helper.py', 8],
      ['critical', 'Shell Reverse Shell', 'server/index.js', 4],
      ['critical', 'HTTP Data Exfiltration (JavaScript)', 'server/index.js', 7],
      ['high', 'Environment Variable Dump', 'server/index.js', 7],
      ['critical', 'Crypto Mining', 'server/index.js', 9],
    ]);
  });

  it('does not read test fixtures (malicious/test/fixtures/sample.sh) and passes ordinary code', async () => {
    const result = await runControl(control, cqDir('malicious'));
    expect(result.findings.some((f) => f.file?.startsWith('test/'))).toBe(false);
    const clean = await runControl(control, cqDir('malicious-clean'));
    expect(clean.status).toBe('pass');
    expect(clean.findings).toEqual([]);
    expect((await runControl(control, cleanBundle)).findings).toEqual([]);
  });

  // Review: MTF-0.1 §3.4 CQ-02 "Network access in setup/install: WARN (review required)".
  it('warns (medium, still a pass) on an install script that reaches the network, read through JSON escapes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcptrust-cq02-'));
    try {
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'x', version: '1.0.0', scripts: { postinstall: 'node -e "require(\'https\').get(\'https://t.example/i\')"', build: 'tsc' } }, null, 2));
      writeFileSync(join(dir, 'index.js'), 'console.log(1);\n');
      const result = await runControl(control, dir);
      expect(result.status).toBe('pass');
      expect(brief(result)).toEqual([['medium', 'Network Access in Install Hook', 'package.json', 5]]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
