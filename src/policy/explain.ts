import { serialize, type ASTNode, type Environment, type ParseResult } from '@marcbachmann/cel-js';

/**
 * Why a rule failed, in names: the items of the input that make it false, like conftest's
 * `deny[msg]`. It works on the rule's own AST (MCPTrust policy files unchanged): a false rule
 * is explained by its false conjuncts (`a && b`), all its disjuncts (`a || b`), and the
 * quantifiers among them — `R.all(v, P)` by the elements where P is not true, `!R.exists(v, P)`
 * by the elements where P is true — each predicate evaluated by cel-js once per element with
 * the variable bound. Under an offending element, a nested quantifier or a plain condition that
 * made the predicate fail is named too (`tool notes/read_fіle (t.flags.confusable)`).
 *
 * Bounded: the first MAX_OFFENDING names are kept and the rest counted; each element's predicate
 * is evaluated once more (the caller runs this under the rule's time limit).
 */
export const MAX_OFFENDING = 10;
/** Names kept under one offending element, and their longest length. */
const MAX_NESTED = 3;
const MAX_NESTED_LABEL = 80;
/** The longest name kept (the renderers escape and cut again for their medium). */
const MAX_LABEL = 200;

export interface OffendingItem {
  /** `tool SERVER/NAME`, `resource SERVER/URI`, `tool SERVER/NAME added`, a string element… (see itemLabel). */
  name: string;
  /** What in it made the rule fail, when the predicate has parts: conditions or nested elements (at most 3). */
  why: string[];
}

export interface Offending {
  /** The first MAX_OFFENDING items, in input order. */
  items: OffendingItem[];
  /** How many elements offend in all. */
  total: number;
}

const QUANTIFIERS = new Set(['all', 'exists']);

type Scope = ReadonlyMap<string, unknown>;

class Collector {
  readonly items: OffendingItem[] = [];
  total = 0;
  private readonly seen = new Set<string>();
  constructor(readonly cap: number) {}
  add(name: string, why: () => string[]): void {
    if (this.seen.has(name)) return;
    this.seen.add(name);
    this.total++;
    if (this.items.length < this.cap) this.items.push({ name, why: why() });
  }
}

/** A predicate with parts worth naming: a conjunction, a disjunction or a quantifier (under any number of `!`). */
function hasParts(node: ASTNode): boolean {
  let n = node;
  while (n.op === '!_') n = n.args;
  return n.op === '&&' || n.op === '||' || (n.op === 'rcall' && QUANTIFIERS.has(n.args[0]));
}

function get(item: unknown, key: string): unknown {
  if (item instanceof Map) return item.get(key);
  if (typeof item === 'object' && item !== null && Object.hasOwn(item, key)) return (item as Record<string, unknown>)[key];
  return undefined;
}

const text = (v: unknown) => (typeof v === 'string' ? v : '');
const cut = (s: string, max = MAX_LABEL) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

/** A short name for an element of the input: `tool SERVER/NAME`, `resource SERVER/URI`, a change, a signal… */
function itemLabel(item: unknown, index: number): string {
  if (typeof item === 'string') return cut(item);
  if (typeof item === 'bigint' || typeof item === 'number' || typeof item === 'boolean') return String(item);
  if (typeof item !== 'object' || item === null) return `#${index}`;
  const has = (k: string) => get(item, k) !== undefined;
  const server = text(get(item, 'server'));
  const name = text(get(item, 'name'));
  const at = (n: string) => (server === '' ? n : `${server}/${n}`);
  if (has('change') && has('kind')) return cut(`${text(get(item, 'kind'))} ${at(name)} ${text(get(item, 'change'))}`);
  if (has('uriTemplate')) return cut(`template ${at(text(get(item, 'uriTemplate')))}`);
  if (has('uri') && has('scheme')) return cut(`resource ${at(text(get(item, 'uri')))}`);
  if (has('inputSchema')) return cut(`tool ${at(name)}`);
  if (has('arguments') && has('digest')) return cut(`prompt ${at(name)}`);
  if (has('identity')) return cut(`server ${name}`);
  if (has('controls') && has('risk')) return cut(`server ${server}`);
  if (has('kind') && has('evidence')) return cut(`${text(get(item, 'kind'))}: ${text(get(item, 'evidence'))}`);
  if (name !== '') return cut(at(name));
  return `#${index}`;
}

function elementsOf(value: unknown): unknown[] | undefined {
  if (Array.isArray(value)) return value;
  if (value instanceof Map) return [...value.keys()];
  if (typeof value === 'object' && value !== null) return Object.keys(value);
  return undefined;
}

/** Evaluates sub-expressions of one rule with extra bound variables. */
class Explainer {
  private readonly programs = new Map<ASTNode, { program: ParseResult; vars: string[] } | null>();
  constructor(
    private readonly environment: Environment,
    private readonly input: unknown,
  ) {}

  private evaluate(node: ASTNode, scope: Scope): unknown {
    let entry = this.programs.get(node);
    if (entry === undefined) {
      try {
        const vars = [...scope.keys()];
        let env = this.environment;
        if (vars.length > 0) {
          env = env.clone();
          for (const v of vars) env.registerVariable(v, 'dyn');
        }
        entry = { program: env.parse(serialize(node)), vars };
      } catch {
        entry = null;
      }
      this.programs.set(node, entry);
    }
    if (entry === null) return undefined;
    const context: Record<string, unknown> = { input: this.input };
    for (const [k, v] of scope) context[k] = v;
    try {
      return entry.program(context);
    } catch {
      return undefined;
    }
  }

  /** Names why `node` is false in `scope` (nothing when it is not). */
  explainFalse(node: ASTNode, scope: Scope, out: Collector, nested: boolean): void {
    switch (node.op) {
      case '&&':
        for (const side of node.args) if (this.evaluate(side, scope) !== true) this.explainFalse(side, scope, out, nested);
        return;
      case '||':
        for (const side of node.args) this.explainFalse(side, scope, out, nested);
        return;
      case '!_':
        this.explainTrue(node.args, scope, out, nested);
        return;
      case 'rcall':
        if (node.args[0] === 'all' && this.quantify(node, scope, out, false, nested)) return;
        break;
    }
    if (nested) out.add(cut(serialize(node), MAX_NESTED_LABEL), () => []);
  }

  /** Names why `node` is true in `scope`. */
  explainTrue(node: ASTNode, scope: Scope, out: Collector, nested: boolean): void {
    switch (node.op) {
      case '||':
        for (const side of node.args) if (this.evaluate(side, scope) === true) this.explainTrue(side, scope, out, nested);
        return;
      case '&&':
        for (const side of node.args) this.explainTrue(side, scope, out, nested);
        return;
      case '!_':
        this.explainFalse(node.args, scope, out, nested);
        return;
      case 'rcall':
        if (node.args[0] === 'exists' && this.quantify(node, scope, out, true, nested)) return;
        break;
    }
    if (nested) out.add(cut(serialize(node), MAX_NESTED_LABEL), () => []);
  }

  /**
   * `R.all(v, P)` (wanted false: the elements where P is not true) or `R.exists(v, P)` (wanted
   * true: the elements where P is true). False when the node is not such a quantifier.
   */
  private quantify(node: ASTNode, scope: Scope, out: Collector, exists: boolean, nested: boolean): boolean {
    if (node.op !== 'rcall' || !QUANTIFIERS.has(node.args[0])) return false;
    const [, receiver, args] = node.args;
    const variable = args[0];
    const predicate = args[1];
    if (args.length !== 2 || variable?.op !== 'id' || predicate === undefined) return false;
    const elements = elementsOf(this.evaluate(receiver, scope));
    if (elements === undefined) return false;
    for (let i = 0; i < elements.length; i++) {
      const element = elements[i];
      const inner = new Map(scope).set(variable.args, element);
      const value = this.evaluate(predicate, inner);
      if (exists ? value !== true : value === true) continue;
      // One level of detail: the elements of a nested quantifier are named without their own reasons.
      out.add(nested ? cut(itemLabel(element, i), MAX_NESTED_LABEL) : itemLabel(element, i), () => {
        // A plain predicate (`t.risk_level == "HIGH"`) would only repeat the rule.
        if (nested || !hasParts(predicate)) return [];
        const why = new Collector(MAX_NESTED);
        if (exists) this.explainTrue(predicate, inner, why, true);
        else this.explainFalse(predicate, inner, why, true);
        const names = why.items.map((w) => w.name);
        if (why.total > names.length) names.push(`and ${why.total - names.length} more`);
        return names;
      });
    }
    return true;
  }
}

/**
 * The elements that make a failed rule false (see the module comment), or undefined when the
 * rule has no quantifier to explain it by (`!input.drift.hasDrift`).
 */
export function explainFailure(environment: Environment, ast: ASTNode, input: unknown): Offending | undefined {
  const out = new Collector(MAX_OFFENDING);
  new Explainer(environment, input).explainFalse(ast, new Map(), out, false);
  return out.total === 0 ? undefined : { items: out.items, total: out.total };
}
