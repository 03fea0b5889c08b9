import { BaseError } from '../errors.js';

export type ServerErrorCode =
  | 'SPAWN_FAILED'
  | 'EXITED'
  | 'TIMEOUT'
  | 'PROTOCOL'
  | 'NOT_JSON'
  | 'MESSAGE_TOO_LARGE'
  | 'ITEM_TOO_LARGE'
  | 'ITEM_TOO_DEEP'
  | 'SURFACE_TOO_LARGE'
  | 'DUPLICATE_KEY'
  | 'TOO_MANY_ITEMS'
  | 'TOO_MANY_PAGES'
  | 'DUPLICATE_ITEM'
  | 'RPC_ERROR'
  | 'CONNECT_FAILED'
  | 'HTTP_ERROR';

/** The MCP server could not be used (exit 3). `details` holds the server's last stderr lines. */
export class ServerError extends BaseError<ServerErrorCode> {
  constructor(code: ServerErrorCode, message: string, options?: { cause?: unknown; details?: readonly string[] }) {
    super('server', code, message, options);
  }
}
