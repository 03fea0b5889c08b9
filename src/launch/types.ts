/**
 * What a stdio launch line starts, as far as can be told from the line alone (no file system,
 * no network): the launcher and the spec of what it fetches or runs. Each variant keeps the
 * index of the argument it was read from, so a caller can map it back to the line as written.
 */
export type Launch = NpmLaunch | PythonLaunch | ContainerLaunch | LocalLaunch | PathLaunch | UnknownLaunch;

/** `npx`, `npm exec`/`npm x`, `pnpm dlx`, `yarn dlx`, `bunx`/`bun x`: packages from an npm registry. */
export interface NpmLaunch {
  kind: 'npm';
  /** `npx`, `npm exec`, `pnpm dlx`, `yarn dlx`, `bunx`. */
  launcher: string;
  /** The package specs it installs: the `-p/--package` values, else the one positional spec. */
  packages: string[];
  /** Indexes into args of each spec in `packages` (-1 for the part of a `--package=` flag). */
  packageArgIndexes: number[];
  /** The bin it runs when given apart from the package (`-p pkg cmd`); else the package's bin. */
  command?: string;
  /** npm configuration given on the line itself (`--registry=URL`): it wins over env and .npmrc. */
  config: Record<string, string>;
}

/** `uvx`, `uv tool run`, `pipx run`: a package from a Python index. */
export interface PythonLaunch {
  kind: 'pypi';
  launcher: string;
  /** The requirement as written: `pkg`, `pkg==1.2`, `pkg@1.2`, `pkg[extra]>=1`, a URL. */
  spec: string;
  specArgIndex: number;
  /** The command it runs when given apart from the spec (`--from pkg cmd`, `--spec pkg cmd`). */
  command?: string;
  /** An index given on the line (`--index-url`, `--default-index`, `-i`): it wins over env. */
  indexUrl?: string;
}

/** `docker run` / `podman run`: an image. */
export interface ContainerLaunch {
  kind: 'oci';
  launcher: 'docker' | 'podman';
  image: string;
  imageArgIndex: number;
}

/** A script run by an interpreter (`node ./server.js`), or a file run directly (`./server`). */
export interface LocalLaunch {
  kind: 'local';
  /** `node`, `python3`, `deno`, `bun`, … (not digested: it differs per machine); absent for a file run directly. */
  interpreter?: string;
  /** The file as given (relative to the launch's cwd, or absolute). */
  file: string;
  /** Index into args of the file; -1 when the file is the command itself. */
  fileArgIndex: number;
  /**
   * Code the interpreter loads before the script, named by a path (`node -r ./pre.js`,
   * `--import /abs/hook.mjs`, `bun --preload ./p.ts`): pinned like the script. Absent when none.
   */
  preloads?: { file: string; argIndex: number }[];
  /**
   * Preloads named as a module (`-r dotenv/config`): they resolve from node_modules, which a
   * local pin does not digest. Recorded so a caller can say so; absent when none.
   */
  modulePreloads?: string[];
}

/** A bare command name (`mcp-server-git`): the file found on PATH is what runs. */
export interface PathLaunch {
  kind: 'path';
  command: string;
}

/** A launcher this build does not know, or a form of a known one it cannot pin (never guessed). */
export interface UnknownLaunch {
  kind: 'unknown';
  note: string;
}
