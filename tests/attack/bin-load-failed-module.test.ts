// dist/bin/load.js (scripts/bin-load.cjs) loads the program build's files itself. A file whose
// evaluation throws (a chunk whose package left in node_modules cannot load) must throw again
// when it is asked for again, as an ES module import and Node's require both do; the loader kept
// the half-evaluated module and returned its partial exports the second time, so a second
// server in one run met "Cannot read properties of undefined" instead of the real error.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loaderScratch, runNode } from '../helpers/bin-loader.js';
import { tempDir } from '../helpers/cli.js';

describe('the bin loader and a file whose evaluation throws', () => {
  let scratch: ReturnType<typeof tempDir>;
  beforeAll(() => {
    scratch = loaderScratch();
    writeFileSync(join(scratch.dir, 'chunk.js'), "'use strict';\nexports.half = () => 'half';\nthrow new Error('the package could not load');\n");
    writeFileSync(
      join(scratch.dir, 'program.js'),
      "'use strict';\nexports.twice = () => [0, 1].map(() => { try { return typeof require('./chunk.js').half; } catch (e) { return e.message; } }).join(' / ');\n",
    );
  });
  afterAll(() => scratch.cleanup());

  it('throws the same error each time it is required, never hands out partial exports', () => {
    const code = `process.stdout.write(require('./load.js').loadProgram(${JSON.stringify(join(scratch.dir, 'program.js'))}, false).twice())`;
    const r = runNode(code, scratch.dir);
    expect({ status: r.status, stdout: r.stdout }).toEqual({ status: 0, stdout: 'the package could not load / the package could not load' });
  });
});
