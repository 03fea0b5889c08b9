import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import type { ArtifactPin } from '../../src/artifact/types.js';
import { createLockfile } from '../../src/lockfile/build.js';
import { buildPolicyInput, compilePolicy, evaluatePolicy, parsePolicy } from '../../src/policy/index.js';
import { POLICY_INPUT_SCHEMA } from '../../src/policy/input-schema.js';
import { repoRoot } from '../helpers/cli.js';
import { localPin, npmPin, pinnedLock, pinnedServer } from './pins.js';

const rulesFile = join(repoRoot, 'testdata', 'mcptrust-artifact-rules', 'artifact-rules.yaml');
const compiled = compilePolicy(parsePolicy(readFileSync(rulesFile, 'utf8'), rulesFile));
const validate = new Ajv({ strict: false }).compile(POLICY_INPUT_SCHEMA);

function verdicts(pin: ArtifactPin | undefined): Record<string, string> {
  const input = buildPolicyInput({ lock: pinnedLock(pin) });
  expect(validate(JSON.parse(JSON.stringify(input))), JSON.stringify(validate.errors)).toBe(true);
  const result = evaluatePolicy(compiled, input);
  return Object.fromEntries(result.rules.map((r) => [r.name, r.status]));
}

describe("MCPTrust's artifact rules over mcptrust's policy input", () => {
  it('pass on a pinned npm lock with verified provenance', () => {
    expect(verdicts(npmPin())).toEqual({ artifact_pinned_required: 'pass', provenance_required: 'pass', artifact_pinned: 'pass', provenance_present: 'pass' });
  });

  it('deny an unpinned lock, a lock written before pinning, and unverified provenance', () => {
    const denied = { artifact_pinned_required: 'fail', provenance_required: 'fail', artifact_pinned: 'fail', provenance_present: 'fail' };
    expect(verdicts({ type: 'unpinned', note: 'pinning skipped (--no-pin)' })).toEqual(denied);
    expect(verdicts(undefined)).toEqual(denied);
    expect(verdicts({ ...npmPin(), provenance: { verified: false, reason: 'the bundle signature does not verify' } })).toMatchObject({
      artifact_pinned_required: 'pass',
      provenance_required: 'fail',
    });
    // A local script is pinned (its content digest) but has no provenance.
    expect(verdicts(localPin())).toMatchObject({ artifact_pinned_required: 'fail', provenance_required: 'fail' });
  });

  it('servers[].artifact is always there; input.artifact only for a one-server lockfile', () => {
    const two = createLockfile([pinnedServer(npmPin()), { ...pinnedServer(undefined), name: 'other' }]);
    const input = buildPolicyInput({ lock: two });
    expect(input.artifact).toBeUndefined();
    expect(input.servers.map((s) => [s.name, s.artifact.pinned, s.artifact.integrity !== ''])).toEqual([
      ['notes', true, true],
      ['other', false, false],
    ]);
    expect(validate(JSON.parse(JSON.stringify(input)))).toBe(true);
    expect(evaluatePolicy(compiled, input).rules.every((r) => r.status === 'fail')).toBe(true);
    const one = buildPolicyInput({ lock: pinnedLock(npmPin()) });
    expect(one.artifact).toMatchObject({ type: 'npm', name: '@acme/notes', version: '1.0.0', pinned: true, provenance: { verified: true, sourceRepository: 'https://github.com/acme/notes' } });
    expect(one.artifact!.dependencies.map((d) => d.name)).toEqual(['@acme/notes', 'left-pad']);
  });

  it('a typo in an artifact field is a compile error, not a silent false', () => {
    const policy = parsePolicy('name: t\nrules:\n  - name: r\n    expr: input.artifact.integrty != ""\n    failure_msg: x\n    severity: error\n', 't.yaml');
    expect(() => compilePolicy(policy)).toThrow(/has no field "integrty"; did you mean "integrity"\?/);
  });
});
