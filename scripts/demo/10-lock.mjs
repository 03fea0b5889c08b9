// Lock the example server and show what was pinned.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export async function run({ dir, exampleServer, mcptrust, say }) {
  say('Pin everything the example server offers an agent into mcp-lock.json');
  mcptrust(['lock', '--', ...exampleServer]);
  const lock = JSON.parse(readFileSync(join(dir, 'mcp-lock.json'), 'utf8'));
  const server = Object.values(lock.servers)[0];
  say('A few lines of the lockfile: one entry per tool, with its sha256 digest and full definition');
  const tool = server.tools.read_note;
  console.log(JSON.stringify({ read_note: tool }, null, 2).split('\n').slice(0, 14).join('\n'));
  say('Locking the same surface again is byte-identical, so it is a no-op in git');
  mcptrust(['lock', '--', ...exampleServer]);
  say('The server drifts (a new exec_shell tool, a poisoned description): lock refuses to overwrite the approval');
  mcptrust(['lock', '--', ...exampleServer, '--changed'], { expect: 1 });
}
