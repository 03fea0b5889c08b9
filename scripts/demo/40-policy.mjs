// Policy as code: the strict preset over the example server, passing, then failing once the
// server drifts; and `mcptrust check`, the one-command CI gate.
export async function run({ exampleServer, mcptrust, say }) {
  say('Policies are YAML files of CEL rules; the presets ship in policies/. What does "strict" check?');
  const explain = mcptrust(['policy', 'explain', '--preset', 'strict'], { quiet: true });
  console.log(explain.stdout.split('\n').slice(0, 12).join('\n'));
  console.log('…');

  say('Pin the example server in its own lockfile for this step');
  mcptrust(['lock', '-o', 'policy-lock.json', '--force', '--', ...exampleServer], { quiet: true });

  say('The approved server passes the strict policy');
  mcptrust(['policy', 'check', '--preset', 'strict', '--lock', 'policy-lock.json', '--', ...exampleServer]);

  say('The drifted release (exec_shell, a poisoned description, a metadata resource) is denied: exit 1');
  mcptrust(['policy', 'check', '--preset', 'strict', '--lock', 'policy-lock.json', '--', ...exampleServer, '--changed'], { expect: 1 });

  say('In CI, one command checks drift and policy together (add --key to verify the signature too)');
  mcptrust(['check', '--lock', 'policy-lock.json', '--preset', 'baseline', '--', ...exampleServer, '--changed'], { expect: 1 });
}
