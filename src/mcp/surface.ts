import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  ErrorCode,
  isJSONRPCResultResponse,
  ListRootsRequestSchema,
  McpError,
  PromptSchema,
  ResourceSchema,
  ResourceTemplateSchema,
  ResultSchema,
  ToolSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { canonicalEntry, type CanonicalEntry, type JsonObject } from '../canonical/index.js';
import type { ItemKind, ServerIdentity, ServerSurface, TransportRecord } from '../lockfile/types.js';
import { ITEM_COLLECTION, ITEM_KEY_FIELD } from '../lockfile/types.js';
import { createRecord, hasOwn } from '../util/record.js';
import { formatBytes, printable, printableLines } from '../util/text.js';
import { ServerError } from './errors.js';
import { createBoundedFetch } from './http.js';
import { MAX_ITEM_DEPTH, SurfaceBudget, type Limits } from './limits.js';
import { BoundedStdioTransport } from './stdio.js';
import { redactSecrets, redactUrl, serverEnvironment, splitUserinfo, targetSecrets, type ServerTarget } from './target.js';

export interface ReadResult {
  surface: ServerSurface;
  transport: TransportRecord;
  /** Non-fatal observations (a list method the server does not implement, a transport fallback). */
  notes: string[];
}

export interface ReadHooks {
  /** Progress, for a spinner: "listing tools (page 3)". */
  onProgress?: (message: string) => void;
  parentEnv?: NodeJS.ProcessEnv;
  /** The surface size budget, when several servers share one (readServers); else one per read. */
  budget?: SurfaceBudget;
}

/** Indentation level of an item definition in the lockfile: document, servers, server, collection, entry. */
const ITEM_LEVEL = 5;
/** Indentation level of a part of a server's identity (serverInfo, capabilities). */
const IDENTITY_LEVEL = 4;
/** A generous upper bound of what an item's entry adds around its definition and key (digest line, braces, indentation). */
const ENTRY_OVERHEAD = 160;

/**
 * The canonical digest and size of a value and its text as the lockfile prints it (at
 * indentation `level`), in one walk, or a ServerError when it nests deeper than the item depth
 * bound: the walk counts levels and stops there, so it never recurses deeper than the bound.
 * The text is kept only up to what is left of the surface budget (a value past it is refused
 * by spend, whose size is still exact): a deep, wide value is small as canonical JSON but its
 * indented text can be hundreds of times larger, and is never built past the bound.
 */
function lockfileEntry(value: unknown, level: number, what: () => string, session: Session, budget: SurfaceBudget): CanonicalEntry {
  const entry = canonicalEntry(value, MAX_ITEM_DEPTH, level, Math.max(0, budget.limit - budget.used));
  if (entry === undefined) {
    throw new ServerError('ITEM_TOO_DEEP', `${what()} nests more than ${MAX_ITEM_DEPTH} levels deep, over the depth limit of ${MAX_ITEM_DEPTH} levels per item`, {
      details: stderrDetails(session),
    });
  }
  return entry;
}

/** Adds to the surface size spent, and stops the read as soon as it goes over the bound. */
function spend(budget: SurfaceBudget, bytes: number, what: () => string, session: Session): void {
  budget.used += bytes;
  if (budget.used > budget.limit) {
    const scope = budget.servers > 1 ? `all lists of the ${budget.servers} servers read together` : 'all lists of the server';
    throw new ServerError(
      'SURFACE_TOO_LARGE',
      `${what()} takes the surface over the surface size limit of ${formatBytes(budget.limit)} (its size in the lockfile, summed over ${scope})`,
      { details: stderrDetails(session) },
    );
  }
}

const CLIENT_INFO = { name: 'mcptrust', version: '0.1.0' };

/**
 * What the reading client says it can do: every client capability of the MCP specification
 * (roots, sampling, elicitation in both modes, and tasks for both), so a server that lists some
 * tools only to an agent that can serve them (server-everything's `get-roots-list`,
 * `trigger-sampling-request`…) shows them to `lock` too. The lock pins the most any agent may be
 * shown; the proxy lets an agent that declares less see the part its server lists to it. Roots
 * are answered with none; sampling, elicitation and task requests are not served (the SDK answers
 * "method not found"): nothing the server asks of the reader reaches anyone.
 */
export const CLIENT_CAPABILITIES = {
  roots: { listChanged: true },
  sampling: {},
  elicitation: { form: {}, url: {} },
  tasks: { list: {}, cancel: {}, requests: { sampling: { createMessage: {} }, elicitation: { create: {} } } },
};

interface ListSpec {
  kind: ItemKind;
  method: 'tools/list' | 'prompts/list' | 'resources/list' | 'resources/templates/list';
  field: 'tools' | 'prompts' | 'resources' | 'resourceTemplates';
  capability: 'tools' | 'prompts' | 'resources';
  schema: { safeParse(v: unknown): { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } } };
  /** A hand check that accepts only what `schema` accepts, in a fraction of its time (else the schema decides). */
  accepts?: (v: unknown) => boolean;
}

const LISTS: ListSpec[] = [
  { kind: 'tool', method: 'tools/list', field: 'tools', capability: 'tools', schema: ToolSchema, accepts: isCommonTool },
  { kind: 'prompt', method: 'prompts/list', field: 'prompts', capability: 'prompts', schema: PromptSchema },
  { kind: 'resource', method: 'resources/list', field: 'resources', capability: 'resources', schema: ResourceSchema },
  { kind: 'resourceTemplate', method: 'resources/templates/list', field: 'resourceTemplates', capability: 'resources', schema: ResourceTemplateSchema },
];

const VALID = { success: true } as const;

/** A non-array object with the prototype JSON.parse gives, and no own "__proto__" member. */
function isPlainJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype && !Array.isArray(value) && !hasOwn(value, '__proto__');
}

const isOptionalString = (value: unknown) => value === undefined || typeof value === 'string';
const isOptionalBoolean = (value: unknown) => value === undefined || typeof value === 'boolean';

/** ToolSchema's inputSchema / outputSchema: type "object", properties of objects, required strings. */
function isObjectSchema(value: unknown): boolean {
  if (!isPlainJsonObject(value) || value.type !== 'object') return false;
  const { properties, required } = value;
  if (properties !== undefined) {
    if (!isPlainJsonObject(properties)) return false;
    for (const key of Object.keys(properties)) {
      const property = properties[key];
      if (typeof property !== 'object' || property === null) return false;
    }
  }
  if (required !== undefined) {
    if (!Array.isArray(required)) return false;
    for (let i = 0; i < required.length; i++) if (typeof required[i] !== 'string') return false;
  }
  return true;
}

/**
 * The common shape of a tool, checked by hand: accepts only tools the SDK's ToolSchema accepts
 * (the schema's per-item parse was a fifth of lock's CPU on a 10,000-tool listing). Anything it
 * does not recognise (icons, an own "__proto__" member, any wrong type) goes to the schema,
 * which decides and words the error; tests/lock/tool-shape.test.ts pins that on mutated tools.
 * Unknown members are accepted, as the schema does (and the raw item is what is stored).
 */
export function isCommonTool(raw: unknown): boolean {
  if (!isPlainJsonObject(raw)) return false;
  if (typeof raw.name !== 'string' || !isOptionalString(raw.title) || !isOptionalString(raw.description) || raw.icons !== undefined) return false;
  if (!isObjectSchema(raw.inputSchema) || (raw.outputSchema !== undefined && !isObjectSchema(raw.outputSchema))) return false;
  const { annotations, execution, _meta: meta } = raw;
  if (annotations !== undefined) {
    if (!isPlainJsonObject(annotations) || !isOptionalString(annotations.title)) return false;
    const { readOnlyHint, destructiveHint, idempotentHint, openWorldHint } = annotations;
    if (!isOptionalBoolean(readOnlyHint) || !isOptionalBoolean(destructiveHint) || !isOptionalBoolean(idempotentHint) || !isOptionalBoolean(openWorldHint)) return false;
  }
  if (execution !== undefined) {
    if (!isPlainJsonObject(execution)) return false;
    const support = execution.taskSupport;
    if (support !== undefined && support !== 'required' && support !== 'optional' && support !== 'forbidden') return false;
  }
  return meta === undefined || isPlainJsonObject(meta);
}

/** Context that turns any failure into a ServerError naming what was going on. */
const isJsonObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

interface Session {
  transport: Transport;
  stdio?: BoundedStdioTransport;
  httpState?: { failure?: ServerError; onFailure?: () => void };
  limits: Limits;
  /** Header, env and URL secret values: scrubbed from every text before it is printed. */
  secrets: readonly string[];
  /** "MCP error <code>: <message>" of every JSON-RPC error the server sent (see guardTransport). */
  serverErrors: Set<string>;
  /** The initialize result as the server sent it (see guardTransport). */
  initialize: { result?: unknown };
  /** The stdio command is an npm package runner (npx, npm exec, …): see silentExitHint. */
  npmRunner?: boolean;
}

function stderrDetails(session: Session): string[] {
  const text = redactSecrets(session.stdio?.stderrText() ?? '', session.secrets);
  const lines = printableLines(text, 10);
  return lines.length > 0 ? ['server stderr (last lines):', ...lines.map((l) => `  ${l}`)] : [];
}

const NPM_RUNNERS = new Set(['npx', 'npm', 'pnpm', 'pnpx', 'yarn', 'bunx', 'bun']);

/**
 * What to do about a server that failed and wrote nothing on stderr. npx (npm 10, 11) ends with
 * the failing code and no message when an install script of a package it installs fails: the
 * reason is only in npm's debug log.
 */
function silentExitHint(session: Session): string[] {
  const exit = session.stdio?.exit;
  if (!exit || exit.code === 0) return [];
  const lines = ['the server wrote nothing on stderr; start its command line yourself to see why'];
  if (session.npmRunner) {
    lines.push("npx and npm exec exit this way when an install script of the package (or of a dependency) fails: npm writes the reason only to its debug log, in the _logs folder of npm's cache (~/.npm/_logs by default)");
  }
  return lines;
}

function describeExit(session: Session): string {
  const exit = session.stdio?.exit;
  if (!exit) return 'closed the connection';
  if (exit.signal) return `was ended by ${exit.signal}`;
  return `exited with code ${exit.code}`;
}

function toServerError(error: unknown, phase: string, session: Session): ServerError {
  const details = stderrDetails(session);
  const known = session.stdio?.failure ?? session.httpState?.failure;
  if (known) return new ServerError(known.code, `${known.message} (during ${phase})`, { cause: error, details });
  if (error instanceof ServerError) return new ServerError(error.code, error.message, { cause: error, details: [...error.details, ...details] });
  const seconds = `${session.limits.timeoutMs / 1000}s`;
  // The SDK reports its own timeouts and closed connections as McpError codes -32001 and
  // -32000, which are also ordinary server error codes: only errors the server did not send
  // mean a timeout or a closed connection.
  const fromServer = error instanceof McpError && session.serverErrors.has(error.message);
  if (error instanceof McpError && !fromServer) {
    if (error.code === ErrorCode.RequestTimeout) {
      return new ServerError('TIMEOUT', `server did not answer ${phase} within ${seconds} (raise --timeout if it is just slow)`, { cause: error, details });
    }
    if (error.code === ErrorCode.ConnectionClosed) {
      return new ServerError('EXITED', `server ${describeExit(session)} during ${phase}`, { cause: error, details: details.length > 0 ? details : silentExitHint(session) });
    }
  }
  if (error instanceof McpError) {
    // The SDK prefixes "MCP error <code>: "; the server's own message is attacker-controlled.
    const message = redactSecrets(error.message.replace(/^MCP error -?\d+: /, ''), session.secrets);
    return new ServerError('RPC_ERROR', `server returned an error to ${phase}: ${printable(message, 200)} (code ${error.code})`, { cause: error, details });
  }
  const err = error as { name?: string; code?: unknown; message?: string; cause?: { code?: string } };
  const errorClass = (error as { constructor?: { name?: string } })?.constructor?.name;
  if (errorClass === 'StreamableHTTPError' || errorClass === 'SseError') {
    return new ServerError('HTTP_ERROR', `server answered ${phase} with HTTP ${String(err.code ?? 'error')}: ${printable(redactSecrets(err.message ?? '', session.secrets), 160)}`, { cause: error, details });
  }
  if (err?.name === 'TypeError' && err.cause?.code) {
    return new ServerError('CONNECT_FAILED', `cannot connect to the server (${err.cause.code}) during ${phase}`, { cause: error, details });
  }
  if (err?.name === 'ZodError' || err?.name === '$ZodError') {
    return new ServerError('PROTOCOL', `server sent an invalid ${phase} result: ${printable(redactSecrets(err.message ?? '', session.secrets), 200)}`, { cause: error, details });
  }
  if (session.stdio?.exit) return new ServerError('EXITED', `server ${describeExit(session)} during ${phase}`, { cause: error, details: details.length > 0 ? details : silentExitHint(session) });
  return new ServerError('PROTOCOL', `server broke the protocol during ${phase}: ${printable(redactSecrets(err?.message ?? String(error), session.secrets), 200)}`, { cause: error, details });
}

async function openSession(
  target: ServerTarget,
  limits: Limits,
  hooks: ReadHooks,
  notes: string[],
  secrets: readonly string[],
): Promise<{ client: Client; session: Session; record: TransportRecord }> {
  if (target.kind === 'stdio') {
    const stdio = new BoundedStdioTransport({
      command: target.command,
      args: target.args,
      env: serverEnvironment(target.env, hooks.parentEnv ?? process.env),
      cwd: target.cwd,
      maxMessageBytes: limits.maxMessageBytes,
      stderrBytes: limits.stderrBytes,
      redact: (text) => redactSecrets(text, secrets),
      secrets,
    });
    const serverErrors = new Set<string>();
    const runner = target.command.slice(Math.max(target.command.lastIndexOf('/'), target.command.lastIndexOf('\\')) + 1).replace(/\.(?:exe|cmd|bat|ps1)$/i, '');
    const initialize = {};
    const session: Session = { transport: guardTransport(stdio, limits.timeoutMs, serverErrors, initialize), stdio, limits, secrets, serverErrors, initialize, npmRunner: NPM_RUNNERS.has(runner) };
    const record: TransportRecord = { type: 'stdio', command: target.command, args: target.args, env: Object.keys(target.env) };
    const client = await connectClient(session, 'initialize');
    return { client, session, record };
  }
  const { url, headers } = splitUserinfo(target.url, target.headers);
  const headerNames = Object.keys(headers);
  const tryKind = async (kind: 'streamable-http' | 'sse') => {
    const httpState: { failure?: ServerError; onFailure?: () => void } = {};
    const fetch = createBoundedFetch(limits.maxMessageBytes, httpState);
    const requestInit = { headers };
    let transport: Transport;
    if (kind === 'streamable-http') {
      const { StreamableHTTPClientTransport } = await import('@modelcontextprotocol/sdk/client/streamableHttp.js');
      transport = new StreamableHTTPClientTransport(url, { requestInit, fetch, reconnectionOptions: { maxRetries: 0, initialReconnectionDelay: 1000, maxReconnectionDelay: 1000, reconnectionDelayGrowFactor: 1 } });
    } else {
      const { SSEClientTransport } = await import('@modelcontextprotocol/sdk/client/sse.js');
      transport = new SSEClientTransport(url, { requestInit, fetch, eventSourceInit: { fetch: (u, init) => fetch(u, { ...init, headers: { ...(init?.headers as Record<string, string>), ...headers } }) } });
    }
    httpState.onFailure = () => void transport.close().catch(() => {});
    const serverErrors = new Set<string>();
    const initialize = {};
    const session: Session = { transport: guardTransport(transport, limits.timeoutMs, serverErrors, initialize), httpState, limits, secrets, serverErrors, initialize };
    const client = await connectClient(session, 'initialize');
    const record: TransportRecord = { type: kind, url: redactUrl(url.href), headers: headerNames };
    return { client, session, record };
  };
  if (target.transport !== 'auto') return tryKind(target.transport);
  try {
    return await tryKind('streamable-http');
  } catch (error) {
    // The MCP spec's backwards-compatibility rule: a 4xx to the initialize POST means the
    // server may only speak the 2024-11-05 HTTP+SSE transport; try that before giving up.
    if (error instanceof ServerError && error.code === 'HTTP_ERROR' && /HTTP 4\d\d/.test(error.message)) {
      notes.push('server did not accept Streamable HTTP; used the legacy SSE transport');
      return tryKind('sse');
    }
    throw error;
  }
}

/**
 * The SDK's HTTP transports put no time limit on what is not a request: opening the legacy SSE
 * stream and waiting for its `endpoint` event (start), or POSTing a notification such as
 * notifications/initialized (send). A server that holds those open would hang mcptrust for
 * ever, so each is bounded by the per-request timeout; on expiry the transport is closed.
 *
 * It also keeps the initialize result as the server sent it (`initialize.result`): the SDK's
 * parse of it drops every capability and serverInfo member its schema does not name (and a
 * member named `__proto__`), and the lock pins what the server declared, not what the SDK kept.
 */
function guardTransport(transport: Transport, timeoutMs: number, serverErrors: Set<string>, initialize: { result?: unknown }): Transport {
  const seconds = `${timeoutMs / 1000}s`;
  const bounded = <T>(work: Promise<T>, what: string): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new ServerError('TIMEOUT', `server did not answer ${what} within ${seconds} (raise --timeout if it is just slow)`));
        transport.close().catch(() => {});
      }, timeoutMs);
      work.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  const start = transport.start.bind(transport);
  const send = transport.send.bind(transport);
  // The id of the initialize request, until its result arrives.
  let initializeId: string | number | undefined;
  transport.start = () => {
    // The client has set its handlers by now (Protocol.connect): note the errors the server sends.
    const onmessage = transport.onmessage;
    transport.onmessage = (message, extra) => {
      const error = (message as { error?: { code?: unknown; message?: unknown } }).error;
      if (error && typeof error === 'object' && serverErrors.size < 1_000) serverErrors.add(`MCP error ${String(error.code)}: ${String(error.message)}`);
      // The response the SDK's client takes as the initialize result: the same guard, and the id
      // matched as it matches it (Number(id): "0" and "" answer request 0), the first one.
      if (initializeId !== undefined && 'id' in message && Number(message.id) === Number(initializeId) && isJSONRPCResultResponse(message)) {
        initialize.result = message.result;
        initializeId = undefined;
      }
      onmessage?.(message, extra);
    };
    return bounded(start(), 'initialize');
  };
  transport.send = (message, options) => {
    if ('method' in message && message.method === 'initialize' && 'id' in message) initializeId = message.id;
    return bounded(send(message, options), 'method' in message ? message.method : 'a response');
  };
  return transport;
}

async function connectClient(session: Session, phase: string): Promise<Client> {
  const client = new Client(CLIENT_INFO, { capabilities: CLIENT_CAPABILITIES });
  client.setRequestHandler(ListRootsRequestSchema, () => ({ roots: [] }));
  // Errors reported out of band by the transport are folded into the failure path.
  client.onerror = () => {};
  try {
    await client.connect(session.transport, { timeout: session.limits.timeoutMs });
  } catch (error) {
    await closeQuietly(client);
    throw toServerError(error, phase, session);
  }
  return client;
}

async function closeQuietly(client: Client): Promise<void> {
  try {
    await client.close();
  } catch {
    // nothing more to do
  }
}

/** Reads every page of one list, within the page, item and size bounds. */
async function listAll(client: Client, spec: ListSpec, session: Session, budget: SurfaceBudget, hooks: ReadHooks, notes: string[]): Promise<Record<string, JsonObject>> {
  const { limits } = session;
  const keyField = ITEM_KEY_FIELD[spec.kind];
  const items = createRecord<JsonObject>();
  let count = 0;
  const seenCursors = new Set<string>();
  const fetchPage = (cursor: string | undefined) =>
    client.request({ method: spec.method, params: cursor === undefined ? {} : { cursor } }, ResultSchema, { timeout: limits.timeoutMs }) as Promise<Record<string, unknown>>;
  let pending = fetchPage(undefined);
  for (let page = 1; ; page++) {
    hooks.onProgress?.(`${spec.method} page ${page}`);
    let result: Record<string, unknown>;
    try {
      result = await pending;
    } catch (error) {
      // Resource templates came later than resources; a server without them answers
      // "method not found", which means it has none.
      if (spec.kind === 'resourceTemplate' && error instanceof McpError && error.code === ErrorCode.MethodNotFound) {
        notes.push('server does not implement resources/templates/list; recorded no templates');
        return items;
      }
      throw toServerError(error, spec.method, session);
    }
    const list = result[spec.field];
    if (!Array.isArray(list)) {
      throw new ServerError('PROTOCOL', `server's ${spec.method} result has no "${spec.field}" array`, { details: stderrDetails(session) });
    }
    count += list.length;
    if (count > limits.maxItems) {
      throw new ServerError('TOO_MANY_ITEMS', `server listed more than ${limits.maxItems} ${spec.field} (raise --max-items if that is expected)`, { details: stderrDetails(session) });
    }
    // Ask for the next page before checking this one, so the server prepares it while this
    // one is validated and digested. A failure of that request is reported when it is awaited.
    const next = result.nextCursor;
    let prefetch: Promise<Record<string, unknown>> | undefined;
    if (next !== undefined && next !== null) {
      if (typeof next !== 'string') throw new ServerError('PROTOCOL', `server's ${spec.method} nextCursor is not a string`);
      if (seenCursors.has(next)) {
        throw new ServerError('TOO_MANY_PAGES', `server repeated nextCursor "${printable(next, 40)}" in ${spec.method}: the listing would never end`, { details: stderrDetails(session) });
      }
      if (page + 1 > limits.maxPages) {
        throw new ServerError('TOO_MANY_PAGES', `server returned more than ${limits.maxPages} pages for ${spec.method} (a nextCursor that never ends?)`, { details: stderrDetails(session) });
      }
      seenCursors.add(next);
      prefetch = fetchPage(next);
      // If this page turns out invalid, the prefetch is abandoned: keep its rejection handled.
      prefetch.catch(() => {});
    }
    for (const [index, raw] of list.entries()) {
      const checked = spec.accepts?.(raw) ? VALID : spec.schema.safeParse(raw);
      if (!checked.success) {
        const issue = checked.error?.issues[0];
        const where = issue ? `${issue.path.map(String).join('.') || '(item)'}: ${issue.message}` : 'invalid';
        const named = (raw as Record<string, unknown> | null)?.[keyField];
        const label = typeof named === 'string' ? ` (${spec.kind} "${printable(named, 80)}")` : '';
        throw new ServerError('PROTOCOL', `server's ${spec.method} item ${index + 1}${label} on page ${page} is invalid: ${printable(where, 160)}`, { details: stderrDetails(session) });
      }
      // The raw item is stored, not the validated copy: nothing the server sent is dropped.
      const item = raw as JsonObject;
      const key = item[keyField] as string;
      const named = () => `${spec.kind} "${printable(key, 80)}"`;
      // Depth, canonical size and digest, and the item's lockfile text, in one bounded walk.
      const entry = lockfileEntry(item, ITEM_LEVEL, named, session, budget);
      const written = entry.prettyBytes;
      const size = entry.bytes;
      if (size > limits.maxItemBytes) {
        throw new ServerError('ITEM_TOO_LARGE', `${spec.kind} "${printable(key, 80)}" is ${formatBytes(size)}, over the ${formatBytes(limits.maxItemBytes)} limit per item`, { details: stderrDetails(session) });
      }
      if (hasOwn(items, key)) {
        throw new ServerError('DUPLICATE_ITEM', `server listed ${spec.kind} "${printable(key, 80)}" twice; an agent could not tell which one it calls`, { details: stderrDetails(session) });
      }
      spend(budget, written + Buffer.byteLength(JSON.stringify(key)) + ENTRY_OVERHEAD, named, session);
      items[key] = item;
    }
    if (!prefetch) return items;
    pending = prefetch;
  }
}

/**
 * Connects to one MCP server, reads its initialize result and every page of every list it
 * declares, and ends the connection (and the process tree, for stdio) whatever happens.
 * Attacker-controlled: everything the server sends is validated and bounded.
 */
export async function readServerSurface(target: ServerTarget, limits: Limits, hooks: ReadHooks = {}): Promise<ReadResult> {
  const notes: string[] = [];
  const secrets = targetSecrets(target);
  try {
    return await readWithSecrets(target, limits, hooks, notes, secrets);
  } catch (error) {
    // A last pass over what the server could have put in the message: messages built here
    // were scrubbed before being cut, this catches anything else.
    if (!(error instanceof ServerError)) {
      // Not expected (every known failure is mapped to a ServerError), but still server-caused
      // and possibly quoting what the server sent: one escaped, scrubbed line, exit 3.
      const text = error instanceof Error ? error.message : String(error);
      throw new ServerError('PROTOCOL', `server could not be read: ${printable(redactSecrets(text, secrets), 200)}`, { cause: error });
    }
    if (secrets.length === 0) throw error;
    throw new ServerError(error.code, redactSecrets(error.message, secrets), { cause: error.cause, details: error.details.map((d) => redactSecrets(d, secrets)) });
  }
}

async function readWithSecrets(target: ServerTarget, limits: Limits, hooks: ReadHooks, notes: string[], secrets: readonly string[]): Promise<ReadResult> {
  hooks.onProgress?.('initialize');
  const { client, session, record } = await openSession(target, limits, hooks, notes, secrets);
  try {
    // As the server sent them: the SDK validated this very result, but its copy keeps only the
    // members its schema names (guardTransport).
    const sent = session.initialize.result as { capabilities?: unknown; serverInfo?: unknown } | undefined;
    if (!isJsonObject(sent?.capabilities) || !isJsonObject(sent.serverInfo)) throw new ServerError('PROTOCOL', "server's initialize result was not seen as sent; nothing is pinned from the SDK's partial copy", { details: stderrDetails(session) });
    const capabilities = sent.capabilities;
    const serverInfo = sent.serverInfo;
    const protocolVersion = negotiatedVersion(session.transport);
    const identity: ServerIdentity = { serverInfo, protocolVersion, capabilities };
    const instructions = client.getInstructions();
    if (instructions !== undefined) identity.instructions = instructions;
    const budget = hooks.budget ?? new SurfaceBudget(limits.maxSurfaceBytes);
    for (const [field, value] of [['serverInfo', serverInfo], ['capabilities', capabilities], ['instructions', instructions ?? null]] as const) {
      const what = () => `the server's ${field}`;
      spend(budget, lockfileEntry(value, IDENTITY_LEVEL, what, session, budget).prettyBytes, what, session);
    }
    const surface: ServerSurface = {
      identity,
      tools: createRecord(),
      prompts: createRecord(),
      resources: createRecord(),
      resourceTemplates: createRecord(),
    };
    for (const spec of LISTS) {
      if (!hasOwn(capabilities, spec.capability)) continue;
      surface[ITEM_COLLECTION[spec.kind]] = await listAll(client, spec, session, budget, hooks, notes);
    }
    notes.push(...echoedSecretNotes(target, surface));
    return { surface, transport: record, notes };
  } finally {
    await closeQuietly(client);
  }
}

/**
 * A server may put a header or env value it was given into its own surface (a description,
 * its instructions). The lockfile pins the surface as sent, so it would then hold the secret:
 * say so, by name, so that nobody commits it unawares. The surface itself is not altered.
 */
function echoedSecretNotes(target: ServerTarget, surface: ServerSurface): string[] {
  const named: [string, string][] =
    target.kind === 'stdio' ? Object.entries(target.env).map(([k, v]) => [`env ${k}`, v]) : Object.entries(target.headers).map(([k, v]) => [`header ${k}`, v]);
  // Every other secret of the target (a ${VAR} value of its command, args or URL; the URL's
  // password, query values and Basic credentials) is noted too, under what it is.
  const other = target.kind === 'stdio' ? 'a ${…} variable in its command or args' : "a ${…} variable, the password or a query value of its URL";
  // A part of a named value (the token of "Bearer …") keeps that value's name.
  for (const value of targetSecrets(target)) {
    if (named.some(([, v]) => v === value)) continue;
    named.push([named.find(([, v]) => v.includes(value))?.[0] ?? other, value]);
  }
  const candidates = named.filter(([, v]) => v.length >= 5);
  if (candidates.length === 0) return [];
  const text = JSON.stringify(surface);
  const found = candidates.filter(([, v]) => text.includes(JSON.stringify(v).slice(1, -1))).map(([what]) => what);
  return [...new Set(found)].map(
    (what) => `the value of ${printable(what, 80)} appears in the server's own surface, so the lockfile contains it: check before publishing it`,
  );
}

function negotiatedVersion(transport: Transport): string {
  // SDK 1.x hands the negotiated version only to the transport (setProtocolVersion); ours and
  // the Streamable HTTP one expose it, the SSE one keeps it in a private field.
  const t = transport as { protocolVersion?: unknown; _protocolVersion?: unknown };
  const v = t.protocolVersion ?? t._protocolVersion;
  return typeof v === 'string' ? v : 'unknown';
}
