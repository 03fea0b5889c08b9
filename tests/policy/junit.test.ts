import { describe, expect, it } from 'vitest';
import { escapeXml, renderJUnit } from '../../src/report/junit.js';
import { runCli } from '../helpers/cli.js';
import { fixtures } from './helpers.js';

describe('JUnit XML', () => {
  it('escapes markup, and shows control and invisible characters as \\u{…} (server text is hostile)', () => {
    expect(escapeXml(`a<b>&"c"'d'`)).toBe('a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;');
    // Not XML 1.0 characters at all: made visible rather than dropped.
    expect(escapeXml('x\u0000y\u001bz\ud800w\uffff')).toBe('x\\u{0}y\\u{1b}z\\u{d800}w\\u{ffff}');
    // Legal in XML but harmful where the report is shown: CR, NEL, C1, LS, bidi, zero-width.
    expect(escapeXml('a\rb\u0085c\u009bd\u2028e\u202ef\u200bg')).toBe('a\\u{d}b\\u{85}c\\u{9b}d\\u{2028}e\\u{202e}f\\u{200b}g');
    expect(escapeXml('tab\tnew\nline kept')).toBe('tab\tnew\nline kept');
  });

  it('keeps line feeds and tabs in attribute values as character references', () => {
    const xml = renderJUnit('run', [{ name: 's', cases: [{ name: 'n\u202e', classname: 'c', status: 'fail', message: 'one\ntwo\tthree\r' }] }]);
    expect(xml).toContain('<testcase name="n\\u{202e}" classname="c" time="0.000">');
    expect(xml).toContain('<failure message="one&#10;two&#9;three\\u{d}" type="failure"/>');
  });

  it('counts tests, failures, errors and skips per suite and overall', () => {
    const xml = renderJUnit('run', [
      {
        name: 's',
        cases: [
          { name: 'ok', classname: 'c', status: 'pass', timeMs: 1500 },
          { name: 'bad', classname: 'c', status: 'fail', message: 'm<1>', details: 'd' },
          { name: 'err', classname: 'c', status: 'error', message: 'e' },
          { name: 'skip', classname: 'c', status: 'skip', message: 'why' },
        ],
      },
    ]);
    expect(xml).toBe(
      [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<testsuites name="run" tests="4" failures="1" errors="1" skipped="1">',
        '  <testsuite name="s" tests="4" failures="1" errors="1" skipped="1" time="1.500">',
        '    <testcase name="ok" classname="c" time="1.500"/>',
        '    <testcase name="bad" classname="c" time="0.000">',
        '      <failure message="m&lt;1&gt;" type="failure">d</failure>',
        '    </testcase>',
        '    <testcase name="err" classname="c" time="0.000">',
        '      <error message="e" type="error"/>',
        '    </testcase>',
        '    <testcase name="skip" classname="c" time="0.000">',
        '      <skipped message="why"/>',
        '    </testcase>',
        '  </testsuite>',
        '</testsuites>',
        '',
      ].join('\n'),
    );
  });

  it('policy check --format junit gives one test case per rule', async () => {
    const r = await runCli(['policy', 'check', '--policy', 'strict-mixed.yaml', '--lock', 'undescribed.lock.json', '--format', 'junit'], { cwd: fixtures });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('<testsuites name="mcptrust policy check" tests="2" failures="1" errors="0" skipped="0">');
    expect(r.stdout).toMatch(/<testcase name="described" classname="mcptrust.policy.mixed" time="[\d.]+">\n {6}<system-out>warning \(warn\): a tool has no description\n- tool example-notes\/get_status<\/system-out>/);
    expect(r.stdout).toMatch(/<testcase name="no_file_resources" classname="mcptrust.policy.mixed" time="[\d.]+">\n {6}<failure message="a resource is a local file"/);
  });
});
