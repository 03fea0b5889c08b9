/**
 * A URI template value that holds a character a server reads as a slash, backslash or dot: the
 * proxy refused `%2f`, `..` and their encodings, but let `／` (U+FF0F, fullwidth solidus,
 * `%EF%BC%8F`) through a simple `{name}`. A server that normalises names (NFKC) or opens files
 * through a best-fit code page (Windows maps `／` and `∕` to `/`) then reads another folder.
 */
import { describe, expect, it } from 'vitest';
import { foldLookalikes, hasDotSegment, LOOKALIKE, matchTemplate, parseTemplate } from '../../src/proxy/uri.js';

const verdict = (template: string, uri: string) => {
  const parts = parseTemplate(template);
  expect(parts, template).toBeDefined();
  return matchTemplate(parts!, uri);
};
const enc = (text: string) => encodeURIComponent(text);

describe('look-alike slashes and dots in template values', () => {
  it('LOOKALIKE holds every code point whose NFKC form has a slash, backslash or dot', () => {
    const missing: string[] = [];
    for (let c = 0x80; c <= 0x10ffff; c++) {
      if (c >= 0xd800 && c <= 0xdfff) continue;
      const s = String.fromCodePoint(c);
      const n = s.normalize('NFKC');
      if (n !== s && /[/\\.]/.test(n) && !LOOKALIKE.test(s)) missing.push(`U+${c.toString(16)}`);
    }
    expect(missing).toEqual([]);
  });

  it('folds each to the ASCII it stands for', () => {
    expect(foldLookalikes('a\uff0fb\uff3cc\uff0ed\u2025e\u2215f\u2044g\u29f8h\u29f9i\u2216j')).toBe('a/b\\c.d..e/f/g/h\\i\\j');
  });

  it.each([
    ['fullwidth solidus', '\uff0f'],
    ['fullwidth reverse solidus', '\uff3c'],
    ['small reverse solidus', '\ufe68'],
    ['division slash', '\u2215'],
    ['fraction slash', '\u2044'],
    ['big solidus', '\u29f8'],
    ['set minus', '\u2216'],
  ])('%s in a simple {name}, percent-encoded or raw: refused', (_, slash) => {
    for (const uri of [`notes:///n/a${enc(slash)}b`, `notes:///n/a${slash}b`, `notes:///n/..${enc(slash)}..${enc(slash)}etc`]) {
      const result = verdict('notes:///n/{name}', uri);
      expect(result, uri).toEqual({ ok: false, reason: 'a template value holds a slash (/ or \\, encoded or not), once its look-alike characters are read as the ASCII they stand for' });
    }
  });

  it('dot look-alikes that make a dot segment in a {+path} or {/seg}: refused; within a name: allowed', () => {
    for (const dots of ['\u2025', '\uff0e\uff0e', '\ufe30', '.\uff0e', '\ufe52']) {
      expect(verdict('file:///data/{+path}', `file:///data/a/${enc(dots)}/etc`).ok, dots).toBe(false);
      expect(verdict('file:///data{/seg}', `file:///data/${enc(dots)}`).ok, dots).toBe(false);
    }
    expect(verdict('file:///data/{+path}', `file:///data/a/${enc('\u2025')}/etc`)).toEqual({
      ok: false,
      reason: 'a template value holds a dot segment (. or ..), once its look-alike characters are read as the ASCII they stand for',
    });
    // A fullwidth stop inside a name is a name: `report．txt` (folded `report.txt`), `⒈ intro`.
    expect(verdict('file:///data/{name}', `file:///data/${enc('report\uff0etxt')}`)).toEqual({ ok: true });
    expect(verdict('file:///data/{name}', `file:///data/${enc('\u2488 intro')}`)).toEqual({ ok: true });
    expect(verdict('file:///data/{name}', `file:///data/${enc('notes\u2026 draft')}`)).toEqual({ ok: true });
  });

  it('a look-alike that only a further decoding shows (%25EF%25BC%258F): refused as encoded', () => {
    const twice = enc(enc('\uff0f'));
    expect(verdict('notes:///n/{name}', `notes:///n/a${twice}b`)).toEqual({ ok: false, reason: 'a template value holds an encoded slash or dot' });
    expect(verdict('notes:///n/{name}', `notes:///n/a${enc(twice)}b`)).toEqual({ ok: false, reason: 'a template value holds an encoded slash or dot' });
  });

  it('ordinary non-ASCII names still match', () => {
    for (const name of ['caf\u00e9', '\u65e5\u672c\u8a9e', '\u00bd cup', 'a\u2013b', '\ud83d\ude00']) {
      expect(verdict('notes:///n/{name}', `notes:///n/${enc(name)}`), name).toEqual({ ok: true });
    }
  });
});

/**
 * Round 25 probe: `¥` (U+00A5) and `₩` (U+20A9) are what best-fit maps to `\` in the Japanese and
 * Korean Windows code pages, so `..¥..¥windows` passed `{name}`; and `.. ` (a dot segment with a
 * trailing space, which Windows trims) passed `{+path}` and a URI's own path.
 */
describe('yen and won signs, and dot segments with spaces', () => {
  const YEN_REASON = 'a template value holds a dot segment or an absolute path once ¥ or ₩ is read as the backslash Japanese and Korean Windows code pages make of it';

  it.each([
    ['yen sign', '\u00a5'],
    ['won sign', '\u20a9'],
    ['fullwidth yen sign', '\uffe5'],
    ['fullwidth won sign', '\uffe6'],
  ])('%s between dot segments: refused in {name} and {+path}', (_, sign) => {
    for (const value of [`..${sign}..${sign}windows`, `a${sign}..${sign}b`, `..${sign}`]) {
      expect(verdict('file:///data/{name}', `file:///data/${enc(value)}`), value).toEqual({ ok: false, reason: YEN_REASON });
      expect(verdict('file:///data/{+path}', `file:///data/${enc(value)}`), value).toEqual({ ok: false, reason: YEN_REASON });
    }
    // Leading, in a {+path}: an absolute path (`\windows`) on such a server.
    expect(verdict('file:///data/{+path}', `file:///data/${enc(`${sign}windows`)}`)).toEqual({ ok: false, reason: YEN_REASON });
  });

  it('names that merely hold a yen or won sign still match', () => {
    for (const name of ['price\u00a5100', '\u00a5100.txt', '\u20a95000 receipt', 'a\u00a5b\u00a5c']) {
      expect(verdict('file:///data/{name}', `file:///data/${enc(name)}`), name).toEqual({ ok: true });
    }
    expect(verdict('file:///data/{+path}', `file:///data/reports/${enc('price\u00a5100')}`)).toEqual({ ok: true });
  });

  it('a yen sign only a further decoding shows: refused as encoded', () => {
    expect(verdict('file:///data/{name}', `file:///data/${enc(enc('..\u00a5..\u00a5x'))}`)).toEqual({ ok: false, reason: 'a template value holds an encoded slash or dot' });
  });

  it('dot segments with spaces around them: refused; runs of three or more dots: names', () => {
    for (const segment of ['.. ', '. .', ' ..', '. ', '..  ']) {
      expect(verdict('file:///data/{+path}', `file:///data/a/${enc(segment)}/etc`), JSON.stringify(segment)).toEqual({ ok: false, reason: 'a template value holds a dot segment (. or ..)' });
      expect(verdict('file:///data/{name}', `file:///data/${enc(segment)}`), JSON.stringify(segment)).toEqual({ ok: false, reason: 'a template value is a dot segment' });
    }
    for (const name of ['...', '....', 'a. b', '. hidden', 'v1.. final']) {
      expect(verdict('file:///data/{name}', `file:///data/${enc(name)}`), name).toEqual({ ok: true });
    }
    expect(verdict('file:///data/{+path}', 'file:///data/a/.../b')).toEqual({ ok: true });
  });

  it("a URI's own path with a dot segment and a trailing space is refused before any comparison", () => {
    expect(hasDotSegment('file:///data/..%20/etc/passwd')).toBe(true);
    expect(hasDotSegment('file:///data/. ./x')).toBe(true);
    expect(hasDotSegment('file:///data/.../x')).toBe(false);
    expect(hasDotSegment('file:///data/a.b/x?q=..%20')).toBe(false);
  });

  it('stays linear on a megabyte of yen signs and dots', () => {
    const value = '.\u00a5'.repeat(1 << 19);
    const result = verdict('file:///data/{name}', `file:///data/${enc(value)}`);
    expect(result.ok).toBe(false);
  });
});
