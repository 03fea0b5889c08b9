// The MTF validators two ways: as scan uses them (ajv standalone code generated ahead of time,
// src/mtf/schemas.ts) and compiled by ajv at run time, as scan did before (the reference the
// generated code must answer as): tests/mtf/schemas.test.ts, tests/attack/round18-scan.test.ts.
import { Ajv, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import formatsModule from 'ajv-formats';
import { extensionValidator, mcpbValidator, reportValidator, type MtfSchemas, type SchemaValidator } from '../../src/mtf/schemas.js';

type Plugin = (ajv: Ajv | Ajv2020) => unknown;
/** ajv-formats' plugin, whichever way the module is imported. */
export const addFormats = ((formatsModule as unknown as { default?: Plugin }).default ?? formatsModule) as unknown as Plugin;

/** Each schema compiled at run time: draft-07 for the manifest, 2020-12 for the others; allErrors, not strict, full formats. */
export function runtimeValidators(schemas: MtfSchemas): Record<keyof MtfSchemas, ValidateFunction> {
  const draft07 = new Ajv({ allErrors: true, strict: false });
  addFormats(draft07);
  const draft2020 = new Ajv2020({ allErrors: true, strict: false });
  addFormats(draft2020);
  return {
    mcpbExact: draft07.compile(schemas.mcpbExact),
    mcpbRelaxed: draft07.compile(schemas.mcpbRelaxed),
    extension: draft2020.compile(schemas.extension),
    report: draft2020.compile(schemas.report),
  };
}

/** The validators scan uses, by the same names. */
export function shippedValidators(): Record<keyof MtfSchemas, SchemaValidator> {
  return { mcpbExact: mcpbValidator(true), mcpbRelaxed: mcpbValidator(false), extension: extensionValidator(), report: reportValidator() };
}
