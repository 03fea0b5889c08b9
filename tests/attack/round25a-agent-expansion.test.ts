import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtCli, repoRoot, runCli, tempDir } from '../helpers/cli.js';

// Round 25a: check --config expands a wrapped entry's --lock with mcptrust's one set of rules
// (${VAR}, ${VAR:-default}, ${env:VAR}, ${workspaceFolder}, for every agent), and docs/proxy.md
// says "as the agent expands them". Agents do not all expand alike:
//   - VS Code (.vscode/mcp.json) and Cursor (.cursor/mcp.json) expand ${workspaceFolder},
//     ${env:NAME}, ${userHome}…, not the shell's ${NAME} or ${NAME:-default} (left as written);
//   - Gemini CLI expands $NAME and ${NAME} (a name not set is left as written), not ${NAME:-d};
//   - Claude Code expands ${NAME} and ${NAME:-default} only (no ${workspaceFolder}, no env:).
// Where mcptrust expands what the agent leaves, or leaves what the agent expands, a committed
// config passes check (exit 0) while the proxy the agent starts opens another file: a decoy the
// same pull request adds, which no check ever reads.
const memoryBin = join(repoRoot, 'node_modules', '@modelcontextprotocol', 'server-memory', 'dist', 'index.js');
const scratch = tempDir('mcptrust-r25a-x-');
const project = join(scratch.dir, 'project');
const lock = join(project, 'mcp-lock.json');
const env = { PATH: process.env.PATH!, HOME: scratch.dir };
type Entry = { command: string; args: string[]; env?: Record<string, string>; cwd?: string };
let wrapped: Entry;

/** The entry with its --lock value replaced, written under `key` of `file` (in the project). */
function writeConfig(file: string, key: string, lockValue: string): Entry {
  const entry = structuredClone(wrapped);
  entry.args[3] = lockValue;
  mkdirSync(join(project, file, '..'), { recursive: true });
  writeFileSync(join(project, file), JSON.stringify({ [key]: { memory: entry } }, null, 2));
  return entry;
}
const check = (file: string, e: NodeJS.ProcessEnv = env) => runCli(['check', '--config', join(project, file), '--lock', lock, '--format', 'json'], { cwd: project, env: e });

/** The entry started as the agent starts it: `lockAsAgentPasses` is --lock after the agent's own expansion. */
function startAsAgent(entry: Entry, lockAsAgentPasses: string): Promise<{ code: number; stderr: string }> {
  const args = [...entry.args];
  args[3] = lockAsAgentPasses;
  return new Promise((done, reject) => {
    const child = spawn(entry.command, args, { cwd: project, env: { ...env, ...entry.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    child.stdout.resume();
    child.on('error', reject);
    child.on('close', (code) => done({ code: code ?? -1, stderr }));
  });
}

beforeAll(async () => {
  mkdirSync(project, { recursive: true });
  const config = join(project, '.mcp.json');
  writeFileSync(config, JSON.stringify({ mcpServers: { memory: { command: process.execPath, args: [memoryBin], env: { MEMORY_FILE_PATH: join(scratch.dir, 'memory.jsonl') } } } }));
  expect((await runCli(['lock', '--config', config], { cwd: project, env })).code).toBe(0);
  const done = await runCli(['wrap', '--config', config, '--command', `${process.execPath} ${builtCli}`], { cwd: project, env });
  expect(done.code, done.stderr).toBe(0);
  wrapped = (JSON.parse(readFileSync(config, 'utf8')) as { mcpServers: { memory: Entry } }).mcpServers.memory;
  // The decoys the attacking pull request adds: files whose names are the unexpanded paths.
  // A proxy that opens one refuses to start and names it (a real attack puts a lockfile there
  // that approves more; check never reads it, so later edits to it pass review unseen).
  writeFileSync(join(project, '${NOPE:-mcp-lock.json}'), 'not a lockfile\n');
  writeFileSync(join(project, 'decoy.json'), 'not a lockfile\n');
  mkdirSync(join(project, '$PWD'));
  symlinkSync('../mcp-lock.json', join(project, '$PWD', 'decoy.json'));
  mkdirSync(join(project, '${workspaceFolder}'));
  writeFileSync(join(project, '${workspaceFolder}', 'mcp-lock.json'), 'not a lockfile\n');
}, 120_000);

afterAll(() => scratch.cleanup());

describe('the same spelling, expanded alike by check and by the agent: held', () => {
  it('.vscode/mcp.json with ${workspaceFolder}/mcp-lock.json (what wrap writes): check exit 0, the proxy runs on it', async () => {
    const entry = writeConfig('.vscode/mcp.json', 'servers', '${workspaceFolder}/mcp-lock.json');
    const result = await check('.vscode/mcp.json');
    expect(result.code, result.stdout).toBe(0);
    const run = await startAsAgent(entry, `${project}/mcp-lock.json`);
    expect(run.code, run.stderr).toBe(0);
  }, 90_000);

  it('.mcp.json (Claude Code expands ${NAME:-default}) with ${NOPE:-./mcp-lock.json}: check exit 0, the proxy runs on the checked file', async () => {
    const entry = writeConfig('.mcp.json', 'mcpServers', '${NOPE:-./mcp-lock.json}');
    const result = await check('.mcp.json');
    expect(result.code, result.stdout).toBe(0);
    const run = await startAsAgent(entry, './mcp-lock.json');
    expect(run.code, run.stderr).toBe(0);
  }, 90_000);

  it('the decoy, when the agent does open it, is refused by the proxy (exit 2, named): what the OPEN cases below rely on', async () => {
    const run = await startAsAgent(structuredClone(wrapped), '${NOPE:-mcp-lock.json}');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('${NOPE:-mcp-lock.json} is not valid JSON');
  }, 60_000);
});

describe('expansions mcptrust makes and the agent does not, or the other way', () => {
  // OPEN: .vscode/mcp.json (and .cursor/mcp.json) wrapped entry with
  //   "args": [CLI, "proxy", "--lock", "${NOPE:-mcp-lock.json}", "--server", "memory", "--env", "MEMORY_FILE_PATH", "--", node, server-memory]
  // `mcptrust check --config .vscode/mcp.json --lock mcp-lock.json` expands the POSIX default
  // and compares ./mcp-lock.json: observed exit 0 ("check passed"; its header even shows the
  // lock as [REDACTED], the default being taken for a secret). VS Code and Cursor leave
  // ${NOPE:-…} as written, so the proxy opens the file "${NOPE:-mcp-lock.json}" of the project
  // (exit 2 here, "${NOPE:-mcp-lock.json} is not valid JSON": a decoy the PR added). Expected:
  // for a VS Code or Cursor config, a variable these agents do not expand (${NAME},
  // ${NAME:-d}) in the proxy's --lock is read as written, or reported: exit 1, transport.proxy.
  it.skip('OPEN: .vscode/mcp.json and .cursor/mcp.json: --lock ${NOPE:-mcp-lock.json} passes check (exit 0) but VS Code/Cursor pass it unexpanded and the proxy opens a decoy', async () => {
    for (const [file, key] of [['.vscode/mcp.json', 'servers'], ['.cursor/mcp.json', 'mcpServers']] as const) {
      const entry = writeConfig(file, key, '${NOPE:-mcp-lock.json}');
      const result = await check(file);
      const run = await startAsAgent(entry, '${NOPE:-mcp-lock.json}');
      expect(run.code).toBe(2);
      expect(result.code, `${file}: ${result.stdout}`).toBe(1);
    }
  }, 120_000);

  // OPEN: .gemini/settings.json wrapped entry with "--lock", "$PWD/decoy.json", and the PR adds
  // a folder "$PWD" holding a symlink decoy.json -> ../mcp-lock.json. mcptrust does not expand
  // $NAME (no braces): it takes "$PWD/decoy.json" from the project, follows the link to the
  // checked lockfile: observed exit 0. Gemini CLI expands $PWD (its own working folder, the
  // project), so the proxy opens <project>/decoy.json, another file (exit 2 here, "not valid
  // JSON"). Expected: in a Gemini config, $NAME in --lock is expanded as Gemini does, or
  // reported: exit 1.
  it.skip('OPEN: .gemini/settings.json: --lock $PWD/decoy.json passes check (exit 0) through a committed "$PWD/decoy.json" symlink; Gemini expands $PWD and the proxy opens the project\'s decoy.json', async () => {
    const entry = writeConfig('.gemini/settings.json', 'mcpServers', '$PWD/decoy.json');
    const result = await check('.gemini/settings.json', { ...env, PWD: project });
    const run = await startAsAgent(entry, `${project}/decoy.json`);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('decoy.json');
    expect(result.code, result.stdout).toBe(1);
  }, 90_000);

  // OPEN (if Claude Code starts an entry whose variable is not set, as written, after warning):
  // .mcp.json wrapped entry with "--lock", "${workspaceFolder}/mcp-lock.json" (or
  // "${env:PWD}/mcp-lock.json" with PWD the checkout, as in CI). mcptrust expands both (for every
  // agent): observed exit 0. Claude Code expands only ${NAME} / ${NAME:-d} from its environment:
  // "workspaceFolder" and "env:PWD" are no such variables, so the proxy gets the path as written
  // and opens "<project>/${workspaceFolder}/mcp-lock.json", a decoy the PR added (exit 2 here).
  // Expected: for Claude Code configs, ${workspaceFolder} and ${env:…} in --lock are reported
  // (or read as written): exit 1.
  it.skip('OPEN: .mcp.json: --lock ${workspaceFolder}/mcp-lock.json or ${env:PWD}/mcp-lock.json passes check (exit 0); Claude Code does not expand them and the proxy opens a decoy folder', async () => {
    for (const value of ['${workspaceFolder}/mcp-lock.json', '${env:PWD}/mcp-lock.json']) {
      const entry = writeConfig('.mcp.json', 'mcpServers', value);
      const result = await check('.mcp.json', { ...env, PWD: project });
      expect(result.code, `${value}: ${result.stdout}`).toBe(1);
      if (value.startsWith('${workspaceFolder}')) expect((await startAsAgent(entry, value)).code).toBe(2);
    }
  }, 120_000);

  // OPEN: Claude Code does not read a `cwd` field of .mcp.json (anthropics/claude-code #17565,
  // #42883: the server starts in the folder Claude Code runs in, the project), nor does Cursor;
  // mcptrust takes the proxy's relative --lock from `cwd`. .mcp.json wrapped entry with
  //   "cwd": "sub", "args": [CLI, "proxy", "--lock", "decoy.json", "--server", "memory", …]
  // and the PR adds sub/decoy.json, a symlink to ../mcp-lock.json: check follows it to the
  // checked lockfile, observed exit 0; Claude Code starts the proxy in the project, which opens
  // <project>/decoy.json (exit 2 here, "not valid JSON": any lockfile the PR adds). Expected:
  // for an agent that ignores `cwd`, the lock path is taken from where that agent starts the
  // entry (the project), or a relative --lock beside a `cwd` is reported: exit 1.
  it.skip('OPEN: .mcp.json with "cwd": "sub" and --lock decoy.json (sub/decoy.json a link to the lockfile) passes check (exit 0); Claude Code ignores cwd and the proxy opens <project>/decoy.json', async () => {
    mkdirSync(join(project, 'sub'), { recursive: true });
    symlinkSync('../mcp-lock.json', join(project, 'sub', 'decoy.json'));
    const entry = structuredClone(wrapped);
    entry.args[3] = 'decoy.json';
    entry.cwd = 'sub';
    writeFileSync(join(project, '.mcp.json'), JSON.stringify({ mcpServers: { memory: entry } }));
    const result = await check('.mcp.json');
    const run = await startAsAgent(entry, 'decoy.json');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('decoy.json is not valid JSON');
    expect(result.code, result.stdout).toBe(1);
  }, 90_000);

  // OPEN (false alarm): ~/.cursor/mcp.json-style user config, or a VS Code config, whose proxy
  // --lock is "${userHome}/mcp-lock.json" (a variable both agents expand to the home folder).
  // mcptrust reads ${userHome} as an environment variable, finds it unset and reports "which
  // cannot be told from here": exit 1, though the agent opens exactly the checked
  // $HOME/mcp-lock.json. Expected: exit 0.
  it.skip('OPEN: .vscode/mcp.json with --lock ${userHome}/mcp-lock.json, the checked file: check exit 1 ("cannot be told"), expected 0', async () => {
    writeConfig('.vscode/mcp.json', 'servers', '${userHome}/project/mcp-lock.json');
    const result = await runCli(['check', '--config', join(project, '.vscode/mcp.json'), '--lock', lock, '--format', 'json'], { cwd: project, env: { ...env, HOME: scratch.dir } });
    expect(result.code, result.stdout).toBe(0);
  }, 60_000);
});
