#!/usr/bin/env node
// A well-behaved MCP stdio server whose listings are deliberately unstable in form but not in
// content: every run lists its items in a random order, with object keys in random order and
// random page sizes (nextCursor pagination). Locking it twice must give byte-identical files.
// `--tools=N` sets how many tools it has (default 40); `--seed=S` fixes the shuffle;
// `--page=N` fixes the page size (the benchmark uses it);
// `--report-env` puts the names of its environment variables (and the value of MCP_ECHO, if
// set) in its instructions, so tests can see exactly what environment a server was given.
// Speaks newline-delimited JSON-RPC by hand, so nothing but the order varies.
import { createInterface } from 'node:readline';

const arg = (name, fallback) => {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? hit.slice(name.length + 3) : fallback;
};
const toolCount = Number(arg('tools', '40'));
const pageSize = Number(arg('page', '0'));
let seed = Number(arg('seed', String(Date.now() ^ process.pid)));
const random = () => {
  // mulberry32
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const shuffle = (list) => {
  const a = [...list];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
};
/** The same value with every object's keys in a random order. */
const scramble = (value) => {
  if (Array.isArray(value)) return value.map(scramble);
  if (value && typeof value === 'object') return Object.fromEntries(shuffle(Object.entries(value)).map(([k, v]) => [k, scramble(v)]));
  return value;
};

const tools = Array.from({ length: toolCount }, (_, i) => ({
  name: `tool_${String(i).padStart(5, '0')}`,
  title: `Tool ${i}`,
  description: `Synthetic tool number ${i}. Returns the number ${i * 7}.`,
  inputSchema: {
    type: 'object',
    properties: { a: { type: 'integer', minimum: 0, description: 'first' }, b: { type: 'string', enum: ['x', 'y', 'z'] } },
    required: ['a'],
  },
  annotations: { readOnlyHint: i % 2 === 0, openWorldHint: false },
}));
const prompts = [
  { name: 'review', description: 'Review code', arguments: [{ name: 'path', required: true }, { name: 'style', required: false }] },
  { name: 'explain', description: 'Explain a concept' },
];
const resources = [
  { uri: 'mem://b', name: 'b', mimeType: 'text/plain' },
  { uri: 'mem://a', name: 'a', mimeType: 'text/plain', description: 'first' },
];
const resourceTemplates = [{ uriTemplate: 'mem://{id}', name: 'item' }];

function page(list, cursor) {
  const start = cursor ? Number(cursor) : 0;
  const size = pageSize > 0 ? pageSize : 1 + Math.floor(random() * 25);
  const items = list.slice(start, start + size);
  const next = start + size < list.length ? String(start + size) : undefined;
  return { items, next };
}

// Each listing is shuffled once per run, then paginated.
const lists = {
  'tools/list': ['tools', shuffle(tools)],
  'prompts/list': ['prompts', shuffle(prompts)],
  'resources/list': ['resources', shuffle(resources)],
  'resources/templates/list': ['resourceTemplates', shuffle(resourceTemplates)],
};

const send = (message) => process.stdout.write(`${JSON.stringify(scramble(message))}\n`);
createInterface({ input: process.stdin }).on('line', (line) => {
  const msg = JSON.parse(line);
  if (msg.id === undefined) return;
  if (msg.method === 'initialize') {
    send({
      jsonrpc: '2.0',
      id: msg.id,
      result: {
        protocolVersion: msg.params.protocolVersion,
        serverInfo: { name: 'shuffle-server', version: '1.0.0' },
        capabilities: { tools: { listChanged: false }, prompts: {}, resources: { subscribe: false } },
        instructions: process.argv.includes('--report-env')
          ? `env: ${Object.keys(process.env).sort().join(',')}; echo: ${process.env.MCP_ECHO ?? ''}`
          : 'Lists change order on every run.',
      },
    });
  } else if (lists[msg.method]) {
    const [field, list] = lists[msg.method];
    const { items, next } = page(list, msg.params?.cursor);
    send({ jsonrpc: '2.0', id: msg.id, result: { [field]: items, ...(next ? { nextCursor: next } : {}) } });
  } else {
    send({ jsonrpc: '2.0', id: msg.id, error: { code: -32601, message: 'Method not found' } });
  }
});
