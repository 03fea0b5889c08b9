/**
 * Attack round 22 (team workflow): a new user following the README step by step against the real
 * server-memory, and an attacker against what the team commits — agent configs read by
 * discover/check/wrap, policy files, and the text, JUnit, SARIF and markdown reports that carry a
 * hostile server's names. In-process (runCli) except where a process is the point. Properties
 * that hold are plain tests; the round's findings were `it.skip('OPEN: …')` with a body that
 * failed, and are now plain tests (all fixed in session 19), the reproduction in the comment above.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot, runCli, spawnCli, tempDir } from '../helpers/cli.js';

const scratch = tempDir('mcptrust-round22-');
afterAll(() => scratch.cleanup());
const home = join(scratch.dir, 'home');
mkdirSync(home);
const env = { PATH: process.env.PATH, HOME: home };
const surfaceServer = join(repoRoot, 'testdata', 'round22-workflow', 'surface-server.mjs');
/** C0 (but tab and line feed), DEL, C1, bidi controls, line/paragraph separators, lone surrogates. */
const RAW_UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ud800-\udfff]/u;

let n = 0;
function folder(name: string): string {
  const dir = join(scratch.dir, `${++n}-${name}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** No stack trace, no "internal error": the contract's clear lines. */
function expectCleanError(stderr: string): void {
  expect(stderr).toMatch(/^error: /m);
  expect(stderr).not.toMatch(/\n\s+at \S+ \(|internal error|please report it/);
}

/** A folder whose .mcp.json runs the surface fixture server "docs" (one plain tool), locked. */
async function lockedSurfaceProject(name: string): Promise<string> {
  const dir = folder(name);
  writeFileSync(join(dir, 'surface.json'), JSON.stringify({ tools: [{ name: 'plain', description: 'a plain tool', inputSchema: { type: 'object' } }] }));
  // The surface file by its absolute path: runCli's servers start in the test process's folder.
  writeFileSync(join(dir, '.mcp.json'), `${JSON.stringify({ mcpServers: { docs: { command: 'node', args: [surfaceServer, `--surface=${join(dir, 'surface.json')}`] } } }, null, 2)}\n`);
  const r = await runCli(['lock', '--config', '.mcp.json'], { cwd: dir, env });
  expect(r.code, r.stderr).toBe(0);
  return dir;
}

describe('a new user follows the README quick start (real server-memory, npx from the project)', () => {
  it('discover, lock, keygen, sign, verify, check, init, init again: every exit code and message as the README says', async () => {
    const dir = folder('readme');
    // The servers are devDependencies of the project: npx finds them in its node_modules.
    symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'));
    writeFileSync(join(dir, '.mcp.json'), '{\n  "mcpServers": {\n    "memory": { "command": "npx", "args": ["-y", "@modelcontextprotocol/server-memory"] }\n  }\n}\n');
    const keys = join(home, '.mcptrust');

    const discover = await runCli(['discover'], { cwd: dir, env });
    expect(discover.code).toBe(0);
    expect(discover.stdout).toMatch(/claude-code:project:memory +stdio +npx -y @modelcontextprotocol\/server-memory/);
    expect(discover.stdout).toContain('lock them all with: mcptrust lock --discover');

    const lock = await runCli(['lock', '--config', '.mcp.json'], { cwd: dir, env });
    expect(lock.code, lock.stderr).toBe(0);
    expect(lock.stdout).toMatch(/^locked 1 server into mcp-lock\.json\n {2}memory \(memory-server \S+, protocol \S+\)\n {4}9 tools, 0 prompts, 1 resource, 0 resource templates\n {4}sha256:[0-9a-f]{64}\n$/);

    const keygen = await runCli(['keygen', '--out-dir', keys], { cwd: dir, env });
    expect(keygen.code).toBe(0);
    expect(keygen.stdout).toContain('mode 0600: keep it secret, never commit it');
    mkdirSync(join(dir, 'keys'));
    writeFileSync(join(dir, 'keys', 'team.pub'), readFileSync(join(keys, 'mcptrust.pub')));

    const sign = await runCli(['sign', '--key', join(keys, 'mcptrust.key')], { cwd: dir, env });
    expect(sign.code, sign.stderr).toBe(0);
    expect(sign.stdout).toContain('mcp-lock.json.sig now holds 1 signature');

    const verify = await runCli(['verify', '--key', 'keys/team.pub'], { cwd: dir, env });
    expect(verify.code).toBe(0);
    expect(verify.stdout).toMatch(/^verified mcp-lock\.json: signed by 1 trusted key \(threshold 1\)\n {2}sha256:[0-9a-f]{64} \(keys\/team\.pub\)/);

    // Approval by two: the one team key cannot meet it, and the message says how many were given.
    const two = await runCli(['verify', '--keyring', 'keys', '--threshold', '2'], { cwd: dir, env });
    expect(two.code).toBe(1);
    expect(two.stderr).toContain('1 distinct trusted key signed; 2 required (only 1 distinct trusted key was given)');

    const check = await runCli(['check', '--key', 'keys/team.pub', '--preset', 'baseline', '--config', '.mcp.json'], { cwd: dir, env });
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect(check.stdout).toMatch(/✓ signature verified/);
    expect(check.stdout).toMatch(/✓ drift +no drift/);
    expect(check.stdout).toMatch(/✓ policy +baseline/);
    expect(check.stdout).toMatch(/✓ check passed\n$/);
    expect(check.stdout).not.toContain('\u001b'); // not a terminal: no colours

    const init = await runCli(['init'], { cwd: dir, env });
    expect(init.code).toBe(0);
    expect(init.stdout).toContain('wrote .github/workflows/mcptrust.yml\nwrote mcptrust-policy.yaml\n');
    expect(init.stdout).toContain('Edit "uses: OWNER/mcptrust@v0"');
    const policy = await runCli(['policy', 'check', '--policy', 'mcptrust-policy.yaml', '--lock', 'mcp-lock.json'], { cwd: dir, env });
    expect(policy.code, policy.stderr).toBe(0); // the command the starter policy's comment gives

    const again = await runCli(['init'], { cwd: dir, env });
    expect(again.code).toBe(2);
    expect(again.stderr).toBe('error: .github/workflows/mcptrust.yml and mcptrust-policy.yaml already exist; init never overwrites (give --force to replace them)\n');
  }, 60_000);
});

describe('new-user mistakes: typos, missing files, a folder where a file belongs', () => {
  it.each([
    [['check', '--keys', 'keys/team.pub'], /unknown option '--keys'\n\(Did you mean --key\?\)/],
    [['discover', '--fromat', 'json'], /unknown option '--fromat'\n\(Did you mean --format\?\)/],
    [['policy', 'chek'], /unknown command 'chek'\n\(Did you mean check\?\)/],
    [['verify', '--keyring', 'keys', '--threshold', '0'], /expected a whole number of at least 1/],
    [['verify', '--keyring', 'keys', '--threshold', '1.5'], /expected a whole number of at least 1/],
    [['verify', '--threshold', '1'], /verify needs the trusted public keys: --key FILE \(repeatable\) or --keyring DIR/],
    [['verify', '--keyring', 'nope'], /cannot read keyring nope: no such folder/],
    [['check', '--key', 'keys', '--config', '.mcp.json'], /cannot read public key \S+keys: not a regular file/],
    [['wrap', '--config', 'nope.json'], /cannot read agent config \S+nope\.json: no such file/],
    [['wrap', '--config', 'keys'], /cannot read agent config \S+keys: not a regular file/],
    [['policy', 'check', '--policy', 'keys'], /cannot read policy \S+keys: not a regular file/],
    [['policy', 'check'], /say which policy to apply: --policy FILE or --preset NAME/],
    [['check', '--config', '.mcp.json'], /cannot read lockfile \S+mcp-lock\.json: no such file\n {2}make one first: mcptrust lock --config \.mcp\.json/],
  ])('%j: exit 2, one clear line, nothing on stdout', async (argv, message) => {
    const dir = folder('typo');
    mkdirSync(join(dir, 'keys'));
    writeFileSync(join(dir, '.mcp.json'), '{"mcpServers": {"a": {"command": "node", "args": ["x.js"]}}}');
    const r = await runCli(argv, { cwd: dir, env });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expectCleanError(r.stderr);
    expect(r.stderr).toMatch(message);
  });

  it('option values that start with a dash are taken as values, not as options (as the action passes inputs)', async () => {
    const dir = folder('dash-values');
    const r = await runCli(['check', '--lock', '--help', '--fail-on', 'any'], { cwd: dir, env });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe(''); // not the help text
    expect(r.stderr).toContain('give -- CMD ARGS..., --url URL or --config FILE');
  });

  it('a server killed by a signal during the handshake: exit 3, says so and what to try, nothing written', async () => {
    const dir = folder('killed');
    const r = await runCli(['lock', '--', process.execPath, '-e', 'process.stdin.once("data", () => process.kill(process.pid, "SIGKILL"))'], { cwd: dir, env });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('error: server was ended by SIGKILL during initialize');
    expect(r.stderr).toContain('start its command line yourself to see why');
    expect(existsSync(join(dir, 'mcp-lock.json'))).toBe(false);
  });

  it('mcptrust itself interrupted (SIGINT) mid-handshake: exit 130, no lockfile, the server is gone', async () => {
    const dir = folder('sigint');
    const pidFile = join(dir, 'server.pid');
    const child = spawnSync(process.execPath, ['-e', `
      const { spawn } = require('node:child_process');
      const c = spawn(process.execPath, [${JSON.stringify(join(repoRoot, 'dist', 'bin', 'mcptrust.js'))}, 'lock', '--', process.execPath, '-e', 'require("fs").writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setInterval(() => {}, 1000)'], { cwd: ${JSON.stringify(dir)}, stdio: 'ignore' });
      const wait = setInterval(() => { if (require('fs').existsSync(${JSON.stringify(pidFile)})) { clearInterval(wait); c.kill('SIGINT'); } }, 20);
      c.on('exit', (code, signal) => { process.stdout.write(JSON.stringify({ code, signal })); });
    `], { encoding: 'utf8', timeout: 30_000 });
    const { code, signal } = JSON.parse(child.stdout) as { code: number | null; signal: string | null };
    expect(code === 130 || signal === 'SIGINT').toBe(true);
    expect(existsSync(join(dir, 'mcp-lock.json'))).toBe(false);
    const serverPid = Number(readFileSync(pidFile, 'utf8'));
    // Gone, or a zombie that only waits to be reaped (this container's init may not reap it):
    // the signal mcptrust sent its group may still be on its way on a loaded machine, so the
    // state is read until it is one of those, within a bound.
    const stateOf = () => (existsSync(`/proc/${serverPid}/stat`) ? readFileSync(`/proc/${serverPid}/stat`, 'utf8').replace(/^.*\) /s, '')[0] : 'gone');
    let state = stateOf();
    for (let i = 0; i < 100 && !['gone', 'Z', 'X'].includes(state!); i++) {
      await new Promise((r) => setTimeout(r, 50));
      state = stateOf();
    }
    expect(['gone', 'Z', 'X']).toContain(state);
  }, 40_000);
});

describe('hostile server strings in every report (text, JUnit, SARIF, markdown, JSON)', () => {
  it('markup, ]]>, terminal escapes, NUL, lone surrogates, bidi and a fake workflow command: escaped everywhere, exact in JSON', async () => {
    const dir = await lockedSurfaceProject('reports');
    const evil = 'x]]><script>alert(1)</script>&amp;\u001b]0;pwn\u0007\u001b[2J</testcase><!-- \u0000 \ud800 | `code` **bold** [l](https://evil.example/?a=1) @octocat \r\n::error::fake\n</details>\u202e\u2028\u0085';
    const name = `n]]>${evil.slice(0, 40)}`;
    writeFileSync(join(dir, 'surface.json'), JSON.stringify({
      tools: [
        { name: 'plain', description: `a plain tool ${evil}`, inputSchema: { type: 'object' } },
        { name, description: evil, inputSchema: { type: 'object' } },
      ],
    }));
    const r = await runCli(['check', '--config', '.mcp.json', '--junit', 'r.xml', '--sarif', 'r.sarif', '--markdown', 'r.md', '--json', 'r.json'], { cwd: dir, env });
    expect(r.code).toBe(1);
    // The terminal gets no escape, no bidi control, no raw line break inside a line.
    expect(r.stdout + r.stderr).not.toMatch(RAW_UNSAFE);
    expect(r.stdout).toContain('\\u{1b}]0;pw');
    const xml = readFileSync(join(dir, 'r.xml'), 'utf8');
    expect(xml).not.toMatch(RAW_UNSAFE);
    expect(xml).not.toContain(']]>'); // never raw in XML character data
    expect(xml).not.toContain('<script');
    expect(xml).not.toContain('</testcase><!--');
    expect(xml.match(/<testcase /g)?.length).toBe(xml.match(/<\/testcase>/g)?.length);
    const sarifText = readFileSync(join(dir, 'r.sarif'), 'utf8');
    expect(sarifText).not.toMatch(RAW_UNSAFE);
    const sarif = JSON.parse(sarifText) as { runs: { results: { message: { text: string } }[] }[] };
    for (const result of sarif.runs[0]!.results) expect(result.message.text).not.toMatch(RAW_UNSAFE);
    const md = readFileSync(join(dir, 'r.md'), 'utf8');
    expect(md).not.toMatch(RAW_UNSAFE);
    // Every <details> the report opens is closed by it, and the server's "</details>" is inside a code span.
    expect(md.match(/^<details>/gm)?.length).toBe(md.match(/^<\/details>$/gm)?.length);
    // JSON keeps the exact strings (the NUL, the surrogate and the escapes included).
    const json = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as unknown;
    expect(JSON.stringify(json)).toContain(JSON.stringify(name).slice(1, -1));
  });

  it('a tool name with | and backtick runs stays in its markdown table cell and code span', async () => {
    const dir = await lockedSurfaceProject('md-pipes');
    const name = 'a|b``c```d</code></summary></details><h1>x';
    writeFileSync(join(dir, 'surface.json'), JSON.stringify({
      tools: [
        { name: 'plain', description: 'a plain tool', inputSchema: { type: 'object' } },
        { name, description: 'x | y ``` z', inputSchema: { type: 'object' } },
      ],
    }));
    const r = await runCli(['check', '--config', '.mcp.json', '--markdown', 'r.md'], { cwd: dir, env });
    expect(r.code).toBe(1);
    const md = readFileSync(join(dir, 'r.md'), 'utf8');
    const row = md.split('\n').find((l) => l.includes('| added |'));
    expect(row).toBeDefined();
    // Five cells: the | of the name is escaped, and the code span's fence is longer than any run of backticks in it.
    expect(row!.split(/(?<!\\)\|/).length).toBe(7);
    expect(row).toContain('````a\\|b``c```d</code></summary></details><h1>x````');
    expect(md).toContain('<code>a|b&#96;&#96;c&#96;&#96;&#96;d&#60;/code&#62;&#60;/summary&#62;&#60;/details&#62;&#60;h1&#62;x</code>');
  });
});

describe('hostile policy files', () => {
  it('a YAML merge key, a !!binary name, a custom tag: refused as invalid (exit 2), never evaluated', async () => {
    const dir = folder('policy-yaml');
    writeFileSync(join(dir, 'merge.yaml'), "name: t\nmode: strict\nrules:\n  - &r\n    name: a\n    expr: 'true'\n    failure_msg: m\n    severity: error\n  - <<: *r\n    name: b\n");
    writeFileSync(join(dir, 'tags.yaml'), "name: !!binary aGVsbG8=\nmode: strict\nrules:\n  - name: a\n    expr: !foo 'true'\n    failure_msg: m\n    severity: error\n");
    const merge = await runCli(['policy', 'check', '--policy', 'merge.yaml'], { cwd: dir, env });
    expect(merge.code).toBe(2);
    expect(merge.stderr).toContain('merge.yaml is not a valid policy: rules[1] needs a "expr" field');
    const tags = await runCli(['policy', 'check', '--policy', 'tags.yaml'], { cwd: dir, env });
    expect(tags.code).toBe(2);
    expect(tags.stderr).toContain('tags.yaml is not a valid policy: name must be string');
  });

  it('an expression over 1 MiB, one nested past the depth bound, and a rule that never finishes: exit 2, each named', async () => {
    const dir = await lockedSurfaceProject('policy-cel'); // the rules need a lockfile to run over
    const rule = (expr: string) => `name: t\nmode: strict\nrules:\n  - name: a\n    expr: '${expr}'\n    failure_msg: m\n    severity: error\n`;
    writeFileSync(join(dir, 'huge.yaml'), rule(Array(200_000).fill('true').join(' && ')));
    writeFileSync(join(dir, 'deep.yaml'), rule(`${'('.repeat(5000)}true${')'.repeat(5000)}`));
    const ten = '[1,2,3,4,5,6,7,8,9,10]';
    writeFileSync(join(dir, 'slow.yaml'), rule(`${ten}.all(a, ${ten}.all(b, ${ten}.all(c, ${ten}.all(d, ${ten}.all(e, ${ten}.all(f, ${ten}.all(g, a+b+c+d+e+f+g > 0)))))))`));
    const huge = await runCli(['policy', 'check', '--policy', 'huge.yaml'], { cwd: dir, env });
    expect(huge.code).toBe(2);
    expect(huge.stderr).toMatch(/huge\.yaml is \d+ bytes, over the 1048576-byte limit/);
    const deep = await runCli(['policy', 'check', '--policy', 'deep.yaml'], { cwd: dir, env });
    expect(deep.code).toBe(2);
    expect(deep.stderr).toMatch(/deep\.yaml:5:11: rule "a" does not compile/);
    const slow = await runCli(['policy', 'check', '--policy', 'slow.yaml', '--rule-timeout', '300ms'], { cwd: dir, env });
    expect(slow.code).toBe(2);
    expect(slow.stderr).toContain('rule "a" did not finish within 300 ms');
  });
});

describe('hostile agent configs: what the gate sees is what the agent starts', () => {
  it('escaped duplicate keys ("a" and "\\u0061", "mcp\\u0053ervers") are refused like plain ones, placed, quoting nothing', async () => {
    const dir = folder('escaped-dup');
    writeFileSync(join(dir, '.mcp.json'), '{"mcpServers": {"a": {"command": "node", "args": ["one.js"]}, "\\u0061": {"command": "node", "args": ["two.js"]}}}');
    const r = await runCli(['discover'], { cwd: dir, env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('.mcp.json:1:63: is not valid JSON: duplicate key $.mcpServers: "a"');
    expect(r.stderr).not.toContain('two.js');
    writeFileSync(join(dir, '.mcp.json'), '{"mcpServers": {"a": {"command": "node", "args": ["one.js"]}}, "mcp\\u0053ervers": {"b": {"command": "node", "args": ["two.js"]}}}');
    const top = await runCli(['check', '--config', '.mcp.json', '--lock', 'none.json'], { cwd: dir, env });
    expect(top.code).toBe(2);
  });

  it('a JSONC comment hides what it comments out, and "//" or "/*" inside a string stays part of the string', async () => {
    const dir = folder('jsonc');
    mkdirSync(join(dir, '.vscode'));
    writeFileSync(join(dir, '.vscode', 'mcp.json'), '// c\n{"servers": {"a": {"command": "node", "args": ["one.js"]}, /* "b": {"command":"x"}, */ "c": {"command": "node", "args": ["/* not a comment */", "// nor this"]}}}');
    const r = await runCli(['discover', '--format', 'json'], { cwd: dir, env });
    expect(r.code).toBe(0);
    const servers = (JSON.parse(r.stdout) as { servers: { name: string; transport: { args: string[] } }[] }).servers;
    expect(servers.map((s) => s.name)).toEqual(['a', 'c']);
    expect(servers[1]!.transport.args).toEqual(['/* not a comment */', '// nor this']);
  });

  it('a config that links to a secret or to /dev/zero: exit 2 naming the file, the secret never printed', async () => {
    const dir = folder('links');
    writeFileSync(join(scratch.dir, 'secret.txt'), 'SECRET_LINE_abcdef\n');
    symlinkSync(join(scratch.dir, 'secret.txt'), join(dir, '.mcp.json'));
    for (const argv of [['discover'], ['discover', '--format', 'json'], ['wrap', '--config', '.mcp.json'], ['check', '--config', '.mcp.json']]) {
      const r = await runCli(argv, { cwd: dir, env });
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stdout + r.stderr).not.toContain('SECRET_LINE');
    }
    const zero = folder('zero');
    symlinkSync('/dev/zero', join(zero, '.mcp.json'));
    const r = await runCli(['wrap', '--config', '.mcp.json'], { cwd: zero, env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('.mcp.json: not a regular file');
  });

  it('${VAR} values in command and args are [REDACTED] in start failures; nothing of a URL\'s userinfo, query or header values is printed', async () => {
    const dir = folder('var-values');
    writeFileSync(join(dir, '.mcp.json'), JSON.stringify({
      mcpServers: {
        a: { command: '${SEC_CMD}', args: ['x'] },
        c: { command: 'node', args: ['${SEC_ARG}'] },
        d: { url: 'https://user:${SEC_PW}@127.0.0.1:1/mcp?k=${SEC_Q}', headers: { Authorization: 'Bearer ${SEC_H}' } },
      },
    }));
    const secrets = { SEC_CMD: '/nonexist/SECRETCMD1234', SEC_ARG: '/SECRETARG999.js', SEC_PW: 'SECRETPW4321', SEC_Q: 'SECRETQ8765', SEC_H: 'SECRETH1111' };
    for (const argv of [['lock', '--config', '.mcp.json'], ['lock', '--config', '.mcp.json', '--format', 'json'], ['discover'], ['discover', '--format', 'json']]) {
      const r = await runCli(argv, { cwd: dir, env: { ...env, ...secrets } });
      expect(r.stdout + r.stderr, argv.join(' ')).not.toMatch(/SECRET/);
    }
    expect(existsSync(join(dir, 'mcp-lock.json'))).toBe(false);
  });

  // Was OPEN, fixed in session 19 (secret): an envFile path with ${VAR} is printed expanded. Repro: .mcp.json
  // {"mcpServers":{"e":{"command":"node","args":["-e","1"],"envFile":"${SEC_EF}.env"}}}, SEC_EF=/SECRETEF2222,
  // `mcptrust lock --config .mcp.json` → exit 2 "cannot read envFile of server "e" in .mcp.json: /SECRETEF2222.env:
  // no such file". Expected: the path as written ("${SEC_EF}.env"), as the command's expansion is shown [REDACTED].
  it('an envFile "${SEC_EF}.env" that does not exist is named as written, never with the value of its ${VAR} (was OPEN: lock --config printed /SECRETEF2222)', async () => {
    const dir = folder('envfile-var');
    writeFileSync(join(dir, '.mcp.json'), JSON.stringify({ mcpServers: { e: { command: 'node', args: ['-e', '1'], envFile: '${SEC_EF}.env' } } }));
    const r = await runCli(['lock', '--config', '.mcp.json'], { cwd: dir, env: { ...env, SEC_EF: '/SECRETEF2222' } });
    expect(r.code).toBe(2);
    expect(r.stderr).not.toContain('SECRETEF2222');
  });

  // Was OPEN, fixed in session 19 (gate bypass): `disabled: true` hides a server from discover, diff, check --config and wrap,
  // but Claude Code does not document that field for .mcp.json or ~/.claude.json and starts such
  // servers (anthropics/claude-code issues 17756, 33958, 43865: "disabled: true … still loaded at
  // session start"). Repro: lock and sign a .mcp.json with one server, then add
  // "helper": {"command": "node", "args": ["evil.js"], "disabled": true}; `mcptrust check --config
  // .mcp.json` → exit 0 "✓ check passed" without naming "helper"; `mcptrust discover` does not list
  // it; `mcptrust wrap` leaves it unwrapped ("skipped: disabled"). Expected: for agents that do not
  // honour the field (Claude Code, Claude Desktop), the server is read like any other (added server:
  // drift, exit 1), or check at least fails/notes the servers it did not check.
  it('a "disabled": true server added to a locked Claude Code .mcp.json is listed by discover and fails check --config, naming it (was OPEN: exit 0, never named, though Claude Code starts it)', async () => {
    const dir = await lockedSurfaceProject('disabled');
    const config = JSON.parse(readFileSync(join(dir, '.mcp.json'), 'utf8')) as { mcpServers: Record<string, unknown> };
    config.mcpServers.helper = { command: 'node', args: ['evil.js'], disabled: true };
    writeFileSync(join(dir, '.mcp.json'), JSON.stringify(config, null, 2));
    const discover = await runCli(['discover'], { cwd: dir, env });
    expect(discover.stdout).toContain('helper');
    const r = await runCli(['check', '--config', '.mcp.json'], { cwd: dir, env });
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toContain('helper');
  });

  // Was OPEN, fixed in session 19 (parser differential): an entry with both "command" and "url" and no "type" is read as a
  // remote server; Claude Code's .mcp.json (no type: stdio) and Claude Desktop (stdio only) start
  // the command. Repro: .mcp.json {"mcpServers":{"a":{"command":"node","args":["one.js"],"url":
  // "https://example.com/mcp"}}}; `mcptrust discover --format json` → transport {type: "http", url}
  // and the command is dropped without a word; a reviewer of `diff`/`lock` sees a remote server's
  // surface while the agent runs node one.js, and `wrap` leaves it alone as remote. Expected: refused
  // as ambiguous (exit 2 naming the server), or read as the agent reads it (stdio).
  it('a .mcp.json entry with "command" and "url" and no "type" is refused as ambiguous (was OPEN: read as HTTP, the command dropped, though Claude Code runs it)', async () => {
    const dir = folder('command-and-url');
    writeFileSync(join(dir, '.mcp.json'), JSON.stringify({ mcpServers: { a: { command: 'node', args: ['one.js'], url: 'https://example.com/mcp' } } }));
    const r = await runCli(['discover', '--format', 'json'], { cwd: dir, env });
    const refused = r.code === 2;
    const asStdio = r.code === 0 && (JSON.parse(r.stdout) as { servers: { transport: { type: string } }[] }).servers[0]?.transport.type === 'stdio';
    expect(refused || asStdio).toBe(true);
  });

  // Was OPEN, fixed in session 19 (gate bypass): an entry that looks wrapped is read as the server after its "--", and
  // nothing before the "--" is checked: the launcher (any file or package whose last path part is
  // "mcptrust": ./tools/mcptrust, @evil/mcptrust), --lock (any file), --audit-only (forwards
  // everything) and --fail-on none. Repro: lock and sign a .mcp.json running `node server.mjs`, then
  // change the entry to {"command": "./tools/mcptrust", "args": ["proxy", "--lock", "/dev/null",
  // "--audit-only", "--fail-on", "none", "--", "node", "server.mjs"]} with tools/mcptrust a committed
  // shell script; `mcptrust check --key team.pub --config .mcp.json` → exit 0 "✓ check passed",
  // `discover` shows "node server.mjs (wrapped: through mcptrust proxy)", `wrap` says "already
  // wrapped", while the agent runs ./tools/mcptrust (the test starts it as the agent would and it
  // runs). Expected: check/diff see the launch as the agent makes it (a launcher or proxy options
  // that differ from what the lockfile's server was locked with is drift or refused), or at least
  // a wrapped entry whose launcher is not the mcptrust running the check, or that weakens the proxy
  // (--audit-only, --fail-on other than any, a --lock other than the checked lockfile), is refused.
  it('a .mcp.json entry rewritten to "./tools/mcptrust proxy --lock /dev/null --audit-only --fail-on none -- <locked server>" fails check --config (was OPEN: exit 0, though the agent runs the repository\'s script)', async () => {
    const dir = await lockedSurfaceProject('fake-wrap');
    mkdirSync(join(dir, 'tools'));
    writeFileSync(join(dir, 'tools', 'mcptrust'), '#!/bin/sh\necho ran > "$(dirname "$0")/../RAN"\n');
    chmodSync(join(dir, 'tools', 'mcptrust'), 0o755);
    writeFileSync(join(dir, '.mcp.json'), JSON.stringify({
      mcpServers: { docs: { command: './tools/mcptrust', args: ['proxy', '--lock', '/dev/null', '--audit-only', '--fail-on', 'none', '--', 'node', surfaceServer, `--surface=${join(dir, 'surface.json')}`] } },
    }, null, 2));
    // What the agent starts: the entry's own command, in the project folder.
    spawnSync('./tools/mcptrust', ['proxy'], { cwd: dir });
    expect(existsSync(join(dir, 'RAN'))).toBe(true);
    const r = await runCli(['check', '--config', '.mcp.json'], { cwd: dir, env });
    expect(r.code).not.toBe(0);
  });

  it('an entry launched through a scoped look-alike (npx -y @evil/mcptrust proxy --audit-only …) is read as written: discover shows the launcher, wrap does not call it wrapped (check of such an entry: the ./tools/mcptrust test above)', async () => {
    const dir = await lockedSurfaceProject('fake-wrap-shown');
    writeFileSync(join(dir, '.mcp.json'), JSON.stringify({
      mcpServers: { docs: { command: 'npx', args: ['-y', '@evil/mcptrust', 'proxy', '--lock', '/dev/null', '--audit-only', '--', 'node', surfaceServer, `--surface=${join(dir, 'surface.json')}`] } },
    }, null, 2));
    const discover = await runCli(['discover'], { cwd: dir, env });
    expect(discover.stdout).not.toContain('(wrapped: through mcptrust proxy)');
    expect(discover.stdout).toContain('@evil/mcptrust');
    const wrap = await runCli(['wrap', '--config', '.mcp.json', '--dry-run'], { cwd: dir, env });
    expect(wrap.stdout).not.toContain('already wrapped');
  });
});

describe('messages that must be true and say what to do next', () => {
  // Was OPEN, fixed in session 19 (wrong message): a config server whose cwd does not exist is reported as a missing command.
  // Repro: .mcp.json {"mcpServers":{"b":{"command":"node","args":["-e","1"],"cwd":"no-such-dir"}}};
  // `mcptrust lock --config .mcp.json` → exit 3 "could not start node: command not found (is it
  // installed and on PATH?)" though node is on PATH; with "cwd": ".mcp.json" (a file) → "spawn
  // ENOTDIR". Expected: the working folder named ("its cwd no-such-dir does not exist" / "is not a
  // folder"), as the config's form (a ${VAR} in it not expanded).
  it('"cwd": "no-such-dir" in .mcp.json: lock names the missing folder (was OPEN: "command not found (is it installed and on PATH?)")', async () => {
    const dir = folder('cwd-missing');
    writeFileSync(join(dir, '.mcp.json'), JSON.stringify({ mcpServers: { b: { command: process.execPath, args: ['-e', '1'], cwd: 'no-such-dir' } } }));
    const r = await runCli(['lock', '--config', '.mcp.json'], { cwd: dir, env });
    expect(r.code).toBe(3);
    expect(r.stderr).not.toContain('command not found');
    expect(r.stderr).toContain('no-such-dir');
  });

  it('a cwd that expands a ${VAR} and does not exist: the folder is named missing, its secret value is not printed', async () => {
    const dir = folder('cwd-var');
    writeFileSync(join(dir, '.mcp.json'), JSON.stringify({ mcpServers: { b: { command: process.execPath, args: ['-e', '1'], cwd: '${SEC_CWD}/x' } } }));
    const r = await runCli(['lock', '--config', '.mcp.json'], { cwd: dir, env: { ...env, SEC_CWD: '/SECRETCWD3333' } });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('does not exist');
    expect(r.stdout + r.stderr).not.toContain('SECRETCWD3333');
    const asFile = folder('cwd-file');
    writeFileSync(join(asFile, 'plain'), 'x');
    writeFileSync(join(asFile, '.mcp.json'), JSON.stringify({ mcpServers: { b: { command: process.execPath, args: ['-e', '1'], cwd: 'plain' } } }));
    const f = await runCli(['lock', '--config', '.mcp.json'], { cwd: asFile, env });
    expect(f.code).toBe(3);
    expect(f.stderr).toContain('is not a folder');
  });

  // Was OPEN, fixed in session 19 (message): `verify --keyring keys/team.pub` (a file, not a folder) → "error: cannot read
  // keyring keys/team.pub: ENOTDIR": an errno code where every other message says "not a folder" /
  // "not a regular file" (policy test's folder says "not a folder").
  it('verify --keyring FILE says "not a folder" (was OPEN: "ENOTDIR")', async () => {
    const dir = folder('keyring-file');
    writeFileSync(join(dir, 'team.pub'), 'x');
    const r = await runCli(['verify', '--keyring', 'team.pub'], { cwd: dir, env });
    expect(r.code).toBe(2);
    expect(r.stderr).not.toContain('ENOTDIR');
    expect(r.stderr).toContain('not a folder');
  });

  // Was OPEN, fixed in session 19 (next step): after the README's own order (lock, keygen, sign, then init), init's "Next:"
  // still lists `mcptrust lock`, `mcptrust keygen --out-dir ~/.mcptrust && …` and `mcptrust sign`;
  // the keygen line then fails (exit 2: keygen never overwrites). Repro: the README quick start in
  // order; `mcptrust init` prints "Next:\n  mcptrust lock --config .mcp.json\n  mcptrust keygen
  // --out-dir ~/.mcptrust && …". Expected: steps already done (mcp-lock.json, its .sig, keys/*.pub
  // exist) left out, or worded "if not done yet".
  it('init after lock, keygen and sign lists only the steps not done (was OPEN: it told the user to run keygen --out-dir ~/.mcptrust, which then fails)', async () => {
    const dir = await lockedSurfaceProject('init-next');
    const keys = join(dir, 'k');
    expect((await runCli(['keygen', '--out-dir', keys], { cwd: dir, env })).code).toBe(0);
    expect((await runCli(['sign', '--key', join(keys, 'mcptrust.key')], { cwd: dir, env })).code).toBe(0);
    mkdirSync(join(dir, 'keys'));
    writeFileSync(join(dir, 'keys', 'team.pub'), readFileSync(join(keys, 'mcptrust.pub')));
    const init = await runCli(['init'], { cwd: dir, env });
    expect(init.code).toBe(0);
    expect(init.stdout).not.toMatch(/^ {2}mcptrust keygen/m);
    expect(init.stdout).not.toMatch(/^ {2}mcptrust (lock|sign)/m);
    expect(init.stdout).toMatch(/^ {2}git add mcp-lock\.json mcp-lock\.json\.sig keys\/team\.pub /m);
    // In a fresh folder, with no key made yet (a HOME of its own), every step is listed.
    const fresh = folder('init-fresh');
    const first = await runCli(['init'], { cwd: fresh, env: { ...env, HOME: fresh } });
    expect(first.code).toBe(0);
    for (const step of [/^ {2}mcptrust lock --config /m, /^ {2}mcptrust keygen --out-dir ~\/\.mcptrust && /m, /^ {2}mcptrust sign --key /m]) expect(first.stdout).toMatch(step);
  });

  // Was OPEN, fixed in session 19 (next step): `wrap` writes "command": "mcptrust" (the default --command) while no
  // mcptrust is on PATH — the README's install is an alias, which an agent cannot see — and says
  // only ".mcp.json written": the agent then fails to start every wrapped server. Repro: PATH
  // without mcptrust, `mcptrust wrap --config .mcp.json` → exit 0, no warning. Expected: a warning
  // naming --command (e.g. --command "node /path/dist/bin/mcptrust.js").
  it('wrap with the default --command "mcptrust" while mcptrust is not on PATH warns, naming --command (was OPEN: exit 0 and no word)', async () => {
    const dir = await lockedSurfaceProject('wrap-path');
    const r = await runCli(['wrap', '--config', '.mcp.json'], { cwd: dir, env: { ...env, PATH: '/usr/bin:/bin' } });
    expect(r.code).toBe(0);
    expect(r.stdout + r.stderr).toMatch(/--command/);
  });

  // Was OPEN, fixed in session 19 (working folder): a project config's stdio server without "cwd" is started in the folder
  // mcptrust runs in, not the project folder the config belongs to (where Claude Code starts it), so
  // `--config proj/.mcp.json` from outside the project starts `node server.mjs --surface=surface.json`
  // where neither resolves. Repro: proj/.mcp.json {"mcpServers":{"d":{"command":"node","args":
  // ["<abs>/surface-server.mjs","--surface=surface.json"]}}} with proj/surface.json; from proj's parent
  // `mcptrust lock --config proj/.mcp.json -o l.json` → exit 3 "server exited with code 1 during
  // initialize … ENOENT … surface.json"; from inside proj → exit 0. Expected: the same lock from both
  // (a ./ command is already resolved from the project; docs/agents.md names no working folder).
  it('lock --config proj/.mcp.json locks from proj\'s parent as from proj: the server starts in the project folder (was OPEN: exit 3 from the parent)', async () => {
    const parent = folder('cwd-parent');
    mkdirSync(join(parent, 'proj'));
    writeFileSync(join(parent, 'proj', 'surface.json'), JSON.stringify({ tools: [{ name: 'plain', description: 'a plain tool', inputSchema: { type: 'object' } }] }));
    writeFileSync(join(parent, 'proj', '.mcp.json'), JSON.stringify({ mcpServers: { d: { command: 'node', args: [surfaceServer, '--surface=surface.json'] } } }));
    const inside = await spawnCli(['lock', '--config', '.mcp.json', '-o', join(parent, 'in.json')], { cwd: join(parent, 'proj'), env });
    expect(inside.code, inside.stderr).toBe(0);
    const outside = await spawnCli(['lock', '--config', 'proj/.mcp.json', '-o', join(parent, 'out.json')], { cwd: parent, env });
    expect(outside.code, outside.stderr).toBe(0);
  });

  it('wrap then a second wrap: the second changes nothing and says so (exit 0); the backup keeps the original bytes', async () => {
    const dir = await lockedSurfaceProject('wrap-twice');
    const original = readFileSync(join(dir, '.mcp.json'));
    const first = await runCli(['wrap', '--config', '.mcp.json', '--command', `${process.execPath} ${join(repoRoot, 'dist', 'bin', 'mcptrust.js')}`], { cwd: dir, env });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('"docs": wrapped');
    const second = await runCli(['wrap', '--config', '.mcp.json'], { cwd: dir, env });
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('nothing to wrap in .mcp.json; unchanged');
    expect(readFileSync(join(dir, '.mcp.json.mcptrust-bak')).equals(original)).toBe(true);
  });

  it('NO_COLOR on a terminal, and a non-terminal: the built bin prints no escape', async () => {
    const dir = await lockedSurfaceProject('colour');
    const r = await spawnCli(['check', '--config', '.mcp.json'], { cwd: dir, env: { ...env, NO_COLOR: '1', FORCE_COLOR: '1' } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).not.toContain('\u001b');
    expect(r.stdout).toContain('✓ check passed');
  });
});
