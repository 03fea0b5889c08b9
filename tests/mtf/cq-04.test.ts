import { describe, expect, it } from 'vitest';
import { control } from '../../src/mtf/controls/cq-04.js';
import { brief, cleanBundle, cqDir, runControl, scDir } from './sccq-helpers.js';

describe('CQ-04 input validation', () => {
  it('caps at L3 (spec: WARN at L3, BLOCK at L4) when handlers read arguments without a schema', async () => {
    const result = await runControl(control, cqDir('no-validation'));
    expect(result.status).toBe('pass');
    expect(result.levelCap).toBe(3);
    expect(brief(result)).toEqual([
      ['high', 'Tool handler without input validation', 'server/index.js', 6],
      ['medium', 'Partial input validation', 'server/tools.py', 7],
      ['high', 'Tool handler without input validation', 'server/tools.py', 11],
    ]);
    expect(result.findings[1]!.description).toBe('search: untyped parameters: query');
  });

  it('passes zod schemas given to the SDK and typed FastMCP parameters', async () => {
    const result = await runControl(control, cqDir('validated'));
    expect(result.status).toBe('pass');
    expect(result.levelCap).toBeUndefined();
    expect(brief(result, true)).toEqual([['info', 'Tool handlers checked', undefined, undefined]]);
    expect(result.findings[0]!.description).toBe('4 tool handlers found, 3 validated by a typed schema, 1 take no arguments');
  });

  it('passes a hand-written tools/call dispatch that validates against the declared inputSchema', async () => {
    expect((await runControl(control, cleanBundle)).status).toBe('pass');
  });

  it('skips when there is no server code or no recognisable handler', async () => {
    const result = await runControl(control, scDir('npm-clean'));
    expect(result).toEqual({ status: 'skip', findings: [], error: 'no recognisable MCP tool handlers in the server code' });
  });
});
