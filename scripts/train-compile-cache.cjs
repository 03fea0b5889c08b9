'use strict';
// Used by scripts/bundle.mjs only: `node scripts/train-compile-cache.cjs BIN ARGS…` runs the bin
// with ARGS as a user would, then writes the V8 code cache of every program file the run
// compiled beside it (dist/bin/load.js record()). The cache holds what that run compiled, so the
// build runs each command the way it is most often run (see TRAINING in bundle.mjs).
const { dirname, join } = require('node:path');

const bin = process.argv[2];
require(join(dirname(bin), 'load.js')).record();
// The bin reads its arguments from process.argv.slice(2).
process.argv.splice(2, 1);
require(bin);
