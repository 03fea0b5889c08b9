/**
 * CD-02 Permission Correlation (MTF-0.1 §3.5, L2). The declared
 * `_meta["org.mpaktrust"].permissions` compared with what the server's own code (code files
 * outside dependency and test folders, classified by path COMPONENT, not substring — the
 * reference skips "src/inspect/x.py" because it contains "spec") and its execution
 * configuration actually do. Severities follow the §3.5 table:
 *   subprocess / native undeclared → critical;  network at import time → high, in handlers → medium;
 *   secret-looking environment variables → high, other env → low;
 *   sensitive paths (~/.ssh, ~/.aws, ~/.config …) → high, other file access → medium.
 * Native code is also recognised by shipped binaries anywhere in the bundle (.node/.so/.dylib/.dll).
 */
import { FindingList, asArray, asRecord, asString, field, mtfExtension, serverSources } from '../source.js';
import type { BundleContext, Control, ControlResult, Severity } from '../types.js';

type Capability = 'subprocess' | 'native' | 'network' | 'environment' | 'filesystem';

interface Rule {
  capability: Capability;
  /** Matched against one source line at a time. */
  js?: RegExp;
  py?: RegExp;
  /** Detail that raises the severity (sensitive path, secret variable, file write). */
  detail?: 'secret-env' | 'sensitive-path' | 'write';
}

const SENSITIVE_PATH = /\/\.ssh\b|\bid_rsa\b|\bid_ed25519\b|\/\.aws\/|\/\.config\/|\/etc\/passwd\b|\/etc\/shadow\b|\/\.kube\/config\b|\/\.docker\/config\.json|\/\.netrc\b|\/\.npmrc\b|\/\.pypirc\b|\/\.git-credentials\b|\/\.gnupg\b/;

const RULES: Rule[] = [
  { capability: 'subprocess', js: /\b(?:require\(\s*|from\s+|import\(\s*)['"](?:node:)?child_process['"]|\b(?:execa|shelljs|cross-spawn)\b['"]|\bBun\.spawn\b|\bDeno\.(?:run|Command)\b/, py: /^\s*(?:import\s+subprocess\b|from\s+subprocess\s+import\b)|\bos\.(?:system|popen|exec[lv]p?e?|spawn[lv]p?e?)\s*\(|\bpty\.spawn\s*\(|\basyncio\.create_subprocess_(?:exec|shell)\b/ },
  { capability: 'native', js: /\brequire\(\s*['"][^'"]+\.node['"]\s*\)|\b(?:ffi-napi|node-ffi|koffi|node-gyp-build)\b|\bprocess\.dlopen\s*\(|\brequire\(\s*['"]bindings['"]\s*\)/, py: /^\s*(?:import\s+ctypes\b|from\s+ctypes\s+import\b|import\s+cffi\b|from\s+cffi\s+import\b)|\bctypes\.(?:CDLL|cdll|WinDLL)\b/ },
  { capability: 'network', js: /(?<![.\w])fetch\s*\(|\b(?:require\(\s*|from\s+|import\(\s*)['"](?:node:)?(?:https?|http2|net|tls|dgram)['"]|\b(?:require\(\s*|from\s+)['"](?:axios|node-fetch|undici|got|ws|superagent|request)['"]|\bnew\s+WebSocket\s*\(/, py: /^\s*(?:import\s+(?:requests|httpx|aiohttp|socket|urllib3)\b|from\s+(?:requests|httpx|aiohttp|socket|urllib3|urllib\.request|http\.client)\s+import\b|import\s+urllib\.request\b|import\s+http\.client\b)/ },
  { capability: 'environment', detail: 'secret-env', js: /\bprocess\.env(?:\.|\[\s*['"])(?:AWS_\w+|\w*(?:TOKEN|KEY|SECRET|PASSWORD|PASSWD|CREDENTIALS?)\w*)\b/, py: /\bos\.(?:environ(?:\.get)?\s*[[(]\s*|getenv\s*\(\s*)['"](?:AWS_\w+|\w*(?:TOKEN|KEY|SECRET|PASSWORD|PASSWD|CREDENTIALS?)\w*)['"]/ },
  { capability: 'environment', js: /\bprocess\.env\b/, py: /\bos\.(?:environ|getenv)\b/ },
  // Matched anywhere in a (non-comment) line, with no leading [^'"]* run: a line of quotes must
  // not make the scan quadratic.
  { capability: 'filesystem', detail: 'sensitive-path', js: SENSITIVE_PATH, py: SENSITIVE_PATH },
  { capability: 'filesystem', detail: 'write', js: /\b(?:fs|fsp|promises)\.(?:writeFile|appendFile|createWriteStream|unlink|rm|rmdir|mkdir|rename|copyFile|truncate|chmod)(?:Sync)?\s*\(|(?<![.\w])(?:writeFile|appendFile|createWriteStream|unlink|rmSync|mkdirSync|renameSync)\s*\(/, py: /\bopen\s*\([^)\n]{0,200},\s*['"][wax]b?\+?['"]|\bshutil\.(?:rmtree|move|copy\w*)\s*\(|\bos\.(?:remove|unlink|rmdir|makedirs|mkdir|rename|replace)\s*\(|\.write_(?:text|bytes)\s*\(/ },
  { capability: 'filesystem', js: /\b(?:require\(\s*|from\s+|import\(\s*)['"](?:node:)?fs(?:\/promises)?['"]|\b(?:fs|fsp)\.(?:readFile|readdir|stat|createReadStream|open)(?:Sync)?\s*\(/, py: /(?<![.\w])open\s*\(|\bpathlib\b|\bos\.(?:listdir|scandir|walk)\s*\(/ },
];

const LEVELS: Record<Capability, string[]> = {
  subprocess: ['none', 'restricted', 'full'],
  native: ['none', 'required'],
  network: ['none', 'outbound', 'inbound', 'full'],
  environment: ['none', 'read', 'write'],
  filesystem: ['none', 'read', 'write', 'full'],
};

/**
 * The code of a line, without a leading comment: undefined for a comment line. A JS line that
 * opens with a block comment closed on the same line keeps what follows it (a minified bundle
 * often starts with a `/*! license *\/` banner and holds all its code on that one line).
 */
function codeOf(line: string, py: boolean): string | undefined {
  const t = line.trimStart();
  if (py) return t.startsWith('#') ? undefined : line;
  if (t.startsWith('//')) return undefined;
  if (!t.startsWith('*') && !t.startsWith('/*')) return line;
  // A leading "*/" is itself the close (`*/require(…)` ends a block comment, then code).
  const close = t.indexOf('*/', t.startsWith('/*') ? 2 : 0);
  if (close === -1) return undefined;
  const rest = t.slice(close + 2);
  return rest.trim() === '' ? undefined : rest;
}

/** Top-level code runs at import time (initialization context, §3.5). */
function atTopLevel(line: string, py: boolean): boolean {
  if (/^\s/.test(line)) return false;
  return py ? !/^(?:def|async\s+def|class)\b/.test(line) : !/^(?:export\s+)?(?:async\s+)?function\b/.test(line);
}

/** Longer lines are minified code: they hold many statements. */
const LONG_LINE = 2000;

interface Hit { rule: Rule; file: string; line: number; topLevel: boolean }

function scanSources(ctx: BundleContext): Hit[] {
  const hits: Hit[] = [];
  const perKey = new Map<string, number>();
  for (const file of serverSources(ctx)) {
    const py = file.path.endsWith('.py');
    const lines = file.text.split('\n');
    for (const [i, line] of lines.entries()) {
      const code = codeOf(line, py);
      if (code === undefined) continue;
      // Every line is read whole, however long (every pattern here is linear): a minified bundle
      // keeps its `require("child_process")` on a megabyte-long line. An ordinary line reports its
      // first rule; a long line (minified code) reports the first rule of each capability, since
      // it holds what would be many lines.
      const long = line.length > LONG_LINE;
      const seen = new Set<Capability>();
      for (const rule of RULES) {
        if (seen.has(rule.capability)) continue;
        const re = py ? rule.py : rule.js;
        if (!re || !re.test(code)) continue;
        // Counted apart for import time (the more severe): 20 uses in handlers must not hide one at
        // import time further down.
        const topLevel = atTopLevel(line, py);
        const key = `${rule.capability}/${rule.detail ?? ''}/${topLevel}`;
        const n = perKey.get(key) ?? 0;
        if (n >= 20) continue;
        perKey.set(key, n + 1);
        hits.push({ rule, file: file.path, line: i + 1, topLevel });
        if (!long) break;
        seen.add(rule.capability);
      }
    }
  }
  return hits;
}

function run(ctx: BundleContext): ControlResult {
  const f = new FindingList('CD-02');
  const permissions = asRecord(field(mtfExtension(ctx.manifest), 'permissions'));
  if (!permissions) {
    f.add('high', 'Permissions not declared', 'The manifest must declare _meta["org.mpaktrust"].permissions (filesystem, network, environment, subprocess, native).', {
      file: 'manifest.json',
      remediation: 'Declare each category, "none" where the server does not need it.',
    });
    return { status: 'fail', findings: f.items };
  }
  const declared = (c: Capability): number => {
    const v = asString(field(permissions, c)) ?? 'none';
    const i = LEVELS[c].indexOf(v);
    return i < 0 ? 0 : i;
  };
  const report = (severity: Severity, capability: Capability, what: string, where: { file?: string; line?: number }) => {
    f.add(severity, `Undeclared ${capability} use`, `${what}, but permissions.${capability} is ${JSON.stringify(asString(field(permissions, capability)) ?? 'none')}.`, {
      ...where,
      remediation: `Declare permissions.${capability} (MTF-0.1 §4.3.2), or remove the code that needs it.`,
    });
  };
  for (const hit of scanSources(ctx)) {
    const c = hit.rule.capability;
    const where = { file: hit.file, line: hit.line };
    if (c === 'subprocess' && declared('subprocess') === 0) report('critical', c, 'The code starts processes', where);
    else if (c === 'native' && declared('native') === 0) report('critical', c, 'The code loads native code', where);
    else if (c === 'network' && declared('network') === 0) report(hit.topLevel ? 'high' : 'medium', c, hit.topLevel ? 'The code uses the network at import time' : 'The code uses the network', where);
    else if (c === 'environment' && declared('environment') === 0) report(hit.rule.detail === 'secret-env' ? 'high' : 'low', c, hit.rule.detail === 'secret-env' ? 'The code reads secret-looking environment variables' : 'The code reads environment variables', where);
    else if (c === 'filesystem') {
      if (hit.rule.detail === 'sensitive-path' && declared('filesystem') === 0) report('high', c, 'The code names a sensitive path (keys, cloud credentials, user config)', where);
      else if (hit.rule.detail === 'write' && declared('filesystem') < 2) report('medium', c, 'The code writes, moves or deletes files', where);
      else if (hit.rule.detail === undefined && declared('filesystem') === 0) report('medium', c, 'The code reads the file system', where);
    }
  }
  const binaries = ctx.files.filter((x) => /\.(?:node|so|dylib|dll)$/.test(x.path));
  if (binaries.length > 0 && declared('native') === 0) report('critical', 'native', `The bundle ships native code (${JSON.stringify(binaries[0]!.path)}${binaries.length > 1 ? ` and ${binaries.length - 1} more` : ''})`, { file: binaries[0]!.path });
  // Execution configuration (§3.5): a shell, a -c script, or a package runner that downloads at start.
  const server = asRecord(field(ctx.manifest, 'server'));
  for (const config of [asRecord(field(server, 'mcp_config')), asRecord(field(ctx.manifest, 'mcp_config'))]) {
    if (!config) continue;
    const command = (asString(field(config, 'command')) ?? '').split(/[\\/]/).pop() ?? '';
    const args = (asArray(field(config, 'args')) ?? []).filter((a): a is string => typeof a === 'string');
    if (/^(?:sh|bash|zsh|dash|fish|cmd(?:\.exe)?|powershell(?:\.exe)?|pwsh)$/.test(command) || args.includes('-c') || args.includes('/c')) {
      if (declared('subprocess') === 0) report('critical', 'subprocess', `mcp_config starts the server through a shell (${JSON.stringify(command)})`, { file: 'manifest.json' });
    }
    if (/^(?:npx|uvx|pipx|bunx|pnpx)$/.test(command) && declared('network') === 0) {
      report('high', 'network', `mcp_config runs ${JSON.stringify(command)}, which downloads packages when the server starts`, { file: 'manifest.json' });
    }
  }
  return { status: f.has('critical', 'high') ? 'fail' : 'pass', findings: f.items };
}

export const control: Control = { id: 'CD-02', name: 'Permission Correlation', domain: 'capability_declaration', run };
