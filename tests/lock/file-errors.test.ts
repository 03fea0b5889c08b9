// An error about a file never quotes the file (tests of issue 9): a lockfile, signature, agent
// config, policy, key or envFile path may be a symlink to a secret (a token file), and error
// messages are printed and land in CI logs. Each case: a file that fails to parse, holding a
// token; exit 2; the message names the file and where (line and column where the format has
// them); no 5-character piece of the token appears in stdout or stderr.
import { symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJsonStrict } from '../../src/util/json.js';
import { oneToolLockText } from '../helpers/lockfiles.js';
import { runCli, tempDir } from '../helpers/cli.js';

const SECRET = 'ghp_SECRETSECRETSECRET123';
const pieces = Array.from({ length: SECRET.length - 4 }, (_, i) => SECRET.slice(i, i + 5));

function expectNoSecret(text: string): void {
  for (const piece of pieces) expect(text, `"${piece}" leaked`).not.toContain(piece);
}

let dir: string;
let cleanup: () => void;
const run = (...argv: string[]) => runCli(argv, { cwd: dir });

/** A secret file and a symlink to it under the name a command expects. */
function secretBehind(link: string, content: string): void {
  const target = `${link}.secret`;
  writeFileSync(join(dir, target), content);
  symlinkSync(target, join(dir, link));
}

beforeAll(async () => {
  ({ dir, cleanup } = tempDir());
  writeFileSync(join(dir, 'mcp-lock.json'), oneToolLockText());
  expect((await run('keygen', '--name', 'k')).code).toBe(0);
  expect((await run('sign', '--key', 'k.key')).code).toBe(0);
});
afterAll(() => cleanup());

describe('no file content in any error message', () => {
  it('a lockfile that is a token: exit 2, file, line and column', async () => {
    secretBehind('token-lock.json', `\n  ${SECRET}\n`);
    const r = await run('policy', 'check', '--preset', 'baseline', '--lock', 'token-lock.json');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('token-lock.json is not valid JSON: unexpected character at line 2, column 3');
    expectNoSecret(r.stdout + r.stderr);
  });

  it('a lockfile that is a JSON object holding a token after a syntax error: nothing of it quoted', async () => {
    secretBehind('token2-lock.json', `{"token": "${SECRET}" "x": 1}`);
    const r = await run('diff', '--against', 'token2-lock.json');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('token2-lock.json is not valid JSON: expected "," or "}" at line 1, column 39');
    expectNoSecret(r.stdout + r.stderr);
  });

  it('a signature file that is a token: exit 2, file, line and column', async () => {
    secretBehind('token.sig', SECRET);
    const r = await run('verify', '--key', 'k.pub', '--sig', 'token.sig');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('token.sig: not valid JSON (unexpected character at line 1, column 1)');
    expectNoSecret(r.stdout + r.stderr);
  });

  it('an agent config (JSON) that is a token: exit 2, file, line and column', async () => {
    secretBehind('token-config.json', `{\n"mcpServers": ${SECRET}}`);
    const r = await run('lock', '--config', 'token-config.json');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('token-config.json:2:15: is not valid JSON: unexpected character');
    expectNoSecret(r.stdout + r.stderr);
  });

  it('a policy whose YAML quotes a token in its parser error (an unresolved alias): exit 2, file, line and column', async () => {
    secretBehind('token-policy.yaml', `rules: *${SECRET}\n`);
    const r = await run('policy', 'check', '--policy', 'token-policy.yaml');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('token-policy.yaml:1:8: is not valid YAML: an alias to an anchor that is not set before it');
    expectNoSecret(r.stdout + r.stderr);
  });

  it('a policy with a YAML syntax error next to a token: exit 2, file, line and column, no source line', async () => {
    secretBehind('token-policy2.yaml', `rules:\n  - name: "${SECRET}\n`);
    const r = await run('policy', 'check', '--policy', 'token-policy2.yaml');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/token-policy2\.yaml:\d+:\d+: is not valid YAML: a closing quote, bracket or brace is missing/);
    expectNoSecret(r.stdout + r.stderr);
  });

  it('a public key file that is a token: exit 2 naming the file', async () => {
    secretBehind('token.pub', `${SECRET}\n`);
    const r = await run('verify', '--key', 'token.pub');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('token.pub');
    expectNoSecret(r.stdout + r.stderr);
  });

  it('a private key file that is a token: exit 2 naming the file', async () => {
    secretBehind('token.key', `${SECRET}\n`);
    const r = await run('sign', '--key', 'token.key', '--out', 'other.sig');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('token.key');
    expectNoSecret(r.stdout + r.stderr);
  });

  it('an envFile that is a token: exit 2 naming the file and the line', async () => {
    secretBehind('token.env', `# settings\n${SECRET}\n`);
    writeFileSync(join(dir, 'env-config.json'), JSON.stringify({ servers: { s: { type: 'stdio', command: 'node', envFile: join(dir, 'token.env') } } }));
    const r = await run('lock', '--config', 'env-config.json', '-o', 'env-lock.json');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/token\.env line 2 is not NAME=value/);
    expectNoSecret(r.stdout + r.stderr);
  });
});

describe('parseJsonStrict names the place of a syntax error and quotes nothing', () => {
  it.each([
    ['', 'unexpected end of the text at line 1, column 1'],
    ['{"a": 1,\n  "b": tru}', 'unexpected character at line 2, column 8'],
    ['{"a": "x\u0001"}', 'control character in a string (escape it) at line 1, column 9'],
    ['{"a": "\\q"}', 'invalid escape in a string at line 1, column 8'],
    ['[1, 2', 'unexpected end of the text at line 1, column 6'],
    ['{"a": 01}', 'expected "," or "}" at line 1, column 8'],
    ['{"a": 1} x', 'unexpected character after the end of the JSON value at line 1, column 10'],
    ['{\r\n  // note\r\n}', 'a comment (JSON has no comments) at line 2, column 3'],
    ['{"a" 1}', 'expected ":" at line 1, column 6'],
  ])('%j: %s', (text, message) => {
    const r = parseJsonStrict(text);
    expect('problem' in r && r.problem.message).toBe(message);
  });
});
