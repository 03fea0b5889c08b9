import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { control } from '../../src/mtf/controls/cq-01.js';
import { SECRET_RULES } from '../../src/mtf/rules/secrets.js';
import { brief, cleanBundle, cqDir, runControl } from './sccq-helpers.js';

describe('CQ-01 secret detection', () => {
  it('finds provider keys, private keys and credentialed URLs with file and line', async () => {
    const result = await runControl(control, cqDir('secrets'));
    expect(result.status).toBe('fail');
    expect(brief(result)).toEqual([
      ['critical', 'Private Key', 'keys/server.pem', 1],
      ['critical', 'AWS Access Key', 'server/index.js', 2],
      ['critical', 'GitHub Token', 'server/index.js', 3],
      ['high', 'Database Connection URL', 'server/index.js', 4],
    ]);
  });

  it('does not repeat the secret in the report', async () => {
    const result = await runControl(control, cqDir('secrets'));
    const text = JSON.stringify(result);
    expect(text).not.toContain(['ghp_', 'Zx9Qm2Lk7Vb4Nc8Rt1Yw6Ps3Hd5Jf0Ga2Ue7'].join(''));
    expect(text).not.toContain(['AKIA', 'Q3EGRHZ7XK2M4PWN'].join(''));
    expect(result.findings[1]!.description).toBe('AWS access key ID: AKIA…(20 chars)');
  });

  it('skips documentation, example env files, tests, placeholders and prose ("Get the API key status")', async () => {
    // secrets/README.md, secrets/.env.example and secrets/tests/fixtures/token.txt hold matches too.
    const result = await runControl(control, cqDir('secrets'));
    expect(result.findings.map((f) => f.file)).not.toContain('README.md');
    expect(result.findings.map((f) => f.file)).not.toContain('.env.example');
    expect(result.findings.map((f) => f.file)).not.toContain('tests/fixtures/token.txt');
    const clean = await runControl(control, cqDir('secrets-clean'));
    expect(clean.status).toBe('pass');
    expect(clean.findings).toEqual([]);
    expect((await runControl(control, cleanBundle)).findings).toEqual([]);
  });

  it('needs key material after a PEM header (code that checks for the header is not a leak)', async () => {
    const header = ['-----BEGIN ', 'PRIVATE KEY-----'].join('');
    const body = 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7';
    const one = (text: string) => ({ root: '/nonexistent', bundleHash: '0'.repeat(64), archive: false, manifest: undefined, options: {}, files: [{ path: 'lib/key.js', size: text.length, text }] }) as never;
    expect((await control.run(one(`if (pem.indexOf("${header}") !== 0) throw new TypeError('not PKCS#8');\n`))).findings).toEqual([]);
    expect(brief(await control.run(one(`const key = "${header}\\n${body}\\n-----END PRIVATE KEY-----";\n`)))).toEqual([['critical', 'Private Key', 'lib/key.js', 1]]);
  });

  it('scans a multi-megabyte single-line (minified) file', async () => {
    const line = 'var a={password:x,secret:y,key:z,token:w};'.repeat(120_000); // ~5 MB, anchors everywhere
    const text = `${line}const k="${['AKIA', 'Q3EGRHZ7XK2M4PWN'].join('')}";`;
    // No wall time asserted (speed is in `npm run bench`): vitest's per-test timeout is the guard
    // against a quadratic scan of 5 MB, which would take hours.
    const result = await control.run({ root: '/nonexistent', bundleHash: '0'.repeat(64), archive: false, manifest: undefined, options: {}, files: [{ path: 'dist/app.min.js', size: text.length, text }] } as never);
    expect(brief(result)).toEqual([['critical', 'AWS Access Key', 'dist/app.min.js', 1]]);
  });

  it('keeps every reference pattern id', () => {
    const ids = SECRET_RULES.map((r) => r.id);
    for (const id of ['aws-access-key', 'aws-secret-key', 'github-token', 'github-fine-grained', 'openai-api-key', 'anthropic-api-key', 'stripe-secret-key', 'stripe-restricted-key', 'slack-token', 'slack-webhook', 'private-key', 'google-api-key', 'google-oauth-client', 'twilio-api-key', 'sendgrid-api-key', 'npm-token', 'pypi-token', 'generic-api-key', 'generic-secret', 'bearer-token', 'jwt-token', 'database-url', 'base64-secret', 'hex-secret']) {
      expect(ids).toContain(id);
    }
  });

  // Review: the MCP SDK's JSDoc example (` *   clientSecret: 'my-secret',`) was a HIGH finding.
  it('does not flag generic secrets in doc comments or "my-secret" placeholders; provider tokens in comments still count', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcptrust-cq01-'));
    try {
      const token = ['ghp_', 'Zx9Qm2Lk7Vb4Nc8Rt1Yw6Ps3Hd5Jf0Ga2Ue7'].join('');
      writeFileSync(join(dir, 'auth.js'), [
        '/**',
        ' * @example',
        " *   clientSecret: 'k8Jd92LmQp4Xz7Vb',",
        ' */',
        "const options = { clientSecret: 'my-secret' };",
        "const real = { password: 'k8Jd92LmQp4Xz7Vb' };",
        `// token ${token}`,
      ].join('\n') + '\n');
      const result = await runControl(control, dir);
      expect(brief(result)).toEqual([
        ['high', 'Generic Secret Assignment', 'auth.js', 6],
        ['critical', 'GitHub Token', 'auth.js', 7],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
