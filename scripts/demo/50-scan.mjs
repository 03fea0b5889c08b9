// Score an MCP bundle against the mpak Trust Framework (MTF v0.1), offline, with the example
// bundle that ships in testdata/mtf (see its README), then the same description checks on live servers.
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export async function run({ dir, root, exampleServer, mcptrust, say }) {
  const mtf = join(root, 'testdata', 'mtf');
  for (const f of ['clean.mcpb', 'clean.mcpb.sig', 'clean.mcpb.intoto.jsonl']) copyFileSync(join(mtf, f), join(dir, f));
  const keys = ['--key', join(mtf, 'keys', 'publisher.pub'), '--key', join(mtf, 'keys', 'builder.pub')];
  const osv = ['--osv-db', join(mtf, 'osv')];

  say('Scan the example bundle: a signed .mcpb with SLSA provenance beside it (clean.mcpb.sig, clean.mcpb.intoto.jsonl)');
  mcptrust(['scan', 'clean.mcpb', ...keys, ...osv]);

  say('In CI: a gate at L2 that also writes the MTF report (it validates against the MTF report schema)');
  mcptrust(['scan', 'clean.mcpb', ...keys, ...osv, '--min-level', '2', '--format', 'json', '-o', 'report.json'], { quiet: true });
  const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
  console.log(JSON.stringify({ bundle: report.bundle, compliance: report.compliance, risk_score: report.risk_score }, null, 2));

  say('A poisoned bundle (hidden instructions, a Cyrillic і in read_fіle, a zero-width space) fails the gate');
  mcptrust(['scan', join(mtf, 'bundles', 'fail-cd-03'), ...osv, '--min-level', '2'], { expect: 1 });

  say('A zip-slip archive is refused before anything is written');
  mcptrust(['scan', join(mtf, 'hostile', 'zip-slip.mcpb')], { expect: 2 });

  say('The same description checks on live servers: every server of a lockfile (the drifted example server fails)');
  mcptrust(['lock', '-o', 'mtf-lock.json', '--', ...exampleServer, '--changed'], { quiet: true });
  mcptrust(['scan', '--lock', 'mtf-lock.json'], { expect: 1 });
}
