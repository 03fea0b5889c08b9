// Every strict JSON reader (lockfile, signature, config, policy input files) counts nesting on
// the text before JSON.parse builds it: a 20 MB file of "[" took 38 s and 1.4 GB of memory
// before its depth was refused, and a lockfile may be 512 MiB. The messages stay what they were.
import { describe, expect, it } from 'vitest';
import { nestingExceeds, parseJsonStrict } from '../../src/util/json.js';
import { withinHangGuard } from '../helpers/watchdog.js';

describe('nesting is counted before JSON.parse', () => {
  it('20 MB of "[": refused by depth (under the hang guard; speed is `npm run bench`)', () => {
    const text = '['.repeat(20_000_000);
    const r = withinHangGuard(() => parseJsonStrict(text, { maxDepth: 261 }));
    expect(r).toEqual({ problem: { kind: 'syntax', message: 'nested more than 261 levels deep' } });
  });

  it('a valid text one level too deep, and one at the bound', () => {
    const at = `${'['.repeat(300)}${']'.repeat(300)}`;
    expect(parseJsonStrict(at, { maxDepth: 300 })).toHaveProperty('value');
    expect(parseJsonStrict(`[${at}]`, { maxDepth: 300 })).toEqual({ problem: { kind: 'syntax', message: 'nested more than 300 levels deep' } });
  });

  it('a syntax error before the deep part is still placed by line and column', () => {
    const r = parseJsonStrict(`{"a": tru,\n "b": ${'['.repeat(10_000)}`, { maxDepth: 100 });
    expect(r).toEqual({ problem: { kind: 'syntax', message: 'unexpected character at line 1, column 7', line: 1, column: 7 } });
  });

  it('brackets inside strings, escaped quotes included, do not count', () => {
    expect(nestingExceeds(`["${'['.repeat(1000)}\\"${'{'.repeat(1000)}"]`, 1)).toBe(false);
    expect(nestingExceeds('[[', 1)).toBe(true);
  });
});
