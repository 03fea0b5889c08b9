// The signature file is bound byte for byte: it must be exactly what `mcptrust sign` writes
// (src/lockfile/signature.ts, serializeSignatureEnvelope). Edits that leave the same values after
// parsing — white space, key order, signature order, `1.0` for `1`, a \u escape, the final
// newline — used to verify; now they are exit 1 ("not in canonical form"), never 0. `check`
// runs the same verification (tests/policy/check.test.ts).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { privateKeyFromSeed } from '../../src/crypto/keys.js';
import { parseSignatureEnvelope, serializeSignatureEnvelope, signLockfile, verifyLockfileSignature } from '../../src/lockfile/signature.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { oneToolLockText } from '../helpers/lockfiles.js';

let dir: string;
let cleanup: () => void;
let written: string;
const cli = (...argv: string[]) => runCli(argv, { cwd: dir });

beforeAll(async () => {
  ({ dir, cleanup } = tempDir('mcptrust-envelope-'));
  writeFileSync(join(dir, 'mcp-lock.json'), oneToolLockText());
  for (const name of ['alice', 'bob']) expect((await cli('keygen', '--name', name)).code).toBe(0);
  expect((await cli('sign', '--key', 'alice.key')).code).toBe(0);
  expect((await cli('sign', '--key', 'bob.key')).code).toBe(0);
  written = readFileSync(join(dir, 'mcp-lock.json.sig'), 'utf8');
});
afterAll(() => cleanup());

/** The edits that keep every parsed value and change only the bytes. */
function variants(text: string): [string, string][] {
  const env = JSON.parse(text);
  const reversed = { ...env, signatures: [...env.signatures].reverse() };
  const keyid = env.signatures[0].keyid as string;
  return [
    ['compact JSON', JSON.stringify(env)],
    ['four-space indentation', `${JSON.stringify(env, null, 4)}\n`],
    ['tabs for indentation', `${JSON.stringify(env, null, '\t')}\n`],
    ['re-ordered envelope keys', `${JSON.stringify({ signatures: env.signatures, lockfileDigest: env.lockfileDigest, signatureVersion: env.signatureVersion }, null, 2)}\n`],
    ['re-ordered signature keys', `${JSON.stringify({ ...env, signatures: env.signatures.map((s: Record<string, string>) => ({ signature: s.signature, keyid: s.keyid, algorithm: s.algorithm })) }, null, 2)}\n`],
    ['signatures in another order', `${JSON.stringify(reversed, null, 2)}\n`],
    ['"signatureVersion": 1.0', text.replace('"signatureVersion": 1,', '"signatureVersion": 1.0,')],
    ['"signatureVersion": 1e0', text.replace('"signatureVersion": 1,', '"signatureVersion": 1e0,')],
    ['a \\u escape in a key id', text.replace(keyid, keyid.replace('sha256:', 'sha256\\u003a'))],
    ['final newline removed', text.slice(0, -1)],
    ['a second final newline', `${text}\n`],
    ['CRLF line ends', text.replace(/\n/g, '\r\n')],
    ['a trailing space', `${text} `],
    ['a leading space', ` ${text}`],
  ];
}

describe('a signature file that is not byte for byte what sign writes', () => {
  it('the written file verifies (exit 0), and each variant still parses to the same values', async () => {
    expect((await cli('verify', '--key', 'alice.pub', '--key', 'bob.pub', '--threshold', '2')).code).toBe(0);
    const same = JSON.stringify(parseSignatureEnvelope(Buffer.from(written), 'w.sig').signatures.map((s) => s.keyid));
    for (const [name, text] of variants(written)) {
      expect(text, name).not.toBe(written);
      const env = parseSignatureEnvelope(Buffer.from(text), 'v.sig');
      expect(env.canonical, name).toBe(false);
      expect(JSON.stringify([...env.signatures].sort((a, b) => (a.keyid < b.keyid ? -1 : 1)).map((s) => s.keyid)), name).toBe(same);
    }
    expect(parseSignatureEnvelope(Buffer.from(written), 'w.sig').canonical).toBe(true);
  });

  it('verify: each variant is exit 1 with NON_CANONICAL_ENVELOPE and a message saying what to do', async () => {
    for (const [name, text] of variants(written)) {
      writeFileSync(join(dir, 'v.sig'), text);
      const r = await cli('verify', '--sig', 'v.sig', '--key', 'alice.pub', '--key', 'bob.pub', '--threshold', '2');
      expect(r.code, name).toBe(1);
      expect(r.stderr, name).toContain('the signature file is not in canonical form (not byte for byte what mcptrust sign writes); re-sign the lockfile or restore the file');
      const j = await cli('verify', '--sig', 'v.sig', '--key', 'alice.pub', '--key', 'bob.pub', '--threshold', '2', '--format', 'json');
      expect(j.code, name).toBe(1);
      const out = JSON.parse(j.stdout);
      expect(out.verified, name).toBe(false);
      expect(out.problems.map((p: { code: string }) => p.code), name).toEqual(['NON_CANONICAL_ENVELOPE']);
    }
  });

  it('a byte-order mark or a changed value still fails: exit 2 where it no longer parses, never 0', async () => {
    const cases: [string, string, number][] = [
      ['a UTF-8 byte-order mark', `\ufeff${written}`, 2],
      ['"signatureVersion": 1.5', written.replace('"signatureVersion": 1,', '"signatureVersion": 1.5,'), 2],
      ['"signatureVersion": "1"', written.replace('"signatureVersion": 1,', '"signatureVersion": "1",'), 2],
    ];
    for (const [name, text, code] of cases) {
      writeFileSync(join(dir, 'v.sig'), text);
      const r = await cli('verify', '--sig', 'v.sig', '--key', 'alice.pub', '--key', 'bob.pub', '--threshold', '2');
      expect(r.code, name).toBe(code);
    }
  });

  it('signing again restores the canonical form (the "re-sign" the message suggests)', async () => {
    writeFileSync(join(dir, 'mcp-lock.json.sig'), JSON.stringify(JSON.parse(written)));
    expect((await cli('verify', '--key', 'alice.pub')).code).toBe(1);
    const signed = await cli('sign', '--key', 'alice.key');
    expect(signed.code).toBe(0);
    expect(signed.stderr).toBe('warning: mcp-lock.json.sig was not in the canonical form sign writes (verify refuses it); it is rewritten in that form\n');
    expect(readFileSync(join(dir, 'mcp-lock.json.sig'), 'utf8')).toBe(written);
    expect((await cli('verify', '--key', 'alice.pub', '--key', 'bob.pub', '--threshold', '2')).code).toBe(0);
  });

  it('an envelope object not marked canonical never verifies (fail closed)', () => {
    const lock = new Uint8Array(Buffer.from(oneToolLockText()));
    const key = privateKeyFromSeed(new Uint8Array(32).fill(9));
    const { envelope } = signLockfile(lock, key);
    expect(verifyLockfileSignature(lock, envelope, [key.publicKey]).verified).toBe(true);
    const unmarked = { ...envelope, canonical: undefined as unknown as boolean };
    const result = verifyLockfileSignature(lock, unmarked, [key.publicKey]);
    expect(result.verified).toBe(false);
    expect(result.problems.map((p) => p.code)).toEqual(['NON_CANONICAL_ENVELOPE']);
    expect(serializeSignatureEnvelope(envelope)).toBe(serializeSignatureEnvelope(parseSignatureEnvelope(Buffer.from(serializeSignatureEnvelope(envelope)))));
  });
});
