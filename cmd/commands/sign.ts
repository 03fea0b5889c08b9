import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { EXIT } from '../exit.js';
import { formatOption } from '../options.js';
import { DEFAULT_LOCKFILE } from '../../src/lockfile/types.js';
import { safeJson } from '../../src/util/text.js';

interface SignOptions {
  key?: string;
  keyEnv?: string;
  lock: string;
  out?: string;
  format: 'text' | 'json';
}

export function registerSign(program: Command, ctx: CommandContext): void {
  program
    .command('sign')
    .summary('sign mcp-lock.json with an Ed25519 private key (writes mcp-lock.json.sig)')
    .description(
      'Add your signature over the exact bytes of the lockfile to its signature file.\n' +
        "Another key's signature over the same lockfile is kept (multi-party approval);\n" +
        'your own is replaced; signatures over an older lockfile are dropped.',
    )
    .option('--key <file>', 'private key file (PKCS#8 PEM, from mcptrust keygen); - reads it from standard input')
    .option('--key-env <name>', 'environment variable that holds the private key PEM (CI: the key never touches the disk)')
    .option('--lock <file>', 'lockfile to sign', DEFAULT_LOCKFILE)
    .option('--out <file>', 'signature file to write (default: the lockfile name + .sig)')
    .addOption(formatOption(['text', 'json']))
    .addHelpText(
      'after',
      `
Examples:
  mcptrust sign --key mcptrust.key
  mcptrust sign --key ~/.config/mcptrust/alice.key --lock agents/mcp-lock.json
  mcptrust sign --key-env MCPTRUST_SIGNING_KEY          # CI: the key from a secret
  pass show mcptrust/alice | mcptrust sign --key -      # the key from standard input
Give exactly one of --key FILE, --key - and --key-env NAME.
Before signing, the lockfile is read as every command reads it (strict JSON: no duplicate key,
bounded depth; a supported lockfileVersion; only known fields; every digest recomputed): a file
no command would accept is never signed. Then its exact bytes are signed.`,
    )
    .action(async (options: SignOptions) => {
      ctx.setExitCode(await runSign(options, ctx));
    });
}

async function runSign(options: SignOptions, ctx: CommandContext): Promise<number> {
  const { io } = ctx;
  const [{ statSync, existsSync }, { resolve }, { readFileBounded, writeFileAtomic }, { loadSigningKey }, signature] = await Promise.all([
    import('node:fs'),
    import('node:path'),
    import('../../src/util/fs.js'),
    import('../keys.js'),
    import('../../src/lockfile/signature.js'),
  ]);
  const out = options.out ?? `${options.lock}.sig`;
  const lockPath = resolve(io.cwd, options.lock);
  const outPath = resolve(io.cwd, out);
  const warnings: string[] = [];
  const { paint, colorEnabled } = await import('../io.js');
  const ep = paint(colorEnabled(io, io.stderr));
  const warn = (text: string) => {
    warnings.push(text);
    io.stderr.write(`${ep.yellow('warning:')} ${text}\n`);
  };

  const { key, path: keyPath, shown: keyShown } = await loadSigningKey(options, io);
  if (keyPath !== undefined && process.platform !== 'win32') {
    const mode = statSync(keyPath).mode & 0o777;
    if ((mode & 0o077) !== 0) {
      warn(`${keyShown} is readable or writable by group or others (mode ${mode.toString(8).padStart(4, '0')}); run: chmod 600 ${keyShown}`);
    }
  }
  // One read, into a buffer with room for the PAE header in front of the bytes (as verify reads).
  const room = signature.PAE_ROOM;
  const lockBytes = (await import('../lockfile-read.js')).readLockfileBytes(io.cwd, options.lock, signature.MAX_SIGNED_LOCKFILE_BYTES, room);
  // Refuse to approve something that is not a readable lockfile (wrong file, broken by hand):
  // a file in the form lock writes is checked on its bytes against every rule of the strict
  // read, digests included (lockfileBytesAccepted); any other file gets the strict read itself,
  // which names what is wrong. Then the same bytes are signed.
  const { lockfileBytesAccepted } = await import('../../src/lockfile/fast-check.js');
  if (!lockfileBytesAccepted(lockBytes, { checkDigests: true })) {
    const { parseLockfile, lockfileText } = await import('../../src/lockfile/parse.js');
    parseLockfile(lockfileText(lockBytes, options.lock), options.lock);
  }

  let existing;
  if (existsSync(outPath)) {
    try {
      existing = signature.parseSignatureEnvelope(readFileBounded(outPath, signature.MAX_SIGNATURE_FILE_BYTES, 'signature file'), out);
    } catch (error) {
      const { BaseError, UsageError } = await import('../../src/errors.js');
      if (error instanceof BaseError) throw new UsageError('FILE_EXISTS', `${error.message}; refusing to overwrite it (remove it to start a new one)`);
      throw error;
    }
  }
  if (existing && !existing.canonical) warn(`${out} was not in the canonical form sign writes (verify refuses it); it is rewritten in that form`);
  const outcome = signature.signLockfile(lockBytes, key, existing, { room });
  if (outcome.dropped.length > 0) {
    warn(
      `${out} held ${outcome.dropped.length} signature${outcome.dropped.length === 1 ? '' : 's'} over a different version of ${options.lock}; dropped (those keys must sign again)`,
    );
  }
  writeFileAtomic(outPath, signature.serializeSignatureEnvelope(outcome.envelope));

  const { renderSign } = await import('../render/signature.js');
  if (options.format === 'json') {
    io.stdout.write(
      `${safeJson({
        signed: true,
        lockfile: options.lock,
        signature: out,
        lockfileDigest: outcome.envelope.lockfileDigest,
        keyid: outcome.keyid,
        replaced: outcome.replaced,
        dropped: outcome.dropped,
        signers: outcome.envelope.signatures.map((s) => s.keyid),
        warnings,
      })}\n`,
    );
  } else {
    io.stdout.write(renderSign(options.lock, out, outcome, paint(colorEnabled(io, io.stdout))));
  }
  return EXIT.OK;
}
