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

// XML 1.0 §2.2: only these characters may appear at all; everything else (most C0 controls,
// lone surrogates, U+FFFE/U+FFFF) is dropped so that text from servers cannot break the file.
const NOT_XML_CHAR = /[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\u{10000}-\u{10ffff}]/gu;

/** Escapes text for XML content and attribute values (double-quoted). */
export function escapeXml(text: string): string {
  return text
    .replace(NOT_XML_CHAR, '\ufffd')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

const seconds = (ms: number | undefined) => ((ms ?? 0) / 1000).toFixed(3);

function renderCase(c: JUnitCase): string {
  const open = `    <testcase name="${escapeXml(c.name)}" classname="${escapeXml(c.classname)}" time="${seconds(c.timeMs)}"`;
  const inner: string[] = [];
  const element = c.status === 'fail' ? 'failure' : c.status === 'error' ? 'error' : c.status === 'skip' ? 'skipped' : undefined;
  if (element) {
    const message = c.message === undefined ? '' : ` message="${escapeXml(c.message)}"`;
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
    `<testsuites name="${escapeXml(name)}" tests="${all.length}" failures="${count(all, 'fail')}" errors="${count(all, 'error')}" skipped="${count(all, 'skip')}">`,
  ];
  for (const suite of suites) {
    const totalMs = suite.cases.reduce((sum, c) => sum + (c.timeMs ?? 0), 0);
    lines.push(
      `  <testsuite name="${escapeXml(suite.name)}" tests="${suite.cases.length}" failures="${count(suite.cases, 'fail')}" errors="${count(suite.cases, 'error')}" skipped="${count(suite.cases, 'skip')}" time="${seconds(totalMs)}">`,
    );
    for (const c of suite.cases) lines.push(renderCase(c));
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>');
  return `${lines.join('\n')}\n`;
}
