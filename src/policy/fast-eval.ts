import { printable } from '../util/text.js';
import type { ASTNode } from '@marcbachmann/cel-js';

/**
 * A rule's CEL expression as JavaScript closures, for the part of CEL that rules over the input
 * document use: field access, indexing, the logical and comparison operators on strings, bools and
 * ints, `in`, `size`, `has`, `startsWith`/`endsWith`/`contains`/`matches`, and the macros `all`,
 * `exists`, `exists_one`, `filter` and `map` over lists. cel-js walks its AST for every element of a
 * 10,000-tool list; the closures do the same work without the walk.
 *
 * It never decides alone what it is not sure of: wherever cel-js could give an error, or a value
 * whose CEL meaning the closures do not model (a missing key, a type other than the ones above, a
 * Map, a double compared with an int, a list element of another type), the closures stop with
 * FAST_BAIL and the caller evaluates the rule with cel-js, which gives the answer or the error.
 * So a rule's value is always cel-js's: tests/policy/fast-eval.test.ts compares the two on the
 * shipped presets and on generated rules and inputs. CEL is free of side effects, so evaluating
 * again after a bail is safe. The closures evaluate in cel-js's order (a method's argument before
 * its receiver) and do no work cel-js does not (they type a list or map by its first element only
 * where cel-js does): on the same rule they do a part of cel-js's work, each step cheaper. After
 * a bail, cel-js gets the rule's whole time limit again (src/policy/evaluate.ts).
 */

/** Thrown by a fast rule that cannot decide; the caller then evaluates with cel-js. */
export const FAST_BAIL: unique symbol = Symbol('mcptrust.policy.fast-bail');

/** The input (the `input` variable's value) to the rule's value; throws FAST_BAIL when undecided. */
export type FastRule = (input: unknown) => unknown;

type Frame = unknown[];
type Node = (frame: Frame) => unknown;

function bail(): never {
  throw FAST_BAIL;
}

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * A map exactly as cel-js tells one (by its `constructor`: Object, or none for a null-prototype
 * record). A Map is left to cel-js, and so is an object with an own "constructor" key (cel-js
 * reads that key as the constructor: an unsupported type, unless it holds Object itself).
 */
function isMap(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const k = (v as { constructor?: unknown }).constructor;
  return k === Object || k === undefined;
}

/** A value the closures model: a string, bool, int, double, null, list or map (see isMap). */
function known(v: unknown): unknown {
  switch (typeof v) {
    case 'string':
    case 'boolean':
    case 'bigint':
    case 'number':
      return v;
    case 'object':
      if (v === null || Array.isArray(v) || isMap(v)) return v;
  }
  return bail();
}

/**
 * Where cel-js picks an overload for a list or a map operand (size, in), it types the value by
 * its first element, and that element's first one, and so on (`debugTypeDeep`): an element of a
 * type it does not know there is its error. The same walk, bailing where cel-js would err (and
 * where it might: undefined, a Map). An index and a macro's list are not typed so (cel-js reads
 * the one element, or types each element as it binds it). Returns `v`.
 */
function typedByFirst<T>(v: T): T {
  let x: unknown = v;
  for (let depth = 0; depth < 1_000; depth++) {
    if (Array.isArray(x)) {
      if (x.length === 0 || x[0] === undefined) return v;
      x = known(x[0]);
    } else if (isMap(x)) {
      let first: unknown;
      let any = false;
      for (const key in x) {
        first = x[key];
        any = true;
        break;
      }
      if (!any) return v;
      x = known(first);
    } else return v;
  }
  return bail();
}

function field(v: unknown, key: string): unknown {
  if (!isMap(v) || !hasOwn.call(v, key)) return bail();
  const value = v[key];
  return value === undefined ? bail() : known(value);
}

function bool(v: unknown): boolean {
  return typeof v === 'boolean' ? v : bail();
}

const SURROGATE = /[\uD800-\uDFFF]/;

/** The code points of `s` (what cel-js counts, iterating the string): a surrogate pair counts once. */
function codePoints(s: string): number {
  if (!SURROGATE.test(s)) return s.length;
  let pairs = 0;
  for (let i = 0; i < s.length - 1; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        pairs++;
        i++;
      }
    }
  }
  return s.length - pairs;
}

// Sizes as CEL ints: the small ones made once, when first asked for.
const SMALL_INTS: bigint[] = [];
const intOf = (n: number): bigint => (n < 4096 ? (SMALL_INTS[n] ??= BigInt(n)) : BigInt(n));

function sizeOf(v: unknown): bigint {
  if (typeof v === 'string') return intOf(codePoints(v));
  if (Array.isArray(v)) return intOf(typedByFirst(v).length);
  if (isMap(v)) return intOf(Object.keys(typedByFirst(v)).length);
  return bail();
}

/** Equality where both sides have the same type among string, bool, int, double and null. */
function equal(a: unknown, b: unknown): boolean {
  const t = typeof a;
  if (t !== typeof b) return bail();
  if (t === 'string' || t === 'boolean' || t === 'bigint' || t === 'number' || (a === null && b === null)) return a === b;
  return bail();
}

function int(v: unknown): bigint {
  return typeof v === 'bigint' ? v : bail();
}

function string(v: unknown): string {
  return typeof v === 'string' ? v : bail();
}

function within(element: unknown, container: unknown): boolean {
  if (typeof element !== 'string') return bail();
  typedByFirst(container);
  if (Array.isArray(container)) {
    for (let i = 0; i < container.length; i++) {
      const item: unknown = container[i];
      if (typeof item !== 'string') return bail();
      if (item === element) return true;
    }
    return false;
  }
  if (isMap(container)) return hasOwn.call(container, element) && container[element] !== undefined;
  return bail();
}

// Patterns of matches(), compiled as cel-js compiles them (`new RegExp(pattern)`), once per text.
// A pattern that does not compile is cel-js's error to report. Bounded.
const PATTERNS = new Map<string, RegExp | null>();
function matches(text: unknown, pattern: unknown): boolean {
  const s = string(text);
  const p = string(pattern);
  let re = PATTERNS.get(p);
  if (re === undefined) {
    try {
      re = new RegExp(p);
    } catch {
      re = null;
    }
    if (PATTERNS.size >= 1_000) PATTERNS.clear();
    PATTERNS.set(p, re);
  }
  if (re === null) return bail();
  try {
    return re.test(s);
  } catch (error) {
    if (error instanceof RangeError) throw matchesOverflow(p, s.length);
    throw error;
  }
}

/**
 * The error of a matches() whose pattern is valid but runs out of the engine's backtracking stack
 * on a long text (a repeated group such as `(a|b)*` over millions of characters). cel-js reports
 * it as an invalid pattern, which it is not; src/policy/evaluate.ts rewrites that to this.
 */
export function matchesOverflow(pattern: string, length?: number): Error {
  const text = length === undefined ? 'a long text' : `a text of ${length.toLocaleString('en-US')} characters`;
  return new Error(`matches("${printable(pattern, 80)}") ran out of the regular-expression engine's stack on ${text}; simplify the pattern (a repeated group such as (a|b)* backtracks once per character)`);
}

/** A macro's list: cel-js types each element as it binds it (known), not the list. */
function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : bail();
}

/** The binary operators, both sides evaluated first (left, then right), as cel-js does. */
const BINARY: Record<string, (a: unknown, b: unknown) => boolean> = {
  '==': equal,
  '!=': (a, b) => !equal(a, b),
  '<': (a, b) => int(a) < int(b),
  '<=': (a, b) => int(a) <= int(b),
  '>': (a, b) => int(a) > int(b),
  '>=': (a, b) => int(a) >= int(b),
  in: within,
};

/** Compile-time scope: variable names to frame slots (slot 0 is `input`), and the next free slot. */
interface Scope {
  names: ReadonlyMap<string, number>;
  next: number;
}

class Unsupported extends Error {}
const unsupported = (): never => {
  throw new Unsupported();
};

interface Compiler {
  /** The frame size the rule needs. */
  slots: number;
}

function literal(value: unknown): Node {
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'bigint':
    case 'number':
      return () => value;
    case 'object':
      if (value === null) return () => null;
  }
  return unsupported();
}

function compileNode(node: ASTNode, scope: Scope, c: Compiler): Node {
  const args = node.args as unknown;
  const sub = (n: unknown) => compileNode(n as ASTNode, scope, c);
  const pair = () => {
    const [l, r] = args as [ASTNode, ASTNode];
    return [sub(l), sub(r)] as const;
  };
  switch (node.op) {
    case 'value':
      return literal(args);
    case 'id': {
      const slot = scope.names.get(args as string);
      if (slot === undefined) return unsupported();
      return (frame) => frame[slot];
    }
    case '.': {
      const [target, key] = args as [ASTNode, unknown];
      if (typeof key !== 'string') return unsupported();
      const of = sub(target);
      return (frame) => field(of(frame), key);
    }
    case '[]': {
      const [of, at] = pair();
      return (frame) => {
        // cel-js reads an index without typing the container (fieldAccess): neither do these.
        const v = of(frame);
        const k = at(frame);
        if (Array.isArray(v) && typeof k === 'bigint' && k >= 0n && k < v.length) return known(v[Number(k)]);
        if (isMap(v) && typeof k === 'string') return field(v, k);
        return bail();
      };
    }
    case '!_': {
      const of = sub(args);
      return (frame) => !bool(of(frame));
    }
    case '&&': {
      const [l, r] = pair();
      return (frame) => bool(l(frame)) && bool(r(frame));
    }
    case '||': {
      const [l, r] = pair();
      return (frame) => bool(l(frame)) || bool(r(frame));
    }
    case '?:': {
      const [cond, yes, no] = (args as ASTNode[]).map(sub) as [Node, Node, Node];
      return (frame) => (bool(cond(frame)) ? yes(frame) : no(frame));
    }
    case '==':
    case '!=':
    case '<':
    case '<=':
    case '>':
    case '>=':
    case 'in': {
      const op = BINARY[node.op]!;
      const [l, r] = pair();
      return (frame) => op(l(frame), r(frame));
    }
    case 'call':
      return compileCall(args as [string, ASTNode[]], scope, c);
    case 'rcall':
      return compileReceiverCall(args as [string, ASTNode, ASTNode[]], scope, c);
  }
  return unsupported();
}

function compileCall([name, params]: [string, ASTNode[]], scope: Scope, c: Compiler): Node {
  if (name === 'size' && params.length === 1) {
    const of = compileNode(params[0]!, scope, c);
    return (frame) => sizeOf(of(frame));
  }
  if (name === 'has' && params.length === 1 && params[0]!.op === '.') {
    const [target, key] = params[0]!.args as [ASTNode, unknown];
    if (typeof key !== 'string') return unsupported();
    const of = compileNode(target, scope, c);
    return (frame) => {
      const v = of(frame);
      if (!isMap(v)) return bail();
      // cel-js reads the field's value too, and errs on one of a type it does not know.
      return hasOwn.call(v, key) && known(v[key]) !== undefined;
    };
  }
  return unsupported();
}

const STRING_TESTS: Record<string, (s: string, t: string) => boolean> = {
  startsWith: (s, t) => s.startsWith(t),
  endsWith: (s, t) => s.endsWith(t),
  contains: (s, t) => s.includes(t),
};

function compileReceiverCall([name, receiver, params]: [string, ASTNode, ASTNode[]], scope: Scope, c: Compiler): Node {
  const of = compileNode(receiver, scope, c);
  if (name === 'size' && params.length === 0) return (frame) => sizeOf(of(frame));
  // A method's argument is evaluated before its receiver, as cel-js does (resolveAstArray runs
  // the list backwards): an argument that fails leaves the receiver, however costly, unevaluated.
  if (params.length === 1 && hasOwn.call(STRING_TESTS, name)) {
    const test = STRING_TESTS[name]!;
    const arg = compileNode(params[0]!, scope, c);
    return (frame) => {
      const t = arg(frame);
      return test(string(of(frame)), string(t));
    };
  }
  if (name === 'matches' && params.length === 1) {
    const arg = compileNode(params[0]!, scope, c);
    return (frame) => {
      const pattern = arg(frame);
      return matches(of(frame), pattern);
    };
  }
  if (params.length !== 2 || params[0]!.op !== 'id' || typeof params[0]!.args !== 'string') return unsupported();
  // A macro: its variable takes the next slot; the body sees it, shadowing an outer one of its name.
  const slot = scope.next;
  c.slots = Math.max(c.slots, slot + 1);
  const inner: Scope = { names: new Map(scope.names).set(params[0]!.args, slot), next: slot + 1 };
  const body = compileNode(params[1]!, inner, c);
  switch (name) {
    case 'all':
      return (frame) => {
        const items = list(of(frame));
        for (let i = 0; i < items.length; i++) {
          frame[slot] = known(items[i]);
          if (!bool(body(frame))) return false;
        }
        return true;
      };
    case 'exists':
      return (frame) => {
        const items = list(of(frame));
        for (let i = 0; i < items.length; i++) {
          frame[slot] = known(items[i]);
          if (bool(body(frame))) return true;
        }
        return false;
      };
    case 'exists_one':
      return (frame) => {
        const items = list(of(frame));
        let n = 0;
        for (let i = 0; i < items.length; i++) {
          frame[slot] = known(items[i]);
          if (bool(body(frame))) n++;
        }
        return n === 1;
      };
    case 'filter':
      return (frame) => {
        const items = list(of(frame));
        const out: unknown[] = [];
        for (let i = 0; i < items.length; i++) {
          const item = (frame[slot] = known(items[i]));
          if (bool(body(frame))) out.push(item);
        }
        return out;
      };
    case 'map':
      return (frame) => {
        const items = list(of(frame));
        const out: unknown[] = [];
        for (let i = 0; i < items.length; i++) {
          frame[slot] = known(items[i]);
          out.push(body(frame));
        }
        return out;
      };
  }
  return unsupported();
}

/**
 * The rule as closures, or undefined when its expression uses anything beyond the modelled part
 * of CEL (then cel-js evaluates it, always).
 */
export function compileFast(ast: ASTNode): FastRule | undefined {
  const c: Compiler = { slots: 1 };
  let root: Node;
  try {
    root = compileNode(ast, { names: new Map([['input', 0]]), next: 1 }, c);
  } catch (error) {
    if (error instanceof Unsupported || error instanceof RangeError) return undefined;
    throw error;
  }
  const slots = c.slots;
  return (input) => {
    const frame: Frame = new Array<unknown>(slots);
    frame[0] = isMap(input) ? input : bail();
    return root(frame);
  };
}

/** The fast rule's value on `input`, or FAST_BAIL when it leaves the rule to cel-js (for any reason). */
export function fastValue(fast: FastRule | undefined, input: unknown): unknown {
  if (fast === undefined) return FAST_BAIL;
  try {
    return fast(input);
  } catch {
    // FAST_BAIL, or anything else the closures met: cel-js decides.
    return FAST_BAIL;
  }
}
