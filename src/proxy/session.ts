import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '../mcp/upstream.js';
import type { LineChannel, Incoming } from './downstream.js';
import { BLOCKED_CODE, BLOCKED_PREFIX, Enforcer, type Decision } from './enforce.js';
import { IdTable } from './id-table.js';
import { canonicalize } from '../canonical/index.js';
import { printable } from '../util/text.js';
import type { ServerIdentity } from '../lockfile/types.js';

type Id = string | number;
type Message = Record<string, unknown> & { jsonrpc: '2.0' };

export interface SessionOptions {
  enforcer: Enforcer;
  /** The server's side: not started yet; the session starts and closes it. */
  upstream: Transport;
  /** The agent's side. */
  downstream: LineChannel;
  /** JSON-RPC 2.0 validation of what the agent sends (default: isJsonRpcMessage). */
  parse?: (value: unknown) => JSONRPCMessage | undefined;
  /** Log what would be blocked or withheld, but forward it. */
  auditOnly: boolean;
  /** How long a request may wait for the server's answer before the agent gets an error. */
  timeoutMs: number;
  onDecision: (decision: Decision) => void;
  /**
   * The locked identity: its `serverInfo`, `capabilities` and `instructions` (none: left out) are
   * what the agent's `initialize` is answered with, never the live ones (only the negotiated
   * `protocolVersion` is the server's).
   */
  identity: Pick<ServerIdentity, 'serverInfo' | 'capabilities' | 'instructions'>;
  /** Requests in flight from the agent at once; more are refused. */
  maxInFlight?: number;
  /** Notifications from the server passed per second; more are dropped (and counted). */
  maxNotificationsPerSecond?: number;
  /** The quiet period between two list_changed notifications of one kind passed to the agent. */
  listChangedMs?: number;
}

interface Pending {
  proxyId: number;
  clientId: Id;
  method: string;
  tool?: string;
  /** The agent's progress token, when it asked for progress (the server is sent the proxy's id instead). */
  progressToken?: Id;
  /** Date.now() past which the agent gets a timeout error (moved on by progress). */
  deadline: number;
}

/** The server requests passed to the agent, each with the capability it must have declared (a Map: a method is the server's text). */
const SERVER_REQUEST_CAPABILITY: ReadonlyMap<string, string> = new Map([
  ['sampling/createMessage', 'sampling'],
  ['elicitation/create', 'elicitation'],
  ['roots/list', 'roots'],
]);

const LIST_CHANGED = new Set(['notifications/tools/list_changed', 'notifications/prompts/list_changed', 'notifications/resources/list_changed']);
const CLIENT_NOTIFICATIONS = new Set(['notifications/initialized', 'notifications/cancelled', 'notifications/progress', 'notifications/roots/list_changed']);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * One JSON-RPC 2.0 message (request, notification, result or error response), checked by shape
 * on the hot path (every call crosses it): `jsonrpc` "2.0", a string method with object or
 * array params (or none), an id that is a string or a number, a response with exactly one of
 * `result` (an object) and `error` (code and message). Other members are kept, as the SDK does.
 */
export function isJsonRpcMessage(value: unknown): JSONRPCMessage | undefined {
  if (!isObject(value) || value.jsonrpc !== '2.0') return undefined;
  const hasId = value.id !== undefined;
  if (hasId && !isId(value.id)) return undefined;
  if (value.method !== undefined) {
    if (typeof value.method !== 'string') return undefined;
    if (value.params !== undefined && !isObject(value.params)) return undefined;
    return value as unknown as JSONRPCMessage;
  }
  if (!hasId) return undefined;
  const hasResult = value.result !== undefined;
  const hasError = value.error !== undefined;
  if (hasResult === hasError) return undefined;
  if (hasResult) return isObject(value.result) ? (value as unknown as JSONRPCMessage) : undefined;
  const error = value.error;
  return isObject(error) && Number.isInteger(error.code) && typeof error.message === 'string' ? (value as unknown as JSONRPCMessage) : undefined;
}
const keyOf = (id: Id) => `${typeof id}:${id}`;
const isId = (v: unknown): v is Id => typeof v === 'string' || typeof v === 'number';

/**
 * One agent ↔ server session. The proxy has its own id space toward the server: every request
 * the agent sends is forwarded under a fresh number, and only answers to those numbers come
 * back (anything else is dropped and logged). Progress tokens are mapped the same way. Requests
 * the server sends the agent pass only when the agent declared the capability they need.
 */
export class ProxySession {
  private nextId = 1;
  /** Requests in flight by the proxy's id, and the same by the agent's id (tables that do not allocate per call). */
  private readonly pending = new IdTable<Pending>();
  private readonly byClientId = new IdTable<number>();
  private readonly serverRequests = new Set<string>();
  private clientCapabilities: Record<string, unknown> = {};
  private ended = false;
  private finish!: (how: 'agent' | 'server') => void;
  /** Resolves when the session is over: the agent closed its side, or the server's ended. */
  readonly finished: Promise<'agent' | 'server'>;
  private windowStart = 0;
  private windowCount = 0;
  private windowDropped = 0;
  private readonly listChanged = new Map<string, { timer: NodeJS.Timeout; again: boolean }>();
  /**
   * One timer for every pending request, not one each: a timer set and cleared per call cost
   * about a tenth of the proxy's time per call (timer lists and their queue rebuilt each time).
   * It fires at the earliest deadline it was armed for, times out what is due, and re-arms.
   */
  private sweep: NodeJS.Timeout | undefined;
  /**
   * The sides whose queue is past its bound: the agent's stdout (an agent not reading) or the
   * server's stdin (a server not reading). While any is, neither the server nor the agent is read,
   * as direct pipes would hold them, so nothing either sends is queued in the proxy without bound.
   */
  private readonly holds = new Set<'agent' | 'server'>();

  constructor(private readonly options: SessionOptions) {
    this.finished = new Promise((resolve) => (this.finish = resolve));
  }

  async start(): Promise<void> {
    const { upstream, downstream } = this.options;
    upstream.onmessage = (message) => this.fromServer(message as unknown as Message);
    upstream.onclose = () => this.end('server');
    upstream.onerror = () => {};
    await upstream.start();
    downstream.onmessage = (incoming) => this.fromAgent(incoming);
    downstream.onclose = () => this.end('agent');
    downstream.ondrain = () => this.release('agent');
    const source = holdable(upstream);
    if (source) source.ondrain = () => this.release('server');
    downstream.start();
  }

  private decide(decision: Decision): void {
    this.options.onDecision(decision);
  }

  private toAgent(message: Record<string, unknown>): void {
    const { downstream } = this.options;
    downstream.send({ jsonrpc: '2.0', ...message });
    if (downstream.backlogged) this.hold('agent');
  }

  /** Stops reading both sides while `side`'s queue is past its bound (see `holds`). */
  private hold(side: 'agent' | 'server'): void {
    if (this.holds.has(side)) return;
    if (this.holds.size === 0) {
      // A stdio server's output, or every response body of an HTTP server (src/mcp/upstream.ts).
      holdable(this.options.upstream)?.pause();
      this.options.downstream.pause();
    }
    this.holds.add(side);
  }

  private release(side: 'agent' | 'server'): void {
    if (!this.holds.delete(side) || this.holds.size > 0) return;
    holdable(this.options.upstream)?.resume();
    this.options.downstream.resume();
  }

  private toServer(message: Record<string, unknown>): void {
    this.options.upstream.send({ jsonrpc: '2.0', ...message } as JSONRPCMessage).catch((error: unknown) => {
      // A stdio server that has gone closes its transport, and end() answers what is pending.
      // Over HTTP the transport stays open: a request the server refused (an HTTP error, a
      // connection refused) is answered now rather than left to time out. Only the status is
      // told, never the error's text (it may carry a redirect address or the server's body).
      const entry = typeof message.id === 'number' && typeof message.method === 'string' ? this.settle(message.id) : undefined;
      if (!entry || this.ended) return;
      const status = (error as { code?: unknown } | undefined)?.code;
      const http = typeof status === 'number' && status >= 100 && status <= 599 ? ` (HTTP ${status})` : '';
      this.decide({ method: entry.method, verdict: 'dropped', reason: `could not be delivered to the server${http}` });
      this.toAgent({ id: entry.clientId, error: { code: -32000, message: `mcptrust proxy: could not deliver ${entry.method} to the server${http}` } });
    });
    if (holdable(this.options.upstream)?.backlogged === true) this.hold('server');
  }

  private fromAgent(incoming: Incoming): void {
    if (this.ended) return;
    if ('problem' in incoming) {
      const message = {
        parse: 'Parse error: the line is not JSON',
        'not-utf8': 'Parse error: the line is not UTF-8',
        'too-large': 'Parse error: the message is larger than the proxy accepts',
        'too-deep': 'Parse error: the message nests too deeply',
      }[incoming.problem];
      this.toAgent({ id: null, error: { code: -32700, message } });
      return;
    }
    if (Array.isArray(incoming.message)) {
      // JSON-RPC batches were removed from MCP (2025-06-18): refused whole, nothing forwarded.
      this.toAgent({ id: null, error: { code: -32600, message: 'Invalid Request: batches are not supported' } });
      return;
    }
    const message = (this.options.parse ?? isJsonRpcMessage)(incoming.message) as unknown as Message | undefined;
    if (!message) {
      const id = isObject(incoming.message) && isId(incoming.message.id) ? incoming.message.id : null;
      this.toAgent({ id, error: { code: -32600, message: 'Invalid Request: not a JSON-RPC 2.0 message' } });
      return;
    }
    if (typeof message.method === 'string' && isId(message.id)) this.agentRequest(message.id, message.method, message.params);
    else if (typeof message.method === 'string') this.agentNotification(message.method, message.params);
    else if (isId(message.id)) this.agentResponse(message);
  }

  private agentRequest(id: Id, method: string, params: unknown): void {
    if (this.byClientId.has(id)) {
      this.toAgent({ id, error: { code: -32600, message: 'Invalid Request: this id is already in use by a request in flight' } });
      return;
    }
    let decision: Decision;
    if (method === 'initialize') {
      const caps = isObject(params) && isObject(params.capabilities) ? params.capabilities : {};
      this.clientCapabilities = caps;
      decision = { method, verdict: 'allowed', reason: 'the agent initializes' };
    } else decision = this.options.enforcer.checkRequest(method, params);
    this.decide(decision);
    if (decision.verdict === 'blocked' && !this.options.auditOnly) {
      this.toAgent({ id, error: { code: BLOCKED_CODE, message: `${BLOCKED_PREFIX} ${decision.reason}` } });
      return;
    }
    if (this.pending.size >= (this.options.maxInFlight ?? 1000)) {
      this.toAgent({ id, error: { code: -32000, message: `mcptrust proxy: more than ${this.options.maxInFlight ?? 1000} requests are waiting for the server` } });
      return;
    }
    const proxyId = this.nextId++;
    let forwarded = params;
    let progressToken: Id | undefined;
    if (isObject(params) && isObject(params._meta) && isId(params._meta.progressToken)) {
      progressToken = params._meta.progressToken;
      forwarded = { ...params, _meta: { ...params._meta, progressToken: proxyId } };
    }
    const tool = method === 'tools/call' && isObject(params) && typeof params.name === 'string' ? params.name : undefined;
    const deadline = Date.now() + this.options.timeoutMs;
    this.pending.set(proxyId, { proxyId, clientId: id, method, tool, progressToken, deadline });
    // Every deadline is now + the same timeout: an armed sweep is due no later than this one.
    this.sweep ??= setTimeout(() => this.sweepTimeouts(), this.options.timeoutMs);
    this.byClientId.set(id, proxyId);
    this.toServer(forwarded === undefined ? { id: proxyId, method } : { id: proxyId, method, params: forwarded });
  }

  /** The requests in flight, oldest first (the order they were sent in). */
  private inFlight(): Pending[] {
    return this.pending
      .entries()
      .map(([, entry]) => entry)
      .sort((a, b) => a.proxyId - b.proxyId);
  }

  private settle(proxyId: number): Pending | undefined {
    const entry = this.pending.delete(proxyId);
    if (entry) this.byClientId.delete(entry.clientId);
    return entry;
  }

  /** Times out every pending request past its deadline, then waits for the next deadline. */
  private sweepTimeouts(): void {
    this.sweep = undefined;
    if (this.ended) return;
    const now = Date.now();
    const due: number[] = [];
    let next = Infinity;
    for (const entry of this.inFlight()) {
      const proxyId = entry.proxyId;
      if (entry.deadline <= now) due.push(proxyId);
      else next = Math.min(next, entry.deadline);
    }
    for (const proxyId of due) this.timeOut(proxyId);
    if (next !== Infinity && !this.ended) this.sweep = setTimeout(() => this.sweepTimeouts(), Math.max(1, next - now));
  }

  private timeOut(proxyId: number): void {
    const entry = this.settle(proxyId);
    if (!entry) return;
    const seconds = `${this.options.timeoutMs / 1000}s`;
    this.decide({ method: entry.method, verdict: 'blocked', reason: `the server did not answer within ${seconds}` });
    this.toAgent({ id: entry.clientId, error: { code: -32001, message: `mcptrust proxy: the server did not answer ${entry.method} within ${seconds}` } });
    this.toServer({ method: 'notifications/cancelled', params: { requestId: proxyId, reason: 'timed out in mcptrust proxy' } });
  }

  private agentNotification(method: string, params: unknown): void {
    if (!CLIENT_NOTIFICATIONS.has(method)) {
      this.decide({ method, verdict: 'dropped', reason: 'a notification the proxy does not pass' });
      return;
    }
    if (method === 'notifications/cancelled') {
      const requestId = isObject(params) ? params.requestId : undefined;
      const proxyId = isId(requestId) ? this.byClientId.get(requestId) : undefined;
      if (proxyId === undefined) return;
      this.settle(proxyId);
      this.toServer({ method, params: { ...(params as object), requestId: proxyId } });
      return;
    }
    this.toServer(params === undefined ? { method } : { method, params });
  }

  private agentResponse(message: Message): void {
    const key = keyOf(message.id as Id);
    if (!this.serverRequests.delete(key)) {
      this.decide({ method: '(response)', verdict: 'dropped', reason: 'the agent answered a request the server did not send' });
      return;
    }
    const { jsonrpc: _, ...rest } = message;
    this.toServer(rest);
  }

  private fromServer(message: Message): void {
    if (this.ended) return;
    // What the proxy did not ask for (requests, responses to ids not pending) shares the
    // notifications' bound: past it, dropped unanswered and counted, never logged one by one.
    if (typeof message.method === 'string' && isId(message.id)) {
      if (this.withinFloodBound(message.method)) this.serverRequest(message.id, message.method, message.params);
    } else if (typeof message.method === 'string') this.serverNotification(message.method, message.params);
    else if ((typeof message.id === 'number' && this.pending.has(message.id)) || this.withinFloodBound('(response)')) this.serverResponse(message);
  }

  private serverResponse(message: Message): void {
    const entry = typeof message.id === 'number' ? this.settle(message.id) : undefined;
    if (!entry) {
      this.decide({ method: '(response)', verdict: 'dropped', reason: 'a response to an id the proxy never sent, or already answered' });
      return;
    }
    if (isObject(message.error)) {
      this.toAgent({ id: entry.clientId, error: message.error });
      return;
    }
    let result = message.result;
    const { enforcer, auditOnly } = this.options;
    if (Enforcer.listOf(entry.method)) {
      const filtered = enforcer.filterList(entry.method, result);
      for (const decision of filtered.decisions) this.decide(decision);
      if (!auditOnly) result = filtered.result;
    } else if (entry.method === 'tools/call' && entry.tool !== undefined) {
      const decision = enforcer.checkToolResult(entry.tool, result);
      if (decision.verdict === 'blocked') {
        this.decide(decision);
        if (!auditOnly) {
          this.toAgent({ id: entry.clientId, error: { code: BLOCKED_CODE, message: `${BLOCKED_PREFIX} ${decision.reason}` } });
          return;
        }
      }
    } else if (entry.method === 'initialize' && isObject(result)) {
      const served = lockedInitialize(result, this.options.identity);
      const { differs } = served;
      if (differs.length > 0) {
        const named = `${differs.slice(0, 5).join(', ')}${differs.length > 5 ? ` and ${differs.length - 5} more` : ''}`;
        this.decide({ method: 'initialize', verdict: 'withheld', reason: `the live ${named} differ from the locked identity; the agent gets the locked one` });
      }
      if (!auditOnly) result = served.result;
    }
    this.toAgent({ id: entry.clientId, result });
  }

  private serverRequest(id: Id, method: string, params: unknown): void {
    const capability = SERVER_REQUEST_CAPABILITY.get(method);
    const allowed = method === 'ping' || (capability !== undefined && Object.hasOwn(this.clientCapabilities, capability) && isObject(this.clientCapabilities[capability]));
    if (!allowed || this.serverRequests.size >= 1000) {
      const reason = !allowed
        ? capability
          ? `the agent did not declare the ${capability} capability`
          : `the proxy does not pass the server request "${method}"`
        : 'more than 1000 server requests are waiting for the agent';
      this.decide({ method, verdict: 'blocked', reason });
      this.toServer({ id, error: { code: capability ? -32600 : -32601, message: `${BLOCKED_PREFIX} ${reason}` } });
      return;
    }
    this.decide({ method, verdict: 'allowed', reason: capability ? `the agent declared ${capability}` : 'ping' });
    this.serverRequests.add(keyOf(id));
    this.toAgent(params === undefined ? { id, method } : { id, method, params });
  }

  private serverNotification(method: string, params: unknown): void {
    // list_changed is coalesced to one a quiet period on its own, so it is judged before the
    // flood bound: a flood of log messages must not hide that the server's lists changed.
    if (LIST_CHANGED.has(method)) {
      this.coalesceListChanged(method);
      return;
    }
    if (!this.withinFloodBound(method)) return;
    const p = isObject(params) ? params : {};
    if (method === 'notifications/progress') {
      const token = p.progressToken;
      // The proxy's progress token is the proxy's id of the request it was sent with.
      const entry = typeof token === 'number' ? this.pending.get(token) : undefined;
      if (entry?.progressToken === undefined) {
        this.decide({ method, verdict: 'dropped', reason: 'progress for a token the proxy never sent' });
        return;
      }
      // Progress keeps a long request alive (the SDK's resetTimeoutOnProgress).
      entry.deadline = Date.now() + this.options.timeoutMs;
      this.toAgent({ method, params: { ...p, progressToken: entry.progressToken } });
      return;
    }
    if (method === 'notifications/cancelled') {
      const requestId = p.requestId;
      if (!isId(requestId) || !this.serverRequests.delete(keyOf(requestId))) {
        this.decide({ method, verdict: 'dropped', reason: 'cancels a request the server did not send' });
        return;
      }
      this.toAgent({ method, params });
      return;
    }
    if (method === 'notifications/resources/updated') {
      if (!this.options.enforcer.checkResourceUpdate(p.uri)) {
        this.decide({ method, verdict: 'dropped', reason: 'about a resource outside the lock' });
        return;
      }
      this.toAgent({ method, params });
      return;
    }
    if (method === 'notifications/message') {
      this.toAgent({ method, params });
      return;
    }
    this.decide({ method, verdict: 'dropped', reason: 'a notification the proxy does not pass' });
  }

  /**
   * A list_changed passes at once, then at most one more per quiet period, however many come:
   * the agent re-lists (and every re-list is filtered) at a bounded rate.
   */
  private coalesceListChanged(method: string): void {
    const held = this.listChanged.get(method);
    if (held) {
      held.again = true;
      return;
    }
    this.toAgent({ method });
    const entry = {
      again: false,
      timer: setTimeout(() => {
        this.listChanged.delete(method);
        if (entry.again && !this.ended) this.coalesceListChanged(method);
      }, this.options.listChangedMs ?? 1000),
    };
    entry.timer.unref();
    this.listChanged.set(method, entry);
  }

  /** Notifications beyond the per-second bound are dropped; how many is logged once a second. */
  private withinFloodBound(method: string): boolean {
    const now = Date.now();
    if (now - this.windowStart >= 1000) {
      if (this.windowDropped > 0) {
        this.decide({ method: 'notifications', verdict: 'dropped', reason: `${this.windowDropped} messages dropped: more than ${this.options.maxNotificationsPerSecond ?? 1000} a second` });
      }
      this.windowStart = now;
      this.windowCount = 0;
      this.windowDropped = 0;
    }
    if (++this.windowCount <= (this.options.maxNotificationsPerSecond ?? 1000)) return true;
    const what = method.startsWith('notifications/') ? 'notifications' : 'unsolicited messages';
    if (this.windowDropped++ === 0) this.decide({ method, verdict: 'dropped', reason: `more than ${this.options.maxNotificationsPerSecond ?? 1000} ${what} a second from the server` });
    return false;
  }

  private end(how: 'agent' | 'server'): void {
    if (this.ended) return;
    this.ended = true;
    for (const held of this.listChanged.values()) clearTimeout(held.timer);
    clearTimeout(this.sweep);
    this.sweep = undefined;
    for (const { proxyId } of this.inFlight()) {
      const entry = this.settle(proxyId)!;
      if (how === 'server') this.toAgent({ id: entry.clientId, error: { code: -32000, message: `mcptrust proxy: the server closed the connection before answering ${entry.method}` } });
    }
    if (how === 'agent') void this.options.upstream.close().catch(() => {});
    this.finish(how);
  }

  /** Ends the session from outside (a signal): the server's side is closed. */
  async close(): Promise<void> {
    this.end('agent');
    await this.options.upstream.close().catch(() => {});
  }
}

/** What the agent's initialize answer holds (see lockedInitialize). */
const INITIALIZE_MEMBERS: ReadonlySet<string> = new Set(['protocolVersion', 'serverInfo', 'capabilities', 'instructions']);

/**
 * The agent's initialize answer: the locked serverInfo (which the agent may show and the model
 * may read: a title is text like a description), capabilities (what the agent will ask for) and
 * instructions, and the server's negotiated protocolVersion; nothing else the server sent
 * (`_meta`, members of its own). `differs` names what the live answer held besides or other
 * than that.
 */
function lockedInitialize(live: Record<string, unknown>, identity: SessionOptions['identity']): { result: Record<string, unknown>; differs: string[] } {
  const form = (value: unknown) => {
    try {
      return canonicalize(value);
    } catch {
      return undefined; // a number out of range: no JSON value, so not the locked one
    }
  };
  const differs: string[] = (['serverInfo', 'capabilities', 'instructions'] as const).filter((key) => form(live[key]) !== form(identity[key]));
  for (const key of Object.keys(live)) if (!INITIALIZE_MEMBERS.has(key)) differs.push(printable(key, 40));
  const result: Record<string, unknown> = { protocolVersion: live.protocolVersion, serverInfo: identity.serverInfo, capabilities: identity.capabilities };
  if (identity.instructions !== undefined) result.instructions = identity.instructions;
  return { result, differs };
}

/** What the session needs of an upstream to hold it (the stdio transport has it; HTTP does not). */
interface Holdable {
  pause(): void;
  resume(): void;
  readonly backlogged: boolean;
  ondrain?: () => void;
}

function holdable(upstream: Transport): Holdable | undefined {
  const t = upstream as Partial<Record<keyof Holdable, unknown>>;
  return typeof t.pause === 'function' && typeof t.resume === 'function' && 'backlogged' in t ? (upstream as unknown as Holdable) : undefined;
}
