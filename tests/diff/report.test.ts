import { describe, expect, it } from 'vitest';
import { diffLockfiles, diffWords } from '../../src/diff/index.js';
import { serializeLockfile } from '../../src/lockfile/build.js';
import { markdownCode, renderDiffMarkdown } from '../../src/report/diff-markdown.js';
import { renderDiffSarif } from '../../src/report/diff-sarif.js';
import { renderDiffText } from '../../src/report/diff-text.js';
import { memberLines } from '../../src/report/json-lines.js';
import { SWITCHES } from '../../testdata/servers/drift-surface.mjs';
import { driftLock, toolLock } from './helpers.js';
import { withinHangGuard } from '../helpers/watchdog.js';

const plain = { red: (s: string) => s, green: (s: string) => s, yellow: (s: string) => s, dim: (s: string) => s, bold: (s: string) => s };
const sources = { before: 'mcp-lock.json', after: 'new.json' };

describe('diffWords', () => {
  it('keeps common words and groups what changed between them', () => {
    expect(diffWords('Search the docs quickly.', 'Search all the documentation quickly.')).toEqual([
      { op: 'equal', text: 'Search ' },
      { op: 'added', text: 'all ' },
      { op: 'equal', text: 'the ' },
      { op: 'removed', text: 'docs' },
      { op: 'added', text: 'documentation' },
      { op: 'equal', text: ' quickly.' },
    ]);
  });

  it('joins back to both texts', () => {
    const a = 'one two three four five';
    const b = 'zero one three five six';
    const words = diffWords(a, b);
    expect(words.filter((w) => w.op !== 'added').map((w) => w.text).join('')).toBe(a);
    expect(words.filter((w) => w.op !== 'removed').map((w) => w.text).join('')).toBe(b);
  });

  it('bounds the work on huge texts: the middle becomes one replacement', () => {
    const a = Array.from({ length: 3000 }, (_, i) => `a${i}`).join(' ');
    const b = Array.from({ length: 3000 }, (_, i) => `b${i}`).join(' ');
    const words = withinHangGuard(() => diffWords(`keep ${a} end`, `keep ${b} end`));
    expect(words.map((w) => w.op)).toEqual(['equal', 'removed', 'added', 'equal']);
  });
});

describe('text and markdown make server text harmless', () => {
  const hostile = { name: 'x|y', description: 'ok', inputSchema: { type: 'object' } };
  const evil = { name: 'x|y', description: 'ok\u001b]0;pwned\u0007 <img src=x onerror=alert(1)> [click](http://evil) @admin `code`', inputSchema: { type: 'object' } };

  it('escapes terminal control characters in the text report', () => {
    const out = renderDiffText(diffLockfiles(toolLock(hostile), toolLock(evil)), sources, plain);
    expect(out).not.toMatch(/[\u001b\u0007]/);
    expect(out).toContain('\\u{1b}]0;pwned\\u{7}');
  });

  it('puts server text in code spans in the markdown report, so it opens no HTML, link, mention or autolink', () => {
    const out = renderDiffMarkdown(diffLockfiles(toolLock(hostile), toolLock(evil)), sources);
    // The whole new text is one span; its own backticks cannot close it (the fence is longer).
    expect(out).toContain('<ins>`` ok\\u{1b}]0;pwned\\u{7} <img src=x onerror=alert(1)> [click](http://evil) @admin `code` ``</ins>');
    expect(out).toContain('| `x\\|y` |');
    expect(out).toContain('<summary>medium: tool <code>x|y</code> modified</summary>');
    expect(out).not.toMatch(/[\u001b\u0007]/);
  });

  it('writes one code span per server string, fenced longer than any backtick run inside', () => {
    expect(markdownCode('a*b_c`d|e<f>[g](h) #1 @i $j$ k:l www.m.n')).toBe('``a*b_c`d|e<f>[g](h) #1 @i $j$ k:l www.m.n``');
    expect(markdownCode('a|b', 80, true)).toBe('`a\\|b`');
  });
});

describe('SARIF 2.1.0', () => {
  const before = driftLock();
  const lockText = serializeLockfile(before);
  const report = diffLockfiles(before, driftLock(SWITCHES));
  const sarif = JSON.parse(renderDiffSarif(report, { lockUri: 'mcp-lock.json', lockText, toolVersion: '0.1.0' }));
  const lines = lockText.split('\n');

  it('has the 2.1.0 shape: version, one run, a driver with rules, one result per change', () => {
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.$schema).toMatch(/sarif-schema-2\.1\.0\.json$/);
    expect(sarif.runs).toHaveLength(1);
    const run = sarif.runs[0];
    expect(run.tool.driver.name).toBe('mcptrust');
    expect(run.results).toHaveLength(report.changes.length);
    for (const result of run.results) {
      expect(run.tool.driver.rules[result.ruleIndex].id).toBe(result.ruleId);
      expect(['error', 'warning', 'note']).toContain(result.level);
      expect(result.message.text.length).toBeGreaterThan(0);
      expect(result.locations[0].physicalLocation.artifactLocation.uri).toBe('mcp-lock.json');
      expect(Number.isInteger(result.locations[0].physicalLocation.region.startLine)).toBe(true);
      expect(result.locations[0].physicalLocation.region.startLine).toBeGreaterThanOrEqual(1);
    }
  });

  it('points a modified or removed entry at its own line in the lockfile', () => {
    const run = sarif.runs[0];
    for (const name of ['read_file', 'export_pdf', 'search']) {
      const result = run.results.find((r: { properties: { name: string } }) => r.properties.name === name);
      const line = lines[result.locations[0].physicalLocation.region.startLine - 1];
      expect(line).toBe(`        ${JSON.stringify(name)}: {`);
    }
    const template = run.results.find((r: { properties: { name: string } }) => r.properties.name === 'docs://{page}');
    expect(lines[template.locations[0].physicalLocation.region.startLine - 1]).toBe('        "docs://{page}": {');
  });

  it('points an added entry at the collection it joins, and a server change at its identity', () => {
    const run = sarif.runs[0];
    const added = run.results.find((r: { properties: { name: string } }) => r.properties.name === 'run_command');
    expect(lines[added.locations[0].physicalLocation.region.startLine - 1]).toBe('      "tools": {');
    const server = run.results.find((r: { properties: { kind: string } }) => r.properties.kind === 'server');
    expect(lines[server.locations[0].physicalLocation.region.startLine - 1]).toBe('      "identity": {');
    expect(server.level).toBe('error');
  });
});

describe('memberLines', () => {
  it('finds member names up to a depth of containers (arrays count), decoding escapes, ignoring look-alike strings in values', () => {
    const text = '{\n  "a": {\n    "b\\u0021": [\n      {"c": 1}\n    ],\n    "x": "\\"d\\": {"\n  },\n  "e": 2\n}\n';
    const lines = memberLines(text, 4);
    expect(lines.get('a')).toBe(2);
    expect(lines.get('a\u0000b!')).toBe(3);
    expect(lines.get('a\u0000b!\u0000c')).toBe(4);
    expect(lines.get('a\u0000x')).toBe(6);
    expect(lines.get('e')).toBe(8);
    expect([...lines.keys()].some((k) => k.includes('d'))).toBe(false);
  });
});
