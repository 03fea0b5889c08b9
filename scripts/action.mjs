#!/usr/bin/env node
// The entry point of action.yml: turns the action inputs (environment variables) into the
// argv of `mcptrust check` and runs it without a shell, so no input can inject shell syntax.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const input = (name) => (process.env[`INPUT_${name}`] ?? '').trim();

/** Splits a one-line command on spaces; quotes group words; no expansion of any kind. */
export function splitCommand(text) {
  if (text.includes('\n')) return text.split('\n').map((l) => l.trim()).filter(Boolean);
  const args = [];
  let current = '';
  let quote = '';
  let inWord = false;
  for (const c of text) {
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
  if (quote) throw new Error(`unterminated ${quote} quote in the command input`);
  if (inWord) args.push(current);
  return args;
}

export function checkArgs(format) {
  const args = ['check', '--lock', input('LOCK') || 'mcp-lock.json', '--fail-on', input('FAIL_ON') || 'any', '--format', format];
  // One run writes both the log and the JUnit file, so they always tell the same verdict.
  if (input('JUNIT_FILE')) args.push('--junit', input('JUNIT_FILE'));
  const keys = input('KEY').split('\n').map((k) => k.trim()).filter(Boolean);
  // Fail closed, as action.yml's default: only an explicit "false" runs without a signature.
  const requireSignature = input('REQUIRE_SIGNATURE') !== 'false';
  if (requireSignature && keys.length === 0 && !input('KEYRING')) {
    throw new Error(
      "no trusted keys: require-signature is 'true' (the default), so give the key input (public key files, one per line) or keyring (a folder of *.pub files); set require-signature: 'false' to run without checking the signature",
    );
  }
  for (const key of keys) args.push('--key', key);
  if (input('KEYRING')) args.push('--keyring', input('KEYRING'));
  if (input('THRESHOLD')) args.push('--threshold', input('THRESHOLD'));
  if (requireSignature) args.push('--require-signature');
  if (input('POLICY')) args.push('--policy', input('POLICY'));
  if (input('PRESET')) args.push('--preset', input('PRESET'));
  if (input('URL')) args.push('--url', input('URL'));
  if (input('CONFIG')) args.push('--config', input('CONFIG'));
  const command = splitCommand(process.env.INPUT_COMMAND ?? '');
  if (command.length > 0) args.push('--', ...command);
  return args;
}

function mcptrust(args, options) {
  const version = input('MCPTRUST_VERSION');
  if (version) return spawnSync('npx', ['--yes', `mcptrust@${version}`, ...args], options);
  return spawnSync(process.execPath, [join(process.env.MCPTRUST_ACTION_PATH ?? '.', 'dist', 'cmd', 'main.js'), ...args], options);
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop())) {
  const format = input('FORMAT') === 'json' ? 'json' : 'text';
  try {
    const run = mcptrust(checkArgs(format), { stdio: 'inherit' });
    if (run.error) console.error(`mcptrust action: cannot run mcptrust: ${run.error.message}`);
    process.exitCode = run.status ?? 1;
  } catch (error) {
    // A bad input (no trusted keys, an unterminated quote): one clear line, exit 2 as mcptrust's usage errors.
    console.error(`mcptrust action: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 2;
  }
}
