// The lockfile reader's fast paths (one text pass for depth and member names; digests of a file
// in canonical key order hashed from JSON.stringify without a sorted copy) must refuse exactly
// what the slow paths refuse. Each case below is a file that looks canonical but is not, or is
// canonical with one thing wrong.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { digestOf, digestOfKeyOrdered, knownDigest, prettyCanonical } from '../../src/canonical/index.js';
import { createLockfile, serializeLockfile } from '../../src/lockfile/build.js';
import { LockfileError, parseLockfile } from '../../src/lockfile/parse.js';
import { parseJsonStrict } from '../../src/util/json.js';
import { demoSurface } from '../helpers/lockfiles.js';

const TOOLS = {
  echo: { description: 'Echo the input', inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] } },
  read: { description: 'Read a record: "id" \\ key', inputSchema: { type: 'object', properties: { id: { type: 'string', description: 'a: b, {c}' } } } },
};

const lockText = (tools: Record<string, object> = TOOLS) =>
  serializeLockfile(createLockfile([{ name: 'demo', transport: { type: 'stdio', command: 'node', args: ['server.js'], env: [] }, surface: demoSurface(tools) }]));

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

describe('parseJsonStrict: the verdicts of the text pass and the walk on random documents', () => {
  // Documents built as member lists (so duplicates and order are known without a parser), printed
  // with random white space; the truth is computed from the lists, never by the code under test.
  type Doc = { obj: [string, Doc][] } | { arr: Doc[] } | { raw: string };
  const rawNumbers = ['1', '-0.5', '0', '10', '1e2', '2E-3', '1e400', '-1e400', '9'.repeat(299), '9'.repeat(310), `${'9'.repeat(300)}.5`, '0.' + '1'.repeat(320)];
  const keys = ['a', 'b', 'ab', '', 'B', '_', 'é', '\\u00e9', 'a\\\\b', '9', '10', '0x', '\\"q', 'z:{', 'true'];
  const finite = (raw: string) => Number.isFinite(Number(raw));
  function truth(d: Doc): { dup: boolean; ordered: boolean; finite: boolean } {
    if ('raw' in d) return { dup: false, ordered: true, finite: !/^-?\d/.test(d.raw) || finite(d.raw) };
    const parts = ('obj' in d ? d.obj.map(([, v]) => v) : d.arr).map(truth);
    let dup = parts.some((p) => p.dup);
    let ordered = parts.every((p) => p.ordered);
    if ('obj' in d) {
      const names = d.obj.map(([k]) => JSON.parse(`"${k}"`) as string);
      if (new Set(names).size !== names.length) dup = true;
      // Enumeration order of the parsed object (integer-like names first), as the walk sees it.
      const o: Record<string, number> = {};
      for (const n of names) o[n] = 1;
      const order = Object.keys(o);
      for (let i = 1; i < order.length; i++) if (!(order[i - 1]! < order[i]!)) ordered = false;
    }
    return { dup, ordered, finite: parts.every((p) => p.finite) };
  }
  let seed = 11;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const ws = () => pick(['', ' ', '\n  ', '\t', '\r\n']);
  function make(depth: number): Doc {
    const k = rnd();
    if (depth > 3 || k < 0.35) return { raw: pick([...rawNumbers, '"s"', '"a\\\\"', 'true', 'false', 'null', '"x:{[\\"y"']) };
    if (k < 0.5) return { arr: Array.from({ length: Math.floor(rnd() * 3) }, () => make(depth + 1)) };
    const members: [string, Doc][] = [];
    const sortedKeys = [...keys].sort((x, y) => ((JSON.parse(`"${x}"`) as string) < (JSON.parse(`"${y}"`) as string) ? -1 : 1));
    const plain = rnd() < 0.7;
    let at = 0;
    for (let i = Math.floor(rnd() * 5); i > 0; i--) {
      // Mostly ascending names (the fast path), sometimes any name (duplicates, disorder).
      const name = plain ? sortedKeys[(at += 1 + Math.floor(rnd() * 2)) % sortedKeys.length]! : pick(keys);
      members.push([name, make(depth + 1)]);
    }
    return { obj: members };
  }
  function print(d: Doc): string {
    if ('raw' in d) return d.raw;
    if ('arr' in d) return `[${ws()}${d.arr.map(print).join(`${ws()},${ws()}`)}${ws()}]`;
    return `{${ws()}${d.obj.map(([k, v]) => `"${k}"${ws()}:${ws()}${print(v)}`).join(`${ws()},${ws()}`)}${ws()}}`;
  }

  it('gives the walk\'s verdict (duplicate, key order, finite numbers) on 3,000 random documents', () => {
    let orderedSeen = 0;
    for (let i = 0; i < 3000; i++) {
      const doc = make(0);
      const text = print(doc);
      const t = truth(doc);
      const result = parseJsonStrict(text, { finiteNumbers: true });
      if (t.dup) {
        expect('problem' in result && result.problem.kind, text).toBe('duplicate-key');
      } else if (!t.finite) {
        expect('problem' in result && result.problem.message, text).toMatch(/too large for a double/);
      } else {
        expect('value' in result, text).toBe(true);
        if ('value' in result) {
          expect(result.keyOrdered, text).toBe(t.ordered);
          expect(result.value).toEqual(JSON.parse(text));
        }
        if (t.ordered) orderedSeen++;
      }
      // Without finiteNumbers a huge number is accepted (as Infinity), duplicates still refused.
      const loose = parseJsonStrict(text);
      expect('problem' in loose && loose.problem.kind === 'duplicate-key', text).toBe(t.dup);
    }
    expect(orderedSeen).toBeGreaterThan(500);
  });

  it('refuses a duplicate in ascending neighbours and after an escaped or digit-led name', () => {
    for (const text of ['{"a": 1, "b": {"c": 1, "c": 2}}', '{"a": 1, "a": 2}', '{"\\u0061": 1, "a": 2}', '{"1": 1, "1": 2, "b": 3}', '{"a": [{"x": 1}, {"x": 1, "x": 2}]}']) {
      const result = parseJsonStrict(text);
      expect('problem' in result && result.problem.kind, text).toBe('duplicate-key');
    }
  });

  it('names in descending order anywhere make the value not key-ordered, and hide no duplicate', () => {
    for (const text of ['{"b": 1, "a": 2}', '{"a": {"y": 1, "x": 2}}', '{"B": 1, "A": 2}', '{"a": [1, {"ab": 1, "aa": 2}]}']) {
      const result = parseJsonStrict(text);
      expect('value' in result && result.keyOrdered, text).toBe(false);
    }
    const hidden = parseJsonStrict('{"b": 1, "a": 2, "b": 3}');
    expect('problem' in hidden && hidden.problem.kind).toBe('duplicate-key');
  });

  it('a name that is a prefix of the one before is out of order; one after is in order', () => {
    const after = parseJsonStrict('{"ab": 1, "abc": 2}');
    expect('value' in after && after.keyOrdered).toBe(true);
    const before = parseJsonStrict('{"abc": 1, "ab": 2}');
    expect('value' in before && before.keyOrdered).toBe(false);
  });

  it('refuses 1e400 and a 310-digit number with finiteNumbers, in a file otherwise in order', () => {
    for (const n of ['1e400', '9'.repeat(310), '-1E+999']) {
      const result = parseJsonStrict(`{"a": 1, "b": ${n}}`, { finiteNumbers: true });
      expect('problem' in result && result.problem.message).toMatch(/too large for a double/);
    }
  });

  it('a lockfile lock writes is key-ordered, and its digests and duplicates are still checked', () => {
    const text = lockText();
    const parsed = parseJsonStrict(text, { finiteNumbers: true });
    expect('value' in parsed && parsed.keyOrdered).toBe(true);
    expect(codeOf(text.replace('Echo the input', 'Echo the inputs'))).toBe('DIGEST_MISMATCH');
    expect(codeOf(replaceAfter(text, '"echo"', '"description": "Echo the input",', '"description": "Echo the input",\n            "description": "Echo the input",'))).toBe('DUPLICATE_KEY');
  });
});
