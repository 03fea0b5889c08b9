import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { EXIT } from '../exit.js';
import { formatOption } from '../options.js';
import { safeJson } from '../../src/util/text.js';

interface KeygenOptions {
  outDir: string;
  name: string;
  format: 'text' | 'json';
}

export function registerKeygen(program: Command, ctx: CommandContext): void {
  program
    .command('keygen')
    .summary('make an Ed25519 key pair for signing lockfiles')
    .description(
      'Write NAME.key (the private key, PKCS#8 PEM, mode 0600) and NAME.pub (the public\n' +
        'key, SPKI PEM). Never overwrites: if either file exists, nothing is written (exit 2).',
    )
    .option('--out-dir <dir>', 'folder for the key files (created if missing)', '.')
    .option('--name <name>', 'base name of the files: NAME.key and NAME.pub', 'mcptrust')
    .addOption(formatOption(['text', 'json']))
    .addHelpText(
      'after',
      `
Examples:
  mcptrust keygen                              # ./mcptrust.key and ./mcptrust.pub
  mcptrust keygen --out-dir ~/.config/mcptrust --name alice
Keep NAME.key secret (a password manager, a CI secret store); commit or hand out NAME.pub.
keygen warns when NAME.key lands in a git work tree that does not ignore it: keep private keys
outside repositories (--out-dir ~/.config/mcptrust); CI can sign with --key-env NAME.
openssl pkey -in NAME.key -pubout prints the same public key as NAME.pub.`,
    )
    .action(async (options: KeygenOptions) => {
      ctx.setExitCode(await runKeygen(options, ctx));
    });
}

async function runKeygen(options: KeygenOptions, ctx: CommandContext): Promise<number> {
  const { io } = ctx;
  const [{ existsSync, mkdirSync, rmSync }, { join, resolve }, { UsageError }] = await Promise.all([
    import('node:fs'),
    import('node:path'),
    import('../../src/errors.js'),
  ]);
  if (!/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}$/.test(options.name)) {
    throw new UsageError('USAGE', `--name must be 1 to 100 letters, digits, ".", "_" or "-" (not starting with "."), without a folder`);
  }
  const dir = resolve(io.cwd, options.outDir);
  const keyShown = join(options.outDir, `${options.name}.key`);
  const pubShown = join(options.outDir, `${options.name}.pub`);
  const keyPath = join(dir, `${options.name}.key`);
  const pubPath = join(dir, `${options.name}.pub`);
  for (const [path, shown] of [
    [keyPath, keyShown],
    [pubPath, pubShown],
  ] as const) {
    if (existsSync(path)) throw new UsageError('FILE_EXISTS', `${shown} already exists; keygen never overwrites a key (choose another --name or --out-dir)`);
  }
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new UsageError('FILE_WRITE', `cannot create ${options.outDir}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  const [{ generateSeed }, { privateKeyFromSeed, encodePrivateKeyPem, encodePublicKeyPem }] = await Promise.all([
    import('../../src/crypto/ed25519.js'),
    import('../../src/crypto/keys.js'),
  ]);
  const key = privateKeyFromSeed(generateSeed());
  await writeNewFile(keyPath, keyShown, encodePrivateKeyPem(key), 0o600);
  try {
    await writeNewFile(pubPath, pubShown, encodePublicKeyPem(key.publicKey), 0o644);
  } catch (error) {
    rmSync(keyPath, { force: true });
    throw error;
  }
  const warnings: string[] = [];
  const [{ gitExposure }, { printable }, { paint, colorEnabled }] = await Promise.all([import('../keys.js'), import('../../src/util/text.js'), import('../io.js')]);
  const exposed = await gitExposure(keyPath, io.env);
  if (exposed) {
    const why = exposed.askedGit ? 'not ignored by git' : 'git could not say whether it is ignored';
    const text =
      `${printable(keyShown, 200)} is inside the git work tree ${printable(exposed.root, 200)} and ${why}: it could be committed. ` +
      'Keep private keys outside repositories (mcptrust keygen --out-dir ~/.config/mcptrust), or add *.key to .gitignore.';
    warnings.push(text);
    io.stderr.write(`${paint(colorEnabled(io, io.stderr)).yellow('warning:')} ${text}\n`);
  }
  const { renderKeygen } = await import('../render/signature.js');
  if (options.format === 'json') {
    io.stdout.write(`${safeJson({ privateKey: keyShown, publicKey: pubShown, keyid: key.publicKey.keyId, warnings })}\n`);
  } else {
    io.stdout.write(renderKeygen(keyShown, pubShown, key.publicKey.keyId, paint(colorEnabled(io, io.stdout))));
  }
  return EXIT.OK;
}

/** Creates a key file that must not exist yet (src/util/fs.ts does the exclusive, atomic write). */
async function writeNewFile(path: string, shown: string, data: string, mode: number): Promise<void> {
  const [{ writeFileAtomic }, { UsageError }] = await Promise.all([import('../../src/util/fs.js'), import('../../src/errors.js')]);
  try {
    writeFileAtomic(path, data, { mode, exclusive: true });
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    if (error.code === 'FILE_EXISTS') throw new UsageError('FILE_EXISTS', `${shown} already exists; keygen never overwrites a key`, { cause: error });
    throw new UsageError(error.code, error.message.replace(path, shown), { cause: error });
  }
}
