// `mcptrust --version`, answered before commander, the command table and the program bundle
// load (the one invocation where that start-up would be most of the run). It writes as every
// command writes (cmd/io.ts: a reader that went away is no error, a full non-blocking pipe
// waits, any other error is one line on stderr and exit 2). The bin reaches it through this
// module, not by importing ./io.js itself: the bundle sends the bin's own ./io.js to the
// program (scripts/bundle.mjs), whose copy every command shares.
import { VERSION } from '../src/version.js';
import { nodeIO } from './io.js';

export function printVersion(): void {
  nodeIO().stdout.write(`${VERSION}\n`);
}
