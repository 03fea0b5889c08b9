import type { SignOutcome, VerifyResult } from '../../src/lockfile/signature.js';
import { printable } from '../../src/util/text.js';
import type { Paint } from '../io.js';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export function renderKeygen(keyFile: string, pubFile: string, keyid: string, p: Paint): string {
  return (
    [
      `${p.green('wrote')} ${printable(keyFile)} ${p.dim('(private key, mode 0600: keep it secret, never commit it)')}`,
      `${p.green('wrote')} ${printable(pubFile)} ${p.dim('(public key: commit it, give it to verifiers)')}`,
      `key id ${keyid}`,
    ].join('\n') + '\n'
  );
}

export function renderSign(lockFile: string, sigFile: string, outcome: SignOutcome, p: Paint): string {
  const lines = [
    `${p.green('signed')} ${printable(lockFile)} with ${outcome.keyid}${outcome.replaced ? ' (replaced its earlier signature)' : ''}`,
    `  ${printable(sigFile)} now holds ${plural(outcome.envelope.signatures.length, 'signature')}:`,
  ];
  for (const s of outcome.envelope.signatures) lines.push(`    ${s.keyid}`);
  lines.push(`  ${p.dim(`lockfile ${outcome.envelope.lockfileDigest}`)}`);
  return `${lines.join('\n')}\n`;
}

function keyName(files: Map<string, string[]>, keyid: string): string {
  const names = files.get(keyid);
  return names ? ` (${names.map((n) => printable(n, 100)).join(', ')})` : '';
}

export function renderVerify(result: VerifyResult, lockFile: string, files: Map<string, string[]>, p: Paint): string {
  if (result.verified) {
    const lines = [
      `${p.green('verified')} ${printable(lockFile)}: signed by ${plural(result.signers.length, 'trusted key')} (threshold ${result.threshold})`,
    ];
    for (const keyid of result.signers) lines.push(`  ${keyid}${keyName(files, keyid)}`);
    for (const keyid of result.unknownSigners) lines.push(`  ${p.dim(`${keyid} (not trusted, ignored)`)}`);
    lines.push(`  ${p.dim(`lockfile ${result.lockfileDigest}`)}`);
    return `${lines.join('\n')}\n`;
  }
  const lines = [`${p.red('error:')} ${printable(lockFile)}: signature verification failed`];
  for (const problem of result.problems) lines.push(`  ${printable(problem.message, 400)}${problem.keyid ? keyName(files, problem.keyid) : ''}`);
  if (result.signers.length > 0) lines.push(`  valid signatures by trusted keys: ${result.signers.map((k) => `${k}${keyName(files, k)}`).join(', ')}`);
  return `${lines.join('\n')}\n`;
}

export function verifyJson(result: VerifyResult, lockFile: string, sigFile: string, files: Map<string, string[]>) {
  return {
    verified: result.verified,
    lockfile: lockFile,
    signature: sigFile,
    lockfileDigest: result.lockfileDigest,
    threshold: result.threshold,
    signers: result.signers.map((keyid) => ({ keyid, keys: files.get(keyid) ?? [] })),
    unknownSigners: result.unknownSigners,
    problems: result.problems,
  };
}
