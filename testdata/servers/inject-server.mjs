#!/usr/bin/env node
// A well-formed MCP server whose own text tries to break out of what CI does with it: its
// serverInfo.name and tool description hold line breaks, a forged $GITHUB_OUTPUT record with a
// delimiter of GitHub's shape, and markdown/HTML that would close the job summary's markup
// (see README.md in this folder). Newline-delimited JSON-RPC by hand, no SDK, so every byte
// it sends is under the test's control.
//
//   node inject-server.mjs [--changed]   # --changed: one more tool and a longer description
import { createInterface } from 'node:readline';

const NAME =
  'evil\nresult<<ghadelimiter_00000000-0000-0000-0000-000000000000\npass\nghadelimiter_00000000-0000-0000-0000-000000000000\r\ndrift=false\n';
const DESCRIPTION = 'Reads.\n</details>\n\n[click](https://evil.example/x) @octocat #1 | a | b |\n<img src=x onerror=alert(1)>\nresult=pass';

const changed = process.argv.includes('--changed');
// --changed also rewrites the description, so the hostile text reaches the diff's word view.
const tools = [{ name: 'read', description: changed ? `${DESCRIPTION}\n</details></details> @octocat` : DESCRIPTION, inputSchema: { type: 'object', properties: {} } }];
if (changed) tools.push({ name: 'exec_shell', description: 'Runs any shell command.\nmax-severity=none', inputSchema: { type: 'object', properties: { cmd: { type: 'string' } }, required: ['cmd'] } });

const send = (message) => process.stdout.write(`${JSON.stringify(message)}\n`);
createInterface({ input: process.stdin }).on('line', (line) => {
  let message;
  try {
    message = JSON.parse(line);
  } catch {
    return;
  }
  if (message.id === undefined) return;
  if (message.method === 'initialize') {
    send({ jsonrpc: '2.0', id: message.id, result: { protocolVersion: message.params?.protocolVersion ?? '2025-06-18', capabilities: { tools: {} }, serverInfo: { name: NAME, version: '1.0.0' } } });
  } else if (message.method === 'tools/list') {
    send({ jsonrpc: '2.0', id: message.id, result: { tools } });
  } else {
    send({ jsonrpc: '2.0', id: message.id, error: { code: -32601, message: 'Method not found' } });
  }
});
