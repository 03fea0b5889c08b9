import type { ErrorObject } from 'ajv';
import { isScalar, LineCounter, parseDocument, visit, type YAMLError } from 'yaml';
import { lineColumnAt } from '../util/json.js';
import { printable } from '../util/text.js';
import { yamlNestingExceeds } from '../util/yaml-nesting.js';
import { PolicyError } from './errors.js';
import { validate as validatePolicySchema } from './policy-validate.generated.js';

export type PolicyMode = 'warn' | 'strict';
export type RuleSeverity = 'warn' | 'error';

/** Where something sits in the policy file (1-based line and column). */
export interface SourcePosition {
  line: number;
  column: number;
}

export interface PolicyRule {
  name: string;
  expr: string;
  /** Shown when the rule fails; defaults to `rule "<name>" failed`. */
  failureMsg: string;
  severity: RuleSeverity;
  description?: string;
  controlRefs: string[];
  evidence: string[];
  evidenceCommands: string[];
  /** Where the rule's `expr` value starts in the file. */
  exprPosition: SourcePosition;
}

export interface Policy {
  /** The file name (or `preset:NAME`) used in messages. */
  source: string;
  name: string;
  description?: string;
  mode: PolicyMode;
  rules: PolicyRule[];
}

export { MAX_POLICY_BYTES } from './limits.js';

/**
 * The deepest nesting a policy file may have: flow collections (`[`, `{`) open at once plus
 * block sequence entries (`- - -`) opened on one line. A policy needs a handful; the yaml
 * parser's composer recurses per level, so a megabyte of `[` took 30 s and 1 GB before it
 * failed with a misleading message.
 */
export const MAX_POLICY_NESTING = 64;

interface RawRule {
  name: string;
  expr: string;
  failure_msg?: string;
  severity?: RuleSeverity;
  description?: string;
  control_refs?: string[];
  evidence?: string[];
  evidence_commands?: string[];
}
interface RawPolicy {
  name?: string;
  description?: string;
  mode?: PolicyMode;
  rules: RawRule[];
}

// POLICY_SCHEMA (policy-schema.ts) compiled by ajv ahead of time (scripts/policy-schemas.mjs):
// the same checks and error objects as `new Ajv().compile(POLICY_SCHEMA)`, without loading ajv or
// generating the code on every run.
const validator = validatePolicySchema as unknown as ((value: unknown) => boolean) & { errors?: ErrorObject[] | null };
function validate(value: unknown): ErrorObject[] {
  return validator(value) ? [] : (validator.errors ?? []);
}

/** "rules[2].severity must be equal to one of the allowed values (warn, error)" */
function describeSchemaError(error: ErrorObject): string {
  const path = error.instancePath
    .split('/')
    .slice(1)
    .map((part) => (/^\d+$/.test(part) ? `[${part}]` : `.${part}`))
    .join('')
    .replace(/^\./, '');
  const where = path === '' ? 'the top level' : path;
  if (error.keyword === 'additionalProperties') {
    return `${where} has an unknown field "${printable(String(error.params.additionalProperty), 60)}"`;
  }
  if (error.keyword === 'enum') return `${where} must be one of: ${(error.params.allowedValues as string[]).join(', ')}`;
  if (error.keyword === 'required') return `${where} needs a "${String(error.params.missingProperty)}" field`;
  return `${where} ${error.message ?? 'is invalid'}`;
}

/**
 * What a YAML error code means, in words. The yaml library's own messages quote the text (a
 * token, an alias or tag name) and its pretty form adds the source line: a policy path may be
 * a symlink to a secret, and error messages are printed, so only the code is used.
 */
const YAML_PROBLEMS: Partial<Record<YAMLError['code'], string>> = {
  ALIAS_PROPS: 'an alias with an anchor or tag',
  BAD_ALIAS: 'an invalid alias',
  BAD_DIRECTIVE: 'an invalid directive',
  BAD_DQ_ESCAPE: 'an invalid escape in a double-quoted string',
  BAD_INDENT: 'bad indentation',
  BAD_PROP_ORDER: 'an anchor or tag in the wrong place',
  BAD_SCALAR_START: 'a plain value cannot start with this character',
  BLOCK_AS_IMPLICIT_KEY: 'a nested mapping inside a compact mapping',
  BLOCK_IN_FLOW: 'block content inside a flow collection',
  KEY_OVER_1024_CHARS: 'an implicit key longer than 1024 characters',
  MISSING_CHAR: 'a closing quote, bracket or brace is missing',
  MULTILINE_IMPLICIT_KEY: 'an implicit key that spans lines',
  MULTIPLE_ANCHORS: 'several anchors on one node',
  MULTIPLE_DOCS: 'more than one document (a policy file holds one)',
  MULTIPLE_TAGS: 'several tags on one node',
  NON_STRING_KEY: 'a key that is not a string',
  RESOURCE_EXHAUSTION: 'too many aliases',
  TAB_AS_INDENT: 'a tab used for indentation',
  TAG_RESOLVE_FAILED: 'an unknown tag',
  UNEXPECTED_TOKEN: 'an unexpected token',
  BAD_COLLECTION_TYPE: 'a collection of the wrong type',
};

function describeYamlProblem(code: YAMLError['code']): string {
  return YAML_PROBLEMS[code] ?? `a syntax error (${code})`;
}

/**
 * Parses and validates a policy file. The text is untrusted input: YAML is parsed strictly
 * (duplicate keys, several documents and alias bombs are refused), then checked against
 * `schemas/policy.schema.json`, so that nothing but the documented shape reaches the compiler.
 */
export function parsePolicy(text: string, source: string): Policy {
  const deep = yamlNestingExceeds(text, MAX_POLICY_NESTING);
  if (deep !== undefined) {
    const { line, column } = lineColumnAt(text, deep);
    throw new PolicyError('MALFORMED_YAML', `${source}:${line}:${column}: nests deeper than ${MAX_POLICY_NESTING} levels (a policy needs a few)`);
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { uniqueKeys: true, strict: true, prettyErrors: false, lineCounter, version: '1.2' });
  const problem = doc.errors[0];
  if (problem) {
    const pos = lineCounter.linePos(problem.pos[0]);
    const code = problem.code === 'DUPLICATE_KEY' ? 'DUPLICATE_KEY' : 'MALFORMED_YAML';
    const what = problem.code === 'DUPLICATE_KEY' ? 'has a duplicate key' : `is not valid YAML: ${describeYamlProblem(problem.code)}`;
    throw new PolicyError(code, `${source}:${pos.line}:${pos.col}: ${what}`);
  }
  let value: unknown;
  try {
    // maxAliasCount bounds "billion laughs" alias expansion.
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    // The yaml library's messages quote the text (an alias name, a token): never shown.
    let unresolved: number | undefined;
    visit(doc, {
      Alias(_, node) {
        if (node.resolve(doc) !== undefined) return undefined;
        unresolved = node.range?.[0];
        return visit.BREAK;
      },
    });
    if (unresolved !== undefined) {
      const pos = lineCounter.linePos(unresolved);
      throw new PolicyError('MALFORMED_YAML', `${source}:${pos.line}:${pos.col}: is not valid YAML: an alias to an anchor that is not set before it`, { cause: error });
    }
    throw new PolicyError('MALFORMED_YAML', `${source} cannot be read: too many aliases (a policy may use at most 100)`, { cause: error });
  }
  if (value === null || value === undefined) throw new PolicyError('INVALID_POLICY', `${source} is empty: a policy needs a "rules" list`);
  const errors = validate(value);
  if (errors.length > 0) {
    throw new PolicyError('INVALID_POLICY', `${source} is not a valid policy: ${describeSchemaError(errors[0]!)}`, {
      details: ['(see schemas/policy.schema.json, or `mcptrust policy explain --preset baseline` for an example)'],
    });
  }
  const raw = value as RawPolicy;
  const seen = new Set<string>();
  const rules = raw.rules.map((rule, index): PolicyRule => {
    if (seen.has(rule.name)) {
      throw new PolicyError('DUPLICATE_RULE', `${source}: two rules are named "${printable(rule.name, 80)}"; rule names must be unique`);
    }
    seen.add(rule.name);
    const node = doc.getIn(['rules', index, 'expr'], true);
    const offset = isScalar(node) && node.range ? node.range[0] : 0;
    const linePos = lineCounter.linePos(offset);
    const out: PolicyRule = {
      name: rule.name,
      expr: rule.expr,
      failureMsg: rule.failure_msg ?? `rule "${rule.name}" failed`,
      severity: rule.severity ?? 'error',
      controlRefs: rule.control_refs ?? [],
      evidence: rule.evidence ?? [],
      evidenceCommands: rule.evidence_commands ?? [],
      exprPosition: { line: linePos.line, column: linePos.col },
    };
    if (rule.description !== undefined) out.description = rule.description;
    return out;
  });
  const policy: Policy = {
    source,
    name: raw.name ?? source,
    mode: raw.mode ?? 'strict',
    rules,
  };
  if (raw.description !== undefined) policy.description = raw.description;
  return policy;
}
