import { createRequire } from 'node:module';
import { afterAll, describe, expect, it } from 'vitest';
import { matchTemplate, MAX_TEMPLATE_EXPRESSIONS, parseTemplate } from '../../src/proxy/uri.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { fixture, ProxyProcess } from './harness.js';

// The proxy read a URI's values back with uri-template-lite's matcher: one lazy group per
// variable, so a URI that fails late backtracks polynomially. Against an ordinary five-variable
// template, file:///{a,b,c,d,e} and a URI of 400 commas and a line feed took minutes; a query
// template {?a,b,c,d} and "&b=1&c=1" repeated grew as the cube of the URI. One resources/read from
// the agent stopped the proxy (one thread) for every agent request after it. Values are now read
// back in one pass (split at the separator, named pieces matched by name) and, as before, only a
// URI that the template expands to again is allowed.

const expand = (createRequire(import.meta.url)('uri-template-lite') as { expand(t: string, d: object): string }).expand;
const match = (template: string, uri: string) => matchTemplate(parseTemplate(template)!, uri);

describe('reading a URI back is linear in it', () => {
  it('the URIs that stopped the old matcher are answered, at the longest length let through', () => {
    expect(match('file:///{a,b,c,d,e}', `file:///${','.repeat(8000)}\n`)).toMatchObject({ ok: false, reason: expect.stringMatching(/^does not match/) });
    expect(match('res://x{?a,b,c,d}', `res://x?a=1${'&b=1&c=1'.repeat(1000)}&e=1`)).toEqual({ ok: false, reason: 'does not match' });
    expect(match('res://x{?a,b,c,d,e,f,g,h}', `res://x?a=1${'&b=1&c=1&d=1'.repeat(600)}`).ok).toBe(false);
    expect(match('res://{a,b,c,d,e,f,g,h}', `res://${'a,'.repeat(4000)}\u2028`).ok).toBe(false);
    expect(match('res://x{;a,b,c,d}', `res://x;a=1${';b=1;c'.repeat(1300)}`).ok).toBe(false);
  }, 60_000);

  it('every honest expansion is recognised: 3,000 seeded templates and values, expanded and read back', () => {
    let seed = 13;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const pick = <T>(a: readonly T[]): T => a[Math.floor(next() * a.length)]!;
    const ops = ['', '+', '#', '.', ';', '?', '&'];
    const words = ['cats', 'Ada', 'x y', 'a-b', 'é', '42', 'a_b', 'a~b', 'Q&A', 'k=v', ''];
    let tried = 0;
    const missed: string[] = [];
    for (let i = 0; i < 3_000; i++) {
      const op = pick(ops);
      const count = 1 + Math.floor(next() * 4);
      const names = Array.from({ length: count }, (_, k) => `v${k}`);
      const explode = next() < 0.3 ? count - 1 : -1;
      const template = `res://h/x{${op}${names.map((n, k) => (k === explode ? `${n}*` : n)).join(',')}}`;
      const values: Record<string, unknown> = {};
      for (const [k, n] of names.entries()) {
        if (next() < 0.2) continue;
        if (k === explode && next() < 0.5 && ';?&'.includes(op) && op !== '') values[n] = { p: pick(words.filter(Boolean)), q: pick(words.filter(Boolean)) };
        else if (k === explode || next() < 0.15) values[n] = [pick(words.filter(Boolean)), pick(words.filter(Boolean))];
        else values[n] = pick(words);
      }
      const uri = expand(template, values);
      tried++;
      const result = match(template, uri);
      // Refused only for what the matcher refuses on purpose (slashes, dot segments…).
      if (!result.ok && result.reason.startsWith('does not match')) missed.push(`${template} ${uri} ${JSON.stringify(values)}`);
    }
    expect(tried).toBe(3_000);
    // Ambiguous expansions (a list before another value reads like two values) may be refused,
    // never wrongly allowed: a handful. (uri-template-lite's matcher refused 1,017 of these.)
    expect(missed.length, missed.slice(0, 5).join('\n')).toBeLessThan(10);
  });

  it('a template of more than MAX_TEMPLATE_EXPRESSIONS expressions matches nothing', () => {
    expect(MAX_TEMPLATE_EXPRESSIONS).toBe(64);
    expect(parseTemplate(`x${'{/a}'.repeat(64)}`)).toBeDefined();
    expect(parseTemplate(`x${'{/a}'.repeat(65)}`)).toBeUndefined();
  });

  it('values under __proto__ and other names are read back as plain data', () => {
    expect(match('res://{__proto__}', 'res://x')).toEqual({ ok: true });
    expect(match('res://x{?__proto__,constructor}', 'res://x?__proto__=1&constructor=2')).toEqual({ ok: true });
  });
});

describe('through the proxy', () => {
  const scratch = tempDir('mcptrust-uri-');
  afterAll(() => scratch.cleanup());

  it('a hostile URI against a five-variable template is refused at once, and the proxy serves the next request', async () => {
    const locked = await runCli(['lock', '-o', 'templates.json', '--', ...fixture('templates')], { cwd: scratch.dir });
    expect(locked.code, locked.stderr).toBe(0);
    const p = new ProxyProcess(['--lock', 'templates.json', '--', ...fixture('templates')], scratch.dir);
    try {
      await p.initialize();
      const hostile = await p.call(1, 'resources/read', { uri: `file:///${','.repeat(8000)}\n` });
      expect(hostile.error).toMatchObject({ code: -32010 });
      const query = await p.call(2, 'resources/read', { uri: `search://notes?q=1${'&page=1&limit=1'.repeat(500)}&x=1` });
      expect(query.error).toMatchObject({ code: -32010 });
      const honest = await p.call(3, 'resources/read', { uri: 'search://notes?q=cats&limit=10&sort=date' });
      expect(honest.result).toEqual({ contents: [{ uri: 'search://notes?q=cats&limit=10&sort=date', text: 'a note' }] });
      expect(await p.call(4, 'ping', {})).toMatchObject({ result: {} });
    } finally {
      p.child.kill();
    }
  }, 120_000);
});
