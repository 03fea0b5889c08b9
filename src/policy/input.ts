import { digestOf, type JsonObject, type JsonValue } from '../canonical/index.js';
import { coreChange } from '../report/change-fields.js';
import type { DiffChange } from '../diff/types.js';
import type { LockedServer, Lockfile } from '../lockfile/types.js';
import type { LiveServerScan } from '../mtf/live.js';
import { createRecord } from '../util/record.js';
import { capabilityHints, classifyAddress, MAX_READABLE_NODES, pathTraversal, quietDefinition, quietName, readableTexts, scanKey, scanName, scanText, type Severity, type TextSignal } from '../safety/index.js';
import { findCollisions, indexShadows, serverTools, type ShadowIndex } from '../safety/shadowing.js';
import { isPrintableAscii, printable } from '../util/text.js';
import { artifactDoc, type ArtifactDoc } from './artifact-input.js';

/**
 * The `input` document that policy rules (CEL) are evaluated over. Documented in docs/policy.md
 * ("The policy input document") and by `schemas/policy-input.schema.json`. Field names follow
 * MCPTrust where it has one (`input.tools[].risk_level`, `input.drift.hasDrift`,
 * `input.drift.items`, `input.resources.schemes`, `input.prompts.names`) so its policy files
 * keep working. Every value is plain JSON; absent optional text is "" so rules need no has().
 */
export const POLICY_INPUT_VERSION = 1;

export interface NameFlags {
  /** Any character outside printable ASCII. */
  nonAscii: boolean;
  /** Zero-width, tag or other invisible characters. */
  invisible: boolean;
  /** Bidirectional control characters. */
  bidi: boolean;
  /** Looks like a different ASCII name (homoglyphs, mixed scripts). */
  confusable: boolean;
}

/** A tool's name flags: NameFlags, and whether the name keeps to MCP's tool-name format. */
export interface ToolNameFlags extends NameFlags {
  /** Not 1 to 128 characters of A-Z, a-z, 0-9, "_", "-" and "." (MCP specification 2025-11-25). */
  nonStandard: boolean;
}

export interface SignalDoc {
  kind: string;
  severity: Severity;
  evidence: string;
}

export interface ToolDoc {
  server: string;
  name: string;
  title: string;
  description: string;
  hasDescription: boolean;
  inputSchema: JsonObject;
  /** MCPTrust spells it input_schema in its policy input; same object. */
  input_schema: JsonObject;
  outputSchema: JsonObject | null;
  annotations: JsonObject;
  /** MCPTrust-compatible risk: HIGH (command execution or several capabilities), MEDIUM (one capability — file writing, network egress, a write to another system — or destructiveHint), LOW. */
  risk_level: 'LOW' | 'MEDIUM' | 'HIGH';
  risk_reasons: string[];
  /** What the name and description say the tool can do. */
  capabilities: string[];
  flags: ToolNameFlags;
  /** Signals in the name: invisible, bidi, confusable, non-ascii, and what its text says (model instructions, sensitive paths…). */
  nameSignals: SignalDoc[];
  /**
   * Tools of other servers in this input with the same or a look-alike name, as "server/name"
   * (src/safety/shadowing.ts): an agent given both may call one for the other. At most 50; a
   * longer list ends with "… N more".
   */
  shadows: string[];
  /**
   * Signals in the description and in every other string and object key of the definition a
   * model may read — title, schemas (property names included), annotations, `_meta` — (model
   * instructions, concealment, sensitive paths, URLs, …); the evidence says where each was found.
   */
  descriptionSignals: SignalDoc[];
}

export interface PromptDoc {
  server: string;
  name: string;
  title: string;
  description: string;
  hasDescription: boolean;
  arguments: { name: string; description: string; required: boolean }[];
  digest: string;
  flags: NameFlags;
  nameSignals: SignalDoc[];
  descriptionSignals: SignalDoc[];
}

export type AddressClass = 'link-local' | 'loopback' | 'private' | 'file';

export interface ResourceDoc {
  server: string;
  uri: string;
  name: string;
  title: string;
  description: string;
  mimeType: string;
  /** Lower-case URI scheme ("" when there is none). */
  scheme: string;
  /** Where it points when that is not the public internet, else null. */
  address: AddressClass | null;
  /** address is not null: file://, loopback, link-local (cloud metadata) or a private range. */
  internal: boolean;
  /** Its path climbs out of its root with `..` segments (also percent-encoded): path traversal. */
  traversal: boolean;
  digest: string;
  descriptionSignals: SignalDoc[];
}

export interface TemplateDoc extends Omit<ResourceDoc, 'uri'> {
  uriTemplate: string;
  /** MCPTrust's name for the digest. */
  templateHash: string;
}

export interface ServerDoc {
  name: string;
  identity: {
    serverInfo: JsonObject;
    name: string;
    version: string;
    protocolVersion: string;
    capabilities: JsonObject;
    instructions: string;
  };
  transport: JsonObject;
  /** Which code the server runs (src/policy/artifact-input.ts). */
  artifact: ArtifactDoc;
  tools: ToolDoc[];
  prompts: PromptDoc[];
  resources: ResourceDoc[];
  resourceTemplates: TemplateDoc[];
  /** The MTF results for this server, or null when none were computed. */
  mtf: JsonObject | null;
}

export interface DriftItemDoc {
  server: string;
  kind: string;
  name: string;
  change: 'added' | 'removed' | 'modified';
  severity: Severity;
  breaking: boolean;
  reasons: string[];
  /** MCPTrust aliases: type = kind, id = name, message = reasons joined. */
  type: string;
  id: string;
  message: string;
}

export interface DriftDoc {
  /** True when the lock was compared with something (a live server, or --against). */
  checked: boolean;
  /** "live", "lockfile", or "" when not checked. */
  against: string;
  hasDrift: boolean;
  breaking: boolean;
  /** The most severe change, or "" when none. */
  maxSeverity: string;
  items: DriftItemDoc[];
}

export interface VerificationDoc {
  /** True when a signature check ran (mcptrust check with --key/--keyring). */
  checked: boolean;
  verified: boolean;
  signers: string[];
}

export interface PolicyInput {
  inputVersion: number;
  /**
   * What servers/tools/prompts/resources describe: "lockfile" (the --lock file), "live" (the
   * live server, compared with the lock in drift) or "against" (the --against lockfile).
   */
  source: 'lockfile' | 'live' | 'against';
  /**
   * False when there is no approved lockfile (`policy check --no-lockfile`): the rules judge a
   * live surface that nothing was compared with, and `drift` is empty with `checked: false`.
   */
  locked: boolean;
  lockfileVersion: number;
  servers: ServerDoc[];
  /** MCPTrust compatibility: the one server's artifact, present only when the lock holds exactly one. */
  artifact?: ArtifactDoc;
  /** MCPTrust compatibility: the one server's name and version, when the lock holds exactly one. */
  server: { name: string; version: string } | null;
  tools: ToolDoc[];
  /**
   * names: sorted, distinct; definitions: MCPTrust's map from prompt name to
   * `{argumentsHash}` (the digest of the prompt's arguments; the first server in name order wins
   * when two servers have a prompt of the same name).
   */
  prompts: { names: string[]; definitions: Record<string, { argumentsHash: string }>; items: PromptDoc[] };
  resources: { items: ResourceDoc[]; templates: TemplateDoc[]; schemes: string[] };
  drift: DriftDoc;
  mtf: { available: boolean; servers: JsonObject[] };
  verification: VerificationDoc;
}

export interface PolicyInputSources {
  /** The surface the rules look at: the lockfile, or the live server / --against lockfile when drift is given. */
  lock: Lockfile;
  /** The classified changes from the approved lockfile to `lock` (a live server or another lockfile). */
  drift?: { against: 'live' | 'lockfile'; changes: readonly DiffChange[] };
  /** Per-server MTF results (plain JSON), keyed by server name; a function is called only when needed. */
  mtf?: ReadonlyMap<string, JsonObject> | (() => ReadonlyMap<string, JsonObject>);
  verification?: { verified: boolean; signers: string[] };
  /** False when `lock` is a live surface with no approved lockfile behind it (default true). */
  locked?: boolean;
}

/** The live MTF scan of one server (src/mtf scanLockfile) as the plain JSON the input carries. */
export function mtfServerDoc(scan: LiveServerScan): JsonObject {
  const control = (c: LiveServerScan['controls']['CD-01']): JsonObject => ({ status: c.status, levelCap: c.levelCap ?? null, findings: c.findings.length });
  return {
    passed: scan.passed,
    risk: scan.risk,
    counts: { ...scan.counts },
    controls: { 'CD-01': control(scan.controls['CD-01']), 'CD-03': control(scan.controls['CD-03']) },
    findings: scan.findings.map((f) => ({ id: f.id, control: f.control, severity: f.severity, title: f.title, description: f.description })),
  };
}

export interface BuildOptions {
  /**
   * The identifiers the rules use (see referencedNames). The costly derived fields —
   * `nameSignals`, `descriptionSignals`, `capabilities`/`risk_level`/`risk_reasons`, `shadows` and `mtf` — are computed
   * only when a rule names them, and left out otherwise (a rule that reads an object whole, such
   * as `t.all(k, …)` or `size(t)`, names them all: see referencedNames); a rule that reaches one
   * in some other unforeseen way gets a missing-field error and fails, closed.
   * Default (no names): every field, as `mcptrust policy input` prints it.
   */
  names?: ReadonlySet<string>;
  /**
   * No object of the lock has an own "constructor" key, so celJson would leave every value as it
   * is and is not run: the caller proved it on the bytes the lock was parsed from (see
   * mayHoldConstructorKey).
   */
  noConstructorKeys?: boolean;
}

interface Eager {
  signals: boolean;
  /** `nameSignals` (the text analysis of every name); `flags` is always set (see nameSignalsOf). */
  names: boolean;
  risk: boolean;
  shadows: boolean;
  mtf: boolean;
  /** celJson, or the identity when the lock holds no "constructor" key. */
  cel: <T extends JsonValue>(value: T) => T;
}

const asIs = <T extends JsonValue>(value: T): T => value;

function eagerness(options: BuildOptions): Eager {
  const n = options.names;
  const cel = options.noConstructorKeys === true ? asIs : celJson;
  if (n === undefined) return { signals: true, names: true, risk: true, shadows: true, mtf: true, cel };
  return {
    signals: n.has('descriptionSignals'),
    names: n.has('nameSignals'),
    risk: n.has('risk_level') || n.has('risk_reasons') || n.has('capabilities'),
    shadows: n.has('shadows'),
    mtf: n.has('mtf'),
    cel,
  };
}

/**
 * False when JSON bytes cannot hold an object key "constructor": the word is nowhere in them and
 * no `\u` escape could spell it (JSON can write a letter of a key no other way). One native
 * search each.
 */
export function mayHoldConstructorKey(bytes: Uint8Array): boolean {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return buffer.includes('constructor') || buffer.includes('\\u');
}

function once<T>(compute: () => T): () => T {
  let done = false;
  let value: T;
  return () => {
    if (!done) {
      value = compute();
      done = true;
    }
    return value;
  };
}

/** Sets `key` when the rules need it; leaves it out otherwise (see BuildOptions). */
function derived<T extends object>(target: T, key: string, compute: () => unknown, wanted: boolean): void {
  if (wanted) (target as Record<string, unknown>)[key] = compute();
}

// Shared, frozen values for the common case (plain ASCII names), to spare 10,000-tool inputs
// two allocations per tool. Nothing downstream mutates the input.
const NO_FLAGS: NameFlags = Object.freeze({ nonAscii: false, invisible: false, bidi: false, confusable: false });
const NO_TOOL_FLAGS: ToolNameFlags = Object.freeze({ ...NO_FLAGS, nonStandard: false });
/** MCP's tool-name format (specification 2025-11-25): 1 to 128 of these characters. Linear. */
const STANDARD_TOOL_NAME = /^[A-Za-z0-9_.-]{1,128}$/;
const NO_SIGNALS: SignalDoc[] = Object.freeze([]) as unknown as SignalDoc[];
const NO_SHADOWS: string[] = Object.freeze([]) as unknown as string[];

/** `shadows` of one tool; the tools of one server in one collision share the list. */
function shadowsOf(index: ShadowIndex, cache: Map<object, string[]>, server: string, name: string): string[] {
  const entry = index.of(server, name);
  if (entry.others.length === 0) return NO_SHADOWS;
  let list = cache.get(entry);
  if (!list) {
    list = entry.others.map((t) => `${t.server}/${t.name}`);
    if (entry.more > 0) list.push(`… ${entry.more} more`);
    cache.set(entry, list);
  }
  return list;
}

/** Keys in UTF-16 order; lockfile records are usually in that order already (a cheap check). */
function sortedKeys(record: object): string[] {
  const keys = Object.keys(record);
  for (let i = 1; i < keys.length; i++) if (keys[i - 1]! > keys[i]!) return keys.sort();
  return keys;
}

const str = (v: JsonValue | undefined): string => (typeof v === 'string' ? v : '');
const obj = (v: JsonValue | undefined): JsonObject | null => (typeof v === 'object' && v !== null && !Array.isArray(v) ? v : null);

const hasOwn = Object.prototype.hasOwnProperty;

/**
 * Server-written JSON as cel-js can read it. cel-js decides what an object is from its
 * `constructor`, so an object with an own "constructor" key (a tool parameter named
 * "constructor", say) is an "unsupported type" and every rule that reaches it errors. Such
 * objects become Maps, which cel-js reads as the same CEL map (JSON output turns them back, see
 * `policyInputJson`). Everything else is returned as is, without copying.
 */
export function celJson<T extends JsonValue>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    let out: JsonValue[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item = value[i]!;
      const converted = typeof item === 'object' && item !== null ? celJson(item) : item;
      if (converted !== item) (out ??= value.slice())[i] = converted;
    }
    return (out ?? value) as T;
  }
  const record = value as JsonObject;
  const keys = Object.keys(record);
  // One pass over the children (converting each at most once, so nesting stays linear).
  let converted: JsonValue[] | undefined;
  for (let i = 0; i < keys.length; i++) {
    const item = record[keys[i]!]!;
    if (typeof item !== 'object' || item === null) continue;
    const c = celJson(item);
    if (c !== item) (converted ??= keys.map((k) => record[k]!))[i] = c;
  }
  if (converted === undefined && !hasOwn.call(record, 'constructor')) return value;
  const map = new Map<string, JsonValue>();
  for (let i = 0; i < keys.length; i++) map.set(keys[i]!, converted ? converted[i]! : record[keys[i]!]!);
  return map as unknown as T;
}

/** The input as plain JSON (Maps made by celJson become objects again), for printing. */
export function policyInputJson(input: PolicyInput, space?: number): string {
  return JSON.stringify(input, (_key, v: unknown) => (v instanceof Map ? Object.fromEntries(v) : v), space);
}

function signalDocs(signals: readonly TextSignal[]): SignalDoc[] {
  if (signals.length === 0) return NO_SIGNALS;
  return signals.map((s) => ({ kind: s.kind, severity: s.severity, evidence: s.evidence }));
}

function toolFlags(name: string, signals: TextSignal[]): ToolNameFlags {
  const nonStandard = !STANDARD_TOOL_NAME.test(name);
  if (signals.length === 0 && !nonStandard) return NO_TOOL_FLAGS;
  return { ...nameFlags(signals), nonStandard };
}

/**
 * The signals of a name, or when no rule reads `nameSignals`, only what its flags need: none for a
 * printable-ASCII name (the flags are about characters it cannot hold: non-ASCII, invisible,
 * bidi controls, look-alikes; the analysis of its words adds no signal of those kinds), every
 * one for any other name. The analysis of 10,000 names as words is a third of a lean run.
 */
function nameSignalsOf(name: string, eager: Eager): TextSignal[] {
  return eager.names || !isPrintableAscii(name) ? scanName(name) : NO_NAME_SIGNALS;
}
const NO_NAME_SIGNALS: TextSignal[] = Object.freeze([]) as unknown as TextSignal[];

function nameFlags(signals: TextSignal[]): NameFlags {
  if (signals.length === 0) return NO_FLAGS;
  const has = (kind: string) => signals.some((s) => s.kind === kind);
  return { nonAscii: has('non-ascii'), invisible: has('invisible-char'), bidi: has('bidi-control'), confusable: has('confusable') };
}

function schemeOf(uri: string): string {
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(uri);
  return m ? m[1]!.toLowerCase() : '';
}

function assessRisk(name: string, description: string, annotations: JsonObject) {
  const capabilities = capabilityHints(name, description, annotations);
  const reasons: string[] = capabilities.map((c) => `${c} (from the name or description)`);
  if (annotations.destructiveHint === true) reasons.push('annotated destructiveHint');
  const level: ToolDoc['risk_level'] =
    capabilities.includes('command-execution') || capabilities.length >= 2 ? 'HIGH' : reasons.length > 0 ? 'MEDIUM' : 'LOW';
  return { level, reasons, capabilities: capabilities as string[] };
}

/** Definition fields whose values are JSON Schemas (their syntax keywords' values are not prose). */
const SCHEMA_FIELDS = new Set(['inputSchema', 'outputSchema']);
/** Where a prompt argument's name sits in its `arguments` field: `/3/name` (or `/3`, a bare string). */
const ARGUMENT_NAME = /^\/\d+(?:\/name)?$/;

/**
 * Signals in every string of a definition a model may read: the description first, then every
 * other field's strings and every object key at any depth (a property name, an `annotations` or
 * `_meta` key, an argument), except the fields in `skip` (the name, analysed as a name; a URI,
 * classified as an address). Each evidence says where it was found. Linear in the definition:
 * src/safety's analysis is linear in each text, and the walk visits each node once; a field too
 * large to walk whole is itself a high signal, never a silent pass.
 */
function definitionSignals(definition: JsonObject, description: string, skip: ReadonlySet<string>): SignalDoc[] {
  // Every string and key quiet (src/safety quietDefinition, shared with the MTF scan), and every
  // value read as a name below quiet as a name: no signal.
  if (quietDefinition(definition) && namesQuiet(definition, skip)) return NO_SIGNALS;
  const out: SignalDoc[] = [];
  const add = (where: string, signals: readonly TextSignal[]) => {
    for (const s of signals) out.push({ kind: s.kind, severity: s.severity, evidence: where === '' ? s.evidence : `${where}: ${s.evidence}` });
  };
  if (description !== '') add('', scanText(description));
  for (const field of sortedKeys(definition)) {
    const label = fieldLabel(field);
    add(`${label} (key)`, scanKey(field));
    if (field === 'description' || skip.has(field)) continue;
    // A resource's name (a tool's or prompt's is judged apart): read as text and as a name.
    const value = definition[field];
    if (field === 'name' && typeof value === 'string') {
      if (value !== '') add(label, scanKey(value));
      continue;
    }
    const walk = readableTexts(value, { schema: SCHEMA_FIELDS.has(field) });
    // A key (a property name, an `_meta` key), a `required` entry and a prompt argument's name
    // are read as names too.
    const args = field === 'arguments';
    for (const t of walk.texts) {
      if (t.text === '') continue;
      const asName = t.key || t.name === true || (args && ARGUMENT_NAME.test(t.pointer));
      add(`${label}${t.pointer}${t.key ? ' (key)' : ''}`, t.nameOnly ? scanName(t.text) : asName ? scanKey(t.text) : scanText(t.text));
    }
    if (!walk.complete) {
      out.push({ kind: 'unanalysed-text', severity: 'high', evidence: `${label} has more than ${MAX_READABLE_NODES} JSON nodes: its text was not all analysed; review it by hand` });
    }
  }
  return out.length === 0 ? NO_SIGNALS : out;
}

/**
 * Whether the values definitionSignals reads as names (a resource's name, prompt arguments'
 * names) are quiet as names too: quietDefinition reads values as text only, and a name can say
 * as words what it does not as written ("do1not2tell3the4user", "read_etc_passwd").
 */
function namesQuiet(definition: JsonObject, skip: ReadonlySet<string>): boolean {
  const name = definition.name;
  if (!skip.has('name') && typeof name === 'string' && !quietName(name)) return false;
  const args = definition.arguments;
  if (Array.isArray(args)) {
    for (const arg of args) {
      const n = typeof arg === 'string' ? arg : arg !== null && typeof arg === 'object' && !Array.isArray(arg) ? (arg as JsonObject).name : undefined;
      if (typeof n === 'string' && !quietName(n)) return false;
    }
  }
  return true;
}

// The printable label of a definition's field, per field name: the same few names ("inputSchema",
// "annotations"…) label every item of a 10,000-tool input. Bounded, as a server picks the names.
const FIELD_LABELS = new Map<string, string>();
function fieldLabel(field: string): string {
  let label = FIELD_LABELS.get(field);
  if (label === undefined) {
    label = printable(field, 40);
    if (FIELD_LABELS.size < 1_000) FIELD_LABELS.set(field, label);
  }
  return label;
}

const TOOL_SKIP = new Set(['name']);
const PROMPT_SKIP = new Set(['name']);
const RESOURCE_SKIP = new Set(['uri', 'uriTemplate']);

function toolDoc(server: string, definition: JsonObject, eager: Eager, shadows: string[] = NO_SHADOWS): ToolDoc {
  const name = str(definition.name);
  const description = str(definition.description);
  const inputSchema = eager.cel(obj(definition.inputSchema) ?? {});
  const annotations = eager.cel(obj(definition.annotations) ?? {});
  const nameSignals = nameSignalsOf(name, eager);
  const doc = {
    server,
    name,
    title: str(definition.title) || str(obj(definition.annotations)?.title),
    description,
    hasDescription: description.trim() !== '',
    inputSchema,
    input_schema: inputSchema,
    outputSchema: eager.cel(obj(definition.outputSchema)),
    annotations,
  } as ToolDoc;
  // The derived fields, in the same order as ever (it is the order `policy input` prints).
  if (eager.risk) {
    const risk = assessRisk(name, description, annotations);
    doc.risk_level = risk.level;
    doc.risk_reasons = risk.reasons;
    doc.capabilities = risk.capabilities;
  }
  doc.flags = toolFlags(name, nameSignals);
  derived(doc, 'nameSignals', () => signalDocs(nameSignals), eager.names);
  if (eager.shadows) doc.shadows = shadows;
  if (eager.signals) doc.descriptionSignals = definitionSignals(definition, description, TOOL_SKIP);
  return doc;
}

function promptDoc(server: string, definition: JsonObject, digest: string, eager: Eager): PromptDoc {
  const name = str(definition.name);
  const description = str(definition.description);
  const nameSignals = nameSignalsOf(name, eager);
  const args = Array.isArray(definition.arguments) ? definition.arguments : [];
  const doc = {
    server,
    name,
    title: str(definition.title),
    description,
    hasDescription: description.trim() !== '',
    arguments: args.map((a) => {
      const o = obj(a) ?? {};
      return { name: str(o.name), description: str(o.description), required: o.required === true };
    }),
    digest,
    flags: nameFlags(nameSignals),
  } as PromptDoc;
  derived(doc, 'nameSignals', () => signalDocs(nameSignals), eager.names);
  derived(doc, 'descriptionSignals', () => definitionSignals(definition, description, PROMPT_SKIP), eager.signals);
  return doc;
}

function addressed(uri: string): { scheme: string; address: AddressClass | null; internal: boolean; traversal: boolean } {
  const address = classifyAddress(uri) ?? null;
  return { scheme: schemeOf(uri), address, internal: address !== null, traversal: pathTraversal(uri) !== undefined };
}

function resourceDoc(server: string, definition: JsonObject, digest: string, eager: Eager): ResourceDoc {
  const uri = str(definition.uri);
  const description = str(definition.description);
  const doc = {
    server,
    uri,
    name: str(definition.name),
    title: str(definition.title),
    description,
    mimeType: str(definition.mimeType),
    ...addressed(uri),
    digest,
  } as ResourceDoc;
  derived(doc, 'descriptionSignals', () => definitionSignals(definition, description, RESOURCE_SKIP), eager.signals);
  return doc;
}

function templateDoc(server: string, definition: JsonObject, digest: string, eager: Eager): TemplateDoc {
  const uriTemplate = str(definition.uriTemplate);
  const description = str(definition.description);
  const doc = {
    server,
    uriTemplate,
    name: str(definition.name),
    title: str(definition.title),
    description,
    mimeType: str(definition.mimeType),
    ...addressed(uriTemplate),
    digest,
    templateHash: digest,
  } as TemplateDoc;
  derived(doc, 'descriptionSignals', () => definitionSignals(definition, description, RESOURCE_SKIP), eager.signals);
  return doc;
}

function serverDoc(server: LockedServer, mtf: () => JsonObject | null, eager: Eager, shadows: (server: string, name: string) => string[]): ServerDoc {
  const { surface } = server;
  // Tools carry no digest: recomputing 10,000 of them would double the cost of a policy run,
  // and a rule has no use for it. Prompts, resources and templates (few) keep theirs.
  const items = <T>(record: Record<string, JsonObject>, make: (s: string, d: JsonObject, digest: string, e: Eager) => T): T[] =>
    sortedKeys(record).map((key) => make(server.name, record[key]!, digestOf(record[key]), eager));
  const serverInfo = surface.identity.serverInfo;
  const doc = {
    name: server.name,
    identity: {
      serverInfo: eager.cel(serverInfo),
      name: str(serverInfo.name),
      version: str(serverInfo.version),
      protocolVersion: surface.identity.protocolVersion,
      capabilities: eager.cel(surface.identity.capabilities),
      instructions: surface.identity.instructions ?? '',
    },
    transport: eager.cel(server.transport as unknown as JsonObject),
    artifact: artifactDoc(server.artifact),
    tools: sortedKeys(surface.tools).map((key) => toolDoc(server.name, surface.tools[key]!, eager, shadows(server.name, key))),
    prompts: items(surface.prompts, promptDoc),
    resources: items(surface.resources, resourceDoc),
    resourceTemplates: items(surface.resourceTemplates, templateDoc),
  } as ServerDoc;
  derived(doc, 'mtf', mtf, eager.mtf);
  return doc;
}

function driftDoc(drift: PolicyInputSources['drift']): DriftDoc {
  if (!drift) return { checked: false, against: '', hasDrift: false, breaking: false, maxSeverity: '', items: [] };
  const order: Severity[] = ['info', 'low', 'medium', 'high', 'critical'];
  let top = -1;
  const items = drift.changes.map((c): DriftItemDoc => {
    top = Math.max(top, order.indexOf(c.severity));
    return {
      ...coreChange(c),
      type: c.kind,
      id: c.name,
      message: c.reasons.join('; ') || `${c.kind} ${c.change}`,
    };
  });
  return {
    checked: true,
    against: drift.against,
    hasDrift: items.length > 0,
    breaking: items.some((i) => i.breaking),
    maxSeverity: top < 0 ? '' : order[top]!,
    items,
  };
}

/** MCPTrust's `input.prompts.definitions`: prompt name → {argumentsHash}. */
function promptDefinitions(lock: Lockfile, serverNames: string[], eager: Eager): Record<string, { argumentsHash: string }> {
  const out = createRecord<{ argumentsHash: string }>();
  for (const server of serverNames) {
    const prompts = lock.servers[server]!.surface.prompts;
    for (const key of sortedKeys(prompts)) {
      const definition = prompts[key]!;
      const name = str(definition.name);
      if (!hasOwn.call(out, name)) out[name] = { argumentsHash: digestOf(Array.isArray(definition.arguments) ? definition.arguments : []) };
    }
  }
  // A prompt named "constructor" would otherwise hide the map from cel-js (see celJson).
  return eager.cel(out as unknown as JsonObject) as unknown as Record<string, { argumentsHash: string }>;
}

/**
 * Builds the policy input from a parsed lockfile and whatever else was checked. Pure: the
 * caller reads files, talks to servers and runs the diff and the MTF scan.
 */
export function buildPolicyInput(sources: PolicyInputSources, options: BuildOptions = {}): PolicyInput {
  const eager = eagerness(options);
  const names = sortedKeys(sources.lock.servers);
  const source = sources.mtf;
  const mtf = once(() => (typeof source === 'function' ? source() : source));
  // Cross-server shadowing, grouped by name skeleton: linear in the number of tools.
  const shadowIndex = eager.shadows ? indexShadows(findCollisions(serverTools(sources.lock.servers))) : undefined;
  const shadowCache = new Map<object, string[]>();
  const shadows = (server: string, name: string) => (shadowIndex ? shadowsOf(shadowIndex, shadowCache, server, name) : NO_SHADOWS);
  const servers = names.map((name) => serverDoc(sources.lock.servers[name]!, () => mtf()?.get(name) ?? null, eager, shadows));
  const tools = servers.flatMap((s) => s.tools);
  const prompts = servers.flatMap((s) => s.prompts);
  const resources = servers.flatMap((s) => s.resources);
  const templates = servers.flatMap((s) => s.resourceTemplates);
  const schemes = createRecord<true>();
  for (const r of [...resources, ...templates]) if (r.scheme !== '') schemes[r.scheme] = true;
  const only = servers.length === 1 ? servers[0]! : undefined;
  const input = {
    inputVersion: POLICY_INPUT_VERSION,
    source: sources.locked === false ? 'live' : sources.drift === undefined ? 'lockfile' : sources.drift.against === 'live' ? 'live' : 'against',
    locked: sources.locked !== false,
    lockfileVersion: sources.lock.lockfileVersion,
    servers,
    server: only ? { name: only.name, version: only.identity.version } : null,
    tools,
    prompts: { names: [...new Set(prompts.map((p) => p.name))].sort(), definitions: promptDefinitions(sources.lock, names, eager), items: prompts },
    resources: { items: resources, templates, schemes: Object.keys(schemes).sort() },
    drift: driftDoc(sources.drift),
  } as PolicyInput;
  derived(
    input,
    'mtf',
    () => ({
      available: source !== undefined,
      servers: names.flatMap((name) => {
        const m = mtf()?.get(name);
        return m ? [{ server: name, ...m }] : [];
      }),
    }),
    eager.mtf,
  );
  if (only) input.artifact = only.artifact;
  input.verification = sources.verification
    ? { checked: true, verified: sources.verification.verified, signers: [...sources.verification.signers] }
    : { checked: false, verified: false, signers: [] };
  return input;
}
