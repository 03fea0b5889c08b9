import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { repoRoot } from '../helpers/cli.js';

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
    const saved = { ...process.env };
    try {
      Object.assign(process.env, { INPUT_JUNIT_FILE: 'out/junit.xml', INPUT_PRESET: 'strict', INPUT_COMMAND: 'node server.js' });
      expect(checkArgs('text')).toEqual(['check', '--lock', 'mcp-lock.json', '--fail-on', 'any', '--format', 'text', '--junit', 'out/junit.xml', '--preset', 'strict', '--', 'node', 'server.js']);
      // The action runs mcptrust once: no second, --format junit run whose verdict could differ.
      expect(readFileSync(join(repoRoot, 'scripts', 'action.mjs'), 'utf8').match(/mcptrust\(checkArgs\(/g)).toHaveLength(1);
    } finally {
      for (const k of ['INPUT_JUNIT_FILE', 'INPUT_PRESET', 'INPUT_COMMAND']) if (saved[k] === undefined) delete process.env[k];
    }
  });
});
