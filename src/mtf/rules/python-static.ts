/**
 * CQ-03 static-analysis heuristics for Python, in place of Bandit (not embeddable). Written for
 * mcptrust after Bandit's documented checks (test ids in brackets); severities follow the MTF
 * §3.4 CQ-03 mapping of Bandit severity × confidence (HIGH×HIGH → high, HIGH×MEDIUM or
 * MEDIUM×HIGH → medium, MEDIUM×MEDIUM → low).
 */
import type { PatternRule } from '../code/patterns.js';

const COMMENT = '^\\s*#';
const py = (r: Omit<PatternRule, 'languages' | 'scope' | 'unlessLine'> & { unlessLine?: string }): PatternRule => ({ languages: ['python'], scope: 'own', unlessLine: COMMENT, ...r });

export const PYTHON_STATIC_RULES: readonly PatternRule[] = [
  py({ id: 'B602-subprocess-shell', name: 'subprocess call with shell=True [B602]', severity: 'high', description: 'A subprocess call with shell=True', anchors: ['run', 'call', 'Popen', 'check_output'], pattern: '\\b(?:run|call|Popen|check_output|check_call)\\s*\\(', requireArgs: 'shell\\s*=\\s*True', unlessBefore: 'def\\s+$', remediation: 'Pass a list of arguments with shell=False.' }),
  py({ id: 'B605-os-system', name: 'Process started with a shell [B605]', severity: 'high', description: 'os.system/os.popen start a shell', anchors: ['os.system', 'os.popen'], pattern: '(?<![\\w.])os\\.(?:system|popen[234]?)\\s*\\(', remediation: 'Use subprocess.run([...]) with a list.' }),
  py({ id: 'B301-pickle', name: 'Pickle deserialization [B301]', severity: 'medium', description: 'pickle/dill/shelve can run code while loading', anchors: ['pickle.', 'dill.', 'shelve.open'], pattern: '(?<![\\w.])(?:c?[Pp]ickle|dill)\\.(?:loads?|Unpickler)\\b|\\bshelve\\.open\\s*\\(', remediation: 'Load data with json.' }),
  py({ id: 'B302-marshal', name: 'marshal deserialization [B302]', severity: 'medium', description: 'marshal.load(s) of untrusted data is unsafe', anchors: ['marshal.load'], pattern: '(?<![\\w.])marshal\\.loads?\\s*\\(', remediation: 'Load data with json.' }),
  py({ id: 'B307-eval', name: 'Use of eval [B307]', severity: 'medium', description: 'eval() of a computed string', anchors: ['eval'], pattern: '(?<![\\w.])eval\\s*\\(', unlessBefore: 'def\\s+$', remediation: 'Use ast.literal_eval() for literals.' }),
  py({ id: 'B102-exec', name: 'Use of exec [B102]', severity: 'medium', description: 'exec() of a computed string', anchors: ['exec'], pattern: '(?<![\\w.])exec\\s*\\(', unlessBefore: 'def\\s+$', remediation: 'Avoid dynamic code execution.' }),
  py({ id: 'B506-yaml-load', name: 'yaml.load without SafeLoader [B506]', severity: 'medium', description: 'yaml.load can construct arbitrary objects', anchors: ['yaml.load', 'yaml.unsafe_load'], pattern: '(?<![\\w.])yaml\\.(?:load|load_all|unsafe_load)\\s*\\(', unlessArgs: '\\bLoader\\s*=\\s*(?:yaml\\.)?(?:C?SafeLoader|BaseLoader)\\b', remediation: 'Use yaml.safe_load().' }),
  py({ id: 'B501-no-cert-validation', name: 'TLS certificate check disabled [B501]', severity: 'high', description: 'An HTTP request with verify=False', anchors: ['verify=False', 'verify = False'], pattern: '\\bverify\\s*=\\s*False\\b', remediation: 'Keep certificate verification on.' }),
  py({ id: 'B323-unverified-context', name: 'Unverified SSL context [B323]', severity: 'medium', description: 'ssl._create_unverified_context disables certificate checks', anchors: ['_create_unverified_context', 'CERT_NONE'], pattern: '_create_unverified_context\\s*\\(|\\bCERT_NONE\\b', remediation: 'Use ssl.create_default_context().' }),
  py({ id: 'B324-weak-hash', name: 'Weak hash for security [B324]', severity: 'high', description: 'hashlib md5/sha1 without usedforsecurity=False', anchors: ['hashlib.md5', 'hashlib.sha1', "hashlib.new("], pattern: '\\bhashlib\\.(?:md5|sha1)\\s*\\(|\\bhashlib\\.new\\s*\\(\\s*["\'](?:md5|sha1)["\']', unlessArgs: 'usedforsecurity\\s*=\\s*False', remediation: 'Use sha256, or pass usedforsecurity=False for non-security uses.' }),
  py({ id: 'B306-mktemp', name: 'Insecure temporary file [B306]', severity: 'medium', description: 'tempfile.mktemp is race-prone', anchors: ['mktemp('], pattern: '\\btempfile\\.mktemp\\s*\\(|(?<![\\w.])mktemp\\s*\\(', remediation: 'Use tempfile.mkstemp() or NamedTemporaryFile().' }),
  py({ id: 'B201-flask-debug', name: 'Flask debug mode [B201]', severity: 'medium', description: 'A Flask app run with debug=True exposes a debugger', anchors: ['debug=True', 'debug = True'], pattern: '\\.run\\s*\\([^)]*\\bdebug\\s*=\\s*True', remediation: 'Never ship debug=True.' }),
  py({ id: 'B608-sql-injection', name: 'SQL built from strings [B608]', severity: 'low', description: 'A SQL statement built by formatting or concatenation', anchors: ['execute'], pattern: '\\.(?:execute|executemany)\\s*\\(', requireArgs: '^\\s*(?:f["\'][^"\']*\\{|(?:"[^"]*"|\'[^\']*\')\\s*(?:%|\\.format\\s*\\(|\\+))', remediation: 'Use query parameters.' }),
  py({ id: 'B104-bind-all', name: 'Binding to all interfaces [B104]', severity: 'low', description: 'A server bound to 0.0.0.0', anchors: ['0.0.0.0'], pattern: '["\']0\\.0\\.0\\.0["\']', remediation: 'Bind to 127.0.0.1 unless remote access is intended.' }),
  py({ id: 'B401-telnet-ftp', name: 'Cleartext protocol module [B401/B402]', severity: 'high', description: 'telnetlib/ftplib send credentials in clear text', anchors: ['telnetlib', 'ftplib'], pattern: '^\\s*(?:import|from)\\s+(?:telnetlib|ftplib)\\b', remediation: 'Use SSH/SFTP or FTPS.' }),
  py({ id: 'B314-xml', name: 'XML parsing without defusedxml [B314]', severity: 'low', description: 'xml.etree/minidom/sax are vulnerable to entity attacks on untrusted XML', anchors: ['xml.etree', 'xml.dom', 'xml.sax', 'lxml'], pattern: '^\\s*(?:import|from)\\s+(?:xml\\.(?:etree|dom|sax)|lxml)\\b', remediation: 'Use defusedxml.' }),
];
