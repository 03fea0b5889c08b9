/**
 * The JSON Schema of a policy file, the source of truth for `schemas/policy.schema.json`
 * (a test keeps the two equal). Compatible with MCPTrust policy files: `name`, `mode`, and
 * `rules[]` of `{name, expr, failure_msg, severity}` plus its explainability fields
 * (`control_refs`, `evidence`, `evidence_commands`). Unknown fields are refused so that a typo
 * such as `serverity: warn` cannot silently turn a rule into something else.
 */
export const POLICY_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://mcptrust.dev/schemas/policy.schema.json',
  title: 'mcptrust policy',
  description: 'A set of CEL rules evaluated over the policy input document (see policy-input.schema.json).',
  type: 'object',
  additionalProperties: false,
  required: ['rules'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200, description: 'Shown in reports; defaults to the file name.' },
    description: { type: 'string', maxLength: 4000 },
    mode: {
      enum: ['warn', 'strict'],
      default: 'strict',
      description: 'warn: failures are reported as warnings and the check passes; strict: a failed rule of severity error fails the check.',
    },
    rules: {
      type: 'array',
      minItems: 1,
      maxItems: 1000,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'expr'],
        properties: {
          name: { type: 'string', minLength: 1, maxLength: 200 },
          description: { type: 'string', maxLength: 4000 },
          expr: { type: 'string', minLength: 1, maxLength: 20000, description: 'A CEL expression over `input` that is true when the rule passes.' },
          failure_msg: { type: 'string', maxLength: 4000, description: 'Shown when the rule fails.' },
          severity: { enum: ['warn', 'error'], default: 'error' },
          control_refs: { type: 'array', maxItems: 100, items: { type: 'string', maxLength: 400 } },
          evidence: { type: 'array', maxItems: 100, items: { type: 'string', maxLength: 400 } },
          evidence_commands: { type: 'array', maxItems: 100, items: { type: 'string', maxLength: 400 } },
        },
      },
    },
  },
} as const;
