import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { diffLockfiles } from '../../src/diff/index.js';
import { serializeLockfile } from '../../src/lockfile/build.js';
import { renderDiffSarif, SECURITY_SEVERITY } from '../../src/report/diff-sarif.js';
import { SWITCHES } from '../../testdata/servers/drift-surface.mjs';
import { driftLock } from '../diff/helpers.js';
import { fixtureServer, repoRoot, runCli, tempDir } from '../helpers/cli.js';
import { fixtures } from './helpers.js';

const action = () => parse(readFileSync(join(repoRoot, 'action.yml'), 'utf8'), { uniqueKeys: true });

/** The environment the runner gives scripts/action.mjs: every input's default, then `given`. */
function inputEnv(given: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, spec] of Object.entries(action().inputs as Record<string, { default?: string }>)) {
    env[`INPUT_${name.toUpperCase().replace(/-/g, '_')}`] = spec.default ?? '';
  }
  for (const [name, value] of Object.entries(given)) env[`INPUT_${name.toUpperCase().replace(/-/g, '_')}`] = value;
  return env;
}

/** Runs `fn` with the INPUT_* variables set to exactly `vars`, restoring process.env afterwards. */
function withInputs<T>(vars: Record<string, string>, fn: () => T): T {
  const saved = { ...process.env };
  for (const k of Object.keys(process.env)) if (k.startsWith('INPUT_')) delete process.env[k];
  Object.assign(process.env, vars);
  try {
    return fn();
  } finally {
    for (const k of Object.keys(process.env)) if (k.startsWith('INPUT_')) delete process.env[k];
    for (const [k, v] of Object.entries(saved)) if (k.startsWith('INPUT_')) process.env[k] = v;
  }
}

describe('action.yml', () => {
  it('is a composite action with inputs for the lock, keys, policy and the server command', () => {
    const action = parse(readFileSync(join(repoRoot, 'action.yml'), 'utf8'), { uniqueKeys: true });
    expect(action.runs.using).toBe('composite');
    for (const name of ['lock', 'key', 'keyring', 'policy', 'preset', 'command', 'url', 'config', 'require-signature', 'junit-file']) {
      expect(action.inputs[name], name).toBeDefined();
    }
    const step = action.runs.steps.at(-1);
    expect(step.run).toBe('node "$MCPTRUST_ACTION_PATH/scripts/action.mjs"');
    // No input is spliced into a shell line: every ${{ inputs.* }} sits in env or with:.
    for (const s of action.runs.steps) if (s.run) expect(s.run).not.toMatch(/\$\{\{\s*inputs\./);
  });

  it('splits the command input without a shell', async () => {
    const { splitCommand } = await import('../../scripts/action.mjs');
    expect(splitCommand('npx -y @modelcontextprotocol/server-everything')).toEqual(['npx', '-y', '@modelcontextprotocol/server-everything']);
    expect(splitCommand(`node "my server.js" --name 'a b' $HOME;rm`)).toEqual(['node', 'my server.js', '--name', 'a b', '$HOME;rm']);
    expect(splitCommand('node\nserver.js --flag\n')).toEqual(['node', 'server.js --flag']);
    expect(() => splitCommand('node "open')).toThrow(/unterminated " quote/);
  });

  it('asks mcptrust for the JUnit file in the same run as the log (one run, one verdict)', async () => {
    const { checkArgs } = await import('../../scripts/action.mjs');
    const args = withInputs({ INPUT_KEY: 'team.pub', INPUT_JUNIT_FILE: 'out/junit.xml', INPUT_PRESET: 'strict', INPUT_COMMAND: 'node server.js' }, () => checkArgs('text'));
    expect(args).toEqual(['check', '--lock', 'mcp-lock.json', '--fail-on', 'any', '--format', 'text', '--junit', 'out/junit.xml', '--key', 'team.pub', '--require-signature', '--preset', 'strict', '--', 'node', 'server.js']);
    // The action runs mcptrust once: no second, --format junit run whose verdict could differ.
    expect(readFileSync(join(repoRoot, 'scripts', 'action.mjs'), 'utf8').match(/mcptrust\(inputs\.version, checkArgsFor\(/g)).toHaveLength(1);
  });
});

describe('action.yml requires a signature by default (fail closed)', () => {
  it('defaults require-signature to "true"', () => {
    expect(action().inputs['require-signature'].default).toBe('true');
  });

  it('a run with the defaults and no key or keyring fails with a clear message (exit 2) before mcptrust runs', () => {
    // MCPTRUST_ACTION_PATH points nowhere: had the script gone on to run mcptrust, node would
    // fail to load it (exit 1, "Cannot find module") instead of this message.
    const env = { PATH: process.env.PATH ?? '', MCPTRUST_ACTION_PATH: join(repoRoot, 'no-such-folder'), ...inputEnv({ command: 'node server.js' }) };
    const r = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'action.mjs')], { env, encoding: 'utf8', timeout: 30_000 });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      "mcptrust action: no trusted keys: require-signature is 'true' (the default), so give the key input (public key files, one per line) or keyring (a folder of *.pub files); set require-signature: 'false' to run without checking the signature\n",
    );
  });

  it('checkArgs fails closed when the require-signature input is missing too; only "false" turns it off', async () => {
    const { checkArgs } = await import('../../scripts/action.mjs');
    expect(() => withInputs({ INPUT_COMMAND: 'node server.js' }, () => checkArgs('text'))).toThrow(/^no trusted keys: require-signature is 'true'/);
    // A value that is neither true nor false is an error naming the input, not a default.
    expect(() => withInputs({ INPUT_REQUIRE_SIGNATURE: 'yes', INPUT_COMMAND: 'node server.js' }, () => checkArgs('text'))).toThrow(/^input require-signature: expected true or false, got "yes"$/);
    const off = withInputs(inputEnv({ 'require-signature': 'false', command: 'node server.js' }), () => checkArgs('text'));
    expect(off).not.toContain('--require-signature');
    expect(off).not.toContain('--key');
    const ring = withInputs(inputEnv({ keyring: 'keys/', command: 'node server.js' }), () => checkArgs('text'));
    expect(ring).toEqual(expect.arrayContaining(['--keyring', 'keys/', '--require-signature']));
  });

  it('with a key and an unsigned lockfile, the arguments the action passes make mcptrust check fail (exit 1)', async () => {
    const { dir, cleanup } = tempDir('mcptrust-action-');
    try {
      copyFileSync(join(fixtures, 'clean.lock.json'), join(dir, 'mcp-lock.json'));
      expect((await runCli(['keygen', '--name', 'team'], { cwd: dir })).code).toBe(0);
      const { checkArgs } = await import('../../scripts/action.mjs');
      const args = withInputs(inputEnv({ key: 'team.pub', command: fixtureServer('example-server.mjs').join('\n') }), () => checkArgs('text'));
      const r = await runCli(args, { cwd: dir });
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('✗ signature not verified: the lockfile is not signed (no signature file mcp-lock.json.sig); sign it with: mcptrust sign --key PRIVATE.key');
      expect(r.stdout).toContain('✗ check failed: signature');
    } finally {
      cleanup();
    }
  }, 30_000);
});

// ---------------------------------------------------------------------------------------------
// Inputs, outputs, job summary and SARIF: scripts/action.mjs as the runner starts it.

const OUTPUTS = ['result', 'drift', 'max-severity', 'lockfile-digest', 'digests'];
const DIGEST = /^sha256:[0-9a-f]{64}$/;
const script = join(repoRoot, 'scripts', 'action.mjs');

/**
 * $GITHUB_OUTPUT read as the runner reads it: `name=value` lines, or `name<<DELIMITER`, then
 * every line up to the one equal to DELIMITER. Throws where the runner would fail the step.
 */
function parseGithubOutput(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const rows = text.split('\n').map((l) => l.replace(/\r$/, ''));
  if (rows.at(-1) === '') rows.pop();
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    const heredoc = row.indexOf('<<');
    const eq = row.indexOf('=');
    if (heredoc > 0 && (eq === -1 || heredoc < eq)) {
      const name = row.slice(0, heredoc);
      const delimiter = row.slice(heredoc + 2);
      const value: string[] = [];
      for (i++; i < rows.length && rows[i] !== delimiter; i++) value.push(rows[i]!);
      if (i >= rows.length) throw new Error(`no closing delimiter for ${name}`);
      out.set(name, value.join('\n'));
    } else if (eq > 0) {
      out.set(row.slice(0, eq), row.slice(eq + 1));
    } else {
      throw new Error(`invalid line ${JSON.stringify(row)}`);
    }
  }
  return out;
}

interface ActionRun {
  code: number | null;
  stdout: string;
  stderr: string;
  outputText: string;
  outputs: Map<string, string>;
  summary: string;
}

/** Runs scripts/action.mjs in `cwd` as the composite step does: inputs as INPUT_*, a fresh $GITHUB_OUTPUT and summary. */
function runAction(cwd: string, given: Record<string, string>, actionPath = repoRoot): ActionRun {
  const outputFile = join(cwd, '.github-output');
  const summaryFile = join(cwd, '.github-summary.md');
  writeFileSync(outputFile, '');
  writeFileSync(summaryFile, '');
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    MCPTRUST_ACTION_PATH: actionPath,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    RUNNER_TEMP: cwd,
    ...inputEnv(given),
  };
  const r = spawnSync(process.execPath, [script], { cwd, env, encoding: 'utf8', timeout: 60_000 });
  const outputText = readFileSync(outputFile, 'utf8');
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, outputText, outputs: parseGithubOutput(outputText), summary: readFileSync(summaryFile, 'utf8') };
}

/** A folder with mcp-lock.json of `server` (a fixture), signed with team.key; team.pub trusts it. */
async function signedLock(server: string[]): Promise<{ dir: string; cleanup: () => void }> {
  const t = tempDir('mcptrust-action-');
  for (const argv of [['lock', '--', ...server], ['keygen', '--name', 'team'], ['sign', '--key', 'team.key']]) {
    const r = await runCli(argv, { cwd: t.dir });
    expect(r.code, r.stderr).toBe(0);
  }
  return t;
}

const sha256 = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

describe('action.yml: inputs, outputs, one build', () => {
  it('declares the inputs and maps each output the script writes to the check step', () => {
    const a = action();
    for (const name of ['server', 'sig', 'header', 'env', 'rule-timeout', 'allow-unknown-signers', 'sarif-file']) expect(a.inputs[name], name).toBeDefined();
    expect(a.inputs['allow-unknown-signers'].default).toBe('false');
    expect(Object.keys(a.outputs)).toEqual(OUTPUTS);
    for (const name of OUTPUTS) expect(a.outputs[name].value).toBe(`\${{ steps.check.outputs.${name} }}`);
    const check = a.runs.steps.at(-1);
    expect(check.id).toBe('check');
    // Every input reaches the script, under the name the script reads.
    for (const name of Object.keys(a.inputs)) {
      if (name === 'working-directory') continue;
      expect(check.env[`INPUT_${name.toUpperCase().replace(/-/g, '_')}`], name).toBe(`\${{ inputs.${name} }}`);
    }
  });

  it('builds mcptrust once: npm ci runs no prepare script (a build of its own), then one build', () => {
    const build = action().runs.steps.find((s: { name?: string }) => s.name === 'Build mcptrust from the action checkout');
    expect(build.run).toBe('npm ci --ignore-scripts --no-audit --no-fund && npm run build');
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
    // Without --ignore-scripts, npm ci would build once through "prepare" and again after it.
    expect(pkg.scripts.prepare).toBe('npm run build');
    expect(readFileSync(script, 'utf8').match(/mcptrust\(inputs\.version, checkArgsFor\(/g)).toHaveLength(1);
  });

  it('passes server, sig, header, env, rule-timeout and allow-unknown-signers to mcptrust check', async () => {
    const { checkArgsFor, readInputs } = await import('../../scripts/action.mjs');
    const inputs = readInputs(
      inputEnv({
        key: 'a.pub\nb.pub',
        sig: 'lock.sig',
        'allow-unknown-signers': 'true',
        'rule-timeout': '500ms',
        config: '.mcp.json',
        server: 'memory\n  files  \n',
        header: 'Authorization: Bearer ${TOKEN}',
        env: 'ROOT=/srv\nMODE=ro',
        'sarif-file': 'drift.sarif',
      }),
    );
    expect(checkArgsFor(inputs, { json: '/t/c.json', markdown: '/t/s.md' })).toEqual([
      'check', '--lock', 'mcp-lock.json', '--fail-on', 'any', '--format', 'text',
      '--json', '/t/c.json', '--markdown', '/t/s.md', '--sarif', 'drift.sarif', '--sig', 'lock.sig',
      '--key', 'a.pub', '--key', 'b.pub', '--threshold', '1', '--require-signature', '--allow-unknown-signers',
      '--rule-timeout', '500ms', '--config', '.mcp.json', '--server', 'memory', '--server', 'files',
      '--header', 'Authorization: Bearer ${TOKEN}', '--env', 'ROOT=/srv', '--env', 'MODE=ro',
    ]);
  });
});

describe('action inputs: a bad value is an error naming the input, never a fallback', () => {
  const bad: [Record<string, string>, string][] = [
    [{ 'fail-on': 'sometimes' }, 'input fail-on: expected one of any, breaking, security, none, got "sometimes"'],
    [{ 'fail-on': 'Any' }, 'input fail-on: expected one of any, breaking, security, none, got "Any"'],
    [{ threshold: 'two' }, 'input threshold: expected a whole number of at least 1, got "two"'],
    [{ threshold: '0' }, 'input threshold: expected a whole number of at least 1, got "0"'],
    [{ threshold: '1.5' }, 'input threshold: expected a whole number of at least 1, got "1.5"'],
    [{ 'require-signature': 'yes' }, 'input require-signature: expected true or false, got "yes"'],
    [{ 'allow-unknown-signers': '1' }, 'input allow-unknown-signers: expected true or false, got "1"'],
    [{ 'setup-node': 'no' }, 'input setup-node: expected true or false, got "no"'],
    [{ format: 'junit' }, 'input format: expected one of text, json, got "junit"'],
    [{ 'rule-timeout': 'fast' }, 'input rule-timeout: expected a duration such as 2s, 500ms or 1m (at most 1440m), got "fast"'],
    [{ 'rule-timeout': '0s' }, 'input rule-timeout: expected a duration such as 2s, 500ms or 1m (at most 1440m), got "0s"'],
    [{ 'rule-timeout': '1441m' }, 'input rule-timeout: expected a duration such as 2s, 500ms or 1m (at most 1440m), got "1441m"'],
    [{ env: 'A=1\nSECRET-VALUE' }, 'input env, line 2: expected NAME=value'],
    [{ header: 'Bearer s3cr3t-token' }, 'input header, line 1: expected "Name: value"'],
    [{ 'mcptrust-version': '1.0.0 && curl evil' }, 'input mcptrust-version: expected a version such as 1.2.3 or a dist-tag such as latest, got "1.0.0 && curl evil"'],
  ];

  for (const [given, message] of bad) {
    it(`${Object.keys(given)[0]}: ${JSON.stringify(Object.values(given)[0])}`, async () => {
      const { readInputs, InputError } = await import('../../scripts/action.mjs');
      const env = inputEnv({ key: 'team.pub', command: 'node server.js', ...given });
      let thrown: unknown;
      try {
        readInputs(env);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(InputError);
      expect((thrown as Error).message).toBe(message);
    });
  }

  it('as a process: exit 2, the message on stderr, result=error in the outputs, and mcptrust never started', () => {
    const { dir, cleanup } = tempDir('mcptrust-action-');
    try {
      // The action path points nowhere: had mcptrust been started, node would fail to load it.
      const r = runAction(dir, { key: 'team.pub', command: 'node server.js', 'fail-on': 'high' }, join(dir, 'no-such-action'));
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe('mcptrust action: input fail-on: expected one of any, breaking, security, none, got "high"\n');
      expect([...r.outputs.keys()]).toEqual(OUTPUTS);
      expect(r.outputs.get('result')).toBe('error');
      expect(r.outputs.get('drift')).toBe('');
      expect(r.summary).toBe('### mcptrust check: ❌ error (an action input is invalid)\n\nThe step log names the input.\n');
    } finally {
      cleanup();
    }
  });

  it('a secret in a bad env or header line is never printed', () => {
    const { dir, cleanup } = tempDir('mcptrust-action-');
    try {
      const r = runAction(dir, { key: 'team.pub', command: 'node server.js', header: 'X-Ok: 1\ntoken-s3cr3t' });
      expect(r.code).toBe(2);
      expect(r.stderr).toBe('mcptrust action: input header, line 2: expected "Name: value"\n');
      expect(r.stderr + r.outputText + r.summary).not.toContain('s3cr3t');
    } finally {
      cleanup();
    }
  });
});

describe('action run against a live fixture server', () => {
  it('no drift, signed: exit 0, result=pass, drift=false, max-severity=none, the lockfile digest, a passing summary', async () => {
    const { dir, cleanup } = await signedLock(fixtureServer('example-server.mjs'));
    try {
      const r = runAction(dir, { key: 'team.pub', command: fixtureServer('example-server.mjs').join('\n') });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('✓ check passed');
      expect(Object.fromEntries(r.outputs)).toEqual({
        result: 'pass',
        drift: 'false',
        'max-severity': 'none',
        'lockfile-digest': sha256(readFileSync(join(dir, 'mcp-lock.json'))),
        digests: '{}',
      });
      expect(r.summary).toMatch(/^### mcptrust check: ✅ passed\n/);
      expect(r.summary).toContain('| signature | ✅ pass | `verified: signed by 1 trusted key (threshold 1)` |');
      expect(r.summary).toContain('### mcptrust diff: no drift');
      // The temporary JSON and markdown reports are gone.
      expect(readdirSync(dir).filter((f) => f.startsWith('mcptrust-action-'))).toEqual([]);
    } finally {
      cleanup();
    }
  }, 60_000);

  it('drift: exit 1, result=fail, the drift outputs, the markdown diff in the summary and a SARIF file from the same run', async () => {
    const { dir, cleanup } = await signedLock(fixtureServer('example-server.mjs'));
    try {
      const r = runAction(dir, { key: 'team.pub', command: fixtureServer('example-server.mjs', '--changed').join('\n'), 'sarif-file': 'out/drift.sarif', format: 'json' });
      expect(r.code, r.stderr).toBe(1);
      const log = JSON.parse(r.stdout);
      expect(log.passed).toBe(false);
      expect(r.outputs.get('result')).toBe('fail');
      expect(r.outputs.get('drift')).toBe('true');
      expect(r.outputs.get('max-severity')).toBe(log.drift.summary.maxSeverity);
      expect(r.outputs.get('max-severity')).toBe('critical');
      expect(r.outputs.get('lockfile-digest')).toBe(sha256(readFileSync(join(dir, 'mcp-lock.json'))));
      const digests = JSON.parse(r.outputs.get('digests')!);
      // Per-server digests, where this mcptrust reports them (check --format json drift.servers).
      const reported = (log.drift.servers ?? []) as { server: string; lockedDigest: string | null; liveDigest: string | null }[];
      expect(digests).toEqual(Object.fromEntries(reported.map((s) => [s.server, { locked: s.lockedDigest, live: s.liveDigest }])));
      for (const d of Object.values(digests) as { locked: string | null; live: string | null }[]) {
        expect(d.live === null || DIGEST.test(d.live)).toBe(true);
      }
      expect(r.summary).toMatch(/^### mcptrust check: ❌ failed \(drift\)\n/);
      expect(r.summary).toContain(`### mcptrust diff: ${log.drift.summary.changes} changes`);
      expect(r.summary).toContain('#### Server `example-notes`');
      const sarif = JSON.parse(readFileSync(join(dir, 'out', 'drift.sarif'), 'utf8'));
      expect(sarif.runs[0].results).toHaveLength(log.drift.changes.length);
      expect(sarif.runs[0].results.map((x: { properties: { name: string } }) => x.properties.name)).toEqual(log.drift.changes.map((c: { name: string }) => c.name));
    } finally {
      cleanup();
    }
  }, 60_000);

  it('a server that cannot start: exit 3, result=error, no drift verdict, a summary that says so', async () => {
    const { dir, cleanup } = await signedLock(fixtureServer('example-server.mjs'));
    try {
      const r = runAction(dir, { key: 'team.pub', command: `${process.execPath}\n${join(dir, 'no-such-server.mjs')}` });
      expect(r.code).toBe(3);
      expect(Object.fromEntries(r.outputs)).toMatchObject({ result: 'error', drift: '', 'max-severity': '', digests: '{}' });
      expect(r.outputs.get('lockfile-digest')).toMatch(DIGEST);
      expect(r.summary).toBe('### mcptrust check: ❌ error (the server could not be used)\n\nNo report was written; the step log says why.\n');
    } finally {
      cleanup();
    }
  }, 60_000);
});

describe('action outputs cannot be injected by server text', () => {
  it('a server named with line breaks and a forged delimiter yields exactly the five outputs, its name kept whole in digests', async () => {
    // serverInfo.name of testdata/servers/inject-server.mjs (not imported: it would start serving).
    const NAME = 'evil\nresult<<ghadelimiter_00000000-0000-0000-0000-000000000000\npass\nghadelimiter_00000000-0000-0000-0000-000000000000\r\ndrift=false\n';
    const { dir, cleanup } = await signedLock(fixtureServer('inject-server.mjs'));
    try {
      const r = runAction(dir, { key: 'team.pub', command: fixtureServer('inject-server.mjs', '--changed').join('\n') });
      expect(r.code, r.stderr).toBe(1);
      expect([...r.outputs.keys()]).toEqual(OUTPUTS);
      expect(r.outputs.get('result')).toBe('fail');
      expect(r.outputs.get('drift')).toBe('true');
      expect(r.outputs.get('max-severity')).toBe('critical');
      // Five records of three lines each: nothing the server sent added a line.
      expect(r.outputText.split('\n')).toHaveLength(OUTPUTS.length * 3 + 1);
      expect(r.outputText).not.toMatch(/[^\x20-\x7e\n]/);
      // The forged delimiter is in the digests value, escaped, never on a line of its own.
      expect(r.outputText).toContain('ghadelimiter_00000000');
      expect(r.outputText.split('\n').filter((l) => l.startsWith('ghadelimiter_00000000'))).toEqual([]);
      const digests = JSON.parse(r.outputs.get('digests')!);
      const names = Object.keys(digests);
      // Where this mcptrust reports per-server digests, the hostile name survives exactly.
      if (names.length > 0) expect(names).toEqual([NAME]);
      // The summary: every server string inside a code span or <code>, so no markup of the
      // server's survives — no link, mention, image, or a </details> that closes ours.
      const outsideCode = r.summary.replace(/<code>.*?<\/code>/g, '').replace(/(`+)(?:(?!\1)[^\n])*\1/g, '');
      for (const needle of ['evil.example', '@octocat', '<img', 'ghadelimiter', 'result=pass']) expect(outsideCode, needle).not.toContain(needle);
      // The server's own </details> stay inside code spans: outside them, ours pair up.
      expect(r.summary.match(/<\/details>/g)!.length).toBeGreaterThan(outsideCode.match(/<\/details>/g)!.length);
      expect(outsideCode.match(/<details>/g)?.length).toBe(outsideCode.match(/<\/details>/g)?.length);
      // No line of the summary starts with raw HTML from the server (a line starting with an HTML tag opens an HTML block).
      for (const line of r.summary.split('\n')) if (/^ {0,3}<\/?[a-z]/i.test(line)) expect(line, line).toMatch(/^(?:<details><summary>.*<\/summary>|<\/details>)$/);
      expect(r.summary).not.toContain('\r');
    } finally {
      cleanup();
    }
  }, 60_000);

  it('formatOutputs refuses a value that holds the delimiter or a line break, and names are fixed', async () => {
    const { formatOutputs, asciiJson } = await import('../../scripts/action.mjs');
    expect(formatOutputs({ result: 'pass' }, 'DELIM')).toBe('result<<DELIM\npass\nDELIM\n');
    expect(() => formatOutputs({ result: 'xDELIMx' }, 'DELIM')).toThrow('output result: the value holds a line break or the delimiter');
    for (const value of ['a\nb', 'a\rb', 'a\u2028b', 'a\u2029b', 'a\u0085b']) expect(() => formatOutputs({ drift: value }, 'D')).toThrow(/line break/);
    expect(() => formatOutputs({ 'a\nb': 'x' }, 'D')).toThrow(/bad output name/);
    // Two runs, two delimiters: an attacker cannot know the next one.
    const [a, b] = [formatOutputs({ result: 'pass' }), formatOutputs({ result: 'pass' })];
    expect(a.split('\n')[0]).toMatch(/^result<<ghadelimiter_[0-9a-f-]{36}$/);
    expect(a).not.toBe(b);
    expect(asciiJson({ 'x\ny\r\u2028\u001b': 'é' })).toBe('{"x\\ny\\r\\u2028\\u001b":"\\u00e9"}');
  });

  it('actionOutputs reads drift.servers when present, keeps only sha256 digests, and handles its absence', async () => {
    const { actionOutputs } = await import('../../scripts/action.mjs');
    const d1 = `sha256:${'1'.repeat(64)}`;
    const d2 = `sha256:${'2'.repeat(64)}`;
    const summary = { changes: 1, breaking: 0, maxSeverity: 'high', bySeverity: {} };
    const withServers = {
      drift: {
        drift: true,
        summary,
        servers: [
          { server: 'b', change: 'modified', lockedDigest: d1, liveDigest: d2 },
          { server: '__proto__', change: 'added', lockedDigest: null, liveDigest: 'sha256:nothex\nresult=pass' },
          { server: 'a', change: 'removed', lockedDigest: d1, liveDigest: null },
        ],
      },
    };
    const out = actionOutputs(1, withServers, Buffer.from('{}'));
    expect(out).toEqual({
      result: 'fail',
      drift: 'true',
      'max-severity': 'high',
      'lockfile-digest': `sha256:${createHash('sha256').update('{}').digest('hex')}`,
      digests: `{"__proto__":{"locked":null,"live":null},"a":{"locked":"${d1}","live":null},"b":{"locked":"${d1}","live":"${d2}"}}`,
    });
    expect(actionOutputs(1, { drift: { drift: true, summary } }, undefined)).toMatchObject({ digests: '{}', 'lockfile-digest': '' });
    expect(actionOutputs(0, { drift: { drift: false, summary: { ...summary, maxSeverity: null } } }, undefined)).toMatchObject({ drift: 'false', 'max-severity': 'none' });
    // A severity outside the closed set is never echoed.
    expect(actionOutputs(1, { drift: { drift: true, summary: { ...summary, maxSeverity: 'x\ny' } } }, undefined)['max-severity']).toBe('none');
    expect(actionOutputs(1, { drift: null }, undefined)).toMatchObject({ result: 'fail', drift: '', 'max-severity': '' });
    expect(actionOutputs(2, undefined, undefined).result).toBe('error');
  });

  it('a summary over 1 MB is cut at a line, and says so', async () => {
    const { summaryText, MAX_SUMMARY_BYTES } = await import('../../scripts/action.mjs');
    const line = `| ${'`x`'.repeat(30)} |\n`;
    const big = line.repeat(Math.ceil((MAX_SUMMARY_BYTES * 1.5) / line.length));
    const cut = summaryText(1, big);
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(MAX_SUMMARY_BYTES);
    expect(cut).toMatch(/\n\n… summary cut at 1 MB \(GitHub shows at most 1 MiB\); the step log and `--format json` have everything\.\n$/);
    const body = cut.slice(0, cut.indexOf('\n\n… summary cut'));
    for (const l of body.split('\n')) expect(l).toBe(line.slice(0, -1));
    expect(summaryText(1, 'small\n')).toBe('small\n');
  });
});

describe('SARIF for code scanning: security-severity on every rule', () => {
  const BANDS: Record<string, [number, number]> = { critical: [9.0, 10.0], high: [7.0, 8.9], medium: [4.0, 6.9], low: [0.1, 3.9], info: [0.0, 0.0] };

  it('every rule carries properties.security-severity as a number string in its severity band, and each result uses its severity\'s rule', () => {
    const before = driftLock();
    const report = diffLockfiles(before, driftLock(SWITCHES));
    const severities = new Set(report.changes.map((c) => c.severity));
    // The fixture drifts at several severities, so several bands are exercised.
    expect(severities.size).toBeGreaterThanOrEqual(3);
    const sarif = JSON.parse(renderDiffSarif(report, { lockUri: 'mcp-lock.json', lockText: serializeLockfile(before), toolVersion: '0.1.0' }));
    const { rules } = sarif.runs[0].tool.driver;
    expect(rules.length).toBeGreaterThan(0);
    for (const rule of rules) {
      const score = rule.properties['security-severity'];
      expect(typeof score, rule.id).toBe('string');
      expect(score, rule.id).toMatch(/^\d{1,2}\.\d$/);
      const severity = rule.id.split('/').at(-1);
      const [lo, hi] = BANDS[severity]!;
      expect(Number(score), rule.id).toBeGreaterThanOrEqual(lo);
      expect(Number(score), rule.id).toBeLessThanOrEqual(hi);
      expect(rule.properties.tags).toContain('security');
    }
    expect(new Set(rules.map((r: { id: string }) => r.id)).size).toBe(rules.length);
    for (const result of sarif.runs[0].results) {
      const rule = rules[result.ruleIndex];
      expect(rule.id).toBe(result.ruleId);
      expect(result.ruleId.endsWith(`/${result.properties.severity}`)).toBe(true);
      expect(rule.properties['security-severity']).toBe(result.properties['security-severity']);
      expect(rule.defaultConfiguration.level).toBe(result.level);
    }
    // Only the rules the results use.
    expect(rules).toHaveLength(new Set(sarif.runs[0].results.map((r: { ruleId: string }) => r.ruleId)).size);
  });

  it('maps each severity to the middle of GitHub\'s band', () => {
    expect(SECURITY_SEVERITY).toEqual({ critical: '9.5', high: '8.0', medium: '5.5', low: '3.0', info: '0.0' });
  });
});
