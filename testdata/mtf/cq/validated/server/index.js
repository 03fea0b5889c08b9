// Fixture: tools declared with zod schemas, validated by the SDK.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';

const server = new McpServer({ name: 'x', version: '1.0.0' });
server.registerTool('echo', { description: 'Echo the text back.', inputSchema: { text: z.string().max(1000) } }, async ({ text }) => ({
  content: [{ type: 'text', text }],
}));
server.tool('add', 'Add two numbers.', { a: z.number(), b: z.number() }, async ({ a, b }) => ({ content: [{ type: 'text', text: String(a + b) }] }));
server.tool('ping', async () => ({ content: [{ type: 'text', text: 'pong' }] }));
