import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parsePolicy } from '../src/policy/load.js';
import { repoRoot, runCli, tempDir } from './helpers/cli.js';

const WORKFLOW = '.github/workflows/mcptrust.yml';
const POLICY = 'mcptrust-policy.yaml';

let scratch: { dir: string; cleanup: () => void };
beforeEach(() => {
  scratch = tempDir('mcptrust-init-');
});
afterEach(() => scratch.cleanup());

const init = (...argv: string[]) => runCli(['init', ...argv], { cwd: scratch.dir });
const read = (path: string) => readFileSync(join(scratch.dir, path), 'utf8');
const isFile = (path: string) => {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
};
const yaml = (text: string) => parse(text, { uniqueKeys: true, strict: true, version: '1.2' });

describe('mcptrust init', () => {
  it('writes a workflow that uses the action with inputs action.yml declares, and a policy that loads', async () => {
    const r = await init('--action', 'my-org/mcptrust@v1', '--config', '.cursor/mcp.json');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^wrote \.github\/workflows\/mcptrust\.yml\nwrote mcptrust-policy\.yaml\n\nNext:\n {2}mcptrust lock --config \.cursor\/mcp\.json\n/);
    expect(r.stdout).not.toContain('Edit "uses:');

    const workflow = yaml(read(WORKFLOW));
    const steps = workflow.jobs.mcptrust.steps as { uses?: string; with?: Record<string, string>; if?: string }[];
    const step = steps.find((s) => s.uses === 'my-org/mcptrust@v1')!;
    expect(step).toBeDefined();
    const action = parse(readFileSync(join(repoRoot, 'action.yml'), 'utf8'), { uniqueKeys: true });
    // Every input the workflow passes is one the action declares (a typo would be ignored by the runner with a warning only).
    for (const name of Object.keys(step.with!)) expect(Object.keys(action.inputs), name).toContain(name);
    expect(step.with).toMatchObject({ lock: 'mcp-lock.json', key: 'keys/team.pub', policy: POLICY, config: '.cursor/mcp.json', 'sarif-file': 'mcptrust.sarif' });
    // The signature stays required: the workflow does not turn it off.
    expect(step.with!['require-signature']).toBeUndefined();
    const upload = steps.find((s) => s.uses?.startsWith('github/codeql-action/upload-sarif@'))!;
    expect(upload.with).toMatchObject({ sarif_file: 'mcptrust.sarif' });
    expect(upload.if).toContain('always()');
    expect(workflow.permissions).toEqual({ contents: 'read', 'security-events': 'write' });
    // The lock and sign guidance is in the comments.
    expect(read(WORKFLOW)).toContain('#   mcptrust sign --key ~/.mcptrust/mcptrust.key');

    const policyText = read(POLICY);
    const policy = parsePolicy(policyText, POLICY);
    const baseline = parsePolicy(readFileSync(join(repoRoot, 'policies', 'baseline.yaml'), 'utf8'), 'baseline.yaml');
    // The same rules (positions differ: the header is another length).
    const strip = (rules: typeof policy.rules) => rules.map(({ exprPosition: _, ...rule }) => rule);
    expect(strip(policy.rules)).toEqual(strip(baseline.rules));
    expect(policy.rules.length).toBeGreaterThan(3);
    expect(policyText).toMatch(/^# Starter policy written by `mcptrust init` from the baseline preset/);
  });

  it('--format json lists what was written', async () => {
    const r = await init('--format', 'json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      written: [
        { path: WORKFLOW, kind: 'workflow' },
        { path: POLICY, kind: 'policy' },
      ],
      overwritten: [],
    });
    // The default action reference is a placeholder the text output asks to edit.
    expect(yaml(read(WORKFLOW)).jobs.mcptrust.steps[1].uses).toBe('OWNER/mcptrust@v0');
  });

  it('never overwrites: exit 2 naming every existing file, and nothing written', async () => {
    mkdirSync(join(scratch.dir, '.github', 'workflows'), { recursive: true });
    writeFileSync(join(scratch.dir, WORKFLOW), 'mine\n');
    let r = await init();
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('error: .github/workflows/mcptrust.yml already exists; init never overwrites (give --force to replace it)\n');
    expect(read(WORKFLOW)).toBe('mine\n');
    // The other file was not written either: both or neither.
    expect(existsSync(join(scratch.dir, POLICY))).toBe(false);

    writeFileSync(join(scratch.dir, POLICY), 'also mine\n');
    r = await init();
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('error: .github/workflows/mcptrust.yml and mcptrust-policy.yaml already exist; init never overwrites (give --force to replace them)\n');
    expect(read(POLICY)).toBe('also mine\n');
    // No temporary file left behind.
    expect(readdirSync(scratch.dir).sort()).toEqual(['.github', POLICY]);
    expect(readdirSync(join(scratch.dir, '.github', 'workflows'))).toEqual(['mcptrust.yml']);
  });

  it('--force replaces them, and says so', async () => {
    writeFileSync(join(scratch.dir, POLICY), 'old\n');
    const r = await init('--force', '--format', 'json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).overwritten).toEqual([POLICY]);
    expect(parsePolicy(read(POLICY), POLICY).name).toBe('baseline');
    expect(readdirSync(scratch.dir).sort()).toEqual(['.github', POLICY]);
  });

  it.each([
    ['.github is a file', () => writeFileSync(join(scratch.dir, '.github'), 'x'), 'cannot write .github/workflows/mcptrust.yml: .github is not a folder (move it away first)', ['.github']],
    ['.github/workflows is a file', () => (mkdirSync(join(scratch.dir, '.github')), writeFileSync(join(scratch.dir, '.github', 'workflows'), 'x')), 'cannot write .github/workflows/mcptrust.yml: .github/workflows is not a folder', ['.github']],
    ['the policy is a folder', () => mkdirSync(join(scratch.dir, POLICY)), `cannot write ${POLICY}: it is a folder; init replaces files only`, [POLICY]],
    ['the workflow is a folder', () => mkdirSync(join(scratch.dir, WORKFLOW), { recursive: true }), `cannot write ${WORKFLOW}: it is a folder`, ['.github']],
  ] as const)('with --force, %s: exit 2 naming it, and nothing written or left behind', async (_label, arrange, message, after) => {
    arrange();
    const r = await init('--force');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toMatch(/internal error/);
    expect(readdirSync(scratch.dir).sort()).toEqual([...after]);
    // No workflow file was written (where the workflow path is a folder, it stays one).
    expect(isFile(join(scratch.dir, WORKFLOW))).toBe(false);
  });

  it('refuses an action reference or config path that would break the YAML (exit 2)', async () => {
    for (const [flag, value] of [
      ['--action', 'evil/x@v1\n  run: curl evil'],
      ['--action', 'no-ref'],
      ['--config', '.mcp.json # x'],
      ['--config', '--x'],
    ] as const) {
      const r = await init(flag, value);
      expect(r.code, value).toBe(2);
      expect(r.stderr, value).toMatch(new RegExp(`^error: ${flag} "`));
    }
    expect(readdirSync(scratch.dir)).toEqual([]);
  });

  it('is listed in mcptrust --help', async () => {
    const r = await runCli(['--help'], { cwd: scratch.dir });
    expect(r.stdout).toMatch(/^ {2}init \[options\] +write a starter CI workflow/m);
  });
});
