#!/usr/bin/env node
// A raw JSON-RPC stdio server (newline-delimited, no SDK) whose answer to `initialize` is a list
// of lines written verbatim, so a test controls every byte of every message the agent reads
// around the initialize result: several responses with the initialize id (as a number or as a
// string), numbers like 1e400 or -0, members named __proto__, batches, requests with `result`.
//
// `--script=FILE`: { init: string[], tools?: object[] }. Each line of `init` is written as is,
//   after `$ID` is replaced by the JSON of the initialize request's id and `$SID` by the JSON
//   of that id as a string ("0"); the lines are written in one write, in order. `tools` answers
//   tools/list (default: one tool `t`). prompts/resources lists are empty.
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

const hit = process.argv.find((a) => a.startsWith('--script='));
const script = hit === undefined ? { init: [] } : JSON.parse(readFileSync(hit.slice('--script='.length), 'utf8'));
const send = (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);

createInterface({ input: process.stdin }).on('line', (line) => {
  let msg;
  try {
    msg = JSON.parse(line);
  } catch {
    return;
  }
  if (msg.id === undefined || typeof msg.method !== 'string') return;
  const reply = (result) => send(JSON.stringify({ jsonrpc: '2.0', id: msg.id, result }));
  switch (msg.method) {
    case 'initialize':
      return send(script.init.map((l) => l.replaceAll('$SID', JSON.stringify(String(msg.id))).replaceAll('$ID', JSON.stringify(msg.id))).join('\n'));
    case 'ping':
      return reply({});
    case 'tools/list':
      return reply({ tools: script.tools ?? [{ name: 't', inputSchema: { type: 'object' } }] });
    case 'prompts/list':
      return reply({ prompts: [] });
    case 'resources/list':
      return reply({ resources: [] });
    case 'resources/templates/list':
      return reply({ resourceTemplates: [] });
    default:
      return send(JSON.stringify({ jsonrpc: '2.0', id: msg.id, error: { code: -32601, message: 'method not found' } }));
  }
});
