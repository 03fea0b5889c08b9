/**
 * PEP 440 version parsing and ordering, enough to evaluate OSV `ECOSYSTEM` ranges for PyPI
 * (epoch, release, pre/post/dev releases; local labels are ignored for ordering).
 */
export interface Pep440Version {
  epoch: number;
  release: number[];
  pre?: [number, number];
  post?: number;
  dev?: number;
}

// The permissive form of PEP 440 Appendix B (normalisation of spellings such as "1.0-alpha.1").
const VERSION = /^\s*v?(?:(\d+)!)?(\d+(?:\.\d+)*)(?:[-_.]?(a|b|c|rc|alpha|beta|pre|preview)[-_.]?(\d+)?)?(?:-(\d+)|[-_.]?(post|rev|r)[-_.]?(\d+)?)?(?:[-_.]?(dev)[-_.]?(\d+)?)?(?:\+[a-z0-9]+(?:[-_.][a-z0-9]+)*)?\s*$/i;

const PRE_RANK: Record<string, number> = Object.assign(Object.create(null) as Record<string, number>, { a: 0, alpha: 0, b: 1, beta: 1, c: 2, rc: 2, pre: 2, preview: 2 });

export function parsePep440(text: string): Pep440Version | undefined {
  if (text.length > 128) return undefined;
  const m = VERSION.exec(text);
  if (!m) return undefined;
  const v: Pep440Version = { epoch: m[1] ? Number(m[1]) : 0, release: m[2]!.split('.').map(Number) };
  if (m[3]) v.pre = [PRE_RANK[m[3].toLowerCase()]!, m[4] ? Number(m[4]) : 0];
  if (m[5] !== undefined) v.post = Number(m[5]);
  else if (m[6]) v.post = m[7] ? Number(m[7]) : 0;
  if (m[8]) v.dev = m[9] ? Number(m[9]) : 0;
  return v;
}

function cmp(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Orders two parsed versions as PEP 440 does (-1, 0, 1). */
export function comparePep440(a: Pep440Version, b: Pep440Version): number {
  if (a.epoch !== b.epoch) return cmp(a.epoch, b.epoch);
  const n = Math.max(a.release.length, b.release.length);
  for (let i = 0; i < n; i++) {
    const c = cmp(a.release[i] ?? 0, b.release[i] ?? 0);
    if (c !== 0) return c;
  }
  // A dev release of a final version sorts before its pre-releases; no pre-release sorts after all.
  const preKey = (v: Pep440Version): [number, number] => (v.pre ? v.pre : v.post === undefined && v.dev !== undefined ? [-Infinity, 0] : [Infinity, 0]);
  const pa = preKey(a);
  const pb = preKey(b);
  if (pa[0] !== pb[0]) return cmp(pa[0], pb[0]);
  if (pa[1] !== pb[1]) return cmp(pa[1], pb[1]);
  const postA = a.post ?? -Infinity;
  const postB = b.post ?? -Infinity;
  if (postA !== postB) return cmp(postA, postB);
  return cmp(a.dev ?? Infinity, b.dev ?? Infinity);
}
