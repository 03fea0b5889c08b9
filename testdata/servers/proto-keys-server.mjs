#!/usr/bin/env node
// A well-formed MCP stdio server whose whole surface comes from a JSON file, so that tests can
// serve keys named like Object.prototype members (`__proto__`, `constructor`, `toString`, …)
// anywhere: tool, prompt and resource names, schema property names, annotations, capabilities,
// serverInfo. Speaks newline-delimited JSON-RPC by hand; the file is read with JSON.parse, which
// keeps `"__proto__"` as an own member, and every message is written with JSON.stringify, which
// writes it back.
//
// `--surface=FILE`: { serverInfo?, capabilities?, instructions?, tools?, prompts?, resources?,
//   resourceTemplates? } (missing lists are empty; serverInfo defaults to proto-keys 1.0.0).
// `--report`: instructions become a JSON text of this process's argv (after the script) and of
//   the names and values of its environment variables whose names are given by `--vars=A,B`.
// `tools/call` answers with one text content: the JSON of the call's `name` and `arguments`.
// `prompts/get` and `resources/read` answer likewise with the JSON of their params.
// `--server-request=METHOD`: on `notifications/initialized`, the server sends the agent a request
//   with that method (id "s1", params {}); the answer it gets back is then added, as `reply`,
//   to the JSON of every later `tools/call` answer.
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

const arg = (name) => {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit === undefined ? undefined : hit.slice(name.length + 3);
};
const file = arg('surface');
const surface = file === undefined ? {} : JSON.parse(readFileSync(file, 'utf8'));
const own = (key) => (Object.prototype.hasOwnProperty.call(surface, key) ? surface[key] : undefined);

let instructions = own('instructions');
if (process.argv.includes('--report')) {
  const vars = (arg('vars') ?? '').split(',').filter((v) => v !== '');
  const env = {};
  for (const v of vars) {
    if (Object.prototype.hasOwnProperty.call(process.env, v)) Object.defineProperty(env, v, { value: process.env[v], enumerable: true });
  }
  instructions = JSON.stringify({ argv: process.argv.slice(2), env, names: Object.keys(process.env).sort() });
}

const send = (message) => process.stdout.write(`${JSON.stringify(message)}\n`);
const result = (id, value) => send({ jsonrpc: '2.0', id, result: value });

const serverRequest = arg('server-request');
let reply;

const rl = createInterface({ input: process.stdin });
rl.on('line', (line) => {
  if (line.trim() === '') return;
  let msg;
  try {
    msg = JSON.parse(line);
  } catch {
    return;
  }
  if (msg.id === 's1' && typeof msg.method !== 'string') {
    reply = msg;
    return;
  }
  if (msg.method === 'notifications/initialized' && serverRequest !== undefined) {
    send({ jsonrpc: '2.0', id: 's1', method: serverRequest, params: {} });
    return;
  }
  if (msg.id === undefined || typeof msg.method !== 'string') return;
  const params = msg.params ?? {};
  switch (msg.method) {
    case 'initialize': {
      const init = {
        protocolVersion: params.protocolVersion ?? '2025-11-25',
        capabilities: own('capabilities') ?? { tools: {}, prompts: {}, resources: {} },
        serverInfo: own('serverInfo') ?? { name: 'proto-keys', version: '1.0.0' },
      };
      if (instructions !== undefined) init.instructions = instructions;
      return result(msg.id, init);
    }
    case 'ping':
      return result(msg.id, {});
    case 'tools/list':
      return result(msg.id, { tools: own('tools') ?? [] });
    case 'prompts/list':
      return result(msg.id, { prompts: own('prompts') ?? [] });
    case 'resources/list':
      return result(msg.id, { resources: own('resources') ?? [] });
    case 'resources/templates/list':
      return result(msg.id, { resourceTemplates: own('resourceTemplates') ?? [] });
    case 'tools/call':
      return result(msg.id, { content: [{ type: 'text', text: JSON.stringify({ name: params.name, arguments: params.arguments, reply }) }] });
    case 'prompts/get':
      return result(msg.id, { messages: [{ role: 'user', content: { type: 'text', text: JSON.stringify(params) } }] });
    case 'resources/read':
      return result(msg.id, { contents: [{ uri: params.uri, text: JSON.stringify(params) }] });
    default:
      return send({ jsonrpc: '2.0', id: msg.id, error: { code: -32601, message: 'method not found' } });
  }
});
