// Shared helpers for the benchmark sections: process timing with peak memory, medians, and
// the table printer. Peak memory comes from /usr/bin/time when present, else from the child's
// own report (process.resourceUsage in a wrapper).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The shipped bin (package.json "bin"), as a user runs it. */
export const cli = join(root, JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).bin.mcptrust);

/** Runs a command `runs` times; returns the median wall time and the largest peak RSS. */
export function measure(command, args, { runs = 5, cwd, env, input } = {}) {
  const times = [];
  let peakKb = 0;
  let last;
  const useTime = existsSync('/usr/bin/time');
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    const r = useTime
      ? spawnSync('/usr/bin/time', ['-f', '%M', command, ...args], { cwd, env, input, encoding: 'utf8', maxBuffer: 1 << 30 })
      : spawnSync(command, args, { cwd, env, input, encoding: 'utf8', maxBuffer: 1 << 30 });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    times.push(ms);
    if (useTime) {
      const lines = r.stderr.trim().split('\n');
      const kb = Number(lines[lines.length - 1]);
      if (Number.isFinite(kb)) peakKb = Math.max(peakKb, kb);
    }
    last = r;
  }
  times.sort((a, b) => a - b);
  return { wallMs: times[Math.floor(times.length / 2)], peakRssMb: peakKb ? peakKb / 1024 : undefined, status: last.status, stdout: last.stdout, stderr: last.stderr };
}

/**
 * Runs `node -e 0` and the command alternately `pairs` times (A B A B…), so that a machine busy
 * with other work slows both alike; returns both medians, their ratio and the command's last
 * result. A command whose exit code is not `status` is an error, not a timing.
 */
/** The middle value of `xs` (the upper middle of an even count). */
export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export function measurePaired(command, args, { pairs = 11, cwd, env, status = 0 } = {}) {
  const nodeTimes = [];
  const times = [];
  let peakRssMb;
  let last;
  for (let i = 0; i < pairs; i++) {
    nodeTimes.push(measure(process.execPath, ['-e', '0'], { runs: 1 }).wallMs);
    last = measure(command, args, { runs: 1, cwd, env });
    if (last.status !== status) throw new Error(`${args.join(' ')}: exit ${last.status}, expected ${status}: ${last.stderr}`);
    times.push(last.wallMs);
    if (last.peakRssMb !== undefined) peakRssMb = Math.max(peakRssMb ?? 0, last.peakRssMb);
  }
  const wallMs = median(times);
  const nodeMs = median(nodeTimes);
  return { wallMs, nodeMs, ratio: wallMs / nodeMs, peakRssMb, stdout: last.stdout, stderr: last.stderr };
}

/**
 * The floor of a row: a bare node script (`-e CODE`, FILE in its argv) doing only the least any
 * implementation must do, paired with `node -e 0` like the command. A target below its floor's
 * ratio cannot be met by any code running on this node.
 */
export const FLOORS = {
  /** Read the file and JSON.parse it: no duplicate-key, depth or field checks, no digests. */
  parse: "JSON.parse(require('fs').readFileSync(process.argv[1], 'utf8'))",
  /** Read the file and hash it once with SHA-512 (what one Ed25519 verification hashes). */
  verify: "require('crypto').createHash('sha512').update(require('fs').readFileSync(process.argv[1])).digest()",
  /** Read the file and sign it once with a fresh Ed25519 key: no validation at all. */
  sign: "const c = require('crypto'); c.sign(null, require('fs').readFileSync(process.argv[1]), c.generateKeyPairSync('ed25519').privateKey)",
  /**
   * The same, with one one-shot SHA-256 per item first (the file cut into 10,000 equal pieces):
   * what recomputing every item digest costs in hashing alone, with no parse and no validation.
   */
  /**
   * What sign does by design with no code of ours: read, the file's SHA-256 (the envelope's
   * lockfileDigest), one signature and its verification (sign checks what it made), and the least
   * validity check a native parser offers, JSON.parse. The ≤2× target is below this floor.
   */
  signAsDesigned:
    "const c = require('crypto'); const b = require('fs').readFileSync(process.argv[1]); JSON.parse(b.toString('utf8')); const k = c.generateKeyPairSync('ed25519'); c.hash('sha256', b, 'hex'); c.verify(null, b, k.publicKey, c.sign(null, b, k.privateKey))",
  /**
   * What every policy check pays before its first rule, with no code of the policy engine: read
   * the lockfile and run the strict reader on it (src/lockfile/parse.ts, built: duplicate keys,
   * depth, finite numbers, the allow-listed fields and types; no digests, as `policy check` judges
   * the definitions as written). The "read + JSON.parse" floor without the checks the issue keeps.
   */
  strictRead: `import(${JSON.stringify(pathToFileURL(join(root, 'dist', 'src', 'lockfile', 'parse.js')).href)}).then((m) => m.parseLockfile(require('fs').readFileSync(process.argv[1], 'utf8'), 'mcp-lock.json', { checkDigests: false }))`,
  signDigests:
    "const c = require('crypto'); const b = require('fs').readFileSync(process.argv[1]); const w = Math.floor(b.length / 10000); for (let i = 0; i < 10000; i++) c.hash('sha256', new Uint8Array(b.buffer, b.byteOffset + i * w, w), 'hex'); c.sign(null, b, c.generateKeyPairSync('ed25519').privateKey)",
};

/** A floor row (see FLOORS) over `file`, `pairs` alternations with `node -e 0`. */
export function floorRow(name, code, file, pairs = 7) {
  const r = measurePaired(process.execPath, ['-e', code, file], { pairs });
  return { name, wallMs: r.wallMs, peakRssMb: r.peakRssMb, ratio: r.wallMs / r.nodeMs, note: `floor: a bare node script; node -e 0 ${r.nodeMs.toFixed(0)} ms alternately` };
}

export async function createBenchContext() {
  const dir = mkdtempSync(join(tmpdir(), 'mcptrust-bench-'));
  const node = measure(process.execPath, ['-e', '0'], { runs: 9 });
  return {
    dir,
    root,
    cli,
    nodeBaselineMs: node.wallMs,
    nodeBaselinePeakMb: node.peakRssMb,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export function printTable(rows) {
  const header = ['benchmark', 'wall ms', 'peak MB', 'ratio', 'target', 'ok', 'note'];
  const body = rows.map((r) => [
    r.name,
    r.wallMs === undefined ? '' : r.wallMs.toFixed(1),
    r.peakRssMb === undefined ? '' : r.peakRssMb.toFixed(1),
    r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}×`,
    r.target ?? '',
    r.ok === undefined ? '' : r.ok ? 'yes' : 'NO',
    r.note ?? '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => String(row[i]).length)));
  const line = (cells) => cells.map((c, i) => String(c).padEnd(widths[i])).join('  ').trimEnd();
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of body) console.log(line(row));
}

/** A plain synthetic tool, the same in every benchmark that builds a lockfile. */
export function syntheticTool(i) {
  const name = `tool_${String(i).padStart(5, '0')}`;
  return {
    name,
    title: `Tool ${i}`,
    description: `Synthetic tool number ${i}: reads a record by id and returns it as JSON, with paging options.`,
    inputSchema: {
      type: 'object',
      properties: { id: { type: 'string', description: 'record id' }, limit: { type: 'integer', minimum: 1, maximum: 100 } },
      required: ['id'],
    },
    annotations: { readOnlyHint: i % 2 === 0 },
  };
}

/**
 * Writes a one-server lockfile of `count` tools made by `makeTool(i)` with the built lockfile
 * writer (dist/), and returns its size in bytes.
 */
export async function writeSyntheticLock(path, count, makeTool = syntheticTool, name = 'bench') {
  const { createLockfile, serializeLockfile } = await import(pathToFileURL(join(root, 'dist', 'src', 'lockfile', 'build.js')).href);
  const tools = Object.create(null);
  for (let i = 0; i < count; i++) {
    const tool = makeTool(i);
    tools[tool.name] = tool;
  }
  const lock = createLockfile([
    {
      name,
      transport: { type: 'stdio', command: 'node', args: ['server.mjs'], env: [] },
      surface: {
        identity: { serverInfo: { name, version: '1.0.0' }, protocolVersion: '2025-11-25', capabilities: { tools: {} } },
        tools,
        prompts: Object.create(null),
        resources: Object.create(null),
        resourceTemplates: Object.create(null),
      },
    },
  ]);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, serializeLockfile(lock));
  return statSync(path).size;
}

/**
 * The files of the project's production dependency tree (every package-lock entry without
 * "dev"), sorted, nested node_modules not walked twice: the real-world input of the scan benches.
 */
export function productionDependencyFiles(maxFileBytes = Number.POSITIVE_INFINITY) {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
  const files = [];
  for (const [path, meta] of Object.entries(lock.packages)) {
    if (path === '' || meta.dev || meta.link || !existsSync(join(root, path))) continue;
    const walk = (rel) => {
      for (const name of readdirSync(join(root, rel)).sort()) {
        const r = `${rel}/${name}`;
        const st = statSync(join(root, r), { throwIfNoEntry: false });
        if (!st) continue;
        if (st.isDirectory()) {
          if (name !== 'node_modules') walk(r);
        } else if (st.isFile() && st.size <= maxFileBytes) files.push({ path: r, bytes: readFileSync(join(root, r)) });
      }
    };
    walk(path);
  }
  return files;
}
