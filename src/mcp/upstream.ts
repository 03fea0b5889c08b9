import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { ServerError } from './errors.js';
import { createBoundedFetch, ReadGate } from './http.js';
import type { Limits } from './limits.js';
import { BoundedStdioTransport } from './stdio.js';
import { redactSecrets, serverEnvironment, splitUserinfo, targetSecrets, type ServerTarget } from './target.js';

export type { JSONRPCMessage };

/** A raw JSON-RPC connection to a server, for `proxy`: messages in and out, no client on top. */
export interface Upstream {
  transport: Transport;
  /** The first fatal problem of the transport (a bound crossed, non-JSON output…), if any. */
  failure(): ServerError | undefined;
  /** How the server process ended (stdio), once it has. */
  exit(): { code: number | null; signal: NodeJS.Signals | null } | undefined;
  /** The server's last stderr lines, secrets scrubbed (stdio only). */
  stderrText(): string;
}

/** Most notifications and responses to an HTTP server waiting for its answer before the proxy stops reading the agent. */
export const MAX_WAITING_POSTS = 256;

/**
 * Opens (but does not start) a transport to `target` with the bounds `lock` reads servers with:
 * the bounded stdio transport (message size, whole process tree ended on close) or the SDK's
 * HTTP transports over the bounded fetch. `auto` means Streamable HTTP here: the proxy forwards
 * the agent's own initialize, so there is no probe to fall back on (use `--transport sse`).
 */
export async function openUpstream(target: ServerTarget, limits: Limits, parentEnv: NodeJS.ProcessEnv): Promise<Upstream> {
  const secrets = targetSecrets(target);
  if (target.kind === 'stdio') {
    const stdio = new BoundedStdioTransport({
      command: target.command,
      args: target.args,
      env: serverEnvironment(target.env, parentEnv),
      cwd: target.cwd,
      maxMessageBytes: limits.maxMessageBytes,
      stderrBytes: limits.stderrBytes,
      redact: (text) => redactSecrets(text, secrets),
      secrets,
    });
    return { transport: stdio, failure: () => stdio.failure, exit: () => stdio.exit, stderrText: () => stdio.stderrText() };
  }
  const { url, headers } = splitUserinfo(target.url, target.headers);
  const state: { failure?: ServerError; onFailure?: () => void } = {};
  const sse = target.transport === 'sse';
  const gate = new ReadGate();
  const fetch = createBoundedFetch(limits.maxMessageBytes, state, gate);
  let transport: Transport;
  if (!sse) {
    const { StreamableHTTPClientTransport } = await import('@modelcontextprotocol/sdk/client/streamableHttp.js');
    transport = new StreamableHTTPClientTransport(url, { requestInit: { headers }, fetch });
  } else {
    const { SSEClientTransport } = await import('@modelcontextprotocol/sdk/client/sse.js');
    transport = new SSEClientTransport(url, {
      requestInit: { headers },
      fetch,
      eventSourceInit: { fetch: (u, init) => fetch(u, { ...init, headers: { ...(init?.headers as Record<string, string>), ...headers } }) },
    });
  }
  state.onFailure = () => void transport.close().catch(() => {});
  // Held as the stdio transport is (the session's back-pressure): while paused no response body
  // or event stream is read. Sends are POSTs, each awaited by the SDK: nothing queues toward
  // the server, so it is never backlogged.
  // Notifications and responses waiting for the server's answer (its 202: the gate holds only
  // bodies). A server that leaves them waiting is not reading what it is sent, as a stdio server
  // whose stdin is full: past MAX_WAITING_POSTS the session stops reading the agent until it
  // answers. Counted from the moment they are handed over (the SDK's fetch starts a few turns
  // later, after a whole chunk of the agent's lines). Requests are bounded by the session's
  // in-flight limit, and the answer of one may be a body the gate holds.
  let waiting = 0;
  const held: { ondrain?: () => void } = {};
  const send = transport.send.bind(transport);
  transport.send = async (message, options) => {
    if ('method' in message && 'id' in message) return send(message, options);
    waiting++;
    try {
      return await send(message, options);
    } finally {
      waiting--;
      if (waiting === MAX_WAITING_POSTS / 2) held.ondrain?.();
    }
  };
  Object.assign(transport, { pause: () => gate.close(), resume: () => gate.open() });
  Object.defineProperty(transport, 'backlogged', { get: () => waiting > MAX_WAITING_POSTS });
  Object.defineProperty(transport, 'ondrain', { get: () => held.ondrain, set: (f: () => void) => (held.ondrain = f) });
  return { transport, failure: () => state.failure, exit: () => undefined, stderrText: () => '' };
}
