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
 * error naming its file (exit 2). Each key is read by parsePublicKeyPemNatively, which loads no
 * @noble/ed25519; only a key it cannot accept is read again by parsePublicKeyPem (the full check,
 * loaded then), which gives the same key or the error that names the problem.
 */
export async function loadTrustedKeys(cwd: string, keyFiles: readonly string[], keyring: string | undefined, command = 'verify'): Promise<TrustedKey[]> {
  const [{ readdirSync }, { join, resolve }, { readFileBounded }, keys, { UsageError }, { printable }] = await Promise.all([
    import('node:fs'),
    import('node:path'),
    import('../src/util/fs.js'),
    import('../src/crypto/key-files.js'),
    import('../src/errors.js'),
    import('../src/util/text.js'),
  ]);
  if (keyFiles.length === 0 && keyring === undefined) {
    throw new UsageError('USAGE', `${command} needs the trusted public keys: --key FILE (repeatable) or --keyring DIR`);
  }
  const trusted: TrustedKey[] = [];
  const load = async (shown: string) => {
    const bytes = readFileBounded(resolve(cwd, shown), keys.MAX_KEY_FILE_BYTES, 'public key');
    const key = keys.parsePublicKeyPemNatively(bytes, shown) ?? (await import('../src/crypto/keys.js')).parsePublicKeyPem(bytes, shown);
    trusted.push({ key, file: shown });
  };
  for (const file of keyFiles) await load(file);
  if (keyring !== undefined) {
    let names: string[];
    try {
      names = readdirSync(resolve(cwd, keyring)).filter((n) => n.endsWith('.pub')).sort();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'no such folder' : code === 'ENOTDIR' ? 'not a folder (--keyring takes a folder of *.pub files; give one key file with --key)' : code === 'EACCES' ? 'permission denied' : (code ?? String(error));
      throw new UsageError('FILE_UNREADABLE', `cannot read keyring ${keyring}: ${why}`);
    }
    if (names.length === 0) throw new UsageError('FILE_UNREADABLE', `keyring ${keyring} holds no *.pub public key`);
    if (names.length > MAX_KEYRING_KEYS) throw new UsageError('FILE_UNREADABLE', `keyring ${keyring} holds ${names.length} keys, over the limit of ${MAX_KEYRING_KEYS}`);
    for (const name of names) {
      // File names in a keyring come with the repository: never print control characters.
      if (printable(name, 1000) !== name) throw new UsageError('FILE_UNREADABLE', `keyring ${keyring} holds a key file with an unprintable name: ${printable(name)}`);
      await load(join(keyring, name));
    }
  }
  return trusted;
}


/** Where `sign` takes the private key from: `--key FILE`, `--key -` (standard input) or `--key-env NAME`. */
export interface SigningKeyOptions {
  key?: string;
  keyEnv?: string;
}

export interface SigningKey {
  key: import('../src/crypto/keys.js').PrivateKey;
  /** What errors and warnings call it: the file as the user named it, "standard input" or "environment variable NAME". */
  shown: string;
  /** The resolved path when it came from a file (for the file-mode check). */
  path?: string;
}

/**
 * Loads the private key for `sign` from a file, standard input or an environment variable, so
 * that CI can sign without writing the key to disk. Bounded like a key file; errors name the
 * source, never its content (the key must not reach a CI log even when it is malformed).
 */
export async function loadSigningKey(options: SigningKeyOptions, io: import('./io.js').IO): Promise<SigningKey> {
  const [{ resolve }, { readFileBounded }, keys, { UsageError }] = await Promise.all([
    import('node:path'),
    import('../src/util/fs.js'),
    import('../src/crypto/keys.js'),
    import('../src/errors.js'),
  ]);
  const max = keys.MAX_KEY_FILE_BYTES;
  if (options.key !== undefined && options.keyEnv !== undefined) {
    throw new UsageError('USAGE', 'give the private key once: --key FILE, --key - (standard input) or --key-env NAME');
  }
  if (options.keyEnv !== undefined) {
    const name = options.keyEnv;
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(name)) {
      // Not quoted: a user who passed the key itself (--key-env "$KEY") must not see it in a log.
      throw new UsageError('USAGE', '--key-env takes the name of an environment variable (letters, digits and "_", not starting with a digit), not its value');
    }
    const shown = `environment variable ${name}`;
    const value = Object.hasOwn(io.env, name) ? io.env[name] : undefined;
    if (value === undefined) throw new UsageError('USAGE', `${shown} is not set (--key-env names the variable that holds the PEM private key)`);
    if (value.trim() === '') throw new UsageError('USAGE', `${shown} is empty (it should hold the PEM private key)`);
    if (Buffer.byteLength(value, 'utf8') > max) throw new UsageError('USAGE', `${shown} holds more than ${max} bytes: not a key`);
    // Some secret stores keep a PEM on one line with literal "\n" separators.
    const text = !value.includes('\n') && value.includes('\\n') ? value.replaceAll('\\n', '\n') : value;
    return { key: keys.parsePrivateKeyPem(Buffer.from(text, 'utf8'), shown), shown };
  }
  if (options.key === '-') {
    const shown = 'standard input';
    if (!io.stdin) throw new UsageError('USAGE', '--key - reads the private key from standard input, and there is none');
    if (io.stdin.isTTY) throw new UsageError('USAGE', '--key - reads the private key from standard input, which is a terminal: pipe the key in');
    let bytes: Uint8Array;
    try {
      bytes = await io.stdin.read(max);
    } catch (error) {
      throw new UsageError('FILE_UNREADABLE', `cannot read the private key from ${shown}: ${(error as NodeJS.ErrnoException).code ?? 'read error'}`);
    }
    if (bytes.length > max) throw new UsageError('FILE_UNREADABLE', `${shown} holds more than ${max} bytes: not a key`);
    if (bytes.length === 0) throw new UsageError('FILE_UNREADABLE', `${shown} was empty (pipe the PEM private key in)`);
    return { key: keys.parsePrivateKeyPem(bytes, shown), shown };
  }
  if (options.key === undefined) {
    throw new UsageError('USAGE', 'sign needs the private key: --key FILE, --key - (standard input) or --key-env NAME');
  }
  if (/-----BEGIN|[\r\n]/.test(options.key)) {
    // The key itself where a file name belongs: never echoed (it would be in "no such file …").
    throw new UsageError('USAGE', '--key takes a file name, and this looks like the key itself: pass it with --key-env NAME or --key - (standard input)');
  }
  const path = resolve(io.cwd, options.key);
  return { key: keys.parsePrivateKeyPem(readFileBounded(path, max, 'private key'), options.key), shown: options.key, path };
}

/**
 * Whether a private key just written at `path` could be committed: inside a git work tree (a
 * `.git` folder or file in it or a parent folder) and not ignored there. Git itself answers
 * (`git check-ignore`, argv, no shell); when git is absent or cannot answer, a key inside a
 * work tree is taken as not ignored, so the warning errs on the side of showing. Returns the
 * work tree's root when the key is exposed, else undefined.
 */
export async function gitExposure(path: string, env: NodeJS.ProcessEnv): Promise<{ root: string; askedGit: boolean } | undefined> {
  const [{ existsSync }, { dirname, join }, { execFile }] = await Promise.all([import('node:fs'), import('node:path'), import('node:child_process')]);
  let root: string | undefined;
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    if (existsSync(join(dir, '.git'))) {
      root = dir;
      break;
    }
    if (dirname(dir) === dir) return undefined;
  }
  // 0: ignored; 1: not ignored; anything else (128: not a work tree git can read, ENOENT: no git): unknown.
  const code = await new Promise<number | string>((resolve) => {
    execFile('git', ['check-ignore', '-q', '--', path], { cwd: dirname(path), env, timeout: 10_000, windowsHide: true }, (error) => {
      if (!error) resolve(0);
      else resolve(typeof error.code === 'number' ? error.code : (error.code ?? 'error'));
    });
  });
  if (code === 0) return undefined;
  return { root, askedGit: code === 1 };
}
