// The lockfile reader's fast paths (one text pass for depth and member names; digests of a file
// in canonical key order hashed from JSON.stringify without a sorted copy) must refuse exactly
// what the slow paths refuse. Each case below is a file that looks canonical but is not, or is
// canonical with one thing wrong.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { digestOf, digestOfKeyOrdered, knownDigest, prettyCanonical } from '../../src/canonical/index.js';
import { createLockfile, serializeLockfile } from '../../src/lockfile/build.js';
import { LockfileError, parseLockfile } from '../../src/lockfile/parse.js';
import type { ServerSurface } from '../../src/lockfile/types.js';
import { parseJsonStrict } from '../../src/util/json.js';
import { createRecord } from '../../src/util/record.js';

function surface(tools: Record<string, object>): ServerSurface {
  const s: ServerSurface = {
    identity: { serverInfo: { name: 'demo', version: '1.0.0' }, protocolVersion: '2025-11-25', capabilities: { tools: {} } },
    tools: createRecord(),
    prompts: createRecord(),
    resources: createRecord(),
    resourceTemplates: createRecord(),
  };
  for (const [name, def] of Object.entries(tools)) s.tools[name] = { name, ...def } as never;
  return s;
}

const TOOLS = {
  echo: { description: 'Echo the input', inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] } },
  read: { description: 'Read a record: "id" \\ key', inputSchema: { type: 'object', properties: { id: { type: 'string', description: 'a: b, {c}' } } } },
};

const lockText = (tools: Record<string, object> = TOOLS) =>
  serializeLockfile(createLockfile([{ name: 'demo', transport: { type: 'stdio', command: 'node', args: ['server.js'], env: [] }, surface: surface(tools) }]));

function codeOf(text: string): string | undefined {
  try {
    parseLockfile(text, 'mcp-lock.json');
  } catch (error) {
    expect(error).toBeInstanceOf(LockfileError);
    return (error as LockfileError).code;
  }
  return undefined;
}

/** Replaces the first `from` after `after` in `text` (so a test edits one item only). */
function replaceAfter(text: string, after: string, from: string, to: string): string {
  const at = text.indexOf(from, text.indexOf(after));
  expect(at).toBeGreaterThan(0);
  return text.slice(0, at) + to + text.slice(at + from.length);
}

describe('parseJsonStrict: one pass over the text, one over the value', () => {
  it('reports a file lock writes as key-ordered, and a file with one unordered object as not', () => {
    const text = lockText();
    const ordered = parseJsonStrict(text);
    expect('value' in ordered && ordered.keyOrdered).toBe(true);
    // "type" before "properties" inside one schema: still valid JSON, no longer canonical order.
    const swapped = text.replace('"properties": {\n', '"zzz": 1,\n            "properties": {\n');
    const unordered = parseJsonStrict(swapped);
    expect('value' in unordered && unordered.keyOrdered).toBe(false);
  });

  it('counts member names by colons outside strings: colons, quotes and brackets inside strings do not count', () => {
    const text = '{"a:b": "x:{[\\"y\\":", "c": {"d\\\\": [":", "]"]}, "e": "\\\\"}';
    const parsed = parseJsonStrict(text);
    expect('value' in parsed).toBe(true);
    const dup = parseJsonStrict('{"a:b": "x:{[\\"y\\":", "c": {"d\\\\": 1, "d\\\\": 2}}');
    expect('problem' in dup && dup.problem.kind).toBe('duplicate-key');
    expect('problem' in dup && dup.problem.message).toMatch(/duplicate key \$\.c: "d\\" at line 1, column 39/);
  });

  it('treats integer-like keys JavaScript reorders as not key-ordered ("10" sorts before "9")', () => {
    const parsed = parseJsonStrict('{"10": 1, "9": 2}');
    expect('value' in parsed && parsed.keyOrdered).toBe(false);
    const fine = parseJsonStrict('{"1": 1, "a": 2}');
    expect('value' in fine && fine.keyOrdered).toBe(true);
  });

  it('still counts depth on the text: one level too deep inside a string-heavy file is refused', () => {
    const deep = `{"s": "${'['.repeat(50)}", "v": ${'['.repeat(11)}${']'.repeat(11)}}`;
    expect('value' in parseJsonStrict(deep, { maxDepth: 12 })).toBe(true);
    const tooDeep = parseJsonStrict(deep, { maxDepth: 11 });
    expect('problem' in tooDeep && tooDeep.problem.message).toBe('nested more than 11 levels deep');
  });
});

describe('digestOfKeyOrdered: the RFC 8785 digest without a sorted copy', () => {
  it('equals digestOf on key-ordered values parsed from their pretty canonical form (random documents)', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const strings = ['a', 'B', 'é', '\u2028', '\ud83d\ude00', 'ab', 'a b', '"q"', '\\', '\u0000', '10', '9', '__proto__', ''];
    const value = (depth: number): unknown => {
      const k = Math.floor(rnd() * 7);
      if (depth > 3 || k < 3) return [1, -0.5, 1e21, 5e-324, 'x', true, null, strings[Math.floor(rnd() * strings.length)]][Math.floor(rnd() * 8)];
      if (k < 5) return Array.from({ length: Math.floor(rnd() * 4) }, () => value(depth + 1));
      const o: Record<string, unknown> = {};
      for (let i = Math.floor(rnd() * 5); i > 0; i--) Object.defineProperty(o, strings[Math.floor(rnd() * strings.length)]!, { value: value(depth + 1), enumerable: true, configurable: true, writable: true });
      return o;
    };
    let ordered = 0;
    for (let i = 0; i < 500; i++) {
      const doc = { definition: value(0) };
      const parsed = parseJsonStrict(prettyCanonical(doc));
      if (!('value' in parsed)) throw new Error('pretty canonical form did not parse');
      if (!parsed.keyOrdered) continue;
      ordered++;
      const copy = JSON.parse(JSON.stringify(parsed.value)) as { definition: never };
      expect(digestOfKeyOrdered(parsed.value as never)).toBe(digestOf(copy));
    }
    expect(ordered).toBeGreaterThan(300);
  });

  it('remembers the digest: knownDigest gives it back, digestOf agrees', () => {
    const value = JSON.parse('{"a": [1, {"b": "c"}], "d": "e"}') as Record<string, never>;
    expect(knownDigest(value)).toBeUndefined();
    const d = digestOfKeyOrdered(value);
    expect(knownDigest(value)).toBe(d);
    expect(digestOf(value)).toBe(d);
    expect(d).toBe(`sha256:${createHash('sha256').update('{"a":[1,{"b":"c"}],"d":"e"}').digest('hex')}`);
  });
});

describe('parseLockfile: the fast digest path refuses what the slow one refuses', () => {
  it('reads a canonical file and remembers every definition digest it checked', () => {
    const lock = parseLockfile(lockText());
    const echo = lock.servers.demo!.surface.tools.echo!;
    expect(knownDigest(echo)).toBe(digestOf(JSON.parse(JSON.stringify(echo))));
  });

  it('refuses a digest off by one character (DIGEST_MISMATCH naming the tool)', () => {
    const text = lockText();
    const at = text.indexOf('"digest": "sha256:', text.indexOf('"echo"')) + '"digest": "sha256:'.length;
    const flipped = text.slice(0, at) + (text[at] === '0' ? '1' : '0') + text.slice(at + 1);
    expect(() => parseLockfile(flipped)).toThrow(/mcp-lock\.json: tool "echo" does not match its digest/);
    expect(codeOf(flipped)).toBe('DIGEST_MISMATCH');
  });

  it('refuses an edited definition in a canonical-looking file', () => {
    expect(codeOf(lockText().replace('Echo the input', 'Echo the inputs'))).toBe('DIGEST_MISMATCH');
  });

  it('accepts one item in another key order with its RFC 8785 digest (the slow path sorts it)', () => {
    const doc = JSON.parse(lockText()) as { servers: { demo: { tools: { echo: { digest: string; definition: Record<string, unknown> } } } } };
    const entry = doc.servers.demo.tools.echo;
    const { name, description, inputSchema } = entry.definition;
    // The same value, keys in another order: the written (RFC 8785) digest still holds.
    entry.definition = { name, inputSchema, description };
    const moved = JSON.stringify(doc, null, 2);
    const parsed = parseJsonStrict(moved);
    expect('value' in parsed && parsed.keyOrdered).toBe(false);
    expect(codeOf(moved)).toBeUndefined();
    expect(knownDigest(parseLockfile(moved).servers.demo!.surface.tools.echo!)).toBe(entry.digest);
  });

  it('refuses one item in another key order whose digest is of that order (what a fast path on an unordered file would accept)', () => {
    const text = lockText();
    const lock = parseLockfile(text);
    const echo = lock.servers.demo!.surface.tools.echo!;
    const reordered = { name: echo.name, inputSchema: echo.inputSchema, description: echo.description };
    const wrong = `sha256:${createHash('sha256').update(JSON.stringify(reordered)).digest('hex')}`;
    expect(wrong).not.toBe(digestOf(echo));
    const doc = JSON.parse(text) as { servers: { demo: { digest: string; identity: unknown; tools: Record<string, { digest: string; definition: unknown }> } } };
    const server = doc.servers.demo;
    server.tools.echo = { digest: wrong, definition: reordered };
    // The surface digest made consistent with that item digest, as a forger would.
    const tools = Object.fromEntries(Object.entries(server.tools).map(([k, v]) => [k, v.digest]));
    server.digest = digestOf({ identity: server.identity, tools, prompts: {}, resources: {}, resourceTemplates: {} });
    const forged = JSON.stringify(doc, null, 2);
    expect(codeOf(forged)).toBe('DIGEST_MISMATCH');
    expect(() => parseLockfile(forged)).toThrow(/tool "echo" does not match its digest/);
  });

  it('refuses a duplicate key inside a definition, with its place', () => {
    const text = replaceAfter(lockText(), '"echo"', '"description": "Echo the input",', '"description": "Echo the input",\n            "description": "Echo",');
    expect(codeOf(text)).toBe('DUPLICATE_KEY');
    expect(() => parseLockfile(text)).toThrow(/duplicate key \$\.servers\.demo\.tools\.echo\.definition: "description" at line \d+, column 13/);
  });

  it('refuses a surface digest off by one character', () => {
    const text = lockText();
    const at = text.indexOf('"digest": "sha256:') + '"digest": "sha256:'.length;
    const flipped = text.slice(0, at) + (text[at] === 'a' ? 'b' : 'a') + text.slice(at + 1);
    expect(() => parseLockfile(flipped)).toThrow(/server "demo" does not match its surface digest/);
  });

  it('computeDigests without checkDigests: a stale written digest is not refused, and the digest remembered is the computed one', () => {
    const text = lockText();
    const stale = replaceAfter(text, '"echo"', 'Echo the input', 'Echo the input, edited');
    const lock = parseLockfile(stale, 'mcp-lock.json', { checkDigests: false, computeDigests: true });
    const echo = lock.servers.demo!.surface.tools.echo!;
    expect(echo.description).toBe('Echo the input, edited');
    expect(knownDigest(echo)).toBe(digestOf(JSON.parse(JSON.stringify(echo))));
    expect(knownDigest(echo)).not.toBe(parseLockfile(text).servers.demo!.surface.tools.echo && digestOf(parseLockfile(text).servers.demo!.surface.tools.echo));
  });
});
