/**
 * PR-02 Author Identity (MTF-0.1 §3.6, L2): `author` with a name and a well-formed email
 * (missing author or email blocks at L2+). Identity tiers and multi-owner registration are
 * registry-side (PK-01) and cannot be seen in a bundle: reported as info.
 */
import { FindingList, asRecord, asString, field, quote } from '../source.js';
import type { BundleContext, Control, ControlResult } from '../types.js';

const EMAIL = /^[^\s@<>()[\]\\,;:"]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)+$/;

function run(ctx: BundleContext): ControlResult {
  const f = new FindingList('PR-02');
  const at = { file: 'manifest.json' };
  const author = asRecord(field(ctx.manifest, 'author'));
  if (!author) {
    f.add('high', 'No author', 'The manifest has no author object, so nobody is accountable for the bundle.', { ...at, remediation: 'Add "author": {"name": "…", "email": "…"}.' });
    return { status: 'fail', findings: f.items };
  }
  const name = asString(field(author, 'name'));
  const email = asString(field(author, 'email'));
  if (!name || name.trim() === '') f.add('high', 'Author without a name', 'author.name is missing.', at);
  if (!email) f.add('high', 'Author without an email', 'author.email is missing; L2 requires a contact for security disclosures.', { ...at, remediation: 'Add author.email.' });
  else if (email.length > 320 || !EMAIL.test(email)) f.add('high', 'Invalid author email', `author.email ${quote(email, 80)} is not an email address.`, at);
  if (!f.items.length) f.add('info', 'Identity tier not verifiable offline', 'Publisher identity tiers (PK-01) are verified by the registry, not by a bundle scan.');
  return { status: f.has('high', 'critical') ? 'fail' : 'pass', findings: f.items };
}

export const control: Control = { id: 'PR-02', name: 'Author Identity', domain: 'provenance', run };
