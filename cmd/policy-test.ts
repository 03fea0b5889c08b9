// `mcptrust policy test DIR`: reads the fixtures (each NAME.expect.yaml with NAME.input.json or
// NAME.lock.json), builds each input as `policy check` would, and hands them to the pure runner
// in src/policy/test.ts.
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { JsonValue } from '../src/canonical/index.js';
import { UsageError } from '../src/errors.js';
import { PolicyError } from '../src/policy/errors.js';
import type { TestCase } from '../src/policy/test.js';
import { readFileBounded } from '../src/util/fs.js';
import { findDuplicateKey, formatJsonPath, lineColumnAt, locateJsonSyntaxError, MAX_JSON_DEPTH, nestingExceeds } from '../src/util/json.js';
import { printable } from '../src/util/text.js';
import type { IO } from './io.js';

/** Most cases in one folder, and the largest expect file. */
export const MAX_TEST_CASES = 1000;
const MAX_EXPECT_BYTES = 256 * 1024;

const EXPECT = /^(.+)\.expect\.ya?ml$/;
const INPUT = /^(.+)\.(input|lock)\.json$/;

/** A policy input document written as JSON: strict (no duplicate keys), bounded, errors at file:line:col without quoting. */
function parseInputJson(text: string, file: string): unknown {
  if (nestingExceeds(text, MAX_JSON_DEPTH)) throw new PolicyError('INVALID_TEST', `${file}: nests deeper than ${MAX_JSON_DEPTH} levels`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    const at = locateJsonSyntaxError(text);
    const pos = lineColumnAt(text, at?.offset ?? 0);
    throw new PolicyError('INVALID_TEST', `${file}:${pos.line}:${pos.column}: is not valid JSON${at ? `: ${at.reason}` : ''}`);
  }
  const duplicate = findDuplicateKey(text, value);
  if (duplicate) {
    const pos = lineColumnAt(text, duplicate.offset);
    throw new PolicyError('INVALID_TEST', `${file}:${pos.line}:${pos.column}: a duplicate key in ${formatJsonPath(duplicate.path, duplicate.truncated)}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new PolicyError('INVALID_TEST', `${file}: must be a JSON object (the input document)`);
  return value;
}

/** Reads DIR's cases in name order. Anything half-made (an input without expectations, or the reverse) is INVALID_TEST. */
export async function readPolicyTests(dir: string, names: ReadonlySet<string>, io: IO): Promise<TestCase[]> {
  const [{ parseExpectation }, support, { buildPolicyInput, celJson }] = await Promise.all([
    import('../src/policy/test.js'),
    import('./policy-support.js'),
    import('../src/policy/input.js'),
  ]);
  const root = resolve(io.cwd, dir);
  let entries: string[];
  try {
    entries = readdirSync(root).sort();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError('FILE_UNREADABLE', `cannot read the test folder ${printable(dir, 200)}: ${code === 'ENOENT' ? 'no such folder' : code === 'ENOTDIR' ? 'not a folder' : (code ?? String(error))}`, { cause: error });
  }
  const expects = new Map<string, string>();
  const inputs = new Map<string, string>();
  for (const entry of entries) {
    const e = EXPECT.exec(entry);
    if (e) {
      if (expects.has(e[1]!)) throw new PolicyError('INVALID_TEST', `${printable(join(dir, entry), 200)}: case "${printable(e[1]!, 80)}" has two expect files`);
      expects.set(e[1]!, entry);
      continue;
    }
    const i = INPUT.exec(entry);
    if (i) {
      if (inputs.has(i[1]!)) throw new PolicyError('INVALID_TEST', `${printable(join(dir, entry), 200)}: case "${printable(i[1]!, 80)}" has both an .input.json and a .lock.json; keep one`);
      inputs.set(i[1]!, entry);
    }
  }
  for (const name of inputs.keys()) {
    if (!expects.has(name)) throw new PolicyError('INVALID_TEST', `${printable(join(dir, inputs.get(name)!), 200)}: no ${printable(name, 80)}.expect.yaml says what to expect of it`);
  }
  if (expects.size === 0) throw new PolicyError('INVALID_TEST', `${printable(dir, 200)}: no test cases (NAME.expect.yaml with NAME.input.json or NAME.lock.json)`);
  if (expects.size > MAX_TEST_CASES) throw new PolicyError('INVALID_TEST', `${printable(dir, 200)}: ${expects.size} test cases, over the limit of ${MAX_TEST_CASES}`);
  const cases: TestCase[] = [];
  for (const [name, expectEntry] of expects) {
    const expectFile = join(dir, expectEntry);
    const inputEntry = inputs.get(name);
    if (inputEntry === undefined) throw new PolicyError('INVALID_TEST', `${printable(expectFile, 200)}: no ${printable(name, 80)}.input.json or ${printable(name, 80)}.lock.json to test`);
    const expect = parseExpectation(readFileBounded(join(root, expectEntry), MAX_EXPECT_BYTES, 'expect file').toString('utf8'), printable(expectFile, 200));
    const inputFile = join(dir, inputEntry);
    let input: unknown;
    if (inputEntry.endsWith('.lock.json')) {
      // Built as `policy check --lock` builds it: the lockfile alone, no drift.
      const { lock } = await support.readLockfile(join(root, inputEntry), io);
      const mtf = names.has('mtf') ? await (await import('./policy-mtf.js')).mtfForPolicy(lock) : undefined;
      input = buildPolicyInput({ lock, mtf }, { names });
    } else {
      const text = readFileBounded(join(root, inputEntry), support.MAX_LOCKFILE_BYTES, 'input document').toString('utf8');
      input = celJson(parseInputJson(text, printable(inputFile, 200)) as JsonValue);
    }
    cases.push({ name, input, expect, expectFile: printable(expectFile, 200) });
  }
  return cases;
}
