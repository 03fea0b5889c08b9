/**
 * Pinning a stdio launch: which exact bytes it runs. The launch line is classified (src/launch/)
 * and handed to the resolver of its kind; what is recorded comes from the line as the config
 * wrote it (never an expanded `${VAR}` value), what is resolved from the line as started.
 * Each resolver is imported when its kind is hit: the npm one brings pacote, arborist and (for
 * provenance) sigstore, seconds of start-up that `lock -- node server.js` must not pay.
 */
import { parseLaunch, type Launch } from '../launch/index.js';
import type { ArtifactPin } from './types.js';

export { ArtifactError, type ArtifactErrorCode } from './errors.js';
export type { ArtifactPin } from './types.js';

export interface LaunchInput {
  /** Command and args as started (`${VAR}` expanded). */
  command: string;
  args: string[];
  /** Command and args as the config wrote them: what is recorded. */
  written?: { command: string; args: string[] };
}

export interface PinOptions {
  /** Where the server is started (relative script paths resolve from here). */
  cwd: string;
  /** The lockfile's folder: local files inside it are recorded relative to it. */
  lockDir: string;
  /** The server's declared env over the user's environment: npm_config_*, .npmrc's HOME, index URLs. */
  env: Record<string, string | undefined>;
  signal?: AbortSignal;
  expectedSource?: RegExp;
}

/** Pins a stdio launch. An unknown launcher is `{ type: 'unpinned', note }`, never guessed. */
export async function pinLaunch(launch: LaunchInput, options: PinOptions): Promise<ArtifactPin> {
  const started = parseLaunch(launch.command, launch.args);
  const written = launch.written ? parseLaunch(launch.written.command, launch.written.args) : started;
  // The written line is what is recorded; when it reads differently from the started one
  // (a `${VAR}` that expanded to several words, say), nothing of it can be matched up safely.
  const same = written.kind === started.kind;
  switch (started.kind) {
    case 'npm': {
      const writtenSpecs = same && written.kind === 'npm' && written.packages.length === started.packages.length ? written.packages : undefined;
      if (!writtenSpecs && launch.written) return unmatched(started);
      const { pinNpm } = await import('./npm.js');
      return pinNpm(started, { cwd: options.cwd, env: options.env, signal: options.signal, writtenSpecs, expectedSource: options.expectedSource });
    }
    case 'pypi': {
      if (launch.written && !(same && written.kind === 'pypi')) return unmatched(started);
      const { pinPypi } = await import('./pypi.js');
      return pinPypi(started, { env: options.env, signal: options.signal, writtenSpec: written.kind === 'pypi' ? written.spec : started.spec });
    }
    case 'oci': {
      if (launch.written && !(same && written.kind === 'oci')) return unmatched(started);
      const { pinOci } = await import('./oci.js');
      return pinOci(started, { signal: options.signal, writtenImage: written.kind === 'oci' ? written.image : started.image });
    }
    case 'local':
    case 'path': {
      if (launch.written && !same) return unmatched(started);
      const { pinLocal, sameShape } = await import('./local.js');
      // A preload that is a path only once expanded would be recorded under another's name.
      if (launch.written && started.kind === 'local' && written.kind === 'local' && !sameShape(written, started)) return unmatched(started);
      // A module preload's code is not digested, only its name recorded: a name set by a variable
      // could load any module at run time under the same recorded text.
      if (written.kind === 'local' && written.modulePreloads?.some((m) => m.includes('${'))) {
        return { type: 'unpinned', note: 'a module preload is named through a variable (${…}), so which module runs is not fixed by the lockfile; not pinned' };
      }
      const writtenFile = written.kind === 'local' ? written.file : written.kind === 'path' ? written.command : undefined;
      return pinLocal(started, { cwd: options.cwd, lockDir: options.lockDir, env: options.env, written: writtenFile, writtenPreloads: written.kind === 'local' ? written.preloads?.map((p) => p.file) : undefined, writtenModules: written.kind === 'local' ? (written.modulePreloads ?? []) : undefined, signal: options.signal });
    }
    case 'unknown':
      return { type: 'unpinned', note: started.note };
  }
}

function unmatched(started: Launch): ArtifactPin {
  return { type: 'unpinned', note: `the ${started.kind} launch reads differently once its variables are expanded; not pinned` };
}
