import { describe, expect, it } from 'vitest';
import { escapeXml, renderJUnit } from '../../src/report/junit.js';
import { runCli } from '../helpers/cli.js';
import { fixtures } from './helpers.js';

describe('JUnit XML', () => {
  it('escapes markup and drops characters XML 1.0 cannot carry (server text is hostile)', () => {
    expect(escapeXml(`a<b>&"c"'d'`)).toBe('a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;');
    expect(escapeXml('x\u0000y\u001bz\ud800w\uffff')).toBe('x\ufffdy\ufffdz\ufffdw\ufffd');
    expect(escapeXml('tab\tnew\nline \u200b kept')).toBe('tab\tnew\nline \u200b kept');
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
    expect(r.stdout).toMatch(/<testcase name="described" classname="mcptrust.policy.mixed" time="[\d.]+">\n {6}<system-out>warning \(warn\): a tool has no description<\/system-out>/);
    expect(r.stdout).toMatch(/<testcase name="no_file_resources" classname="mcptrust.policy.mixed" time="[\d.]+">\n {6}<failure message="a resource is a local file"/);
  });
});
