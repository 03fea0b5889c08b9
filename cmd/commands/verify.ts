import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { EXIT } from '../exit.js';
import { formatOption, parsePositiveInt } from '../options.js';
import { DEFAULT_LOCKFILE } from '../../src/lockfile/types.js';
import { safeJson } from '../../src/util/text.js';

interface VerifyOptions {
  key?: string[];
  keyring?: string;
  threshold: number;
  lock: string;
  sig?: string;
  allowUnknownSigners: boolean;
  format: 'text' | 'json';
}

export function registerVerify(program: Command, ctx: CommandContext): void {
  program
    .command('verify')
    .summary('prove offline that mcp-lock.json is exactly what trusted keys signed')
    .description(
      'Check the signatures of the lockfile against trusted public keys, offline.\n' +
        'Exit 0 when at least --threshold distinct trusted keys signed these exact bytes.\n' +
        'Exit 1 when any byte of the lockfile or signature file changed, a signature is\n' +
        'by an unknown key, or too few trusted keys signed.\n' +
        'Exit 2 when a key or signature file is missing, malformed or not Ed25519.',
    )
    .option('--key <file...>', 'trusted public key(s), SPKI PEM (repeatable)')
    .option('--keyring <dir>', 'trust every *.pub public key in this folder')
    .option('--threshold <n>', 'distinct trusted keys that must have signed', parsePositiveInt, 1)
    .option('--lock <file>', 'lockfile to verify', DEFAULT_LOCKFILE)
    .option('--sig <file>', 'signature file (default: the lockfile name + .sig)')
    .option('--allow-unknown-signers', 'ignore signatures by keys that are not trusted (they never count)', false)
    .addOption(formatOption(['text', 'json']))
    .addHelpText(
      'after',
      `
Examples:
  mcptrust verify --key mcptrust.pub
  mcptrust verify --keyring keys/ --threshold 2
The lockfile is checked as bytes: verify does not need the server, the network or the lockfile's meaning.`,
    )
    .action(async (options: VerifyOptions) => {
      ctx.setExitCode(await runVerify(options, ctx));
    });
}

async function runVerify(options: VerifyOptions, ctx: CommandContext): Promise<number> {
  const { io } = ctx;
  // The fast path: only node built-ins, the key parser and the envelope module (no lockfile
  // parser, no canonicalizer, no MCP SDK), and no @noble/ed25519: valid signatures by valid keys
  // are answered by node:crypto; the reference is loaded for a "no" only, to decide it and say
  // why. See scripts/bench/20-sign-verify.mjs.
  const [{ resolve }, { readFileBounded }, signature] = await Promise.all([
    import('node:path'),
    import('../../src/util/fs.js'),
    import('../../src/lockfile/signature-envelope.js'),
  ]);
  const { loadTrustedKeys } = await import('../keys.js');
  const trusted = await loadTrustedKeys(io.cwd, options.key ?? [], options.keyring);
  const sig = options.sig ?? `${options.lock}.sig`;

  // One read, into a buffer with room for each signature's PAE header in front of the bytes.
  const room = signature.PAE_ROOM;
  const lockBytes = (await import('../lockfile-read.js')).readLockfileBytes(io.cwd, options.lock, signature.MAX_SIGNED_LOCKFILE_BYTES, room);
  let sigBytes: Buffer;
  try {
    sigBytes = readFileBounded(resolve(io.cwd, sig), signature.MAX_SIGNATURE_FILE_BYTES, 'signature file');
  } catch (error) {
    // Say what to do next when the lockfile simply has not been signed yet.
    const { UsageError } = await import('../../src/errors.js');
    if (error instanceof UsageError && (error.cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') {
      const lockFlag = options.lock === DEFAULT_LOCKFILE ? '' : ` --lock ${options.lock}`;
      throw new UsageError(error.code, error.message, { cause: error.cause, details: [`  sign the lockfile first: mcptrust sign --key PRIVATE.key${lockFlag}${options.sig === undefined ? '' : ` --out ${options.sig}`}`] });
    }
    throw error;
  }
  const envelope = signature.parseSignatureEnvelope(sigBytes, sig);
  const keys = trusted.map((t) => t.key);
  const verifyOptions = { threshold: options.threshold, allowUnknownSigners: options.allowUnknownSigners, room };
  const result =
    signature.verifyLockfileSignatureNatively(lockBytes, envelope, keys, verifyOptions) ??
    (await import('../../src/lockfile/signature.js')).verifyLockfileSignature(lockBytes, envelope, keys, verifyOptions);

  const files = new Map<string, string[]>();
  for (const t of trusted) files.set(t.key.keyId, [...(files.get(t.key.keyId) ?? []), t.file]);
  const { renderVerify, verifyJson } = await import('../render/signature.js');
  if (options.format === 'json') {
    io.stdout.write(`${safeJson(verifyJson(result, options.lock, sig, files))}\n`);
  } else {
    const { paint, colorEnabled } = await import('../io.js');
    const rendered = renderVerify(result, options.lock, files, paint(colorEnabled(io, result.verified ? io.stdout : io.stderr)));
    (result.verified ? io.stdout : io.stderr).write(rendered);
  }
  return result.verified ? EXIT.OK : EXIT.CHECK_FAILED;
}
