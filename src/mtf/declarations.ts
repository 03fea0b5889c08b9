/**
 * The checks that apply both to a bundle's manifest and to a live server's locked surface:
 * CD-01 (tool declaration) and CD-03 (description safety). Inputs are attacker-controlled
 * JSON: every access is typed, bounded (schema walk depth and node count) and no text from it
 * ever becomes a pattern. The text analysis itself is the shared analyzer src/safety.
 */
import { capabilityHints, compareSeverity, keyTextSignals, keyWorksOn, MAX_READABLE_NODES, pathTraversal, quietDefinition, quietName, quietText, readableTexts, scanName, scanText, type TextSignal } from '../safety/index.js';
import { printable } from '../util/text.js';
import { FindingList, asArray, asRecord, asString, field, quote } from './source.js';
import type { Finding } from './types.js';

/** A tool, prompt or resource as declared in a manifest or listed by a live server. */
export interface SurfaceItem {
  kind: 'tool' | 'prompt' | 'resource' | 'resource template';
  value: unknown;
}

export interface Surface {
  items: SurfaceItem[];
  /** Server instructions (live servers) or the manifest description. */
  texts: { where: string; text: string }[];
  /** File that findings point at (manifest.json), or undefined for a live server. */
  file?: string;
}

const TITLES: Record<TextSignal['kind'], string> = {
  'model-instruction': 'Instructions to the model',
  concealment: 'Concealment from the user',
  'sensitive-path': 'Sensitive file path',
  url: 'URL in description',
  'internal-address': 'Internal network address',
  'encoded-blob': 'Encoded or obfuscated content',
  'invisible-char': 'Invisible characters',
  'bidi-control': 'Bidirectional control characters',
  confusable: 'Look-alike (homoglyph) characters',
  'non-ascii': 'Non-ASCII characters in a name',
  'command-execution': 'Command execution',
  'file-write': 'File writing',
  'network-egress': 'Network egress',
  'unanalysed-text': 'Text too long to analyse',
};

/**
 * CD-03 phrases that MTF-0.1 §3.5 lists by name (instruction override "disregard user request";
 * data transmission "exfiltrate", "transmit", "POST to" / "send to" a URL) and that the shared
 * analyzer (src/safety) does not report on its own. Fixed patterns, bounded gaps, free text only.
 * `gates`: groups of lower-case words, a word of each of which every match spells (see src/safety
 * Rule.gates); a pattern is tried only on a text that holds them. The first group of each is in
 * src/safety's SPEC_PHRASE_WORDS, so a text quietText passes matches none (tests/mtf/phrase-gates).
 */
export const SPEC_PHRASES: {
  kind: 'model-instruction' | 'network-egress' | 'sensitive-path' | 'encoded-blob';
  severity: 'critical' | 'high';
  pattern: RegExp;
  title: string;
  gates: readonly (readonly string[])[];
}[] = [
  // §3.5 "File exfiltration" ("read ~/.ssh", "cat /etc/passwd", "include contents of") is CRITICAL;
  // the shared analyzer rates a sensitive path high and "include contents of" medium, so the
  // spec's phrases raise it: an access verb before a credential path, or "include the contents
  // of" a file, key or credential.
  { kind: 'sensitive-path', severity: 'critical', title: 'File exfiltration', pattern: /\b(?:read|cat|open|include|send|upload|attach|copy|print|dump|load|access)\b[^.\n]{0,40}?(?:~\/\.ssh|\.ssh\/|\bid_(?:rsa|dsa|ecdsa|ed25519)\b|\/etc\/(?:passwd|shadow|sudoers)\b|\.aws\/credentials|\.netrc\b|\.npmrc\b|\.pgpass\b|\.kube\/config|\.docker\/config\.json|\.gnupg\b)/i, gates: [['.ssh', 'id_', '/etc/', '.aws', '.netrc', '.npmrc', '.pgpass', '.kube', '.docker', '.gnupg'], ['read', 'cat', 'open', 'include', 'send', 'upload', 'attach', 'copy', 'print', 'dump', 'load', 'access']] },
  // "include the contents of" is exfiltration when the target is a credential, or when the
  // contents are to be smuggled into a parameter ("…in the notes parameter"); "can include the
  // contents of subdirectories and files" is an ordinary archive tool and must pass.
  { kind: 'sensitive-path', severity: 'critical', title: 'File exfiltration', pattern: /\binclude\s+(?:the\s+)?(?:full\s+|entire\s+|complete\s+|raw\s+)?contents?\s+of\b[^.\n]{0,40}?(?:~\/|\/etc\/|\.env\b|\.ssh|\.aws|\.npmrc|\.netrc|\bcredentials?\b|\b(?:private|api|ssh)\s+keys?\b|\bsecrets?\b|\btokens?\b|\bpasswords?\b)/i, gates: [['content'], ['include']] },
  { kind: 'sensitive-path', severity: 'critical', title: 'File exfiltration', pattern: /\b(?:include|put|pass|embed|append|add)\s+(?:the\s+|its\s+)?(?:full\s+|entire\s+|complete\s+|raw\s+)?contents?\s+(?:of\b[^.\n]{0,60}?)?\b(?:in|into|as)\s+(?:the\s+|your\s+|a\s+)?['"`]?\w+['"`]?\s+(?:parameter|argument|field|param|arg)\b/i, gates: [['content'], ['param', 'arg', 'field']] },
  // §3.5 "Obfuscation: hex escapes" (HIGH, BLOCK): a run of \xHH or \uHHHH escapes written out
  // as text (the analyzer decodes base64, not escapes). Four in a row are enough to find a run:
  // a `{4,}` over the group runs out of V8's backtracking stack on a million escapes.
  { kind: 'encoded-blob', severity: 'high', title: 'Escaped (hex / unicode) text', pattern: /(?:\\x[0-9a-f]{2}){4}|(?:\\u[0-9a-f]{4}){4}|(?:\\u\{[0-9a-f]{1,6}\}){4}/i, gates: [['\\']] },
  { kind: 'model-instruction', severity: 'critical', title: 'Instruction override', pattern: /\bdisregard\s+(?:all\s+|any\s+)?(?:of\s+)?(?:the\s+)?(?:previous|prior|earlier|above|user'?s?|system)\s+(?:\w+\s+)?(?:instructions?|requests?|prompts?|messages?|rules?)\b/i, gates: [['disregard']] },
  { kind: 'network-egress', severity: 'critical', title: 'Data exfiltration', pattern: /\bexfiltrat\w*/i, gates: [['exfiltrat']] },
  // §3.5 "Data transmission" ("send to URL", "POST to", "transmit") is CRITICAL. It must not hit a
  // tool describing its own job ("Upload a file to the server", "Send a JSON payload to
  // https://hooks…", "Sends the request to https://api…"): the destination must be a literal URL
  // or the author's own server ("our server"), and what is sent must not be the tool's input
  // (an indefinite "a/an …", or the request/payload/query/body).
  // …and whatever the destination, sending secrets, credentials or the conversation somewhere.
  { kind: 'network-egress', severity: 'critical', title: 'Data transmission', pattern: /\b(?:transmit|send|post|upload|forward|leak|submit|report|copy)\w*\s+[^.\n]{0,30}?\b(?:secrets?|credentials?|tokens?|api[\s_-]?keys?|passwords?|private\s+keys?|ssh\s+keys?|cookies|conversation|chat\s+history|environment\s+variables|env\s+vars?)\b[^.\n]{0,40}?\bto\s+(?:https?:\/\/|(?:(?:the|an?|our|my|some|this|that)\s+)?(?:remote\s+|external\s+|third[\s-]party\s+|own\s+)?(?:server|endpoint|url|host|collector|webhook|address)\b)/i, gates: [['transmit', 'send', 'post', 'upload', 'forward', 'leak', 'submit', 'report', 'copy'], ['secret', 'credential', 'token', 'api', 'password', 'private', 'ssh', 'cookies', 'conversation', 'chat', 'env']] },
  { kind: 'network-egress', severity: 'critical', title: 'Data transmission', pattern: /\b(?:transmit|send|post|upload|forward|leak|submit|report)\w*\s+(?!(?:an?|one|each)\s)(?!(?:the\s+|this\s+|your\s+)?(?:json\s+)?(?:request|payload|query|body|webhook|http\s+request)\b)[^.\n]{0,60}?\bto\s+(?:https?:\/\/|(?:our|my)\s+(?:own\s+)?(?:server|endpoint|url|collector|backend|api)\b|(?:this|that)\s+(?:url|endpoint|address|webhook)\b)/i, gates: [['transmit', 'send', 'post', 'upload', 'forward', 'leak', 'submit', 'report'], ['http', 'our', 'my', 'this', 'that']] },
];

const READ_ONLY_VERBS = new Set(['get', 'list', 'read', 'search', 'find', 'query', 'lookup', 'show', 'describe', 'view', 'count', 'check', 'status', 'info', 'fetch']);

/** Name words that make file access expected (see the semantic-mismatch check). */
const STORAGE_WORDS = new Set([
  'file', 'files', 'fs', 'dir', 'dirs', 'directory', 'directories', 'folder', 'folders', 'path', 'paths', 'disk', 'drive',
  'document', 'documents', 'doc', 'docs', 'code', 'source', 'repo', 'repository', 'project', 'workspace', 'log', 'logs',
  'config', 'configuration', 'settings', 'note', 'notes', 'content', 'contents', 'text', 'grep', 'glob', 'tree', 'storage',
  'upload', 'download', 'attachment', 'attachments', 'image', 'images', 'pdf', 'csv', 'sheet', 'spreadsheet', 'archive', 'zip',
  'backup', 'snapshot', 'volume', 'blob', 'bucket', 'object', 'objects', 'cat', 'ls', 'edit', 'write', 'read', 'open', 'load',
]);
export const FILE_ACCESS = /\b(?:reads?|opens?|access(?:es)?|loads?|scans?|dumps?|collects?|uploads?)\s+(?:any\s+|arbitrary\s+|all\s+|every\s+|local\s+|the\s+(?:user'?s?\s+)?|your\s+)?(?:local\s+)?(?:files?|file\s+system|filesystem|disk|home\s+(?:directory|folder))\b|\bfrom\s+(?:the\s+)?(?:local\s+)?(?:disk|file\s*system|home\s+(?:directory|folder))\b/i;

/**
 * FILE_ACCESS.test(text), tried only on a text that spells "file", "disk" or "home" in any ASCII
 * case: every branch of the pattern needs one of them, and with `i` but no `u` flag no other
 * character matches those letters, so the gate never hides a match. Most descriptions have none,
 * and compiling the pattern is most of its cost in a short run.
 */
export function speaksOfFileAccess(text: string): boolean {
  const lower = text.toLowerCase();
  return (lower.includes('file') || lower.includes('disk') || lower.includes('home')) && FILE_ACCESS.test(text);
}

function itemName(item: SurfaceItem): string | undefined {
  return asString(field(asRecord(item.value), 'name'));
}

/** Walks a JSON Schema (bounded) and yields property names and descriptive strings. */
function* schemaTexts(schema: unknown, path: string, depth = 0, budget = { nodes: 2000 }): Generator<{ where: string; text: string; name: boolean }> {
  if (depth > 20 || --budget.nodes < 0) return;
  const s = asRecord(schema);
  if (!s) {
    if (Array.isArray(schema)) for (const [i, v] of schema.slice(0, 200).entries()) yield* schemaTexts(v, `${path}[${i}]`, depth + 1, budget);
    return;
  }
  for (const key of ['description', 'title', '$comment']) {
    const t = asString(field(s, key));
    if (t) yield { where: `${path}.${key}`, text: t, name: false };
  }
  for (const key of ['default', 'const']) {
    const t = field(s, key);
    if (typeof t === 'string') yield { where: `${path}.${key}`, text: t, name: false };
  }
  for (const key of ['enum', 'examples']) {
    for (const t of (asArray(field(s, key)) ?? []).slice(0, 200)) if (typeof t === 'string') yield { where: `${path}.${key}`, text: t, name: false };
  }
  const props = asRecord(field(s, 'properties'));
  if (props) {
    for (const name of Object.keys(props).slice(0, 500)) {
      yield { where: `${path}.properties`, text: name, name: true };
      yield* schemaTexts(props[name], `${path}.properties[${JSON.stringify(name)}]`, depth + 1, budget);
    }
  }
  for (const key of ['items', 'additionalProperties', 'not', 'if', 'then', 'else', 'contains', 'propertyNames']) {
    const v = field(s, key);
    if (v !== undefined && typeof v === 'object') yield* schemaTexts(v, `${path}.${key}`, depth + 1, budget);
  }
  for (const key of ['anyOf', 'oneOf', 'allOf', 'prefixItems']) {
    const v = asArray(field(s, key));
    if (v) for (const [i, x] of v.slice(0, 50).entries()) yield* schemaTexts(x, `${path}.${key}[${i}]`, depth + 1, budget);
  }
  for (const key of ['$defs', 'definitions', 'patternProperties']) {
    const v = asRecord(field(s, key));
    if (v) for (const k of Object.keys(v).slice(0, 200)) yield* schemaTexts(v[k], `${path}.${key}[${JSON.stringify(k)}]`, depth + 1, budget);
  }
}

interface ItemText {
  where: string;
  text: string;
  name: boolean;
  /** Read as a name too (src/safety scanName): an object key or a `required` entry not yet read as one. */
  key?: boolean;
  /**
   * An object key or a `required` entry (also when its name reading was made elsewhere): its text
   * reading leaves out what a name says a tool works on (src/safety keyTextSignals).
   */
  keyText?: boolean;
  /** Set when a walk stopped at its bound: the text at `where` was not all analysed. */
  incomplete?: boolean;
}

/**
 * Every name and free text of an item, labelled with where it sits: the fields above, then every
 * object key at any depth (a property name, an `annotations` or `_meta` key) and every string
 * they did not reach (annotations, `_meta`, unknown fields, schema text past their bounds) —
 * keys reach the model as much as values do. A field too large to walk whole is reported.
 */
function* itemTexts(item: SurfaceItem): Generator<ItemText> {
  // Texts already read as text, and texts already read as names: each reading once per item.
  const seen = new Set<string>();
  const named = new Set<string>();
  for (const t of knownItemTexts(item)) {
    (t.name ? named : seen).add(t.text);
    if (t.key) named.add(t.text);
    yield t;
  }
  const v = asRecord(item.value);
  if (!v) return;
  const label = `${item.kind} ${quote(itemName(item) ?? '?', 60)}`;
  for (const key of Object.keys(v).sort()) {
    if (!seen.has(key)) {
      seen.add(key);
      const asName = !named.has(key);
      named.add(key);
      yield { where: `${label} key ${quote(key, 40)}`, text: key, name: false, key: asName, keyText: true };
    }
    if (key === 'name') continue;
    const walk = readableTexts(v[key], { schema: key === 'inputSchema' || key === 'outputSchema' });
    for (const t of walk.texts) {
      // Schema syntax without white space (`string`, a `$schema` URL) is read as a name only.
      if (t.nameOnly) {
        if (!named.has(t.text)) {
          named.add(t.text);
          yield { where: `${label} ${printable(key, 40)}${t.pointer}`, text: t.text, name: true };
        }
        continue;
      }
      // A key (a property name past the schema walk's bounds, under a keyword it does not
      // follow, an `_meta` key) or a `required` entry is read as a name too, once.
      const asName = (t.key || t.name === true) && !named.has(t.text);
      if (asName) named.add(t.text);
      const asText = !seen.has(t.text);
      if (!asText && !asName) continue;
      seen.add(t.text);
      const where = `${label} ${printable(key, 40)}${t.pointer}${t.key ? ' (key)' : ''}`;
      // Already read as text elsewhere: only the name reading is new.
      yield asText ? { where, text: t.text, name: false, key: asName, keyText: t.key || t.name === true } : { where, text: t.text, name: true };
    }
    if (!walk.complete) yield { where: `${label} ${printable(key, 40)}`, text: '', name: false, incomplete: true };
  }
}

/** The named fields of an item: names, titles, descriptions, prompt text, arguments, schema texts. */
function* knownItemTexts(item: SurfaceItem): Generator<ItemText> {
  const v = asRecord(item.value);
  if (!v) return;
  const name = itemName(item);
  const label = `${item.kind} ${quote(name ?? '?', 60)}`;
  // A resource's name is read as text and as a name; a tool's or prompt's as a name.
  if (name !== undefined) yield item.kind === 'tool' || item.kind === 'prompt' ? { where: `${label} name`, text: name, name: true } : { where: `${label} name`, text: name, name: false, key: true, keyText: true };
  for (const key of ['title', 'description', 'text']) {
    const t = asString(field(v, key));
    if (t) yield { where: `${label} ${key}`, text: t, name: false };
  }
  if (item.kind === 'resource' || item.kind === 'resource template') {
    const uri = asString(field(v, 'uri')) ?? asString(field(v, 'uriTemplate'));
    if (uri) yield { where: `${label} uri`, text: uri, name: false };
  }
  for (const arg of asArray(field(v, 'arguments')) ?? []) {
    if (typeof arg === 'string') yield { where: `${label} argument`, text: arg, name: true };
    const a = asRecord(arg);
    if (a) {
      const n = asString(field(a, 'name'));
      if (n) yield { where: `${label} argument name`, text: n, name: true };
      const d = asString(field(a, 'description'));
      if (d) yield { where: `${label} argument ${quote(n ?? '?', 40)} description`, text: d, name: false };
    }
  }
  for (const key of ['inputSchema', 'outputSchema']) {
    const schema = field(v, key);
    if (schema !== undefined) for (const t of schemaTexts(schema, key)) yield { ...t, where: `${label} ${t.where}` };
  }
}

/**
 * Whether no text of `item` can give a CD-03 finding: every string and key at any depth is quiet
 * (src/safety quietDefinition, which also bounds the walk) and every text read as a name (the
 * name, the arguments' names; property names are keys, which quietDefinition requires to be
 * printable ASCII) is printable ASCII, so scanName finds nothing in it either.
 */
function quietItem(item: SurfaceItem): boolean {
  const v = asRecord(item.value);
  if (!v || !quietDefinition(v)) return false;
  const name = itemName(item);
  if (name !== undefined && !quietName(name)) return false;
  const args = asArray(field(v, 'arguments'));
  if (args) {
    for (const arg of args) {
      const n = typeof arg === 'string' ? arg : asString(field(asRecord(arg), 'name'));
      if (n !== undefined && !quietName(n)) return false;
    }
  }
  return true;
}

/**
 * CD-03 over a surface: instruction overrides, concealment, sensitive paths, internal addresses,
 * obfuscation, invisible / bidi / look-alike characters in every name, description, prompt text,
 * argument and input/output schema; plus the spec's "semantic mismatch" (a read-only tool name
 * whose description speaks of running commands or writing files).
 */
export function checkDescriptionSafety(surface: Surface, f: FindingList): void {
  const seen = new Set<string>();
  const byKind = new Map<string, Finding>();
  const add = (where: string, signal: TextSignal) => {
    const key = `${where}\u0000${signal.kind}`;
    if (seen.has(key)) {
      // One finding per place and kind, at the worst of its signals (a medium encoded run, then
      // a high cipher reading in the same text: high).
      const earlier = byKind.get(key);
      if (earlier && compareSeverity(signal.severity, earlier.severity) > 0) {
        earlier.severity = signal.severity;
        earlier.description = `${where}: ${signal.evidence}`;
      }
      return;
    }
    seen.add(key);
    byKind.set(key, f.add(signal.severity, TITLES[signal.kind], `${where}: ${signal.evidence}`, {
      ...(surface.file ? { file: surface.file } : {}),
      remediation: remediationFor(signal.kind),
    }));
  };
  // `key`: the text is an object key or a `required` entry, read as a name too: a hit that in a
  // name says what a tool works on (`exfiltration_alerts`) is no finding (src/safety keyWorksOn).
  const phrases = (where: string, text: string, key = false) => {
    // The whole text: every phrase is linear in it (bounded gaps; tests/safety/linear.test.ts).
    const bounded = text;
    let lower: string | undefined;
    const mentions = (words: readonly string[]) => words.some((w) => (lower ??= text.toLowerCase()).includes(w));
    for (const rule of SPEC_PHRASES) {
      if (!rule.gates.every(mentions)) continue;
      let m: RegExpExecArray | null;
      try {
        m = rule.pattern.exec(bounded);
      } catch (error) {
        // Out of V8's backtracking stack on a text of millions of characters: a bound that is
        // hit is a finding, never a pass.
        if (!(error instanceof RangeError)) throw error;
        f.add('high', 'Text not analysed', `${where}: a text of ${text.length.toLocaleString('en-US')} characters too long to analyse whole; review it by hand.`, {
          ...(surface.file ? { file: surface.file } : {}),
          remediation: 'Keep descriptions short enough to review; review this one by hand.',
        });
        return;
      }
      if (!m) continue;
      if (key && keyWorksOn(text, rule.kind, m[0])) continue;
      const seenKey = `${where}\u0000${rule.title}`;
      if (seen.has(seenKey)) continue;
      seen.add(seenKey);
      // The analyzer already reported this kind here: one finding is enough, raised to the
      // spec's severity when the analyzer rated it lower.
      const earlier = byKind.get(`${where}\u0000${rule.kind}`);
      if (earlier) {
        if (compareSeverity(rule.severity, earlier.severity) > 0) {
          earlier.severity = rule.severity;
          earlier.title = rule.title;
        }
        continue;
      }
      byKind.set(`${where}\u0000${rule.kind}`, f.add(rule.severity, rule.title, `${where}: "${printable(bounded.slice(Math.max(0, m.index - 30), m.index + m[0].length + 30), 160)}"`, {
        ...(surface.file ? { file: surface.file } : {}),
        remediation: remediationFor(rule.kind),
      }));
    }
  };
  for (const { where, text } of surface.texts) {
    if (quietText(text)) continue;
    for (const s of scanText(text)) add(where, s);
    phrases(where, text);
  }
  for (const item of surface.items) {
    // A definition whose every string and key is quiet (src/safety quietText: no analyser rule
    // and no phrase above can match) and whose names are printable ASCII yields no finding from
    // its texts: the walk is skipped. The policy input shares the verdict (one pass per definition).
    const quiet = quietItem(item);
    for (const t of quiet ? [] : itemTexts(item)) {
      if (t.incomplete) {
        f.add('high', 'Text not analysed', `${t.where} has more than ${MAX_READABLE_NODES} JSON nodes: its text was not all analysed.`, {
          ...(surface.file ? { file: surface.file } : {}),
          remediation: 'Keep definitions small enough to review; review this one by hand.',
        });
        continue;
      }
      if (t.name) {
        for (const s of scanName(t.text)) add(t.where, s);
        continue;
      }
      if (!quietText(t.text)) {
        for (const s of t.keyText ? keyTextSignals(t.text) : scanText(t.text)) add(t.where, s);
        phrases(t.where, t.text, t.keyText);
      }
      if (t.key) for (const s of scanName(t.text)) add(t.where, s);
    }
    if (item.kind === 'resource' || item.kind === 'resource template') {
      // A URI whose path climbs out of its root (resource://files/../../secrets) asks the server
      // for something outside what it serves: path traversal (src/safety pathTraversal).
      const uri = asString(field(asRecord(item.value), 'uri')) ?? asString(field(asRecord(item.value), 'uriTemplate'));
      const traversal = uri === undefined ? undefined : pathTraversal(uri);
      if (traversal) {
        f.add('high', 'Path traversal', `${item.kind} ${quote(uri!, 80)}: path traversal: it climbs out of ${printable(traversal.root, 80)}.`, {
          ...(surface.file ? { file: surface.file } : {}),
          remediation: 'Expose resources under their root only; never list a URI with ".." segments.',
        });
      }
    }
    if (item.kind === 'tool') {
      const name = itemName(item) ?? '';
      const description = asString(field(asRecord(item.value), 'description')) ?? '';
      const parts = name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase().split(/[^a-z0-9]+/);
      const verb = parts[0] ?? '';
      // §3.5's example: "a tool named get_weather with a description about file access". A tool
      // whose name has nothing to do with files, folders, code or documents, but whose
      // description says it reads files / the disk / the home folder, is a semantic mismatch.
      const words = parts.filter(Boolean);
      if (words.length > 0 && !words.some((w) => STORAGE_WORDS.has(w)) && speaksOfFileAccess(description)) {
        f.add('high', 'Semantic mismatch', `tool ${quote(name, 60)} is not named after files, but its description speaks of file or disk access.`, {
          ...(surface.file ? { file: surface.file } : {}),
          remediation: 'Name the tool after what it does, or remove the hidden capability from its description.',
        });
      } else if (READ_ONLY_VERBS.has(verb)) {
        const said = capabilityHints('', description).filter((h) => h !== 'network-egress' || verb !== 'fetch');
        if (said.includes('command-execution') || said.includes('file-write')) {
          f.add('high', 'Semantic mismatch', `tool ${quote(name, 60)} is named like a read-only tool, but its description speaks of ${said.join(' and ')}.`, {
            ...(surface.file ? { file: surface.file } : {}),
            remediation: 'Name the tool after what it does, or remove the hidden capability from its description.',
          });
        }
      }
    }
  }
}

function remediationFor(kind: TextSignal['kind']): string {
  switch (kind) {
    case 'invisible-char':
    case 'bidi-control':
    case 'confusable':
    case 'non-ascii':
      return 'Use plain ASCII names and remove invisible or direction-changing characters.';
    case 'model-instruction':
    case 'concealment':
      return 'Describe what the tool does for the user; never address the model with instructions or ask it to hide anything.';
    case 'sensitive-path':
      return 'Remove references to credentials and key files from descriptions.';
    case 'internal-address':
    case 'url':
      return 'Do not point the model at internal or metadata addresses.';
    case 'encoded-blob':
      return 'Remove encoded content from descriptions; say it in plain words.';
    default:
      return 'Describe the capability plainly and declare it in the permissions.';
  }
}

/**
 * CD-01 over a surface: a tools list, each tool with a unique non-empty name and a description;
 * inputSchema is a SHOULD (low). Returns whether the missing-description rule capped the
 * control at L1 (the spec: WARN at L1, BLOCK at L2+).
 */
export function checkToolDeclaration(surface: Surface, tools: unknown, f: FindingList): { levelCap?: 1 } {
  const at = surface.file ? { file: surface.file } : {};
  if (tools === undefined) {
    f.add('high', 'No tools declared', 'The "tools" field is missing; users cannot see what the server offers before installing it.', { ...at, remediation: 'Declare every tool with a name and description ("tools": [] if there are none).' });
    return {};
  }
  const list = asArray(tools);
  if (!list) {
    f.add('high', 'tools is not a list', '"tools" must be an array of tool declarations.', at);
    return {};
  }
  let capped = false;
  const names = new Set<string>();
  for (const [i, tool] of list.entries()) {
    const t = asRecord(tool);
    const name = asString(field(t, 'name'));
    if (!t || name === undefined || name.trim() === '') {
      f.add('high', 'Tool without a name', `tools[${i}] has no name.`, { ...at, remediation: 'Give every tool a name (snake_case).' });
      continue;
    }
    if (names.has(name)) f.add('high', 'Duplicate tool name', `tool ${quote(name, 60)} is declared twice.`, at);
    names.add(name);
    const description = asString(field(t, 'description'));
    if (description === undefined || description.trim() === '') {
      capped = true;
      f.add('medium', 'Tool without a description', `tool ${quote(name, 60)} has no description (a warning at L1, blocking at L2 and above).`, { ...at, remediation: 'Describe what the tool does.' });
    }
  }
  return capped ? { levelCap: 1 } : {};
}

/** The strongest severity among findings (for status decisions). */
export function blocking(f: FindingList): boolean {
  return f.items.some((x) => compareSeverity(x.severity, 'high') >= 0);
}
