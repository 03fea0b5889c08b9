'use strict';
// dist/bin/load.js: how the shipped bin loads a program build (dist/bin/NAME/*.js, CommonJS
// files made by scripts/bundle.mjs) with V8's code cache. Compiling a command's code is most of
// what a short command pays after node's own start-up, and Node 20 has no compile cache for
// modules, so each file is compiled here as a vm.Script with the cache the build made for it
// (FILE.cache: the SHA-256 of the source it was made from, then V8's data).
// - A cache is used only when its hash is the file's: a file changed after the build, even to
//   another text of the same length, is compiled from its source (V8 itself only checks the
//   length). V8 rejects a cache made by another V8 version or with other flags; the file is then
//   compiled as usual. A cache never changes what runs, only how soon.
// - Caches are written only by the build (scripts/train-compile-cache.cjs calls record()), never
//   by a user's run: the bin writes nothing beside itself.
// - Under --debug, files are required by Node itself, so stack traces use their source maps.
// - `./NAME` requires resolve beside the requiring file (the build's chunks); anything else
//   (node: built-ins, packages left in node_modules) goes to Node's require from that file.
const { isAscii } = require('node:buffer');
const { createHash } = require('node:crypto');
const { closeSync, fstatSync, openSync, readFileSync, readSync, renameSync, writeFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const { dirname, join } = require('node:path');
const { Script } = require('node:vm');

const HASH_BYTES = 32;
// Each file is compiled as a function of CommonJS's five names, as Node's own loader does. The
// text is read straight between these two pieces, so the compiled source is one string made once
// (not a file string, then a joined copy), hashed as the file's bytes.
const HEAD = '(function (exports, require, module, __filename, __dirname) { ';
const TAIL = '\n});';
const modules = new Map();
/** Set by record(): every script compiled, for its cache to be written at exit. */
let recorded;

/** The file's bytes between HEAD and TAIL, in one buffer. */
function readWrapped(file) {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const buffer = Buffer.allocUnsafe(HEAD.length + size + TAIL.length);
    buffer.write(HEAD, 0, 'latin1');
    let end = HEAD.length;
    for (let n = -1; n !== 0 && end < HEAD.length + size; end += n) n = readSync(fd, buffer, end, HEAD.length + size - end, null);
    buffer.write(TAIL, end, 'latin1');
    return { wrapped: buffer.subarray(0, end + TAIL.length), body: buffer.subarray(HEAD.length, end) };
  } finally {
    closeSync(fd);
  }
}

function compile(file) {
  const { wrapped, body } = readWrapped(file);
  const hash = createHash('sha256').update(body).digest();
  // The build's files are mostly ASCII (read as Latin-1: the same string, made in one copy).
  const source = isAscii(wrapped) ? wrapped.toString('latin1') : wrapped.toString('utf8');
  let cachedData;
  if (!recorded) {
    try {
      const cache = readFileSync(`${file}.cache`);
      if (cache.length > HASH_BYTES && hash.equals(cache.subarray(0, HASH_BYTES))) cachedData = cache.subarray(HASH_BYTES);
    } catch {
      // No cache for this file (not used by the build's runs): compiled from source.
    }
  }
  const script = new Script(source, { filename: file, cachedData });
  if (recorded) recorded.push({ file, script, hash });
  return script;
}

function load(file) {
  const known = modules.get(file);
  if (known) return known.exports;
  const module = { exports: {}, filename: file, id: file };
  modules.set(file, module);
  const dir = dirname(file);
  const nodeRequire = createRequire(file);
  const require = Object.assign((id) => (id.startsWith('./') ? load(join(dir, id)) : nodeRequire(id)), {
    resolve: nodeRequire.resolve,
    cache: nodeRequire.cache,
    main: nodeRequire.main,
  });
  try {
    compile(file).runInThisContext().call(module.exports, module.exports, require, module, file, dir);
  } catch (error) {
    // As Node's require (and an ES module's import, which throws again): a file whose evaluation
    // threw is evaluated again when asked for again, never handed out half-made.
    modules.delete(file);
    throw error;
  }
  return module.exports;
}

/** The exports of a program build's entry file (dist/bin/NAME/program.js). */
exports.loadProgram = (file, debug) => (debug ? require(file) : load(file));

/** For the build only: compile without caches, and write every compiled file's cache at exit. */
exports.record = () => {
  recorded = [];
  process.on('exit', () => {
    // Written whole, then renamed over: a run that starts meanwhile reads the old cache or none.
    for (const { file, script, hash } of recorded) {
      writeFileSync(`${file}.cache.${process.pid}`, Buffer.concat([hash, script.createCachedData()]));
      renameSync(`${file}.cache.${process.pid}`, `${file}.cache`);
    }
  });
};
