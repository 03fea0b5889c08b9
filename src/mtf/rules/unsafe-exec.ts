/**
 * CQ-05 unsafe-execution patterns. Derived from the mpak reference scanner's `unsafe-exec.yaml`
 * (NimbleBrainInc/mpak apps/scanner, Apache-2.0, see LICENSE.mpak.Apache-2.0.txt and the
 * verbatim copy in reference/unsafe-exec.yaml). Changes are listed in README.md beside this file.
 * `child_process` calls through destructured or renamed bindings are found by
 * src/mtf/code/js-exec.ts, not by a pattern.
 */
import type { PatternRule } from '../code/patterns.js';

const PY_COMMENT = '^\\s*#';
// A line that opens like a comment and has code after the comment's close on the same line
// (a minified bundle's `/*! lib | MIT */` banner) is code, not a comment line.
const JS_COMMENT = '^\\s*(?://|(?=\\*|/\\*)(?![^\\n]*\\*/\\s*\\S))';
/** Arguments that name external input (the reference's list, as whole words). */
const EXTERNAL_INPUT = '\\b(?:request|input|args|arguments|params|data|body|query|payload|user_input)\\b';
/** A call whose only argument is one string literal. */
const LITERAL_ONLY = '^\\s*(?:"[^"\\\\]*"|\'[^\'\\\\]*\')\\s*$';

// A call written inside a string literal ("Disallow the use of `eval()`", found in ESLint's own
// rule docs by the review) is prose, not a call: notInString skips it.
const py = (r: Omit<PatternRule, 'languages' | 'scope'>): PatternRule => ({ languages: ['python'], scope: 'own', unlessLine: PY_COMMENT, notInString: 'python', ...r });
const js = (r: Omit<PatternRule, 'languages' | 'scope'>): PatternRule => ({ languages: ['js'], scope: 'own', unlessLine: JS_COMMENT, notInString: 'js', ...r });

export const UNSAFE_EXEC_RULES: readonly PatternRule[] = [
  // Python. The reference ended its patterns at the first ")" on the same line, so
  // `shell=True` on the next line of a call was missed; the call's arguments are read whole here.
  py({ id: 'shell-true', name: 'Subprocess Shell Injection', severity: 'high', description: 'subprocess with shell=True runs the command through a shell', anchors: ['run', 'call', 'Popen', 'check_output'], pattern: '\\b(?:run|call|Popen|check_output|check_call)\\s*\\(', requireArgs: 'shell\\s*=\\s*True', unlessBefore: 'def\\s+$', remediation: 'Pass the command as a list and leave shell=False: subprocess.run(["ls", user_dir]).' }),
  py({ id: 'subprocess-getoutput', name: 'subprocess.getoutput Command Injection', severity: 'high', description: 'subprocess.getoutput/getstatusoutput and asyncio.create_subprocess_shell always use a shell', anchors: ['getoutput', 'getstatusoutput', 'create_subprocess_shell'], pattern: '(?:subprocess\\.(?:getoutput|getstatusoutput)|\\bcreate_subprocess_shell)\\s*\\(', remediation: 'Use subprocess.run([...], capture_output=True) with a list of arguments.' }),
  py({ id: 'os-system', name: 'os.system Command Injection', severity: 'high', description: 'os.system always uses a shell', anchors: ['os.system'], pattern: '(?<![\\w.])os\\.system\\s*\\(', remediation: 'Replace with subprocess.run([...], check=True) and a list of arguments.' }),
  py({ id: 'os-popen', name: 'os.popen Command Injection', severity: 'high', description: 'os.popen uses a shell', anchors: ['os.popen'], pattern: '(?<![\\w.])os\\.popen\\s*\\(', remediation: 'Replace with subprocess.run([...], capture_output=True).' }),
  // `(?<![\w.])` keeps `ast.literal_eval(...)` and `obj.eval(...)` out (the reference's
  // unanchored "eval\s*\(" flagged ast.literal_eval, the safe alternative it recommends).
  py({ id: 'eval-user-input', name: 'Eval with User Input', severity: 'critical', description: 'eval()/exec() of input-derived text runs arbitrary code', anchors: ['eval', 'exec'], pattern: '(?<![\\w.])(?:eval|exec)\\s*\\(', requireArgs: EXTERNAL_INPUT, remediation: 'Never evaluate input. Use ast.literal_eval() for literals or json.loads() for data.' }),
  py({ id: 'eval-python', name: 'Python eval/exec', severity: 'high', description: 'eval()/exec() of a computed string', anchors: ['eval', 'exec'], pattern: '(?<![\\w.])(?:eval|exec)\\s*\\(', unlessArgs: [EXTERNAL_INPUT, LITERAL_ONLY], unlessBefore: 'def\\s+$', remediation: 'Restructure to avoid dynamic code execution; ast.literal_eval() parses literals safely.' }),
  py({ id: 'pickle-untrusted', name: 'Pickle Deserialization', severity: 'high', description: 'Unpickling can execute arbitrary code', anchors: ['pickle.load', 'Pickle.load', 'dill.load', 'shelve.open'], pattern: '(?<![\\w.])(?:c?[Pp]ickle|dill)\\.(?:load|loads)\\s*\\(', remediation: 'Never unpickle data from untrusted sources; use JSON.' }),
  // yaml.load(...) is safe with Loader=SafeLoader/CSafeLoader/BaseLoader: the reference's
  // negative look-ahead sat after "[^)]*" and could never reject anything.
  py({ id: 'yaml-unsafe-load', name: 'Unsafe YAML Load', severity: 'high', description: 'yaml.load without a safe Loader can construct arbitrary objects', anchors: ['yaml.load', 'yaml.unsafe_load', 'yaml.full_load'], pattern: '(?<![\\w.])yaml\\.(?:load|load_all|unsafe_load|unsafe_load_all)\\s*\\(', unlessArgs: '\\bLoader\\s*=\\s*(?:yaml\\.)?(?:C?SafeLoader|BaseLoader)\\b', remediation: 'Use yaml.safe_load(data), or yaml.load(data, Loader=yaml.SafeLoader).' }),
  // The reference also fired on the safe parameterised form `execute("... %s", (x,))`; only a
  // first argument built by formatting or concatenation is flagged here.
  py({ id: 'sql-string-format', name: 'SQL String Formatting', severity: 'high', description: 'SQL built by string formatting enables injection', anchors: ['execute'], pattern: '\\.(?:execute|executemany|executescript)\\s*\\(', requireArgs: '^\\s*(?:f["\'][^"\']*\\{|(?:"[^"]*"|\'[^\']*\')\\s*(?:%|\\.format\\s*\\(|\\+)|[A-Za-z_]\\w*\\s*(?:%|\\+)\\s*)', remediation: 'Use parameters: cursor.execute("SELECT * FROM users WHERE id = %s", (user_id,)).' }),
  py({ id: 'jinja-autoescape-off', name: 'Jinja2 Autoescape Disabled', severity: 'medium', description: 'Disabled autoescape enables XSS', anchors: ['Environment('], pattern: '\\bEnvironment\\s*\\(', requireArgs: 'autoescape\\s*=\\s*False', remediation: 'Environment(autoescape=True)' }),

  // JavaScript / TypeScript.
  js({ id: 'child-process-exec', name: 'child_process.exec Injection', severity: 'high', description: 'exec()/execSync() run the command through a shell', anchors: ['child_process'], pattern: '\\bchild_process["\'`]?\\)?\\s*\\.\\s*exec(?:Sync)?\\s*\\(', remediation: "Use execFile()/spawn() with an argument array: execFile('ls', [userDir])." }),
  js({ id: 'eval-js', name: 'JavaScript eval()', severity: 'high', description: 'eval() executes arbitrary JavaScript', anchors: ['eval'], pattern: '(?:(?<![\\w$.])|\\b(?:window|globalThis|global|self)\\.)eval\\s*\\(', unlessArgs: LITERAL_ONLY, remediation: 'Avoid eval(); use JSON.parse() for data.' }),
  js({ id: 'new-function', name: 'new Function() Constructor', severity: 'medium', description: 'The Function constructor compiles code at run time', anchors: ['Function('], pattern: '\\bnew\\s+Function\\s*\\(', remediation: 'Avoid dynamic function creation.' }),
  js({ id: 'settimeout-string', name: 'setTimeout/setInterval with String', severity: 'medium', description: 'A string argument to setTimeout/setInterval is evaluated', anchors: ['setTimeout', 'setInterval'], pattern: '(?<![\\w$.])set(?:Timeout|Interval)\\s*\\(\\s*["\'`]', remediation: 'Pass a function: setTimeout(doSomething, 1000).' }),
  js({ id: 'innerhtml-assignment', name: 'innerHTML Assignment', severity: 'medium', description: 'innerHTML/outerHTML can execute scripts in input', anchors: ['innerHTML', 'outerHTML'], pattern: '\\.(?:innerHTML|outerHTML)\\s*\\+?=(?!=)', unlessLine: `${JS_COMMENT}|(?:inner|outer)HTML\\s*=\\s*(?:["'][^"'$]*["']|\`[^\`$]*\`)\\s*(?:;\\s*)?$`, remediation: 'Use textContent, or sanitise the HTML first.' }),
  js({ id: 'sql-template-literal', name: 'SQL Template Literal', severity: 'high', description: 'SQL built from a template literal with interpolation enables injection', anchors: ['query', 'execute', 'raw', 'unsafe', 'prepare'], pattern: '\\b(?:query|execute|raw|\\$queryRawUnsafe|\\$executeRawUnsafe|unsafe|prepare)\\s*\\(\\s*`[^`]*\\$\\{', remediation: "Use parameters: db.query('SELECT * FROM users WHERE id = $1', [userId])." }),

  // Shell. Only in shell scripts and at low severity: the reference ran these over every file,
  // so every JavaScript template literal with `${...}` was a HIGH "backtick execution".
  { id: 'command-substitution', name: 'Command Substitution', severity: 'low', description: 'Command substitution with variables', languages: ['shell'], scope: 'own', anchors: ['$('], pattern: { seq: ['\\$\\(', '\\$\\{?[A-Za-z_]'], gap: ')' }, unlessLine: PY_COMMENT, remediation: 'Quote variables ("$var") or avoid building commands from input.' },
  { id: 'backtick-execution', name: 'Backtick Command Execution', severity: 'low', description: 'Backtick execution with variable interpolation', languages: ['shell'], scope: 'own', anchors: ['`'], pattern: { seq: ['`', '\\$'], gap: '`' }, unlessLine: PY_COMMENT, remediation: 'Use $(...) with quoted variables.' },
];
