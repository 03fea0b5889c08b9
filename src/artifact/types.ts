/**
 * What a lock records about the code a server runs (its artifact), next to what the server
 * offers (its surface). Plain JSON data: it is written into the lockfile under each server's
 * `artifact` field, read back by the strict lockfile reader, compared by the diff engine and
 * exposed to policies as `input.artifact` / `servers[].artifact`.
 *
 * Nothing here may hold a secret or a machine-specific value: no registry URL (it can carry a
 * token, and differs between machines), no absolute path outside the lockfile's folder, no
 * expanded `${VAR}` value. Two machines locking the same launch write the same artifact.
 */

/** How the artifact was identified. `unpinned`: a launcher this build does not know (never guessed). */
export type ArtifactType = 'npm' | 'pypi' | 'oci' | 'local' | 'unpinned';

/** One package of a resolved npm dependency tree, as the launch installs it. */
export interface PackagePin {
  /** Where it sits in the installed tree: `node_modules/a`, `node_modules/a/node_modules/b`. */
  path: string;
  name: string;
  version: string;
  /** The registry's Subresource Integrity string of the tarball (`sha512-…`). */
  integrity: string;
}

/** One distribution file of a Python package (wheel or sdist) as the index lists it. */
export interface DistributionPin {
  filename: string;
  /** Hex sha256 from the index's JSON API. */
  sha256: string;
}

/** One local file a launch reads: the command itself or a script given as an argument. */
export interface FilePin {
  /** As recorded: relative to the lockfile's folder (`./server.js`) when inside it, else as written. */
  path: string;
  /** `sha256-<base64>` of the file's bytes (the resolved file, for a symlink or a PATH lookup). */
  integrity: string;
}

/**
 * What was checked about how a package was built (npm registry attestations, Sigstore + SLSA).
 * `verified` is true only when the bundle verified offline against the trust root and its subject
 * is this exact tarball; anything else is recorded with `verified: false` and a reason.
 */
export interface ProvenanceRecord {
  verified: boolean;
  /** Why it is not verified (absent when verified). */
  reason?: string;
  /** e.g. `https://github.com/owner/repo` (from the SLSA provenance). */
  sourceRepository?: string;
  sourceCommit?: string;
  /** The build workflow path, e.g. `.github/workflows/release.yml`. */
  workflow?: string;
  /** The builder id of the SLSA provenance. */
  builder?: string;
}

/**
 * The artifact pin of one server. Field names follow MCPTrust's policy input (`type`, `name`,
 * `version`, `integrity`, `provenance.verified`) so its artifact rules evaluate unchanged.
 */
export interface ArtifactPin {
  type: ArtifactType;
  /** What the launch asked for, as written: `@scope/pkg`, `@scope/pkg@^1`, `pkg==1.2`, `image:tag`. */
  spec?: string;
  /** The resolved package or image name. */
  name?: string;
  /** The resolved version (npm, pypi), or the tag for an image. */
  version?: string;
  /** npm: SRI of the top tarball; oci: `sha256:…` image digest; local: `sha256-…` of the file. */
  integrity?: string;
  /** npm: every package the launch installs, the top one included, sorted by `path`. */
  dependencies?: PackagePin[];
  /** pypi: the release's distribution files, sorted by filename. */
  distributions?: DistributionPin[];
  /** Local files the launch runs (command or script arguments), sorted by path. */
  files?: FilePin[];
  /**
   * local: the preloads the line names as modules (`node -r dotenv/config`, `--import=tsx`), as
   * written, sorted, each once. Their code resolves from node_modules and is not digested; they
   * are recorded so that `run` refuses a line that loads another one, and a diff names it.
   */
  modules?: string[];
  provenance?: ProvenanceRecord;
  /** Why nothing is pinned (type `unpinned`), in one line. */
  note?: string;
}
