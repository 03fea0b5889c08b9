// Round 5 attack on the bin's loader (scripts/bin-load.cjs → dist/bin/load.js), which now reads
// each file into one buffer between the CommonJS wrapper's pieces, hashes the file's bytes, and
// decodes Latin-1 when the whole is ASCII, UTF-8 otherwise. Whatever the bytes (non-ASCII, invalid
// UTF-8, a BOM, NUL, empty, cut short), a file must run exactly as Node's own require runs it,
// with or without a cache, and a cache must never make an edited file run its old text.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loaderScratch, runNode } from '../helpers/bin-loader.js';
import { tempDir } from '../helpers/cli.js';

let scratch: ReturnType<typeof tempDir>;
beforeAll(() => {
  scratch = loaderScratch('mcptrust-r5-load-');
});
afterAll(() => scratch.cleanup());

/** Runs `code` in a plain node in the scratch folder; stdout is JSON. */
const node = (code: string) => runNode(code, scratch.dir);
const file = (name: string) => join(scratch.dir, name);
/** The exports' `value` as the loader gives it: with record() (writes caches), then from the caches, then as Node's require gives it. */
function three(name: string) {
  const show = (how: string) =>
    node(
      `let out; try { const v = ${how}.value; out = { value: v === undefined ? '(undefined)' : typeof v === 'string' ? [...v].map((c) => c.codePointAt(0)) : v }; } catch (e) { out = { error: e.constructor.name }; } process.stdout.write(JSON.stringify(out));`,
    ).stdout;
  const recorded = show(`(() => { const l = require('./load.js'); l.record(); return l.loadProgram(${JSON.stringify(file(name))}, false); })()`);
  const cached = show(`require('./load.js').loadProgram(${JSON.stringify(file(name))}, false)`);
  const required = show(`require(${JSON.stringify(file(name))})`);
  return { recorded, cached, required };
}

describe('the bin loader reads any bytes as Node\'s require does', () => {
  const cases: [string, Buffer][] = [
    ['ascii.js', Buffer.from("exports.value = 'plain';\n")],
    ['utf8.js', Buffer.from("exports.value = 'é — ✓ 𝒳';\n")],
    ['latin1.js', Buffer.concat([Buffer.from("exports.value = '"), Buffer.from([0xe9, 0xff, 0x80]), Buffer.from("';\n")])],
    ['lone-surrogate-bytes.js', Buffer.concat([Buffer.from("exports.value = '"), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from("';\n")])],
    ['nul.js', Buffer.concat([Buffer.from("exports.value = 'a"), Buffer.from([0]), Buffer.from("b';\n")])],
    ['bom.js', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from("exports.value = 'after a BOM';\n")])],
    ['no-newline.js', Buffer.from("exports.value = 'last line is a comment'; // no newline after me")],
    ['crlf.js', Buffer.from("exports.value = 'crlf';\r\n// x\r\n")],
    ['empty.js', Buffer.alloc(0)],
    ['cut.js', Buffer.from("exports.value = 'cut sh")],
  ];

  for (const [name, bytes] of cases) {
    it(`${name}: the same exports (or error) recorded, cached and required`, () => {
      writeFileSync(file(name), bytes);
      const { recorded, cached, required } = three(name);
      expect(required).toMatch(name === 'cut.js' ? /^\{"error":"SyntaxError"\}$/ : /^\{"value":/);
      expect(recorded).toBe(required);
      expect(cached).toBe(required);
    });
  }

  it('a non-ASCII file edited to the same byte length (another character count) runs its new text', () => {
    writeFileSync(file('edit.js'), "exports.value = 'éé';\n");
    expect(three('edit.js').cached).toBe(JSON.stringify({ value: [233, 233] }));
    const before = readFileSync(file('edit.js'));
    const after = Buffer.from("exports.value = 'abcd';\n");
    expect(after.length).toBe(before.length);
    writeFileSync(file('edit.js'), after);
    const cached = node(`process.stdout.write(require('./load.js').loadProgram(${JSON.stringify(file('edit.js'))}, false).value)`);
    expect(cached).toEqual({ status: 0, stdout: 'abcd', stderr: '' });
    // An ASCII file edited to non-ASCII of the same byte length, and another file's cache.
    writeFileSync(file('edit.js'), "exports.value = 'ü!';\n".replace('!', ''));
    writeFileSync(`${file('edit.js')}.cache`, readFileSync(`${file('utf8.js')}.cache`));
    expect(node(`process.stdout.write(require('./load.js').loadProgram(${JSON.stringify(file('edit.js'))}, false).value)`).stdout).toBe('ü');
  });

  it('a cache is bound to the file\'s bytes: the hash is SHA-256 of exactly what is on disk', () => {
    writeFileSync(file('hash.js'), Buffer.concat([Buffer.from("exports.value = '"), Buffer.from([0xe9]), Buffer.from("';\n")]));
    three('hash.js');
    const cache = readFileSync(`${file('hash.js')}.cache`);
    expect(cache.subarray(0, 32).toString('hex')).toBe(createHash('sha256').update(readFileSync(file('hash.js'))).digest('hex'));
  });
});
