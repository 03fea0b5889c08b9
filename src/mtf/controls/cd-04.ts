/**
 * CD-04 Credential Scope Declaration (MTF-0.1 §3.5, L3). Reads
 * `_meta["org.mpaktrust"].credentials[]` (provider, scopes, justification) and classifies each
 * scope with the spec's risk table (LOW read-only … CRITICAL admin/impersonation/full mail).
 *   OAuth in the code without a credentials declaration → high (blocks);
 *   CRITICAL scope without justification → high (blocks); HIGH scope without one → medium (warn);
 *   a broad scope where a read-only variant exists → low (warn).
 * A bundle that uses no OAuth and declares no credentials passes: nothing to scope.
 */
import { FindingList, asArray, asRecord, asString, field, lineAt, mtfExtension, quote, serverSources } from '../source.js';
import type { BundleContext, Control, ControlResult } from '../types.js';

export type ScopeRisk = 'low' | 'medium' | 'high' | 'critical';

/** The §3.5 risk table, as rules on the scope string (case-insensitive). */
export function classifyScope(scope: string): ScopeRisk {
  const s = scope.toLowerCase().trim();
  if (s === '*' || /(?:^|[\W_])(?:admin|sudo|superuser|impersonat\w*|full_access)(?:$|[\W_])/.test(s) || s === 'https://mail.google.com/' || s.endsWith('/auth/cloud-platform') || s === 'delete_repo' || /(?:^|\/)directory\.readwrite\.all$/.test(s)) return 'critical';
  if (/(?:readonly|read-only|\.read$|^read:|:read$|\.metadata$|^openid$|^email$|^profile$|userinfo\.|^public_repo$|^read_user$|^read_api$)/.test(s) && !/(?:mail|gmail)\.read$/.test(s)) return 'low';
  if (/(?:mail|gmail)/.test(s) || s === 'repo' || s === 'user' || /\/auth\/drive$/.test(s) || /^write:org$|^admin:/.test(s) || s === 'api' || /\bfiles\.readwrite\b/.test(s)) return 'high';
  return 'medium';
}

const OAUTH_IN_CODE = /\b(?:oauth2?|OAuth2?)\b|\bclient_secret\b|\bclientSecret\b|\brefresh_token\b|\brefreshToken\b|accounts\.google\.com\/o\/oauth2|github\.com\/login\/oauth|\/oauth2?\/(?:authorize|token)\b|\bgoogle\.oauth2\b|\bOAuth2Client\b/;

function run(ctx: BundleContext): ControlResult {
  const f = new FindingList('CD-04');
  const credentials = field(mtfExtension(ctx.manifest), 'credentials');
  const list = asArray(credentials);
  if (credentials !== undefined && !list) {
    f.add('high', 'credentials is not a list', '_meta["org.mpaktrust"].credentials must be an array.', { file: 'manifest.json' });
    return { status: 'fail', findings: f.items };
  }
  if (!list || list.length === 0) {
    for (const file of serverSources(ctx)) {
      const m = OAUTH_IN_CODE.exec(file.text);
      if (m) {
        f.add('high', 'OAuth used without a credentials declaration', `The code uses OAuth (${quote(m[0], 40)}) but the manifest declares no credentials and scopes.`, {
          file: file.path,
          line: lineAt(file.text, m.index),
          remediation: 'Declare _meta["org.mpaktrust"].credentials with provider, scopes and justification (MTF-0.1 §4.3.3).',
        });
        break;
      }
    }
    const userConfig = asRecord(field(ctx.manifest, 'user_config'));
    const secrets = Object.keys(userConfig ?? {}).filter((k) => field(asRecord(field(userConfig, k)), 'sensitive') === true);
    if (secrets.length > 0 && !f.items.length) {
      f.add('low', 'Secrets asked without a credentials declaration', `user_config asks for sensitive value(s) ${secrets.slice(0, 5).map((s) => quote(s, 40)).join(', ')}; declaring the credentials and their scopes lets users review them.`, { file: 'manifest.json' });
    }
    return { status: f.has('high', 'critical') ? 'fail' : 'pass', findings: f.items };
  }
  for (const [i, entry] of list.slice(0, 100).entries()) {
    const c = asRecord(entry);
    const provider = asString(field(c, 'provider')) ?? `credentials[${i}]`;
    const justification = (asString(field(c, 'justification')) ?? '').trim();
    const scopes = (asArray(field(c, 'scopes')) ?? []).filter((s): s is string => typeof s === 'string');
    if (scopes.length === 0) {
      f.add('high', 'Credential without scopes', `credential ${quote(provider, 40)} declares no scopes.`, { file: 'manifest.json', remediation: 'List the exact scopes requested.' });
      continue;
    }
    for (const scope of scopes.slice(0, 100)) {
      const risk = classifyScope(scope);
      if (risk === 'critical') {
        f.add(justification ? 'medium' : 'high', justification ? 'Critical scope (justified)' : 'Critical scope without justification', `${quote(provider, 40)} scope ${quote(scope, 100)} grants admin, impersonation or full-account access.${justification ? ` Justification: ${quote(justification, 120)}` : ''}`, {
          file: 'manifest.json',
          remediation: 'Request a narrower scope; if this one is really needed, say why in "justification".',
        });
      } else if (risk === 'high' && !justification) {
        f.add('medium', 'High-risk scope without justification', `${quote(provider, 40)} scope ${quote(scope, 100)} gives broad access to sensitive data.`, { file: 'manifest.json', remediation: 'Add a justification or use a narrower scope.' });
      }
      if ((risk === 'medium' || risk === 'high') && /googleapis\.com\/auth\/[\w.]+$/.test(scope) && !/readonly/.test(scope)) {
        f.add('low', 'Broad scope with a narrower alternative', `${quote(scope, 100)} has a read-only variant (${quote(`${scope}.readonly`, 100)}); use it if the tools only read.`, { file: 'manifest.json' });
      }
    }
  }
  return { status: f.has('high', 'critical') ? 'fail' : 'pass', findings: f.items };
}

export const control: Control = { id: 'CD-04', name: 'Credential Scope Declaration', domain: 'capability_declaration', run };
