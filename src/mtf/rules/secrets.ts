/**
 * CQ-01 secret patterns. Derived from the mpak reference scanner's `secrets.yaml`
 * (NimbleBrainInc/mpak apps/scanner, Apache-2.0, see LICENSE.mpak.Apache-2.0.txt and the
 * verbatim copy in reference/secrets.yaml). Changes are listed in README.md beside this file.
 */
import type { PatternRule } from '../code/patterns.js';

const REMEDIATE = 'Remove the secret from the bundle, revoke and rotate it, and read it from the environment or a secret store at run time.';

function provider(id: string, name: string, anchors: string[], pattern: string, description: string, extra: Partial<PatternRule> = {}): PatternRule {
  return { id, name, severity: 'critical', description, remediation: REMEDIATE, languages: 'any', scope: 'all', anchors, pattern, placeholders: true, ...extra };
}

/** A comment line: `//`, `/*`, a JSDoc ` * ` continuation, `#`, or an HTML/Markdown comment. */
const DOC_COMMENT = '^\\s*(?://|/\\*|\\*(?:\\s|$)|#|<!--)';

export const SECRET_RULES: readonly PatternRule[] = [
  // Critical: provider formats precise enough to block anywhere in the bundle, dependencies included.
  provider('aws-access-key', 'AWS Access Key', ['AKIA'], '\\bAKIA[0-9A-Z]{16}\\b', 'AWS access key ID'),
  // The reference ran a bare 40-character class over every file with a context check; here the
  // context words are the anchors and the value must be a quoted or assigned 40-character token.
  provider('aws-secret-key', 'AWS Secret Access Key', ['aws_secret', 'secret_access_key', 'AWS_SECRET', 'aws_secret_access_key', 'SecretAccessKey'], '(?:[:=]\\s*|["\'`])([0-9a-zA-Z/+]{40})(?![0-9a-zA-Z/+])', 'AWS secret access key (with its context on the line)', { anchorsIgnoreCase: true }),
  provider('github-token', 'GitHub Token', ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_'], '\\bgh[pousr]_[A-Za-z0-9_]{36,}', 'GitHub personal access token or app token'),
  provider('github-fine-grained', 'GitHub Fine-Grained Token', ['github_pat_'], '\\bgithub_pat_[A-Za-z0-9_]{22,}', 'GitHub fine-grained personal access token'),
  // The reference required exactly 48 characters after "sk-"; current keys are "sk-proj-…" and
  // longer, so the project form is matched too (still a long single token after the prefix).
  provider('openai-api-key', 'OpenAI API Key', ['sk-'], '\\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{40,}', 'OpenAI API key', { unlessBefore: '[A-Za-z0-9_-]$' }),
  provider('anthropic-api-key', 'Anthropic API Key', ['sk-ant-'], '\\bsk-ant-[A-Za-z0-9_-]{80,}', 'Anthropic API key'),
  provider('stripe-secret-key', 'Stripe Secret Key', ['sk_live_'], '\\bsk_live_[A-Za-z0-9]{24,}', 'Stripe live secret key'),
  provider('stripe-restricted-key', 'Stripe Restricted Key', ['rk_live_'], '\\brk_live_[A-Za-z0-9]{24,}', 'Stripe live restricted key'),
  provider('slack-token', 'Slack Token', ['xoxb-', 'xoxa-', 'xoxp-', 'xoxr-', 'xoxs-'], '\\bxox[baprs]-[0-9]{10,13}-[0-9a-zA-Z-]{24,}', 'Slack OAuth or bot token'),
  provider('slack-webhook', 'Slack Webhook URL', ['hooks.slack.com/services/'], 'https://hooks\\.slack\\.com/services/T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]+', 'Slack incoming webhook URL'),
  // The header alone is not a key: code that checks for it (`pem.startsWith('-----BEGIN PRIVATE
  // KEY-----')`, as JOSE libraries do) is not a leak. Key material must follow: base64 on the next
  // lines, or after a "\n" escape in a string (old encrypted PEMs have Proc-Type/DEK-Info first).
  provider('private-key', 'Private Key', ['PRIVATE KEY-----'], '-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----', 'PEM-encoded private key', {
    // A header line is consumed whole and never given back (`(?=(x*))\\1` is an atomic group): with
    // a plain `Proc-Type:[^\\n]*` inside the `*`, "Proc-Type:Proc-Type:…" split in 2^n ways.
    requireFollowing: '^(?:\\\\[rn]|[\\r\\n \\t]|(?:Proc-Type|DEK-Info|Version):(?=([^\\r\\n\\\\]*))\\1)*[A-Za-z0-9+/]{40}',
  }),
  // The reference escaped the dash twice ('\\-' inside a YAML single-quoted string), so its class
  // also admitted a backslash; fixed.
  provider('google-api-key', 'Google API Key', ['AIza'], '\\bAIza[0-9A-Za-z_-]{35}', 'Google API key'),
  provider('google-oauth-client', 'Google OAuth Client Secret', ['GOCSPX-'], '\\bGOCSPX-[A-Za-z0-9_-]{28}', 'Google OAuth 2.0 client secret'),
  // The reference's "SK[a-f0-9]{32}" fired inside any long hex string; a word boundary is required.
  provider('twilio-api-key', 'Twilio API Key', ['SK'], '\\bSK[a-f0-9]{32}\\b', 'Twilio API key'),
  provider('sendgrid-api-key', 'SendGrid API Key', ['SG.'], '\\bSG\\.[A-Za-z0-9_-]{22}\\.[A-Za-z0-9_-]{43}', 'SendGrid API key'),
  provider('npm-token', 'npm Token', ['npm_'], '\\bnpm_[A-Za-z0-9]{36}\\b', 'npm publish token'),
  provider('pypi-token', 'PyPI Token', ['pypi-'], '\\bpypi-[A-Za-z0-9_-]{100,}', 'PyPI API token'),

  // High: generic assignments. Not on comment lines (a JSDoc `@example` such as
  // ` *   clientSecret: 'my-secret',` is documentation; found in the MCP SDK by the review). The
  // provider rules above still read comments: a real token pasted into a comment is a leak.
  // Generic assignments. Only in the server's own code: dependency folders are full of
  // test passwords and documentation, and a generic match there is noise, not a leak.
  {
    id: 'generic-api-key',
    name: 'Generic API Key Assignment',
    severity: 'high',
    description: 'API key assigned a literal value in code',
    remediation: REMEDIATE,
    languages: 'any',
    scope: 'own',
    anchors: ['api_key', 'api-key', 'apikey'],
    anchorsIgnoreCase: true,
    pattern: '(?:api[_-]?key|apikey)["\']?\\s*[:=]\\s*["\'][A-Za-z0-9_\\-]{20,}["\']',
    ignoreCase: true,
    placeholders: true,
    unlessLine: DOC_COMMENT,
  },
  {
    id: 'generic-secret',
    name: 'Generic Secret Assignment',
    severity: 'high',
    description: 'Secret or password assigned a literal value in code',
    remediation: REMEDIATE,
    languages: 'any',
    scope: 'own',
    anchors: ['secret', 'password', 'passwd', 'pwd'],
    anchorsIgnoreCase: true,
    // A value with a space or a template is prose or a format string, not a secret
    // ("password: 'Enter your password'"); the reference flagged any 8+ characters.
    pattern: '(?:secret|password|passwd|pwd)["\']?\\s*[:=]\\s*["\']([^"\'\\s]{8,})["\']',
    ignoreCase: true,
    placeholders: true,
    unlessLine: DOC_COMMENT,
  },
  {
    id: 'bearer-token',
    name: 'Bearer Token',
    severity: 'high',
    description: 'Authorization bearer token written in code',
    remediation: REMEDIATE,
    languages: 'any',
    scope: 'own',
    anchors: ['Bearer '],
    pattern: 'Bearer\\s+[A-Za-z0-9_\\-.=]{20,}',
    placeholders: true,
  },
  {
    id: 'jwt-token',
    name: 'JWT Token',
    severity: 'high',
    description: 'JSON Web Token',
    remediation: REMEDIATE,
    languages: 'any',
    scope: 'own',
    anchors: ['eyJ'],
    pattern: '\\beyJ[A-Za-z0-9_-]{10,}\\.eyJ[A-Za-z0-9_-]{10,}\\.[A-Za-z0-9_-]{10,}',
    placeholders: true,
  },
  {
    id: 'database-url',
    name: 'Database Connection URL',
    severity: 'high',
    description: 'Database URL with an embedded password',
    remediation: REMEDIATE,
    languages: 'any',
    scope: 'own',
    anchors: ['postgres://', 'postgresql://', 'mysql://', 'mongodb://', 'mongodb+srv://', 'redis://', 'rediss://', 'amqp://'],
    // mongodb+srv was in the spec's list (§3.4 CQ-01) but not in the reference pattern.
    pattern: '(?:postgres(?:ql)?|mysql|mongodb(?:\\+srv)?|rediss?|amqp)://[^:@/\\s"\'`]+:([^@/\\s"\'`]+)@',
    placeholders: true,
  },

  // Medium: possible encoded secrets (warnings).
  {
    id: 'base64-secret',
    name: 'Base64 Encoded Secret',
    severity: 'medium',
    description: 'Possible base64-encoded secret assigned in code',
    remediation: REMEDIATE,
    languages: 'any',
    scope: 'own',
    anchors: ['secret', 'key', 'token', 'password'],
    anchorsIgnoreCase: true,
    pattern: '(?:secret|key|token|password)["\']?\\s*[:=]\\s*["\'][A-Za-z0-9+/]{40,}={0,2}["\']',
    ignoreCase: true,
    placeholders: true,
  },
  {
    id: 'hex-secret',
    name: 'Hex-Encoded Secret',
    severity: 'medium',
    description: 'Possible hex-encoded secret assigned in code',
    remediation: REMEDIATE,
    languages: 'any',
    scope: 'own',
    anchors: ['secret', 'key'],
    anchorsIgnoreCase: true,
    pattern: '(?:secret|key)["\']?\\s*[:=]\\s*["\'][a-fA-F0-9]{32,}["\']',
    ignoreCase: true,
    placeholders: true,
  },
];
