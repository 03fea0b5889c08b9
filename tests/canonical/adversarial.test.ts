import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalize as libraryCanonicalize } from 'json-canonicalize';
import { canonicalEntry, canonicalInfo, canonicalize, cachedPretty, measureNesting, prettyCanonical } from '../../src/canonical/index.js';
import { MAX_ITEM_DEPTH } from '../../src/mcp/limits.js';

// The one-walk printer (canonical text, digest and pretty text straight from the value, no
// sorted copy) on documents chosen to trip a printer up, against json-canonicalize (the
// reference implementation listed by RFC 8785's authors) wherever that library is right
// (it is not for objects with a "toJSON" member: see jcs.test.ts).

const sha = (text: string) => `sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`;

const adversarial: [string, string][] = [
  ['key order, reversed and interleaved', '{"z":1,"b":{"y":[3,{"d":0,"c":1}],"a":null},"a":true,"B":"upper before lower"}'],
  ['unicode keys sorted by UTF-16 code units (a surrogate pair sorts before U+E000)', '{"\\ud83d\\ude02":1,"\\ue000":2,"é":3,"e":4,"\\u20ac":5,"\\ufb33":6,"":7,"\\u0000":8}'],
  ['escapes in keys and strings', '{"\\"":"\\\\","\\n":"\\u001f\\u007f\\u2028\\u2029","\\ud800":"lone \\udfff surrogates"}'],
  ['-0 and number forms', '[-0, 0, 1e21, 1e-7, 1E+2, 0.1, 123456789012345678901234567890, 9007199254740993, 5e-324, 1.7976931348623157e308, -1.5e-300, 100]'],
  ['integer-like keys (JavaScript enumerates them first, numerically)', '{"10":"a","9":"b","1":"c","01":"d","a":"e","4294967295":"f","-1":"g","1.5":"h"}'],
  ['"__proto__" and "constructor" as ordinary keys', '{"__proto__":{"polluted":true,"b":2,"a":1},"constructor":{"prototype":{}},"a":[{"__proto__":null}]}'],
  ['empty containers', '{"b":{},"a":[],"c":[[],{}],"d":""}'],
];

describe('canonicalize on adversarial documents: byte-identical to json-canonicalize', () => {
  it.each(adversarial)('%s', (_name, text) => {
    const value = JSON.parse(text);
    const expected = libraryCanonicalize(JSON.parse(text));
    expect(canonicalize(value)).toBe(expected);
    expect(canonicalInfo(JSON.parse(text))).toEqual({ digest: sha(expected), bytes: Buffer.byteLength(expected, 'utf8') });
    const entry = canonicalEntry(JSON.parse(text), MAX_ITEM_DEPTH, 0)!;
    expect(entry.digest).toBe(sha(expected));
    expect(entry.pretty).toBe(prettyCanonical(value));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('prints every string as JSON.stringify does: each code unit 0-0x80, quotes, backslash, U+2028, lone and paired surrogates', () => {
    const units = Array.from({ length: 0x81 }, (_, i) => String.fromCharCode(i)).concat('\u2028', '\u2029', '\ud800', '\udfff', '\ud83d\ude02', '\ude02\ud83d', '\ufffe');
    for (const unit of units) {
      for (const text of [unit, `a${unit}`, `${unit}z`, `key ${unit} value`]) {
        expect(canonicalize([text])).toBe(JSON.stringify([text]));
        expect(canonicalize({ [text]: text })).toBe(libraryCanonicalize({ [text]: text }));
      }
    }
  });

  it('a value nested exactly at the item depth bound is printed; one level more is refused without recursing', () => {
    const atBound = `${'['.repeat(MAX_ITEM_DEPTH)}-0${']'.repeat(MAX_ITEM_DEPTH)}`;
    const expected = libraryCanonicalize(JSON.parse(atBound));
    expect(expected).toBe(`${'['.repeat(MAX_ITEM_DEPTH)}0${']'.repeat(MAX_ITEM_DEPTH)}`);
    expect(canonicalEntry(JSON.parse(atBound), MAX_ITEM_DEPTH, 5)?.digest).toBe(sha(expected));
    const objects = `${'{"k":'.repeat(MAX_ITEM_DEPTH)}1${'}'.repeat(MAX_ITEM_DEPTH)}`;
    expect(canonicalEntry(JSON.parse(objects), MAX_ITEM_DEPTH, 5)?.digest).toBe(sha(libraryCanonicalize(JSON.parse(objects))));
    expect(canonicalEntry(JSON.parse(`[${atBound}]`), MAX_ITEM_DEPTH, 5)).toBeUndefined();
    expect(canonicalEntry(JSON.parse(`{"a":${objects}}`), MAX_ITEM_DEPTH, 5)).toBeUndefined();
    // 100,000 levels: refused at the bound, no stack overflow.
    expect(canonicalEntry(JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`), MAX_ITEM_DEPTH, 5)).toBeUndefined();
  });

  it('refuses non-finite numbers and undefined, as the previous printer did', () => {
    expect(() => canonicalize({ a: Number.NaN })).toThrow(/non-finite/);
    expect(() => canonicalEntry([Number.NEGATIVE_INFINITY], 10, 0)).toThrow(/non-finite/);
    expect(() => canonicalize(JSON.parse('[1e400]'))).toThrow(/non-finite/);
    expect(() => canonicalize(undefined)).toThrow(/undefined/);
    // Inside a document, what JSON.stringify leaves out is left out (null in an array).
    expect(canonicalize({ b: undefined, a: [undefined, 1] })).toBe('{"a":[null,1]}');
  });
});

describe('canonicalEntry: the pretty text at a level, in the same walk', () => {
  const docs = adversarial.map(([, text]) => text).concat('{"name":"t","inputSchema":{"type":"object","properties":{"a":{"enum":["x","y"]}}}}', '"just a string"', '[]');

  it.each([0, 4, 5])('at level %i: the pretty text is prettyCanonical indented for that level, sized exactly, and cached', (level) => {
    for (const text of docs) {
      const value = JSON.parse(text);
      const entry = canonicalEntry(value, MAX_ITEM_DEPTH, level)!;
      expect(entry.pretty).toBe(prettyCanonical(JSON.parse(text)).replaceAll('\n', `\n${'  '.repeat(level)}`));
      expect(entry.prettyBytes).toBe(Buffer.byteLength(entry.pretty, 'utf8'));
      // The budget lock spends per item is what it was: canonical bytes plus measureNesting's extra.
      expect(entry.prettyBytes).toBe(entry.bytes + measureNesting(JSON.parse(text), MAX_ITEM_DEPTH, level).prettyExtraBytes);
      if (typeof value === 'object' && value !== null) {
        expect(cachedPretty(value, level)).toBe(entry.pretty);
        expect(cachedPretty(value, level + 1)).toBeUndefined();
        expect(canonicalInfo(value).digest).toBe(entry.digest);
      }
    }
  });
});
