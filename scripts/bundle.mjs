// The shipped CLI, bundled by esbuild into dist/bin/ (package.json "bin"), so that start-up reads
// a few files instead of a hundred modules and their packages' files:
//   dist/bin/mcptrust.js        the bin (cmd/main.ts, one file): --version answers from it alone;
//                               otherwise it imports the program build for the command named
//   dist/bin/NAME/program.js    cmd/program.ts with only command NAME in it (the others left out,
//                               as createProgram registers only the named command anyway),
//                               split only where that command imports a library lazily
//   dist/bin/all/program.js     every command, for help, suggestions and unknown commands
// Within a build, esbuild makes every `import()` target a chunk and cuts the code shared by
// several targets into more chunks; one build for everything gave `verify` 24 files to load, its
// own build about ten. A process loads one program build, so no module is instantiated twice.
// Commands are read from cmd/program.ts's table: one added there gets its build with no change
// here. Source maps point at the TypeScript sources; the bin reads them only under --debug
// (cmd/main.ts).
//
// `npm run build` runs tsc first (it type-checks and still emits dist/cmd and dist/src, which
// tests and benchmarks import), then this script, then post-build.mjs.
import { build, transform } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Packages left in node_modules (with their sub-paths) and imported from there at run time: the
 * ESLint stack of the MTF code controls and the npm and sigstore clients of artifact pinning load
 * their own files (plugins, JSON, workers) and are large and rarely used. Everything else is
 * bundled; CommonJS code in the bundle gets a real `require` (createRequire, see the banner) for
 * the Node built-ins it asks for.
 */
const EXTERNAL = [
  'eslint',
  'eslint-plugin-security',
  '@typescript-eslint/*',
  'pacote',
  '@npmcli/*',
  'npm-registry-fetch',
  'npm-package-arg',
  'ssri',
  'sigstore',
  '@sigstore/*',
];

/**
 * A lazy `import()` of a small module of this project (a helper, an error class, a renderer)
 * saves nothing in a bundle and costs a file: each `import()` target is a split point, and with a
 * hundred of them esbuild cuts the shared code into a hundred small chunks, each a file that
 * Node must resolve, read, compile and link at start-up (about 0.5–1 ms each). So the bundle
 * keeps `import()` lazy only where it pays: the commands of cmd/program.ts's table, every
 * package, and every module whose static imports reach more than INLINE_MAX_BYTES of source.
 * The others become static imports of the module that asked (evaluated with it rather than on
 * first use; they are plain modules without start-up side effects). The sources are unchanged:
 * tsc's dist/ keeps every lazy import, and no module knows it is bundled.
 */
const INLINE_MAX_BYTES = 48 * 1024;

/** `importer → (specifier → resolved path)` of the lazy imports to make static. */
function inlinePlan(metafile) {
  const inputs = metafile.inputs;
  const closure = new Map();
  const reach = (path) => {
    let seen = closure.get(path);
    if (seen) return seen;
    seen = new Set([path]);
    closure.set(path, seen);
    for (const im of inputs[path]?.imports ?? []) {
      if (im.external || !(im.kind === 'import-statement' || im.kind === 'require-call')) continue;
      for (const p of reach(im.path)) seen.add(p);
    }
    return seen;
  };
  const project = (path) => /^(cmd|src)\//.test(path);
  const plan = new Map();
  for (const [importer, input] of Object.entries(inputs)) {
    // The bin's own imports stay lazy: --version answers, and --debug enables source maps,
    // before anything else loads.
    if (!project(importer) || importer === 'cmd/main.ts') continue;
    for (const im of input.imports) {
      if (im.kind !== 'dynamic-import' || im.external || !project(im.path) || im.path.startsWith('cmd/commands/')) continue;
      const reached = reach(im.path);
      const bytes = [...reached].reduce((sum, p) => sum + (inputs[p]?.bytes ?? 0), 0);
      // Never a new cycle: a module that (statically) leads back to its importer stays lazy; so
      // does one that statically imports a package left in node_modules (EXTERNAL: pacote,
      // arborist, sigstore), whose loading is what the lazy import defers.
      const external = [...reached].some((p) => (inputs[p]?.imports ?? []).some((i) => i.external && i.kind === 'import-statement' && !i.path.startsWith('node:')));
      if (bytes > INLINE_MAX_BYTES || reached.has(importer) || external) continue;
      if (!plan.has(importer)) plan.set(importer, new Map());
      plan.get(importer).set(im.original, im.path);
    }
  }
  return plan;
}

/** The esbuild plugin that rewrites the planned `import('x')` into a static `import * as`. */
function inlineLazyImports(plan, root) {
  return {
    name: 'inline-small-lazy-imports',
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, async (args) => {
        const importer = relative(root, args.path).split(sep).join('/');
        const specs = plan.get(importer);
        if (!specs) return undefined;
        // Types first gone (`import('x').T` is a type, not a load), the map back to the .ts kept
        // inline for esbuild to chain.
        const ts = await transform(readFileSync(args.path, 'utf8'), { loader: 'ts', sourcefile: args.path, sourcemap: 'inline', target: 'node20', format: 'esm' });
        let text = ts.code;
        const hoisted = [];
        for (const spec of specs.keys()) {
          const name = `__mcptrustInlined${hoisted.length}`;
          const pattern = new RegExp(`\\bimport\\(\\s*(['"])${spec.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\1\\s*\\)`, 'g');
          const replaced = text.replace(pattern, `Promise.resolve(${name})`);
          if (replaced === text) continue;
          text = replaced;
          hoisted.push(`import * as ${name} from ${JSON.stringify(spec)};`);
        }
        // Static imports are hoisted wherever they stand: at the end, no line or column moves.
        const map = text.lastIndexOf('//# sourceMappingURL=');
        return { contents: `${text.slice(0, map)}${hoisted.join('\n')}\n${text.slice(map)}`, loader: 'js', resolveDir: dirname(args.path) };
      });
    },
  };
}

/**
 * commander requires node:child_process when it loads, for executable subcommands
 * (`git-style` bins), which mcptrust has none of; loading it costs every command a few ms of
 * start-up (child_process, net, dgram). In the bundle it is required on first use instead. If
 * commander's line ever changes, the file is bundled as it is.
 */
function lazyCommanderChildProcess() {
  const line = "const childProcess = require('node:child_process');";
  return {
    name: 'lazy-commander-child-process',
    setup(b) {
      b.onLoad({ filter: /[/\\]node_modules[/\\]commander[/\\]lib[/\\]command\.js$/ }, (args) => {
        const text = readFileSync(args.path, 'utf8');
        if (!text.includes(line)) return undefined;
        return { contents: text.replace(line, "const childProcess = { spawn: (...args) => require('node:child_process').spawn(...args) };"), loader: 'js' };
      });
    },
  };
}

/** The command names of cmd/program.ts's table and the file each loads (`name → file`). */
function commandTable(root) {
  const program = readFileSync(join(root, 'cmd', 'program.ts'), 'utf8');
  const table = new Map();
  for (const m of program.matchAll(/^\s*'?([a-z][a-z0-9-]*)'?:\s*async\s*\(\)\s*=>\s*\(await import\('\.\/commands\/([a-z0-9-]+)\.js'\)\)/gm)) table.set(m[1], m[2]);
  return table;
}

/** Leaves out of a one-command build every command module but `keep` (they are never loaded). */
function onlyCommand(keep) {
  return {
    name: 'only-one-command',
    setup(b) {
      b.onResolve({ filter: /^\.\/commands\/[a-z0-9-]+\.js$/ }, (args) =>
        args.importer.endsWith(`${sep}cmd${sep}program.ts`) && args.path !== `./commands/${keep}.js` ? { path: args.path, namespace: 'left-out-command' } : undefined,
      );
      b.onLoad({ filter: /.*/, namespace: 'left-out-command' }, () => ({ contents: 'export {};', loader: 'js' }));
    },
  };
}

/**
 * The bin itself (cmd/main.ts) with its `import('./program.js')` and `import('./io.js')` sent to
 * the program build for the command on the command line (the one `createProgram` registers),
 * or to the whole program for help, a mistyped command or none.
 */
function dispatch(commands) {
  const source = `const { loadProgram } = require('./load.js');
const commands = new Set(${JSON.stringify([...commands])});
const argv = process.argv.slice(2);
const named = argv.find((a) => !a.startsWith('-'));
// Beside this file: not bundled here (a path computed at run time).
const program = loadProgram(\`\${__dirname}/\${commands.has(named) ? named : 'all'}/program.js\`, argv.includes('--debug'));
export const run = program.run;
export const nodeIO = program.nodeIO;
`;
  return {
    name: 'dispatch-to-command-build',
    setup(b) {
      b.onResolve({ filter: /^\.\/(program|io)\.js$/ }, (args) => (args.importer.endsWith(`${sep}cmd${sep}main.ts`) ? { path: 'dispatch', namespace: 'dispatch' } : undefined));
      b.onResolve({ filter: /^\.\/load\.js$/ }, (args) => (args.namespace === 'dispatch' ? { path: args.path, external: true } : undefined));
      b.onLoad({ filter: /.*/, namespace: 'dispatch' }, () => ({ contents: source, loader: 'js' }));
    },
  };
}

const ESM_BANNER = "import { createRequire as __mcptrustCreateRequire } from 'node:module';\nconst require = __mcptrustCreateRequire(import.meta.url);";
const IMPORT_META_URL = '__mcptrustImportMetaUrl';

/**
 * Rewrites a program build (esbuild splits only in ESM) as CommonJS files in place, so that
 * dist/bin/load.js can compile them with V8's code cache (Node 20 has none for ES modules).
 * Each file keeps its semantics: strict mode as in a module, `import.meta.url` its own file URL,
 * `import()` of a chunk or a package a `require` on first use as before; its source map is
 * chained through the rewrite to the TypeScript sources.
 */
async function toCommonJS(dir) {
  const files = readdirSync(dir).filter((f) => f.endsWith('.js'));
  await Promise.all(
    files.map(async (name) => {
      const file = join(dir, name);
      const map = readFileSync(`${file}.map`, 'utf8');
      const code = readFileSync(file, 'utf8').replace(ESM_BANNER, '').replace(/\/\/# sourceMappingURL=\S+\s*$/, '');
      const out = await transform(`${code}//# sourceMappingURL=data:application/json;base64,${Buffer.from(map).toString('base64')}\n`, {
        format: 'cjs',
        platform: 'node',
        target: 'node20',
        supported: { 'dynamic-import': false },
        define: { 'import.meta.url': IMPORT_META_URL },
        banner: `'use strict';var ${IMPORT_META_URL} = require('node:url').pathToFileURL(__filename).href;`,
        sourcemap: 'external',
        sourcefile: name,
        logLevel: 'error',
      });
      // A package (or built-in) is read as Node's import reads it: its `default` is its
      // module.exports even when it sets __esModule (@typescript-eslint/parser, sigstore), which
      // esbuild's transform, not knowing the file was a module, would read the Babel way
      // (`default` undefined). The build's own chunks (`./…`, ES modules made CommonJS here)
      // keep their own `default` (ora's).
      const cjs = out.code.replace(/__toESM\(require\(("(?!\.\/)[^"\\\n]+")\)\)/g, '__toESM(require($1), 1)');
      writeFileSync(file, `${cjs}//# sourceMappingURL=${name}.map\n`);
      writeFileSync(`${file}.map`, out.map);
    }),
  );
}

/**
 * The runs whose compiled code the build keeps as V8 code caches (scripts/bin-load.cjs): the
 * offline commands on a small signed lockfile, as a CI job or a hook runs them (policy with a
 * policy file and with a preset), and --help; in a checkout (where testdata/ is), also `lock`
 * and `check` (a policy file, then a preset) and `diff` of a small live server, and `scan` of a
 * small bundle. A command
 * not run here (or a file its run did not load) compiles from source as usual.
 */
const TRAINING = [
  ['keygen', '--name', 'train'],
  ['sign', '--key', 'train.key'],
  // A signature that does not match (exit 1) first: its run alone compiles the strict reference
  // verification (@noble/ed25519); the valid one after it rewrites the caches of the files both load.
  ['verify', '--key', 'train.pub', '--lock', 'other.json', '--sig', 'mcp-lock.json.sig'],
  ['verify', '--key', 'train.pub'],
  ['diff', '--against', 'other.json'],
  // A policy file (the strict preset's own rules, copied): its run alone compiles the YAML
  // parser; the preset's run after it rewrites the caches of the files both load.
  ['policy', 'check', '--policy', 'policy.yaml'],
  ['policy', 'check', '--preset', 'strict'],
  ['--help'],
];
const TRAINING_SERVER = join(root, 'testdata', 'servers', 'example-server.mjs');
const LIVE_TRAINING = [
  ['lock', '-o', 'live-lock.json', '--', process.execPath, TRAINING_SERVER],
  ['check', '--lock', 'live-lock.json', '--policy', 'policy.yaml', '--', process.execPath, TRAINING_SERVER],
  ['check', '--lock', 'live-lock.json', '--preset', 'baseline', '--', process.execPath, TRAINING_SERVER],
  ['diff', '--lock', 'live-lock.json', '--', process.execPath, TRAINING_SERVER],
  ['scan', join(root, 'testdata', 'mtf', 'clean.mcpb')],
];

/**
 * Runs TRAINING against the staged bin in a scratch folder. The lockfiles are made by tsc's
 * dist/src (built just before this script). A run that fails leaves its files without a cache
 * (slower, never different), and the build says so.
 */
async function trainCompileCache(bin) {
  const scratch = mkdtempSync(join(tmpdir(), 'mcptrust-train-'));
  try {
    const { writeSyntheticLock, syntheticTool } = await import('./bench/lib.mjs');
    await writeSyntheticLock(join(scratch, 'mcp-lock.json'), 3);
    await writeSyntheticLock(join(scratch, 'other.json'), 3, (i) => ({ ...syntheticTool(i), ...(i === 1 ? { description: 'Reworded.' } : {}) }));
    copyFileSync(join(root, 'policies', 'strict.yaml'), join(scratch, 'policy.yaml'));
    for (const argv of [...TRAINING, ...(existsSync(TRAINING_SERVER) ? LIVE_TRAINING : [])]) {
      const r = spawnSync(process.execPath, [join(root, 'scripts', 'train-compile-cache.cjs'), bin, ...argv], {
        cwd: scratch,
        env: { PATH: process.env.PATH, HOME: scratch, NO_COLOR: '1' },
        encoding: 'utf8',
        timeout: 60_000,
      });
      if (r.status === null || r.status > 1) console.warn(`bundle: no code cache from \`mcptrust ${argv.join(' ')}\` (exit ${r.status ?? r.signal}): ${r.stderr.trim().split('\n')[0]}`);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * Builds the bin named by package.json into its folder, replacing the previous build whole:
 * the bin (cmd/main.ts, CommonJS), then one program build per command of the table
 * (`NAME/program.js` and its chunks: that command only, the others left out) and one with every
 * command (`all/program.js`, for help), each rewritten as CommonJS (toCommonJS) and loaded by
 * dist/bin/load.js with the code caches of the TRAINING runs. Each build is split only at its
 * own lazy imports, so a command loads its own few files; a process only ever loads one program
 * build, so no module is instantiated twice.
 */
async function bundle() {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const bin = join(root, pkg.bin.mcptrust);
  const outdir = dirname(bin);
  // Built beside dist/bin/ and swapped in by two renames, so a bin that is running (a test,
  // another build) never finds a half-written or missing folder.
  const staging = `${outdir}.${process.pid}.new`;
  const retired = `${outdir}.${process.pid}.old`;
  rmSync(staging, { recursive: true, force: true });
  const common = {
    absWorkingDir: root,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: EXTERNAL.flatMap((name) => (name.endsWith('/*') ? [name] : [name, `${name}/*`])),
    sourcemap: 'linked',
    // The maps name the sources (cmd/…, src/…, relative to the map); their text is in the checkout.
    sourcesContent: false,
    legalComments: 'none',
    logLevel: 'warning',
    metafile: true,
    banner: { js: ESM_BANNER },
  };
  const commands = commandTable(root);
  // The bin: one CommonJS file (its own lazy imports are small and evaluated on demand in it);
  // dist/bin/package.json makes the folder's .js files CommonJS.
  await build({ ...common, format: 'cjs', banner: {}, entryPoints: { [basename(bin, '.js')]: 'cmd/main.ts' }, outdir: staging, splitting: false, plugins: [dispatch(commands.keys())] });
  writeFileSync(join(staging, 'package.json'), '{ "type": "commonjs" }\n');
  copyFileSync(join(root, 'scripts', 'bin-load.cjs'), join(staging, 'load.js'));
  const program = {
    ...common,
    stdin: { contents: "export { run } from './cmd/program.ts';\nexport { nodeIO } from './cmd/io.ts';\n", resolveDir: root, sourcefile: 'program-entry.js', loader: 'js' },
    splitting: true,
    entryNames: 'program',
    // Chunks beside program.js: code that finds the package's policies/ and schemas/ walks up
    // from its own file a few folders.
    chunkNames: '[name]-[hash]',
  };
  // Help registers every command and runs none: there the lazy imports stay lazy. Its import
  // graph (every command, nothing inlined) decides which lazy imports the command builds keep.
  const all = await build({ ...program, outdir: join(staging, 'all'), plugins: [lazyCommanderChildProcess()] });
  const plan = inlinePlan(all.metafile);
  // MCPTRUST_BUNDLE_META=FILE keeps esbuild's metafile of the whole program (which input went to
  // which chunk) for profiling.
  if (process.env.MCPTRUST_BUNDLE_META) writeFileSync(process.env.MCPTRUST_BUNDLE_META, JSON.stringify(all.metafile));
  await Promise.all(
    [...commands].map(([name, file]) => build({ ...program, outdir: join(staging, name), plugins: [onlyCommand(file), inlineLazyImports(plan, root), lazyCommanderChildProcess()] })),
  );
  await Promise.all(['all', ...commands.keys()].map((name) => toCommonJS(join(staging, name))));
  chmodSync(join(staging, basename(bin)), 0o755);
  try {
    renameSync(outdir, retired);
  } catch (error) {
    if (error.code !== 'ENOENT') throw error;
  }
  renameSync(staging, outdir);
  rmSync(retired, { recursive: true, force: true });
  // In place: V8 keeps the path a script was compiled under in its cache (stack frames name it).
  if (existsSync(join(root, 'dist', 'src', 'lockfile', 'build.js'))) await trainCompileCache(bin);
}

await bundle();
