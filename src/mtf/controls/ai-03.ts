/**
 * AI-03 Bundle Signing (MTF-0.1 §3.2, L3). Verifies the mcptrust bundle signature
 * (`<bundle>.sig` next to the bundle; format in src/mtf/signature.ts): an Ed25519 signature
 * (acceptable per §5.2.2) over the bundle digest, the canonical manifest hash and the SBOM hash,
 * made by one of the keys given with --key. The reference scanner leaves AI-03 as a stub.
 * Fail closed: a signature that cannot be verified (no --key, unknown key, altered file, other
 * bundle) never passes. In-bundle Sigstore/GPG/minisign signatures (`manifest.sig`,
 * `.sigstore/`) need trust roots this offline scanner does not carry: reported as `error`.
 */
import { KeyError } from '../../crypto/errors.js';
import { parsePublicKeyPem, type PublicKey } from '../../crypto/keys.js';
import { FindingList } from '../source.js';
import { bundleSubject, verifyBundleSignature } from '../signature.js';
import type { BundleContext, Control, ControlResult } from '../types.js';

const SIGN_HINT = 'Sign the bundle with the publisher\'s Ed25519 key (an mcptrust bundle signature, <bundle>.sig beside the bundle) and scan with --key PUBLIC.pem.';

function run(ctx: BundleContext): ControlResult {
  const f = new FindingList('AI-03');
  const keys: PublicKey[] = [];
  for (const k of ctx.trustedKeys ?? []) {
    try {
      keys.push(parsePublicKeyPem(Buffer.from(k.pem, 'utf8'), k.source));
    } catch (error) {
      if (error instanceof KeyError) return { status: 'error', findings: [], error: error.message };
      throw error;
    }
  }
  const sig = ctx.detachedSignature;
  if (sig) {
    if (keys.length === 0) {
      f.add('high', 'Signature not verified: no trusted key', `${sig.path} is present, but no public key was given to verify it.`, { remediation: 'Run the scan with --key PUBLIC.pem (the publisher\'s key).' });
      return { status: 'fail', findings: f.items };
    }
    const check = verifyBundleSignature(sig.text, keys, bundleSubject(ctx));
    if (check.ok) {
      f.add('info', 'Bundle signature verified', `${sig.path}: valid Ed25519 signature by ${check.keyId} over this bundle (sha256 ${ctx.bundleHash}).`);
      return { status: 'pass', findings: f.items };
    }
    const severity = check.reason === 'invalid' || check.reason === 'subject-mismatch' ? 'critical' : 'high';
    const title = {
      malformed: 'Malformed bundle signature',
      unsupported: 'Unsupported bundle signature',
      'unknown-key': 'Signed by an untrusted key',
      invalid: 'Invalid bundle signature',
      'subject-mismatch': 'Signature is for another bundle',
    }[check.reason];
    f.add(severity, title, `${sig.path}: ${check.message}`, { remediation: check.reason === 'unknown-key' ? 'Pass the publisher\'s public key with --key, or re-sign with a trusted key.' : SIGN_HINT });
    return { status: 'fail', findings: f.items };
  }
  const inBundle = ctx.files.filter((x) => /^manifest(\.[\w-]+)?\.sig(\.json)?$/.test(x.path) || x.path.startsWith('.sigstore/'));
  if (inBundle.length > 0) {
    return {
      status: 'error',
      findings: [],
      error: `found ${inBundle[0]!.path}: Sigstore/GPG/minisign signatures need trust roots this offline scanner does not carry; provide an mcptrust Ed25519 signature (<bundle>.sig) to verify offline`,
    };
  }
  f.add('high', 'No bundle signature', `No signature was found next to the bundle (${ctx.source ? `${ctx.source}.sig` : '<bundle>.sig'}) or inside it (manifest.sig, .sigstore/).`, { remediation: SIGN_HINT });
  return { status: 'fail', findings: f.items };
}

export const control: Control = { id: 'AI-03', name: 'Bundle Signing', domain: 'artifact_integrity', run };
