/**
 * Errors in mcptrust carry a closed set of string codes per domain and a category that
 * decides the process exit code in exactly one place (cmd/exit.ts):
 *   check  → 1  the check ran and failed (bad signature, drift, policy denied)
 *   input  → 2  bad flags, unreadable or malformed file, unknown version
 *   server → 3  the MCP server could not be used
 */
export type ErrorCategory = 'check' | 'input' | 'server';

export class BaseError<Code extends string = string> extends Error {
  readonly code: Code;
  readonly category: ErrorCategory;
  /** Extra lines shown under the message (for example the server's last stderr lines). */
  readonly details: readonly string[];

  constructor(
    category: ErrorCategory,
    code: Code,
    message: string,
    options: { cause?: unknown; details?: readonly string[] } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.category = category;
    this.details = options.details ?? [];
  }
}

export type UsageErrorCode = 'USAGE' | 'FILE_EXISTS' | 'FILE_UNREADABLE' | 'FILE_WRITE';

/** Bad flags or an unusable path given by the user (exit 2). */
export class UsageError extends BaseError<UsageErrorCode> {
  constructor(code: UsageErrorCode, message: string, options?: { cause?: unknown; details?: readonly string[] }) {
    super('input', code, message, options);
  }
}
