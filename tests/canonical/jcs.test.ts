import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canonicalize as libraryCanonicalize } from 'json-canonicalize';
import { canonicalInfo, canonicalize, digestOf, prettyCanonical } from '../../src/canonical/index.js';
import { repoRoot } from '../helpers/cli.js';
import { withoutInsignificantSpace } from '../helpers/json-text.js';

const vectors = join(repoRoot, 'testdata', 'jcs');
const names = readdirSync(join(vectors, 'input')).filter((f) => f.endsWith('.json'));

describe('RFC 8785 canonical form (published vectors)', () => {
  it('has the six vector files', () => {
    expect(names.sort()).toEqual(['arrays.json', 'french.json', 'structures.json', 'unicode.json', 'values.json', 'weird.json']);
  });

  it.each(names)('%s canonicalizes to the expected bytes', (name) => {
    const input = JSON.parse(readFileSync(join(vectors, 'input', name), 'utf8'));
    const expected = readFileSync(join(vectors, 'output', name));
    expect(Buffer.from(canonicalize(input), 'utf8').equals(expected)).toBe(true);
  });

  it.each(names)('%s pretty-printed keeps the canonical order, escaping and numbers', (name) => {
    const input = JSON.parse(readFileSync(join(vectors, 'input', name), 'utf8'));
    const expected = readFileSync(join(vectors, 'output', name), 'utf8');
    expect(withoutInsignificantSpace(prettyCanonical(input))).toBe(expected);
  });

  const numbers = readFileSync(join(vectors, 'numbers.txt'), 'utf8').trim().split('\n');
  it.each(numbers)('Appendix B number %s', (line) => {
    const [hex, expected] = line.split(' ') as [string, string];
    const value = Buffer.from(hex, 'hex').readDoubleBE(0);
    expect(canonicalize(value)).toBe(expected);
    expect(prettyCanonical([value])).toBe(`[\n  ${expected}\n]`);
  });

  it('refuses values JSON cannot hold', () => {
    expect(() => prettyCanonical({ a: Number.NaN })).toThrow(/non-finite/);
    expect(() => prettyCanonical([Number.POSITIVE_INFINITY])).toThrow(/non-finite/);
  });

  it('sorts integer-like keys as strings, unlike JavaScript object order', () => {
    const value = JSON.parse('{"10":1,"9":2,"a":3,"1":4}');
    expect(Object.keys(value)).toEqual(['1', '9', '10', 'a']); // what JSON.stringify would use
    expect(canonicalize(value)).toBe('{"1":4,"10":1,"9":2,"a":3}');
    expect(withoutInsignificantSpace(prettyCanonical(value))).toBe('{"1":4,"10":1,"9":2,"a":3}');
  });

  it('digests the canonical bytes, so key order does not matter', () => {
    const a = digestOf(JSON.parse('{"b":[1,{"y":2,"x":1}],"a":"é"}'));
    const b = digestOf(JSON.parse('{"a":"\\u00e9","b":[1,{"x":1,"y":2}]}'));
    expect(a).toBe(b);
    expect(a).toBe('sha256:' + createHash('sha256').update('{"a":"é","b":[1,{"x":1,"y":2}]}').digest('hex'));
  });
});

describe('the fast canonical path agrees with the json-canonicalize library', () => {
  // A seeded generator of awkward JSON: unicode and control characters in keys and strings,
  // lone surrogates, integer-like keys, extreme numbers, deep nesting.
  let seed = 12345;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const alphabet = ['a', 'B', 'é', '\u20ac', '\ud83d\ude02', '\u0000', '\u001f', '"', '\\', '\ud800', '\u2028', '1', '10', ' ', '\u0130', '\ufb33'];
  const str = () => Array.from({ length: Math.floor(rand() * 6) }, () => alphabet[Math.floor(rand() * alphabet.length)]).join('');
  const numbers = [0, -0, 1, -1, 0.1, 1e21, 1e-7, 123456789.123, Number.MAX_VALUE, Number.MIN_VALUE, 2 ** 53, -1.5e-300];
  const gen = (depth: number): unknown => {
    const r = rand();
    if (depth > 4 || r < 0.3) return [null, true, false, str(), numbers[Math.floor(rand() * numbers.length)]][Math.floor(rand() * 5)];
    if (r < 0.6) return Array.from({ length: Math.floor(rand() * 4) }, () => gen(depth + 1));
    const o: Record<string, unknown> = {};
    for (let i = 0; i < Math.floor(rand() * 5); i++) o[str()] = gen(depth + 1);
    return o;
  };

  it('gives the same bytes and digest for 2,000 random documents', () => {
    for (let i = 0; i < 2000; i++) {
      const doc = JSON.parse(JSON.stringify(gen(0)));
      const expected = libraryCanonicalize(doc);
      expect(canonicalize(doc)).toBe(expected);
      const info = canonicalInfo(doc);
      expect(info.digest).toBe('sha256:' + createHash('sha256').update(expected, 'utf8').digest('hex'));
      expect(info.bytes).toBe(Buffer.byteLength(expected, 'utf8'));
      expect(withoutInsignificantSpace(prettyCanonical(doc))).toBe(expected);
    }
  });
});

describe('documents where the fast path must give way, and where the library is wrong', () => {
  // json-canonicalize prints any object with a "toJSON" member through plain JSON.stringify,
  // in insertion order: with an integer-like key (which sends us off the fast path) too, a
  // server could make the same definition digest differently from run to run.
  const orders = [
    '{"toJSON":{"b":1,"a":2},"7":[{"z":0,"y":-0}],"__proto__":{"d":1e21,"c":"\\ud800"}}',
    '{"__proto__":{"c":"\\ud800","d":1e21},"7":[{"y":-0,"z":0}],"toJSON":{"a":2,"b":1}}',
  ];
  const expected = '{"7":[{"y":0,"z":0}],"__proto__":{"c":"\\ud800","d":1e+21},"toJSON":{"a":2,"b":1}}';

  it('canonicalize, canonicalInfo and prettyCanonical agree for every key order', () => {
    for (const text of orders) {
      const doc = JSON.parse(text);
      expect(canonicalize(doc)).toBe(expected);
      expect(canonicalInfo(doc).digest).toBe('sha256:' + createHash('sha256').update(expected, 'utf8').digest('hex'));
      expect(withoutInsignificantSpace(prettyCanonical(doc))).toBe(expected);
    }
  });

  it('(the library itself does not: why it is not used for digests)', () => {
    expect(libraryCanonicalize(JSON.parse(orders[0]!))).not.toBe(libraryCanonicalize(JSON.parse(orders[1]!)));
  });

  it('a "toJSON" member alone (fast path) and a "__proto__" name are ordinary keys', () => {
    expect(canonicalize(JSON.parse('{"toJSON":{"b":1,"a":2},"a":0}'))).toBe('{"a":0,"toJSON":{"a":2,"b":1}}');
    const proto = JSON.parse('{"__proto__":{"polluted":true},"a":1}');
    expect(canonicalize(proto)).toBe('{"__proto__":{"polluted":true},"a":1}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('integer-like keys beyond array-index range sort as strings too', () => {
    expect(canonicalize(JSON.parse('{"4294967295":1,"4294967294":2,"10":3,"09":4}'))).toBe('{"09":4,"10":3,"4294967294":2,"4294967295":1}');
  });
});
