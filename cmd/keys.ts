import type { PublicKey } from '../src/crypto/keys.js';

const MAX_KEYRING_KEYS = 1000;

export interface TrustedKey {
  key: PublicKey;
  /** The file it came from, as the user named it (for reports). */
  file: string;
}

/**
 * Loads trusted public keys from `--key` files and every `*.pub` of a `--keyring` folder (for
 * verify, and for any command that verifies). Any unreadable, malformed or non-Ed25519 key is an
 * error naming its file (exit 2).
 */
export async function loadTrustedKeys(cwd: string, keyFiles: readonly string[], keyring: string | undefined, command = 'verify'): Promise<TrustedKey[]> {
  const [{ readdirSync }, { join, resolve }, { readFileBounded }, keys, { UsageError }, { printable }] = await Promise.all([
    import('node:fs'),
    import('node:path'),
    import('../src/util/fs.js'),
    import('../src/crypto/keys.js'),
    import('../src/errors.js'),
    import('../src/util/text.js'),
  ]);
  if (keyFiles.length === 0 && keyring === undefined) {
    throw new UsageError('USAGE', `${command} needs the trusted public keys: --key FILE (repeatable) or --keyring DIR`);
  }
  const trusted: TrustedKey[] = [];
  const load = (shown: string) => {
    const bytes = readFileBounded(resolve(cwd, shown), keys.MAX_KEY_FILE_BYTES, 'public key');
    trusted.push({ key: keys.parsePublicKeyPem(bytes, shown), file: shown });
  };
  for (const file of keyFiles) load(file);
  if (keyring !== undefined) {
    let names: string[];
    try {
      names = readdirSync(resolve(cwd, keyring)).filter((n) => n.endsWith('.pub')).sort();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new UsageError('FILE_UNREADABLE', `cannot read keyring ${keyring}: ${code === 'ENOENT' ? 'no such folder' : (code ?? String(error))}`);
    }
    if (names.length === 0) throw new UsageError('FILE_UNREADABLE', `keyring ${keyring} holds no *.pub public key`);
    if (names.length > MAX_KEYRING_KEYS) throw new UsageError('FILE_UNREADABLE', `keyring ${keyring} holds ${names.length} keys, over the limit of ${MAX_KEYRING_KEYS}`);
    for (const name of names) {
      // File names in a keyring come with the repository: never print control characters.
      if (printable(name, 1000) !== name) throw new UsageError('FILE_UNREADABLE', `keyring ${keyring} holds a key file with an unprintable name: ${printable(name)}`);
      load(join(keyring, name));
    }
  }
  return trusted;
}

