// Round 9 attack: capabilityHints (src/safety/index.ts) classifies a tool from its name,
// description and annotations. Since 2ee92c8 it looks each description word up once in a Map of
// bits, and cuts out and lower-cases a word only when CANDIDATES (a 16 KiB table hashed by the
// word's first two lower-cased code units and its length) says some capability word may share
// them; every other word only moves the verb → object windows on. Its answer must be exactly the
// reference analysis's (tests/safety/reference/safety.ts, which looks up every word).
//
// Held here, each against the reference: every capability word (read from the sets in the
// source, so the lists here follow them) in every casing class, in contexts that make each of them
// count; every word that shares a CANDIDATES slot with a capability word without being one, and
// the capability words that share a slot with each other, in place of one another; every word of
// one or two characters of [A-Za-z0-9'] and every lower-case word of three; every one-character
// edit of every capability word; "execut…" words of every length from 1 to 20 characters and of
// 10,000 and 1 MiB; the partner words ("to", "any", "web", "shell", "http", "arbitrary",
// "command line") with 0 to 5 words, apostrophes or digits skipped in between, and every sentence
// break (". ", "e.g.", "v1.2", ":", ";", CR, LF, full-width stops); descriptions that NFKC
// folds to ASCII (full-width letters, ligatures, mathematical and circled letters, long s,
// Kelvin sign) and with invisible characters inside words; names in camelCase, upper case,
// look-alike letters and with hidden characters; readOnlyHint true/false/'true'/1/null; empty
// strings; 1 MiB descriptions and names; 60,000 seeded random inputs.
//
// Exploration went further (8,000,000 random inputs over eight seeds; every word of up to three
// characters of [A-Za-z0-9'] and every casing of every capability word in 40 contexts; 1 and
// 4 MiB inputs of 21 shapes, each 4 MiB one taking about four times its 1 MiB one): no input
// gave an answer other than the reference's, and none threw. Three mutants of src (one capability
// word's slot left out of CANDIDATES, "execut" needing seven letters, a skipped word not moving
// the windows on) each fail several tests here.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { capabilityHints } from '../../src/safety/index.js';
import * as reference from '../safety/reference/safety.js';
import { seededRandom } from '../helpers/random.js';
import { withinHangGuard } from '../helpers/watchdog.js';

// The word lists, read from the source: a word added to a set is attacked here too.
const SOURCE = readFileSync(fileURLToPath(new URL('../../src/safety/index.ts', import.meta.url)), 'utf8');
function setWords(names: readonly string[]): string[] {
  const out = new Set<string>();
  for (const name of names) {
    const m = new RegExp(`const ${name} = new Set\\(\\[([\\s\\S]*?)\\]\\)`).exec(SOURCE);
    if (!m) throw new Error(`no set ${name} in src/safety/index.ts`);
    for (const w of m[1]!.matchAll(/'([a-z0-9]+)'/g)) out.add(w[1]!);
  }
  return [...out];
}
const NAMED_BLOCK = /Object\.fromEntries\(\s*\[([\s\S]*?)\]\.map/.exec(SOURCE);
const TEXT_WORDS = [
  ...new Set([
    ...setWords(['EXEC_VERB', 'EXEC_OBJECT', 'WRITE_VERB', 'FILE_OBJECT', 'FETCH_VERB', 'FETCH_OBJECT', 'SEND_VERB', 'SEND_OBJECT', 'REMOTE_WRITE_LEAD', 'REMOTE_CONTEXT']),
    ...[...(NAMED_BLOCK?.[1] ?? '').matchAll(/'([a-z0-9]+)'/g)].map((m) => m[1]!),
  ]),
];
const NAME_WORDS = setWords(['EXEC_NAME', 'EXEC_NAME_OBJECT', 'RUN_NAME', 'WRITE_NAME', 'FILE_CONTEXT', 'REMOTE_CONTEXT', 'NET_NAME', 'NET_NAME_WEAK', 'WEB_OBJECT', 'REMOTE_WRITE_NAME', 'READ_ONLY_VERB']);
const TEXT_WORD_SET = new Set(TEXT_WORDS);
/** The slot of CANDIDATES, as src computes it (first two lower-cased code units and the length). */
const slot = (w: string) => (((w.charCodeAt(0) * 131 + (w.length > 1 ? w.charCodeAt(1) : 0)) * 31 + w.length) >>> 0) & 0x3fff;
const SLOTS = new Set(TEXT_WORDS.map(slot));

type Annotations = Parameters<typeof capabilityHints>[2];
/** An outcome as text: the hints, or the error thrown. */
function outcome(f: () => unknown): string {
  try {
    return JSON.stringify(f());
  } catch (error) {
    return `throws ${(error as Error)?.constructor?.name}: ${(error as Error)?.message}`;
  }
}
const ours = (name: string, text: string, annotations?: Annotations) => outcome(() => capabilityHints(name, text, annotations));
const theirs = (name: string, text: string, annotations?: Annotations) => outcome(() => reference.capabilityHints(name, text, annotations));

/** Every input of `inputs` on which src and the reference differ (at most 5 shown), or ''. */
function differences(inputs: Iterable<readonly [string, string, Annotations?]>): string {
  const out: string[] = [];
  for (const [name, text, annotations] of inputs) {
    const got = ours(name, text, annotations);
    const want = theirs(name, text, annotations);
    if (got !== want && out.length < 5) out.push(`${JSON.stringify(name)} ${JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}…(${text.length})` : text)} ${JSON.stringify(annotations)}: got ${got}, want ${want}`);
  }
  return out.join('\n');
}

// Contexts in which each capability word counts (W stands for the word): checked below, each
// word changes the hints of at least one of them.
const CONTEXTS = [
  'W', 'W.', 'Run the W', 'W a command', 'Create W', 'W a new file', 'Fetch W', 'W url', 'Send W', 'Send W to', 'Upload W', 'Upload W to', 'Upload W file',
  'W data to', 'Shell W', 'W commands', 'Arbitrary W', 'W code', 'Command W executes', 'W line executes', 'Fetch web W', 'Fetch W pages', 'Http W', 'W requests',
  'Any W', 'W urls', 'Send W email', 'Send the W to', 'Create a file in W', 'W the issue', 'Read it. Then W the issue',
];
const inContexts = (w: string) => CONTEXTS.map((c) => c.replaceAll('W', w));
/** The hints of every context, one string: equal for two words the analysis cannot tell apart. */
const signature = (w: string) => inContexts(w).map((t) => ours('', t)).join('|');
const FILLER_SIGNATURE = signature('zq');

describe('round 9: the word lists', () => {
  it('are read from the source', () => {
    expect(TEXT_WORDS.length).toBeGreaterThan(180);
    for (const w of ['to', 'any', 'web', 'shell', 'http', 'https', 'arbitrary', 'line', 'uploading', 'webhook', 'outbound', 'execute', 'repository', 's3']) expect(TEXT_WORDS).toContain(w);
    expect(NAME_WORDS.length).toBeGreaterThan(120);
    for (const w of ['exec', 'sh', 'cmd', 'rm', 'curl', 'fetch', 'get', 'monitor']) expect(NAME_WORDS).toContain(w);
  });

  it('every capability word changes the hints of some context (the contexts below are not blind to any)', () => {
    const blind = TEXT_WORDS.filter((w) => signature(w) === FILLER_SIGNATURE);
    expect(blind).toEqual([]);
  });
});

describe('round 9: capability words and CANDIDATES slots', () => {
  const rnd = seededRandom(0x9ca9);
  const casings = (w: string): string[] => {
    const out = new Set([w, w.toUpperCase(), w[0]!.toUpperCase() + w.slice(1), w.slice(0, -1) + w.slice(-1).toUpperCase()]);
    for (let i = 0; i < 6; i++) out.add([...w].map((c) => (rnd() < 0.5 ? c.toUpperCase() : c)).join(''));
    return [...out];
  };

  it('every capability word, in every casing class, in every context', () => {
    const inputs: [string, string][] = [];
    for (const w of TEXT_WORDS) for (const v of casings(w)) for (const t of inContexts(v)) inputs.push(['', t]);
    expect(inputs.length).toBeGreaterThan(40_000);
    expect(differences(inputs)).toBe('');
  });

  it('an upper-case capability word counts as its lower-case self', () => {
    const differ = TEXT_WORDS.filter((w) => signature(w.toUpperCase()) !== signature(w) || signature(w[0]!.toUpperCase() + w.slice(1)) !== signature(w));
    expect(differ).toEqual([]);
  });

  // Words in a capability word's slot that are not one: cut out, looked up, found in no set.
  const collisions: string[] = [];
  const alnum = 'abcdefghijklmnopqrstuvwxyz0123456789';
  for (const a of alnum) {
    for (const b of `${alnum}'`) {
      for (let length = 2; length <= 16; length++) {
        let w = a + b;
        while (w.length < length) w += alnum[(w.length * 7 + a.charCodeAt(0)) % 26]!;
        if (SLOTS.has(slot(w)) && !TEXT_WORD_SET.has(w) && !w.startsWith('execut')) collisions.push(w);
      }
    }
    if (SLOTS.has(slot(a)) && !TEXT_WORD_SET.has(a)) collisions.push(a);
  }

  it('words that share a slot with a capability word but are none act as any other word', () => {
    expect(collisions.length).toBeGreaterThan(300);
    // Some share the first two letters and the length of a capability word (the "remote"/"remove" kind).
    expect(collisions.filter((w) => TEXT_WORDS.some((k) => k.length === w.length && k.slice(0, 2) === w.slice(0, 2))).length).toBeGreaterThan(50);
    const inputs: [string, string][] = [];
    for (const w of collisions) for (const v of [w, w.toUpperCase()]) for (const t of inContexts(v)) inputs.push(['', t]);
    expect(differences(inputs)).toBe('');
    expect(collisions.filter((w) => signature(w) !== FILLER_SIGNATURE)).toEqual([]);
  });

  it('capability words that share a slot stand in for each other', () => {
    const bySlot = new Map<number, string[]>();
    for (const w of TEXT_WORDS) bySlot.set(slot(w), [...(bySlot.get(slot(w)) ?? []), w]);
    const shared = [...bySlot.values()].filter((words) => words.length > 1);
    expect(shared.length).toBeGreaterThan(20);
    const inputs: [string, string][] = [];
    for (const words of shared) {
      for (const a of words) for (const b of words) for (const c of CONTEXTS) inputs.push(['', `${c.replaceAll('W', a)}. ${c.replaceAll('W', b)}`], ['', c.replace('W', a).replace('W', b)]);
    }
    expect(differences(inputs)).toBe('');
    // Two words of one slot are still told apart.
    expect(signature('command')).not.toBe(signature('comment'));
    expect(signature('line')).not.toBe(signature('link'));
    expect(signature('url')).not.toBe(signature('uri'));
  });

  it.each([
    ['Run the command', ['command-execution']],
    ['Run the comment', []],
    ['Command line executes', ['command-execution']],
    ['Command link executes', []],
    ['Create the folders', ['file-write']],
    ['Create the forward', ['remote-write']],
    ['Fetch the uri', ['network-egress']],
    ['Fetch the url', ['network-egress']],
    ['Run the scrape', []],
    ['Run the script', ['command-execution']],
    ['Fetch web page', ['network-egress']],
    ['Fetch web path', []],
  ])('slot-mates %j', (text, want) => {
    expect(capabilityHints('', text)).toEqual(want);
    expect(reference.capabilityHints('', text)).toEqual(want);
  });

  it("every word of one or two characters of [A-Za-z0-9'], and every lower-case word of three", () => {
    const chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'";
    const short: string[] = [];
    for (const a of chars) {
      short.push(a);
      for (const b of chars) short.push(a + b);
    }
    const inputs: [string, string][] = [];
    for (const w of short) for (const t of inContexts(w)) inputs.push(['', t]);
    const lower = "abcdefghijklmnopqrstuvwxyz0123456789'";
    const three = ['Send data W to', 'Upload W to', 'Fetch W url', 'W url', 'W code', 'Run W', 'W'];
    for (const a of lower) for (const b of lower) for (const c of lower) for (const t of three) inputs.push(['', t.replaceAll('W', a + b + c)]);
    expect(inputs.length).toBeGreaterThan(300_000);
    expect(differences(inputs)).toBe('');
  });

  it('every one-character edit of every capability word (insert, replace, delete; letters, digits, apostrophe)', () => {
    const chars = "aexz0'E";
    const inputs: [string, string][] = [];
    const edits = new Set<string>();
    for (const w of TEXT_WORDS) {
      for (let i = 0; i <= w.length; i++) {
        if (i < w.length) edits.add(w.slice(0, i) + w.slice(i + 1));
        for (const ch of chars) {
          edits.add(w.slice(0, i) + ch + w.slice(i));
          if (i < w.length) edits.add(w.slice(0, i) + ch + w.slice(i + 1));
        }
      }
    }
    edits.delete('');
    for (const e of edits) for (const t of inContexts(e)) inputs.push(['', t]);
    expect(differences(inputs)).toBe('');
  });
});

describe('round 9: "execut…" words', () => {
  const prefixes: string[] = [];
  for (let n = 1; n <= 20; n++) prefixes.push(('execut' + 'abcdefghijklmn').slice(0, n));
  const long = ['execut' + 'e'.repeat(10_000), 'EXECUT' + 'X'.repeat(10_000), 'ex' + 'e'.repeat(10_000), `execut${"'".repeat(5_000)}x`];

  it('of every length, in every case, with apostrophes and digits, against the reference', () => {
    const words = new Set<string>();
    for (const p of [...prefixes, ...long]) {
      for (const v of [p, p.toUpperCase(), p[0]!.toUpperCase() + p.slice(1), p.replace(/[aeiou]/g, (c) => c.toUpperCase())]) {
        words.add(v);
        words.add(`${v}'`);
        words.add(`'${v}'`);
        words.add(`${v}3`);
        words.add(`3${v}`);
        words.add(`${v.slice(0, 2)}'${v.slice(2)}`);
        words.add(`${v.slice(0, 3)}'${v.slice(3)}`);
      }
    }
    const contexts = ['Command line W', 'Opens a command line and W', 'Command line. W', 'Command line W.', 'W command line W', 'Command line e.g. W', 'Command line v1.2 W', 'Command line: W', 'command\nline W', 'COMMAND LINE W'];
    const inputs: [string, string][] = [];
    for (const w of words) for (const c of [...contexts, ...CONTEXTS]) inputs.push(['', c.replaceAll('W', w)]);
    expect(differences(inputs)).toBe('');
  });

  it.each([
    ['Command line e', []],
    ['Command line ex', []],
    ['Command line exe', []],
    ['Command line exec', []],
    ['Command line execu', []],
    ['Command line execut', ['command-execution']],
    ['Command line EXECUTE', ['command-execution']],
    ['Command line ExEcUtAbLe', ['command-execution']],
    ['Command line execut3', ['command-execution']],
    ['Command line 3execute', []],
    ["Command line execut'", ['command-execution']],
    ["Command line 'execute'", ['command-execution']],
    ["Command line ex'ecute", []],
    ["Command line exe'cute", []],
    ['Command line x-execute', ['command-execution']],
    ['Command line. Execute', []],
    ['Command line: execute', []],
    ['Command line e.g. executes', []],
    ['Command line v1.2 executes', ['command-execution']],
    ['Command\nline executes', []],
    ['Command line \u0435xecute', []],
    ['Command line \uff45xecute', ['command-execution']],
    ['Command line exe\u200bcute', ['command-execution']],
  ])('%j', (text, want) => {
    expect(capabilityHints('', text)).toEqual(want);
    expect(reference.capabilityHints('', text)).toEqual(want);
  });

  it('a 10,000- and a 1 MiB-letter "execut…" word', () => {
    for (const n of [10_000, 1 << 20]) {
      const text = `Command line execut${'e'.repeat(n)}`;
      expect(withinHangGuard(() => capabilityHints('', text))).toEqual(['command-execution']);
      expect(reference.capabilityHints('', text)).toEqual(['command-execution']);
      const other = `Command line exe${'c'.repeat(n)}`;
      expect(withinHangGuard(() => capabilityHints('', other))).toEqual([]);
      expect(reference.capabilityHints('', other)).toEqual([]);
    }
  });
});

describe('round 9: windows, partners and sentence breaks', () => {
  const partners: [string, string][] = [
    ['Send data', 'to'], ['Upload', 'to'], ['Any', 'url'], ['Arbitrary', 'urls'], ['Fetch web', 'pages'], ['Shell', 'commands'], ['Http', 'requests'], ['Https', 'request'],
    ['Arbitrary', 'code'], ['Command', 'line executes'], ['Run', 'command'], ['Create', 'file'], ['Fetch', 'url'], ['Send', 'email'], ['Upload', 'files'], ['Send', 'data to'],
  ];
  const skipped = ['the', 'x', '42', 'v1', 'aeqqq', 'comment', 'remove', "don't", "'", "''", 'e', 'TO', 'any1', "any'", 'ANY', 'web2', 'shells', 'https2', 'zq', 'ex', 'exec'];
  const breaks = [' ', '  ', '\t', ', ', '. ', '.', '.\t', '.\r', '.\n', 'e.g. ', ' v1.2 ', ': ', ':', '; ', '! ', '? ', '\n', '\r', '\r\n', ' - ', '/', '_', '(', ')', '"', "'", ' \u2026 ', '\uff0e ', '\ufe52 ', '\u3002', '\u2024 ', '\u00a0', '\u2028', '\u0085', '\u200b', '\u00ad', '\u{e0020}'];

  it('0 to 5 skipped words, and every break, between each verb and its partner', () => {
    const rnd = seededRandom(0x9ca9_0002);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)]!;
    const inputs: [string, string][] = [];
    for (const [verb, partner] of partners) {
      for (let k = 0; k <= 5; k++) {
        for (const s of skipped) inputs.push(['', `${verb} ${`${s} `.repeat(k)}${partner}`]);
        for (const b of breaks) inputs.push(['', `${verb}${b}${partner}`], ['', `${verb} ${'x '.repeat(k)}${b}${partner}`]);
        for (let r = 0; r < 20; r++) inputs.push(['', `${verb}${pick(breaks)}${Array.from({ length: k }, () => pick(skipped) + pick(breaks)).join('')}${partner}`]);
      }
    }
    expect(differences(inputs)).toBe('');
  });

  it.each([
    ["Send data ' to", ['network-egress']],
    ["Send data '' '' to", ['network-egress']],
    ['Send data x to', ['network-egress']],
    ['Send data x y to', ['remote-write']],
    ['Send data 42 to', ['network-egress']],
    ['Send data 4 2 to', ['remote-write']],
    ['Send data aeqqq to', ['network-egress']],
    ['Send data aeqqq aeqqq to', ['remote-write']],
    ['Upload to', ['network-egress']],
    ['Upload x to', ['remote-write']],
    ['Upload. To', ['remote-write']],
    ['ANY URL', ['network-egress']],
    ["any' url", ['network-egress']],
    ["an'y url", []],
    ['any. url', []],
    ['Shell commands', ['command-execution']],
    ['Shell. commands', []],
    ['Shell\rcommands', []],
    ['Shell\tcommands', ['command-execution']],
    ['Shell e.g. commands', []],
    ['HTTP requests', ['network-egress']],
    ['HTTP/2 requests', []],
    ['HTTP2 requests', []],
    ['Fetch web pages', ['network-egress']],
    ['Web pages', []],
    ['Run v1.2 command', ['command-execution']],
    ['Run e.g. a command', []],
    ['Run\ncommand', []],
    ['Run\u2028command', ['command-execution']],
    ['Run\uff0e command', []],
    ['Run\u3002command', ['command-execution']],
    ['Run a b c d command', []],
    ['Run a b c command', ['command-execution']],
  ])('%j', (text, want) => {
    expect(capabilityHints('', text)).toEqual(want);
    expect(reference.capabilityHints('', text)).toEqual(want);
  });
});

describe('round 9: folded and hidden characters', () => {
  const fullWidth = (w: string) => [...w].map((c) => (c >= 'a' && c <= 'z' ? String.fromCharCode(c.charCodeAt(0) - 97 + 0xff41) : c >= 'A' && c <= 'Z' ? String.fromCharCode(c.charCodeAt(0) - 65 + 0xff21) : c)).join('');
  const mathBold = (w: string) => [...w].map((c) => (c >= 'a' && c <= 'z' ? String.fromCodePoint(0x1d41a + c.charCodeAt(0) - 97) : c)).join('');
  const circled = (w: string) => [...w].map((c) => (c >= 'a' && c <= 'z' ? String.fromCodePoint(0x24d0 + c.charCodeAt(0) - 97) : c)).join('');
  const ligatures = (w: string) => w.replace(/ffi/g, '\ufb03').replace(/ffl/g, '\ufb04').replace(/fi/g, '\ufb01').replace(/fl/g, '\ufb02').replace(/ff/g, '\ufb00').replace(/st/g, '\ufb06');
  const longS = (w: string) => w.replace(/s/g, '\u017f').replace(/k/g, '\u212a');
  const hidden = ['\u200b', '\u200c', '\u200d', '\u00ad', '\u2060', '\ufeff', '\u{e0041}', '\u202e', '\u2066', '\u034f', '\ufe0f', '\u180e', '\u061c', '\u200e'];
  const cyrillic = (w: string) => w.replace(/[aeocpx]/g, (c) => ({ a: '\u0430', e: '\u0435', o: '\u043e', c: '\u0441', p: '\u0440', x: '\u0445' })[c]!);

  it('every capability word folded by NFKC, with a hidden character inside, or in look-alike letters', () => {
    const inputs: [string, string][] = [];
    for (const w of TEXT_WORDS) {
      const forms = new Set([fullWidth(w), fullWidth(w.toUpperCase()), mathBold(w), circled(w), ligatures(w), longS(w), cyrillic(w), fullWidth(w.slice(0, 1)) + w.slice(1)]);
      for (const h of hidden) forms.add(w.slice(0, 1) + h + w.slice(1));
      forms.add(w.slice(0, -1) + hidden[0]! + w.slice(-1));
      for (const f of forms) for (const t of inContexts(f)) inputs.push(['', t]);
    }
    expect(differences(inputs)).toBe('');
  });

  it.each([
    ['Create a new \ufb01le', ['file-write']],
    ['Create a new \ufb01les', ['file-write']],
    ['Create a \ufb02older', ['remote-write']],
    ['Po\ufb06 data to', ['network-egress']],
    ['\u017fend data to', ['network-egress']],
    ['webhoo\u212a', ['network-egress']],
    ['\uff35\uff50\uff4c\uff4f\uff41\uff44 to', ['network-egress']],
    ['web\u200bhook', ['network-egress']],
    ['web\u00adhook', ['network-egress']],
    ['web\u{e0041}hook', ['network-egress']],
    ['web\u2063hook', ['network-egress']],
    ['web\u0430hook', []],
    ['\u{1d42c}\u{1d421}\u{1d41e}\u{1d425}\u{1d425} commands', ['command-execution']],
    ['\u24e2\u24d7\u24d4\u24db\u24db commands', ['command-execution']],
  ])('%j', (text, want) => {
    expect(capabilityHints('', text)).toEqual(want);
    expect(reference.capabilityHints('', text)).toEqual(want);
  });
});

describe('round 9: names and annotations', () => {
  const annotations: Annotations[] = [undefined, {}, { readOnlyHint: true }, { readOnlyHint: false }, { readOnlyHint: 'true' }, { readOnlyHint: 1 }, { readOnlyHint: null }, { destructiveHint: true }];
  const descriptions = ['', 'Creates an issue.', 'Fetch a URL.', 'Runs a shell command.', 'Create a new file.', 'Reads a record.', 'Send data to the endpoint.', 'Push the branch to the remote repository.'];

  it('every pair of name words, in every joining style, against the reference', () => {
    const joins: ((a: string, b: string) => string)[] = [
      (a, b) => `${a}_${b}`,
      (a, b) => `${a}-${b}`,
      (a, b) => `${a}.${b}`,
      (a, b) => `${a}${b[0]!.toUpperCase()}${b.slice(1)}`,
      (a, b) => `${a.toUpperCase()}_${b.toUpperCase()}`,
      (a, b) => `${a.toUpperCase()}${b}`,
      (a, b) => `${a}2${b}`,
      (a, b) => `${a}\u200b${b}`,
    ];
    const rnd = seededRandom(0x9ca9_0003);
    const inputs: [string, string, Annotations][] = [];
    for (const a of NAME_WORDS) {
      for (const b of NAME_WORDS) {
        const join = joins[Math.floor(rnd() * joins.length)]!;
        inputs.push([join(a, b), descriptions[Math.floor(rnd() * descriptions.length)]!, annotations[Math.floor(rnd() * annotations.length)]]);
      }
      for (const ann of annotations) inputs.push([a, '', ann], [a.toUpperCase(), 'Creates an issue.', ann]);
    }
    expect(inputs.length).toBeGreaterThan(15_000);
    expect(differences(inputs)).toBe('');
  });

  it('look-alike, folded, hidden and odd names', () => {
    const names = [
      '', '_', '__', '2', 'HTTPRequest', 'HttpRequest', 'httpRequest', 'runCMD', 'RunCommand', 'RUNCOMMAND', 'ExecuteCode', 'get2File', 'write2file', 'Write_File', 'rm', 'RM', 'r_m',
      '\u0435\u0445\u0435\u0441', 'r\u0443n_shell', '\u{1d41a}run_cmd', '\uff52\uff55\uff4e\uff3f\uff43\uff4f\uff4d\uff4d\uff41\uff4e\uff44', 'ex\u200bec', 'fetch\u00adurl', '\ufb01le_write',
      'write_\ufb01le', 'run\u{1f600}command', 'run\ud800command', '\udc00exec', 'fetch_\u0455ite', 'send\u2028email', 'get_url', 'list_repos', 'fetchUrl', 'fetchURL', 'FETCH',
      'upload', 'download_file', 'browse', 'create_or_update_file', 'push_files', 'delete_entities',
    ];
    const inputs: [string, string, Annotations][] = [];
    for (const name of names) for (const d of descriptions) for (const ann of annotations) inputs.push([name, d, ann]);
    expect(differences(inputs)).toBe('');
  });

  it.each([
    ['issue', 'Creates an issue.', { readOnlyHint: true }, []],
    ['issue', 'Creates an issue.', { readOnlyHint: false }, ['remote-write']],
    ['issue', 'Creates an issue.', { readOnlyHint: 'true' }, ['remote-write']],
    ['issue', 'Creates an issue.', { readOnlyHint: 1 }, ['remote-write']],
    ['issue', 'Creates an issue.', { readOnlyHint: null }, ['remote-write']],
    ['get_issue', 'Creates an issue.', {}, []],
    ['run_command', 'Run a command.', { readOnlyHint: true }, ['command-execution']],
    ['runCommand', '', {}, ['command-execution']],
    ['RunCommand', '', {}, ['command-execution']],
    ['RUNCOMMAND', '', {}, []],
    ['\u0435\u0445\u0435\u0441', '', {}, ['command-execution']],
    ['', '', {}, []],
    ['', '', undefined, []],
  ] as [string, string, Annotations, string[]][])('%j %j %j', (name, text, ann, want) => {
    expect(capabilityHints(name, text, ann)).toEqual(want);
    expect(reference.capabilityHints(name, text, ann)).toEqual(want);
  });

  it('annotations that are not an object: the same outcome as the reference', () => {
    for (const ann of [null, 'x', 0, true] as unknown as Annotations[]) {
      for (const [name, text] of [['issue', 'Creates an issue.'], ['run_command', '']] as const) expect(ours(name, text, ann)).toBe(theirs(name, text, ann));
    }
  });
});

describe('round 9: 1 MiB inputs finish with the reference answer', () => {
  const MiB = 1 << 20;
  const fill = (s: string) => s.repeat(Math.ceil(MiB / s.length)).slice(0, MiB);
  it.each([
    ['"execute " repeated', '', fill('execute ')],
    ['"EXECUTE " repeated', '', fill('EXECUTE ')],
    ['one word of 1 MiB', '', 'x'.repeat(MiB)],
    ['"ex" then 1 MiB of e', '', `ex${'e'.repeat(MiB)}`],
    ['"executxyzw " repeated', '', fill('executxyzw ')],
    ['apostrophes', '', "'".repeat(MiB)],
    ['"a\'" repeated (one word)', '', fill("a'")],
    ['a slot-mate repeated', '', fill('aeqqq ')],
    ['a filler repeated', '', fill('the ')],
    ['"to " repeated', '', fill('to ')],
    ['"send data to " repeated', '', fill('send data to ')],
    ['"shell " repeated', '', fill('shell ')],
    ['"command line " repeated', '', fill('command line ')],
    ['dots', '', '.'.repeat(MiB)],
    ['CR LF', '', fill('\r\n')],
    ['full-width "execute " repeated', '', fill('\uff45\uff58\uff45\uff43\uff55\uff54\uff45 ')],
    ['"exe\\u200bcute " repeated', '', fill('exe\u200bcute ')],
    ['a camelCase name', fill('runCommand'), 'Runs it.'],
    ['a one-word name', 'r'.repeat(MiB), ''],
    ['a name of underscores', fill('_'), fill('upload ')],
  ])('%s', (_label, name, text) => {
    const got = withinHangGuard(() => ours(name, text));
    expect(got.startsWith('[')).toBe(true);
    expect(got).toBe(theirs(name, text));
  });
});

describe('round 9: seeded random inputs', () => {
  it('60,000 generated names, descriptions and annotations give the reference hints', () => {
    const rnd = seededRandom(0x9ca9_0004);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)]!;
    const alnum = 'abcdefghijklmnopqrstuvwxyz0123456789';
    const collisions = TEXT_WORDS.map((w) => `${w.slice(0, 2)}${'q'.repeat(Math.max(0, w.length - 2))}`).filter((w) => !TEXT_WORD_SET.has(w));
    const fillers = ['the', 'a', 'an', 'of', 'and', 'it', 'by', 'id', 'JSON', 'tool', 'too', 'tO', 'x', '42', 'record', "don't", "it's", 'e', 'ex', 'exe', 'exec', 'execu', 'exact'];
    const seps = [' ', ' ', ' ', ' ', '  ', ', ', '. ', '.', '.\t', '.\r', '.\n', '; ', ': ', '! ', '? ', '\n', '\r\n', '\r', '\t', ' - ', '/', '_', '-', 'e.g. ', 'v1.2 ', '...', '(', "'", "''", '"', '\u00a0', '\u2028', '\u0085', '\u3000', '\uff0e ', '\uff1a', '\u2024 ', '\u2026', '\u200b', '\u00ad', ' \u202e', '\u{e0020}', '\u{1f600}', '\ud800', "'s "];
    const hidden = ['\u200b', '\u00ad', '\u2060', '\ufeff', '\u{e0041}', '\u202e', '\u034f', '\ufe0f'];
    const casing = (w: string): string => {
      const r = rnd();
      if (r < 0.55) return w;
      if (r < 0.7) return w[0]!.toUpperCase() + w.slice(1);
      if (r < 0.82) return w.toUpperCase();
      return [...w].map((c) => (rnd() < 0.5 ? c.toUpperCase() : c)).join('');
    };
    const mutate = (w: string): string => {
      const r = rnd();
      const i = Math.floor(rnd() * (w.length + 1));
      if (r < 0.15) return `${w.slice(0, i)}'${w.slice(i)}`;
      if (r < 0.3) return w.slice(0, i) + pick([...alnum]) + w.slice(i);
      if (r < 0.45) return w.slice(0, Math.max(0, i - 1)) + w.slice(i);
      if (r < 0.55) return w.slice(0, i) + pick([...alnum]) + w.slice(i + 1);
      if (r < 0.65) return `${"'".repeat(1 + Math.floor(rnd() * 2))}${w}${"'".repeat(Math.floor(rnd() * 2))}`;
      if (r < 0.8) return w + pick(['s', 'es', 'ed', 'ing', '2', "'s", "'t"]);
      return w.slice(0, Math.max(1, i));
    };
    const fold = (w: string): string => {
      const r = rnd();
      if (r < 0.3) return [...w].map((c) => (c >= 'a' && c <= 'z' && rnd() < 0.5 ? String.fromCharCode(c.charCodeAt(0) - 97 + 0xff41) : c)).join('');
      if (r < 0.5) return w.replace(/fi/g, '\ufb01').replace(/fl/g, '\ufb02').replace(/st/g, '\ufb06');
      if (r < 0.65) return w.replace(/s/g, '\u017f');
      const i = Math.floor(rnd() * (w.length + 1));
      return w.slice(0, i) + pick(hidden) + w.slice(i);
    };
    const execut = () => 'execut'.slice(0, 4 + Math.floor(rnd() * 3)) + Array.from({ length: Math.floor(rnd() * 12) }, () => pick([...alnum, "'"])).join('');
    const word = (): string => {
      const r = rnd();
      let w = r < 0.5 ? pick(TEXT_WORDS) : r < 0.6 ? mutate(pick(TEXT_WORDS)) : r < 0.7 ? pick(collisions) : r < 0.78 ? execut() : r < 0.9 ? pick(fillers) : pick(NAME_WORDS);
      w = casing(w);
      return rnd() < 0.08 ? fold(w) : w;
    };
    const nameSeps = ['_', '-', '.', '', ' ', '/', '__', '0', '\u200b'];
    const name = (): string => {
      if (rnd() < 0.1) return '';
      const parts = Array.from({ length: 1 + Math.floor(rnd() * 4) }, () => (rnd() < 0.7 ? pick(NAME_WORDS) : rnd() < 0.5 ? pick(TEXT_WORDS) : mutate(pick(NAME_WORDS))));
      const style = rnd();
      let n: string;
      if (style < 0.3) n = parts.map((p, i) => (i === 0 ? p : p[0]!.toUpperCase() + p.slice(1))).join('');
      else if (style < 0.4) n = parts.map((p) => p.toUpperCase()).join(pick(nameSeps));
      else n = parts.map(casing).join(pick(nameSeps));
      return rnd() < 0.15 ? fold(n) : n;
    };
    const annotations: Annotations[] = [undefined, {}, { readOnlyHint: true }, { readOnlyHint: false }, { readOnlyHint: 'true' }, { readOnlyHint: 1 }, { destructiveHint: true }];
    const seen = new Set<string>();
    const inputs: [string, string, Annotations][] = [];
    for (let n = 0; n < 60_000; n++) {
      let text = rnd() < 0.5 ? '' : pick(seps);
      const k = Math.floor(rnd() * 14);
      for (let i = 0; i < k; i++) text += word() + pick(seps);
      inputs.push([name(), rnd() < 0.3 ? text.trimEnd() : text, pick(annotations)]);
    }
    for (const [n, t, a] of inputs.slice(0, 5000)) seen.add(theirs(n, t, a));
    expect(differences(inputs)).toBe('');
    // Not vacuous: the generated inputs reach many different answers.
    expect(seen.size).toBeGreaterThanOrEqual(10);
    for (const hint of ['command-execution', 'file-write', 'network-egress', 'remote-write']) expect([...seen].some((s) => s.includes(hint))).toBe(true);
  });
});
