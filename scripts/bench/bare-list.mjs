// Baseline for the lock benchmark: the same listing done by a bare MCP SDK client, with no
// validation, canonicalization, digests or file writing beyond what the SDK itself does.
// Usage: node bare-list.mjs SERVER_SCRIPT ARGS...
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const [script, ...args] = process.argv.slice(2);
const client = new Client({ name: 'bare', version: '1' });
await client.connect(new StdioClientTransport({ command: process.execPath, args: [script, ...args], stderr: 'ignore' }));
const all = async (method, field) => {
  const items = [];
  let cursor;
  do {
    const page = await client[method](cursor ? { cursor } : {});
    items.push(...page[field]);
    cursor = page.nextCursor;
  } while (cursor);
  return items;
};
const tools = await all('listTools', 'tools');
const prompts = await all('listPrompts', 'prompts');
const resources = await all('listResources', 'resources');
const templates = await all('listResourceTemplates', 'resourceTemplates');
await client.close();
console.log(tools.length, prompts.length, resources.length, templates.length);
