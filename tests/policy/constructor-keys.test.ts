// `policy check` over a lockfile alone skips celJson (the pass that turns objects with an own
// "constructor" key into Maps cel-js can read) when the lockfile's bytes prove no such key can be
// in it: the word is nowhere in them and no \u escape could spell it. The input must be the same
// either way, and a key spelled with an escape must still be read as a map.
import { isDeepStrictEqual } from 'node:util';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseLockfile } from '../../src/lockfile/parse.js';
import { buildPolicyInput, mayHoldConstructorKey } from '../../src/policy/input.js';
import { spawnCli, tempDir } from '../helpers/cli.js';
import { CORPUS, lockOf, obj } from '../helpers/lock-corpus.js';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('mayHoldConstructorKey', () => {
  it('is false only for bytes without the word and without a \\u escape', () => {
    const plain = lockOf({ name: 's', tools: [{ name: 't', description: 'd', inputSchema: { type: 'object', properties: obj([['x', { type: 'string' }]]) } }] });
    expect(mayHoldConstructorKey(bytes(plain))).toBe(false);
    expect(mayHoldConstructorKey(bytes(plain.replace('"x"', '"constructor"')))).toBe(true);
    // In a value too: the check is on the bytes, not on keys.
    expect(mayHoldConstructorKey(bytes(plain.replace('"description": "d"', '"description": "a constructor"')))).toBe(true);
    expect(mayHoldConstructorKey(bytes(plain.replace('"x"', '"constructo\\u0072"')))).toBe(true);
    expect(mayHoldConstructorKey(bytes(plain.replace('"description": "d"', '"description": "\\u00e9"')))).toBe(true);
    // A view into a larger buffer is read within its bounds.
    const framed = bytes(`constructor${plain}\\u`);
    expect(mayHoldConstructorKey(framed.subarray(11, framed.length - 2))).toBe(false);
  });

  it('where it is false, the input built without celJson is the input built with it (the lock corpus)', () => {
    let proven = 0;
    for (const [label, text] of CORPUS) {
      if (mayHoldConstructorKey(bytes(text))) continue;
      proven++;
      const lock = parseLockfile(text, label);
      expect(isDeepStrictEqual(buildPolicyInput({ lock }, { noConstructorKeys: true }), buildPolicyInput({ lock })), label).toBe(true);
    }
    expect(proven).toBeGreaterThan(3);
  });
});

describe('policy check over a lockfile with a "constructor" key', () => {
  const scratch = tempDir('mcptrust-constructor-keys-');
  afterAll(() => scratch.cleanup());
  const rule = 'input.tools.all(t, !("constructor" in t.inputSchema.properties))';
  const policy = `name: p\nrules:\n  - name: no_constructor\n    expr: '${rule}'\n    failure_msg: nope\n`;
  const lockWith = (key: string) =>
    lockOf({ name: 's', tools: [{ name: 'plain', description: 'd', inputSchema: { type: 'object', properties: obj([['x', { type: 'string' }]]) } }] }).replace(
      '"x"',
      key,
    );

  it.each([
    ['plainly', '"constructor"'],
    ['spelled with an escape', '"constructo\\u0072"'],
  ])('written %s: read as a map, the rule fails on the tool (exit 1)', async (_label, key) => {
    writeFileSync(join(scratch.dir, 'p.yaml'), policy);
    writeFileSync(join(scratch.dir, 'mcp-lock.json'), lockWith(key));
    const r = await spawnCli(['policy', 'check', '--policy', 'p.yaml', '--format', 'json'], { cwd: scratch.dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(1);
    const result = JSON.parse(r.stdout) as { policy: { rules: { name: string; status: string; offending?: { items: { name: string }[] } }[] } };
    expect(result.policy.rules[0]).toMatchObject({ name: 'no_constructor', status: 'fail', offending: { items: [{ name: 'tool s/plain' }] } });
  });

  it('without one, the same rule passes (exit 0)', async () => {
    writeFileSync(join(scratch.dir, 'p.yaml'), policy);
    writeFileSync(join(scratch.dir, 'mcp-lock.json'), lockWith('"x"'));
    const r = await spawnCli(['policy', 'check', '--policy', 'p.yaml', '--format', 'json'], { cwd: scratch.dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });
});
