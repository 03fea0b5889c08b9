import type { JsonObject, JsonValue } from '../canonical/index.js';
import { BaseError } from '../errors.js';
import { ITEM_COLLECTION, ITEM_KINDS, type ItemKind, type LockedServer, type Lockfile, type ServerIdentity, type TransportRecord } from '../lockfile/types.js';
import { asciiSkeleton, capabilityHints, compareSeverity, isIdentifierText, paddedIdentifier } from '../safety/index.js';
import { findCollisions, indexShadows, serverTools, type ShadowIndex } from '../safety/shadowing.js';
import { createRecord, hasOwn } from '../util/record.js';
import { member, sameJson, unionKeys } from './json.js';
import { sameItemAt } from './same.js';
import { printable } from '../util/text.js';
import { jsonPaths } from './paths.js';
import { gradeAddress, gradeCapabilities, gradeIdentifier, gradeNameReading, gradeNewAnnotations, gradeIntroduced, gradeName, gradeNewText, gradeTextChange, Grade, detailLabel, textLeaves } from './grade.js';
import { compareSchemas } from './schema.js';
import { artifactChanges, sameArtifact } from './artifact.js';
import type { ArtifactPin } from '../artifact/types.js';
import { SEVERITIES, type ChangeKind, type ChangeType, type DiffChange, type DiffReport, type Severity } from './types.js';

export * from './types.js';
export { diffWords } from './words.js';
export { compareSchemas } from './schema.js';
export { sameJson } from './json.js';

export type DiffErrorCode = 'SERVER_NOT_IN_LOCK';

/** The two sides of a diff cannot be lined up (exit 2). */
export class DiffError extends BaseError<DiffErrorCode> {
  constructor(code: DiffErrorCode, message: string) {
    super('input', code, message);
  }
}

const isObject = (v: JsonValue | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: JsonValue | undefined): string | undefined => (typeof v === 'string' ? v : undefined);
const quote = (s: string) => `"${printable(s, 80)}"`;

function topFields(before: JsonObject, after: JsonObject): string[] {
  const fields: string[] = [];
  for (const key of unionKeys(before, after)) {
    if (!sameJson(member(before, key), member(after, key))) fields.push(key);
  }
  return fields.sort();
}

function change(server: string, kind: ChangeKind, name: string, type: ChangeType, grade: Grade, fields: string[] = [], paths: string[] = [], schema: DiffChange['detail']['schema'] = []): DiffChange {
  return {
    server,
    kind,
    name,
    change: type,
    severity: grade.severity,
    breaking: grade.breaking,
    reasons: grade.reasons(),
    // Labels quote server-chosen keys: each is cut to MAX_DETAIL_LABEL (texts are cut by the grade).
    detail: { fields: fields.map(detailLabel), paths: paths.map(detailLabel), texts: grade.texts, schema: schema.map((s) => ({ ...s, path: detailLabel(s.path), change: detailLabel(s.change) })) },
  };
}

// ---- tools -------------------------------------------------------------------------------

const PROSE_KEY = /\/(?:description|title)$/;

/**
 * Grades every string inside one field of a definition (a schema, `_meta`, `icons`, an unknown
 * field): schema property names as names, descriptions and titles as prose (word diff), any
 * other string by what it introduces. Strings that only moved (an enum reordered) introduce
 * nothing. A value too large or deep to walk whole is reported, never skipped silently.
 */
function gradeLeaves(grade: Grade, field: string, before: JsonValue | undefined, after: JsonValue | undefined, isNew: boolean, schema: boolean): void {
  const old = textLeaves(before, schema);
  const now = textLeaves(after, schema);
  // A bound that hides text is a finding of its own, as high as what it could hide a part of.
  if (!now.complete) grade.add('high', `${field} is too large or deeply nested to scan all of its text: review it by hand`);
  const oldValues = new Set(old.texts.values());
  const newValues = new Set(now.texts.values());
  for (const [path, name] of now.names) {
    if (old.names.has(path)) continue;
    gradeName(grade, `${field} property ${quote(name)}`, name);
    if (field === 'inputSchema') gradeCapabilities(grade, 'medium', `new parameter ${quote(name)}`, name, '');
  }
  // Object keys (property names, `_meta` and `annotations` keys…) reach the model like any
  // string: a new key is analysed as text; one that only moved introduces nothing.
  // A key is also read as a name, unless it is a schema property name (graded as one above).
  const oldKeys = new Set(old.keys.values());
  for (const [path, key] of now.keys) {
    if (old.keys.has(path) || oldKeys.has(key)) continue;
    gradeIdentifier(grade, `key ${field} ${path}`, key, !now.names.has(path));
  }
  // A schema's `required` entries are property names: a new one is read as text and as a name.
  const oldRequired = new Set(old.required.values());
  for (const [path, entry] of now.required) {
    if (old.required.has(path) || oldRequired.has(entry)) continue;
    gradeIdentifier(grade, `required ${field} ${path}`, entry, true);
  }
  // Syntax values (`type`, `format`, `$ref`…): a new one is read as a name, and as text (prose
  // put where syntax belongs); a `$schema` URL or "string" says nothing.
  const oldSyntax = new Set(old.syntax.values());
  for (const [path, value] of now.syntax) {
    if (old.syntax.get(path) === value || oldSyntax.has(value)) continue;
    gradeIdentifier(grade, `${field} ${path}`, value, true);
  }
  for (const [path, text] of now.texts) {
    const label = `${field} ${path || '/'}`;
    const prose = PROSE_KEY.test(path);
    const previous = old.texts.get(path);
    if (previous === text) continue;
    // A new string without white space (an enum value, a dependentRequired entry) is a name too.
    // One padded with white space reads as the name it spells.
    const asName = isIdentifierText(text) ? text : paddedIdentifier(text);
    if (asName !== undefined && !(previous === undefined && oldValues.has(text))) gradeNameReading(grade, label, asName);
    if (isNew) {
      if (prose) gradeNewText(grade, label, text);
      else gradeIntroduced(grade, label, undefined, text, true);
    } else if (previous === undefined && oldValues.has(text)) continue;
    else if (prose) gradeTextChange(grade, label, previous, text);
    else gradeIntroduced(grade, label, previous, text);
  }
  if (!isNew) {
    for (const [path, text] of old.texts) {
      if (!now.texts.has(path) && !newValues.has(text) && PROSE_KEY.test(path)) gradeTextChange(grade, `${field} ${path}`, text, undefined);
    }
  }
}

/** Grades a new object key: read as text (as is) and as a name (src/diff/grade gradeIdentifier). */
function gradeKey(grade: Grade, where: string, key: string): void {
  gradeIdentifier(grade, `key ${where}`, key, true);
}

/** A new tool or prompt named like an approved one: calls meant for the approved one may reach it. */
function gradeTwin(grade: Grade, kind: 'tool' | 'prompt', twin: string | undefined): void {
  if (twin !== undefined) grade.add('high', `name looks like the approved ${kind} ${quote(twin)}: calls meant for it may reach this one`);
}

/** Shadowed tools of other servers listed in one change's reasons (the rest are counted). */
const COLLISIONS_LISTED = 3;

/**
 * A new tool whose name is the same as, or looks like, a tool of another server of the new side
 * (src/safety/shadowing.ts): an agent given both may call one for the other. Only a new tool can
 * make a new collision: two tools that were both approved collided already.
 */
function gradeCollisions(grade: Grade, shadows: ReturnType<ShadowIndex['of']> | undefined): void {
  if (!shadows) return;
  for (const other of shadows.others) {
    grade.add('high', `tool name now collides with server ${quote(other.server)}'s tool ${quote(other.name)}: an agent given both may call one for the other`);
  }
  if (shadows.more > 0) grade.add('high', `tool name now collides with ${shadows.more} more tools of other servers`);
}

function addedTool(server: string, name: string, def: JsonObject, twin?: string, shadows?: ReturnType<ShadowIndex['of']>): DiffChange {
  const grade = new Grade();
  grade.newTool = true;
  grade.add('high', 'new tool, not in the approved lockfile: an agent can call it from now on');
  gradeTwin(grade, 'tool', twin);
  gradeCollisions(grade, shadows);
  gradeName(grade, 'tool name', name);
  gradeCapabilities(grade, 'critical', 'new tool', name, `${str(def.title) ?? ''}\n${str(def.description) ?? ''}`, [], isObject(def.annotations) ? def.annotations : {});
  gradeNewAnnotations(grade, def.annotations);
  gradeNewText(grade, 'description', str(def.description));
  gradeNewText(grade, 'title', str(def.title));
  for (const key of Object.keys(def).sort()) {
    gradeKey(grade, '/', key);
    if (key === 'name' || key === 'description' || key === 'title') continue;
    gradeLeaves(grade, printable(key, 40), undefined, def[key], true, key === 'inputSchema' || key === 'outputSchema');
  }
  return change(server, 'tool', name, 'added', grade, Object.keys(def).sort(), ['']);
}

/**
 * Behaviour hints, with the value MCP assumes when a hint is absent (readOnlyHint false,
 * destructiveHint true, idempotentHint false, openWorldHint true): dropping `readOnlyHint: true`
 * says exactly what setting it to false says, and is graded the same.
 */
const ANNOTATION_RISK: { key: string; risky: boolean; absent: boolean; severity: Severity; says: string }[] = [
  { key: 'readOnlyHint', risky: false, absent: false, severity: 'high', says: 'it may modify its environment (it was declared read-only)' },
  { key: 'destructiveHint', risky: true, absent: true, severity: 'high', says: 'it may make destructive changes' },
  { key: 'openWorldHint', risky: true, absent: true, severity: 'medium', says: 'it reaches an open world (external systems)' },
  { key: 'idempotentHint', risky: false, absent: false, severity: 'low', says: 'repeated calls may have additional effects' },
];

function annotationChanges(grade: Grade, before: JsonValue | undefined, after: JsonValue | undefined): void {
  const a: JsonObject = isObject(before) ? before : {};
  const b: JsonObject = isObject(after) ? after : {};
  for (const { key, risky, absent, severity, says } of ANNOTATION_RISK) {
    const x = member(a, key);
    const y = member(b, key);
    if (sameJson(x, y)) continue;
    const was = typeof x === 'boolean' ? x : absent;
    const now = typeof y === 'boolean' ? y : absent;
    const literal = `${JSON.stringify(x ?? null)} → ${JSON.stringify(y ?? null)}`;
    if (now === risky && was !== risky) grade.add(severity, `annotations.${key} ${literal}: the tool now says ${says}`);
    else if (now === was) grade.add('info', `annotations.${key} ${literal}: the same meaning (absent is ${String(absent)})`);
    else grade.add('low', `annotations.${key} ${literal}`);
  }
  if (!sameJson(a.title, b.title)) gradeTextChange(grade, 'annotations.title', str(a.title), str(b.title));
  for (const key of unionKeys(a, b)) {
    if (key === 'title' || ANNOTATION_RISK.some((r) => r.key === key) || sameJson(member(a, key), member(b, key))) continue;
    grade.add('low', `annotations.${printable(key, 40)} changed`);
    if (!hasOwn(a, key) && hasOwn(b, key)) gradeKey(grade, 'annotations', key);
    gradeLeaves(grade, `annotations.${printable(key, 40)}`, member(a, key), member(b, key), false, false);
  }
}

function modifiedTool(server: string, name: string, before: JsonObject, after: JsonObject): DiffChange {
  const grade = new Grade();
  const fields = topFields(before, after);
  let schema: DiffChange['detail']['schema'] = [];
  const oldText = `${str(before.title) ?? ''}\n${str(before.description) ?? ''}`;
  const newText = `${str(after.title) ?? ''}\n${str(after.description) ?? ''}`;
  for (const field of fields) {
    switch (field) {
      case 'description':
      case 'title':
        gradeTextChange(grade, field, str(member(before, field)), str(member(after, field)));
        break;
      case 'inputSchema':
      case 'outputSchema': {
        const findings = compareSchemas(field, member(before, field), member(after, field));
        schema = schema.concat(findings);
        for (const f of findings) {
          if (f.breaking) grade.add('low', `${field} ${f.path}: ${f.change} (breaks ${field === 'inputSchema' ? 'existing calls' : 'consumers of the result'})`, true);
          else if (/\badded\b/.test(f.change) && /property/.test(f.change)) grade.add('low', `${field} ${f.path}: ${f.change}`);
          // Validation still passes, but a call that leaves the argument out now does something else.
          else if (field === 'inputSchema' && f.path.endsWith('/default')) grade.add('medium', `${field} ${f.path}: ${f.change}: calls that omit this argument now get a different value`);
          else grade.add('info', `${field} ${f.path}: ${f.change}`);
        }
        gradeLeaves(grade, field, member(before, field), member(after, field), false, true);
        break;
      }
      case 'annotations':
        annotationChanges(grade, before.annotations, after.annotations);
        break;
      default:
        grade.add('low', `${printable(field, 40)} changed`);
        if (!hasOwn(before, field)) gradeKey(grade, '/', field);
        gradeLeaves(grade, printable(field, 40), member(before, field), member(after, field), false, false);
    }
  }
  // A tool that now says it runs commands, writes files or reaches the network is a new power.
  if (oldText !== newText) gradeCapabilities(grade, 'high', 'tool now', name, newText, capabilityHints(name, oldText, isObject(before.annotations) ? before.annotations : {}), isObject(after.annotations) ? after.annotations : {});
  return change(server, 'tool', name, 'modified', grade, fields, jsonPaths(before, after), schema);
}

// ---- prompts ------------------------------------------------------------------------------

function promptArguments(def: JsonObject): Map<string, JsonObject> {
  const out = new Map<string, JsonObject>();
  if (!Array.isArray(def.arguments)) return out;
  for (const arg of def.arguments) if (isObject(arg) && typeof arg.name === 'string' && !out.has(arg.name)) out.set(arg.name, arg);
  return out;
}

function addedPrompt(server: string, name: string, def: JsonObject, twin?: string): DiffChange {
  const grade = new Grade();
  grade.add('medium', 'new prompt, not in the approved lockfile');
  gradeTwin(grade, 'prompt', twin);
  gradeName(grade, 'prompt name', name);
  gradeNewText(grade, 'description', str(def.description));
  gradeNewText(grade, 'title', str(def.title));
  for (const [argName, arg] of promptArguments(def)) {
    gradeName(grade, `argument ${quote(argName)}`, argName);
    gradeNewText(grade, `argument ${quote(argName)} description`, str(arg.description));
    for (const key of Object.keys(arg).sort()) {
      gradeKey(grade, `argument ${quote(argName)}`, key);
      if (key !== 'name' && key !== 'description') gradeLeaves(grade, `argument ${quote(argName)} ${printable(key, 40)}`, undefined, arg[key], true, false);
    }
  }
  for (const key of Object.keys(def).sort()) {
    gradeKey(grade, '/', key);
    if (key !== 'name' && key !== 'description' && key !== 'title' && key !== 'arguments') gradeLeaves(grade, printable(key, 40), undefined, def[key], true, false);
  }
  return change(server, 'prompt', name, 'added', grade, Object.keys(def).sort(), ['']);
}

function modifiedPrompt(server: string, name: string, before: JsonObject, after: JsonObject): DiffChange {
  const grade = new Grade();
  const fields = topFields(before, after);
  for (const field of fields) {
    if (field === 'description' || field === 'title') gradeTextChange(grade, field, str(member(before, field)), str(member(after, field)));
    else if (field !== 'arguments') {
      grade.add('low', `${printable(field, 40)} changed`);
      if (!hasOwn(before, field)) gradeKey(grade, '/', field);
      gradeLeaves(grade, printable(field, 40), member(before, field), member(after, field), false, false);
    }
  }
  const oldArgs = promptArguments(before);
  const newArgs = promptArguments(after);
  for (const [argName, arg] of oldArgs) {
    if (!newArgs.has(argName)) grade.add('low', `argument ${quote(argName)} removed (breaks existing calls that pass it)`, true);
    else {
      const now = newArgs.get(argName)!;
      if (now.required === true && arg.required !== true) grade.add('low', `argument ${quote(argName)} is now required (breaks existing calls)`, true);
      else if (now.required !== true && arg.required === true) grade.add('info', `argument ${quote(argName)} is no longer required`);
      gradeTextChange(grade, `argument ${quote(argName)} description`, str(arg.description), str(now.description));
      for (const key of unionKeys(arg, now)) {
        if (key === 'name' || key === 'required' || key === 'description' || sameJson(member(arg, key), member(now, key))) continue;
        if (key === 'title') gradeTextChange(grade, `argument ${quote(argName)} title`, str(arg.title), str(now.title));
        else {
          grade.add('low', `argument ${quote(argName)} ${printable(key, 40)} changed`);
          if (!hasOwn(arg, key)) gradeKey(grade, `argument ${quote(argName)}`, key);
          gradeLeaves(grade, `argument ${quote(argName)} ${printable(key, 40)}`, member(arg, key), member(now, key), false, false);
        }
      }
    }
  }
  for (const [argName, arg] of newArgs) {
    if (oldArgs.has(argName)) continue;
    if (arg.required === true) grade.add('low', `required argument ${quote(argName)} added (breaks existing calls)`, true);
    else grade.add('low', `optional argument ${quote(argName)} added`);
    gradeName(grade, `argument ${quote(argName)}`, argName);
    gradeTextChange(grade, `argument ${quote(argName)} description`, undefined, str(arg.description));
  }
  if (fields.includes('arguments') && grade.reasons().length === 0) grade.add('info', 'arguments reordered');
  return change(server, 'prompt', name, 'modified', grade, fields, jsonPaths(before, after));
}

// ---- resources and templates ----------------------------------------------------------------

function addedResource(server: string, kind: 'resource' | 'resourceTemplate', key: string, def: JsonObject): DiffChange {
  const grade = new Grade();
  const what = kind === 'resource' ? 'resource' : 'resource template';
  grade.add('medium', `new ${what}, not in the approved lockfile`);
  gradeAddress(grade, 'high', `new ${what}`, key);
  if (typeof def.name === 'string') gradeName(grade, `${what} name`, def.name);
  gradeNewText(grade, 'description', str(def.description));
  gradeNewText(grade, 'title', str(def.title));
  for (const field of Object.keys(def).sort()) {
    gradeKey(grade, '/', field);
    if (field !== 'name' && field !== 'description' && field !== 'title' && field !== 'uri' && field !== 'uriTemplate') gradeLeaves(grade, printable(field, 40), undefined, def[field], true, false);
  }
  return change(server, kind, key, 'added', grade, Object.keys(def).sort(), ['']);
}

function modifiedResource(server: string, kind: 'resource' | 'resourceTemplate', key: string, before: JsonObject, after: JsonObject): DiffChange {
  const grade = new Grade();
  const fields = topFields(before, after);
  for (const field of fields) {
    if (field === 'description' || field === 'title') gradeTextChange(grade, field, str(member(before, field)), str(member(after, field)));
    else if (field === 'name') {
      grade.add('low', `name ${quote(str(before.name) ?? '')} → ${quote(str(after.name) ?? '')}`);
      if (typeof after.name === 'string') gradeName(grade, 'name', after.name);
    } else if (field === 'mimeType') grade.add('low', `mimeType ${quote(str(before.mimeType) ?? 'none')} → ${quote(str(after.mimeType) ?? 'none')}`);
    else {
      grade.add('low', `${printable(field, 40)} changed`);
      if (!hasOwn(before, field)) gradeKey(grade, '/', field);
      gradeLeaves(grade, printable(field, 40), member(before, field), member(after, field), false, false);
    }
  }
  return change(server, kind, key, 'modified', grade, fields, jsonPaths(before, after));
}

// ---- items --------------------------------------------------------------------------------

function removedItem(server: string, kind: ItemKind, key: string): DiffChange {
  const grade = new Grade();
  if (kind === 'tool') grade.add('low', 'tool removed: agents that call it will fail', true);
  else if (kind === 'prompt') grade.add('low', 'prompt removed: clients that use it will fail', true);
  else if (kind === 'resourceTemplate') grade.add('low', 'resource template removed: reads through it will fail', true);
  // Resources are content that comes and goes (files, records); one disappearing is not counted as breaking.
  else grade.add('low', 'resource no longer listed');
  return change(server, kind, key, 'removed', grade);
}

function addedItem(server: string, kind: ItemKind, key: string, def: JsonObject, twin?: string, shadows?: ShadowIndex): DiffChange {
  if (kind === 'tool') return addedTool(server, key, def, twin, shadows?.of(server, key));
  if (kind === 'prompt') return addedPrompt(server, key, def, twin);
  return addedResource(server, kind, key, def);
}

function modifiedItem(server: string, kind: ItemKind, key: string, before: JsonObject, after: JsonObject): DiffChange {
  if (kind === 'tool') return modifiedTool(server, key, before, after);
  if (kind === 'prompt') return modifiedPrompt(server, key, before, after);
  return modifiedResource(server, kind, key, before, after);
}

// ---- server identity ----------------------------------------------------------------------

function identityJson(identity: ServerIdentity): JsonObject {
  const out: JsonObject = { serverInfo: identity.serverInfo, protocolVersion: identity.protocolVersion, capabilities: identity.capabilities };
  if (identity.instructions !== undefined) out.instructions = identity.instructions;
  return out;
}

const LIST_CAPABILITIES = ['tools', 'prompts', 'resources'];

const shell = (parts: string[]) => printable(parts.map((p) => (/^[\w@%+=:,./-]+$/.test(p) ? p : JSON.stringify(p))).join(' '), 200);

/** Env var names as a set: the order they were given in (`--env`, a config) means nothing. */
const nameSet = (names: readonly string[]): string[] => [...new Set(names)].sort();
/** Header names as a set, and case-insensitive as HTTP defines them (RFC 9110 §5.1). */
const headerSet = (names: readonly string[]): string[] => nameSet(names.map((h) => h.toLowerCase()));

/** The same transport, env var and header names compared as sets. */
function sameTransport(before: TransportRecord, after: TransportRecord): boolean {
  const key = (t: TransportRecord): JsonValue => (t.type === 'stdio' ? { ...t, env: nameSet(t.env) } : { ...t, headers: headerSet(t.headers) });
  return sameJson(key(before), key(after));
}

function transportLine(t: TransportRecord): string {
  return t.type === 'stdio' ? `stdio: ${shell([t.command, ...t.args])}` : `${t.type}: ${printable(t.url, 200)}`;
}

/**
 * How the server is launched or reached. Two lockfiles can pin the same surface behind a
 * different program (a typo-squatted package, a `curl | sh` wrapper) or another host: the
 * surface diff alone would say "no drift". Only names of env vars and headers are recorded.
 */
function transportChanges(grade: Grade, fields: string[], before: TransportRecord, after: TransportRecord): void {
  if (sameTransport(before, after)) return;
  const from = transportLine(before);
  const to = transportLine(after);
  if (before.type !== after.type) {
    fields.push('transport');
    grade.add('high', `the server is now reached another way: ${from} → ${to}`);
    return;
  }
  if (before.type === 'stdio' && after.type === 'stdio') {
    if (before.command !== after.command) {
      fields.push('transport.command');
      grade.add('high', `the server is now launched by another program: ${from} → ${to}`);
    } else if (!sameJson(before.args, after.args)) {
      fields.push('transport.args');
      // Only a version pin moved (pkg@1 → pkg@2, pkg==1 → pkg==2): the same package, upgraded.
      const unpinned = (args: string[]) => args.map((a) => a.replace(/(?<=.)@[^@/\s]*$/, '').replace(/==[^=\s]*$/, ''));
      const positional = (args: string[]) => unpinned(args).filter((a) => !a.startsWith('-'));
      if (sameJson(unpinned(before.args), unpinned(after.args))) grade.add('medium', `the server is now launched at another version: ${from} → ${to}`);
      // Only options (-x, --flag=value) differ: the same package or script, run another way.
      else if (sameJson(positional(before.args), positional(after.args))) grade.add('medium', `the server is now launched with other options: ${from} → ${to}`);
      else grade.add('high', `the server is now launched with other arguments (another package or script?): ${from} → ${to}`);
    }
    const added = after.env.filter((e) => !before.env.includes(e));
    const envChanged = !sameJson(nameSet(before.env), nameSet(after.env));
    if (envChanged) fields.push('transport.env');
    if (added.length > 0) grade.add('low', `the server now receives environment variable${added.length === 1 ? '' : 's'} ${added.map((e) => quote(e)).join(', ')}`);
    else if (envChanged) grade.add('info', 'environment variables passed to the server changed');
    return;
  }
  if (before.type !== 'stdio' && after.type !== 'stdio') {
    if (before.url !== after.url) {
      fields.push('transport.url');
      const host = (u: string) => {
        try {
          return new URL(u).host;
        } catch {
          return u;
        }
      };
      const moved = host(before.url) !== host(after.url);
      grade.add(moved ? 'high' : 'medium', `the server is now reached at ${moved ? 'another host' : 'another URL'}: ${from} → ${to}`);
    }
    const known = new Set(headerSet(before.headers));
    const added = after.headers.filter((h) => !known.has(h.toLowerCase()));
    const headersChanged = !sameJson(headerSet(before.headers), headerSet(after.headers));
    if (headersChanged) fields.push('transport.headers');
    if (added.length > 0) grade.add('low', `the server now receives header${added.length === 1 ? '' : 's'} ${added.map((h) => quote(h)).join(', ')}`);
    else if (headersChanged) grade.add('info', 'headers sent to the server changed');
  }
}

function modifiedIdentity(server: string, before: ServerIdentity, after: ServerIdentity, transports?: [TransportRecord, TransportRecord], artifacts?: [ArtifactPin | undefined, ArtifactPin | undefined]): DiffChange | undefined {
  const a = identityJson(before);
  const b = identityJson(after);
  const unchangedTransport = transports === undefined || sameTransport(transports[0], transports[1]);
  // The code behind the launch (src/diff/artifact.ts): the other half of the launch identity.
  const unchangedArtifact = artifacts === undefined || sameArtifact(artifacts[0], artifacts[1]);
  if (sameJson(a, b) && unchangedTransport && unchangedArtifact) return undefined;
  const grade = new Grade();
  const fields: string[] = [];
  if (transports) transportChanges(grade, fields, transports[0], transports[1]);
  if (artifacts) artifactChanges(grade, fields, artifacts[0], artifacts[1]);
  const infoA = before.serverInfo;
  const infoB = after.serverInfo;
  for (const key of unionKeys(infoA, infoB)) {
    const va = member(infoA, key);
    const vb = member(infoB, key);
    if (sameJson(va, vb)) continue;
    fields.push(`serverInfo.${key}`);
    const from = printable(JSON.stringify(va ?? null), 60);
    const to = printable(JSON.stringify(vb ?? null), 60);
    if (key === 'version') grade.add('info', `version ${from} → ${to}`);
    else if (key === 'name') grade.add('medium', `server name ${from} → ${to}: the server presents itself as something else`);
    else if (key === 'title' || key === 'description') gradeTextChange(grade, `serverInfo.${key}`, str(va), str(vb));
    else {
      grade.add('low', `serverInfo.${printable(key, 40)} ${from} → ${to}`);
      gradeLeaves(grade, `serverInfo.${printable(key, 40)}`, va, vb, false, false);
    }
    if (key === 'name' && typeof vb === 'string') gradeName(grade, 'server name', vb);
  }
  if (before.protocolVersion !== after.protocolVersion) {
    fields.push('protocolVersion');
    grade.add('low', `protocol version ${quote(before.protocolVersion)} → ${quote(after.protocolVersion)}`);
  }
  if (!sameJson(before.capabilities, after.capabilities)) {
    fields.push('capabilities');
    const ca = before.capabilities;
    const cb = after.capabilities;
    for (const key of unionKeys(ca, cb)) {
      if (sameJson(member(ca, key), member(cb, key))) continue;
      const name = printable(key, 40);
      if (!hasOwn(ca, key)) grade.add('medium', `new capability "${name}"`);
      else if (!hasOwn(cb, key)) grade.add('low', `capability "${name}" removed`, LIST_CAPABILITIES.includes(key));
      else {
        const va = member(ca, key);
        const vb = member(cb, key);
        const sa = isObject(va) ? va : {};
        const sb = isObject(vb) ? vb : {};
        if (sb.listChanged === true && sa.listChanged !== true) grade.add('medium', `capability "${name}" now has listChanged: the server may change its ${name} at run time, after this check`);
        else grade.add('low', `capability "${name}" changed`);
      }
    }
  }
  if (before.instructions !== after.instructions) {
    fields.push('instructions');
    gradeTextChange(grade, 'instructions', before.instructions, after.instructions);
  }
  const paths = jsonPaths(a, b);
  if (!unchangedArtifact) paths.unshift('/artifact');
  if (!unchangedTransport) paths.unshift('/transport');
  return change(server, 'server', server, 'modified', grade, fields, paths);
}

function addedServer(server: string, after: LockedServer, transport: boolean, shadows: () => ShadowIndex): DiffChange[] {
  const grade = new Grade();
  const s = after.surface;
  const count = ITEM_KINDS.map((k) => Object.keys(s[ITEM_COLLECTION[k]]).length).reduce((x, y) => x + y, 0);
  grade.add('high', `new server, not in the approved lockfile (${count} items)`);
  if (transport) grade.add('info', `reached as ${transportLine(after.transport)}`);
  if (typeof s.identity.serverInfo.name === 'string') gradeName(grade, 'server name', s.identity.serverInfo.name);
  gradeNewText(grade, 'instructions', s.identity.instructions);
  const changes = [change(server, 'server', server, 'added', grade, ['identity'], [''])];
  for (const kind of ITEM_KINDS) {
    const items = s[ITEM_COLLECTION[kind]];
    for (const key of Object.keys(items).sort()) changes.push(addedItem(server, kind, key, items[key]!, undefined, kind === 'tool' ? shadows() : undefined));
  }
  return changes;
}

function removedServer(server: string, before: LockedServer): DiffChange {
  const grade = new Grade();
  const tools = Object.keys(before.surface.tools).length;
  grade.add('low', `server removed: its ${tools} tool${tools === 1 ? '' : 's'} and every other item are no longer offered`, true);
  return change(server, 'server', server, 'removed', grade);
}

// ---- look-alike names ------------------------------------------------------------------------

/** A name folded for look-alike comparison: ASCII skeleton, case, separators and 0/o 1/l/i rn/m vv/w. */
function foldName(name: string): string {
  return (asciiSkeleton(name) ?? name)
    .toLowerCase()
    .replace(/[\s._-]+/g, '')
    .replace(/0/g, 'o')
    .replace(/[1i|]/g, 'l')
    .replace(/rn/g, 'm')
    .replace(/vv/g, 'w');
}

function foldNames(names: string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const name of names) {
    const key = foldName(name);
    const list = out.get(key);
    if (list) list.push(name);
    else out.set(key, [name]);
  }
  return out;
}

// ---- the engine ---------------------------------------------------------------------------

const KIND_ORDER: Record<ChangeKind, number> = { server: 0, tool: 1, prompt: 2, resource: 3, resourceTemplate: 4 };

/**
 * Compares two lockfile-shaped surfaces (`before` is the approved lockfile; `after` is what a
 * live server offers now, or another lockfile) and classifies every difference on two axes:
 * `breaking` (compatibility) and `severity` with reasons (security). Pure and synchronous.
 */
export interface DiffOptions {
  /**
   * Also compare how each server is launched or reached (`transport`: command, arguments, URL,
   * env and header names). Every command compares with REVIEW_DIFF, which does.
   */
  transport?: boolean;
}

/**
 * How `lock`'s refusal, `diff`, `check` and `policy` all compare a lockfile with the new side:
 * surface and transport, so one change is graded and counted the same way by each of them.
 */
export const REVIEW_DIFF: Readonly<DiffOptions> = Object.freeze({ transport: true });

export function diffLockfiles(before: Lockfile, after: Lockfile, options: DiffOptions = {}): DiffReport {
  const changes: DiffChange[] = [];
  const names = [...new Set([...Object.keys(before.servers), ...Object.keys(after.servers)])].sort();
  // Cross-server collisions of the new side, grouped by name skeleton (linear), built only when a tool was added.
  let shadowIndex: ShadowIndex | undefined;
  const shadows = () => (shadowIndex ??= indexShadows(findCollisions(serverTools(after.servers)), COLLISIONS_LISTED));
  for (const server of names) {
    const a = before.servers[server];
    const b = after.servers[server];
    if (!a) {
      changes.push(...addedServer(server, b!, options.transport === true, shadows));
      continue;
    }
    if (!b) {
      changes.push(removedServer(server, a));
      continue;
    }
    const identity = modifiedIdentity(server, a.surface.identity, b.surface.identity, options.transport ? [a.transport, b.transport] : undefined, options.transport ? [a.artifact, b.artifact] : undefined);
    if (identity) changes.push(identity);
    for (const kind of ITEM_KINDS) {
      const collection = ITEM_COLLECTION[kind];
      const oldItems = a.surface[collection];
      const newItems = b.surface[collection];
      for (const key of Object.keys(oldItems)) {
        if (!hasOwn(newItems, key)) changes.push(removedItem(server, kind, key));
        // Digests first (free for lockfiles read with them, and read without parsing the items
        // of a lazily read one): only a differing item is looked into.
        else if (!sameItemAt(oldItems, newItems, key)) changes.push(modifiedItem(server, kind, key, oldItems[key]!, newItems[key]!));
      }
      let lookalikes: Map<string, string[]> | undefined;
      for (const key of Object.keys(newItems)) {
        if (hasOwn(oldItems, key)) continue;
        let twin: string | undefined;
        if (kind === 'tool' || kind === 'prompt') {
          // A new tool named like an approved one (read-file next to read_file, de1ete vs delete)
          // can take calls meant for it: shadowing. Built only when something was added.
          lookalikes ??= foldNames(Object.keys(oldItems));
          twin = (lookalikes.get(foldName(key)) ?? []).find((other) => other !== key);
        }
        const added = addedItem(server, kind, key, newItems[key]!, twin, kind === 'tool' ? shadows() : undefined);
        changes.push(added);
      }
    }
  }
  changes.sort((x, y) => (x.server < y.server ? -1 : x.server > y.server ? 1 : KIND_ORDER[x.kind] - KIND_ORDER[y.kind] || (x.name < y.name ? -1 : x.name > y.name ? 1 : 0)));
  return { drift: changes.length > 0, summary: summarize(changes), changes };
}

function summarize(changes: DiffChange[]): DiffReport['summary'] {
  const bySeverity = createRecord<number>() as Record<Severity, number>;
  for (const s of SEVERITIES) bySeverity[s] = 0;
  let top: Severity | null = null;
  let breaking = 0;
  for (const c of changes) {
    bySeverity[c.severity]++;
    if (c.breaking) breaking++;
    if (top === null || compareSeverity(c.severity, top) > 0) top = c.severity;
  }
  return { changes: changes.length, breaking, maxSeverity: top, bySeverity: { ...bySeverity } };
}

export type FailOn = 'any' | 'breaking' | 'security' | 'none';

/**
 * Whether a change trips `--fail-on`. The levels nest: `any` is every change; `breaking` is a
 * breaking change or a security one; `security` is a change of severity high or critical;
 * `none` never fails.
 */
export function failsOn(c: DiffChange, failOn: FailOn): boolean {
  if (failOn === 'none') return false;
  if (failOn === 'any') return true;
  const security = compareSeverity(c.severity, 'high') >= 0;
  return failOn === 'security' ? security : security || c.breaking;
}
