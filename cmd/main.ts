#!/usr/bin/env node
// The bin. `mcptrust --version` answers before commander and the command table load (the one
// invocation where that start-up cost would be most of the run); everything else goes
// through the program.

import { writeSync } from 'node:fs';

// process.stdout and process.stderr are created on first use (cmd/io.ts processStream, which
// also guards them against EPIPE): most commands write through nodeIO without them.

const argv = process.argv.slice(2);
// The shipped bin is a bundle (scripts/bundle.mjs) with source maps beside it. Stack traces are
// only printed under --debug, so only then are the maps read (reading them costs every other run
// start-up time); the modules imported below are loaded after this line, so their frames name
// the TypeScript sources. Without a map (tsc's dist/cmd/main.js) nothing changes.
if (argv.includes('--debug')) process.setSourceMapsEnabled(true);
// No top-level await: the bundle of the bin is a CommonJS script (scripts/bundle.mjs).
async function main(): Promise<void> {
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
    const { VERSION } = await import('../src/version.js');
    try {
      writeSync(1, `${VERSION}\n`);
    } catch (error) {
      // A reader that went away is no error; a full non-blocking pipe gets Node's stream.
      if ((error as NodeJS.ErrnoException).code !== 'EPIPE') process.stdout.write(`${VERSION}\n`);
    }
  } else {
    const [{ nodeIO }, { run }] = await Promise.all([import('./io.js'), import('./program.js')]);
    process.exitCode = await run(argv, nodeIO());
  }
}
void main();
