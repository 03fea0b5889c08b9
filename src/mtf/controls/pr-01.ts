/**
 * PR-01 Source Repository (MTF-0.1 §3.6, L2): `repository.url` present and a valid URL
 * (blocks otherwise); not HTTPS → medium; not a recognised host (GitHub, GitLab, Bitbucket,
 * Codeberg, SourceHut) → low; credentials inside the URL → high. Public reachability needs
 * the network and is not checked offline.
 */
import { FindingList, asRecord, asString, field, quote } from '../source.js';
import type { BundleContext, Control, ControlResult } from '../types.js';

const HOSTS = new Set(['github.com', 'gitlab.com', 'bitbucket.org', 'codeberg.org', 'sr.ht', 'git.sr.ht']);

function run(ctx: BundleContext): ControlResult {
  const f = new FindingList('PR-01');
  const at = { file: 'manifest.json' };
  const repo = field(ctx.manifest, 'repository');
  const url = typeof repo === 'string' ? repo : asString(field(asRecord(repo), 'url'));
  if (repo === undefined || url === undefined || url.trim() === '') {
    f.add('high', 'No source repository', 'The manifest has no repository URL, so the source cannot be audited.', { ...at, remediation: 'Add "repository": {"type": "git", "url": "https://github.com/org/repo"}.' });
    return { status: 'fail', findings: f.items };
  }
  let parsed: URL;
  try {
    parsed = new URL(url.replace(/^git\+/, ''));
  } catch {
    f.add('high', 'Invalid repository URL', `repository.url ${quote(url, 120)} is not a URL.`, { ...at, remediation: 'Use the https URL of the repository.' });
    return { status: 'fail', findings: f.items };
  }
  if (parsed.username || parsed.password) f.add('high', 'Credentials in the repository URL', `repository.url ${quote(parsed.host, 80)} carries a user name or password.`, { ...at, remediation: 'Remove credentials from the URL.' });
  if (parsed.protocol !== 'https:') f.add('medium', 'Repository URL is not HTTPS', `repository.url uses ${quote(parsed.protocol, 20)}.`, { ...at, remediation: 'Use https://.' });
  const host = parsed.hostname.toLowerCase();
  if (!HOSTS.has(host)) f.add('low', 'Unknown hosting platform', `${quote(host, 80)} is not one of the recognised platforms (GitHub, GitLab, Bitbucket, Codeberg, SourceHut).`, at);
  else if (parsed.pathname.split('/').filter(Boolean).length < (host === 'sr.ht' || host === 'git.sr.ht' ? 1 : 2)) {
    f.add('high', 'Repository URL names no repository', `repository.url ${quote(url, 120)} points at the host, not at a repository.`, at);
  }
  return { status: f.has('high', 'critical') ? 'fail' : 'pass', findings: f.items };
}

export const control: Control = { id: 'PR-01', name: 'Source Repository', domain: 'provenance', run };
