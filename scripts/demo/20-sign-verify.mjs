// Sign the lockfile with a throw-away key pair, verify it offline, then show one altered byte
// making verification fail.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export async function run({ dir, mcptrust, say }) {
  say('Make a throw-away Ed25519 key pair (the private key is written with mode 0600)');
  mcptrust(['keygen', '--out-dir', 'demo-keys', '--name', 'demo']);
  say('Approve the lockfile: sign it (a detached signature, mcp-lock.json.sig)');
  mcptrust(['sign', '--key', 'demo-keys/demo.key']);
  say('In CI: prove offline that the committed lockfile is exactly what the key holder approved');
  mcptrust(['verify', '--key', 'demo-keys/demo.pub']);

  const path = join(dir, 'mcp-lock.json');
  const original = readFileSync(path);
  const altered = Buffer.from(original);
  const at = altered.indexOf('"description": "') + '"description": "'.length;
  altered[at] = altered[at] === 0x58 ? 0x59 : 0x58; // one byte of the first description becomes "X"
  writeFileSync(path, altered);
  say(`Someone edits one byte of the lockfile (offset ${at}): verification fails with exit 1`);
  mcptrust(['verify', '--key', 'demo-keys/demo.pub'], { expect: 1 });
  writeFileSync(path, original);
  say('Restored, it verifies again');
  mcptrust(['verify', '--key', 'demo-keys/demo.pub']);
}
