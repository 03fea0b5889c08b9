#!/usr/bin/env node
// The fixture server for `mcptrust diff`: a small documentation server on the MCP SDK (stdio,
// no network) whose surface drifts in exactly the ways named by `--with=a,b,...` (one switch per
// kind of change; `--with=all` applies all of them). The surface itself lives in
// drift-surface.mjs so tests can also build it in memory. Unknown switches exit with code 64.
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import {
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { driftSurface, SWITCHES } from './drift-surface.mjs';

const flag = process.argv.find((a) => a.startsWith('--with='));
const requested = flag ? flag.slice('--with='.length).split(',').filter(Boolean) : [];
let surface;
try {
  surface = driftSurface(requested.includes('all') ? SWITCHES : requested);
} catch (error) {
  process.stderr.write(`drift-server: ${error.message}\n`);
  process.exit(64);
}

const server = new Server(surface.serverInfo, { capabilities: surface.capabilities, instructions: surface.instructions });
server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: surface.tools }));
server.setRequestHandler(ListPromptsRequestSchema, async () => ({ prompts: surface.prompts }));
server.setRequestHandler(ListResourcesRequestSchema, async () => ({ resources: surface.resources }));
server.setRequestHandler(ListResourceTemplatesRequestSchema, async () => ({ resourceTemplates: surface.resourceTemplates }));
await server.connect(new StdioServerTransport());
