import type { JsonObject, JsonValue } from '../canonical/index.js';
import { capabilityHints, classifyAddress, compareSeverity, keyTextSignals, nameOnlySignals, pathTraversal, SCHEMA_SYNTAX, scanName, scanText, type CapabilityAnnotations, type SignalKind, type TextSignal } from '../safety/index.js';
import { printable } from '../util/text.js';
import type { Severity, TextChange, WordSegment } from './types.js';
import { sortedKeys } from './json.js';
import { diffWords } from './words.js';

/**
 * The security axis: what a change lets a server do or say that it could not before. Text is
 * graded by what the new version *introduces* (signals present in the new text and not in the
 * old), so a cosmetic rewording stays low while a new instruction to the model does not.
 */

const KIND_LABEL: Record<SignalKind, string> = {
  'model-instruction': 'instructions aimed at the model',
  concealment: 'concealment from the user',
  'sensitive-path': 'a sensitive path',
  url: 'a URL',
  'internal-address': 'an internal address',
  'encoded-blob': 'an encoded blob',
  'invisible-char': 'invisible characters',
  'bidi-control': 'bidirectional control characters',
  confusable: 'look-alike characters',
  'non-ascii': 'non-ASCII characters',
  'command-execution': 'command execution',
  'file-write': 'file writing',
  'network-egress': 'network egress',
  'unanalysed-text': 'text too long to analyse',
};

export const HINT_LABEL = {
  'command-execution': 'command execution',
  'file-write': 'file writing',
  'network-egress': 'network egress',
  'remote-write': 'writing to another system',
} as const;

export const ADDRESS_LABEL = {
  'link-local': 'a link-local address (cloud metadata)',
  loopback: 'a loopback address',
  private: 'a private-network address',
  file: 'a local file (file://)',
} as const;

/** Most reasons a change lists; past it, the most severe are kept and the rest counted. */
const MAX_REASONS = 50;

/** Accumulates the grade of one change: the highest severity, whether it breaks, and why. */
export class Grade {
  severity: Severity;
  breaking = false;
  private readonly findings: { severity: Severity; reason: string; i: number }[] = [];
  /** Reasons left out by the cap of MAX_REASONS (the least severe, latest first). */
  private dropped = 0;
  private added = 0;
  readonly texts: TextChange[] = [];
  /**
   * A new tool is already high (a new entry point), so a high text signal (an instruction to
   * the model, a sensitive path, hidden characters) would not show in its grade: on a new tool
   * such a signal is critical.
   */
  newTool = false;

  constructor(base: Severity = 'info') {
    this.severity = base;
  }

  /** Records what a text says (a signal of src/safety), raised as `newTool` says. */
  addSignal(severity: Severity, reason: string): void {
    this.add(this.newTool && severity === 'high' ? 'critical' : severity, reason);
  }

  /** Records a finding; the reason is made printable (it may quote server text). */
  add(severity: Severity, reason: string, breaking = false): void {
    if (compareSeverity(severity, this.severity) > 0) this.severity = severity;
    if (breaking) this.breaking = true;
    const i = this.added++;
    if (this.findings.length < MAX_REASONS) {
      this.findings.push({ severity, reason: printable(reason, 300), i });
      return;
    }
    // Full: the most severe are kept (a flood of low reasons must not push out a critical one).
    let least = 0;
    for (let k = 1; k < this.findings.length; k++) {
      const c = compareSeverity(this.findings[k]!.severity, this.findings[least]!.severity);
      if (c < 0 || (c === 0 && this.findings[k]!.i > this.findings[least]!.i)) least = k;
    }
    this.dropped++;
    if (compareSeverity(severity, this.findings[least]!.severity) > 0) this.findings[least] = { severity, reason: printable(reason, 300), i };
  }

  /** Reasons, most severe first (stable for equal severities). */
  reasons(): string[] {
    const out = [...this.findings].sort((a, b) => compareSeverity(b.severity, a.severity) || a.i - b.i).map((f) => f.reason);
    if (this.dropped > 0) out.push(`…and ${this.dropped} more reasons, none more severe than those above`);
    return out;
  }
}

const signalKey = (s: TextSignal) => `${s.kind}\u0000${s.severity}`;

/**
 * Signals of `after` that `before` does not have, compared as sets: a signal whose kind,
 * severity and value (the URL, path, phrase, blob… src/safety's `value`) the old text does not
 * have is introduced, however many of that kind the old text had. A signal without a value (a
 * bound of the analysis was hit) is always introduced: old and new could not be compared.
 */
export function introducedSignals(before: string, after: string): TextSignal[] {
  const old = before === '' ? [] : scanText(before);
  const now = after === '' ? [] : scanText(after);
  const oldValues = new Set(old.map((s) => `${signalKey(s)}\u0000${s.value ?? ''}`));
  const out = now.filter((s) => s.value === undefined || !oldValues.has(`${signalKey(s)}\u0000${s.value}`));
  return out.sort((a, b) => compareSeverity(b.severity, a.severity));
}

/** Longest text a change's detail quotes (code units); past it the text is cut and the entry marked `truncated`. */
export const MAX_DETAIL_TEXT = 64 * 1024;
/** Longest label (a field, a JSON Pointer, a schema change) a change's detail quotes. */
export const MAX_DETAIL_LABEL = 1024;

/** `text` cut to `max` code units, never inside a surrogate pair. */
function cutAt(text: string, max: number): string {
  if (text.length <= max) return text;
  const end = (text.charCodeAt(max - 1) & 0xfc00) === 0xd800 ? max - 1 : max;
  return text.slice(0, end);
}

/** A label of the detail: whole, or its first MAX_DETAIL_LABEL code units and "…". */
export function detailLabel(label: string): string {
  return label.length <= MAX_DETAIL_LABEL ? label : `${cutAt(label, MAX_DETAIL_LABEL)}…`;
}

/** A field as a reason names it: at most 100 code units, so what the reason says (300 at most) is not cut off by a long key. */
const reasonLabel = (field: string) => (field.length <= 100 ? field : `${cutAt(field, 100)}…`);

/**
 * The detail of one changed text: both sides and the word diff, each side cut to
 * MAX_DETAIL_TEXT. A report quotes every changed text, several times (sides, words, labels):
 * uncut, a few texts of millions of characters pass V8's longest string and no report could be
 * written. The reasons and the grade are made from the whole texts; only the quote is cut.
 */
function textChange(field: string, before: string | undefined, after: string | undefined): TextChange {
  const cut = (before?.length ?? 0) > MAX_DETAIL_TEXT || (after?.length ?? 0) > MAX_DETAIL_TEXT;
  const b = before === undefined ? undefined : cutAt(before, MAX_DETAIL_TEXT);
  const a = after === undefined ? undefined : cutAt(after, MAX_DETAIL_TEXT);
  const words: WordSegment[] = b === undefined && a !== undefined ? [{ op: 'added', text: a }] : diffWords(b ?? '', a ?? '');
  return { field: detailLabel(field), before: b ?? null, after: a ?? null, words, ...(cut ? { truncated: true } : {}) };
}

const atLeast = (s: Severity, floor: Severity): Severity => (compareSeverity(s, floor) >= 0 ? s : floor);

/**
 * Grades a change of one free-text field (description, title, instructions). Anything the new
 * text introduces is at least medium; a change that introduces nothing is low.
 */
export function gradeTextChange(grade: Grade, field: string, before: string | undefined, after: string | undefined): void {
  if (before === after) return;
  grade.texts.push(textChange(field, before, after));
  const introduced = introducedSignals(before ?? '', after ?? '');
  if (introduced.length === 0) {
    const what = before === undefined ? 'added' : after === undefined ? 'removed' : 'reworded';
    grade.add('low', `${reasonLabel(field)} ${what}; it introduces no instruction, sensitive path, URL, encoded or hidden text`);
    return;
  }
  for (const s of introduced) grade.add(atLeast(s.severity, 'medium'), `${reasonLabel(field)} introduces ${KIND_LABEL[s.kind]}: ${s.evidence}`);
}

/**
 * Grades a string that is not free prose (an enum value, a default, a `_meta` string): only
 * what it introduces is reported, at least medium; a harmless change adds no reason here.
 */
export function gradeIntroduced(grade: Grade, field: string, before: string | undefined, after: string | undefined, isNew = false, read: (text: string) => readonly TextSignal[] = scanText): void {
  if (before === after || after === undefined || after === '') return;
  const introduced = isNew ? read(after).filter((s) => compareSeverity(s.severity, 'low') > 0) : introducedSignals(before ?? '', after);
  if (introduced.length === 0) return;
  grade.texts.push(textChange(field, before, after));
  for (const s of introduced) grade.addSignal(isNew ? s.severity : atLeast(s.severity, 'medium'), `${reasonLabel(field)} ${isNew ? 'contains' : 'introduces'} ${KIND_LABEL[s.kind]}: ${s.evidence}`);
}

/** Grades the text of something new (a new tool's description): every signal counts as is. */
export function gradeNewText(grade: Grade, field: string, text: string | undefined): void {
  if (text === undefined || text === '') return;
  grade.texts.push(textChange(field, undefined, text));
  for (const s of scanText(text)) {
    if (compareSeverity(s.severity, 'low') <= 0) continue;
    grade.addSignal(s.severity, `${reasonLabel(field)} contains ${KIND_LABEL[s.kind]}: ${s.evidence}`);
  }
}

/**
 * Grades a new object key (an `_meta` or `annotations` key, a key of an unknown field) or a
 * schema's `required` entry: read as text (as is: an instruction in a key is as critical as in a
 * description), then as a name for what only the name reading finds (snake_case and camelCase
 * phrases, paths spelled with separators: src/safety scanName).
 */
export function gradeIdentifier(grade: Grade, field: string, key: string, asName: boolean): void {
  // A key's text: what it says as a name a tool works on (a `keychain` key) is no signal, also for
  // a schema property name, whose name reading is graded apart (`asName` false).
  gradeIntroduced(grade, field, undefined, key, true, keyTextSignals);
  if (asName) gradeNameReading(grade, field, key);
}

/** What only the name reading of `text` finds (kinds its text reading does not), as reasons. */
export function gradeNameReading(grade: Grade, field: string, text: string): void {
  for (const s of nameOnlySignals(text)) grade.add(s.severity, `${field}: ${s.evidence}`);
}

/** Grades a name: invisible, bidi or look-alike characters are critical (from src/safety). */
export function gradeName(grade: Grade, what: string, name: string): void {
  const signals = scanName(name);
  const critical = signals.some((s) => s.severity === 'critical');
  for (const s of signals) {
    // "non-ASCII" adds nothing next to an invisible or look-alike character.
    if (critical && s.kind === 'non-ascii') continue;
    grade.add(s.severity, `${what}: ${s.evidence}`);
  }
}

const atMost = (s: Severity, ceiling: Severity): Severity => (compareSeverity(s, ceiling) <= 0 ? s : ceiling);

/**
 * Grades what a tool's name, description and annotations say it can do, beyond the `known`
 * powers: command execution, file writing and network egress at `severity`; a write to another
 * system (push, create, update, delete, send, merge…) at most high — it changes data the
 * server's account can reach, but opens no channel out of the machine or the conversation.
 */
export function gradeCapabilities(
  grade: Grade,
  severity: Severity,
  label: string,
  name: string,
  description: string,
  known: readonly string[] = [],
  annotations: CapabilityAnnotations = {},
): void {
  for (const hint of capabilityHints(name, description, annotations)) {
    if (known.includes(hint)) continue;
    grade.add(hint === 'remote-write' ? atMost(severity, 'high') : severity, `${label} points at ${HINT_LABEL[hint]}`);
  }
}

/**
 * Grades the behaviour hints a new tool declares. `destructiveHint: true` (said outright, not
 * MCP's default for an absent hint) is high: the server itself says the tool may destroy data.
 */
export function gradeNewAnnotations(grade: Grade, annotations: JsonValue | undefined): void {
  if (!isObject(annotations)) return;
  if (annotations.destructiveHint === true) grade.add('high', 'annotations.destructiveHint true: the tool says it may make destructive changes');
  if (annotations.readOnlyHint === true && annotations.destructiveHint === true) grade.add('high', 'annotations say both read-only and destructive: trust neither');
}

/** Grades where a resource URI or template points, and whether its path climbs out of its root. */
export function gradeAddress(grade: Grade, severity: Severity, what: string, uri: string): void {
  const address = classifyAddress(uri);
  if (address) grade.add(severity, `${what} points at ${ADDRESS_LABEL[address]}: ${uri}`);
  const traversal = pathTraversal(uri);
  if (traversal) grade.add(atLeast(severity, 'high'), `${what}: path traversal: ${uri} climbs out of ${traversal.root}`);
}

const isObject = (v: JsonValue | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Bounds of one text walk: past them the walk stops and says it is incomplete. */
const MAX_TEXT_NODES = 20_000;
const MAX_TEXT_DEPTH = 64;

const token = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');

/** The strings inside a value, by JSON Pointer, the schema property names seen, and whether the walk saw everything. */
export interface TextLeaves {
  texts: Map<string, string>;
  names: Map<string, string>;
  /** In a JSON Schema, the entries of every `required`, by JSON Pointer: property names too. */
  required: Map<string, string>;
  /** In a JSON Schema, the values of syntax keywords (`type`, `format`, `$ref`…), by JSON Pointer. */
  syntax: Map<string, string>;
  /** Every object key, by the JSON Pointer of its member: keys reach the model too. */
  keys: Map<string, string>;
  complete: boolean;
}

/**
 * Every string a model may read inside a value, keyed by its JSON Pointer: in a JSON Schema
 * (`schema` true) descriptions and titles, and also `default`, `examples`, `enum`, `const`
 * and any unknown keyword's strings (all of them reach the model), but not syntax such as
 * `type` or `$ref`; elsewhere (`_meta`, `icons`, unknown fields) every string. Property names
 * of schemas are listed apart. Bounded: `complete` is false when the walk had to stop, so the
 * caller can fail closed instead of missing text hidden past the bound.
 */
export function textLeaves(value: JsonValue | undefined, schema: boolean): TextLeaves {
  const texts = new Map<string, string>();
  const names = new Map<string, string>();
  const keys = new Map<string, string>();
  const required = new Map<string, string>();
  const syntax = new Map<string, string>();
  let budget = MAX_TEXT_NODES;
  let complete = true;
  const visit = (node: JsonValue | undefined, path: string, depth: number, parentKey: string | undefined) => {
    if (--budget < 0 || depth > MAX_TEXT_DEPTH) {
      complete = false;
      return;
    }
    if (typeof node === 'string') {
      if (schema && parentKey === 'required') required.set(path, node);
      else if (schema && parentKey !== undefined && SCHEMA_SYNTAX.has(parentKey)) syntax.set(path, node);
      else texts.set(path, node);
      return;
    }
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length && complete; i++) visit(node[i], `${path}/${i}`, depth + 1, parentKey);
      return;
    }
    if (!isObject(node)) return;
    for (const key of sortedKeys(node)) {
      if (!complete) return;
      const value = node[key];
      const where = `${path}/${token(key)}`;
      keys.set(where, key);
      if (schema && key === 'properties' && isObject(value)) {
        for (const prop of sortedKeys(value)) names.set(`${where}/${token(prop)}`, prop);
      }
      visit(value, where, depth + 1, key);
    }
  };
  visit(value, '', 0, undefined);
  return { texts, names, keys, required, syntax, complete };
}
