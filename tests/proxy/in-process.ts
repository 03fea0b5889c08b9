// An in-process proxy session for the proxy's unit-level tests: the agent's side is a pair of
// PassThrough streams (what the agent writes, and every JSON line the proxy answered, parsed),
// the server's side any Transport the test supplies, the lock one server offering `read`.
import { PassThrough } from 'node:stream';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JsonObject } from '../../src/canonical/index.js';
import { LineChannel } from '../../src/proxy/downstream.js';
import { Enforcer, type Decision } from '../../src/proxy/enforce.js';
import { ProxySession } from '../../src/proxy/session.js';
import { lockedServer } from '../helpers/lockfiles.js';

const read: JsonObject = { name: 'read', inputSchema: { type: 'object', properties: { name: { type: 'string' } } } };

export function inProcessSession(upstream: Transport, timeoutMs = 30_000) {
  const agentIn = new PassThrough();
  const agentOut = new PassThrough();
  const received: Record<string, unknown>[] = [];
  let buffer = '';
  agentOut.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    for (let nl = buffer.indexOf('\n'); nl !== -1; nl = buffer.indexOf('\n')) {
      received.push(JSON.parse(buffer.slice(0, nl)) as Record<string, unknown>);
      buffer = buffer.slice(nl + 1);
    }
  });
  const decisions: Decision[] = [];
  const locked = lockedServer({ tools: [read] });
  const session = new ProxySession({
    enforcer: new Enforcer(locked),
    upstream,
    downstream: new LineChannel(agentIn, agentOut, 1 << 20),
    auditOnly: false,
    timeoutMs,
    onDecision: (d) => decisions.push(d),
    identity: locked.surface.identity,
  });
  /** Sends the agent's tools/call of `read` with arguments.name `name` (and `_meta`, if given). */
  const call = (id: number | string, name: string, meta?: object) =>
    agentIn.write(`${JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'read', arguments: { name }, ...(meta ? { _meta: meta } : {}) } })}\n`);
  return { session, call, received, decisions, end: () => agentIn.end() };
}
