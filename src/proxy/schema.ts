import { hash } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { createRequire } from 'node:module';
import { canonicalize, measureNesting } from '../canonical/index.js';
import { MAX_ITEM_DEPTH } from '../util/json.js';

/** What validating a value against a locked JSON Schema says. */
export type SchemaCheck = { ok: true } | { ok: false; reason: string };

/** A locked schema, compiled once; or why it could not be, which blocks its tool (fail closed). */
export type CompiledSchema = { validate(value: unknown): SchemaCheck } | { error: string };

/** Deepest argument or structuredContent value validated (ajv recurses; a deeper value is refused). */
export const MAX_VALUE_DEPTH = MAX_ITEM_DEPTH;

type AjvLike = {
  compile(schema: object): ((value: unknown) => boolean) & { errors?: { instancePath: string; message?: string }[] | null };
  removeSchema(): unknown;
  removeKeyword(keyword: string): unknown;
  addKeyword(definition: object): unknown;
};
const require = createRequire(import.meta.url);
let engines: { draft7: AjvLike; draft2020: AjvLike } | undefined;

/**
 * `pattern` keywords come from the lock (the server wrote them) and run on the agent's argument
 * text: V8's backtracking engine is exponential on patterns such as `^(a+)+$`. V8's linear-time
 * engine (the `l` flag, enabled here once) runs them in time linear in the text; a pattern it
 * cannot run (back-references, look-arounds) makes the schema uncompilable, so the tool is
 * blocked with that reason instead of being checked by an engine that could hang the proxy.
 */
function linearRegExp(pattern: string, flags: string): RegExp {
  // Node 20's linear engine does not take the `u` flag ajv asks for: patterns are matched on
  // UTF-16 code units (a `\p{…}` class then fails to compile, and its tool is blocked).
  return new RegExp(pattern, `${flags.replace('u', '')}l`);
}

function loadEngines(): { draft7: AjvLike; draft2020: AjvLike } {
  if (engines) return engines;
  setFlagsFromString('--enable-experimental-regexp-engine');
  // Options for real-world schemas: strict mode off (unknown keywords and formats are
  // annotations, as JSON Schema 2020-12 says of `format`), no logging to the proxy's stdio, no
  // loader, so a `$ref` to anything outside the schema cannot be fetched and fails to compile.
  // Own properties only: an argument named `__proto__` or `toString` that the call leaves out is
  // missing, not the inherited member (which would satisfy `required` or fail `type`).
  const options = { strict: false, logger: false, allErrors: false, validateFormats: false, ownProperties: true, code: { regExp: linearRegExp } };
  const Ajv7 = (require('ajv') as { default: new (o: object) => AjvLike }).default;
  const Ajv2020 = (require('ajv/dist/2020') as { default: new (o: object) => AjvLike }).default;
  engines = { draft7: new Ajv7(options), draft2020: new Ajv2020(options) };
  for (const engine of [engines.draft7, engines.draft2020]) {
    engine.removeKeyword('uniqueItems');
    engine.addKeyword({ keyword: 'uniqueItems', type: 'array', schemaType: 'boolean', errors: true, validate: uniqueItems });
  }
  return engines;
}

/**
 * `uniqueItems` in time linear in the array (ajv's own compares every pair of items that are not
 * all scalars: 60,000 one-element arrays held the proxy for a minute). Two items are equal when
 * their RFC 8785 forms are, which is JSON Schema's equality (key order aside, 1 and 1.0 alike),
 * told by formKey, so a value nested under many uniqueItems is read once, not once per level.
 * An item with a number JSON reads as Infinity has no such form: refused, as no JSON value.
 */
function uniqueItems(this: unknown, unique: boolean, items: unknown[]): boolean {
  const fail = (message: string) => {
    uniqueItems.errors = [{ keyword: 'uniqueItems', message, params: {} }];
    return false;
  };
  if (!unique) return true;
  const seen = new Set<string>();
  for (const item of items) {
    let form: string;
    try {
      form = formKey(item);
    } catch {
      return fail('must hold only JSON values (a number out of range)');
    }
    if (seen.has(form)) return fail('must NOT have duplicate items');
    seen.add(form);
  }
  return true;
}
uniqueItems.errors = undefined as { keyword: string; message: string; params: object }[] | undefined;

/**
 * Loads the schema engine and compiles JSON Schema 2020-12's meta-schema (ajv compiles it the
 * first time it is given a schema of that dialect; most of a tenth of a second), so that no
 * call pays for it. The proxy runs this while its preflight waits for the server.
 */
export function warmSchemaEngine(): void {
  compileSchema({ type: 'object' });
}

/**
 * Compiles a locked `inputSchema` or `outputSchema`. The dialect is the one `$schema` names
 * (draft-07 or draft-06 → ajv's draft-07 engine); without `$schema`, JSON Schema 2020-12, the
 * MCP default. Any failure (an unknown dialect such as draft-04, a `$ref` that does not resolve
 * inside the schema, a pattern the linear engine cannot run) is returned as an error.
 */
export function compileSchema(schema: unknown): CompiledSchema {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return { error: 'the locked schema is not an object' };
  const dialect = (schema as { $schema?: unknown }).$schema;
  let engine: AjvLike;
  try {
    const { draft7, draft2020 } = loadEngines();
    if (dialect === undefined || (typeof dialect === 'string' && dialect.includes('2020-12'))) engine = draft2020;
    else if (typeof dialect === 'string' && /draft-0[67]\/schema#?$/.test(dialect)) engine = draft7;
    else return { error: 'the locked schema names a JSON Schema dialect the proxy does not validate' };
    // Each schema is compiled on its own: a copy, and the engine forgets every schema it was
    // given once compiled (meta-schemas kept), so two tools' equal `$id`s never collide and a
    // `$ref` never resolves to another tool's schema compiled earlier.
    let validate: ReturnType<AjvLike['compile']>;
    try {
      validate = engine.compile(structuredClone(schema) as object);
    } finally {
      engine.removeSchema();
    }
    return {
      validate(value) {
        if (measureNesting(value, MAX_VALUE_DEPTH).tooDeep) return { ok: false, reason: `nests deeper than ${MAX_VALUE_DEPTH} levels` };
        if (validate(value)) return { ok: true };
        const first = validate.errors?.[0];
        // The path and ajv's message name the rule broken, never the value itself (it may be secret).
        return { ok: false, reason: first ? `${first.instancePath || '(root)'} ${first.message ?? 'is invalid'}` : 'is invalid' };
      },
    };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { error: `the locked schema cannot be compiled (${message.includes('linear time') ? 'a pattern cannot be run in linear time' : message.split('\n')[0]!.slice(0, 160)})` };
  }
}

/** formKey of each list and object met, so nested uniqueItems keywords reuse their items' keys. */
const FORM_KEYS = new WeakMap<object, string>();
/** A list's or object's form longer than this is kept as its SHA-256. */
const FORM_KEY_TEXT = 64;

/**
 * A key that two JSON values share exactly when their RFC 8785 forms are equal (up to SHA-256
 * collisions): a scalar's own form; a list's or object's form over its members' keys (object
 * keys in RFC 8785 order), kept as `=` and that text when short, else `#` and its SHA-256, so a
 * value's key is computed once, in time linear in its size, however deep it nests. Throws the
 * TypeError canonicalize throws for a number out of range.
 */
function formKey(value: unknown): string {
  if (typeof value !== 'object' || value === null) return canonicalize(value);
  const known = FORM_KEYS.get(value);
  if (known !== undefined) return known;
  let text: string;
  if (Array.isArray(value)) text = `[${value.map(formKey).join(',')}]`;
  else {
    const record = value as Record<string, unknown>;
    text = `{${Object.keys(record)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${formKey(record[k])}`)
      .join(',')}}`;
  }
  const key = text.length <= FORM_KEY_TEXT ? `=${text}` : `#${hash('sha256', text, 'base64')}`;
  FORM_KEYS.set(value, key);
  return key;
}
