// The shipped CLI: cmd/main.ts bundled by esbuild into dist/bin/ (package.json "bin"), so that
// start-up reads a few files instead of hundreds of modules. Code splitting keeps every lazy
// `import()` lazy: each command of cmd/program.ts's table (and each lazily imported library)
// becomes its own chunk, and code that several of them use sits in shared chunks, so
// `mcptrust verify` loads the verify chunk and what it shares, nothing else. A command added to
// the table is picked up with no change here. Source maps point at the TypeScript sources; the
// bin reads them only under --debug (cmd/main.ts).
//
// `npm run build` runs tsc first (it type-checks and still emits dist/cmd and dist/src, which
// tests and benchmarks import), then this script, then post-build.mjs.
import { build } from 'esbuild';
import { chmodSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Packages left in node_modules (with their sub-paths) and imported from there at run time: the
 * ESLint stack of the MTF code controls and the npm and sigstore clients of artifact pinning load
 * their own files (plugins, JSON, workers) and are large and rarely used. Everything else is
 * bundled; CommonJS code in the bundle gets a real `require` (createRequire, see the banner) for
 * the Node built-ins it asks for.
 */
export const EXTERNAL = [
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

/** Builds the bin named by package.json into its folder, replacing the previous build whole. */
export async function bundle() {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const bin = join(root, pkg.bin.mcptrust);
  const outdir = dirname(bin);
  // Built beside dist/bin/ and swapped in by two renames, so a bin that is running (a test,
  // another build) never finds a half-written or missing folder.
  const staging = `${outdir}.${process.pid}.new`;
  const retired = `${outdir}.${process.pid}.old`;
  rmSync(staging, { recursive: true, force: true });
  const result = await build({
    absWorkingDir: root,
    entryPoints: { [basename(bin, '.js')]: 'cmd/main.ts' },
    outdir: staging,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    chunkNames: 'chunks/[name]-[hash]',
    external: EXTERNAL.flatMap((name) => (name.endsWith('/*') ? [name] : [name, `${name}/*`])),
    sourcemap: 'linked',
    // The maps name the sources (cmd/…, src/…, relative to the map); their text is in the checkout.
    sourcesContent: false,
    legalComments: 'none',
    logLevel: 'warning',
    metafile: true,
    banner: { js: "import { createRequire as __mcptrustCreateRequire } from 'node:module';\nconst require = __mcptrustCreateRequire(import.meta.url);" },
  });
  // MCPTRUST_BUNDLE_META=FILE keeps esbuild's metafile (which input went to which chunk) for profiling.
  if (process.env.MCPTRUST_BUNDLE_META) writeFileSync(process.env.MCPTRUST_BUNDLE_META, JSON.stringify(result.metafile));
  chmodSync(join(staging, basename(bin)), 0o755);
  try {
    renameSync(outdir, retired);
  } catch (error) {
    if (error.code !== 'ENOENT') throw error;
  }
  renameSync(staging, outdir);
  rmSync(retired, { recursive: true, force: true });
}

// Imported (tests read EXTERNAL) it builds nothing; run as a script it builds.
if (process.argv[1] === fileURLToPath(import.meta.url)) await bundle();
