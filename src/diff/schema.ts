import type { JsonObject, JsonValue } from '../canonical/index.js';
import { canonicalize } from '../canonical/index.js';
import { sameJson, sortedKeys, unionKeys } from './json.js';
import type { SchemaFinding } from './types.js';

/**
 * JSON-Schema-aware compatibility of a tool's inputSchema / outputSchema change.
 *
 * An input schema says what an agent may send: a change that accepts less (a required property
 * added, a property removed, a type, enum or constraint narrowed, additionalProperties: false
 * added) breaks calls that used to work. An output schema says what the server promises: the
 * rules flip, so what widens it (a type or enum widened, a constraint relaxed, a property no
 * longer required) breaks consumers of the result. Two rules hold on both sides: a removed
 * property is breaking, an added optional one is not. A change to a validation keyword this
 * module does not analyse is breaking on both sides (fail closed); annotations (description,
 * title, examples, default, ...) never are.
 *
 * Attacker-controlled input: the walk is bounded in depth and in the number of findings.
 */

type Direction = 'inputSchema' | 'outputSchema';

const MAX_DEPTH = 32;
const MAX_FINDINGS = 200;
/** Tuple entries (items / prefixItems arrays) compared one by one. */
const MAX_TUPLE = 100;

/** Keywords that describe without constraining: changing them never breaks a call. */
const ANNOTATIONS = new Set([
  'description',
  'title',
  'examples',
  'example',
  'default',
  '$comment',
  'deprecated',
  'readOnly',
  'writeOnly',
  '$schema',
  '$id',
  'contentMediaType',
  'contentEncoding',
  'x-order',
]);

/** Keywords handled explicitly below. */
const HANDLED = new Set([
  'type',
  'properties',
  'required',
  'enum',
  'const',
  'additionalProperties',
  'items',
  'prefixItems',
  'minimum',
  'exclusiveMinimum',
  'minLength',
  'minItems',
  'minProperties',
  'maximum',
  'exclusiveMaximum',
  'maxLength',
  'maxItems',
  'maxProperties',
  'multipleOf',
  'pattern',
  'format',
  'uniqueItems',
  '$defs',
  'definitions',
]);

const LOWER_BOUNDS = ['minimum', 'exclusiveMinimum', 'minLength', 'minItems', 'minProperties'] as const;
const UPPER_BOUNDS = ['maximum', 'exclusiveMaximum', 'maxLength', 'maxItems', 'maxProperties'] as const;

/** A narrowing (accepts less), a widening (accepts more), a change both ways, or neither. */
type Effect = 'narrowed' | 'widened' | 'changed' | 'neutral';

/** RFC 6901 escaping of one reference token. */
export function pointerToken(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

const isObject = (v: JsonValue | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const same = sameJson;
const own = (o: JsonObject, k: string) => Object.prototype.hasOwnProperty.call(o, k);
const short = (v: JsonValue | undefined) => {
  const s = v === undefined ? 'none' : JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 59)}…` : s;
};

class Walker {
  readonly findings: SchemaFinding[] = [];
  /** Findings past MAX_FINDINGS: counted, and whether any of them breaks, never dropped silently. */
  private overflow = 0;
  private overflowBreaking = false;
  constructor(private readonly direction: Direction) {}

  private add(path: string, change: string, effect: Effect, override?: { input: boolean; output: boolean }): void {
    const input = override ? override.input : effect === 'narrowed' || effect === 'changed';
    const output = override ? override.output : effect === 'widened' || effect === 'changed';
    const breaking = this.direction === 'inputSchema' ? input : output;
    if (this.findings.length >= MAX_FINDINGS) {
      // A hostile schema could pad the list with harmless findings to push a breaking one out.
      this.overflow++;
      if (breaking) this.overflowBreaking = true;
      return;
    }
    this.findings.push({ schema: this.direction, path: path || '/', change, breaking });
  }

  /** The findings, with one closing entry for those past the cap (breaking if any of them is). */
  result(): SchemaFinding[] {
    if (this.overflow === 0) return this.findings;
    const change = `${this.overflow} more schema change${this.overflow === 1 ? '' : 's'} not listed${this.overflowBreaking ? ', at least one of them breaking' : ''}`;
    return [...this.findings, { schema: this.direction, path: '/', change, breaking: this.overflowBreaking }];
  }

  walk(before: JsonValue | undefined, after: JsonValue | undefined, path: string, depth: number): void {
    if (same(before, after)) return;
    if (depth > MAX_DEPTH) {
      this.add(path, 'schema changed (nested too deeply to analyse)', 'changed');
      return;
    }
    // Boolean schemas (JSON Schema 2019-09+): true accepts everything, false nothing.
    const b = normalise(before);
    const a = normalise(after);
    if (b === false || a === false) {
      if (b === false && a !== false) this.add(path, 'schema no longer rejects every value', 'widened');
      else if (a === false && b !== false) this.add(path, 'schema now rejects every value', 'narrowed');
      return;
    }
    this.compareType(b, a, path);
    this.compareProperties(b, a, path, depth);
    this.compareRequired(b, a, path);
    this.compareValues(b, a, path, 'enum');
    this.compareConst(b, a, path);
    this.compareAdditional(b, a, path, depth);
    this.compareItems(b, a, path, depth);
    this.compareBounds(b, a, path);
    this.compareStringish(b, a, path);
    this.compareDefs(b, a, path, depth);
    for (const key of unionKeys(b, a)) {
      if (HANDLED.has(key) || same(b[key], a[key])) continue;
      const where = `${path}/${pointerToken(key)}`;
      if (ANNOTATIONS.has(key)) this.add(where, `${key} changed`, 'neutral');
      else this.add(where, `"${key}" changed (not analysed; treated as breaking)`, 'changed');
    }
  }

  /** A keyword present in a form this module does not read (draft-03 `required: true`, `enum: "a"`): fail closed. */
  private oddForm(b: JsonObject, a: JsonObject, path: string, key: string, readable: (v: JsonValue) => boolean): boolean {
    const odd = (o: JsonObject) => own(o, key) && !readable(o[key]!);
    if (!odd(b) && !odd(a)) return false;
    this.add(`${path}/${key}`, `"${key}" ${short(b[key])} → ${short(a[key])} (not analysed; treated as breaking)`, 'changed');
    return true;
  }

  private compareType(b: JsonObject, a: JsonObject, path: string): void {
    if (same(b.type, a.type)) return;
    if (this.oddForm(b, a, path, 'type', (v) => typeof v === 'string' || (Array.isArray(v) && v.every((t) => typeof t === 'string')))) return;
    const before = typeSet(b.type);
    const after = typeSet(a.type);
    const where = `${path}/type`;
    const label = `type ${short(b.type)} → ${short(a.type)}`;
    if (before === undefined) return this.add(where, `${label}: type added`, 'narrowed');
    if (after === undefined) return this.add(where, `${label}: type removed`, 'widened');
    const lost = [...before].some((t) => !accepts(after, t));
    const gained = [...after].some((t) => !accepts(before, t));
    if (lost && gained) this.add(where, `${label}: type changed`, 'changed');
    else if (lost) this.add(where, `${label}: type narrowed`, 'narrowed');
    else if (gained) this.add(where, `${label}: type widened`, 'widened');
    else this.add(where, label, 'neutral');
  }

  private compareProperties(b: JsonObject, a: JsonObject, path: string, depth: number): void {
    const before = isObject(b.properties) ? b.properties : {};
    const after = isObject(a.properties) ? a.properties : {};
    const requiredAfter = stringSet(a.required);
    for (const key of sortedKeys(before)) {
      if (!own(after, key)) {
        this.add(`${path}/properties/${pointerToken(key)}`, `property "${key}" removed`, 'changed', { input: true, output: true });
      }
    }
    for (const key of sortedKeys(after)) {
      const where = `${path}/properties/${pointerToken(key)}`;
      if (!own(before, key)) {
        // A new required property is reported (and graded) by compareRequired.
        if (!requiredAfter.has(key)) this.add(where, `optional property "${key}" added`, 'neutral');
        continue;
      }
      this.walk(before[key], after[key], where, depth + 1);
    }
  }

  private compareRequired(b: JsonObject, a: JsonObject, path: string): void {
    if (!same(b.required, a.required) && this.oddForm(b, a, path, 'required', (v) => Array.isArray(v) && v.every((k) => typeof k === 'string'))) return;
    const before = stringSet(b.required);
    const after = stringSet(a.required);
    const propsBefore = isObject(b.properties) ? b.properties : {};
    for (const key of after) {
      if (before.has(key)) continue;
      const isNew = !own(propsBefore, key);
      this.add(`${path}/required`, isNew ? `required property "${key}" added` : `property "${key}" is now required`, 'narrowed', { input: true, output: false });
    }
    for (const key of before) {
      if (after.has(key)) continue;
      const propsAfter = isObject(a.properties) ? a.properties : {};
      // A removed property was already reported by compareProperties.
      if (own(propsBefore, key) && !own(propsAfter, key)) continue;
      this.add(`${path}/required`, `property "${key}" is no longer required`, 'widened', { input: false, output: true });
    }
  }

  private compareValues(b: JsonObject, a: JsonObject, path: string, key: 'enum'): void {
    if (same(b[key], a[key])) return;
    if (this.oddForm(b, a, path, key, Array.isArray)) return;
    const where = `${path}/${key}`;
    const before = Array.isArray(b[key]) ? new Set((b[key] as JsonValue[]).map(canonicalize)) : undefined;
    const after = Array.isArray(a[key]) ? new Set((a[key] as JsonValue[]).map(canonicalize)) : undefined;
    if (before === undefined && after !== undefined) return this.add(where, `enum added (${after.size} values)`, 'narrowed');
    if (after === undefined) return this.add(where, 'enum removed', 'widened');
    if (before === undefined) return;
    const lost = [...before].filter((v) => !after.has(v));
    const gained = [...after].filter((v) => !before.has(v));
    const list = (values: string[]) => values.slice(0, 5).join(', ') + (values.length > 5 ? ', …' : '');
    if (lost.length > 0 && gained.length > 0) this.add(where, `enum changed: removed ${list(lost)}; added ${list(gained)}`, 'changed');
    else if (lost.length > 0) this.add(where, `enum narrowed: removed ${list(lost)}`, 'narrowed');
    else if (gained.length > 0) this.add(where, `enum widened: added ${list(gained)}`, 'widened');
    else this.add(where, 'enum reordered', 'neutral');
  }

  private compareConst(b: JsonObject, a: JsonObject, path: string): void {
    if (same(b.const, a.const)) return;
    const where = `${path}/const`;
    if (!own(b, 'const')) this.add(where, `const ${short(a.const)} added`, 'narrowed');
    else if (!own(a, 'const')) this.add(where, 'const removed', 'widened');
    else this.add(where, `const ${short(b.const)} → ${short(a.const)}`, 'changed');
  }

  private compareAdditional(b: JsonObject, a: JsonObject, path: string, depth: number): void {
    if (same(b.additionalProperties, a.additionalProperties)) return;
    const where = `${path}/additionalProperties`;
    const before = b.additionalProperties;
    const after = a.additionalProperties;
    if (after === false) return this.add(where, 'additionalProperties: false added (unknown properties now rejected)', 'narrowed');
    if (before === false) return this.add(where, 'additionalProperties: false removed', 'widened');
    if (isObject(before) && isObject(after)) return this.walk(before, after, where, depth + 1);
    if (after === undefined || after === true) return this.add(where, 'additionalProperties constraint removed', 'widened');
    this.add(where, 'additionalProperties constrained', 'narrowed');
  }

  private compareItems(b: JsonObject, a: JsonObject, path: string, depth: number): void {
    for (const key of ['items', 'prefixItems'] as const) {
      if (same(b[key], a[key])) continue;
      const before = b[key];
      const after = a[key];
      const where = `${path}/${key}`;
      if (Array.isArray(before) && Array.isArray(after)) {
        const n = Math.max(before.length, after.length);
        for (let i = 0; i < n && i < MAX_TUPLE; i++) this.walk(before[i], after[i], `${where}/${i}`, depth + 1);
        // Past the analysed entries, any difference still counts (fail closed).
        if (n > MAX_TUPLE && !same(before.slice(MAX_TUPLE), after.slice(MAX_TUPLE))) {
          this.add(`${where}/${MAX_TUPLE}`, `${key} entries past ${MAX_TUPLE} changed (not analysed; treated as breaking)`, 'changed');
        }
      } else if (Array.isArray(before) || Array.isArray(after)) {
        this.add(where, `${key} changed form (not analysed; treated as breaking)`, 'changed');
      } else {
        this.walk(before, after, where, depth + 1);
      }
    }
  }

  private compareBounds(b: JsonObject, a: JsonObject, path: string): void {
    const compare = (key: string, lower: boolean) => {
      if (same(b[key], a[key])) return;
      const before = b[key];
      const after = a[key];
      const where = `${path}/${key}`;
      if (before !== undefined && typeof before !== 'number') return this.add(where, `${key} ${short(before)} → ${short(after)}`, 'changed');
      if (after !== undefined && typeof after !== 'number') return this.add(where, `${key} ${short(before)} → ${short(after)}`, 'changed');
      if (before === undefined) return this.add(where, `${key} ${short(after)} added (tightened)`, 'narrowed');
      if (after === undefined) return this.add(where, `${key} ${short(before)} removed (relaxed)`, 'widened');
      const tightened = lower ? after > before : after < before;
      this.add(where, `${key} ${before} → ${after} (${tightened ? 'tightened' : 'relaxed'})`, tightened ? 'narrowed' : 'widened');
    };
    for (const key of LOWER_BOUNDS) compare(key, true);
    for (const key of UPPER_BOUNDS) compare(key, false);
  }

  private compareStringish(b: JsonObject, a: JsonObject, path: string): void {
    for (const key of ['pattern', 'format', 'multipleOf'] as const) {
      if (same(b[key], a[key])) continue;
      const where = `${path}/${key}`;
      if (!own(b, key)) this.add(where, `${key} ${short(a[key])} added (tightened)`, 'narrowed');
      else if (!own(a, key)) this.add(where, `${key} ${short(b[key])} removed (relaxed)`, 'widened');
      else this.add(where, `${key} ${short(b[key])} → ${short(a[key])}`, 'changed');
    }
    if (!same(b.uniqueItems, a.uniqueItems)) {
      const on = a.uniqueItems === true;
      this.add(`${path}/uniqueItems`, on ? 'uniqueItems required (tightened)' : 'uniqueItems no longer required (relaxed)', on ? 'narrowed' : 'widened');
    }
  }

  private compareDefs(b: JsonObject, a: JsonObject, path: string, depth: number): void {
    for (const key of ['$defs', 'definitions'] as const) {
      if (same(b[key], a[key])) continue;
      const before = isObject(b[key]) ? b[key] : {};
      const after = isObject(a[key]) ? a[key] : {};
      for (const name of unionKeys(before, after)) {
        const where = `${path}/${key}/${pointerToken(name)}`;
        if (!own(after, name)) this.add(where, `definition "${name}" removed`, 'changed');
        else if (!own(before, name)) this.add(where, `definition "${name}" added`, 'neutral');
        else this.walk(before[name], after[name], where, depth + 1);
      }
    }
  }
}

function normalise(schema: JsonValue | undefined): JsonObject | false {
  if (schema === undefined || schema === true) return {};
  if (schema === false) return false;
  if (isObject(schema)) return schema;
  // Not a schema at all: compare it as an opaque value under a pseudo keyword.
  return { 'x-invalid-schema': schema };
}

function typeSet(type: JsonValue | undefined): Set<string> | undefined {
  if (typeof type === 'string') return new Set([type]);
  if (Array.isArray(type)) return new Set(type.filter((t): t is string => typeof t === 'string'));
  return undefined;
}

/** Whether a set of types accepts every value of type `t` ("number" accepts "integer"). */
function accepts(types: Set<string>, t: string): boolean {
  return types.has(t) || (t === 'integer' && types.has('number'));
}

function stringSet(v: JsonValue | undefined): Set<string> {
  return new Set(Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : []);
}

/**
 * Findings for one schema of a tool. `before` or `after` may be undefined (no outputSchema).
 * Each finding says whether it breaks callers (inputSchema) or consumers (outputSchema).
 */
export function compareSchemas(direction: Direction, before: JsonValue | undefined, after: JsonValue | undefined): SchemaFinding[] {
  if (same(before, after)) return [];
  if (direction === 'outputSchema') {
    // No outputSchema means no promise: adding one breaks nobody; dropping one drops the promise.
    if (before === undefined) return [{ schema: direction, path: '/', change: 'outputSchema added', breaking: false }];
    if (after === undefined) return [{ schema: direction, path: '/', change: 'outputSchema removed (structured result no longer promised)', breaking: true }];
  }
  const walker = new Walker(direction);
  walker.walk(before, after, '', 0);
  return walker.result();
}
