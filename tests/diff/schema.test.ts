import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../../src/canonical/index.js';
import { compareSchemas } from '../../src/diff/schema.js';

const obj = (properties: Record<string, JsonValue>, extra: Record<string, JsonValue> = {}): JsonValue => ({ type: 'object', properties, ...extra });

/** [rule, before, after, breaking for inputSchema, breaking for outputSchema, expected change text] */
const RULES: [string, JsonValue, JsonValue, boolean, boolean, RegExp][] = [
  ['required property added', obj({ a: { type: 'string' } }), obj({ a: { type: 'string' }, b: { type: 'string' } }, { required: ['b'] }), true, false, /required property "b" added/],
  ['existing property made required', obj({ a: { type: 'string' } }), obj({ a: { type: 'string' } }, { required: ['a'] }), true, false, /"a" is now required/],
  ['property no longer required', obj({ a: { type: 'string' } }, { required: ['a'] }), obj({ a: { type: 'string' } }), false, true, /no longer required/],
  ['property removed', obj({ a: { type: 'string' }, b: { type: 'string' } }), obj({ a: { type: 'string' } }), true, true, /property "b" removed/],
  ['optional property added', obj({ a: { type: 'string' } }), obj({ a: { type: 'string' }, b: { type: 'string' } }), false, false, /optional property "b" added/],
  ['type changed', obj({ a: { type: 'string' } }), obj({ a: { type: 'number' } }), true, true, /type changed/],
  ['type narrowed (number → integer)', obj({ a: { type: 'number' } }), obj({ a: { type: 'integer' } }), true, false, /type narrowed/],
  ['type widened (integer → number)', obj({ a: { type: 'integer' } }), obj({ a: { type: 'number' } }), false, true, /type widened/],
  ['type widened (null allowed)', obj({ a: { type: 'string' } }), obj({ a: { type: ['string', 'null'] } }), false, true, /type widened/],
  ['enum narrowed', obj({ a: { enum: ['x', 'y'] } }), obj({ a: { enum: ['x'] } }), true, false, /enum narrowed: removed "y"/],
  ['enum widened', obj({ a: { enum: ['x'] } }), obj({ a: { enum: ['x', 'y'] } }), false, true, /enum widened: added "y"/],
  ['enum reordered', obj({ a: { enum: ['x', 'y'] } }), obj({ a: { enum: ['y', 'x'] } }), false, false, /enum reordered/],
  ['enum added', obj({ a: { type: 'string' } }), obj({ a: { type: 'string', enum: ['x'] } }), true, false, /enum added/],
  ['additionalProperties: false added', obj({}), obj({}, { additionalProperties: false }), true, false, /additionalProperties: false added/],
  ['additionalProperties: false removed', obj({}, { additionalProperties: false }), obj({}), false, true, /additionalProperties: false removed/],
  ['minimum raised', obj({ a: { type: 'integer', minimum: 1 } }), obj({ a: { type: 'integer', minimum: 5 } }), true, false, /minimum 1 → 5 \(tightened\)/],
  ['maximum lowered', obj({ a: { type: 'integer', maximum: 10 } }), obj({ a: { type: 'integer', maximum: 5 } }), true, false, /maximum 10 → 5 \(tightened\)/],
  ['maximum raised', obj({ a: { type: 'integer', maximum: 10 } }), obj({ a: { type: 'integer', maximum: 50 } }), false, true, /relaxed/],
  ['maxLength added', obj({ a: { type: 'string' } }), obj({ a: { type: 'string', maxLength: 10 } }), true, false, /maxLength 10 added \(tightened\)/],
  ['minLength removed', obj({ a: { type: 'string', minLength: 2 } }), obj({ a: { type: 'string' } }), false, true, /minLength 2 removed \(relaxed\)/],
  ['minItems raised', obj({ a: { type: 'array', minItems: 0 } }), obj({ a: { type: 'array', minItems: 1 } }), true, false, /tightened/],
  ['pattern added', obj({ a: { type: 'string' } }), obj({ a: { type: 'string', pattern: '^[a-z]+$' } }), true, false, /pattern .* added/],
  ['pattern changed', obj({ a: { type: 'string', pattern: '^a' } }), obj({ a: { type: 'string', pattern: '^b' } }), true, true, /pattern/],
  ['format added', obj({ a: { type: 'string' } }), obj({ a: { type: 'string', format: 'email' } }), true, false, /format "email" added/],
  ['format removed', obj({ a: { type: 'string', format: 'email' } }), obj({ a: { type: 'string' } }), false, true, /format "email" removed/],
  ['nested items type narrowed', obj({ a: { type: 'array', items: { type: 'number' } } }), obj({ a: { type: 'array', items: { type: 'integer' } } }), true, false, /type narrowed/],
  ['description only', obj({ a: { type: 'string', description: 'x' } }), obj({ a: { type: 'string', description: 'y' } }), false, false, /description changed/],
  ['unknown keyword changed (fail closed)', obj({ a: { anyOf: [{ type: 'string' }] } }), obj({ a: { anyOf: [{ type: 'number' }] } }), true, true, /not analysed/],
];

describe('compareSchemas: JSON-Schema-aware compatibility', () => {
  for (const [rule, before, after, input, output, text] of RULES) {
    it(`${rule}: inputSchema ${input ? 'breaking' : 'compatible'}, outputSchema ${output ? 'breaking' : 'compatible'}`, () => {
      const inFindings = compareSchemas('inputSchema', before, after);
      const outFindings = compareSchemas('outputSchema', before, after);
      expect(inFindings.length).toBeGreaterThan(0);
      expect(inFindings.map((f) => f.change).join('\n')).toMatch(text);
      expect(inFindings.some((f) => f.breaking)).toBe(input);
      expect(outFindings.some((f) => f.breaking)).toBe(output);
    });
  }

  it('points each finding at its JSON Pointer inside the schema', () => {
    const findings = compareSchemas('inputSchema', obj({ 'a/b~c': { type: 'string' } }), obj({ 'a/b~c': { type: 'number' } }));
    expect(findings).toEqual([{ schema: 'inputSchema', path: '/properties/a~1b~0c/type', change: 'type "string" → "number": type changed', breaking: true }]);
  });

  it('reports nothing for equal schemas, whatever the key order', () => {
    expect(compareSchemas('inputSchema', { type: 'object', required: ['a'] }, { required: ['a'], type: 'object' })).toEqual([]);
  });

  it('treats an outputSchema that appears as compatible and one that disappears as breaking', () => {
    expect(compareSchemas('outputSchema', undefined, obj({}))).toEqual([{ schema: 'outputSchema', path: '/', change: 'outputSchema added', breaking: false }]);
    expect(compareSchemas('outputSchema', obj({}), undefined)[0]).toMatchObject({ breaking: true });
  });

  it('stops at a bounded depth on a hostile, deeply nested schema', () => {
    let a: JsonValue = { type: 'string' };
    let b: JsonValue = { type: 'number' };
    for (let i = 0; i < 2000; i++) {
      a = { type: 'object', properties: { x: a } };
      b = { type: 'object', properties: { x: b } };
    }
    const findings = compareSchemas('inputSchema', a, b);
    expect(findings).toHaveLength(1);
    expect(findings[0]!.change).toMatch(/nested too deeply/);
    expect(findings[0]!.breaking).toBe(true);
  });
});
