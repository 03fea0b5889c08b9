import { escapeUnsafe } from '../util/text.js';

/**
 * JUnit XML, the test-report format CI systems (GitHub Actions reporters, GitLab, Jenkins,
 * Azure DevOps) show as a list of test cases. There is no formal standard; this follows the
 * common subset: <testsuites> → <testsuite name tests failures errors skipped> → <testcase
 * name classname time> with an optional <failure>, <error> or <skipped>, and <system-out>.
 */
export interface JUnitCase {
  name: string;
  classname: string;
  status: 'pass' | 'fail' | 'error' | 'skip';
  /** Short message (an attribute). */
  message?: string;
  /** Longer text (element content of the failure/error/skipped element). */
  details?: string;
  /** Extra output shown with the case, e.g. a warning on a passing case. */
  systemOut?: string;
  timeMs?: number;
}

export interface JUnitSuite {
  name: string;
  cases: JUnitCase[];
}

// XML 1.0 §2.2: only these characters may appear at all. escapeUnsafe() below already turns
// every one of the others into a visible escape; this is the last line of defence.
const NOT_XML_CHAR = /[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu;

const markup = (text: string) =>
  text.replace(NOT_XML_CHAR, '\ufffd').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

/**
 * Escapes text for XML element content. Server text is attacker-controlled and CI systems show
 * this content on terminals and in web views: every control, bidi, invisible or separator
 * character (C0, CR, DEL, C1 such as NEL, U+2028, U+202E, tags…) becomes a visible \u{…} escape,
 * as in the text report, so none is ever emitted raw. Tab and line feed stay (multi-line
 * details); a CRLF counts as one line feed.
 */
export function escapeXml(text: string): string {
  return markup(escapeUnsafe(text.replace(/\r\n/g, '\n'), true));
}

/**
 * Escapes text for a double-quoted attribute value: as escapeXml, and tab and line feed as
 * character references, which XML attribute-value normalisation (§3.3.3) keeps instead of
 * turning them into spaces.
 */
export function escapeXmlAttribute(text: string): string {
  return escapeXml(text).replace(/\n/g, '&#10;').replace(/\t/g, '&#9;');
}

const seconds = (ms: number | undefined) => ((ms ?? 0) / 1000).toFixed(3);

function renderCase(c: JUnitCase): string {
  const open = `    <testcase name="${escapeXmlAttribute(c.name)}" classname="${escapeXmlAttribute(c.classname)}" time="${seconds(c.timeMs)}"`;
  const inner: string[] = [];
  const element = c.status === 'fail' ? 'failure' : c.status === 'error' ? 'error' : c.status === 'skip' ? 'skipped' : undefined;
  if (element) {
    const message = c.message === undefined ? '' : ` message="${escapeXmlAttribute(c.message)}"`;
    const type = element === 'skipped' ? '' : ` type="${element}"`;
    inner.push(c.details ? `      <${element}${message}${type}>${escapeXml(c.details)}</${element}>` : `      <${element}${message}${type}/>`);
  }
  if (c.systemOut) inner.push(`      <system-out>${escapeXml(c.systemOut)}</system-out>`);
  return inner.length === 0 ? `${open}/>` : `${open}>\n${inner.join('\n')}\n    </testcase>`;
}

/** The whole JUnit XML document. */
export function renderJUnit(name: string, suites: JUnitSuite[]): string {
  const count = (cases: JUnitCase[], status: JUnitCase['status']) => cases.filter((c) => c.status === status).length;
  const all = suites.flatMap((s) => s.cases);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${escapeXmlAttribute(name)}" tests="${all.length}" failures="${count(all, 'fail')}" errors="${count(all, 'error')}" skipped="${count(all, 'skip')}">`,
  ];
  for (const suite of suites) {
    const totalMs = suite.cases.reduce((sum, c) => sum + (c.timeMs ?? 0), 0);
    lines.push(
      `  <testsuite name="${escapeXmlAttribute(suite.name)}" tests="${suite.cases.length}" failures="${count(suite.cases, 'fail')}" errors="${count(suite.cases, 'error')}" skipped="${count(suite.cases, 'skip')}" time="${seconds(totalMs)}">`,
    );
    for (const c of suite.cases) lines.push(renderCase(c));
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>');
  return `${lines.join('\n')}\n`;
}
