#!/usr/bin/env node
// The bin. `mcptrust --version` answers before commander and the command table load (the one
// invocation where that start-up cost would be most of the run); everything else goes
// through the program.

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
    (await import('./print-version.js')).printVersion();
  } else {
    const [{ nodeIO }, { run }] = await Promise.all([import('./io.js'), import('./program.js')]);
    // A run that succeeded but whose output could not be written has set exit code 2 (cmd/io.ts).
    process.exitCode = (await run(argv, nodeIO())) || process.exitCode;
  }
}
void main();
