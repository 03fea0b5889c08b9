// Pattern-control throughput (CQ-01 secrets, CQ-02 malicious code, CQ-05 unsafe execution) on
// the text of the project's own production dependency tree, in-process on one core.
// Target: at least 50 MB/s of text for each control and for the three together.
// A second, informational row treats every file as the server's own code (every rule active),
// the worst case for a bundle that vendors its dependencies outside node_modules.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { productionDependencyFiles } from './lib.mjs';

export async function run(ctx) {
  const load = (p) => import(pathToFileURL(join(ctx.root, 'dist', p)).href);
  const { classifyFiles } = await load('src/mtf/code/files.js');
  const { scanFiles } = await load('src/mtf/code/patterns.js');
  const sets = [
    ['CQ-01', (await load('src/mtf/controls/cq-01.js')).SECRET_RULE_SET],
    ['CQ-02', (await load('src/mtf/controls/cq-02.js')).MALICIOUS_RULE_SET],
    ['CQ-05', (await load('src/mtf/controls/cq-05.js')).UNSAFE_EXEC_RULE_SET],
  ];
  const files = productionDependencyFiles(8 * 1024 * 1024).map(({ path, bytes }) => ({
    path,
    size: bytes.length,
    text: bytes.includes(0) ? undefined : bytes.toString('utf8'),
  }));
  const textBytes = files.reduce((n, f) => n + (f.text === undefined ? 0 : Buffer.byteLength(f.text)), 0);
  const mb = textBytes / 1e6;
  const rows = [];
  for (const mode of ['bundle', 'all-own-code']) {
    // Fresh file objects per run: the shared pre-filter's candidate lines are cached per file,
    // so each run pays for the one pass over the text, as a real scan does.
    const classify = () => (mode === 'bundle' ? classifyFiles(files) : classifyFiles(files).map((f) => ({ ...f, dependency: false, test: false })));
    for (const [, set] of sets) scanFiles(set, classify()); // warm-up (compiles the pre-filters)
    const runs = [];
    for (let i = 0; i < 3; i++) {
      const classified = classify();
      const per = [];
      for (const [id, set] of sets) {
        const t0 = performance.now();
        const hits = scanFiles(set, classified, { perRulePerFile: 5, total: 1e9 }).hits.length;
        per.push({ id, ms: performance.now() - t0, hits });
      }
      runs.push({ total: per.reduce((n, p) => n + p.ms, 0), per });
    }
    const { total, per } = runs.sort((a, b) => a.total - b.total)[1];
    const rate = mb / (total / 1000);
    const informational = mode !== 'bundle';
    rows.push({
      name: `patterns CQ-01+02+05 (${mode})`,
      wallMs: total,
      target: informational ? '' : '≥ 50 MB/s',
      ...(informational ? {} : { ok: rate >= 50 }),
      note: `${rate.toFixed(0)} MB/s over ${mb.toFixed(1)} MB text, ${files.length} files; ${per.map((p) => `${p.id} ${p.ms.toFixed(0)} ms, ${p.hits} hits`).join('; ')}`,
    });
  }
  return rows;
}
