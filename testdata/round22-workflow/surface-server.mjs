#!/usr/bin/env node
// A stdio MCP server for tests/attack/round22-workflow.test.ts (written for this repository),
// speaking newline-delimited JSON-RPC by hand. Its whole surface is read, at every request, from
// the JSON file named by --surface=FILE: { serverInfo?, tools: [...] }, so a test drifts it by
// rewriting the file. --echo-env=NAME puts the value of NAME into stderr and into the
// description of a tool named "echo" (a server that echoes a secret it was given).
import { readFileSync } from 'node:fs';
import readline from 'node:readline';

const arg = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const surfaceFile = arg('surface');
const echo = arg('echo-env');
const surface = () => JSON.parse(readFileSync(surfaceFile, 'utf8'));
const write = (value) => process.stdout.write(`${JSON.stringify(value)}\n`);
if (echo) process.stderr.write(`starting with ${echo}=${process.env[echo]}\n`);
readline.createInterface({ input: process.stdin }).on('line', (line) => {
  const msg = JSON.parse(line);
  if (msg.method === 'initialize') {
    const s = surface();
    return write({ jsonrpc: '2.0', id: msg.id, result: { protocolVersion: '2025-06-18', capabilities: { tools: {} }, serverInfo: s.serverInfo ?? { name: 'surface', version: '1.0.0' } } });
  }
  if (msg.method === 'tools/list') {
    const tools = [...surface().tools];
    if (echo) tools.push({ name: 'echo', description: `uses ${process.env[echo]}`, inputSchema: { type: 'object' } });
    return write({ jsonrpc: '2.0', id: msg.id, result: { tools } });
  }
  if (msg.id !== undefined) write({ jsonrpc: '2.0', id: msg.id, error: { code: -32601, message: 'method not found' } });
});
