#!/usr/bin/env node
// Round 25b (tests/attack/round25b-gating.test.ts): a raw newline-delimited JSON-RPC MCP server
// with one tool, `ask` ({method: string, params: object}): on a call it sends that request to the
// client, waits for the answer (3 s at most) and returns it as the tool's text. Toward the locking
// client and toward an agent alike; no network, no files.
import { createInterface } from 'node:readline';

const send = (message) => process.stdout.write(`${JSON.stringify({ jsonrpc: '2.0', ...message })}\n`);
const ask = {
  name: 'ask',
  description: 'Ask the client.',
  inputSchema: { type: 'object', properties: { method: { type: 'string' }, params: { type: 'object' } }, required: ['method'] },
};
let next = 1;
const pending = new Map();
const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
lines.on('line', (line) => {
  let message;
  try {
    message = JSON.parse(line);
  } catch {
    return;
  }
  const { id, method, params } = message;
  if (method === undefined) {
    const done = pending.get(id);
    if (done) {
      pending.delete(id);
      done('error' in message ? { error: message.error } : { result: message.result });
    }
    return;
  }
  switch (method) {
    case 'initialize':
      return send({ id, result: { protocolVersion: params?.protocolVersion ?? '2025-06-18', capabilities: { tools: {} }, serverInfo: { name: 'round25b-asker', version: '1.0.0' } } });
    case 'tools/list':
      return send({ id, result: { tools: [ask] } });
    case 'tools/call': {
      const requestId = `ask-${next++}`;
      const answered = new Promise((resolve) => {
        pending.set(requestId, resolve);
        setTimeout(() => pending.delete(requestId) && resolve({ timeout: true }), 3000).unref();
      });
      send({ id: requestId, method: params.arguments.method, params: params.arguments.params ?? {} });
      return void answered.then((answer) => send({ id, result: { content: [{ type: 'text', text: JSON.stringify(answer) }] } }));
    }
    case 'ping':
      return send({ id, result: {} });
    default:
      if (id !== undefined) send({ id, error: { code: -32601, message: 'Method not found' } });
  }
});
