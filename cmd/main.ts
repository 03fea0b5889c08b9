#!/usr/bin/env node
// The bin. `mcptrust --version` answers before commander and the command table load (the one
// invocation where that start-up cost would be most of the run); everything else goes
// through the program.

// A reader that goes away (`mcptrust diff | head`) is not an error worth a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

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
    process.stdout.write(`${VERSION}\n`);
  } else {
    const [{ nodeIO }, { run }] = await Promise.all([import('./io.js'), import('./program.js')]);
    process.exitCode = await run(argv, nodeIO());
  }
}
void main();
