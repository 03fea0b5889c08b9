#!/usr/bin/env node
// `npm run bench`: runs every scripts/bench/*.mjs section (in name order) and prints one table.
// Each section exports `run(ctx)` returning rows { name, wallMs, peakRssMb?, ratio?, target?, note? }.
// Baselines are measured in the same run, so ratios compare like with like on this machine.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createBenchContext, printTable } from './bench/lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv[2];
const ctx = await createBenchContext();
const rows = [];
for (const file of readdirSync(join(here, 'bench')).filter((f) => /^\d\d-.*\.mjs$/.test(f)).sort()) {
  if (only && !file.includes(only)) continue;
  const section = await import(pathToFileURL(join(here, 'bench', file)).href);
  process.stderr.write(`bench: ${file}\n`);
  rows.push(...(await section.run(ctx)));
}
printTable(rows);
ctx.cleanup();
