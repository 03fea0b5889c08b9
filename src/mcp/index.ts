import type { LockedServer } from '../lockfile/types.js';
import { printable } from '../util/text.js';
import { ServerError } from './errors.js';
import { SurfaceBudget, type Limits } from './limits.js';
import { readServerSurface, type ReadHooks } from './surface.js';
import { recordedTransport, redactUrl, type NamedTarget } from './target.js';

export { ServerError } from './errors.js';
export { DEFAULT_LIMITS, MAX_ITEM_DEPTH, SurfaceBudget, type Limits } from './limits.js';
export { readServerSurface } from './surface.js';
export type { NamedTarget, ServerTarget } from './target.js';

export interface ReadServersResult {
  servers: LockedServer[];
  notes: { server: string; note: string }[];
}

/**
 * Reads several servers at once, at most `concurrency` at a time. If any fails, the error
 * names every server that failed and no result is returned, so nothing partial gets written.
 */
export async function readServers(
  targets: NamedTarget[],
  limits: Limits,
  hooks: ReadHooks & { onServer?: (label: string, message: string) => void } = {},
  concurrency = 4,
): Promise<ReadServersResult> {
  const results: (LockedServer | undefined)[] = new Array(targets.length);
  const failures: { label: string; error: ServerError }[] = [];
  const notes: { server: string; note: string }[] = [];
  let next = 0;
  // One surface size budget for every server: what gets written together is bounded together.
  const budget = new SurfaceBudget(limits.maxSurfaceBytes, targets.length);
  const worker = async () => {
    while (next < targets.length) {
      const index = next++;
      const { name, target } = targets[index]!;
      // As the lockfile records it: a config's own form, the URL without userinfo or query values.
      const label = name ?? (target.kind === 'stdio' ? (target.written?.command ?? target.command) : redactUrl(target.url));
      try {
        const read = await readServerSurface(target, limits, {
          ...hooks,
          budget,
          onProgress: (message) => hooks.onServer?.(label, message),
        });
        const serverName = name ?? serverInfoName(read.surface.identity.serverInfo);
        results[index] = { name: serverName, transport: recordedTransport(read.transport, target), surface: read.surface };
        for (const note of read.notes) notes.push({ server: serverName, note });
      } catch (error) {
        const e = error instanceof ServerError ? error : new ServerError('PROTOCOL', printable(String(error), 200));
        failures.push({ label, error: e });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, targets.length) }, worker));
  if (failures.length > 0) {
    if (targets.length === 1) throw failures[0]!.error;
    const first = failures[0]!;
    const details = failures.flatMap(({ label, error }) => [`server "${printable(label, 60)}": ${error.message}`, ...error.details]);
    throw new ServerError(first.error.code, `${failures.length} of ${targets.length} servers failed: ${failures.map((f) => `"${printable(f.label, 60)}"`).join(', ')}`, { details });
  }
  return { servers: results as LockedServer[], notes };
}

function serverInfoName(info: Record<string, unknown>): string {
  const name = typeof info.name === 'string' && info.name.trim() !== '' ? info.name : 'server';
  return name;
}
