// The eight crashes and hangs found here are fixed (tag characters one at a time, escapes four
// at a time, runs of combining marks cut before normalising, plain splits and index searches for
// bindNames and expandVariables, a bounded template for the proxy, a bounded diff detail); the
// in-process proofs are in tests/safety/long-runs.test.ts.
//
// Round 9 attack: long runs of one character class against every regular expression (and the
// few other text operations) that reads attacker text outside the one guarded path
// (src/safety analyseWhole, which turns a RangeError of analyseText into one high
// `unanalysed-text` signal). Each test writes one hostile input — a lockfile with correct
// digests, a bundle folder, an agent config — runs the shipped bin on it under a 120 s bound, and
// asserts an ordinary exit code, no "internal error", no stack trace, and where it makes sense
// the finding that must appear.
//
// Method: every `/…/` literal of src/ and cmd/ (444; the `new RegExp` ones were read by hand)
// was run alone on 16 Mi-unit runs of ~110 units (ASCII classes, separators, Cyrillic,
// Arabic-Indic and mathematical digits, astral letters, tag characters, variation selectors,
// lone surrogates, escapes such as "\u0041", "\x41", "\u{41}", pairs such as "a.", "a,",
// "%2e", "../", "${") for a stack overflow, and on 200 Ki-unit runs with four endings for
// super-linear time. Those that failed and that attacker text reaches without a bound below the
// failing size were then driven through the bin: 22 hostile strings × 13 places in a lockfile
// (tool name, description, title, schema property key, enum value, annotations, prompt name and
// argument, resource URI, URI template, serverInfo, version, launch args) × diff --format json,
// policy check --preset strict and scan --lock; and the hostile bundles, configs and proxy
// session below.
//
// Found (every test but the last two failed on the build it was written against):
// - TAG_CHARS, /[\u{e0000}-\u{e007f}]+/gu (src/safety/index.ts), overflows V8's backtracking
//   stack on a run of ~8.3 M tag characters (32 MiB of UTF-8). It runs unguarded in
//   foldForMatching (via capabilityHints: diff, policy, scan --lock on a description or title)
//   and in scanName's HAS_TAG_CHAR.test and visibleName (any tool, prompt, argument or
//   property name): "internal error: Maximum call stack size exceeded", exit 2, no report.
// - SPEC_PHRASES' escaped-text pattern, /(?:\\x[0-9a-f]{2}){4,}|(?:\\u[0-9a-f]{4}){4,}|
//   (?:\\u\{[0-9a-f]{1,6}\}){4,}/i (src/mtf/declarations.ts), overflows on ~1 M "\u0041"
//   escapes (5.6 MiB), ~2 M "\u{41}" or ~5.5 M "\x41": phrases() (checkDescriptionSafety)
//   execs it unguarded, so policy check, policy input and scan --lock stop with the same
//   internal error on such a description, title, key, enum value or URI.
// - String.prototype.normalize('NFKC') is quadratic in a run of combining marks whose classes
//   alternate (U+0301 ccc 230, U+0316 ccc 220: canonical reordering moves each mark past all
//   the others). foldForMatching (descriptions), asciiSkeleton (names), pathTraversal (URIs)
//   and shadowing normalise whole texts: 'a' + '\u0301\u0316' × 80 Ki took 44 s in policy
//   check, × 1 Mi (4 MiB) does not finish; a bundle manifest of 3.6 MiB hangs scan the same way.
// - src/mtf/code/js-exec.ts bindNames splits a destructured or named import list with
//   /\s*:\s*/ and /\s+as\s+/: quadratic in a run of white space inside one entry
//   ("const { exec<1 Mi spaces>x } = require('child_process')"): scan hangs on one 1 MiB file.
// - expandVariables' /\$\{([^}]*)\}/g (src/config/agent-config.ts) rescans to the end from
//   every "${" of an unclosed "${${${…": quadratic. run expands a lockfile's launch args with
//   it (run --dry-run on a lockfile whose arg is "${" × 1 Mi does not finish), lock/check/diff
//   --config an agent config's command, args, env, url and headers.
// - parseTemplate's variable-list pattern (src/proxy/uri.ts) overflows on ~4 Mi variables: a
//   lockfile holding such a template, run with proxy --fail-on security (its removal is low),
//   makes the proxy die with an uncaught RangeError and a stack trace on the agent's first
//   resources/read of a URI the lock does not hold.
// - Not a pattern, found by the same inputs: diff --format json escapes every unsafe character
//   of each reason uncut (a property key of 'a' + 9 M U+E0100 appears in three reasons), and
//   the report passes V8's longest string: "internal error: Cannot create a string longer than
//   0x1fffffe8 characters" (src/util/text.ts decodeUnits via safeJson).
//
// Held without failing (two kept below as the audit's record): 6 Mi Cyrillic letters or
// Arabic-Indic digits, 9 Mi mathematical letters or emoji, 20 Mi 'a', 20 Mi runs of spaces, line
// feeds, U+0301, zero-width spaces or bidi controls (but for the property key of the JSON report
// above), and 6-9 Mi "a.", "a/", "ab", "ab ", "%2e", "{", "../" in each of the 13 places of a
// lockfile; agent configs of up to 32 MiB with such runs for discover; a CEL matches() that
// overflows in a user policy (exit 2, the rule cannot be evaluated).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '../../src/canonical/index.js';
import { createLockfile, serializeLockfile } from '../../src/lockfile/build.js';
import { parseLockfile } from '../../src/lockfile/parse.js';
import type { LockedServer } from '../../src/lockfile/types.js';
import { builtCli, repoRoot, tempDir } from '../helpers/cli.js';

const M = 1 << 20;
/** Generous: a command that has not answered in this long is taken as hung (the tests that pass take seconds). */
const HANG_MS = 120_000;
const TEST_MS = HANG_MS + 30_000;

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

let scratch: ReturnType<typeof tempDir>;

/** The shipped bin as a process, killed after HANG_MS. */
function bin(argv: string[], cwd = scratch.dir): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [builtCli, ...argv], {
      cwd,
      env: { PATH: process.env.PATH, HOME: scratch.dir, XDG_CACHE_HOME: join(scratch.dir, 'cache') },
      timeout: HANG_MS,
      killSignal: 'SIGKILL',
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
  });
}

/** Finished in time, with an ordinary exit code, no internal error and no stack trace. */
function ordinary(r: Run, codes: readonly number[] = [0, 1, 2]): void {
  expect(r.signal, `killed after ${HANG_MS} ms: ${r.stderr.slice(0, 300)}`).toBeNull();
  expect(r.stderr).not.toContain('internal error');
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(codes).toContain(r.code);
}

const record = (items: JsonObject[], key: string): Record<string, JsonObject> => {
  const r = Object.create(null) as Record<string, JsonObject>;
  for (const item of items) r[item[key] as string] = item;
  return r;
};

/** A one-server lockfile ("s", launched as `node s.mjs`) as lock writes it, digests included. */
function lockText(options: { tools?: JsonObject[]; args?: string[]; artifact?: LockedServer['artifact'] } = {}): string {
  const server: LockedServer = {
    name: 's',
    transport: { type: 'stdio', command: 'node', args: options.args ?? ['s.mjs'], env: [] },
    surface: {
      identity: { serverInfo: { name: 's', version: '1' }, protocolVersion: '2025-11-25', capabilities: { tools: {} } },
      tools: record(options.tools ?? [], 'name'),
      prompts: Object.create(null) as Record<string, JsonObject>,
      resources: Object.create(null) as Record<string, JsonObject>,
      resourceTemplates: Object.create(null) as Record<string, JsonObject>,
    },
  };
  if (options.artifact) server.artifact = options.artifact;
  return serializeLockfile(createLockfile([server]));
}

const tool = (fields: JsonObject): JsonObject => ({ name: 'fetch', description: 'Read a record.', inputSchema: { type: 'object' }, ...fields });
const write = (name: string, text: string) => writeFileSync(join(scratch.dir, name), text);

/** The example bundle of testdata with `files` added or replaced (path → text). */
function bundle(name: string, files: Record<string, string>): string {
  const dir = join(scratch.dir, name);
  cpSync(join(repoRoot, 'testdata', 'mtf', 'bundles', 'clean'), dir, { recursive: true });
  for (const [path, text] of Object.entries(files)) writeFileSync(join(dir, path), text);
  return dir;
}

/** 'a' then combining marks of alternating classes (230, 220): NFKC reorders the run mark by mark. */
const zalgo = (pairs: number) => `a${'\u0301\u0316'.repeat(pairs)}`;
const diffJson = (after: string) => ['diff', '--lock', 'base.json', '--against', after, '--format', 'json'];
const strict = (lock: string) => ['policy', 'check', '--preset', 'strict', '--lock', lock];
const scanLock = (lock: string) => ['scan', '--lock', lock];

beforeAll(() => {
  scratch = tempDir('mcptrust-long-runs-');
  write('base.json', lockText({ tools: [tool({})] }));
  const tags = '\u{E0041}'.repeat(9 * M);
  write('tag-description.json', lockText({ tools: [tool({ description: tags })] }));
  write('tag-name.json', lockText({ tools: [tool({ name: `f${tags}` })] }));
  write('escapes.json', lockText({ tools: [tool({ description: '\\u0041'.repeat(2 * M) })] }));
  write('zalgo-description.json', lockText({ tools: [tool({ description: zalgo(M) })] }));
  write('zalgo-name.json', lockText({ tools: [tool({ name: zalgo(M) })] }));
  write('selectors-key.json', lockText({ tools: [tool({ inputSchema: { type: 'object', properties: { [`a${'\u{E0100}'.repeat(9 * M)}`]: { type: 'string' } } } })] }));
  write('cyrillic.json', lockText({ tools: [tool({ name: 'ж'.repeat(6 * M), description: 'ж'.repeat(6 * M) })] }));
  write('letters-key.json', lockText({ tools: [tool({ inputSchema: { type: 'object', properties: { ['a'.repeat(20 * M)]: { type: 'string' } } } })] }));
  // run: a lockfile pinning one local file, launched with an argument of "${" × 1 Mi.
  const server = 'process.stdin.resume();\n';
  mkdirSync(join(scratch.dir, 'run'));
  writeFileSync(join(scratch.dir, 'run', 'server.mjs'), server);
  const integrity = `sha256-${createHash('sha256').update(server).digest('base64')}`;
  writeFileSync(join(scratch.dir, 'run', 'mcp-lock.json'), lockText({ args: ['./server.mjs', '${'.repeat(M)], artifact: { type: 'local', files: [{ path: './server.mjs', integrity }] } }));
  write('unclosed.json', JSON.stringify({ mcpServers: { s: { url: '${'.repeat(M) } } }));
}, 120_000);
afterAll(() => scratch?.cleanup());

describe('tag characters (TAG_CHARS, /[\\u{e0000}-\\u{e007f}]+/gu, outside analyseWhole)', () => {
  it('a description of 9 Mi tag characters: diff reports it, policy check --preset strict and scan --lock fail on it', async () => {
    const [diff, policy, scan] = await Promise.all([bin(diffJson('tag-description.json')), bin(strict('tag-description.json')), bin(scanLock('tag-description.json'))]);
    ordinary(diff, [1]);
    const [change] = (JSON.parse(diff.stdout) as { changes: { severity: string }[] }).changes;
    expect(['high', 'critical']).toContain(change!.severity);
    ordinary(policy, [1]);
    ordinary(scan, [1]);
  }, TEST_MS);

  it('a tool named "f" + 9 Mi tag characters: diff, policy check --preset strict and scan --lock report it', async () => {
    const [diff, policy, scan] = await Promise.all([bin(diffJson('tag-name.json')), bin(strict('tag-name.json')), bin(scanLock('tag-name.json'))]);
    ordinary(diff, [1]);
    ordinary(policy, [1]);
    ordinary(scan, [1]);
  }, TEST_MS);
});

describe('escaped text (SPEC_PHRASES, src/mtf/declarations.ts, exec\'d by phrases())', () => {
  it('a description of 2 Mi "\\u0041" escapes: policy check --preset strict, policy input and scan --lock finish; strict and scan fail on it', async () => {
    const [policy, input, scan] = await Promise.all([bin(strict('escapes.json')), bin(['policy', 'input', '--lock', 'escapes.json']), bin(scanLock('escapes.json'))]);
    ordinary(policy, [1]);
    ordinary(input, [0]);
    ordinary(scan, [1]);
    expect(scan.stdout).toMatch(/Escaped \(hex \/ unicode\) text|too long to analyse/);
  }, TEST_MS);
});

describe('the JSON diff report (reasons escaped uncut)', () => {
  it('a property key of "a" + 9 Mi U+E0100: diff --format json writes its report (exit 1)', async () => {
    const r = await bin(diffJson('selectors-key.json'));
    ordinary(r, [1]);
    expect((JSON.parse(r.stdout) as { drift: boolean }).drift).toBe(true);
  }, TEST_MS);
});

describe('super-linear time (each killed after 120 s on the build this was written against)', () => {
  it.concurrent('NFKC of a description "a" + (U+0301 U+0316) × 1 Mi: policy check --preset strict finishes and fails on the run of marks', async () => {
    const r = await bin(strict('zalgo-description.json'));
    ordinary(r, [1]);
    expect(r.stdout).toMatch(/✗ no_suspicious_descriptions/);
  }, TEST_MS);

  it.concurrent('NFKC of a tool name "a" + (U+0301 U+0316) × 1 Mi: diff finishes and reports the new name', async () => {
    ordinary(await bin(diffJson('zalgo-name.json')), [1]);
  }, TEST_MS);

  it.concurrent('NFKC of a bundle manifest description (3.6 MiB of alternating marks): scan finishes', async () => {
    const dir = bundle('zalgo-bundle', {});
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { tools: { description: string }[] };
    manifest.tools[0]!.description = `Add a note. ${zalgo(900_000)}`;
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
    ordinary(await bin(['scan', dir]), [0, 1]);
  }, TEST_MS);

  it.concurrent('js-exec bindNames: "const { exec<1 Mi spaces>x } = require(\'child_process\')" in a bundle file: scan finishes', async () => {
    const dir = bundle('spaces-bundle', { 'server/spawn.js': `const { exec${' '.repeat(M)}x } = require('child_process');\nmodule.exports = x;\n` });
    ordinary(await bin(['scan', dir]), [0, 1]);
  }, TEST_MS);

  it.concurrent('js-exec bindNames: "import { exec<1 Mi spaces>x } from \'child_process\'" in a bundle file: scan finishes', async () => {
    const dir = bundle('as-bundle', { 'server/spawn.mjs': `import { exec${' '.repeat(M)}x } from 'child_process';\nexport default x;\n` });
    ordinary(await bin(['scan', dir]), [0, 1]);
  }, TEST_MS);

  it.concurrent('expandVariables: run --dry-run on a lockfile whose launch argument is "${" × 1 Mi finishes', async () => {
    ordinary(await bin(['run', '--dry-run'], join(scratch.dir, 'run')));
  }, TEST_MS);

  it.concurrent('expandVariables: lock --config with a url of "${" × 1 Mi is refused (exit 2), nothing started', async () => {
    const r = await bin(['lock', '--config', 'unclosed.json']);
    ordinary(r, [2]);
    expect(r.stderr).toContain('"url" must be an http:// or https:// URL');
  }, TEST_MS);
});

describe('proxy: a locked URI template of 5 Mi variables (parseTemplate, src/proxy/uri.ts)', () => {
  // parseTemplate checks an expression's variable list with
  // /^[A-Za-z0-9_%.]+(?:\*|:\d{1,4})?(?:,[A-Za-z0-9_%.]+(?:\*|:\d{1,4})?)*$/, which overflows on
  // ~4 Mi variables ("a,a,a,…", 8 MiB). A live server cannot offer such a template (1 MiB an
  // item), but a lockfile can hold it, and with --fail-on security (or none) the preflight lets
  // its removal (low, breaking) through: the agent's first resources/read of a URI the lock does
  // not hold made the proxy die with an uncaught RangeError and its stack trace.
  it('resources/read of an unlocked URI is blocked (-32010) and the proxy stays up', async () => {
    const fixture = ['node', join(repoRoot, 'testdata', 'proxy-servers', 'fixture-server.mjs'), 'plain'];
    const locked = await bin(['lock', '-o', 'proxy-plain.json', '--env', 'PIDFILE=/dev/null', '--', ...fixture]);
    ordinary(locked, [0]);
    const lock = parseLockfile(readFileSync(join(scratch.dir, 'proxy-plain.json'), 'utf8'), 'proxy-plain.json');
    const servers = Object.values(lock.servers);
    const template = `x://h/{${'a,'.repeat(5 * M)}a}`;
    servers[0]!.surface.resourceTemplates = record([{ uriTemplate: template, name: 't' }], 'uriTemplate');
    write('proxy-template.json', serializeLockfile(createLockfile(servers)));

    const child = spawn(process.execPath, [builtCli, 'proxy', '--lock', 'proxy-template.json', '--fail-on', 'security', '--env', 'PIDFILE=/dev/null', '--', ...fixture], {
      cwd: scratch.dir,
      env: { PATH: process.env.PATH, HOME: scratch.dir },
      timeout: HANG_MS,
      killSignal: 'SIGKILL',
    });
    let stderr = '';
    let buffer = '';
    const answers = new Map<unknown, Record<string, unknown>>();
    let wake: () => void = () => {};
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      buffer += c;
      for (let nl = buffer.indexOf('\n'); nl !== -1; nl = buffer.indexOf('\n')) {
        const m = JSON.parse(buffer.slice(0, nl)) as Record<string, unknown>;
        buffer = buffer.slice(nl + 1);
        if ('id' in m) answers.set(m.id, m);
      }
      wake();
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
    let gone = false;
    void exited.then(() => {
      gone = true;
      wake();
    });
    const answer = async (id: number) => {
      while (!answers.has(id) && !gone) await new Promise<void>((resolve) => (wake = resolve));
      return answers.get(id);
    };
    const send = (m: unknown) => child.stdin.write(`${JSON.stringify(m)}\n`);
    send({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'agent', version: '1' } } });
    expect(await answer(0), stderr.slice(0, 300)).toHaveProperty('result');
    send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    send({ jsonrpc: '2.0', id: 1, method: 'resources/read', params: { uri: 'x://h/zz' } });
    const read = await answer(1);
    const aliveAfter = !gone;
    child.stdin.end();
    const end = await exited;
    expect(stderr).not.toMatch(/\n\s+at |RangeError|internal error/);
    expect(aliveAfter).toBe(true);
    expect((read?.error as { code?: number } | undefined)?.code).toBe(-32010);
    expect(end.signal).toBeNull();
  }, TEST_MS);
});

describe('held: long runs that the bin handles', () => {
  it('a tool name and description of 6 Mi Cyrillic letters: diff reports them, strict fails', async () => {
    const [diff, policy] = await Promise.all([bin(diffJson('cyrillic.json')), bin(strict('cyrillic.json'))]);
    ordinary(diff, [1]);
    ordinary(policy, [1]);
  }, TEST_MS);

  // Round 10: base64 and hex runs are found by loops, so the key is analysed whole (it was one
  // high unanalysed-text signal when the base64 pattern overflowed on it).
  it('a property key of 20 Mi "a": diff reports it (medium: an encoded run, analysed whole), strict finishes', async () => {
    const [diff, policy] = await Promise.all([bin(diffJson('letters-key.json')), bin(strict('letters-key.json'))]);
    ordinary(diff, [1]);
    const report = JSON.parse(diff.stdout) as { summary: { maxSeverity: string }; changes: { reasons: string[] }[] };
    expect(report.summary.maxSeverity).toBe('medium');
    expect(report.changes[0]!.reasons.join('\n')).toMatch(/^key inputSchema \/properties\/a{72}… contains an encoded blob/m);
    ordinary(policy, [0, 1]);
    expect(policy.stdout).not.toContain('unanalysed-text');
  }, TEST_MS);
});
