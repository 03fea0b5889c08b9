// The MTF side of the policy input: CD-01 and CD-03 (src/mtf, `scanLockfile`) applied to every
// server whose surface the rules look at, as plain JSON per server. The scan itself runs only
// when the input needs it (a rule names `mtf`).
import type { JsonObject } from '../src/canonical/index.js';
import type { Lockfile } from '../src/lockfile/types.js';

/** A function giving the per-server MTF results as plain JSON, keyed by server name. */
export async function mtfForPolicy(lock: Lockfile): Promise<() => ReadonlyMap<string, JsonObject>> {
  const [{ scanLockfile }, { mtfServerDoc }] = await Promise.all([import('../src/mtf/live.js'), import('../src/policy/input.js')]);
  return () => new Map(scanLockfile(lock).servers.map((s) => [s.server, mtfServerDoc(s)]));
}
