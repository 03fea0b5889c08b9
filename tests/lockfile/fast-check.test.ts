// lockfileBytesAccepted (src/lockfile/fast-check.ts) decides on a lockfile's bytes without
// building its value, and its contract is one-sided: `true` must mean the strict reader
// (parseLockfile on lockfileText) accepts the file in the same mode; `false` only means "not
// decided here". This test holds it against the strict reader itself: on files `lock` writes
// (where it must say true, or the fast path is never taken), on targeted edits of them (each
// rule of the reader broken once, and lexical forms the byte checker must not confuse with the
// canonical ones), on seeded random mutants, and on large adversarial inputs.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { digestOf, prettyCanonical, type JsonObject, type JsonValue } from '../../src/canonical/index.js';
import { lockfileBytesAccepted } from '../../src/lockfile/fast-check.js';
import { LockfileError, lockfileText, MAX_LOCKFILE_DEPTH, parseLockfile } from '../../src/lockfile/parse.js';
import { syntheticTool } from '../../scripts/bench/lib.mjs';
import { seededRandom } from '../helpers/random.js';
import { CORPUS, hex, KEYS, lockOf, obj, PINS, RICH, server, sri, SYNTHETIC } from '../helpers/lock-corpus.js';

// ---------------------------------------------------------------------------------------------
// The oracle and the comparison
// ---------------------------------------------------------------------------------------------

const MODES = [true, false] as const;
const encode = (text: string) => new TextEncoder().encode(text);

/** The strict reader's verdict: accepted, or refused with a LockfileError; anything else is a bug and is rethrown. */
function strictAccepts(bytes: Uint8Array, checkDigests: boolean): boolean {
  try {
    parseLockfile(lockfileText(bytes, 'x'), 'x', { checkDigests });
    return true;
  } catch (error) {
    if (error instanceof LockfileError) return false;
    throw error;
  }
}

interface Verdict {
  mode: boolean;
  fast: boolean;
  strict: boolean;
}

/** Both answers in both modes (the strict one only when needed: `fast` false decides nothing). */
function verdicts(bytes: Uint8Array, always = true): Verdict[] {
  return MODES.map((mode) => {
    const fast = lockfileBytesAccepted(bytes, { checkDigests: mode });
    expect(typeof fast).toBe('boolean');
    return { mode, fast, strict: always || fast ? strictAccepts(bytes, mode) : false };
  });
}

/** A short, printable description of an input for a failure message. */
function show(bytes: Uint8Array | string): string {
  const text = typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('latin1');
  return JSON.stringify(text.length > 300 ? `${text.slice(0, 300)}…(${text.length})` : text);
}

/**
 * `fast ⇒ strict` in both modes; with `strict` given (per mode or for both), the strict verdict
 * is asserted too, so each targeted edit is known to break (or keep) what it means to.
 */
function expectSound(label: string, input: Uint8Array | string, strict?: boolean | { digests: boolean; noDigests: boolean }): Verdict[] {
  const bytes = typeof input === 'string' ? encode(input) : input;
  const result = verdicts(bytes);
  for (const v of result) {
    if (strict !== undefined) {
      const want = typeof strict === 'boolean' ? strict : v.mode ? strict.digests : strict.noDigests;
      expect(v.strict, `${label}: strict reader, checkDigests ${v.mode}`).toBe(want);
    }
    if (v.fast) expect(v.strict, `${label}: fast said true, strict reader refuses (checkDigests ${v.mode}) on ${show(input)}`).toBe(true);
  }
  return result;
}

/** A file lock writes: both readers accept it in both modes. */
function expectFastAccepts(label: string, text: string): void {
  const bytes = encode(text);
  for (const mode of MODES) {
    expect(strictAccepts(bytes, mode), `${label}: strict reader, checkDigests ${mode}`).toBe(true);
    expect(lockfileBytesAccepted(bytes, { checkDigests: mode }), `${label}: fast check, checkDigests ${mode}`).toBe(true);
  }
}

// ---------------------------------------------------------------------------------------------
// Text tools: spans of a parsed document, digests recomputed canonically or from the bytes
// ---------------------------------------------------------------------------------------------

type Node =
  | { kind: 'object'; start: number; end: number; members: { key: string; keyRaw: string; keyStart: number; value: Node }[] }
  | { kind: 'array'; start: number; end: number; items: Node[] }
  | { kind: 'scalar'; start: number; end: number };

/** Spans of a text JSON.parse accepts (recursive descent; the callers keep the depth small). */
function spans(text: string): Node {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const str = (): string => {
    const start = i++;
    while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return text.slice(start + 1, i - 1);
  };
  const value = (): Node => {
    ws();
    const start = i;
    if (text[i] === '{') {
      i++;
      const members: { key: string; keyRaw: string; keyStart: number; value: Node }[] = [];
      ws();
      if (text[i] === '}') return i++, { kind: 'object', start, end: i, members };
      for (;;) {
        ws();
        const keyStart = i;
        const keyRaw = str();
        ws();
        i++; // ':'
        members.push({ key: JSON.parse(`"${keyRaw}"`) as string, keyRaw, keyStart, value: value() });
        ws();
        if (text[i++] === '}') return { kind: 'object', start, end: i, members };
      }
    }
    if (text[i] === '[') {
      i++;
      const items: Node[] = [];
      ws();
      if (text[i] === ']') return i++, { kind: 'array', start, end: i, items };
      for (;;) {
        items.push(value());
        ws();
        if (text[i++] === ']') return { kind: 'array', start, end: i, items };
      }
    }
    if (text[i] === '"') str();
    else while (i < text.length && !',}] \t\n\r'.includes(text[i]!)) i++;
    return { kind: 'scalar', start, end: i };
  };
  return value();
}

const memberOf = (node: Node | undefined, key: string) => (node?.kind === 'object' ? [...node.members].reverse().find((m) => m.key === key)?.value : undefined);

/** The text with the white space outside strings removed: what hashing the bytes as written would hash. */
function compactOf(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      const start = i++;
      while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      out += text.slice(start, i + 1);
    } else if (!' \t\n\r'.includes(c)) out += c;
  }
  return out;
}

/** A placeholder no corpus file holds, for swapping two pieces of text. */
const SWAP = '\u0000swap\u0000';
const sha = (text: string) => `sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`;
const COLLECTIONS = ['prompts', 'resourceTemplates', 'resources', 'tools'] as const;

/**
 * The text with every item digest and surface digest recomputed, in place: `canonical`, as the
 * strict reader computes them (so digests are right whatever the text's form), or `literal`, as
 * a reader that hashed the bytes as written (white space removed, keys as written) would: right
 * only where the text is in canonical form. Undefined when the text is no JSON.
 */
function redigest(text: string, how: 'canonical' | 'literal'): string | undefined {
  let root: Node;
  try {
    JSON.parse(text);
    root = spans(text);
  } catch {
    return undefined;
  }
  const edits: { start: number; end: number; to: string }[] = [];
  const servers = memberOf(root, 'servers');
  if (servers?.kind !== 'object') return text;
  for (const s of servers.members) {
    const parts: Record<string, [string, string][]> = { prompts: [], resourceTemplates: [], resources: [], tools: [] };
    for (const collection of COLLECTIONS) {
      const items = memberOf(s.value, collection);
      if (items?.kind !== 'object') continue;
      for (const item of items.members) {
        const definition = memberOf(item.value, 'definition');
        const digest = memberOf(item.value, 'digest');
        if (!definition) continue;
        const definitionText = text.slice(definition.start, definition.end);
        let d: string;
        try {
          d = how === 'canonical' ? digestOf(JSON.parse(definitionText)) : sha(compactOf(definitionText));
        } catch {
          continue;
        }
        if (digest?.kind === 'scalar' && text[digest.start] === '"') edits.push({ start: digest.start, end: digest.end, to: `"${d}"` });
        parts[collection]!.push([how === 'canonical' ? item.key : `"${item.keyRaw}"`, d]);
      }
    }
    const identity = memberOf(s.value, 'identity');
    const digest = memberOf(s.value, 'digest');
    if (!identity || digest?.kind !== 'scalar' || text[digest.start] !== '"') continue;
    const identityText = text.slice(identity.start, identity.end);
    let d: string;
    if (how === 'canonical') {
      const surface: JsonObject = { identity: JSON.parse(identityText) as JsonValue };
      for (const collection of COLLECTIONS) surface[collection] = obj(parts[collection]!.map(([k, v]) => [k, v]));
      try {
        d = digestOf(surface);
      } catch {
        continue;
      }
    } else {
      const collections = COLLECTIONS.map((c) => `"${c}":{${parts[c]!.map(([k, v]) => `${k}:"${v}"`).join(',')}}`);
      d = sha(`{"identity":${compactOf(identityText)},${collections.join(',')}}`);
    }
    edits.push({ start: digest.start, end: digest.end, to: `"${d}"` });
  }
  edits.sort((a, b) => b.start - a.start);
  let out = text;
  for (const e of edits) out = out.slice(0, e.start) + e.to + out.slice(e.end);
  return out;
}

/** Replaces the first `from` at or after the first `after` (both must occur). */
function replaceAfter(text: string, after: string, from: string, to: string): string {
  const base = text.indexOf(after);
  expect(base, `"${after}" in the text`).toBeGreaterThanOrEqual(0);
  const at = text.indexOf(from, base);
  expect(at, `"${from}" after "${after}"`).toBeGreaterThanOrEqual(0);
  return text.slice(0, at) + to + text.slice(at + from.length);
}

/** A lockfile document as the edits below reach into it: any shape (an edit may break it on purpose). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Doc = Record<string, any>;

/** The document edited as a value and printed back in lock's own form (pretty RFC 8785): only the edit is unusual. */
function editJson(text: string, edit: (doc: Doc) => void): string {
  const doc = JSON.parse(text) as Doc;
  edit(doc);
  return `${prettyCanonical(doc)}\n`;
}

// ---------------------------------------------------------------------------------------------

describe('files lock writes: the fast check says true in both modes, as the strict reader does', () => {
  it.each(CORPUS)('%s', (_label, text) => {
    expectFastAccepts(_label, text);
  });

  it('the corpus is what lock writes: printing a file back as a value changes nothing, and the tools helpers agree', () => {
    for (const [, text] of CORPUS) expect(editJson(text, () => {})).toBe(text);
    // The digest recomputation the edits below use gives back every digest lock wrote, both ways.
    for (const [, text] of CORPUS) {
      expect(redigest(text, 'canonical')).toBe(text);
      expect(redigest(text, 'literal')).toBe(text);
    }
    // Integer-like keys in RFC 8785 order ("10" before "9"), U+1F600 before U+E000 (UTF-16
    // order, the reverse of UTF-8 byte order), and numbers as JavaScript prints them.
    expect(KEYS.indexOf('"10"')).toBeLessThan(KEYS.indexOf('"9"'));
    expect(KEYS.indexOf('"\u{1F600}"')).toBeLessThan(KEYS.indexOf('"\uE000"'));
    expect(RICH).toContain('123456789012345680');
    expect(RICH).toContain('1e+21');
    expect(RICH).toContain('1e-7');
    expect(RICH).toContain('\\u0001');
    expect(RICH).toContain('\u007f');
    expect(RICH).toContain('\\"quoted\\" back\\\\slash');
  });

  it('a one-server lock of 300 bench tools, and a lock with the longest artifact note, are accepted', () => {
    expectFastAccepts('300 tools', lockOf({ name: 'bench', tools: Array.from({ length: 300 }, (_, i) => syntheticTool(i)) }));
    expectFastAccepts('note of 4096 UTF-16 units', lockOf({ name: 's', artifact: { type: 'unpinned', note: 'é'.repeat(4096) } }));
  });
});

describe('targeted edits: fast ⇒ strict in both modes, and false wherever the strict reader refuses', () => {
  const digestRefused = { digests: false, noDigests: true };

  it('item digests and surface digests: one hex digit changed, upper-cased, definition edited, identity edited', () => {
    for (const [label, text] of CORPUS) {
      const digests = [...text.matchAll(/"digest": "sha256:([0-9a-f]{64})"/g)];
      for (const m of digests) {
        const at = m.index! + '"digest": "sha256:'.length;
        const flipped = text.slice(0, at) + (text[at] === '0' ? '1' : '0') + text.slice(at + 1);
        expectSound(`${label}: digest digit at ${at}`, flipped, digestRefused);
        const last = at + 63;
        expectSound(`${label}: last digit at ${last}`, text.slice(0, last) + (text[last] === 'f' ? 'e' : 'f') + text.slice(last + 1), digestRefused);
        expectSound(`${label}: digest upper-cased at ${at}`, text.slice(0, at) + m[1]!.toUpperCase() + text.slice(at + 64), /[a-f]/.test(m[1]!) ? digestRefused : true);
        expectSound(`${label}: digest cut at ${at}`, text.slice(0, at) + m[1]!.slice(1) + text.slice(at + 64), digestRefused);
        expectSound(`${label}: prefix sha512`, text.slice(0, at - 4) + '512:' + text.slice(at), digestRefused);
      }
    }
    expectSound('definition edited', RICH.replace('Echo the input', 'Echo the inpuT'), digestRefused);
    expectSound('a number in a schema edited', RICH.replace('"minimum": -1', '"minimum": -2'), digestRefused);
    expectSound('identity edited', RICH.replace('"protocolVersion": "2025-11-25"', '"protocolVersion": "2025-11-26"'), digestRefused);
    expectSound('instructions edited', RICH.replace('Use these tools carefully.', 'Use these tools carefully!'), digestRefused);
    expectSound('serverInfo edited', RICH.replace('"title": "Gamma"', '"title": "Gammb"'), digestRefused);
    expectSound('transport edited (not digested)', RICH.replace('"url": "http://localhost:8080/sse"', '"url": "http://localhost:8081/sse"'), true);
    expectSound('artifact edited (not digested)', PINS.replace('"version": "2.1"', '"version": "2.2"'), true);
    // An item's digest swapped for another item's (each digest well-formed, each wrong).
    const d1 = RICH.match(/"digest": "(sha256:[0-9a-f]{64})"/g)!;
    expectSound('two item digests swapped', RICH.replace(d1[1]!, SWAP).replace(d1[2]!, d1[1]!).replace(SWAP, d1[2]!), digestRefused);
    // A tool moved to another server with its digest: each surface digest is then wrong.
    const moved = editJson(RICH, (doc) => {
      doc.servers.beta.tools.echo = doc.servers.alpha.tools.echo;
      delete doc.servers.alpha.tools.echo;
    });
    expectSound('tool moved between servers', moved, digestRefused);
    expectSound('tool moved between servers, surface digests redone', redigest(moved, 'canonical')!, true);
  });

  it('an item key different from its name, uri or uriTemplate; an item key escaped; a key field missing', () => {
    const renamed = [
      ['tools', 'echo', 'echp'],
      ['prompts', 'summarize', 'summarizE'],
      ['resources', 'notes://all', 'notes://alm'],
      ['resourceTemplates', 'notes://{id}', 'notes://{ie}'],
    ] as const;
    for (const [collection, from, to] of renamed) {
      const text = editJson(RICH, (doc) => {
        const items = doc.servers.alpha[collection];
        items[to] = items[from];
        delete items[from];
      });
      expectSound(`${collection} key ${to} for ${from}`, text, false);
      expectSound(`${collection} key ${to} for ${from}, digests redone`, redigest(text, 'canonical')!, false);
    }
    // The key field of another kind: a tool keyed by uri, a resource by name.
    expectSound('tool with uri, no name', redigest(editJson(RICH, (doc) => {
      const def = doc.servers.alpha.tools.echo.definition;
      def.uri = def.name;
      delete def.name;
    }), 'canonical')!, false);
    // The key written with an escape: JSON.parse reads the same name; the fast check must not compare raw bytes.
    const escapedKey = RICH.replace('"echo": {', '"\\u0065cho": {');
    expect(escapedKey).not.toBe(RICH);
    expectSound('item key escaped', escapedKey, true);
    expectSound('item key escaped differently from the name', RICH.replace('"echo": {', '"\\u0065chO": {'), false);
    // The name escaped inside the definition: equal after decoding, but the definition's bytes are not canonical.
    const escapedName = RICH.replace('"name": "echo"', '"name": "\\u0065cho"');
    expectSound('name escaped in the definition', escapedName, true);
    expectSound('name escaped in the definition, digests redone', redigest(escapedName, 'canonical')!, true);
    expectSound('name escaped in the definition, digests of the bytes', redigest(escapedName, 'literal')!, digestRefused);
    // The name escaped, the key not: same strings once decoded, different bytes.
    expectSound('item key and name as different bytes of one string', redigest(RICH.replace('"name": "echo"', '"name": "ech\\u006f"'), 'canonical')!, true);
  });

  it('escaped member names at every level (the reader decodes them; digests of the bytes differ)', () => {
    const names = ['lockfileVersion', 'servers', 'digest', 'transport', 'identity', 'tools', 'definition', 'description', 'type', 'capabilities', 'artifact', 'integrity'];
    for (const name of names) {
      const escaped = `"${name.slice(0, -1)}\\u00${name.charCodeAt(name.length - 1).toString(16)}":`;
      for (const source of [RICH, PINS]) {
        const edited = source.replace(`"${name}":`, escaped);
        if (edited === source) continue;
        expectSound(`escaped ${name}`, edited);
        expectSound(`escaped ${name}, digests redone`, redigest(edited, 'canonical')!);
        expectSound(`escaped ${name}, digests of the bytes`, redigest(edited, 'literal')!);
      }
    }
    expectSound('"n\\u0061me" in a definition, digests redone', redigest(RICH.replace('"name": "echo"', '"n\\u0061me": "echo"'), 'canonical')!, true);
  });

  it('duplicate keys at every level', () => {
    const dup = (label: string, text: string, after: string, line: string) => {
      const edited = replaceAfter(text, after, line, `${line}\n${line}`);
      expectSound(`duplicate ${label}`, edited, false);
      expectSound(`duplicate ${label}, digests redone`, redigest(edited, 'canonical')!, false);
      expectSound(`duplicate ${label}, digests of the bytes`, redigest(edited, 'literal')!, false);
    };
    dup('root', RICH, '', '  "lockfileVersion": 1,');
    dup('identity', RICH, '"alpha"', '"protocolVersion": "2025-11-25",');
    dup('server (digest)', RICH, '"alpha"', `"digest": "${RICH.match(/"alpha": \{\n {6}"artifact"[^]*?"digest": "(sha256:[0-9a-f]+)"/)![1]}",`);
    dup('server (collection)', RICH, '"beta"', '"prompts": {},');
    dup('definition', RICH, '"echo": {', '"description": "Echo the input",');
    dup('deep in a schema', RICH, '"numbers": {', '"maximum": 1.5,');
    dup('transport', RICH, '"beta"', '"type": "streamable-http",');
    dup('dependency', PINS, '"npm"', '"name": "@acme/notes",');
    dup('artifact', PINS, '"npm"', '"type": "npm",');
    dup('provenance', PINS, '"npm"', '"verified": true,');
    // Duplicates that read as one after decoding, and duplicates whose last copy is the right one.
    const entries = [
      ['servers', RICH, () => RICH.replace('"servers": {\n', '"servers": {\n    "alpha": {},\n')],
      ['item key', RICH, () => RICH.replace('"echo": {', '"echo": {"definition": {"name": "echo"}, "digest": "x"},\n"echo": {')],
      ['entry digest (wrong one first)', RICH, () => replaceAfter(RICH, '"echo": {', '"digest": "', `"digest": "sha256:${'0'.repeat(64)}",\n"digest": "`)],
      ['escaped name in a definition', RICH, () => RICH.replace('"name": "echo"', '"name": "echo",\n"n\\u0061me": "echo"')],
      ['escaped root key', RICH, () => RICH.replace('"servers": {', '"servers": {},\n"s\\u0065rvers": {')],
      ['__proto__ twice', KEYS, () => KEYS.replace('"__proto__": {\n', '"__proto__": {},\n"__proto__": {\n')],
    ] as const;
    for (const [label, , make] of entries) {
      const edited = make();
      expectSound(`duplicate ${label}`, edited, false);
      const redone = redigest(edited, 'canonical');
      if (redone !== undefined) expectSound(`duplicate ${label}, digests redone`, redone, false);
    }
    // A duplicated server: the whole server object twice (a second copy of the last server).
    const gamma = RICH.slice(RICH.indexOf('    "gamma": {'), RICH.lastIndexOf('\n  }\n}'));
    expectSound('duplicate server', RICH.replace('    "gamma": {', `${gamma},\n    "gamma": {`), false);
  });

  it('keys out of order (the reader sorts: digests still hold) and digests of an unordered text (refused)', () => {
    // Swap the first two members of the definition of echo (description, inputSchema), as text.
    const echoDef = spans(RICH);
    const alpha = memberOf(memberOf(echoDef, 'servers'), 'alpha');
    const echo = memberOf(memberOf(memberOf(alpha, 'tools'), 'echo'), 'definition');
    if (echo?.kind !== 'object') throw new Error('no echo definition');
    const swapMembers = (text: string, node: Node, a: number, b: number): string => {
      if (node.kind !== 'object') throw new Error('not an object');
      const ma = node.members[a]!;
      const mb = node.members[b]!;
      const ta = text.slice(ma.keyStart, ma.value.end);
      const tb = text.slice(mb.keyStart, mb.value.end);
      return text.slice(0, ma.keyStart) + tb + text.slice(ma.value.end, mb.keyStart) + ta + text.slice(mb.value.end);
    };
    const swapped = swapMembers(RICH, echo, 0, 1);
    expectSound('definition members swapped', swapped, true);
    expectSound('definition members swapped, digests of the bytes', redigest(swapped, 'literal')!, digestRefused);
    const root = spans(RICH);
    expectSound('root members swapped', swapMembers(RICH, root, 0, 1), true);
    expectSound('servers swapped', swapMembers(RICH, memberOf(root, 'servers')!, 0, 2), true);
    expectSound('server members swapped', swapMembers(RICH, alpha!, 1, 2), true);
    expectSound('tools swapped', swapMembers(RICH, memberOf(alpha, 'tools')!, 0, 2), true);
    expectSound('identity members swapped', swapMembers(RICH, memberOf(alpha, 'identity')!, 0, 3), true);
    expectSound('transport members swapped', swapMembers(RICH, memberOf(alpha, 'transport')!, 0, 3), true);
    expectSound('artifact members swapped', swapMembers(RICH, memberOf(alpha, 'artifact')!, 0, 1), true);
    expectSound('entry members swapped (digest first)', swapMembers(RICH, memberOf(memberOf(alpha, 'tools'), 'echo')!, 0, 1), true);
    // Orders that differ between UTF-8 bytes, UTF-16 units and JavaScript enumeration: each
    // printed in the other order, with its digest recomputed from the bytes as written.
    const keysRoot = spans(KEYS);
    const props = memberOf(memberOf(memberOf(memberOf(memberOf(memberOf(keysRoot, 'servers'), '__proto__'), 'tools'), '__proto__'), 'definition'), 'inputSchema');
    const properties = memberOf(props, 'properties')!;
    if (properties.kind !== 'object') throw new Error('no properties');
    const index = (k: string) => properties.members.findIndex((m) => m.key === k);
    for (const [a, b] of [['10', '9'], ['\u{1F600}', '\uE000'], ['0', '10'], ['', '0'], ['A', '__proto__'], ['é', '日本']] as const) {
      expect(index(a)).toBeLessThan(index(b));
      const text = swapMembers(KEYS, properties, index(a), index(b));
      expectSound(`${a} after ${b}`, text, true);
      expectSound(`${a} after ${b}, digests of the bytes`, redigest(text, 'literal')!, digestRefused);
    }
    // Names out of UTF-16 order where the UTF-8 bytes are in order, at the server and item levels.
    const servers = memberOf(keysRoot, 'servers')!;
    const si = (k: string) => (servers.kind === 'object' ? servers.members.findIndex((m) => m.key === k) : -1);
    expectSound('servers in UTF-8 byte order', swapMembers(KEYS, servers, si('\u{1F600}'), si('\uE000')), true);
    expectSound('servers in UTF-8 byte order, surface digests of the bytes', redigest(swapMembers(KEYS, servers, si('\u{1F600}'), si('\uE000')), 'literal')!, true);
    const tools = memberOf(memberOf(servers, '__proto__'), 'tools')!;
    const ti = (k: string) => (tools.kind === 'object' ? tools.members.findIndex((m) => m.key === k) : -1);
    const toolsSwapped = swapMembers(KEYS, tools, ti('\u{1F600}'), ti('\uE000'));
    expectSound('tools in UTF-8 byte order', toolsSwapped, true);
    expectSound('tools in UTF-8 byte order, surface digest of the bytes', redigest(toolsSwapped, 'literal')!, digestRefused);
  });

  it('an unknown field at each level (names an object lookup might find: constructor, __proto__, toString)', () => {
    const odd = ['zzz', 'constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', 'length', 'digests', 'Digest', 'tools ', ''];
    const places: [string, string, (doc: Doc) => Record<string, unknown>][] = [
      ['root', RICH, (doc) => doc as Record<string, unknown>],
      ['server', RICH, (doc) => doc.servers.alpha],
      ['http server', RICH, (doc) => doc.servers.beta],
      ['identity', RICH, (doc) => doc.servers.alpha.identity],
      ['identity without instructions', RICH, (doc) => doc.servers.beta.identity],
      ['stdio transport', RICH, (doc) => doc.servers.alpha.transport],
      ['http transport', RICH, (doc) => doc.servers.beta.transport],
      ['sse transport', RICH, (doc) => doc.servers.gamma.transport],
      ['entry', RICH, (doc) => doc.servers.alpha.tools.echo],
      ['resource entry', RICH, (doc) => doc.servers.alpha.resources['notes://all']],
      ['npm artifact', PINS, (doc) => doc.servers.npm.artifact],
      ['pypi artifact', PINS, (doc) => doc.servers.pypi.artifact],
      ['oci artifact', PINS, (doc) => doc.servers.oci.artifact],
      ['local artifact', PINS, (doc) => doc.servers.local.artifact],
      ['unpinned artifact', PINS, (doc) => doc.servers.unpinned.artifact],
      ['dependency', PINS, (doc) => doc.servers.npm.artifact.dependencies[0]],
      ['distribution', PINS, (doc) => doc.servers.pypi.artifact.distributions[1]],
      ['file', PINS, (doc) => doc.servers.local.artifact.files[0]],
      ['provenance', PINS, (doc) => doc.servers.npm.artifact.provenance],
    ];
    for (const [place, source, target] of places) {
      for (const name of odd) {
        const text = editJson(source, (doc) => {
          Object.defineProperty(target(doc), name, { value: name === 'length' ? 1 : {}, enumerable: true, writable: true, configurable: true });
        });
        expectSound(`unknown field ${JSON.stringify(name)} in ${place}`, text, false);
        expectSound(`unknown field ${JSON.stringify(name)} in ${place}, digests redone`, redigest(text, 'canonical')!, false);
      }
    }
    // Fields of one transport type on another, and of one artifact type on another.
    const crossed: [string, string, (doc: Doc) => void][] = [
      ['url on stdio', RICH, (doc) => void (doc.servers.alpha.transport.url = 'https://x')],
      ['command on http', RICH, (doc) => void (doc.servers.beta.transport.command = 'node')],
      ['headers on stdio', RICH, (doc) => void (doc.servers.alpha.transport.headers = [])],
      ['env on sse', RICH, (doc) => void (doc.servers.gamma.transport.env = [])],
      ['distributions on npm', PINS, (doc) => void (doc.servers.npm.artifact.distributions = [])],
      ['dependencies on pypi', PINS, (doc) => void (doc.servers.pypi.artifact.dependencies = [])],
      ['provenance on oci', PINS, (doc) => void (doc.servers.oci.artifact.provenance = { verified: true })],
      ['name on unpinned', PINS, (doc) => void (doc.servers.unpinned.artifact.name = 'x')],
    ];
    for (const [label, source, edit] of crossed) expectSound(label, editJson(source, edit), false);
  });

  it('a missing or mistyped part at each level', () => {
    const edits: [string, string, (doc: Doc) => void][] = [
      ['no lockfileVersion', RICH, (doc) => void delete doc.lockfileVersion],
      ['no servers', RICH, (doc) => void delete (doc as Partial<Doc>).servers],
      ['servers an array', RICH, (doc) => void ((doc as Record<string, unknown>).servers = [])],
      ['servers null', RICH, (doc) => void ((doc as Record<string, unknown>).servers = null)],
      ['a server an array', RICH, (doc) => void ((doc.servers as Record<string, unknown>).alpha = [])],
      ['a server a string', RICH, (doc) => void ((doc.servers as Record<string, unknown>).alpha = 'x')],
      ['no identity', RICH, (doc) => void delete doc.servers.alpha.identity],
      ['no transport', RICH, (doc) => void delete doc.servers.alpha.transport],
      ['no surface digest', RICH, (doc) => void delete doc.servers.alpha.digest],
      ['surface digest a number', RICH, (doc) => void (doc.servers.alpha.digest = 1)],
      ['surface digest null', RICH, (doc) => void (doc.servers.beta.digest = null)],
      ['no tools', RICH, (doc) => void delete doc.servers.alpha.tools],
      ['no prompts', RICH, (doc) => void delete doc.servers.beta.prompts],
      ['no resources', RICH, (doc) => void delete doc.servers.gamma.resources],
      ['no resourceTemplates', RICH, (doc) => void delete doc.servers.gamma.resourceTemplates],
      ['tools an array', RICH, (doc) => void (doc.servers.gamma.tools = [])],
      ['tools null', RICH, (doc) => void (doc.servers.gamma.tools = null)],
      ['no item digest', RICH, (doc) => void delete doc.servers.alpha.tools.echo.digest],
      ['item digest a number', RICH, (doc) => void (doc.servers.alpha.tools.echo.digest = 5)],
      ['item digest an array', RICH, (doc) => void (doc.servers.alpha.tools.echo.digest = [doc.servers.alpha.tools.echo.digest])],
      ['no definition', RICH, (doc) => void delete doc.servers.alpha.tools.echo.definition],
      ['definition an array', RICH, (doc) => void (doc.servers.alpha.tools.echo.definition = ['echo'])],
      ['definition null', RICH, (doc) => void (doc.servers.alpha.tools.echo.definition = null)],
      ['entry an array', RICH, (doc) => void (doc.servers.alpha.tools.echo = [])],
      ['entry null', RICH, (doc) => void (doc.servers.alpha.tools.echo = null)],
      ['name a number', RICH, (doc) => void (doc.servers.alpha.tools.echo.definition.name = 1)],
      ['no name', RICH, (doc) => void delete doc.servers.alpha.tools.echo.definition.name],
      ['no serverInfo', RICH, (doc) => void delete doc.servers.alpha.identity.serverInfo],
      ['serverInfo an array', RICH, (doc) => void (doc.servers.alpha.identity.serverInfo = [])],
      ['serverInfo null', RICH, (doc) => void (doc.servers.alpha.identity.serverInfo = null)],
      ['no protocolVersion', RICH, (doc) => void delete doc.servers.alpha.identity.protocolVersion],
      ['protocolVersion a number', RICH, (doc) => void (doc.servers.alpha.identity.protocolVersion = 20251125)],
      ['no capabilities', RICH, (doc) => void delete doc.servers.alpha.identity.capabilities],
      ['capabilities an array', RICH, (doc) => void (doc.servers.alpha.identity.capabilities = [])],
      ['instructions null', RICH, (doc) => void (doc.servers.alpha.identity.instructions = null)],
      ['instructions a number', RICH, (doc) => void (doc.servers.beta.identity.instructions = 1)],
      ['instructions an object', RICH, (doc) => void (doc.servers.beta.identity.instructions = {})],
      ['transport type ws', RICH, (doc) => void (doc.servers.beta.transport.type = 'ws')],
      ['transport type missing', RICH, (doc) => void delete doc.servers.beta.transport.type],
      ['transport type STDIO', RICH, (doc) => void (doc.servers.alpha.transport.type = 'STDIO')],
      ['transport an array', RICH, (doc) => void (doc.servers.alpha.transport = [])],
      ['no command', RICH, (doc) => void delete doc.servers.alpha.transport.command],
      ['command a number', RICH, (doc) => void (doc.servers.alpha.transport.command = 1)],
      ['no args', RICH, (doc) => void delete doc.servers.alpha.transport.args],
      ['an arg a number', RICH, (doc) => void doc.servers.alpha.transport.args.push(1)],
      ['an arg null', RICH, (doc) => void doc.servers.alpha.transport.args.push(null)],
      ['args an object', RICH, (doc) => void (doc.servers.alpha.transport.args = {})],
      ['no env', RICH, (doc) => void delete doc.servers.alpha.transport.env],
      ['env a string', RICH, (doc) => void (doc.servers.alpha.transport.env = 'HOME')],
      ['no url', RICH, (doc) => void delete doc.servers.beta.transport.url],
      ['url an array', RICH, (doc) => void (doc.servers.beta.transport.url = ['https://x'])],
      ['no headers', RICH, (doc) => void delete doc.servers.beta.transport.headers],
      ['a header an object', RICH, (doc) => void doc.servers.gamma.transport.headers.push({})],
      ['artifact null', PINS, (doc) => void (doc.servers.npm.artifact = null)],
      ['artifact an array', PINS, (doc) => void (doc.servers.npm.artifact = [])],
    ];
    for (const [label, source, edit] of edits) {
      const text = editJson(source, edit);
      expectSound(label, text, false);
      const redone = redigest(text, 'canonical');
      if (redone !== undefined) expectSound(`${label}, digests redone`, redone, false);
    }
    // Still accepted: an empty server-info, instructions present but empty, empty args and env.
    const fine: [string, string, (doc: Doc) => void][] = [
      ['serverInfo {}', RICH, (doc) => void (doc.servers.alpha.identity.serverInfo = {})],
      ['instructions ""', RICH, (doc) => void (doc.servers.beta.identity.instructions = '')],
      ['args []', RICH, (doc) => void (doc.servers.alpha.transport.args = [])],
      ['no artifact', PINS, (doc) => void delete doc.servers.npm.artifact],
      ['items removed', RICH, (doc) => void (doc.servers.alpha.tools = {})],
    ];
    for (const [label, source, edit] of fine) expectSound(`${label}, digests redone`, redigest(editJson(source, edit), 'canonical')!, true);
  });

  it('lockfileVersion: 2, "1", null, true and the other spellings of 1', () => {
    const at = (v: string) => RICH.replace('"lockfileVersion": 1,', `"lockfileVersion": ${v},`);
    for (const v of ['2', '0', '-1', '"1"', 'null', 'true', '[1]', '{}', '1e400', '-1e400', '1.5', '11', '01', '1.', '+1', '1e', 'Infinity', 'NaN', '0x1']) expectSound(`lockfileVersion ${v}`, at(v), false);
    for (const v of ['1.0', '1e0', '1E0', '10e-1', '0.1e1', '1.00000000000000001', '1e+0']) expectSound(`lockfileVersion ${v}`, at(v), true);
    expectSound('lockfileVersion last', RICH.replace('"lockfileVersion": 1,\n', '').replace(/\n}\n$/, ',\n  "lockfileVersion": 1\n}\n'), true);
  });

  it('numbers in a definition: not in shortest form, out of range, not JSON', () => {
    const at = (v: string) => RICH.replace('"maximum": 1.5,', `"maximum": ${v},`);
    expect(at('2')).not.toBe(RICH);
    for (const v of ['01', '1.', '.5', '+1', '1e', '1e+', '0x10', 'Infinity', '-Infinity', 'NaN', '--1', '1..5', '1.5.', '1,5', '- 1', '1 5', 'tru', 'nul', 'True']) {
      expectSound(`number ${v}`, at(v), false);
      expectSound(`number ${v} (redone)`, redigest(at(v), 'canonical') ?? at(v), false);
    }
    for (const v of ['1e400', '-1e400', '1e309', `1${'0'.repeat(400)}`]) expectSound(`number ${v}`, redigest(at(v), 'literal')!, false);
    // Valid JSON, read as another (finite) number than written: the digest is of the number read.
    const valid = ['-0', '0.0', '-0.0', '1.50', '15e-1', '1.5E0', '1.5e+0', '0.15e1', '1E21', '1e+21', '1000000000000000000000', '123456789012345678', '0.00000010', '1e-400', '4.9e-324', '2e-324', '1.7976931348623157e308', '1.7976931348623158e308', '100', '2', '-1.5'];
    for (const v of valid) {
      const edited = at(v);
      expectSound(`number ${v}`, edited, { digests: Number(v) === 1.5, noDigests: true });
      expectSound(`number ${v}, digests redone`, redigest(edited, 'canonical')!, true);
      expectSound(`number ${v}, digests of the bytes`, redigest(edited, 'literal')!, { digests: JSON.stringify(Number(v)) === v, noDigests: true });
    }
  });

  it('numbers at the length bound: the longest shortest forms (25 characters) are accepted, a longer spelling is left to the strict reader', () => {
    const at = (v: string) => RICH.replace('"maximum": 1.5,', `"maximum": ${v},`);
    // The longest texts JavaScript prints for a number: 25 characters with the sign.
    for (const v of ['-0.0000029340487610279368', '-1.2345678901234567e-308', '-123456789012345680000']) {
      expect(JSON.stringify(Number(v))).toBe(v);
      expectFastAccepts(`number ${v}`, redigest(at(v), 'canonical')!);
    }
    // The same values spelled with one more character: valid JSON the strict reader accepts
    // (its digests recomputed), never in shortest form, so not decided here.
    for (const v of ['-0.00000293404876102793680', '-1.23456789012345670e-308', '-123456789012345680000.0']) {
      const edited = redigest(at(v), 'canonical')!;
      expect(expectSound(`number ${v}`, edited, true).map((r) => r.fast)).toEqual([false, false]);
    }
  });

  it('strings: raw control characters, bad escapes, \\u escapes in every form', () => {
    const at = (raw: string) => RICH.replace('"description": "Echo the input"', `"description": "Echo${raw}"`);
    expect(at('')).not.toBe(RICH);
    const refused = ['\u0000', '\u0001', '\t', '\n', '\r', '\u001f', '\\x41', "\\'", '\\u12', '\\u12G4', '\\U0041', '\\', '\\ ', '\\u', '\\u00', '\\a', '\\0', '\\\n', '"'];
    for (const raw of refused) {
      expectSound(`string with ${JSON.stringify(raw)}`, at(raw), false);
    }
    // Escapes JSON.parse reads: the value is one string whatever the form; only the canonical
    // form is its own digest text.
    const read = [
      '\\u0041',
      '\\u00e9',
      '\\u00E9',
      '\\u00C9',
      '\\/',
      '\\ud83d\\ude00',
      '\\uD83D\\uDE00',
      '\\ud800',
      '\\udc00',
      '\\ud800x',
      '\\ude00\\ud83d',
      '\\u0001',
      '\\u001F',
      '\\u001f',
      '\\u007f',
      '\\u007F',
      '\\u0008',
      '\\b',
      '\\f',
      '\\n',
      '\\u000a',
      '\\u000A',
      '\\r',
      '\\t',
      '\\u0009',
      '\\"',
      '\\u0022',
      '\\\\',
      '\\u005c',
      '\\u005C',
      '\\u0000',
      '\\u2028',
      '\\ue000',
      '\\uffff',
      '\\uFFFF',
      '\u007f',
      '\u2028',
      '\uFEFF',
      '\\u0020',
      '\\u00ff',
    ];
    for (const raw of read) {
      const edited = at(raw);
      expectSound(`string with ${JSON.stringify(raw)}`, edited, { digests: false, noDigests: true });
      expectSound(`string with ${JSON.stringify(raw)}, digests redone`, redigest(edited, 'canonical')!, true);
      const value = JSON.parse(`"Echo${raw}"`) as string;
      const canonicalForm = JSON.stringify(value) === `"Echo${raw}"`;
      expectSound(`string with ${JSON.stringify(raw)}, digests of the bytes`, redigest(edited, 'literal')!, { digests: canonicalForm, noDigests: true });
    }
    // The same forms in the identity (its canonical text is part of the surface digest), and in
    // the artifact (checked for control characters by the reader).
    for (const raw of ['\\u0041', '\\/', '\\u001F', '\\u007f', '\\ud800', '\\uD83D\\uDE00', '\u007f']) {
      const identity = RICH.replace('Use these tools carefully.', `Use these tools${raw}`);
      expectSound(`instructions with ${raw}, digests redone`, redigest(identity, 'canonical')!, true);
      expectSound(`instructions with ${raw}, digests of the bytes`, redigest(identity, 'literal')!, { digests: JSON.stringify(JSON.parse(`"${raw}"`)) === `"${raw}"`, noDigests: true });
    }
  });

  it('the artifact: on an http server, invalid in each way the reader checks, and at its limits', () => {
    const onHttp = editJson(RICH, (doc) => void (doc.servers.beta.artifact = doc.servers.alpha.artifact));
    expectSound('npm artifact on a streamable-http server', onHttp, false);
    expectSound('local artifact on an sse server', editJson(RICH, (doc) => void (doc.servers.gamma.artifact = { type: 'local', files: [{ path: './a', integrity: sri('a', 'sha256') }] })), false);
    const npm = (edit: (a: any) => void) => editJson(PINS, (doc) => edit(doc.servers.npm.artifact));
    const invalid: [string, string][] = [
      ['type cargo', npm((a) => (a.type = 'cargo'))],
      ['type missing', npm((a) => delete a.type)],
      ['type a number', npm((a) => (a.type = 1))],
      ['npm without integrity', npm((a) => delete a.integrity)],
      ['npm without name', npm((a) => delete a.name)],
      ['npm without version', npm((a) => delete a.version)],
      ['integrity not SRI', npm((a) => (a.integrity = 'md5-abc'))],
      ['integrity base64 too short', npm((a) => (a.integrity = `sha512-${'A'.repeat(19)}`))],
      ['integrity base64 too long', npm((a) => (a.integrity = `sha512-${'A'.repeat(101)}`))],
      ['integrity with three =', npm((a) => (a.integrity = `sha512-${'A'.repeat(20)}===`))],
      ['integrity with a newline at the end', npm((a) => (a.integrity = `${a.integrity}\n`))],
      ['spec empty', npm((a) => (a.spec = ''))],
      ['spec with a control character', npm((a) => (a.spec = 'a\u0001b'))],
      ['spec with DEL', npm((a) => (a.spec = 'a\u007fb'))],
      ['spec with a tab', npm((a) => (a.spec = 'a\tb'))],
      ['spec 4097 units', npm((a) => (a.spec = 'x'.repeat(4097)))],
      ['spec 4097 units, 4096 code points', npm((a) => (a.spec = `${'x'.repeat(4095)}\u{1F600}`))],
      ['spec a number', npm((a) => (a.spec = 5))],
      ['dependencies out of order', npm((a) => a.dependencies.reverse())],
      ['dependencies repeated', npm((a) => a.dependencies.push(a.dependencies[1]))],
      ['dependencies an object', npm((a) => (a.dependencies = {}))],
      ['dependency a string', npm((a) => (a.dependencies[0] = 'node_modules/x'))],
      ['dependency path outside node_modules', npm((a) => (a.dependencies[0].path = 'lib/@acme/notes'))],
      ['dependency path with ..', npm((a) => (a.dependencies[0].path = 'node_modules/../x'))],
      ['dependency path with a backslash', npm((a) => (a.dependencies[0].path = 'node_modules/a\\b'))],
      ['dependency path with an empty segment', npm((a) => (a.dependencies[0].path = 'node_modules//a'))],
      ['dependency path node_modules alone', npm((a) => (a.dependencies[0].path = 'node_modules'))],
      ['dependency integrity missing', npm((a) => delete a.dependencies[0].integrity)],
      ['provenance verified false without reason', npm((a) => (a.provenance = { verified: false }))],
      ['provenance verified true with reason', npm((a) => (a.provenance.reason = 'why'))],
      ['provenance verified "true"', npm((a) => (a.provenance.verified = 'true'))],
      ['provenance verified 1', npm((a) => (a.provenance.verified = 1))],
      ['provenance verified null', npm((a) => (a.provenance.verified = null))],
      ['provenance an array', npm((a) => (a.provenance = []))],
      ['provenance workflow empty', npm((a) => (a.provenance.workflow = ''))],
      ['pypi sha256 upper-case', editJson(PINS, (doc) => (doc.servers.pypi.artifact.distributions[0].sha256 = hex('whl').toUpperCase()))],
      ['pypi filename with a folder', editJson(PINS, (doc) => (doc.servers.pypi.artifact.distributions[0].filename = 'a/b.whl'))],
      ['pypi distributions out of order', editJson(PINS, (doc) => doc.servers.pypi.artifact.distributions.reverse())],
      ['oci integrity SRI', editJson(PINS, (doc) => (doc.servers.oci.artifact.integrity = sri('image', 'sha256')))],
      ['oci integrity upper-case hex', editJson(PINS, (doc) => (doc.servers.oci.artifact.integrity = `sha256:${hex('image').toUpperCase()}`))],
      ['oci without integrity', editJson(PINS, (doc) => delete doc.servers.oci.artifact.integrity)],
      ['local without files', editJson(PINS, (doc) => delete doc.servers.local.artifact.files)],
      ['local with no files', editJson(PINS, (doc) => (doc.servers.local.artifact.files = []))],
      ['local files in UTF-8 byte order', editJson(PINS, (doc) => doc.servers.local.artifact.files.push(doc.servers.local.artifact.files.splice(1, 1)[0]))],
      ['local file integrity sha256:hex', editJson(PINS, (doc) => (doc.servers.local.artifact.files[0].integrity = `sha256:${hex('x')}`))],
      ['unpinned without note', editJson(PINS, (doc) => delete doc.servers.unpinned.artifact.note)],
      ['unpinned note 4097 units', editJson(PINS, (doc) => (doc.servers.unpinned.artifact.note = `${doc.servers.unpinned.artifact.note}x`))],
      ['unpinned note é × 4097', editJson(PINS, (doc) => (doc.servers.unpinned.artifact.note = 'é'.repeat(4097)))],
    ];
    for (const [label, text] of invalid) expectSound(label, text, false);
    const valid: [string, string][] = [
      ['integrity base64 of 20 and 100', npm((a) => (a.integrity = `sha512-${'A'.repeat(20)}`))],
      ['integrity base64 of 100 and ==', npm((a) => (a.integrity = `sha384-${'A'.repeat(100)}==`))],
      ['spec 4096 units', npm((a) => (a.spec = 'x'.repeat(4096)))],
      ['no provenance', npm((a) => delete a.provenance)],
      ['no dependencies', npm((a) => delete a.dependencies)],
      ['empty dependencies', npm((a) => (a.dependencies = []))],
      ['pypi without distributions or integrity', editJson(PINS, (doc) => delete doc.servers.pypi.artifact.distributions)],
    ];
    for (const [label, text] of valid) expectSound(label, text, true);
    // An escape in an artifact string, which the reader decodes before checking it.
    const plusEscaped = PINS.replace(/("integrity": "sha512-[A-Za-z0-9/]*)\+/, '$1\\u002b');
    expect(plusEscaped).not.toBe(PINS);
    expectSound('integrity with \\u002b', plusEscaped, true);
    expectSound('spec with \\u0031', PINS.replace('"spec": "@acme/notes@^1"', '"spec": "@acme/notes@^\\u0031"'), true);
    expectSound('spec with \\u007f', PINS.replace('"spec": "@acme/notes@^1"', '"spec": "@acme/notes@^\\u007f"'), false);
  });

  it('white space: CRLF, tabs, none at all, no final newline; a BOM; trailing garbage', () => {
    for (const [label, text] of CORPUS) {
      expectSound(`${label}: CRLF`, text.replace(/\n/g, '\r\n'), true);
      expectSound(`${label}: tabs`, text.replace(/\n( +)/g, (_m, s: string) => `\n${'\t'.repeat(s.length / 2)}`), true);
      expectSound(`${label}: compact`, compactOf(text), true);
      expectSound(`${label}: no final newline`, text.slice(0, -1), true);
      expectSound(`${label}: blank lines and spaces after`, `${text}\n \t\r\n`, true);
      expectSound(`${label}: white space before`, ` \n${text}`, true);
      for (const space of ['\u00a0', '\u2028', '\u000b', '\u000c', '\uFEFF', '\u0000']) {
        expectSound(`${label}: ${JSON.stringify(space)} between tokens`, text.replace('{\n', `{${space}\n`), false);
        expectSound(`${label}: ${JSON.stringify(space)} at the end`, `${text}${space}`, false);
      }
      const bytes = encode(text);
      expectSound(`${label}: BOM`, new Uint8Array([0xef, 0xbb, 0xbf, ...bytes]), false);
      for (const garbage of ['x', '{}', '}', ']', ',', '0', '"', '/', '//', '/* */', '\u0000', ' {}', 'null', '\n{}\n']) {
        expectSound(`${label}: then ${JSON.stringify(garbage)}`, `${text}${garbage}`, false);
      }
      expectSound(`${label}: twice`, text + text, false);
    }
  });

  it('invalid UTF-8 anywhere: overlong, surrogate, out of range, cut, stray continuation', () => {
    const sequences = [
      [0xc0, 0xaf],
      [0xc1, 0xbf],
      [0xe0, 0x80, 0xaf],
      [0xf0, 0x80, 0x80, 0xaf],
      [0xed, 0xa0, 0x80],
      [0xed, 0xbf, 0xbf],
      [0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80],
      [0xf4, 0x90, 0x80, 0x80],
      [0xf5, 0x80, 0x80, 0x80],
      [0xff],
      [0xfe],
      [0x80],
      [0xbf],
      [0xc3],
      [0xe2, 0x82],
      [0xf0, 0x9f, 0x98],
      [0xc3, 0xc3],
      [0xe2, 0x28, 0xa1],
    ];
    for (const [label, text] of CORPUS) {
      const bytes = encode(text);
      // Inside a string (a description or a key), outside any string, and at the very end.
      const places = [text.indexOf('"digest"') + 2, text.indexOf('"lockfileVersion"') + 1, bytes.length - 2, bytes.length];
      const desc = Buffer.from(bytes).indexOf('Echo');
      if (desc > 0) places.push(desc + 1);
      for (const seq of sequences) {
        for (const p of places) {
          const mutated = new Uint8Array([...bytes.subarray(0, p), ...seq, ...bytes.subarray(p)]);
          expectSound(`${label}: ${seq.map((b) => b.toString(16)).join(' ')} at ${p}`, mutated, false);
        }
      }
    }
    // A cut sequence just before the closing quote, the only thing wrong.
    const cut = encode(RICH.replace('"Echo the input"', '"Echo the input\uFFFD"'));
    const at = Buffer.from(cut).indexOf(Buffer.from('\uFFFD'));
    expectSound('a cut three-byte sequence before a quote', new Uint8Array([...cut.subarray(0, at), 0xef, 0xbf, ...cut.subarray(at + 3)]), false);
  });

  it('nesting: exactly at MAX_LOCKFILE_DEPTH (lock writes such an item) and one level past it', () => {
    const nested = (levels: number): JsonObject => {
      // A definition of `levels` levels: itself, then objects and arrays alternately.
      let inner: JsonValue = {};
      for (let i = 2; i < levels; i++) inner = i % 2 === 0 ? [inner] : { a: inner };
      return { name: 'deep', inputSchema: inner as JsonObject };
    };
    const item = MAX_LOCKFILE_DEPTH - 5;
    const atLimit = lockOf({ name: 's', tools: [nested(item)] });
    expectFastAccepts('depth at the limit', atLimit);
    const past = lockOf({ name: 's', tools: [nested(item + 1)] });
    expectSound('one level past the limit', past, false);
    expectSound('one level past the limit, digests of the bytes', redigest(past, 'literal')!, false);
    // The extra level added by hand in the identity, in the artifact, and as a string of brackets (no depth).
    expectSound('deep identity', editJson(atLimit, (doc) => {
      let v: JsonValue = 1;
      for (let i = 0; i < MAX_LOCKFILE_DEPTH - 4; i++) v = [v];
      doc.servers.s.identity.serverInfo.x = v;
    }), false);
    expectSound('brackets in a string do not nest', redigest(atLimit.replace('"name": "deep"', `"name": "deep", "z": "${'['.repeat(1000)}"`), 'canonical')!, true);
  });

  it('the file cut at every 97th byte', () => {
    for (const [label, text] of CORPUS) {
      const bytes = encode(text);
      for (let n = 0; n < bytes.length; n += 97) expectSound(`${label}: first ${n} bytes`, bytes.subarray(0, n), false);
      expectSound(`${label}: all but the last two bytes`, bytes.subarray(0, bytes.length - 2), false);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Random mutants
// ---------------------------------------------------------------------------------------------


const ALPHABET = encode('{}[]:,"\\ \n\t\r0123456789-+.eEtrufalsn/ux');
const HIGH = [0x00, 0x01, 0x1f, 0x7f, 0x80, 0xbf, 0xc0, 0xc3, 0xe2, 0xed, 0xef, 0xf0, 0xf4, 0xff];
const WHITE = encode(' \n\t\r');
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

const splice = (b: Uint8Array, at: number, remove: number, insert: ArrayLike<number> = []): Uint8Array => {
  const cut = Math.min(remove, b.length - at);
  const out = new Uint8Array(b.length - cut + insert.length);
  out.set(b.subarray(0, at));
  out.set(insert, at);
  out.set(b.subarray(at + cut), at + insert.length);
  return out;
};

/** One to four random edits of the bytes (a copy). */
function mutate(bytes: Uint8Array, rnd: () => number): Uint8Array {
  const pick = <T>(xs: ArrayLike<T>) => xs[Math.floor(rnd() * xs.length)]!;
  let b = bytes;
  const ops = 1 + Math.floor(rnd() * rnd() * 4);
  for (let k = 0; k < ops; k++) {
    const p = Math.floor(rnd() * (b.length + 1));
    switch (Math.floor(rnd() * 8)) {
      case 0:
        if (p < b.length) b = splice(b, p, 1, [b[p]! ^ (1 << Math.floor(rnd() * 8))]);
        break;
      case 1:
        b = splice(b, p, 1 + Math.floor(rnd() * rnd() * 8));
        break;
      case 2:
        b = splice(b, p, 0, [pick(ALPHABET)]);
        break;
      case 3:
        if (p < b.length) b = splice(b, p, 1, [rnd() < 0.7 ? pick(ALPHABET) : pick(HIGH)]);
        break;
      case 4:
        b = splice(b, p, 0, [pick(WHITE)]);
        break;
      case 5:
      case 6: {
        // Lines: swap two near each other, or duplicate one.
        const starts = [0];
        for (let i = 0; i < b.length; i++) if (b[i] === 0x0a) starts.push(i + 1);
        starts.push(b.length + 1);
        const lines = starts.length - 1;
        const i = Math.floor(rnd() * lines);
        const j = Math.min(lines - 1, Math.max(0, i + Math.floor(rnd() * 7) - 3));
        const line = (n: number) => b.subarray(starts[n]!, starts[n + 1]! - 1);
        const swap = i !== j && rnd() < 0.5;
        const parts: Uint8Array[] = [];
        for (let n = 0; n < lines; n++) {
          parts.push(swap && n === i ? line(j) : swap && n === j ? line(i) : line(n));
          if (!swap && n === i) parts.push(line(n));
        }
        const out = new Uint8Array(parts.reduce((sum, x) => sum + x.length + 1, -1));
        let at = 0;
        for (const part of parts) {
          if (at > 0) out[at - 1] = 0x0a;
          out.set(part, at);
          at += part.length + 1;
        }
        b = out;
        break;
      }
      default:
        // A digit of a number or of a digest changed: the mutations that keep the grammar.
        for (let q = p; q < b.length; q++) {
          if (b[q]! >= 0x30 && b[q]! <= 0x39) {
            b = splice(b, q, 1, [0x30 + Math.floor(rnd() * 10)]);
            break;
          }
        }
    }
  }
  return b === bytes ? bytes.slice() : b;
}

describe('random mutants of the corpus (seeded): fast ⇒ strict in both modes', () => {
  it('20,000 mutants, a third with every digest recomputed canonically and a third from their bytes', () => {
    const rnd = seededRandom(0x5eed_f1);
    // Small files, so that 20,000 of them take seconds (the bench lock cut to four tools).
    const small = CORPUS.filter(([, text]) => text !== SYNTHETIC);
    small.push(['4 bench tools', lockOf({ name: 'bench', tools: Array.from({ length: 4 }, (_, i) => syntheticTool(i)) })]);
    const sources = small.map(([label, text]) => [label, encode(text)] as const);
    const wrong: string[] = [];
    let fastTrue = 0;
    let strictTrue = 0;
    for (let n = 0; n < 20_000; n++) {
      const [label, source] = sources[n % sources.length]!;
      let mutant = mutate(source, rnd);
      const redo = n % 3;
      if (redo !== 0) {
        let text: string | undefined;
        try {
          text = STRICT_UTF8.decode(mutant);
        } catch {
          text = undefined;
        }
        const redone = text === undefined ? undefined : redigest(text, redo === 1 ? 'canonical' : 'literal');
        if (redone !== undefined) mutant = encode(redone);
      }
      for (const v of verdicts(mutant, false)) {
        if (v.fast) {
          fastTrue++;
          if (!v.strict) wrong.push(`${label} mutant ${n}, checkDigests ${v.mode}: ${show(mutant)}`);
          else strictTrue++;
        }
      }
      if (wrong.length >= 5) break;
    }
    expect(wrong).toEqual([]);
    // The mutants reach both answers: some are still lockfiles the fast check accepts.
    expect(fastTrue).toBeGreaterThan(100);
    expect(strictTrue).toBe(fastTrue);
  });
});

// ---------------------------------------------------------------------------------------------
// Large adversarial inputs: each returns, with the strict reader's answer where that is yes
// ---------------------------------------------------------------------------------------------

describe('1 MiB adversarial inputs return an answer that agrees with the strict reader', () => {
  const MiB = 1 << 20;

  it('1 MiB of "[" and of "{", alone and inside a lockfile', () => {
    expectSound('[ × 1 MiB', '['.repeat(MiB), false);
    expectSound('{ × 1 MiB', '{'.repeat(MiB), false);
    expectSound('{"a": × many', '{"a":'.repeat(MiB / 5), false);
    expectSound('[ × 1 MiB in a definition', RICH.replace('"examples": [', `"examples": ${'['.repeat(MiB)}`), false);
    expectSound('[] × 512 Ki', `[${'[],'.repeat(MiB / 3)}[]]`, false);
  });

  it('a 1 MiB string of backslashes: written by lock (accepted), and with an odd count (no JSON)', () => {
    const lock = lockOf({ name: 's', tools: [{ name: 'b', description: '\\'.repeat(MiB / 2) }] });
    expect(lock.length).toBeGreaterThan(MiB);
    expectFastAccepts('backslashes', lock);
    expectSound('an odd run of backslashes', lock.replace('\\\\"', '\\"'), false);
    expectSound('a run of backslashes then a quote', lock.replace('"description": "', '"description": "\\"'), { digests: false, noDigests: true });
    expectSound('1 MiB of backslashes alone', `"${'\\'.repeat(MiB)}`, false);
    expectSound('a key of backslashes', `{"${'\\'.repeat(MiB)}": 1}`, false);
    expectSound('\\u escapes × 128 Ki', redigest(lockOf({ name: 's', tools: [{ name: 'b', description: 'x' }] }).replace('"description": "x"', `"description": "${'\\u0041'.repeat(MiB / 6)}"`), 'canonical')!, true);
  });

  it('50,000 keys sharing a 20-byte prefix: in order (accepted), with one repeated, with two out of order', () => {
    const prefix = 'p'.repeat(19) + '_';
    const keys = Array.from({ length: 50_000 }, (_, i) => `${prefix}${String(i).padStart(5, '0')}`);
    const properties = obj(keys.map((k) => [k, 1]));
    const lock = lockOf({ name: 's', tools: [{ name: 'wide', inputSchema: { type: 'object', properties } }] });
    expectFastAccepts('50,000 keys', lock);
    const last = `"${keys[49_999]}": 1`;
    const repeated = lock.replace(last, `${last},\n"${keys[49_998]}": 1`);
    expectSound('50,000 keys, one repeated', repeated, false);
    expectSound('50,000 keys, two swapped', lock.replace(`"${keys[1]}": 1`, SWAP).replace(`"${keys[2]}": 1`, `"${keys[1]}": 1`).replace(SWAP, `"${keys[2]}": 1`), true);
    expectSound('50,000 keys, two swapped, digests of the bytes', redigest(lock.replace(`"${keys[1]}": 1`, SWAP).replace(`"${keys[2]}": 1`, `"${keys[1]}": 1`).replace(SWAP, `"${keys[2]}": 1`), 'literal')!, { digests: false, noDigests: true });
    expectSound('50,000 keys alone', `{${keys.map((k) => `"${k}":1`).join(',')}}`, false);
  });

  it('a 1 MiB key: an item name, a property name, two that differ in their last character', () => {
    const long = 'k'.repeat(MiB);
    expectFastAccepts('1 MiB tool name', lockOf({ name: 's', tools: [{ name: long }] }));
    expectFastAccepts('1 MiB server name', lockOf({ name: long }));
    const two = lockOf({ name: 's', tools: [{ name: 't', inputSchema: obj([[`${long}a`, 1], [`${long}b`, 2]]) }] });
    expectFastAccepts('two 1 MiB keys', two);
    const [ka, kb] = [`"${long}a": 1`, `"${long}b": 2`];
    expectSound('two 1 MiB keys out of order', two.replace(ka, SWAP).replace(kb, ka).replace(SWAP, kb), true);
    expectSound('two 1 MiB keys equal', two.replace(`${long}b`, `${long}a`), false);
    expectSound('1 MiB name not equal to its key', lockOf({ name: 's', tools: [{ name: long }] }).replace(`"name": "${long}"`, `"name": "${long}x"`), false);
  });
});
