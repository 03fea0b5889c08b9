// JSON with comments (VS Code, Zed, Gemini CLI): comments and trailing commas accepted, every
// character kept at its line and column, duplicate keys still refused, and errors placed as
// FILE:LINE:COL without quoting the file.
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfigDocument, readingFor } from '../../src/config/agent-config.js';
import { parseJsonOrJsonc, stripJsonc } from '../../src/config/jsonc.js';

describe('stripJsonc', () => {
  it('blanks comments and trailing commas with spaces, keeping line breaks and every offset', () => {
    const text = '{\r\n  // line\r\n  "a": [1, 2,], /* x\n y */ "b": "//not a comment", "c": "/*nor this*/",\n}';
    const r = stripJsonc(text);
    expect('text' in r && r.text.length).toBe(text.length);
    const out = (r as { text: string }).text;
    expect(out).toBe('{\r\n         \r\n  "a": [1, 2 ],     \n      "b": "//not a comment", "c": "/*nor this*/" \n}');
    expect(JSON.parse(out)).toEqual({ a: [1, 2], b: '//not a comment', c: '/*nor this*/' });
  });

  it('keeps a comma that separates members, even with a comment between it and the next one', () => {
    const r = stripJsonc('{"a": 1, // one\n "b": 2}');
    expect(JSON.parse((r as { text: string }).text)).toEqual({ a: 1, b: 2 });
  });

  it('an escaped quote does not end a string; a comma inside a string is not trailing', () => {
    const r = parseJsonOrJsonc('{"a": "x\\",}", }', true);
    expect('value' in r && r.value).toEqual({ a: 'x",}' });
  });

  it('an unterminated block comment is placed where it starts', () => {
    expect(stripJsonc('{\n  "a": 1 /* open')).toEqual({ problem: { reason: 'unterminated /* comment', line: 2, column: 10 } });
  });

  it('duplicate member names are refused after comments are removed', () => {
    const r = parseJsonOrJsonc('{\n  "servers": { "a": {}, // first\n  "a": {} }\n}', true);
    expect(r).toEqual({ problem: { reason: 'duplicate key $.servers: "a"', line: 3, column: 3 } });
  });

  it('a million comments and trailing commas: one pass, same length', () => {
    const text = `[${'1, /* c */ '.repeat(1_000_000)}]`;
    const r = stripJsonc(text);
    expect((r as { text: string }).text.length).toBe(text.length);
    expect((JSON.parse((r as { text: string }).text) as number[]).length).toBe(1_000_000);
  });
});

describe('config files are read as their agent writes them', () => {
  const SECRET = 'sk-live-never-in-a-message-42';
  it.each([
    ['/p/.vscode/mcp.json', `{\n  "servers": {\n    "a": { "command": "x", "args": ["${SECRET}"] }\n    "b": {}\n  }\n}`, '/p/.vscode/mcp.json:4:5: is not valid JSON with comments: expected "," or "}"'],
    ['/h/.config/zed/settings.json', `{ "context_servers": { "a": { "command": "${SECRET}" } } `, '/h/.config/zed/settings.json:1:78: is not valid JSON with comments: unexpected end of the text'],
    ['/p/.mcp.json', `{\n  // ${SECRET}\n  "mcpServers": {}\n}`, '/p/.mcp.json:2:3: is not valid JSON: a comment (JSON has no comments) (this agent reads plain JSON; remove it)'],
    ['/h/.codex/config.toml', `[mcp_servers.a]\ncommand = ${SECRET}\n`, /^\/h\/\.codex\/config\.toml:2:11: is not valid TOML: [a-z ,()-]+$/],
    ['/h/.config/goose/config.yaml', `extensions:\n  a:\n    cmd: x\n  a:\n    cmd: ${SECRET}\n`, '/h/.config/goose/config.yaml:4:3: is not valid YAML: duplicate key'],
  ])('%s: an error names file:line:col and quotes nothing', (path, text, message) => {
    let error: unknown;
    try {
      parseConfigDocument(text, path, readingFor(path).format);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe('MALFORMED_CONFIG');
    if (typeof message === 'string') expect((error as ConfigError).message).toBe(message);
    else expect((error as ConfigError).message).toMatch(message);
    expect((error as ConfigError).message).not.toContain('sk-live');
  });

  it('VS Code and Zed files accept comments and trailing commas; Claude Code .mcp.json does not', () => {
    expect(readingFor('/p/.vscode/mcp.json').format).toBe('jsonc');
    expect(readingFor('/h/.config/Code/User/settings.json')).toMatchObject({ format: 'jsonc', section: 'mcp.servers' });
    expect(readingFor('/h/.config/zed/settings.json')).toMatchObject({ format: 'jsonc', section: 'context_servers', dialect: 'zed' });
    expect(readingFor('C:\\Users\\u\\AppData\\Roaming\\Zed\\settings.json')).toMatchObject({ format: 'jsonc', dialect: 'zed' });
    expect(readingFor('/p/.mcp.json').format).toBe('json');
    expect(readingFor('/h/.codex/config.toml')).toMatchObject({ format: 'toml', section: 'mcp_servers', dialect: 'codex' });
    expect(parseConfigDocument('{ "servers": { "a": { "command": "x", }, }, // end\n}', '/p/.vscode/mcp.json', 'jsonc')).toEqual({ servers: { a: { command: 'x' } } });
  });

  it('a YAML alias bomb is refused, not expanded', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(', ')}]`)].join('\n');
    expect(() => parseConfigDocument(bomb, '/h/.config/goose/config.yaml', 'yaml')).toThrow(/not valid YAML/);
  });
});
