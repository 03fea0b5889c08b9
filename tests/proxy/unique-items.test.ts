import { describe, expect, it } from 'vitest';
import { compileSchema } from '../../src/proxy/schema.js';

// uniqueItems is checked by canonical form in one pass (src/proxy/schema.ts), not by ajv's pairwise
// deep comparison; the verdicts must be JSON Schema's.
const check = (schema: object, value: unknown) => {
  const compiled = compileSchema(schema);
  if ('error' in compiled) throw new Error(compiled.error);
  return compiled.validate(value);
};
const tags = (dialect?: string) => ({ ...(dialect ? { $schema: dialect } : {}), type: 'object', properties: { tags: { type: 'array', uniqueItems: true } } });

describe.each([undefined, 'http://json-schema.org/draft-07/schema#'])('uniqueItems (%s)', (dialect) => {
  it.each([
    ['distinct scalars', [1, '1', true, null], true],
    ['a repeated number, 1 and 1.0 alike', [1, 1.0], false],
    ['a repeated string', ['a', 'b', 'a'], false],
    ['objects equal but for key order', [{ a: 1, b: [2] }, { b: [2], a: 1 }], false],
    ['objects that differ in one nested value', [{ a: 1, b: [2] }, { a: 1, b: [3] }], true],
    ['arrays in another order are distinct', [[1, 2], [2, 1]], true],
    ['an empty array', [], true],
  ])('%s', (_what, value, ok) => {
    const r = check(tags(dialect), { tags: value });
    expect(r.ok).toBe(ok);
    if (!r.ok) expect(r.reason).toBe('/tags must NOT have duplicate items');
  });

  it('uniqueItems: false allows repeats; 60,000 distinct one-element arrays pass and one repeat among them is found', () => {
    expect(check({ type: 'array', uniqueItems: false }, [1, 1]).ok).toBe(true);
    const items: unknown[] = Array.from({ length: 60_000 }, (_, i) => [i]);
    expect(check(tags(dialect), { tags: items }).ok).toBe(true);
    items.push([59_999]);
    expect(check(tags(dialect), { tags: items })).toEqual({ ok: false, reason: '/tags must NOT have duplicate items' });
  });

  it('under a recursive schema, items equal or not at every depth are told apart by their keys (each subtree read once)', () => {
    const recursive = { ...(dialect ? { $schema: dialect } : {}), $defs: { t: { type: 'array', uniqueItems: true, items: { anyOf: [{ type: 'string' }, { $ref: '#/$defs/t' }] } } }, $ref: '#/$defs/t' };
    let deep: unknown = ['a', 'b'];
    for (let i = 0; i < 200; i++) deep = [deep, 'x'];
    expect(check(recursive, deep).ok).toBe(true);
    // The same long subtree twice, one level down: a repeat.
    const long = Array.from({ length: 100 }, (_, i) => `item ${i}`);
    // (ajv names the first branch of anyOf that failed; the verdict is the point.)
    expect(check(recursive, [[long, [...long]]]).ok).toBe(false);
    // Equal but for one item deep inside: distinct.
    expect(check(recursive, [[long, [...long.slice(0, 99), 'other']]]).ok).toBe(true);
  });

  it('an item holding a number JSON reads as Infinity is refused, named', () => {
    expect(check(tags(dialect), JSON.parse('{"tags":[[1e400],[1]]}'))).toEqual({ ok: false, reason: '/tags must hold only JSON values (a number out of range)' });
  });
});
