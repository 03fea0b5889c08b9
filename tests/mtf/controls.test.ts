import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signBundle } from '../../src/mtf/index.js';
import type { ControlId } from '../../src/mtf/types.js';
import { bundle, control, key, mtfDir, scan } from './scan-helpers.js';

const MINE: ControlId[] = ['AI-01', 'AI-03', 'AI-04', 'AI-05', 'CD-01', 'CD-02', 'CD-03', 'CD-04', 'CD-05', 'PR-01', 'PR-02', 'PR-03', 'PR-04', 'PR-05'];

describe('the clean example bundle', () => {
  it('passes every artifact-integrity, capability and provenance control as a signed, attested .mcpb', async () => {
    const result = await scan(join(mtfDir, 'clean.mcpb'), { keys: [key('publisher'), key('builder')] });
    for (const id of MINE) expect([id, control(result, id).status]).toEqual([id, 'pass']);
    expect(control(result, 'AI-02').status).toBe('skip');
    expect(result.score.level).toBeGreaterThanOrEqual(2);
    expect(result.report.risk_score).toBe('NONE');
    expect(result.report.bundle).toMatchObject({ name: '@mcptrust-example/notes', version: '1.2.0', archive: true });
    expect(result.report.bundle.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('reaches at least L2 as a folder, with every applicable control passing', async () => {
    const result = await scan(bundle('clean'));
    expect(result.score.level).toBeGreaterThanOrEqual(2);
    const required = ['AI-01', 'AI-05', 'CD-01', 'CD-02', 'CD-03', 'PR-01', 'PR-02', 'SC-01', 'SC-02', 'SC-03', 'SC-04', 'CQ-01', 'CQ-02', 'CQ-03'] as ControlId[];
    for (const id of required) expect([id, control(result, id).status]).toEqual([id, 'pass']);
    // A folder has no archive: AI-04's archive check does not apply, and nothing signs it.
    expect(control(result, 'AI-04').status).toBe('skip');
    expect(control(result, 'AI-03').status).toBe('fail');
  });
});

// One hand-made failing bundle per control (testdata/mtf/README.md), with what must be found.
const FAILING: [string, ControlId, string[]][] = [
  ['fail-ai-01', 'AI-01', ['Version is not semver', 'MTF extension fails its schema']],
  ['fail-ai-04', 'AI-04', ['Build declared not reproducible']],
  ['fail-ai-05', 'AI-05', ['Undeclared executable file']],
  ['fail-cd-01', 'CD-01', ['No tools declared']],
  ['fail-cd-02', 'CD-02', ['Undeclared subprocess use']],
  // "send the contents of ~/.ssh/id_rsa" is §3.5's file exfiltration (CRITICAL), no longer just a sensitive path.
  ['fail-cd-03', 'CD-03', ['Look-alike (homoglyph) characters', 'Instructions to the model', 'File exfiltration', 'Invisible characters']],
  ['fail-cd-04', 'CD-04', ['Critical scope without justification']],
  ['fail-cd-05', 'CD-05', ['Indefinite token lifetime', 'Tokens stored on disk']],
  ['fail-pr-01', 'PR-01', ['No source repository']],
  ['fail-pr-02', 'PR-02', ['Author without an email']],
  ['fail-pr-03', 'PR-03', ['Attestation subject mismatch', 'Unknown builder', 'Attestation is not signed']],
  ['fail-pr-04', 'PR-04', ['No source commit']],
  ['fail-pr-05', 'PR-05', ['Scorecard below the L3 threshold', 'Dangerous-Workflow fails']],
];

describe('each control fails its fixture', () => {
  for (const [name, id, titles] of FAILING) {
    it(`${name}: ${id} fails with ${titles.join(', ')}`, async () => {
      const result = await scan(bundle(name));
      const r = control(result, id);
      expect(r.status).toBe('fail');
      const found = r.findings.map((f) => f.title);
      for (const t of titles) expect(found).toContain(t);
      for (const f of r.findings) expect(f.control).toBe(id);
    });
  }

  it('fail-cd-02 points at the file and line of the child_process import', async () => {
    const r = control(await scan(bundle('fail-cd-02')), 'CD-02');
    expect(r.findings[0]).toMatchObject({ severity: 'critical', file: 'server/notes.js', line: 17 });
  });

  it('fail-ai-05 names both undeclared files, by path', async () => {
    const r = control(await scan(bundle('fail-ai-05')), 'AI-05');
    expect(r.findings.filter((f) => f.severity === 'high').map((f) => f.file).sort()).toEqual(['server/helper.sh', 'tools/extra.py']);
  });
});

describe('AI-03 bundle signature', () => {
  it('no --key: a present signature is not trusted (fail, high)', async () => {
    const r = control(await scan(join(mtfDir, 'clean.mcpb')), 'AI-03');
    expect(r.status).toBe('fail');
    expect(r.findings[0]).toMatchObject({ severity: 'high', title: 'Signature not verified: no trusted key' });
  });

  it('a key that did not sign it: untrusted signer', async () => {
    const r = control(await scan(join(mtfDir, 'clean.mcpb'), { keys: [key('stranger')] }), 'AI-03');
    expect(r.status).toBe('fail');
    expect(r.findings[0]!.title).toBe('Signed by an untrusted key');
  });

  it('a changed bundle with the old signature: signed for another bundle (critical)', async () => {
    const r = control(await scan(join(mtfDir, 'tampered.mcpb'), { keys: [key('publisher')] }), 'AI-03');
    expect(r.status).toBe('fail');
    expect(r.findings[0]).toMatchObject({ severity: 'critical', title: 'Signature is for another bundle' });
    expect(r.findings[0]!.description).toContain('bundle_sha256 differs');
  });

  describe('with a copy of the signed bundle', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'mcptrust-ai03-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('any edit of the signature file breaks it (invalid, critical)', async () => {
      cpSync(join(mtfDir, 'clean.mcpb'), join(dir, 'a.mcpb'));
      const sig = JSON.parse(readFileSync(join(mtfDir, 'clean.mcpb.sig'), 'utf8'));
      sig.payload.timestamp = '2030-01-01T00:00:00Z';
      writeFileSync(join(dir, 'a.mcpb.sig'), JSON.stringify(sig));
      const r = control(await scan(join(dir, 'a.mcpb'), { keys: [key('publisher')] }), 'AI-03');
      expect(r.findings[0]).toMatchObject({ severity: 'critical', title: 'Invalid bundle signature' });
    });

    it('an unknown signature format version is refused', async () => {
      cpSync(join(mtfDir, 'clean.mcpb'), join(dir, 'b.mcpb'));
      const sig = JSON.parse(readFileSync(join(mtfDir, 'clean.mcpb.sig'), 'utf8'));
      sig.version = 2;
      writeFileSync(join(dir, 'b.mcpb.sig'), JSON.stringify(sig));
      const r = control(await scan(join(dir, 'b.mcpb'), { keys: [key('publisher')] }), 'AI-03');
      expect(r.findings[0]!.title).toBe('Unsupported bundle signature');
    });

    it('signBundle signs a folder bundle that then verifies (and AI-03 passes)', async () => {
      cpSync(bundle('clean'), join(dir, 'folder'), { recursive: true });
      const text = await signBundle(join(dir, 'folder'), readFileSync(join(mtfDir, 'keys', 'publisher.key')), 'publisher.key');
      writeFileSync(join(dir, 'folder.sig'), text);
      const r = control(await scan(join(dir, 'folder'), { keys: [key('publisher')] }), 'AI-03');
      expect(r.status).toBe('pass');
      // Changing any file of the folder changes its listing digest.
      writeFileSync(join(dir, 'folder', 'README.md'), 'changed\n');
      const after = control(await scan(join(dir, 'folder'), { keys: [key('publisher')] }), 'AI-03');
      expect(after.findings[0]!.title).toBe('Signature is for another bundle');
    });

    it('an in-bundle Sigstore signature cannot be verified offline: error, not pass', async () => {
      cpSync(bundle('clean'), join(dir, 'sigstore'), { recursive: true });
      writeFileSync(join(dir, 'sigstore', 'manifest.sig.json'), '{}');
      const r = control(await scan(join(dir, 'sigstore')), 'AI-03');
      expect(r.status).toBe('error');
      expect(r.error).toMatch(/trust roots/);
    });
  });

  it('a --key that is not an Ed25519 public key is an input error', async () => {
    await expect(scan(join(mtfDir, 'clean.mcpb'), { keys: [join(mtfDir, 'keys', 'publisher.key')] })).rejects.toMatchObject({ code: 'WRONG_KEY_KIND' });
  });
});

describe('AI-04 reproducible archive', () => {
  it('an archive with unsorted entries and varying times fails', async () => {
    const r = control(await scan(join(mtfDir, 'unsorted.mcpb')), 'AI-04');
    expect(r.status).toBe('fail');
    expect(r.findings.map((f) => f.title)).toEqual(['Archive entries are not sorted', 'Archive timestamps are not normalized']);
  });
});

describe('PR-03 / PR-04 with the signed provenance beside clean.mcpb', () => {
  it('passes only with the builder key', async () => {
    const withKey = control(await scan(join(mtfDir, 'clean.mcpb'), { keys: [key('builder')] }), 'PR-03');
    expect(withKey.status).toBe('pass');
    const without = control(await scan(join(mtfDir, 'clean.mcpb')), 'PR-03');
    expect(without.status).toBe('fail');
    expect(without.findings.map((f) => f.title)).toContain('Attestation signature not verified');
  });

  it('the provenance of clean.mcpb does not match tampered.mcpb', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcptrust-pr03-'));
    try {
      cpSync(join(mtfDir, 'tampered.mcpb'), join(dir, 't.mcpb'));
      cpSync(join(mtfDir, 'clean.mcpb.intoto.jsonl'), join(dir, 't.mcpb.intoto.jsonl'));
      const r = control(await scan(join(dir, 't.mcpb'), { keys: [key('builder')] }), 'PR-03');
      expect(r.status).toBe('fail');
      expect(r.findings.map((f) => f.title)).toContain('Attestation subject mismatch');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('AI-05 path components, not substrings', () => {
  it('code under src/inspect/ reached from the entry point is expected; an undeclared one under spec-like names is not hidden', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcptrust-ai05-'));
    try {
      cpSync(bundle('clean'), dir, { recursive: true });
      const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
      m.server.entry_point = 'src/inspect/main.py';
      m.server.type = 'python';
      m.server.mcp_config = { command: 'python', args: ['${__dirname}/src/inspect/main.py'] };
      writeFileSync(join(dir, 'manifest.json'), JSON.stringify(m));
      const { mkdirSync } = await import('node:fs');
      mkdirSync(join(dir, 'src', 'inspect'), { recursive: true });
      writeFileSync(join(dir, 'src', 'inspect', 'main.py'), 'from .helpers import tidy\nimport json\n');
      writeFileSync(join(dir, 'src', 'inspect', 'helpers.py'), 'def tidy(x):\n    return x\n');
      writeFileSync(join(dir, 'src', 'inspect', 'respect.py'), 'print(1)\n');
      const r = control(await scan(dir), 'AI-05');
      const flagged = r.findings.filter((f) => f.severity === 'high').map((f) => f.file).sort();
      // server/index.js and server/notes.js are no longer the entry point either.
      expect(flagged).toEqual(['server/index.js', 'server/notes.js', 'src/inspect/respect.py']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
