/**
 * CQ-02 malicious-code patterns. Derived from the mpak reference scanner's `malicious.yaml`
 * (NimbleBrainInc/mpak apps/scanner, Apache-2.0, see LICENSE.mpak.Apache-2.0.txt and the
 * verbatim copy in reference/malicious.yaml). Changes are listed in README.md beside this file.
 * The reference's three `mcp_specific` tool-description rules belong to CD-03 and are not here.
 */
import type { PatternRule } from '../code/patterns.js';

const REVIEW = 'Remove the code, or if it is legitimate, rewrite it so its intent is plain and explain it in the bundle documentation.';

function rule(r: Omit<PatternRule, 'remediation'> & { remediation?: string }): PatternRule {
  return { remediation: REVIEW, ...r };
}

/** Where an install hook is named (the reference's "install" prefix, as the first part of a sequence). */
const INSTALL = 'setup\\.py|postinstall|preinstall|install';
/**
 * A package.json install script: the key and the opening quote of its value; the rule's
 * `requireString` is matched on the whole decoded value (JSON escapes honoured, so
 * `node -e \\"require('https')…\\"` is read as written), however long it is.
 */
const INSTALL_SCRIPT = '"(?:pre|post)?install"\\s*:\\s*"';

export const MALICIOUS_RULES: readonly PatternRule[] = [
  // Critical. Malware hides in dependencies as much as in the server, so these read every file.
  rule({ id: 'data-exfiltration-http', name: 'HTTP Data Exfiltration', severity: 'critical', category: 'exfiltration', description: 'Sending environment variables to an HTTP endpoint', languages: ['python'], scope: 'all', anchors: ['requests.post', 'requests.put', 'requests.patch', 'httpx.post', 'urlopen'], pattern: { seq: ['(?:requests|httpx)\\.(?:post|put|patch)\\s*\\(|urlopen\\s*\\(', 'os\\.environ'], gap: ')' } }),
  // Not in the reference: the JavaScript form (fetch/axios/http.request carrying process.env).
  rule({ id: 'data-exfiltration-http-js', name: 'HTTP Data Exfiltration (JavaScript)', severity: 'critical', category: 'exfiltration', description: 'Sending the whole process environment to an HTTP endpoint', languages: ['js'], scope: 'all', anchors: ['process.env)', 'process.env}', 'process.env,'], pattern: { seq: ['(?:fetch|axios(?:\\.(?:post|put|patch))?|\\.request|\\.write|\\.send)\\s*\\(', 'JSON\\.stringify\\(\\s*process\\.env\\s*\\)'], gap: ';' } }),
  rule({ id: 'data-exfiltration-socket', name: 'Socket Data Exfiltration', severity: 'critical', category: 'exfiltration', description: 'Sending environment variables over a raw socket', languages: ['python'], scope: 'all', anchors: ['os.environ'], pattern: { seq: ['\\.(?:send|sendall)\\s*\\(', 'os\\.environ'], gap: ')' } }),
  rule({ id: 'credential-theft-ssh', name: 'SSH Key Access', severity: 'critical', category: 'credential_theft', description: 'Reading SSH private keys', languages: ['python', 'js', 'shell'], scope: 'all', anchors: ['.ssh/id_', '.ssh/known_hosts', ".ssh', 'id_", '.ssh", "id_'], pattern: '(?:open|readFile(?:Sync)?|createReadStream|cat)\\b[^;]{0,200}\\.ssh(?:/|["\'],\\s*["\'])(?:id_rsa|id_ed25519|id_ecdsa|id_dsa|known_hosts)' }),
  rule({ id: 'credential-theft-aws', name: 'AWS Credential Access', severity: 'critical', category: 'credential_theft', description: 'Reading AWS credential files', languages: ['python', 'js', 'shell'], scope: 'all', anchors: ['.aws/credentials', '.aws/config', ".aws', 'credentials", '.aws", "credentials'], pattern: '(?:open|readFile(?:Sync)?|createReadStream|cat)\\b[^;]{0,200}\\.aws(?:/|["\'],\\s*["\'])(?:credentials|config)' }),
  rule({ id: 'reverse-shell-python', name: 'Python Reverse Shell', severity: 'critical', category: 'backdoor', description: 'Reverse shell pattern in Python', languages: ['python'], scope: 'all', anchors: ['socket.socket', 'os.dup2', 'pty.spawn'], pattern: [{ seq: ['socket\\.socket', 'connect', 'subprocess\\.(?:call|run|Popen)|pty\\.spawn|os\\.dup2'] }, 'os\\.dup2\\s*\\(\\s*\\w+\\.fileno\\(\\)|pty\\.spawn\\s*\\(\\s*["\']/bin/(?:ba)?sh'] }),
  // The reference's "bash\s+-i|nc\s+-e" fired on prose such as "bash -i is interactive" only when
  // written exactly so, and missed "sh -i >& /dev/tcp"; /dev/tcp/HOST/PORT and nc -e with a shell
  // are kept, "bash -i" only together with a redirection.
  rule({ id: 'reverse-shell-bash', name: 'Shell Reverse Shell', severity: 'critical', category: 'backdoor', description: 'Reverse shell command', languages: 'any', scope: 'all', anchors: ['/dev/tcp/', '/dev/udp/', 'nc -e', 'ncat -e', 'nc.traditional', 'bash -i', 'sh -i'], pattern: '/dev/(?:tcp|udp)/[\\w.$\\-{}]+/\\d+|\\bn(?:c|cat|c\\.traditional)\\s+(?:-\\w+\\s+)*-e\\s+/bin/(?:ba)?sh|\\b(?:ba)?sh\\s+-i\\s*(?:>&|2>&1|<&|\\|)' }),
  rule({ id: 'crypto-miner-stratum', name: 'Crypto Mining', severity: 'critical', category: 'cryptomining', description: 'Cryptocurrency mining indicators', languages: 'any', scope: 'all', anchors: ['stratum+tcp://', 'stratum+ssl://', 'xmrig', 'minerd', 'cryptonight', 'XMRig'], pattern: 'stratum\\+(?:tcp|ssl)://|\\bxmrig\\b|\\bminerd\\b|\\bcryptonight\\b', ignoreCase: true }),
  rule({ id: 'install-hook-malicious', name: 'Malicious Install Hook', severity: 'critical', category: 'supply_chain', description: 'Encoded execution in an install hook', languages: 'any', scope: 'all', anchors: ['b64decode', 'base64 -d', "Buffer.from("], pattern: [{ seq: [INSTALL, 'exec\\s*\\(', 'base64\\.b64decode'] }, { seq: [INSTALL, 'base64\\s+-d\\s*\\|\\s*(?:ba)?sh'] }, { seq: [INSTALL, 'eval\\s*\\(\\s*Buffer\\.from\\(', '["\']base64["\']'], gap: ['', ')'] }] }),
  rule({ id: 'obfuscated-exec', name: 'Obfuscated Code Execution', severity: 'critical', category: 'obfuscation', description: 'Executing encoded or compressed code', languages: ['python', 'js'], scope: 'all', anchors: ['exec(', 'exec (', 'eval(', 'eval (', 'Function('], pattern: ['\\b(?:exec|eval)\\s*\\(\\s*(?:base64\\.b64decode|codecs\\.decode|zlib\\.decompress|marshal\\.loads|bytes\\.fromhex|atob\\s*\\()|new\\s+Function\\s*\\(\\s*atob\\s*\\(', { seq: ['(?:\\b(?:exec|eval)|new\\s+Function)\\s*\\(\\s*Buffer\\.from\\s*\\(', '["\'](?:base64|hex)["\']'], gap: ')' }] }),

  // High: suspicious, needs review.
  rule({ id: 'typosquat-import', name: 'Typosquatting Import', severity: 'high', category: 'typosquatting', description: 'Import of a commonly typosquatted package name', languages: ['python'], scope: 'own', anchors: ['import '], pattern: '^\\s*(?:import|from)\\s+(?:reqeusts|requets|request|urlib|crytpo|python-dateutil|setup-tools|beautifulsoup)\\b' }),
  rule({ id: 'dynamic-import-url', name: 'Dynamic Import from URL', severity: 'high', category: 'remote_code', description: 'Importing code from a URL', languages: ['python', 'js'], scope: 'all', anchors: ['__import__', "import('http", 'import("http', 'import(`http', "require('http", 'require("http', 'require(`http'], pattern: [{ seq: ['__import__\\s*\\(', 'https?:'], gap: ')' }, '\\bimport\\s*\\(\\s*["\'`]https?:|\\brequire\\s*\\(\\s*["\'`]https?:'] }),
  rule({ id: 'env-dump', name: 'Environment Variable Dump', severity: 'high', category: 'reconnaissance', description: 'Serialising the whole environment', languages: ['python', 'js'], scope: 'own', anchors: ['os.environ)', 'os.environ )', 'process.env)'], pattern: '(?:dict|list|json\\.dumps?)\\s*\\(\\s*os\\.environ\\s*\\)|JSON\\.stringify\\(\\s*process\\.env\\s*\\)' }),
  rule({ id: 'home-dir-scan', name: 'Home Directory Scanning', severity: 'high', category: 'reconnaissance', description: 'Walking the user home directory', languages: ['python'], scope: 'all', anchors: ['expanduser'], pattern: { seq: ['os\\.(?:walk|listdir|scandir)\\s*\\(', 'expanduser\\s*\\(\\s*["\']~["\']\\s*\\)\\s*\\)'], gap: ')' } }),
  rule({ id: 'browser-data-access', name: 'Browser Data Access', severity: 'high', category: 'credential_theft', description: 'Reading browser credential or history files', languages: 'any', scope: 'all', anchors: ['Login Data', 'Cookies', 'logins.json', 'key4.db'], pattern: '(?:chrome|chromium|firefox|safari|brave|edge)[^\\n]{0,120}(?:/|\\\\)(?:Login Data|Cookies|logins\\.json|key4\\.db)', ignoreCase: true }),
  rule({ id: 'keylogger-pattern', name: 'Keylogger Indicators', severity: 'high', category: 'surveillance', description: 'Keyboard input capture', languages: ['python'], scope: 'all', anchors: ['pynput', 'keyboard.'], pattern: '(?:pynput(?:\\.keyboard)?|keyboard)\\.(?:Listener|hook|on_press)\\b' }),

  // Medium: warnings (the reference's eval-usage and subprocess rules overlap CQ-05, which owns them;
  // here they only note obfuscation).
  rule({ id: 'base64-decode-exec', name: 'Base64 Decode and Execute', severity: 'medium', category: 'obfuscation', description: 'Decoding base64 and running or loading the result', languages: ['python'], scope: 'own', anchors: ['b64decode'], pattern: [{ seq: ['base64\\.b64decode', '\\.(?:decode|read)\\s*\\(', '\\b(?:exec|eval|compile)\\b'] }, { seq: ['\\b(?:exec|eval|compile)\\b', 'base64\\.b64decode'] }] }),
  rule({ id: 'compile-exec', name: 'Dynamic Code Compilation', severity: 'medium', category: 'execution', description: 'Compiling and executing code built at run time', languages: ['python'], scope: 'own', anchors: ['compile('], pattern: { seq: ['(?<![\\w.])compile\\s*\\([^)]', '\\)', '\\bexec\\b'], gap: [')', ''] } }),
  // Install hooks that fetch and run remote code (spec §3.4 CQ-02 "Suspicious install hook").
  // Spec §3.4 CQ-02 "Network access in setup/install: WARN (review required)": a package.json
  // install script that reaches the network at all (curl, wget, a URL, node's http(s), fetch).
  // The JSON string is walked with its escapes, so `node -e \"require('https')…\"` is read whole.
  rule({ id: 'install-hook-network', name: 'Network Access in Install Hook', severity: 'medium', category: 'supply_chain', description: 'A package.json install script that reaches the network', languages: 'any', scope: 'all', anchors: ['"preinstall"', '"postinstall"', '"install"'], pattern: INSTALL_SCRIPT, requireString: '\\bcurl\\b|\\bwget\\b|\\bInvoke-WebRequest\\b|https?://|\\brequire\\s*\\(\\s*["\'](?:node:)?https?["\']|\\bfetch\\s*\\(' }),
  rule({ id: 'install-hook-download', name: 'Install Hook Downloads Code', severity: 'critical', category: 'supply_chain', description: 'A package.json install script that downloads and runs code', languages: 'any', scope: 'all', anchors: ['"preinstall"', '"postinstall"', '"install"'], pattern: INSTALL_SCRIPT, requireString: { seq: ['(?:curl|wget|Invoke-WebRequest|iwr)\\b', '\\|\\s*(?:ba)?sh\\b'] } }),
];
