/**
 * PR-03 Build Attestation (MTF-0.1 §3.6, L3). An SLSA Provenance v1 statement (src/mtf/attestation.ts)
 * that (1) names this bundle in its subject — the bundle digest beside the bundle, the content
 * digest inside it, (2) is signed by a trusted key (DSSE, Ed25519, --key), (3) comes from a known
 * builder (§3.6 table, or the manifest's declared build.builder), (4) links a source commit
 * (missing → warning; different from the manifest's source.commit → blocks).
 * Sigstore-signed attestations need the Sigstore trust root: `error` when nothing else passes.
 * The reference scanner leaves PR-03 as a stub.
 */
import { KeyError } from '../../crypto/errors.js';
import { parsePublicKeyPem, type PublicKey } from '../../crypto/keys.js';
import { TRUSTED_BUILDERS, builderId, readAttestations, sourceCommits, subjectMatches } from '../attestation.js';
import { FindingList, asRecord, asString, field, mtfExtension, quote } from '../source.js';
import type { BundleContext, Control, ControlResult } from '../types.js';

export function trustedPublicKeys(ctx: BundleContext): PublicKey[] {
  const keys: PublicKey[] = [];
  for (const k of ctx.trustedKeys ?? []) {
    try {
      keys.push(parsePublicKeyPem(Buffer.from(k.pem, 'utf8'), k.source));
    } catch (error) {
      if (!(error instanceof KeyError)) throw error;
    }
  }
  return keys;
}

function run(ctx: BundleContext): ControlResult {
  const f = new FindingList('PR-03');
  const attestations = readAttestations(ctx, trustedPublicKeys(ctx));
  if (attestations.length === 0) {
    f.add('high', 'No build attestation', 'No SLSA provenance was found (attestation.json, .slsa/provenance.json, *.intoto.jsonl in the bundle, or <bundle>.intoto.jsonl beside it).', {
      remediation: 'Build in CI with an SLSA provenance generator and ship the signed attestation.',
    });
    return { status: 'fail', findings: f.items };
  }
  const ext = mtfExtension(ctx.manifest);
  const declaredBuilder = asString(field(asRecord(field(ext, 'build')), 'builder'));
  const declaredCommit = asString(field(asRecord(field(ext, 'source')), 'commit'))?.toLowerCase();
  let passed = false;
  let sigstoreOnly = false;
  for (const a of attestations) {
    const at = { file: a.file, ...(a.line ? { line: a.line } : {}) };
    if (!a.statement) {
      f.add('high', 'Unreadable attestation', `${a.problem ?? 'not an attestation'}.`, at);
      continue;
    }
    const s = a.statement;
    const problems: [('critical' | 'high' | 'medium'), string, string][] = [];
    if (field(s, '_type') !== 'https://in-toto.io/Statement/v1' && field(s, '_type') !== 'https://in-toto.io/Statement/v0.1') problems.push(['high', 'Not an in-toto statement', `_type is ${quote(String(field(s, '_type')), 60)}.`]);
    if (field(s, 'predicateType') !== 'https://slsa.dev/provenance/v1') problems.push(['high', 'Not SLSA Provenance v1', `predicateType is ${quote(String(field(s, 'predicateType')), 80)}; MTF requires https://slsa.dev/provenance/v1.`]);
    const digest = a.inside ? ctx.contentHash : ctx.bundleHash;
    if (!subjectMatches(s, digest)) problems.push(['critical', 'Attestation subject mismatch', `No subject carries sha256 ${digest} (${a.inside ? 'the bundle content digest' : 'the bundle digest'}): the attestation is for another artifact.`]);
    const builder = builderId(s);
    const known = builder !== undefined && (TRUSTED_BUILDERS.some((p) => builder.startsWith(p)) || (declaredBuilder !== undefined && builder === declaredBuilder));
    if (!known) problems.push(['high', 'Unknown builder', `Builder ${quote(builder ?? '(none)', 120)} is not a trusted attestation producer.`]);
    else if (declaredBuilder !== undefined && !builder!.startsWith(declaredBuilder) && builder !== declaredBuilder) problems.push(['high', 'Builder differs from the manifest', `The manifest declares build.builder ${quote(declaredBuilder, 100)}, the attestation ${quote(builder!, 100)}.`]);
    const commits = sourceCommits(s);
    if (commits.length === 0) problems.push(['medium', 'No source commit in the attestation', 'resolvedDependencies names no git commit.']);
    else if (declaredCommit && !commits.includes(declaredCommit)) problems.push(['critical', 'Commit mismatch with the manifest', `The manifest declares source.commit ${declaredCommit}, the attestation ${commits[0]}.`]);
    if (a.signature === 'unsigned') problems.push(['high', 'Attestation is not signed', 'An unsigned statement proves nothing about the builder.']);
    else if (a.signature === 'unverified') problems.push(['high', 'Attestation signature not verified', 'No signature verifies with the trusted keys (--key).']);
    const blocking = problems.filter(([sev]) => sev !== 'medium');
    for (const [sev, title, text] of problems) {
      if (a.signature === 'sigstore' && blocking.length === 0) break;
      f.add(sev, title, text, { ...at, remediation: 'Ship an SLSA v1 provenance for this exact bundle, signed (DSSE) by the builder, and pass its key with --key.' });
    }
    if (blocking.length === 0) {
      if (a.signature === 'verified') passed = true;
      else if (a.signature === 'sigstore') sigstoreOnly = true;
    }
  }
  if (passed) return { status: 'pass', findings: f.items.filter((x) => x.severity !== 'high' && x.severity !== 'critical') };
  if (sigstoreOnly) return { status: 'error', findings: f.items, error: 'the attestation is Sigstore-signed; verifying it needs the Sigstore trust root, which this offline scanner does not carry' };
  return { status: 'fail', findings: f.items };
}

export const control: Control = { id: 'PR-03', name: 'Build Attestation', domain: 'provenance', run };
