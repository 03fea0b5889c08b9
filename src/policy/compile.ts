import { Environment, type ASTNode, type ParseResult } from '@marcbachmann/cel-js';
import { printable } from '../util/text.js';
import { PolicyError } from './errors.js';
import type { Policy, PolicyRule, SourcePosition } from './load.js';
import { compileFast, type FastRule } from './fast-eval.js';
import { isBuiltPresetRule } from './presets.js';
import { checkAgainstInputSchema, DERIVED_FIELDS, readsWholeObjects } from './typecheck.js';

/**
 * Structural bounds applied when an expression is parsed (cel-js limits). With the per-rule
 * time limit of the evaluator, they keep a hostile or careless expression from exhausting
 * the gate.
 */
export const CEL_LIMITS = {
  maxAstNodes: 5000,
  maxDepth: 100,
  maxListElements: 1000,
  maxMapEntries: 1000,
  maxCallArguments: 32,
} as const;

export interface CompiledRule {
  rule: PolicyRule;
  program: ParseResult;
  /** The expression as closures (src/policy/fast-eval.ts), when it stays in the part of CEL they model. */
  fast?: FastRule;
}

export interface CompiledPolicy {
  policy: Policy;
  rules: CompiledRule[];
}

export interface CompileProblem {
  rule: string;
  /** Position in the file: where the expression starts. */
  file: SourcePosition;
  /** Position inside the expression (1-based line and column). */
  expr: SourcePosition;
  message: string;
}

let environment: Environment | undefined;

/** One CEL environment for every policy: a single variable, `input`, a map of dynamic values. */
export function celEnvironment(): Environment {
  environment ??= new Environment({
    unlistedVariablesAreDyn: false,
    homogeneousAggregateLiterals: false,
    enableOptionalTypes: true,
    limits: CEL_LIMITS,
  }).registerVariable('input', 'map');
  return environment;
}

function positionIn(text: string, offset: number): SourcePosition {
  let line = 1;
  let column = 1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 0x0a) {
      line++;
      column = 1;
    } else column++;
  }
  return { line, column };
}

function summaryOf(error: unknown): string {
  const e = error as { summary?: unknown; message?: unknown };
  const text = typeof e.summary === 'string' && e.summary !== '' ? e.summary : String(e.message ?? error);
  return printable(text.split('\n')[0] ?? '', 200);
}

function rangeStart(error: unknown): number {
  const range = (error as { range?: { start?: unknown } } | undefined)?.range;
  return typeof range?.start === 'number' ? range.start : 0;
}

/** Each expression parsed once per process (referencedNames and compilePolicy both need it). */
const parsed = new Map<string, ParseResult>();

function parse(expr: string): ParseResult {
  let program = parsed.get(expr);
  if (program === undefined) {
    program = celEnvironment().parse(expr);
    parsed.set(expr, program);
  }
  return program;
}

/**
 * Parses and checks one rule. `checked`: the rule is a built preset's, which type-checked when
 * the build made it (isBuiltPresetRule), so only its parse is needed.
 */
function compileRule(rule: PolicyRule, checked = false): { program: ParseResult } | { problem: CompileProblem } {
  const problem = (error: unknown, fallback?: string): { problem: CompileProblem } => ({
    problem: {
      rule: rule.name,
      file: rule.exprPosition,
      expr: positionIn(rule.expr, rangeStart(error)),
      message: fallback ?? summaryOf(error),
    },
  });
  let program: ParseResult;
  try {
    program = parse(rule.expr);
  } catch (error) {
    return problem(error);
  }
  if (checked) return { program };
  let result;
  try {
    result = program.check();
  } catch (error) {
    return problem(error);
  }
  if (!result.valid) return problem(result.error);
  // A rule passes when its expression is true: anything that cannot be a boolean is a mistake
  // that would otherwise only show at evaluation time.
  if (result.type !== 'bool' && result.type !== 'dyn') {
    return problem(undefined, `the expression must give a bool, but gives ${printable(String(result.type), 60)}`);
  }
  // Field names and literals against the documented input (src/policy/typecheck.ts): a typo is
  // a compile error with the nearest field, never a rule that errors, or is false, at run time.
  const [typo] = checkAgainstInputSchema(program.ast);
  if (typo) return problem({ range: { start: typo.offset } }, printable(typo.message, 300));
  return { program };
}

/**
 * Every identifier-like word in the policies' expressions (field names, variables, functions).
 * The input builder computes costly derived fields up front only when a rule names them.
 */
export function referencedNames(...policies: Policy[]): Set<string> {
  const names = new Set<string>();
  for (const policy of policies) {
    for (const rule of policy.rules) {
      for (const m of rule.expr.matchAll(/[A-Za-z_][A-Za-z0-9_]*/g)) names.add(m[0]);
      // A rule that enumerates, counts or compares an object whole (`t.all(k, …)`, `size(t)`,
      // `k in t`, `t[k]`, `a == b`) sees its fields without naming them: all of them are built.
      const ast = parsedAst(rule.expr);
      if (ast === undefined || readsWholeObjects(ast)) for (const name of DERIVED_FIELDS) names.add(name);
      // And every string of the parsed expression, as CEL reads it: a literal key may spell a
      // field with escapes the text does not show (`"name\x53ignals" in t`).
      else addStrings(ast, names);
    }
  }
  return names;
}

/**
 * Every string held anywhere in a parsed expression (string literals decoded, field names of
 * selections) added to `names`. The parser bounds the AST's size and depth (CEL_LIMITS); the walk
 * keeps its own stack.
 */
function addStrings(ast: ASTNode, names: Set<string>): void {
  const stack: unknown[] = [ast];
  while (stack.length > 0) {
    const item = stack.pop();
    if (typeof item === 'string') names.add(item);
    else if (Array.isArray(item)) for (const x of item) stack.push(x);
    else if (typeof item === 'object' && item !== null && 'op' in item) stack.push((item as ASTNode).args);
  }
}

/** The AST of an expression, or undefined when it does not parse (compilePolicy reports that). */
function parsedAst(expr: string): ASTNode | undefined {
  try {
    return parse(expr).ast;
  } catch {
    return undefined;
  }
}

/** "org.yaml:12:11: rule "no exec" does not compile: Unexpected token (at 1:14 in the expression)" */
export function describeCompileProblem(source: string, p: CompileProblem): string {
  return `${source}:${p.file.line}:${p.file.column}: rule "${printable(p.rule, 80)}" does not compile: ${p.message} (at ${p.expr.line}:${p.expr.column} in the expression)`;
}

/**
 * Compiles (parses and type-checks) every rule before any is evaluated, so a policy with one
 * broken rule never half-runs. Any problem is a PolicyError COMPILE_ERROR (exit 2) naming the
 * file, the rule and the position; every other broken rule is listed in its details.
 */
export function compilePolicy(policy: Policy, options: { recheck?: boolean } = {}): CompiledPolicy {
  const rules: CompiledRule[] = [];
  const problems: CompileProblem[] = [];
  for (const rule of policy.rules) {
    const result = compileRule(rule, options.recheck !== true && isBuiltPresetRule(rule));
    if ('problem' in result) problems.push(result.problem);
    else rules.push({ rule, program: result.program, fast: compileFast(result.program.ast) });
  }
  if (problems.length > 0) {
    const [first, ...rest] = problems;
    const details: string[] = [];
    const rule = policy.rules.find((r) => r.name === first!.rule);
    if (rule && !rule.expr.includes('\n') && rule.expr.length <= 160) {
      details.push(`  ${printable(rule.expr, 160)}`, `  ${' '.repeat(first!.expr.column - 1)}^`);
    }
    for (const p of rest) details.push(describeCompileProblem(policy.source, p));
    throw new PolicyError('COMPILE_ERROR', describeCompileProblem(policy.source, first!), { details });
  }
  return { policy, rules };
}
