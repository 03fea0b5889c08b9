/**
 * CD-05 Token Lifetime Limits (MTF-0.1 §3.5, L3). Spec vs reference: the reference reads
 * `credentials{name:{token_lifetime}}`, a field in neither the spec nor the schema; this reads
 * the spec's `_meta["org.mpaktrust"].credentials[].token_handling`
 * ({storage: memory|keychain|disk, max_lifetime_seconds, refresh}).
 *   no token_handling → high (the spec: "MUST declare"; unspecified storage is HIGH risk);
 *   indefinite token (no max_lifetime_seconds, or 0) → high (blocks);
 *   storage on disk (the spec's "file") → medium; lifetime over 24 h → medium; no refresh → low;
 *   code that writes a token to a file while storage is not "disk" → medium (warn).
 * No credentials declared: nothing to limit, pass (CD-04 catches undeclared OAuth).
 */
import { FindingList, asArray, asRecord, asString, field, lineAt, mtfExtension, quote, serverSources } from '../source.js';
import type { BundleContext, Control, ControlResult } from '../types.js';

const TOKEN_TO_FILE_JS = /\b(?:writeFile|writeFileSync|appendFile)\s*\([^)\n]{0,200}\b(?:token|credentials?)\b/i;
const TOKEN_TO_FILE_PY = /\b(?:json\.dump|\.write|pickle\.dump)\s*\([^)\n]{0,200}\b(?:token|credentials?|creds)\b|open\s*\(\s*['"][^'"\n]{0,200}token[^'"\n]{0,200}['"]\s*,\s*['"]w/i;

function run(ctx: BundleContext): ControlResult {
  const f = new FindingList('CD-05');
  const list = asArray(field(mtfExtension(ctx.manifest), 'credentials')) ?? [];
  if (list.length === 0) return { status: 'pass', findings: [] };
  let anyDisk = false;
  for (const [i, entry] of list.slice(0, 100).entries()) {
    const c = asRecord(entry);
    const provider = quote(asString(field(c, 'provider')) ?? `credentials[${i}]`, 40);
    const th = asRecord(field(c, 'token_handling'));
    if (!th) {
      f.add('high', 'Token handling not declared', `credential ${provider} does not declare token_handling (storage, max_lifetime_seconds, refresh).`, {
        file: 'manifest.json',
        remediation: 'Add token_handling: {"storage": "memory", "max_lifetime_seconds": 3600, "refresh": true}.',
      });
      continue;
    }
    const storage = asString(field(th, 'storage'));
    if (storage === undefined) f.add('medium', 'Token storage unspecified', `credential ${provider}: token_handling.storage is not set; assume the worst (persistent).`, { file: 'manifest.json' });
    else if (storage === 'disk' || storage === 'file') {
      anyDisk = true;
      f.add('medium', 'Tokens stored on disk', `credential ${provider} keeps tokens on disk, where other programs can read them.`, { file: 'manifest.json', remediation: 'Keep tokens in memory or the OS keychain.' });
    }
    const lifetime = field(th, 'max_lifetime_seconds');
    if (typeof lifetime !== 'number' || lifetime <= 0) {
      f.add('high', 'Indefinite token lifetime', `credential ${provider} sets no max_lifetime_seconds, so its tokens never expire.`, {
        file: 'manifest.json',
        remediation: 'Set max_lifetime_seconds (e.g. 3600) and refresh tokens instead of keeping them forever.',
      });
    } else if (lifetime > 86_400) {
      f.add('medium', 'Token lifetime over 24 hours', `credential ${provider} keeps tokens for ${lifetime} s (over 24 h).`, { file: 'manifest.json', remediation: 'Use short-lived tokens with refresh.' });
    }
    if (field(th, 'refresh') === false) f.add('low', 'No token refresh', `credential ${provider} does not refresh tokens; long-lived tokens are the alternative.`, { file: 'manifest.json' });
  }
  if (!anyDisk) {
    for (const file of serverSources(ctx)) {
      const re = file.path.endsWith('.py') ? TOKEN_TO_FILE_PY : TOKEN_TO_FILE_JS;
      const m = re.exec(file.text);
      if (m) {
        f.add('medium', 'Token persisted to a file without declaration', 'The code appears to write a token to a file, but token_handling.storage is not "disk".', {
          file: file.path,
          line: lineAt(file.text, m.index),
          remediation: 'Declare storage: "disk" (and justify it) or keep tokens in memory.',
        });
        break;
      }
    }
  }
  return { status: f.has('high', 'critical') ? 'fail' : 'pass', findings: f.items };
}

export const control: Control = { id: 'CD-05', name: 'Token Lifetime Limits', domain: 'capability_declaration', run };
