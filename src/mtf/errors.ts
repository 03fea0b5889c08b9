import { BaseError } from '../errors.js';

/**
 * Why a bundle could not be scanned at all (exit 2). A bundle that is readable but fails
 * controls is not an error: it is a report with a low level.
 *   BUNDLE_UNREADABLE  missing file, not a zip, truncated archive
 *   BUNDLE_UNSAFE      zip-slip path, absolute path, symlink, device entry, duplicate entry
 *   BUNDLE_TOO_LARGE   too many entries, too many bytes, compression ratio of a zip bomb
 *   KEY_INVALID        a --key file that is not an Ed25519 public key
 */
export type MtfErrorCode = 'BUNDLE_UNREADABLE' | 'BUNDLE_UNSAFE' | 'BUNDLE_TOO_LARGE' | 'KEY_INVALID';

export class MtfError extends BaseError<MtfErrorCode> {
  constructor(code: MtfErrorCode, message: string, options?: { cause?: unknown; details?: readonly string[] }) {
    super('input', code, message, options);
  }
}
