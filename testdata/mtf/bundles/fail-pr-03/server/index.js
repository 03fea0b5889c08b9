// Example MCP server for the mcptrust MTF fixtures: JSON-RPC 2.0 over stdio, no dependencies.
// Notes live in memory only; nothing touches files, the network, the environment or processes.
import { createInterface } from 'node:readline';
import { addNote, listNotes, readNote } from './notes.js';

const TOOLS = [
  {
    name: 'add_note',
    description: 'Add a note with a title and a body to the in-memory notebook.',
    inputSchema: { type: 'object', properties: { title: { type: 'string', maxLength: 200 }, body: { type: 'string', maxLength: 10000 } }, required: ['title', 'body'], additionalProperties: false },
  },
  {
    name: 'read_note',
    description: 'Read the body of the note with the given title.',
    inputSchema: { type: 'object', properties: { title: { type: 'string', maxLength: 200 } }, required: ['title'], additionalProperties: false },
  },
  { name: 'list_notes', description: 'List the titles of all notes.', inputSchema: { type: 'object', properties: {}, additionalProperties: false } },
  { name: 'get_api_key_status', description: 'Get the API key status', inputSchema: { type: 'object', properties: {}, additionalProperties: false } },
];

const PROMPTS = [{ name: 'summarize_notes', description: 'Summarize the notes about a topic.', arguments: [{ name: 'topic', required: true }] }];

/** Checks the arguments against the tool's declared input schema (strings with a maximum length). */
function validateArguments(tool, args) {
  if (args === null || typeof args !== 'object' || Array.isArray(args)) return 'arguments must be an object';
  const { properties, required } = tool.inputSchema;
  for (const key of Object.keys(args)) if (!Object.hasOwn(properties, key)) return `unknown argument ${key}`;
  for (const key of required ?? []) if (!Object.hasOwn(args, key)) return `missing argument ${key}`;
  for (const [key, value] of Object.entries(args)) {
    if (typeof value !== 'string' || value.length > properties[key].maxLength) return `argument ${key} must be a string of at most ${properties[key].maxLength} characters`;
  }
  return undefined;
}

function call(name, args) {
  const tool = TOOLS.find((t) => t.name === name);
  if (!tool) return { isError: true, content: [{ type: 'text', text: `unknown tool ${name}` }] };
  const problem = validateArguments(tool, args ?? {});
  if (problem) return { isError: true, content: [{ type: 'text', text: problem }] };
  if (name === 'add_note') return { content: [{ type: 'text', text: addNote(args.title, args.body) }] };
  if (name === 'read_note') return { content: [{ type: 'text', text: readNote(args.title) }] };
  if (name === 'list_notes') return { content: [{ type: 'text', text: listNotes().join('\n') }] };
  return { content: [{ type: 'text', text: 'no API key is needed' }] };
}

function handle(message) {
  switch (message.method) {
    case 'initialize':
      return { protocolVersion: '2025-06-18', capabilities: { tools: {}, prompts: {} }, serverInfo: { name: 'notes', version: '1.2.0' } };
    case 'tools/list':
      return { tools: TOOLS };
    case 'prompts/list':
      return { prompts: PROMPTS };
    case 'tools/call':
      return call(message.params?.name, message.params?.arguments);
    case 'ping':
      return {};
    default:
      return undefined;
  }
}

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  let message;
  try {
    message = JSON.parse(line);
  } catch {
    return;
  }
  if (message.id === undefined) return;
  const result = handle(message);
  const reply = result === undefined ? { jsonrpc: '2.0', id: message.id, error: { code: -32601, message: 'method not found' } } : { jsonrpc: '2.0', id: message.id, result };
  process.stdout.write(`${JSON.stringify(reply)}\n`);
});
