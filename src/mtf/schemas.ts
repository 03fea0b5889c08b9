/**
 * The shipped JSON Schemas (schemas/mtf/, see its README for sources and licenses) and the
 * validators `scan` checks with. The MCPB manifest schema is draft-07, the MTF schemas are draft
 * 2020-12. The validators are ajv's standalone code for these schemas, made ahead of time by
 * scripts/policy-schemas.mjs from mtfSchemas() below (./schemas-validate.generated.ts): a scan
 * neither loads ajv nor compiles a schema at run time. tests/mtf/schemas.test.ts keeps the
 * generated code equal to what the script writes and its answers equal to ajv's at run time.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ErrorObject } from 'ajv';
import { printable } from '../util/text.js';
import * as generated from './schemas-validate.generated.js';

/** A validator as ajv's standalone code makes it: the answer, then `errors` (all of them) on a "no". */
export type SchemaValidator = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };

/** schemas/mtf of this package, from src/mtf (tests) or dist/src/mtf (built CLI). */
export function schemasDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'schemas', 'mtf');
    if (existsSync(join(candidate, 'report.schema.json'))) return candidate;
    dir = dirname(dir);
  }
  throw new Error('schemas/mtf not found next to the mcptrust package');
}

function load(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(schemasDir(), name), 'utf8')) as Record<string, unknown>;
}

/** The schemas the validators are made from, each keyed by its validator's name. */
export interface MtfSchemas {
  /** MCPB manifest v0.4 exactly (draft-07). */
  mcpbExact: Record<string, unknown>;
  /** For manifests 0.1–0.3: the v0.4 schema without its version constants (draft-07). */
  mcpbRelaxed: Record<string, unknown>;
  /** The MTF extension schema, relaxed as extensionValidator says (2020-12). */
  extension: Record<string, unknown>;
  /** The report schema, unmodified (2020-12). */
  report: Record<string, unknown>;
}

/** The schemas of schemas/mtf as the validators check them (read by scripts/policy-schemas.mjs). */
export function mtfSchemas(): MtfSchemas {
  const mcpbExact = load('mcpb-manifest-v0.4.schema.json');
  delete mcpbExact.$schema;
  const mcpbRelaxed = load('mcpb-manifest-v0.4.schema.json');
  delete mcpbRelaxed.$schema;
  // Pre-0.4 manifests as MTF-0.1 §4.4 shows them: `mcp_config` at the top level, beside a
  // `server` that names only type and entry point.
  const props = mcpbRelaxed.properties as Record<string, Record<string, unknown>>;
  props.manifest_version = { type: 'string' };
  props.dxt_version = { type: 'string' };
  props.mcp_config = { $ref: '#/properties/server/properties/mcp_config' };
  props.server!.required = ['type', 'entry_point'];
  // MTF-0.1 §4.3.4 shows `build.instructions` and `source.tag`, which the schema's
  // additionalProperties: false would reject in the spec's own examples: allowed.
  const extension = load('mtf-extension.schema.json');
  const defs = extension.$defs as Record<string, { properties: Record<string, unknown> }>;
  defs.build!.properties.instructions = { type: 'string' };
  defs.source!.properties.tag = { type: 'string' };
  extension.$id = 'https://mpaktrust.org/schemas/mtf/v0.1/mtf-extension.relaxed.json';
  return { mcpbExact, mcpbRelaxed, extension, report: load('report.schema.json') };
}

/** MCPB manifest v0.4 exactly, or (relaxed, for 0.1–0.3) the v0.4 schema without its version constants. */
export function mcpbValidator(exact: boolean): SchemaValidator {
  return (exact ? generated.mcpbExact : generated.mcpbRelaxed) as SchemaValidator;
}

/**
 * The MTF extension schema, with the two spec-documented fields it forbids allowed
 * (MTF-0.1 §4.3.4 shows `build.instructions` and `source.tag`; the schema's
 * additionalProperties: false would reject the spec's own examples).
 */
export function extensionValidator(): SchemaValidator {
  return generated.extension as SchemaValidator;
}

/** The report schema, unmodified. */
export function reportValidator(): SchemaValidator {
  return generated.report as SchemaValidator;
}

/** "/tools/0: must have required property 'name'" lines, attacker text made printable. */
export function describeSchemaErrors(errors: ErrorObject[] | null | undefined, max = 10): string[] {
  return (errors ?? []).slice(0, max).map((e) => {
    const where = e.instancePath || '/';
    const extra = e.keyword === 'additionalProperties' ? ` (${String((e.params as { additionalProperty?: string }).additionalProperty)})` : '';
    return printable(`${where}: ${e.message ?? e.keyword}${extra}`, 200);
  });
}
