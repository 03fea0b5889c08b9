#!/usr/bin/env node
// Round 25b (tests/attack/round25b-lock.test.ts): a raw newline-delimited JSON-RPC MCP server that,
// after notifications/initialized, stops reading its stdin and sends server-to-client requests
// until its stdout is closed, never answering tools/list. Unlike round25-server.mjs's `stall`
// mode, the ids grow by one character each (ID=grow: 64 KiB + i characters, so no two have the
// same length) or are small numbers with 64 KiB of params (ID=small), to tell apart what the
// reader holds for the requests from what it queues as answers to a server that does not read.
import { createInterface } from 'node:readline';

const kind = process.env.ID ?? 'grow';
const send = (message) => process.stdout.write(`${JSON.stringify({ jsonrpc: '2.0', ...message })}\n`);
const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
lines.on('line', (line) => {
  let message;
  try {
    message = JSON.parse(line);
  } catch {
    return;
  }
  const { id, method, params } = message;
  if (method === 'initialize') {
    return send({ id, result: { protocolVersion: params?.protocolVersion ?? '2025-06-18', capabilities: { tools: {} }, serverInfo: { name: 'round25b-stall', version: '1.0.0' } } });
  }
  if (method !== 'notifications/initialized') return;
  lines.close();
  process.stdin.pause();
  const big = 's'.repeat(64 << 10);
  let i = 0;
  const more = () => {
    for (;;) {
      const n = i++;
      const request = kind === 'small' ? { id: n, method: 'roots/list', params: { _pad: big } } : { id: `${big}${'g'.repeat(n)}`, method: 'roots/list', params: {} };
      const ok = process.stdout.write(`${JSON.stringify({ jsonrpc: '2.0', ...request })}\n`);
      if (!ok) return void process.stdout.once('drain', more);
    }
  };
  process.stdout.on('error', () => process.exit(0));
  more();
});
