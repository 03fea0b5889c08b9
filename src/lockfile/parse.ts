import { digestOf, digestOfKeyOrdered, rememberProvenDigest, type JsonObject, type JsonValue } from '../canonical/index.js';
import { BaseError } from '../errors.js';
import { MAX_ITEM_DEPTH, parseJsonStrict } from '../util/json.js';
import { createRecord, type NameRecord } from '../util/record.js';
import { printable } from '../util/text.js';
import { parseArtifact } from './artifact.js';
import { rememberProvenSurfaceDigest, surfaceDigest } from './build.js';
import {
  ITEM_COLLECTION,
  ITEM_KEY_FIELD,
  ITEM_KINDS,
  SUPPORTED_LOCKFILE_VERSIONS,
  type LockedServer,
  type Lockfile,
  type ServerIdentity,
  type ServerSurface,
  type TransportRecord,
} from './types.js';

export type LockfileErrorCode = 'MALFORMED_JSON' | 'DUPLICATE_KEY' | 'UNKNOWN_VERSION' | 'INVALID_STRUCTURE' | 'DIGEST_MISMATCH';

/**
 * Where the first byte sequence that is not well-formed UTF-8 starts (Unicode 15, table 3-7: no
 * overlong forms, no encoded surrogates, nothing above U+10FFFF, no cut sequence), or -1.
 */
function firstInvalidUtf8(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let length: number;
    let low = 0x80;
    let high = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) length = 2;
    else if (b >= 0xe0 && b <= 0xef) {
      length = 3;
      if (b === 0xe0) low = 0xa0;
      else if (b === 0xed) high = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      length = 4;
      if (b === 0xf0) low = 0x90;
      else if (b === 0xf4) high = 0x8f;
    } else return i;
    const second = bytes[i + 1];
    if (second === undefined || second < low || second > high) return i;
    for (let k = 2; k < length; k++) {
      const next = bytes[i + k];
      if (next === undefined || next < 0x80 || next > 0xbf) return i;
    }
    i += length;
  }
  return -1;
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * A lockfile's text: its bytes as UTF-8, strictly. A byte sequence that is not UTF-8 is refused
 * (exit 2), never read as U+FFFD: two files that differ only in such bytes would otherwise read
 * the same to diff and policy while their signatures differ. mcptrust never writes one.
 */
export function lockfileText(bytes: Uint8Array, source = 'mcp-lock.json'): string {
  try {
    return STRICT_UTF8.decode(bytes);
  } catch {
    const at = firstInvalidUtf8(bytes);
    let line = 1;
    for (let i = 0; i < at; i++) if (bytes[i] === 0x0a) line++;
    throw new LockfileError('MALFORMED_JSON', `${source} is not valid UTF-8: the byte sequence at offset ${at} (line ${line}) is not a character`);
  }
}

/**
 * An unsupported lockfileVersion as an error names it: a number as read; anything else by its
 * type only, never its text (the file may be a symlink to a secret, and a string could be one).
 */
function versionShown(version: JsonValue): string {
  if (typeof version === 'number') return printable(String(version), 40);
  if (version === null) return 'null (not a number)';
  return `of type ${Array.isArray(version) ? 'array' : typeof version} (not a number)`;
}

/** A lockfile that cannot be used as it is (exit 2). */
export class LockfileError extends BaseError<LockfileErrorCode> {
  constructor(code: LockfileErrorCode, message: string) {
    super('input', code, message);
  }
}

const isObject = (v: JsonValue | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

function fail(source: string, path: string, what: string): never {
  throw new LockfileError('INVALID_STRUCTURE', `${source}: ${path} ${what}`);
}

function onlyKeys(source: string, path: string, object: JsonObject, allowed: readonly string[]): void {
  for (const key of Object.keys(object)) {
    if (!allowed.includes(key)) fail(source, path, `has an unknown field "${printable(key, 60)}"`);
  }
}

function expectObject(source: string, path: string, v: JsonValue | undefined): JsonObject {
  if (!isObject(v)) fail(source, path, 'must be an object');
  return v;
}

function expectString(source: string, path: string, v: JsonValue | undefined): string {
  if (typeof v !== 'string') fail(source, path, 'must be a string');
  return v;
}

function expectStrings(source: string, path: string, v: JsonValue | undefined): string[] {
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) fail(source, path, 'must be an array of strings');
  return v as string[];
}

export function parseTransport(source: string, path: string, v: JsonValue | undefined): TransportRecord {
  const t = expectObject(source, path, v);
  if (t.type === 'stdio') {
    onlyKeys(source, path, t, ['type', 'command', 'args', 'env']);
    return {
      type: 'stdio',
      command: expectString(source, `${path}.command`, t.command),
      args: expectStrings(source, `${path}.args`, t.args),
      env: expectStrings(source, `${path}.env`, t.env),
    };
  }
  if (t.type === 'streamable-http' || t.type === 'sse') {
    onlyKeys(source, path, t, ['type', 'url', 'headers']);
    return {
      type: t.type,
      url: expectString(source, `${path}.url`, t.url),
      headers: expectStrings(source, `${path}.headers`, t.headers),
    };
  }
  return fail(source, `${path}.type`, 'must be "stdio", "streamable-http" or "sse"');
}

export function parseIdentity(source: string, path: string, v: JsonValue | undefined): ServerIdentity {
  const o = expectObject(source, path, v);
  onlyKeys(source, path, o, ['serverInfo', 'protocolVersion', 'capabilities', 'instructions']);
  const identity: ServerIdentity = {
    serverInfo: expectObject(source, `${path}.serverInfo`, o.serverInfo),
    protocolVersion: expectString(source, `${path}.protocolVersion`, o.protocolVersion),
    capabilities: expectObject(source, `${path}.capabilities`, o.capabilities),
  };
  if (o.instructions !== undefined) identity.instructions = expectString(source, `${path}.instructions`, o.instructions);
  return identity;
}

/**
 * Levels a lockfile wraps around an item definition: the document, `servers`, the server, the
 * collection (`tools`…) and the item's entry; the definition is the next level.
 */
export const LOCKFILE_ITEM_WRAP = 5;
/**
 * Deepest lockfile accepted: the item depth bound `lock` applies (MAX_ITEM_DEPTH) plus the
 * wrapping, so every lockfile `lock` writes is read back, and nothing deeper is.
 */
export const MAX_LOCKFILE_DEPTH = MAX_ITEM_DEPTH + LOCKFILE_ITEM_WRAP;

export interface ParseOptions {
  /** Recompute every digest and refuse a mismatch (default true). */
  checkDigests?: boolean;
  /**
   * With checkDigests false: still compute every definition's digest, without refusing a
   * mismatch, so that later digestOf calls on the definitions (the diff's per-item comparison,
   * approval digests) are free. Implied by checkDigests.
   */
  computeDigests?: boolean;
  /**
   * Set only by parseLockfileBytes (./read.ts), when lockfileBytesAccepted(bytes, { checkDigests:
   * true }) (./fast-check.ts) accepted the bytes `text` was decoded from: every rule below holds
   * and every written digest is the one this reader would compute. The text is then JSON.parsed
   * without the strict scans, and the written digests are recorded as the definitions' and
   * surfaces' own instead of being computed again.
   */
  acceptedBytes?: true;
}

/**
 * Parses and validates `mcp-lock.json` bytes. Attacker-controlled: the file may be truncated,
 * hand-edited or crafted, so every field is checked against an allow-list, the version against
 * the supported versions, and every digest recomputed, before anything else uses it.
 */
export function parseLockfile(text: string, source = 'mcp-lock.json', options: ParseOptions = {}): Lockfile {
  const checkDigests = options.checkDigests ?? true;
  const computeDigests = checkDigests || options.computeDigests === true;
  const accepted = options.acceptedBytes === true;
  const parsed = accepted ? { value: JSON.parse(text) as JsonValue, keyOrdered: false } : parseJsonStrict(text, { maxDepth: MAX_LOCKFILE_DEPTH, finiteNumbers: true });
  if ('problem' in parsed) {
    const code = parsed.problem.kind === 'duplicate-key' ? 'DUPLICATE_KEY' : 'MALFORMED_JSON';
    throw new LockfileError(code, `${source} is not valid JSON: ${parsed.problem.message}`);
  }
  // A file whose keys are in RFC 8785 order everywhere (every file lock writes) holds each
  // definition in canonical key order already: its digest is the hash of its JSON.stringify,
  // with no sorted copy. Any other order (hand-edited, another writer) takes digestOf, which
  // sorts: both give the RFC 8785 digest, so a wrong digest is caught the same way on each path.
  const digestOfItem: (definition: JsonObject) => string = parsed.keyOrdered ? digestOfKeyOrdered : digestOf;
  const root = parsed.value;
  if (!isObject(root)) throw new LockfileError('INVALID_STRUCTURE', `${source}: the top level must be an object`);
  if (!('lockfileVersion' in root)) throw new LockfileError('UNKNOWN_VERSION', `${source} has no lockfileVersion: not an mcptrust lockfile`);
  if (typeof root.lockfileVersion !== 'number' || !SUPPORTED_LOCKFILE_VERSIONS.includes(root.lockfileVersion)) {
    throw new LockfileError(
      'UNKNOWN_VERSION',
      `${source} has lockfileVersion ${versionShown(root.lockfileVersion)}; this mcptrust reads version ${SUPPORTED_LOCKFILE_VERSIONS.join(', ')} (upgrade mcptrust to read newer lockfiles)`,
    );
  }
  onlyKeys(source, '$', root, ['lockfileVersion', 'servers']);
  const serversJson = expectObject(source, 'servers', root.servers);
  const servers = createRecord<LockedServer>();
  for (const name of Object.keys(serversJson)) {
    const path = `servers[${JSON.stringify(name)}]`;
    const s = expectObject(source, path, serversJson[name]);
    onlyKeys(source, path, s, ['digest', 'transport', 'identity', 'artifact', 'tools', 'prompts', 'resources', 'resourceTemplates']);
    const surface: ServerSurface = {
      identity: parseIdentity(source, `${path}.identity`, s.identity),
      tools: createRecord(),
      prompts: createRecord(),
      resources: createRecord(),
      resourceTemplates: createRecord(),
    };
    for (const kind of ITEM_KINDS) {
      const collection = ITEM_COLLECTION[kind];
      const keyField = ITEM_KEY_FIELD[kind];
      const items = expectObject(source, `${path}.${collection}`, s[collection]);
      const target: NameRecord<JsonObject> = surface[collection];
      for (const key of Object.keys(items)) {
        const raw = items[key];
        // The common, valid case is checked without building any path string (a 10,000-tool
        // lockfile has 10,000 of them); a problem re-runs the checks that name its place.
        const quick = isObject(raw) && typeof raw.digest === 'string' && isObject(raw.definition) && Object.keys(raw).length === 2;
        if (!quick || (raw.definition as JsonObject)[keyField] !== key) {
          const itemPath = `${path}.${collection}[${JSON.stringify(printable(key, 80))}]`;
          const entry = expectObject(source, itemPath, raw);
          onlyKeys(source, itemPath, entry, ['digest', 'definition']);
          expectString(source, `${itemPath}.digest`, entry.digest);
          const definition = expectObject(source, `${itemPath}.definition`, entry.definition);
          if (definition[keyField] !== key) fail(source, `${itemPath}.definition.${keyField}`, `must equal its key`);
        }
        const entry = raw as JsonObject;
        const digest = entry.digest as string;
        const definition = entry.definition as JsonObject;
        // Computed (and remembered by src/canonical) even when a mismatch is not refused.
        if (accepted) rememberProvenDigest(definition, digest);
        else if (computeDigests) {
          const actual = digestOfItem(definition);
          if (checkDigests && actual !== digest) {
            throw new LockfileError(
              'DIGEST_MISMATCH',
              `${source}: ${kind} ${JSON.stringify(printable(key, 80))} does not match its digest (edited by hand? re-run mcptrust lock)`,
            );
          }
        }
        target[key] = definition;
      }
    }
    const digest = expectString(source, `${path}.digest`, s.digest);
    if (accepted) rememberProvenSurfaceDigest(surface, digest);
    else if (checkDigests && surfaceDigest(surface) !== digest) {
      throw new LockfileError('DIGEST_MISMATCH', `${source}: server ${JSON.stringify(printable(name, 80))} does not match its surface digest (edited by hand? re-run mcptrust lock)`);
    }
    servers[name] = { name, transport: parseTransport(source, `${path}.transport`, s.transport), surface };
    if (s.artifact !== undefined) servers[name].artifact = parseArtifact(s.artifact, `${path}.artifact`, (at, what) => fail(source, at, what), servers[name].transport.type);
  }
  return { lockfileVersion: root.lockfileVersion, servers };
}
