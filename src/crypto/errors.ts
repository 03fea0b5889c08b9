import { BaseError } from '../errors.js';

export type KeyErrorCode = 'MALFORMED_KEY' | 'UNSUPPORTED_KEY_TYPE' | 'WRONG_KEY_KIND' | 'ENCRYPTED_KEY' | 'INVALID_PUBLIC_KEY';

/** A key file that cannot be used: malformed, not Ed25519, the wrong half of the pair (exit 2). */
export class KeyError extends BaseError<KeyErrorCode> {
  constructor(code: KeyErrorCode, message: string) {
    super('input', code, message);
  }
}
