#!/usr/bin/env node
// The entry point of action.yml. It checks every input (a bad one is exit 2 naming it, never a
// silent default), runs `mcptrust check` once without a shell — the log, the JSON, the job
// summary, the SARIF and the JUnit file all come from that one run — then writes the step's
// outputs to $GITHUB_OUTPUT and the summary to $GITHUB_STEP_SUMMARY.
//
// Server names, descriptions and digests reach the outputs and the summary: they are
// attacker-controlled. Outputs are written as single-line printable ASCII (JSON with \uXXXX
// escapes) inside a heredoc with a random delimiter that no value may contain; the summary is
// markdown rendered by mcptrust (src/report/check-markdown.ts), which escapes every server string.
import { spawnSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/** An action input that cannot be used: exit 2, the message names the input. */
export class InputError extends Error {}

const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'];
const DIGEST = /^sha256:[0-9a-f]{64}$/;
/** GitHub refuses a job summary over 1 MiB; the summary is cut below it, at a line, and says so. */
export const MAX_SUMMARY_BYTES = 1_000_000;

const raw = (env, name) => env[`INPUT_${name.toUpperCase().replace(/-/g, '_')}`] ?? '';
const text = (env, name) => raw(env, name).trim();
const lines = (env, name) => raw(env, name).split('\n').map((l) => l.trim()).filter(Boolean);
/** A short, printable rendering of a bad value for an error message. */
const shown = (value) => JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/**
 * "true" or "false", exactly (as action.yml's own conditions compare them; YAML's true and
 * false reach the action as these strings); empty: the default. "yes", "1", "on" are errors.
 */
function bool(env, name, fallback) {
  const value = text(env, name);
  if (value === '') return fallback;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new InputError(`input ${name}: expected true or false, got ${shown(value)}`);
}

function oneOf(env, name, choices, fallback) {
  const value = text(env, name);
  if (value === '') return fallback;
  if (!choices.includes(value)) throw new InputError(`input ${name}: expected one of ${choices.join(', ')}, got ${shown(value)}`);
  return value;
}

/** Splits a one-line command on spaces; quotes group words; no expansion of any kind. */
export function splitCommand(command) {
  if (command.includes('\n')) return command.split('\n').map((l) => l.trim()).filter(Boolean);
  const args = [];
  let current = '';
  let quote = '';
  let inWord = false;
  for (const c of command) {
    if (quote) {
      if (c === quote) quote = '';
      else current += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === ' ' || c === '\t') {
      if (inWord) args.push(current);
      current = '';
      inWord = false;
    } else {
      current += c;
      inWord = true;
    }
  }
  if (quote) throw new InputError(`unterminated ${quote} quote in the command input`);
  if (inWord) args.push(current);
  return args;
}

/**
 * Every input, checked. Throws InputError naming the first bad input (no trusted keys while a
 * signature is required counts as one).
 */
export function readInputs(env = process.env) {
  const failOn = oneOf(env, 'fail-on', ['any', 'breaking', 'security', 'none'], 'any');
  const format = oneOf(env, 'format', ['text', 'json'], 'text');
  const threshold = text(env, 'threshold');
  if (threshold !== '' && !/^[1-9][0-9]{0,8}$/.test(threshold)) throw new InputError(`input threshold: expected a whole number of at least 1, got ${shown(threshold)}`);
  const ruleTimeout = text(env, 'rule-timeout');
  // The grammar of mcptrust's --rule-timeout (src/util/text.ts parseDuration), up to one day.
  const duration = /^(\d{1,9}(?:\.\d{1,3})?)(ms|s|m)?$/.exec(ruleTimeout);
  const ms = duration ? Number(duration[1]) * { ms: 1, s: 1000, m: 60_000 }[duration[2] ?? 's'] : Number.NaN;
  if (ruleTimeout !== '' && !(ms >= 1 && ms <= 86_400_000)) throw new InputError(`input rule-timeout: expected a duration such as 2s, 500ms or 1m (at most 1440m), got ${shown(ruleTimeout)}`);
  const requireSignature = bool(env, 'require-signature', true);
  const allowUnknownSigners = bool(env, 'allow-unknown-signers', false);
  bool(env, 'setup-node', true);
  const version = text(env, 'mcptrust-version');
  if (version !== '' && !/^(?:\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?|[a-z][a-z0-9-]{0,40})$/.test(version)) {
    throw new InputError(`input mcptrust-version: expected a version such as 1.2.3 or a dist-tag such as latest, got ${shown(version)}`);
  }
  const envLines = lines(env, 'env');
  envLines.forEach((l, i) => {
    // The value may be a secret: the message names the line, never its text.
    if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(l)) throw new InputError(`input env, line ${i + 1}: expected NAME=value`);
  });
  const headers = lines(env, 'header');
  headers.forEach((l, i) => {
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+:/.test(l)) throw new InputError(`input header, line ${i + 1}: expected "Name: value"`);
  });
  const keys = lines(env, 'key');
  const keyring = text(env, 'keyring');
  // Fail closed, as action.yml's default: only an explicit "false" runs without a signature.
  if (requireSignature && keys.length === 0 && !keyring) {
    throw new InputError(
      "no trusted keys: require-signature is 'true' (the default), so give the key input (public key files, one per line) or keyring (a folder of *.pub files); set require-signature: 'false' to run without checking the signature",
    );
  }
  return {
    lock: text(env, 'lock') || 'mcp-lock.json',
    sig: text(env, 'sig'),
    keys,
    keyring,
    threshold,
    requireSignature,
    allowUnknownSigners,
    policy: text(env, 'policy'),
    preset: text(env, 'preset'),
    command: splitCommand(raw(env, 'command')),
    url: text(env, 'url'),
    config: text(env, 'config'),
    servers: lines(env, 'server'),
    headers,
    env: envLines,
    ruleTimeout,
    failOn,
    format,
    junitFile: text(env, 'junit-file'),
    sarifFile: text(env, 'sarif-file'),
    version,
  };
}

/** The argv of `mcptrust check` for these inputs; `files` are the extra reports of the same run. */
export function checkArgsFor(inputs, files = {}) {
  const args = ['check', '--lock', inputs.lock, '--fail-on', inputs.failOn, '--format', inputs.format];
  // One run writes the log and every report, so they always tell the same verdict.
  if (inputs.junitFile) args.push('--junit', inputs.junitFile);
  if (files.json) args.push('--json', files.json);
  if (files.markdown) args.push('--markdown', files.markdown);
  if (inputs.sarifFile) args.push('--sarif', inputs.sarifFile);
  if (inputs.sig) args.push('--sig', inputs.sig);
  for (const key of inputs.keys) args.push('--key', key);
  if (inputs.keyring) args.push('--keyring', inputs.keyring);
  if (inputs.threshold) args.push('--threshold', inputs.threshold);
  if (inputs.requireSignature) args.push('--require-signature');
  if (inputs.allowUnknownSigners) args.push('--allow-unknown-signers');
  if (inputs.policy) args.push('--policy', inputs.policy);
  if (inputs.preset) args.push('--preset', inputs.preset);
  if (inputs.ruleTimeout) args.push('--rule-timeout', inputs.ruleTimeout);
  if (inputs.url) args.push('--url', inputs.url);
  if (inputs.config) args.push('--config', inputs.config);
  for (const server of inputs.servers) args.push('--server', server);
  for (const header of inputs.headers) args.push('--header', header);
  for (const e of inputs.env) args.push('--env', e);
  if (inputs.command.length > 0) args.push('--', ...inputs.command);
  return args;
}

/** The argv of `mcptrust check` from the INPUT_* environment variables (no report files). */
export function checkArgs(format) {
  return checkArgsFor({ ...readInputs(process.env), format });
}

/** JSON as single-line printable ASCII: every other character as a \uXXXX escape. */
export function asciiJson(value) {
  return JSON.stringify(value).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * GitHub's multi-line-safe form of $GITHUB_OUTPUT: `name<<DELIMITER`, the value, `DELIMITER`,
 * with a random delimiter. A value is refused if it holds the delimiter or any line break (the
 * values here are single-line by construction, so a refusal means a bug, never a silent cut).
 */
export function formatOutputs(outputs, delimiter = `ghadelimiter_${randomUUID()}`) {
  let out = '';
  for (const [name, value] of Object.entries(outputs)) {
    if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new Error(`bad output name ${shown(name)}`);
    if (value.includes(delimiter) || /[\r\n\u2028\u2029\u0085]/.test(value)) throw new Error(`output ${name}: the value holds a line break or the delimiter`);
    out += `${name}<<${delimiter}\n${value}\n${delimiter}\n`;
  }
  return out;
}

/**
 * The digests of each drifted server as check --format json reports them (drift.servers:
 * `{server, lockedDigest, liveDigest}`, the digests `lock --approve` takes). Absent from older
 * mcptrust versions: then there are none. Only well-formed sha256 digests are kept.
 */
function serverDigests(json) {
  // A Map: a server may be named __proto__.
  const found = new Map();
  const servers = json?.drift?.servers;
  if (!Array.isArray(servers)) return found;
  const digest = (value) => (typeof value === 'string' && DIGEST.test(value) ? value : null);
  for (const s of servers) {
    if (typeof s?.server !== 'string' || found.has(s.server)) continue;
    found.set(s.server, { locked: digest(s.lockedDigest), live: digest(s.liveDigest) });
  }
  return found;
}

/**
 * The step's outputs. `exitCode` is mcptrust check's; `json` its --json report (undefined when
 * it did not finish); `lockBytes` the lockfile (undefined when unreadable).
 */
export function actionOutputs(exitCode, json, lockBytes) {
  const result = exitCode === 0 ? 'pass' : exitCode === 1 ? 'fail' : 'error';
  const drift = json?.drift && typeof json.drift.drift === 'boolean' ? json.drift : undefined;
  const max = drift?.summary?.maxSeverity;
  const outputs = {
    result,
    // Empty when the drift was not compared (the check could not run, or the lockfile no longer parses).
    drift: drift ? String(drift.drift) : '',
    'max-severity': drift ? (SEVERITIES.includes(max) ? max : 'none') : '',
    'lockfile-digest': lockBytes ? `sha256:${createHash('sha256').update(lockBytes).digest('hex')}` : '',
    digests: '{}',
  };
  // Object.fromEntries defines own properties, so "__proto__" stays a plain key in the JSON.
  outputs.digests = asciiJson(Object.fromEntries([...serverDigests(json)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))));
  return outputs;
}

/** The job summary: mcptrust's markdown when the check finished, else a line saying why not. */
export function summaryText(exitCode, markdown) {
  if (markdown === undefined) {
    const why = exitCode === 2 ? 'a usage or input error' : exitCode === 3 ? 'the server could not be used' : `exit ${exitCode}`;
    return `### mcptrust check: ❌ error (${why})\n\nNo report was written; the step log says why.\n`;
  }
  if (Buffer.byteLength(markdown) <= MAX_SUMMARY_BYTES) return markdown;
  // Cut at a line: every line of mcptrust's markdown closes its own code spans.
  const note = '\n\n… summary cut at 1 MB (GitHub shows at most 1 MiB); the step log and `--format json` have everything.\n';
  let cut = Buffer.from(markdown).subarray(0, MAX_SUMMARY_BYTES - Buffer.byteLength(note)).toString('utf8');
  cut = cut.slice(0, Math.max(0, cut.lastIndexOf('\n')));
  return `${cut}${note}`;
}

/** mcptrust's largest lockfile (src/lockfile/types.ts MAX_LOCKFILE_BYTES). */
const MAX_LOCKFILE_BYTES = 512 * 1024 * 1024;

function mcptrust(version, args, options) {
  if (version) return spawnSync('npx', ['--yes', `mcptrust@${version}`, ...args], options);
  return spawnSync(process.execPath, [join(process.env.MCPTRUST_ACTION_PATH ?? '.', 'dist', 'bin', 'mcptrust.js'), ...args], options);
}

function writeStep(outputs, summary) {
  if (process.env.GITHUB_OUTPUT) appendFileSync(process.env.GITHUB_OUTPUT, formatOutputs(outputs));
  if (process.env.GITHUB_STEP_SUMMARY && summary) appendFileSync(process.env.GITHUB_STEP_SUMMARY, summary);
}

/** A bad input: said on the log, and the step's outputs and summary say error (exit 2). */
function inputFailed(message) {
  console.error(`mcptrust action: ${message}`);
  writeStep({ result: 'error', drift: '', 'max-severity': '', 'lockfile-digest': '', digests: '{}' }, '### mcptrust check: ❌ error (an action input is invalid)\n\nThe step log names the input.\n');
  return 2;
}

function main() {
  let inputs;
  try {
    inputs = readInputs(process.env);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    return inputFailed(error.message);
  }
  // The report files may go to a folder of their own (reports/junit.xml): made here, as upload
  // steps expect. One that cannot be made (a file is in the way) is a bad input, not a crash.
  for (const [name, file] of [['junit-file', inputs.junitFile], ['sarif-file', inputs.sarifFile]]) {
    if (!file) continue;
    try {
      mkdirSync(dirname(resolve(file)), { recursive: true });
    } catch (error) {
      return inputFailed(`input ${name}: cannot create the folder of ${shown(file)} (${error?.code ?? 'error'})`);
    }
  }
  const scratch = mkdtempSync(join(process.env.RUNNER_TEMP || tmpdir(), 'mcptrust-action-'));
  try {
    const files = { json: join(scratch, 'check.json'), markdown: join(scratch, 'summary.md') };
    const run = mcptrust(inputs.version, checkArgsFor(inputs, files), { stdio: 'inherit' });
    if (run.error) console.error(`mcptrust action: cannot run mcptrust: ${run.error.message}`);
    const exitCode = run.status ?? 3;
    const read = (path) => (existsSync(path) ? readFileSync(path) : undefined);
    let json;
    try {
      const report = exitCode <= 1 ? read(files.json) : undefined;
      json = report ? JSON.parse(report.toString('utf8')) : undefined;
    } catch {
      json = undefined;
    }
    let lockBytes;
    try {
      // The lockfile comes with the change under review: only a regular file of a lockfile's
      // size is read (a link to /dev/zero hung the step; mcptrust refuses both already).
      const stat = statSync(resolve(inputs.lock));
      lockBytes = stat.isFile() && stat.size <= MAX_LOCKFILE_BYTES ? readFileSync(resolve(inputs.lock)) : undefined;
    } catch {
      lockBytes = undefined;
    }
    const markdown = exitCode <= 1 ? read(files.markdown)?.toString('utf8') : undefined;
    writeStep(actionOutputs(exitCode, json, lockBytes), summaryText(exitCode, markdown));
    return exitCode;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop())) {
  process.exitCode = main();
}
