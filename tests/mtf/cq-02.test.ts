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
});
