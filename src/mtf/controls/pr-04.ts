/**
 * PR-04 Commit Linkage (MTF-0.1 §3.6, L4): `_meta["org.mpaktrust"].source.commit` is a full
 * 40-character lowercase SHA-1 (short or missing blocks) and agrees with every attestation that
 * names a commit (a mismatch blocks); `signed` not true → low (warning). Reachability in the
 * repository needs the network and is not checked offline (info).
 */
import { readAttestations, sourceCommits } from '../attestation.js';
import { FindingList, asRecord, field, mtfExtension, quote } from '../source.js';
import type { BundleContext, Control, ControlResult } from '../types.js';
import { trustedPublicKeys } from './pr-03.js';

function run(ctx: BundleContext): ControlResult {
  const f = new FindingList('PR-04');
  const at = { file: 'manifest.json' };
  const source = asRecord(field(mtfExtension(ctx.manifest), 'source'));
  const commit = field(source, 'commit');
  if (typeof commit !== 'string') {
    f.add('high', 'No source commit', 'The manifest does not declare _meta["org.mpaktrust"].source.commit.', { ...at, remediation: 'Declare the full commit SHA the bundle was built from.' });
    return { status: 'fail', findings: f.items };
  }
  if (!/^[0-9a-f]{40}$/.test(commit)) {
    f.add('high', commit.length < 40 ? 'Short commit SHA' : 'Malformed commit SHA', `source.commit ${quote(commit, 60)} is not a full 40-character lowercase hex SHA-1.`, { ...at, remediation: 'Use the full `git rev-parse HEAD` output.' });
    return { status: 'fail', findings: f.items };
  }
  for (const a of readAttestations(ctx, trustedPublicKeys(ctx))) {
    if (!a.statement) continue;
    const commits = sourceCommits(a.statement);
    if (commits.length > 0 && !commits.includes(commit)) {
      f.add('critical', 'Commit mismatch with attestation', `source.commit is ${commit}, but ${a.file} names ${commits[0]}.`, { file: a.file, remediation: 'Rebuild and re-attest from the declared commit.' });
    }
  }
  if (field(source, 'signed') !== true) f.add('low', 'Commit not declared signed', 'source.signed is not true; L4 recommends signed (GPG/SSH) commits.', at);
  f.add('info', 'Reachability not checked offline', `Whether ${commit} exists in the declared repository needs the network.`);
  return { status: f.has('critical', 'high') ? 'fail' : 'pass', findings: f.items };
}

export const control: Control = { id: 'PR-04', name: 'Commit Linkage', domain: 'provenance', run };
