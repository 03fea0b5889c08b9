import { isUtf8 } from 'node:buffer';
import { hash } from 'node:crypto';
import type { ArtifactPin } from '../artifact/types.js';
import { rememberProvenDigest, rememberProvenItemDigests, type JsonObject, type JsonValue } from '../canonical/index.js';
import * as STATES from '../util/json.js';
import { createRecord, type NameRecord } from '../util/record.js';
import { parseArtifact } from './artifact.js';
import { rememberProvenSurfaceDigest } from './build.js';
import { MAX_LOCKFILE_DEPTH, parseIdentity, parseTransport } from './parse.js';
import { SUPPORTED_LOCKFILE_VERSIONS, type LockedServer, type Lockfile, type ServerIdentity, type ServerSurface, type TransportRecord } from './types.js';

/**
 * The strict lockfile read, on bytes, for files in the form `lock` writes, without building the
 * JSON value: `sign` (which needs only a verdict before it signs the bytes) and `diff` of two
 * identical files (which needs only "this is a lockfile") skip the parse, the decoded string and
 * the parsed value, which at 10,000 tools are tens of megabytes of memory touched for the first
 * time.
 *
 * One-sided: `true` means parseLockfile(lockfileText(bytes), …, { checkDigests }) accepts the
 * file; `false` means "not decided here", and the caller runs the strict reader, which decides
 * and names the problem. So this only ever says yes to a file it has checked against every
 * rule of the strict reader:
 * - valid UTF-8 (no BOM), RFC 8259 grammar with nothing after the value, nesting at most
 *   MAX_LOCKFILE_DEPTH, finite numbers;
 * - every object's keys strictly ascending in RFC 8785 order (UTF-16 code units), which also
 *   rules out a duplicate key;
 * - the lockfile's shape: the allow-listed fields at every level, their types, a supported
 *   lockfileVersion, each item's key equal to its definition's name/uri/uriTemplate (the identity,
 *   transport and artifact, small, are parsed and checked by the reader's own functions);
 * - with checkDigests, every item's digest and every server's surface digest.
 *
 * It says "not decided" to anything outside the form lock writes, where byte equality and
 * canonical equality could part: a key holding a backslash, a string escape JSON.stringify
 * would not write (\/, \u0041, an upper-case hex digit), a number not in JavaScript's shortest
 * form ("1.0", "-0", "1E5"). Strings and numbers in that form are their own RFC 8785 text (RFC
 * 8785 §3.2.2 serialises them as JSON.stringify does), so the canonical text of a definition is
 * its bytes with the white space outside strings removed, and that is what is hashed.
 *
 * Linear: one pass over the bytes; each key is compared only with the one before it.
 */
export function lockfileBytesAccepted(bytes: Uint8Array, options: { checkDigests: boolean }): boolean {
  if (bytes.length === 0 || !isUtf8(bytes)) return false;
  src = bytes;
  at = 0;
  end = bytes.length;
  digests = options.checkDigests;
  try {
    document();
    return true;
  } catch {
    // A rule not met here, or anything unforeseen: the strict reader decides.
    return false;
  } finally {
    src = EMPTY;
    sink = EMPTY;
    scratch = EMPTY;
    surface = EMPTY;
  }
}

/**
 * The lockfile of `bytes` when lockfileBytesAccepted(bytes, { checkDigests: true }) accepts
 * them, else undefined (the caller runs the strict reader). Built by the check's own pass: each
 * definition is JSON.parsed from its own bytes only when it is first read (a getter that then
 * becomes the value), and its written digest, proven by the check, is recorded for it and for
 * its key (itemDigest in src/canonical), so a comparison by digests parses nothing. For `diff` of
 * two files, which looks inside only the items whose digests differ. Read in full, it equals
 * parseLockfile's lockfile of the same file (tests/lockfile/lazy-read.test.ts). `bytes` must not
 * change while the lockfile is in use.
 */
export function lockfileFromAcceptedBytes(bytes: Uint8Array): Lockfile | undefined {
  model = createRecord<LockedServer>();
  try {
    return lockfileBytesAccepted(bytes, { checkDigests: true }) ? { lockfileVersion: modelVersion, servers: model } : undefined;
  } finally {
    model = undefined;
  }
}

/** With lockfileFromAcceptedBytes: the servers read so far, the version, and the server being read. */
let model: NameRecord<LockedServer> | undefined;
let modelVersion = 0;
let identityValue: ServerIdentity | undefined;
let collectionsRead: NameRecord<JsonObject>[] = [];

/** A definition read from src[from, to) when first asked for, with its proven digest. */
function lazyDefinition(record: NameRecord<JsonObject>, key: string, bytes: Uint8Array, from: number, to: number, digest: string): void {
  const settle = (value: JsonObject) => Object.defineProperty(record, key, { value, enumerable: true, configurable: true, writable: true });
  Object.defineProperty(record, key, {
    enumerable: true,
    configurable: true,
    get() {
      const definition = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + from, to - from).toString('utf8')) as JsonObject;
      rememberProvenDigest(definition, digest);
      settle(definition);
      return definition;
    },
    // Another item put in its place before this one was read: a plain member, whose digest is its
    // own (itemDigest asks the key's proven digest only of an accessor never read).
    set: settle,
  });
}

/** src[from, to) decoded (one flat string: a digest is compared with another, a key looked up). */
function decoded(from: number, to: number, encoding: 'utf8' | 'latin1'): string {
  return Buffer.from(src.buffer, src.byteOffset + from, to - from).toString(encoding);
}

// The scanner states (src/util/json.ts), read into this module's own constants once: in the
// bundle an imported binding is a getter on another chunk's exports, and the loops below read a
// state for every byte (as getters, they cost half the check: tests/build/hot-imports.test.ts).
const { VALUE, VALUE_OR_CLOSE, AFTER, KEY, KEY_OR_CLOSE, COLON } = STATES;

const EMPTY = new Uint8Array(0);
/** Thrown for "not decided here"; caught above. A plain object: no stack trace is captured. */
const UNDECIDED = { undecided: true };

// The one file being read (module state, so the hot loops read no closure or object field).
let src: Uint8Array = EMPTY;
let at = 0;
let end = 0;
let digests = false;
/** Where the canonical text of the value being read goes (none: EMPTY), and how much is in it. */
let sink: Uint8Array = EMPTY;
let sinkAt = 0;
/** A definition's canonical text, reused for every item (allocated once, touched as used). */
let scratch: Uint8Array = EMPTY;
/** A server's surface text, `{"identity":…,"prompts":{"key":"sha256:…",…},…}`, as surfaceDigest hashes it. */
let surface: Uint8Array = EMPTY;
let surfaceAt = 0;

function undecided(): never {
  throw UNDECIDED;
}

const ascii = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));
const isDigit = (c: number | undefined) => c !== undefined && c >= 0x30 && c <= 0x39;
const isHexLower = (c: number) => (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66);

/** Set by stringEnd: whether the string just read held a backslash. */
let escaped = false;

/**
 * The end (after the closing quote) of the string whose opening quote is at `p`, in the form
 * JSON.stringify writes: any character from U+0020 on except the quote and backslash as
 * itself; \" \\ \b \f \n \r \t; \u00xx (lower-case hex) for the other control characters.
 */
function stringEnd(s: Uint8Array, p: number): number {
  p++;
  escaped = false;
  for (;;) {
    let c = s[p]!;
    while (c !== 0x22 && c !== 0x5c && c >= 0x20) c = s[++p]!;
    if (c === 0x22) return p + 1;
    // The end of the bytes (undefined >= 0x20 is false) or a raw control character.
    if (c !== 0x5c) undecided();
    escaped = true;
    p = escapeEnd(s, p);
  }
}

/** The end of the escape at `p` (a backslash), if JSON.stringify writes it so. */
function escapeEnd(s: Uint8Array, p: number): number {
  const e = s[p + 1];
  if (e === 0x22 || e === 0x5c || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) return p + 2;
  if (e !== 0x75 || s[p + 2] !== 0x30 || s[p + 3] !== 0x30) undecided();
  const high = s[p + 4]!;
  const low = s[p + 5]!;
  if ((high !== 0x30 && high !== 0x31) || !isHexLower(low)) undecided();
  // \b \t \n \f \r have their short forms in JSON.stringify's output.
  const code = (high - 0x30) * 16 + (low <= 0x39 ? low - 0x30 : low - 0x57);
  if (code === 0x08 || code === 0x09 || code === 0x0a || code === 0x0c || code === 0x0d) undecided();
  return p + 6;
}

/**
 * The end of the number at `p`: RFC 8259 grammar, printed as JavaScript prints its value, which
 * also rules out an infinite one. An integer of up to 15 digits prints as written ("-0" aside).
 */
function numberEnd(s: Uint8Array, p: number): number {
  const from = p;
  if (s[p] === 0x2d) p++;
  if (s[p] === 0x30) p++;
  else if (isDigit(s[p])) while (isDigit(s[p])) p++;
  else undecided();
  let plain = true;
  if (s[p] === 0x2e) {
    plain = false;
    p++;
    if (!isDigit(s[p])) undecided();
    while (isDigit(s[p])) p++;
  }
  if (s[p] === 0x65 || s[p] === 0x45) {
    plain = false;
    p++;
    if (s[p] === 0x2b || s[p] === 0x2d) p++;
    if (!isDigit(s[p])) undecided();
    while (isDigit(s[p])) p++;
  }
  if (!(plain && p - from <= 15 && !(p - from === 2 && s[from] === 0x2d))) shortestForm(from, p);
  return p;
}

function shortestForm(from: number, to: number): void {
  // JavaScript prints no number in more than 25 characters ("-1.2345678901234567e-308"): a
  // longer text is not in that form, and is never decoded (a million digits would be).
  if (to - from > 25) undecided();
  const text = latin1(from, to);
  if (String(Number(text)) !== text) undecided();
}

function latin1(from: number, to: number): string {
  let text = '';
  for (let k = from; k < to; k++) text += String.fromCharCode(src[k]!);
  return text;
}

function skipSpace(s: Uint8Array, p: number): number {
  let c = s[p];
  while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = s[++p];
  return p;
}

/**
 * Whether key a sorts strictly before key b in UTF-16 code-unit order (RFC 8785 §3.2.3), on
 * their UTF-8 bytes (spans with quotes, no escapes). UTF-8 byte order is code-point order; the
 * two part only where a character from U+10000 on (a surrogate pair in UTF-16, lead byte F0–F4)
 * meets one in U+E000–U+FFFF (lead byte EE or EF): in UTF-16 the pair sorts first.
 */
function keyBefore(s: Uint8Array, aFrom: number, aTo: number, bFrom: number, bTo: number): boolean {
  const aLength = aTo - aFrom;
  const bLength = bTo - bFrom;
  // The characters between the quotes; when one key is a prefix of the other, it sorts first.
  const common = Math.min(aLength, bLength) - 2;
  for (let k = 1; k <= common; k++) {
    const x = s[aFrom + k]!;
    const y = s[bFrom + k]!;
    if (x === y) continue;
    if (x >= 0xf0 && (y === 0xee || y === 0xef)) return true;
    if (y >= 0xf0 && (x === 0xee || x === 0xef)) return false;
    return x < y;
  }
  return aLength < bLength;
}

/**
 * The key just read by stringEnd, at src[from, to), must hold no backslash (its escaped bytes
 * do not sort as its characters) and sort after the previous key of its object, at
 * src[previousFrom, previousTo) (none when previousFrom < 0): otherwise undecided.
 */
function keyAfter(s: Uint8Array, previousFrom: number, previousTo: number, from: number, to: number): void {
  if (escaped || (previousFrom >= 0 && !keyBefore(s, previousFrom, previousTo, from, to))) undecided();
}

const LITERALS = [ascii('true'), ascii('false'), ascii('null')];

// One slot per nesting level inside the value skipValue reads: whether it is an object, and the
// span of the last key read at that level.
const isObjectAt = new Uint8Array(MAX_LOCKFILE_DEPTH + 2);
const lastKeyFrom = new Int32Array(MAX_LOCKFILE_DEPTH + 2);
const lastKeyTo = new Int32Array(MAX_LOCKFILE_DEPTH + 2);


/**
 * Reads any JSON value at `at` (white space first), whose container is at nesting `depth`, with
 * every rule above; copies its canonical text to the sink when there is one. One loop with an
 * explicit stack, which skips white space in one place: most of a lockfile's bytes are read
 * here, and a small loop is compiled to machine code sooner. With `keyField`, the value must be
 * an object whose member of that name is a string spelled as src[nameFrom, nameTo) (the item's
 * key). Returns the value's first byte.
 */
function skipValue(depth: number, keyField?: Uint8Array, nameFrom = 0, nameTo = 0): number {
  const s = src;
  const out = sink;
  const copy = out !== EMPTY;
  let o = sinkAt;
  let p = at;
  let first = -1;
  let level = 0;
  let named = keyField === undefined;
  let checkName = false;
  let state = VALUE;
  for (;;) {
    let c = s[p]!;
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = s[++p]!;
    if (first < 0) first = c;
    // Each token ends at `to` and is then copied (one copy loop: less machine code to make).
    let to = p + 1;
    if (state === AFTER) {
      if (level === 0) break;
      const object = isObjectAt[level] === 1;
      if (c === 0x2c) state = object ? KEY : VALUE;
      else if (c === (object ? 0x7d : 0x5d)) level--;
      else undecided();
    } else if (state === COLON) {
      if (c !== 0x3a) undecided();
      state = VALUE;
    } else if (c === 0x22) {
      to = stringEnd(s, p);
      if (state >= KEY) {
        keyAfter(s, lastKeyFrom[level]!, lastKeyTo[level]!, p, to);
        lastKeyFrom[level] = p;
        lastKeyTo[level] = to;
        if (level === 1 && keyField !== undefined && to - p === keyField.length + 2) checkName = keyIs(p, to, keyField);
        state = COLON;
      } else {
        if (checkName) {
          if (!sameBytes(p, to, nameFrom, nameTo)) undecided();
          named = true;
          checkName = false;
        }
        state = AFTER;
      }
    } else if (c === (state === KEY_OR_CLOSE ? 0x7d : state === VALUE_OR_CLOSE ? 0x5d : -1)) {
      level--;
      state = AFTER;
    } else if (state >= KEY || checkName) undecided();
    else if (c === 0x7b || c === 0x5b) {
      if (depth + level + 1 > MAX_LOCKFILE_DEPTH) undecided();
      level++;
      isObjectAt[level] = c === 0x7b ? 1 : 0;
      lastKeyFrom[level] = -1;
      state = c === 0x7b ? KEY_OR_CLOSE : VALUE_OR_CLOSE;
    } else {
      to = c === 0x2d || (c >= 0x30 && c <= 0x39) ? numberEnd(s, p) : literalEnd(s, p);
      state = AFTER;
    }
    if (copy) for (let k = p; k < to; k++) out[o++] = s[k]!;
    p = to;
  }
  if (!named || (keyField !== undefined && first !== 0x7b)) undecided();
  at = p;
  sinkAt = o;
  return first;
}

/** The end of `true`, `false` or `null` at `p`. */
function literalEnd(s: Uint8Array, p: number): number {
  const c = s[p];
  const word = c === 0x74 ? LITERALS[0]! : c === 0x66 ? LITERALS[1]! : c === 0x6e ? LITERALS[2]! : undecided();
  for (let k = 1; k < word.length; k++) if (s[p + k] !== word[k]) undecided();
  return p + word.length;
}

function sameBytes(aFrom: number, aTo: number, bFrom: number, bTo: number): boolean {
  if (aTo - aFrom !== bTo - bFrom) return false;
  for (let k = 0; k < aTo - aFrom; k++) if (src[aFrom + k] !== src[bFrom + k]) return false;
  return true;
}

/**
 * An object at `at` (after white space) at nesting `depth`, for the lockfile's own levels: its
 * keys strictly ascending, each member's value read by `visit(keyFrom, keyTo, depth)` (the key's
 * span, quotes included), which must leave `at` after it.
 */
function members(depth: number, visit: (keyFrom: number, keyTo: number, depth: number) => void): void {
  const s = src;
  at = skipSpace(s, at);
  if (s[at] !== 0x7b || depth > MAX_LOCKFILE_DEPTH) undecided();
  at = skipSpace(s, at + 1);
  if (s[at] === 0x7d) {
    at++;
    return;
  }
  let previousFrom = -1;
  let previousTo = -1;
  for (;;) {
    at = skipSpace(s, at);
    if (s[at] !== 0x22) undecided();
    const keyFrom = at;
    at = stringEnd(s, at);
    const keyTo = at;
    keyAfter(s, previousFrom, previousTo, keyFrom, keyTo);
    previousFrom = keyFrom;
    previousTo = keyTo;
    at = skipSpace(s, at);
    if (s[at] !== 0x3a) undecided();
    at = skipSpace(s, at + 1);
    visit(keyFrom, keyTo, depth);
    at = skipSpace(s, at);
    const c = s[at++];
    if (c === 0x7d) return;
    if (c !== 0x2c) undecided();
  }
}

function keyIs(from: number, to: number, name: Uint8Array): boolean {
  if (to - from !== name.length + 2) return false;
  for (let k = 0; k < name.length; k++) if (src[from + 1 + k] !== name[k]) return false;
  return true;
}

/** Parses the value at `at` (after skipValue checked it) with JSON.parse: for the small parts the reader's own functions check. */
function parsedValue(depth: number): JsonValue {
  const from = at;
  skipValue(depth);
  return JSON.parse(Buffer.from(src.buffer, src.byteOffset + from, at - from).toString('utf8')) as JsonValue;
}

const LOCKFILE_VERSION = ascii('lockfileVersion');
const SERVERS = ascii('servers');
const ARTIFACT = ascii('artifact');
const DIGEST = ascii('digest');
const DEFINITION = ascii('definition');
const IDENTITY = ascii('identity');
const TRANSPORT = ascii('transport');
/** The four collections in RFC 8785 order (the order of the surface text too), with the field each item is keyed by. */
const COLLECTIONS = [
  { name: ascii('prompts'), label: ascii(',"prompts":{'), key: ascii('name') },
  { name: ascii('resourceTemplates'), label: ascii(',"resourceTemplates":{'), key: ascii('uriTemplate') },
  { name: ascii('resources'), label: ascii(',"resources":{'), key: ascii('uri') },
  { name: ascii('tools'), label: ascii(',"tools":{'), key: ascii('name') },
];

let hasVersion = false;
let hasServers = false;

function document(): void {
  hasVersion = false;
  hasServers = false;
  members(1, rootMember);
  if (!hasVersion || !hasServers || skipSpace(src, at) !== end) undecided();
}

function rootMember(from: number, to: number, depth: number): void {
  if (keyIs(from, to, LOCKFILE_VERSION)) {
    if (!isDigit(src[at])) undecided();
    const valueFrom = at;
    // At most 25 characters: a longer number is not in shortest form (numberEnd).
    at = numberEnd(src, at);
    modelVersion = Number(latin1(valueFrom, at));
    if (!SUPPORTED_LOCKFILE_VERSIONS.includes(modelVersion)) undecided();
    hasVersion = true;
  } else if (keyIs(from, to, SERVERS)) {
    members(depth + 1, server);
    hasServers = true;
  } else undecided();
}

// One server's entry as it is read.
let digestFrom = -1;
let digestTo = -1;
let artifact: JsonValue | undefined;
let transport: JsonValue | undefined;
let hasIdentity = false;
let collection = 0;

const SURFACE_START = ascii('{"identity":');

/** One server's entry, at `at`, in an object at `depth`. */
function server(nameFrom: number, nameTo: number, depth: number): void {
  digestFrom = -1;
  artifact = undefined;
  transport = undefined;
  hasIdentity = false;
  collection = 0;
  collectionsRead = [];
  if (digests) {
    if (surface === EMPTY) surface = Buffer.allocUnsafeSlow(end + 64);
    surfaceAt = 0;
    putBytes(SURFACE_START);
  }
  members(depth + 1, serverMember);
  if (digestFrom < 0 || !hasIdentity || collection !== COLLECTIONS.length || transport === undefined) undecided();
  // The reader's own checks for the two small parts; a LockfileError (any throw) is undecided.
  const record = parseTransport('lockfile', 'transport', transport);
  const pin = artifact === undefined ? undefined : parseArtifact(artifact, 'artifact', undecided, record.type);
  if (digests) {
    surface[surfaceAt++] = 0x7d;
    // Never reached (the text is shorter than the server's bytes), but a write past the end of
    // a typed array is dropped silently: a text that did not fit is never hashed.
    if (surfaceAt > surface.length) undecided();
    if (!digestIs(digestFrom, digestTo, hash('sha256', new Uint8Array(surface.buffer, surface.byteOffset, surfaceAt), 'hex'))) undecided();
  }
  if (model !== undefined) addServer(decoded(nameFrom + 1, nameTo - 1, 'utf8'), record, pin);
}

/** The server just read, into the model (keys have no escape: their bytes between the quotes are their text). */
function addServer(name: string, transportRecord: TransportRecord, pin: ArtifactPin | undefined): void {
  // In COLLECTIONS order: prompts, resourceTemplates, resources, tools.
  const [prompts, resourceTemplates, resources, tools] = collectionsRead as [NameRecord<JsonObject>, NameRecord<JsonObject>, NameRecord<JsonObject>, NameRecord<JsonObject>];
  const surfaceRead: ServerSurface = { identity: identityValue!, tools, prompts, resources, resourceTemplates };
  rememberProvenSurfaceDigest(surfaceRead, decoded(digestFrom + 1, digestTo - 1, 'latin1'));
  const entry: LockedServer = { name, transport: transportRecord, surface: surfaceRead };
  if (pin !== undefined) entry.artifact = pin;
  model![name] = entry;
}

function serverMember(from: number, to: number, depth: number): void {
  if (keyIs(from, to, ARTIFACT)) artifact = parsedValue(depth);
  else if (keyIs(from, to, DIGEST)) {
    if (src[at] !== 0x22) undecided();
    digestFrom = at;
    at = stringEnd(src, at);
    digestTo = at;
  } else if (keyIs(from, to, IDENTITY)) {
    // Its canonical text goes straight into the surface text; the reader's own check of its shape.
    if (digests) {
      sink = surface;
      sinkAt = surfaceAt;
    }
    const identity = parsedValue(depth);
    if (digests) {
      sink = EMPTY;
      surfaceAt = sinkAt;
    }
    identityValue = parseIdentity('lockfile', 'identity', identity);
    hasIdentity = true;
  } else if (collection < COLLECTIONS.length && keyIs(from, to, COLLECTIONS[collection]!.name)) {
    // Keys ascend: the collections come in this order, after the identity, or one is missing.
    if (!hasIdentity) undecided();
    readCollection(COLLECTIONS[collection]!, depth);
    collection++;
  } else if (keyIs(from, to, TRANSPORT)) transport = parsedValue(depth);
  else undecided();
}

/** Appends bytes to the surface text. */
function putBytes(bytes: Uint8Array): void {
  surface.set(bytes, surfaceAt);
  surfaceAt += bytes.length;
}

const PREFIX = ascii('sha256:');

/** Whether the string at src[from, to) (quotes included) is "sha256:" and this lower-case hex. */
function digestIs(from: number, to: number, hex: string): boolean {
  if (to - from !== PREFIX.length + hex.length + 2) return false;
  for (let k = 0; k < PREFIX.length; k++) if (src[from + 1 + k] !== PREFIX[k]) return false;
  const base = from + 1 + PREFIX.length;
  for (let k = 0; k < hex.length; k++) if (src[base + k] !== hex.charCodeAt(k)) return false;
  return true;
}

/** After white space, the byte `byte`, then white space: where the next token starts. */
function past(s: Uint8Array, p: number, byte: number): number {
  p = skipSpace(s, p);
  if (s[p] !== byte) undecided();
  return skipSpace(s, p + 1);
}

/** A key at `p` that must be `name`; returns where its value starts (after the colon). */
function pastKey(s: Uint8Array, p: number, name: Uint8Array): number {
  if (s[p] !== 0x22) undecided();
  const to = stringEnd(s, p);
  if (!keyIs(p, to, name)) undecided();
  return past(s, to, 0x3a);
}

/**
 * One collection (`tools`…), at `at`, in the server object at `depth`: each item
 * `"key": {"definition": {…}, "digest": "sha256:…"}` (the only order in which both keys ascend),
 * keyed by its definition's key field; with digests, the definition's digest is checked and
 * `"key":"sha256:…"` added to the surface text (the key as written: in the form JSON.stringify
 * writes, so canonical). Straight-line code for the one shape an item has, no visitor.
 */
function readCollection(kind: (typeof COLLECTIONS)[number], depth: number): void {
  const s = src;
  let p = past(s, at, 0x7b);
  if (digests) putBytes(kind.label);
  let previousFrom = -1;
  let previousTo = -1;
  let items = 0;
  const record = model === undefined ? undefined : createRecord<JsonObject>();
  const itemDigests = record === undefined ? undefined : new Map<string, string>();
  if (s[p] === 0x7d) p++;
  else {
    for (;;) {
      if (s[p] !== 0x22) undecided();
      const itemFrom = p;
      p = stringEnd(s, p);
      const itemTo = p;
      keyAfter(s, previousFrom, previousTo, itemFrom, itemTo);
      previousFrom = itemFrom;
      previousTo = itemTo;
      p = pastKey(s, past(s, past(s, p, 0x3a), 0x7b), DEFINITION);
      if (digests) {
        if (scratch === EMPTY) scratch = Buffer.allocUnsafeSlow(end);
        sink = scratch;
        sinkAt = 0;
      }
      at = p;
      const definitionFrom = p;
      skipValue(depth + 2, kind.key, itemFrom, itemTo);
      const definitionTo = at;
      p = pastKey(s, past(s, at, 0x2c), DIGEST);
      if (s[p] !== 0x22) undecided();
      const digestFrom = p;
      p = stringEnd(s, p);
      if (record !== undefined) {
        const key = decoded(itemFrom + 1, itemTo - 1, 'utf8');
        const digest = decoded(digestFrom + 1, p - 1, 'latin1');
        lazyDefinition(record, key, src, definitionFrom, definitionTo, digest);
        itemDigests!.set(key, digest);
      }
      if (digests) {
        sink = EMPTY;
        if (sinkAt > scratch.length || !digestIs(digestFrom, p, hash('sha256', new Uint8Array(scratch.buffer, scratch.byteOffset, sinkAt), 'hex'))) undecided();
        const out = surface;
        let o = surfaceAt;
        if (items++ > 0) out[o++] = 0x2c;
        for (let k = itemFrom; k < itemTo; k++) out[o++] = s[k]!;
        out[o++] = 0x3a;
        for (let k = digestFrom; k < p; k++) out[o++] = s[k]!;
        surfaceAt = o;
      }
      p = past(s, p, 0x7d);
      if (s[p] === 0x7d) {
        p++;
        break;
      }
      if (s[p] !== 0x2c) undecided();
      p = skipSpace(s, p + 1);
    }
  }
  at = p;
  if (digests) surface[surfaceAt++] = 0x7d;
  if (record !== undefined) {
    rememberProvenItemDigests(record, itemDigests!);
    collectionsRead.push(record);
  }
}
