// Every SC/CQ fixture bundle, scanned end to end: the report validates against
// report.schema.json, and the control the fixture is about has the expected status in it.
import { describe, expect, it } from 'vitest';
import { scan } from './scan-helpers.js';
import { join } from 'node:path';
import { repoRoot } from '../helpers/cli.js';
import { osvDb } from './sccq-helpers.js';

const scDir = (name: string) => `sc/${name}`;
const cqDir = (name: string) => `cq/${name}`;

const cases: [dir: string, control: string, status: string, runServer?: boolean][] = [
  [scDir('npm-clean'), 'SC-02', 'pass'],
  [scDir('npm-vulnerable'), 'SC-02', 'fail'],
  [scDir('npm-vex'), 'SC-02', 'pass'],
  [scDir('sbom-empty'), 'SC-01', 'fail'],
  [scDir('sbom-invalid'), 'SC-01', 'fail'],
  [scDir('no-lockfile'), 'SC-03', 'fail'],
  [scDir('requirements-unpinned'), 'SC-03', 'fail'],
  [scDir('lock-mismatch'), 'SC-04', 'fail'],
  [scDir('untrusted-sources'), 'SC-05', 'fail'],
  [scDir('poetry'), 'SC-02', 'fail'],
  [cqDir('secrets'), 'CQ-01', 'fail'],
  [cqDir('malicious'), 'CQ-02', 'fail'],
  [cqDir('static'), 'CQ-03', 'fail'],
  [cqDir('no-validation'), 'CQ-04', 'pass'],
  [cqDir('unsafe-exec'), 'CQ-05', 'fail'],
  [cqDir('safe-exec'), 'CQ-05', 'pass'],
  [cqDir('behaviour-undeclared'), 'CQ-06', 'fail', true],
];

describe('SC/CQ fixture reports', () => {
  it.each(cases)('%s: %s is %s in a schema-valid report', async (dir, id, status, runServer) => {
    const result = await scan(join(repoRoot, 'testdata', 'mtf', dir), { osvDb, ...(runServer ? { runServer } : {}) });
    const domain = id.startsWith('SC') ? 'supply_chain' : 'code_quality';
    expect(result.report.domains[domain]?.controls?.[id]?.status).toBe(status);
  });

  it('fills the report sbom block from SC-01', async () => {
    const result = await scan(join(repoRoot, 'testdata', 'mtf', 'sc', 'npm-clean'), { osvDb });
    expect(result.report.sbom).toEqual({ format: 'cyclonedx', component_count: 2 });
  });
});
