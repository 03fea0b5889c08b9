#!/usr/bin/env node
// A tiny MCP server with no dependencies, speaking newline-delimited JSON-RPC over stdio by hand.
// Tests publish it as the `bin` of a package on the loopback npm registry
// (tests/helpers/npm-registry.ts) so that a real `npx -y <pkg>` can start it.
// `FIXTURE_MARKER=<file>`: writes that file when it starts (proves code ran, or never did).
// `FIXTURE_TOOL=<name>`: the name of its one tool (default `echo`), so republished bytes can differ.
import { writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

if (process.env.FIXTURE_MARKER) writeFileSync(process.env.FIXTURE_MARKER, 'started\n');
const tool = process.env.FIXTURE_TOOL || 'echo';
const send = (message) => process.stdout.write(JSON.stringify({ jsonrpc: '2.0', ...message }) + '\n');

createInterface({ input: process.stdin }).on('line', (line) => {
  let request;
  try {
    request = JSON.parse(line);
  } catch {
    return;
  }
  if (request.id === undefined) return;
  if (request.method === 'initialize') {
    send({
      id: request.id,
      result: {
        protocolVersion: request.params?.protocolVersion ?? '2025-06-18',
        capabilities: { tools: {} },
        serverInfo: { name: 'npm-fixture', version: '1.0.0' },
      },
    });
  } else if (request.method === 'tools/list') {
    send({ id: request.id, result: { tools: [{ name: tool, description: 'Echo the text.', inputSchema: { type: 'object', properties: { text: { type: 'string' } } } }] } });
  } else {
    send({ id: request.id, error: { code: -32601, message: 'method not found' } });
  }
});
