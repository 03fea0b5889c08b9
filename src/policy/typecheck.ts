import type { ASTNode } from '@marcbachmann/cel-js';
import { POLICY_INPUT_SCHEMA } from './input-schema.js';

/**
 * Type-checks a rule's field selections against the documented input document
 * (POLICY_INPUT_SCHEMA, the source of schemas/policy-input.schema.json), so that a typo such as
 * `t.descripton` is a compile error naming the nearest field instead of a rule that errors at
 * run time (or, inside `has()`, one that is silently always false).
 *
 * Why a walk of our own and not cel-js's declared types: cel-js checks declared object types
 * against registered classes at evaluation time, while the input is plain JSON (and Maps, see
 * celJson); nullable objects (`input.server`), open maps (`inputSchema`) and enums have no
 * declared-type spelling there. The walk follows the JSON Schema itself, so the documented
 * schema and the check cannot drift apart. It is linear in the expression (each AST node is
 * visited once; the parser bounds the node count and depth).
 */

type Schema = Record<string, unknown>;

/** A static type: the schema of the value (undefined: dynamic, nothing to check) and where it is. */
interface StaticType {
  schema: Schema | undefined;
  /** A readable path, such as `input.tools[]`, for messages. */
  where: string;
  /**
   * The value is known to hold no derived field even though its schema is not known: it lies
   * inside an object whose schema holds none (a server's own data, such as `inputSchema` or
   * `annotations`).
   */
  underived?: boolean;
}

export interface TypeProblem {
  /** Offset in the expression (0-based). */
  offset: number;
  message: string;
}

const DYN: StaticType = { schema: undefined, where: '' };
/** A value of unknown schema inside the server's own data: it holds no derived field. */
const UNDERIVED: StaticType = { schema: undefined, where: '', underived: true };
/** A list literal that may hold a document with derived fields (see the `list` case of typeOf). */
const LIST_OF_DOCUMENTS: StaticType = { schema: { type: 'array' }, where: '' };
/** A list literal of literals and the server's own data. */
const LIST_OF_LITERALS: StaticType = { schema: { type: 'array' }, where: '', underived: true };
const ROOT: StaticType = { schema: POLICY_INPUT_SCHEMA as unknown as Schema, where: 'input' };
const DEFINITIONS = POLICY_INPUT_SCHEMA.definitions as unknown as Record<string, Schema>;

/**
 * MCPTrust input fields that mcptrust does not provide. (`input.artifact` is provided and typed:
 * present for a one-server lockfile, so MCPTrust files guard it with `has(input.artifact)`.)
 * Rules that name these are allowed, and unchecked below them.
 */
const MCPTRUST_ABSENT_FIELDS: readonly string[] = ['provenance'];

/** The comprehension macros: the first argument names a variable bound to each element. */
const COMPREHENSIONS = new Set(['all', 'exists', 'exists_one', 'map', 'filter']);

function resolveRef(schema: Schema | undefined): Schema | undefined {
  let s = schema;
  for (let i = 0; i < 8 && s !== undefined; i++) {
    const ref = s.$ref;
    if (typeof ref === 'string' && ref.startsWith('#/definitions/')) {
      s = DEFINITIONS[ref.slice('#/definitions/'.length)];
      continue;
    }
    const oneOf = s.oneOf;
    if (Array.isArray(oneOf)) {
      // Nullable objects (`{oneOf: [{type: null}, X]}`): selections apply to X.
      const branches = (oneOf as Schema[]).filter((b) => b.type !== 'null');
      s = branches.length === 1 ? branches[0] : undefined;
      continue;
    }
    return s;
  }
  return s;
}

/** The CEL kinds a schema's values can have, or undefined when anything goes. */
function kindsOf(schema: Schema | undefined): Set<string> | undefined {
  const s = resolveRef(schema);
  if (s === undefined) return undefined;
  const kinds = new Set<string>();
  const add = (type: unknown) => {
    if (type === 'string') kinds.add('string');
    else if (type === 'boolean') kinds.add('bool');
    else if (type === 'integer' || type === 'number') kinds.add('number');
    else if (type === 'null') kinds.add('null');
    else if (type === 'array') kinds.add('list');
    else if (type === 'object') kinds.add('map');
  };
  if (Array.isArray(s.enum)) {
    for (const v of s.enum as unknown[]) add(v === null ? 'null' : typeof v === 'number' ? 'integer' : typeof v);
  } else if ('const' in s) add(typeof s.const === 'number' ? 'integer' : typeof s.const);
  else if (typeof s.type === 'string') add(s.type);
  else return undefined;
  // A nullable object: the null branch was dropped by resolveRef, add it back for comparisons.
  if (Array.isArray(schema?.oneOf) && (schema.oneOf as Schema[]).some((b) => b.type === 'null')) kinds.add('null');
  return kinds;
}

const KIND_WORDS: Record<string, string> = { string: 'a string', bool: 'a bool', number: 'a number', null: 'null', list: 'a list', map: 'a map' };

/** Levenshtein distance, bounded: names are short schema field names. */
function distance(a: string, b: string): number {
  if (a.length > 64 || b.length > 64) return Math.max(a.length, b.length);
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** The candidate nearest to `name` (case-insensitive first), or undefined when none is close. */
export function nearest(name: string, candidates: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  const same = candidates.find((c) => c.toLowerCase() === lower);
  if (same) return same;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = distance(lower, c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

/** A literal's CEL kind. */
function literalKind(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'bigint' || typeof value === 'number') return 'number';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'string') return 'string';
  return 'other';
}

const quote = (s: string) => JSON.stringify(s.length > 60 ? `${s.slice(0, 59)}…` : s);

/**
 * The input's derived fields (src/policy/input.ts builds each only when a rule names it, see
 * src/policy/compile.ts referencedNames).
 */
export const DERIVED_FIELDS = ['nameSignals', 'descriptionSignals', 'risk_level', 'risk_reasons', 'capabilities', 'shadows', 'mtf'] as const;

const derivedMemo = new WeakMap<Schema, boolean>();

/**
 * Whether a value of this schema may hold a derived field anywhere below it. A list of unknown
 * elements may; an open object of the lockfile (`{type: 'object'}`: `inputSchema`, `annotations`)
 * holds the server's own data only.
 */
function mayHoldDerived(schema: Schema, seen: Set<Schema> = new Set()): boolean {
  const memo = derivedMemo.get(schema);
  if (memo !== undefined) return memo;
  if (seen.has(schema)) return false;
  seen.add(schema);
  let result = false;
  const ref = schema.$ref;
  if (typeof ref === 'string') {
    const target = ref.startsWith('#/definitions/') ? DEFINITIONS[ref.slice('#/definitions/'.length)] : undefined;
    result = target === undefined || mayHoldDerived(target, seen);
  }
  const properties = schema.properties as Record<string, Schema> | undefined;
  if (!result && properties !== undefined) {
    for (const [name, sub] of Object.entries(properties)) {
      if ((DERIVED_FIELDS as readonly string[]).includes(name) || mayHoldDerived(sub, seen)) {
        result = true;
        break;
      }
    }
  }
  const additional = schema.additionalProperties;
  if (!result && typeof additional === 'object' && additional !== null) result = mayHoldDerived(additional as Schema, seen);
  if (!result && schema.type === 'array') result = typeof schema.items !== 'object' || schema.items === null || mayHoldDerived(schema.items as Schema, seen);
  for (const key of ['oneOf', 'anyOf', 'allOf']) {
    const branches = schema[key];
    if (!result && Array.isArray(branches)) result = (branches as Schema[]).some((b) => mayHoldDerived(b, seen));
  }
  derivedMemo.set(schema, result);
  return result;
}

/** Whether a value of this type is known to hold no derived field. */
function underived(t: StaticType): boolean {
  return t.underived === true || (t.schema !== undefined && !mayHoldDerived(t.schema));
}

/**
 * Whether a value of this type may be an object (a map) as a whole that may hold a derived
 * field: its schema says so, or it is not known (dynamic). Literals are never one, and neither
 * is the server's own data (`t.inputSchema.properties`, `t.annotations`), which holds none.
 */
function mayBeObject(node: ASTNode, t: StaticType): boolean {
  if (node.op === 'value' || node.op === 'list') return false;
  if (underived(t)) return false;
  if (t.schema === undefined) return true;
  const kinds = kindsOf(t.schema);
  return kinds === undefined || kinds.has('map');
}

class Checker {
  readonly problems: TypeProblem[] = [];
  /**
   * The expression uses some object as a whole rather than field by field: it enumerates its
   * keys (a comprehension over a map), counts them (size), tests a computed key (`k in t`,
   * `t[k]`), compares it whole, or passes it to a function. Such a rule can see a field
   * without naming it (src/policy/compile.ts referencedNames).
   */
  wholeObjects = false;

  private problem(offset: number, message: string): void {
    this.problems.push({ offset, message });
  }

  /** `object.name` (or `object["name"]`): the field's type, or a problem when it cannot exist. */
  private select(object: StaticType, name: string, offset: number): StaticType {
    const s = resolveRef(object.schema);
    if (s === undefined) return underived(object) ? UNDERIVED : DYN;
    const where = `${object.where}.${name}`;
    if (object === ROOT && MCPTRUST_ABSENT_FIELDS.includes(name)) return { schema: undefined, where };
    const properties = s.properties as Record<string, Schema> | undefined;
    if (properties !== undefined && Object.hasOwn(properties, name)) return { schema: properties[name], where };
    const additional = s.additionalProperties;
    if (typeof additional === 'object' && additional !== null) return { schema: additional as Schema, where: `${object.where}[…]` };
    if (properties !== undefined && additional === false) {
      const fields = Object.keys(properties);
      const near = nearest(name, fields);
      this.problem(
        offset,
        `${object.where} has no field ${quote(name)}${near ? `; did you mean ${quote(near)}?` : ` (its fields: ${fields.join(', ')})`}`,
      );
      return DYN;
    }
    const kinds = kindsOf(object.schema);
    if (properties === undefined && kinds !== undefined && !kinds.has('map')) {
      const what = [...kinds].map((k) => KIND_WORDS[k] ?? k).join(' or ');
      const hint = kinds.has('list') ? `; to test its elements use ${object.where}.exists(x, x.${name} …) or .all(…)` : '';
      this.problem(offset, `${object.where} is ${what}, it has no field ${quote(name)}${hint}`);
      return DYN;
    }
    return { schema: undefined, where, ...(underived(object) ? { underived: true } : {}) };
  }

  /** The type of a list's elements, or of a map's keys (what a comprehension variable holds). */
  private element(t: StaticType): StaticType {
    const s = resolveRef(t.schema);
    if (s === undefined) return underived(t) ? UNDERIVED : DYN;
    if (s.type === 'array') return { schema: s.items as Schema | undefined, where: `${t.where}[]` };
    if (s.type === 'object' || s.properties !== undefined) return { schema: { type: 'string' }, where: `a key of ${t.where}` };
    return DYN;
  }

  /** `field == "literal"` where the field can never hold that literal: an enum value or a kind that cannot match. */
  private compare(field: StaticType, other: ASTNode): void {
    if (other.op !== 'value' || field.where === '') return;
    const value = other.args as unknown;
    const s = resolveRef(field.schema);
    if (s === undefined) return;
    const kind = literalKind(value);
    if (Array.isArray(s.enum)) {
      const allowed = s.enum as unknown[];
      const hit = allowed.some((a) => a === value || (typeof a === 'number' && (typeof value === 'bigint' || typeof value === 'number') && a === Number(value)));
      if (!hit) {
        const strings = allowed.filter((a): a is string => typeof a === 'string');
        const near = typeof value === 'string' ? nearest(value, strings) : undefined;
        const shown = allowed.map((a) => (a === null ? 'null' : typeof a === 'string' ? quote(a) : String(a))).join(', ');
        this.problem(
          other.start,
          `${field.where} is never ${kind === 'string' ? quote(value as string) : String(value)}: it is one of ${shown}${near ? `; did you mean ${quote(near)}?` : ''}`,
        );
      }
      return;
    }
    const kinds = kindsOf(field.schema);
    if (kinds === undefined || kind === 'other' || kinds.has(kind)) return;
    const what = [...kinds].map((k) => KIND_WORDS[k] ?? k).join(' or ');
    this.problem(other.start, `${field.where} is ${what}, never ${KIND_WORDS[kind] ?? kind}: the comparison cannot be true`);
  }

  typeOf(node: ASTNode, scope: ReadonlyMap<string, StaticType>): StaticType {
    switch (node.op) {
      case 'value':
        return DYN;
      case 'id':
        return scope.get(node.args) ?? (node.args === 'input' ? ROOT : DYN);
      case '.':
      case '.?': {
        const [object, name] = node.args;
        const t = this.typeOf(object, scope);
        return this.select(t, name, node.end - name.length);
      }
      case '[]':
      case '[?]': {
        const [object, index] = node.args;
        const t = this.typeOf(object, scope);
        this.typeOf(index, scope);
        if (index.op !== 'value' && mayBeObject(object, t) && resolveRef(t.schema)?.type !== 'array') this.wholeObjects = true;
        const s = resolveRef(t.schema);
        if (s?.type === 'array') return { schema: s.items as Schema | undefined, where: `${t.where}[]` };
        if (index.op === 'value' && typeof index.args === 'string') return this.select(t, index.args, index.start);
        const additional = s?.additionalProperties;
        if (typeof additional === 'object' && additional !== null) return { schema: additional as Schema, where: `${t.where}[…]` };
        return underived(t) ? UNDERIVED : DYN;
      }
      case 'call': {
        const [, args] = node.args;
        for (const a of args) if (mayBeObject(a, this.typeOf(a, scope))) this.wholeObjects = true;
        return DYN;
      }
      case 'rcall': {
        const [name, receiver, args] = node.args;
        if (name === 'bind' && receiver.op === 'id' && receiver.args === 'cel' && args.length === 3 && args[0]!.op === 'id') {
          const bound = this.typeOf(args[1]!, scope);
          return this.typeOf(args[2]!, new Map(scope).set(args[0]!.args as string, bound));
        }
        const t = this.typeOf(receiver, scope);
        if (mayBeObject(receiver, t)) this.wholeObjects = true;
        if (COMPREHENSIONS.has(name) && args.length >= 2 && args[0]!.op === 'id') {
          const inner = new Map(scope).set(args[0]!.args as string, this.element(t));
          for (const a of args.slice(1)) this.typeOf(a, inner);
          // A filtered list holds the same elements, a mapped one is a list: `.filter(…).size()`
          // and `.map(…).size()` stay field by field.
          if (name === 'filter' && isList(t)) return t;
          return name === 'map' ? { schema: { type: 'array' }, where: `${t.where}.map(…)` } : DYN;
        }
        for (const a of args) if (mayBeObject(a, this.typeOf(a, scope))) this.wholeObjects = true;
        return DYN;
      }
      case '==':
      case '!=': {
        const [left, right] = node.args;
        const l = this.typeOf(left, scope);
        const r = this.typeOf(right, scope);
        this.compare(l, right);
        this.compare(r, left);
        if (left.op !== 'value' && right.op !== 'value' && (mayBeObject(left, l) || mayBeObject(right, r) || (isList(l) && !underived(l)) || (isList(r) && !underived(r)))) this.wholeObjects = true;
        return DYN;
      }
      case 'in': {
        const [left, right] = node.args;
        const l = this.typeOf(left, scope);
        const r = this.typeOf(right, scope);
        // A key tested on a map; and an element compared whole with each of a list's.
        if (left.op !== 'value' && (mayBeObject(right, r) || (isList(r) && !underived(r)))) this.wholeObjects = true;
        if (right.op === 'list') for (const item of right.args) this.compare(l, item);
        return DYN;
      }
      case '!_':
      case '-_':
        this.typeOf(node.args, scope);
        return DYN;
      case 'list': {
        // A list literal is compared element by element, each whole (`[t] == [u]`, `t in [u]`):
        // one that holds a value that may be a document (at any depth of lists) is such a list.
        let documents = false;
        for (const a of node.args) {
          const t = this.typeOf(a, scope);
          if (mayBeObject(a, t) || (isList(t) && !underived(t))) documents = true;
        }
        return documents ? LIST_OF_DOCUMENTS : LIST_OF_LITERALS;
      }
      case 'map':
        for (const [k, v] of node.args) {
          this.typeOf(k, scope);
          this.typeOf(v, scope);
        }
        return DYN;
      default: {
        const args = (node as { args: unknown }).args;
        if (Array.isArray(args)) for (const a of args) if (isNode(a)) this.typeOf(a, scope);
        return DYN;
      }
    }
  }
}

function isList(t: StaticType): boolean {
  return resolveRef(t.schema)?.type === 'array';
}

function isNode(value: unknown): value is ASTNode {
  return typeof value === 'object' && value !== null && typeof (value as { op?: unknown }).op === 'string' && 'args' in value;
}

/**
 * The field selections of an expression that cannot exist in the input document, and
 * comparisons with literals that a field can never equal; empty when there is none.
 */
export function checkAgainstInputSchema(ast: ASTNode): TypeProblem[] {
  const checker = new Checker();
  checker.typeOf(ast, new Map());
  return checker.problems;
}

/**
 * Whether an expression may read some input object as a whole (see Checker.wholeObjects): the
 * input builder then computes every field, since such a rule can reach one it never names.
 */
export function readsWholeObjects(ast: ASTNode): boolean {
  const checker = new Checker();
  checker.typeOf(ast, new Map());
  return checker.wholeObjects;
}
