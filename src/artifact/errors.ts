import { BaseError } from '../errors.js';

export type ArtifactErrorCode =
  /** The registry could not be reached, timed out, or answered with an HTTP error. */
  | 'REGISTRY_UNREACHABLE'
  /** The registry answered something that is not what its protocol says (not JSON, wrong shape). */
  | 'REGISTRY_GARBAGE'
  /** A packument, tarball, manifest or file is larger than its bound. */
  | 'TOO_LARGE'
  /** A redirect from a public registry to a private, loopback or link-local address. */
  | 'PRIVATE_REDIRECT'
  /** The bytes do not match the integrity the registry lists for them. */
  | 'INTEGRITY_MISMATCH'
  /** The spec names no package or version the registry has. */
  | 'NOT_FOUND'
  /** The spec itself is malformed (exit 2). */
  | 'BAD_SPEC'
  /** A local file the launch runs cannot be read (exit 2). */
  | 'FILE_UNREADABLE';

export type ArtifactErrorKind = 'server' | 'input';

/**
 * Pinning failed. kind `server` (exit 3): the registry or its bytes are unusable; the message
 * names the registry by origin only (never a token, a userinfo or a path). kind `input` (exit 2):
 * the launch's spec or file is bad.
 */
export class ArtifactError extends BaseError<ArtifactErrorCode> {
  readonly kind: ArtifactErrorKind;

  constructor(kind: ArtifactErrorKind, code: ArtifactErrorCode, message: string, options?: { cause?: unknown; details?: readonly string[] }) {
    super(kind, code, message, options);
    this.kind = kind;
  }
}

/** The origin of a registry URL (`https://registry.npmjs.org`), nothing that can hold a secret. */
export function registryOrigin(url: string): string {
  try {
    const parsed = new URL(url);
    return parsed.origin === 'null' ? `${parsed.protocol}//${parsed.host}` : parsed.origin;
  } catch {
    return 'the configured registry';
  }
}
