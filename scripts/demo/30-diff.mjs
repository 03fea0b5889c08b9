// Diff: what changed in a drifted server, whether it breaks agents, and how dangerous it is.
export async function run({ exampleServer, mcptrust, say }) {
  say('Pin the example server (a no-op if the lockfile already matches it)');
  mcptrust(['lock', '--', ...exampleServer]);
  say('The server drifts (run with --changed). mcptrust diff says what changed, whether it breaks agents, and how dangerous it is');
  mcptrust(['diff', '--', ...exampleServer, '--changed'], { expect: 1 });
  say('Offline, lockfile against lockfile, as a pull-request comment (first lines)');
  mcptrust(['lock', '-o', 'candidate-lock.json', '--', ...exampleServer, '--changed'], { quiet: true });
  const md = mcptrust(['diff', '--against', 'candidate-lock.json', '--format', 'markdown'], { expect: 1, quiet: true });
  console.log(md.stdout.split('\n').slice(0, 14).join('\n'));
  say('In CI: fail only on changes of severity high or critical (a cosmetic rewording would pass)');
  mcptrust(['diff', '--against', 'candidate-lock.json', '--fail-on', 'security', '--format', 'json'], { expect: 1, quiet: true });
}
