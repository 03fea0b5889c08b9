// mcptrust sign and verify on a 10,000-tool lockfile, as processes, against bare node start-up.
// Targets: verify within 1.5× of `node -e 0` (verify checks bytes: it never parses the lockfile
// and loads neither the canonicalizer nor the MCP SDK); sign within 2× (one strict read of the
// lockfile on its bytes, every item digest recomputed, then the bytes signed and checked natively,
// the signed header written in room before them so they are never copied). Each
// command alternates with `node -e 0` (A B A B…), so a busy machine slows both alike; the ratio
// is of the medians of the pairs.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { FLOORS, floorRow, measurePaired, writeSyntheticLock } from './lib.mjs';

const TOOLS = 10_000;

export async function run(ctx) {
  const dir = join(ctx.dir, 'sign-verify');
  const lockPath = join(dir, 'mcp-lock.json');
  const size = await writeSyntheticLock(lockPath, TOOLS);
  const keygen = spawnSync(process.execPath, [ctx.cli, 'keygen', '--out-dir', dir, '--name', 'bench'], { encoding: 'utf8' });
  if (keygen.status !== 0) throw new Error(`keygen failed: ${keygen.stderr}`);

  /** `runs` alternations of `node -e 0` and the command: medians of each. */
  const paired = (args, runs) => measurePaired(process.execPath, [ctx.cli, ...args], { pairs: runs, cwd: dir });
  const sign = paired(['sign', '--key', 'bench.key'], 7);
  const verify = paired(['verify', '--key', 'bench.pub'], 9);
  // The same with a 3-tool lockfile: start-up, the key check and one signature check.
  await writeSyntheticLock(join(dir, 'small.json'), 3);
  const signSmall = spawnSync(process.execPath, [ctx.cli, 'sign', '--key', 'bench.key', '--lock', 'small.json'], { cwd: dir, encoding: 'utf8' });
  if (signSmall.status !== 0) throw new Error(`sign failed: ${signSmall.stderr}`);
  const verifySmall = paired(['verify', '--key', 'bench.pub', '--lock', 'small.json'], 15);
  const mb = (size / (1024 * 1024)).toFixed(1);
  const floors = [
    floorRow(`floor of sign: read + one Ed25519 signature, ${TOOLS} tools`, FLOORS.sign, lockPath),
    floorRow(`floor of sign with its digests: + ${TOOLS} SHA-256 of pieces`, FLOORS.signDigests, lockPath),
    floorRow(`floor of sign as designed: read, JSON.parse, SHA-256, sign + verify`, FLOORS.signAsDesigned, lockPath),
    floorRow(`floor of verify: read + one SHA-512, ${TOOLS} tools`, FLOORS.verify, lockPath)];
  return [
    {
      name: `sign ${TOOLS} tools (${mb} MiB)`,
      wallMs: sign.wallMs,
      peakRssMb: sign.peakRssMb,
      ratio: sign.wallMs / sign.nodeMs,
      target: '≤2× node',
      ok: sign.wallMs / sign.nodeMs <= 2,
      note: `node -e 0 ${sign.nodeMs.toFixed(0)} ms alternately; the lockfile checked on its bytes, every digest recomputed, then signed`,
    },
    {
      name: `verify ${TOOLS} tools (${mb} MiB)`,
      wallMs: verify.wallMs,
      peakRssMb: verify.peakRssMb,
      ratio: verify.wallMs / verify.nodeMs,
      target: '≤1.5× node',
      ok: verify.wallMs / verify.nodeMs <= 1.5,
      note: `node -e 0 ${verify.nodeMs.toFixed(0)} ms alternately`,
    },
    {
      name: 'verify 3 tools',
      wallMs: verifySmall.wallMs,
      peakRssMb: verifySmall.peakRssMb,
      ratio: verifySmall.wallMs / verifySmall.nodeMs,
      target: '≤1.3× node',
      ok: verifySmall.wallMs / verifySmall.nodeMs <= 1.3,
      note: `node -e 0 ${verifySmall.nodeMs.toFixed(0)} ms alternately; key check + one native signature check`,
    },
    ...floors,
  ];
}
