import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
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
    expect(readFileSync(join(repoRoot, 'scripts', 'action.mjs'), 'utf8').match(/mcptrust\(checkArgs\(/g)).toHaveLength(1);
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
    expect(() => withInputs({ INPUT_REQUIRE_SIGNATURE: 'yes', INPUT_COMMAND: 'node server.js' }, () => checkArgs('text'))).toThrow(/no trusted keys/);
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
