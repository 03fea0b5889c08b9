// `mcptrust verify` answers with node:crypto alone when every signature verifies natively
// (verifyLockfileSignatureNatively) and otherwise asks the full verification, with the noble
// reference. A signature whose R has a torsion component (R' = [r]B + T8) is the case where the
// two differ: OpenSSL's cofactorless check refuses it, RFC 8032's cofactored equation (the
// reference's) accepts it. verify must give the reference's answer, in-process and as the bundle.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ed from '@noble/ed25519';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyEd25519 } from '../../src/crypto/ed25519.js';
import { verifyEd25519Native } from '../../src/crypto/ed25519-native.js';
import { encodePublicKeyPem, KEY_ALGORITHM, privateKeyFromSeed } from '../../src/crypto/keys.js';
import {
  digestBytes,
  parseSignatureEnvelope,
  preAuthEncoding,
  serializeSignatureEnvelope,
  SIGNATURE_VERSION,
  verifyLockfileSignature,
} from '../../src/lockfile/signature.js';
import { verifyLockfileSignatureNatively } from '../../src/lockfile/signature-envelope.js';
import { runCli, spawnCli, tempDir } from '../helpers/cli.js';
import { L, T8, challenge, le, toLe } from '../helpers/ed25519.js';
import { oneToolLockText } from '../helpers/lockfiles.js';

const seed = new Uint8Array(randomBytes(32));
const key = privateKeyFromSeed(seed);
const lockfile = new Uint8Array(Buffer.from(oneToolLockText(), 'utf8'));
const lockfileDigest = digestBytes(lockfile);
const pae = preAuthEncoding(SIGNATURE_VERSION, KEY_ALGORITHM, key.publicKey.keyId, lockfileDigest, lockfile);

/** R' = [r]B + T8, S = r + k·a with k = SHA-512(R' || A || PAE): valid only under the cofactored equation. */
function mixedOrderSignature(): Uint8Array {
  const { scalar } = ed.utils.getExtendedPublicKey(seed);
  const r = (le(new Uint8Array(randomBytes(64))) % (L - 1n)) + 1n;
  const rBytes = ed.Point.BASE.multiply(r).add(T8).toBytes();
  const s = (r + challenge(rBytes, key.publicKey.raw, pae) * scalar) % L;
  return new Uint8Array(Buffer.concat([rBytes, toLe(s)]));
}

const signature = mixedOrderSignature();
const envelopeText = serializeSignatureEnvelope({ signatureVersion: SIGNATURE_VERSION, lockfileDigest, signatures: [{ algorithm: KEY_ALGORITHM, keyid: key.publicKey.keyId, signature }] });
const scratch = tempDir();
afterAll(() => scratch.cleanup());
writeFileSync(join(scratch.dir, 'mcp-lock.json'), lockfile);
writeFileSync(join(scratch.dir, 'mcp-lock.json.sig'), envelopeText);
writeFileSync(join(scratch.dir, 'signer.pub'), encodePublicKeyPem(key.publicKey));

describe('a signature only the cofactored equation accepts', () => {
  it('is refused natively and accepted by verifyEd25519', () => {
    expect(verifyEd25519Native(signature, pae, key.publicKey.raw)).toBe(false);
    expect(verifyEd25519(signature, pae, key.publicKey.raw)).toBe(true);
  });

  it('leaves verifyLockfileSignatureNatively without an answer; verifyLockfileSignature verifies it', () => {
    const envelope = parseSignatureEnvelope(Buffer.from(envelopeText, 'utf8'));
    expect(envelope.canonical).toBe(true);
    expect(verifyLockfileSignatureNatively(lockfile, envelope, [key.publicKey])).toBeUndefined();
    const result = verifyLockfileSignature(lockfile, envelope, [key.publicKey]);
    expect({ verified: result.verified, signers: result.signers, problems: result.problems }).toEqual({ verified: true, signers: [key.publicKey.keyId], problems: [] });
  });

  it('is verified by mcptrust verify (exit 0), in-process and as the built bin', async () => {
    for (const r of [await runCli(['verify', '--key', 'signer.pub'], { cwd: scratch.dir }), await spawnCli(['verify', '--key', 'signer.pub'], { cwd: scratch.dir })]) {
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
      expect(r.stdout).toContain(`verified mcp-lock.json: signed by 1 trusted key (threshold 1)\n  ${key.publicKey.keyId} (signer.pub)\n`);
    }
  });
});
