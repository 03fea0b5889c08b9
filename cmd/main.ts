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
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  const { VERSION } = await import('../src/version.js');
  process.stdout.write(`${VERSION}\n`);
} else {
  const [{ nodeIO }, { run }] = await Promise.all([import('./io.js'), import('./program.js')]);
  process.exitCode = await run(argv, nodeIO());
}
