/**
 * The shipped JSON Schemas (schemas/mtf/, see its README for sources and licenses), compiled
 * once per process. The MCPB manifest schema is draft-07, the MTF schemas are draft 2020-12, so
 * two ajv instances are used. Nothing is fetched: all $refs are local.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import formatsModule from 'ajv-formats';
import { printable } from '../util/text.js';

type FormatsPlugin = (ajv: Ajv | Ajv2020) => unknown;
const addFormats = ((formatsModule as unknown as { default?: FormatsPlugin }).default ?? formatsModule) as unknown as FormatsPlugin;

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

let draft07: Ajv | undefined;
let draft2020: Ajv2020 | undefined;
const cache = new Map<string, ValidateFunction>();

function ajv07(): Ajv {
  if (!draft07) {
    draft07 = new Ajv({ allErrors: true, strict: false });
    addFormats(draft07);
  }
  return draft07;
}

function ajv2020(): Ajv2020 {
  if (!draft2020) {
    draft2020 = new Ajv2020({ allErrors: true, strict: false });
    addFormats(draft2020);
  }
  return draft2020;
}

function compiled(key: string, make: () => ValidateFunction): ValidateFunction {
  let v = cache.get(key);
  if (!v) {
    v = make();
    cache.set(key, v);
  }
  return v;
}

/** MCPB manifest v0.4 exactly, or (relaxed, for 0.1–0.3) the v0.4 schema without its version constants. */
export function mcpbValidator(exact: boolean): ValidateFunction {
  return compiled(exact ? 'mcpb-0.4' : 'mcpb-0.4-relaxed', () => {
    const schema = load('mcpb-manifest-v0.4.schema.json');
    delete schema.$schema;
    if (!exact) {
      // Pre-0.4 manifests as MTF-0.1 §4.4 shows them: `mcp_config` at the top level, beside a
      // `server` that names only type and entry point.
      const props = schema.properties as Record<string, Record<string, unknown>>;
      props.manifest_version = { type: 'string' };
      props.dxt_version = { type: 'string' };
      props.mcp_config = { $ref: '#/properties/server/properties/mcp_config' };
      props.server!.required = ['type', 'entry_point'];
    }
    return ajv07().compile(schema);
  });
}

/**
 * The MTF extension schema, with the two spec-documented fields it forbids allowed
 * (MTF-0.1 §4.3.4 shows `build.instructions` and `source.tag`; the schema's
 * additionalProperties: false would reject the spec's own examples).
 */
export function extensionValidator(): ValidateFunction {
  return compiled('mtf-extension', () => {
    const schema = load('mtf-extension.schema.json');
    const defs = schema.$defs as Record<string, { properties: Record<string, unknown> }>;
    defs.build!.properties.instructions = { type: 'string' };
    defs.source!.properties.tag = { type: 'string' };
    schema.$id = 'https://mpaktrust.org/schemas/mtf/v0.1/mtf-extension.relaxed.json';
    return ajv2020().compile(schema);
  });
}

/** The report schema, unmodified. */
export function reportValidator(): ValidateFunction {
  return compiled('report', () => ajv2020().compile(load('report.schema.json')));
}

/** "/tools/0: must have required property 'name'" lines, attacker text made printable. */
export function describeSchemaErrors(errors: ErrorObject[] | null | undefined, max = 10): string[] {
  return (errors ?? []).slice(0, max).map((e) => {
    const where = e.instancePath || '/';
    const extra = e.keyword === 'additionalProperties' ? ` (${String((e.params as { additionalProperty?: string }).additionalProperty)})` : '';
    return printable(`${where}: ${e.message ?? e.keyword}${extra}`, 200);
  });
}
