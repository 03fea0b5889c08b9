import { describe, expect, it } from 'vitest';
import { createLockfile, serializeLockfile, surfaceDigest } from '../../src/lockfile/build.js';
import { LockfileError, parseLockfile } from '../../src/lockfile/parse.js';
import { demoSurface } from '../helpers/lockfiles.js';

const sample = () =>
  serializeLockfile(
    createLockfile([
      {
        name: 'demo',
        transport: { type: 'stdio', command: 'node', args: ['server.js'], env: ['TOKEN'] },
        surface: demoSurface({ echo: { description: 'Echo the input', inputSchema: { type: 'object' } } }),
      },
    ]),
  );

function expectError(text: string, code: string, message: RegExp) {
  try {
    parseLockfile(text, 'mcp-lock.json');
  } catch (error) {
    expect(error).toBeInstanceOf(LockfileError);
    expect((error as LockfileError).code).toBe(code);
    expect((error as LockfileError).category).toBe('input');
    expect((error as Error).message).toMatch(message);
    return;
  }
  throw new Error('expected parseLockfile to throw');
}

describe('parseLockfile', () => {
  it('round-trips what serializeLockfile writes', () => {
    const text = sample();
    const lock = parseLockfile(text);
    expect(serializeLockfile(lock)).toBe(text);
    expect(lock.servers.demo!.transport).toEqual({ type: 'stdio', command: 'node', args: ['server.js'], env: ['TOKEN'] });
  });

  it('keeps a tool named __proto__ as data, not as a prototype', () => {
    const text = serializeLockfile(
      createLockfile([{ name: 'x', transport: { type: 'stdio', command: 'n', args: [], env: [] }, surface: demoSurface(JSON.parse('{"__proto__": {"inputSchema": {"type": "object"}}, "constructor": {"inputSchema": {"type": "object"}}}')) }]),
    );
    const lock = parseLockfile(text);
    expect(Object.keys(lock.servers.x!.surface.tools).sort()).toEqual(['__proto__', 'constructor']);
    expect(serializeLockfile(lock)).toBe(text);
  });

  it('refuses truncated JSON', () => expectError(sample().slice(0, 100), 'MALFORMED_JSON', /mcp-lock\.json is not valid JSON/));
  it('refuses duplicate keys', () => expectError(sample().replace('"lockfileVersion": 1,', '"lockfileVersion": 1, "lockfileVersion": 1,'), 'DUPLICATE_KEY', /duplicate key \$: "lockfileVersion"/));
  it('refuses an unknown version, saying what it reads', () => expectError(sample().replace('"lockfileVersion": 1', '"lockfileVersion": 2'), 'UNKNOWN_VERSION', /lockfileVersion 2; this mcptrust reads version 1/));
  it('refuses a file without a version', () => expectError('{"servers": {}}', 'UNKNOWN_VERSION', /no lockfileVersion/));
  it('refuses a string version, naming its type and never its text (the file may be a secret)', () => {
    expectError('{"lockfileVersion": "1", "servers": {}}', 'UNKNOWN_VERSION', /^mcp-lock\.json has lockfileVersion of type string \(not a number\); this mcptrust reads version 1 /);
    for (const [value, shown] of [['"ghp_0123456789abcdefSECRET"', 'of type string'], ['{"token": "SECRET"}', 'of type object'], ['["SECRET"]', 'of type array'], ['true', 'of type boolean'], ['null', 'null']] as const) {
      let message = '';
      try {
        parseLockfile(`{"lockfileVersion": ${value}, "servers": {}}`);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toContain(`has lockfileVersion ${shown} (not a number)`);
      expect(message).not.toContain('SECRET');
    }
  });
  it('refuses unknown fields', () => expectError(sample().replace('"lockfileVersion": 1,', '"lockfileVersion": 1, "extra": true,'), 'INVALID_STRUCTURE', /unknown field "extra"/));
  it('refuses a hand-edited definition', () =>
    expectError(sample().replace('Echo the input', 'Echo the input and read ~/.ssh'), 'DIGEST_MISMATCH', /tool "echo" does not match its digest/));
  it('refuses a definition filed under another name', () => expectError(sample().replace('"name": "echo"', '"name": "echo2"'), 'INVALID_STRUCTURE', /definition\.name must equal its key/));
  it('refuses an edited server digest', () => {
    const text = sample();
    const digest = surfaceDigest(parseLockfile(text).servers.demo!.surface);
    expectError(text.replace(digest, `sha256:${'0'.repeat(64)}`), 'DIGEST_MISMATCH', /server "demo" does not match its surface digest/);
  });
  it('refuses a wrong transport type', () => expectError(sample().replace('"type": "stdio"', '"type": "pigeon"'), 'INVALID_STRUCTURE', /transport\.type must be/));
  it('refuses a non-object top level', () => expectError('[]', 'INVALID_STRUCTURE', /top level must be an object/));
  it('refuses absurd nesting without a stack trace', () => expectError('['.repeat(200_000), 'MALFORMED_JSON', /not valid JSON/));
  it('names the line and column of a syntax error and quotes nothing of the file', () =>
    expectError(`${sample().slice(0, 40)}ghp_TOKENTOKENTOKEN`, 'MALFORMED_JSON', /^mcp-lock\.json is not valid JSON: expected a property name in double quotes at line 3, column 15$/));
  it('refuses nesting past the item depth bound plus the lockfile wrapping, naming it', async () => {
    const { MAX_LOCKFILE_DEPTH } = await import('../../src/lockfile/parse.js');
    expectError(`${'['.repeat(MAX_LOCKFILE_DEPTH + 1)}${']'.repeat(MAX_LOCKFILE_DEPTH + 1)}`, 'MALFORMED_JSON', new RegExp(`nested more than ${MAX_LOCKFILE_DEPTH} levels deep$`));
  });
});

describe('parseJsonStrict', () => {
  it('refuses nesting deeper than MAX_JSON_DEPTH without recursion, and accepts it at the limit', async () => {
    const { parseJsonStrict, MAX_JSON_DEPTH } = await import('../../src/util/json.js');
    const deep = (n: number) => `${'{"a":'.repeat(n - 1)}{}${'}'.repeat(n - 1)}`;
    expect('value' in parseJsonStrict(deep(MAX_JSON_DEPTH))).toBe(true);
    const over = parseJsonStrict(deep(MAX_JSON_DEPTH + 1));
    expect(over).toEqual({ problem: { kind: 'syntax', message: `nested more than ${MAX_JSON_DEPTH} levels deep` } });
    const million = parseJsonStrict(`${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}`);
    expect('problem' in million && million.problem.kind).toBe('syntax');
  });

  it('makes JSON syntax errors printable (the excerpt comes from the file)', async () => {
    const { parseJsonStrict } = await import('../../src/util/json.js');
    const r = parseJsonStrict('{"a": \u001b[2J}');
    expect('problem' in r && r.problem.message).not.toMatch(/\u001b/);
  });
});
