// Fixture: a low-level tools/call handler that trusts its arguments.
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema } from '@modelcontextprotocol/sdk/types.js';

const server = new Server({ name: 'x', version: '1.0.0' }, { capabilities: { tools: {} } });
server.setRequestHandler(CallToolRequestSchema, async (request) => {
  const { path } = request.params.arguments;
  return { content: [{ type: 'text', text: String(path) }] };
});
