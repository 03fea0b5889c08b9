// escapeUnsafe's ASCII path (src/util/text.ts): text of printable ASCII (and tab, and line feed
// when kept) is returned as it is, without the Unicode property classes; anything else takes the
// escaping path. The answer must be the class's own for every code unit.
import { describe, expect, it } from 'vitest';
import { escapeUnsafe, isUnsafeCodePoint, printable } from '../../src/util/text.js';

describe('escapeUnsafe on ASCII text', () => {
  it('escapes exactly what the property class says, for every single code unit', () => {
    for (let unit = 0; unit < 0x10000; unit++) {
      const ch = String.fromCharCode(unit);
      const unsafe = isUnsafeCodePoint(unit);
      for (const keep of [false, true]) {
        const kept = ch === '\t' || (keep && ch === '\n');
        const expected = unsafe && !kept ? `\\u{${unit.toString(16)}}` : ch;
        if (escapeUnsafe(`a${ch}b`, keep) !== `a${expected}b`) throw new Error(`U+${unit.toString(16)} keep=${keep}: ${escapeUnsafe(`a${ch}b`, keep)}`);
      }
    }
  });

  it('passes printable ASCII through, and still escapes a control at either end of a long ASCII text', () => {
    const ascii = Array.from({ length: 0x5f }, (_, i) => String.fromCharCode(0x20 + i)).join('');
    expect(escapeUnsafe(ascii)).toBe(ascii);
    expect(escapeUnsafe(`${ascii}\t`)).toBe(`${ascii}\t`);
    expect(escapeUnsafe(`${ascii}\n`)).toBe(`${ascii}\\u{a}`);
    expect(escapeUnsafe(`${ascii}\n`, true)).toBe(`${ascii}\n`);
    const long = 'x'.repeat(1 << 20);
    expect(escapeUnsafe(`\u001b${long}`)).toBe(`\\u{1b}${long}`);
    expect(escapeUnsafe(`${long}\u007f`)).toBe(`${long}\\u{7f}`);
    expect(escapeUnsafe(`${long}\r`)).toBe(`${long}\\u{d}`);
    expect(printable('name\r\nnext')).toBe('name\\nnext');
    expect(printable('a\u202eb')).toBe('a\\u{202e}b');
  });
});
