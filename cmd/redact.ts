import { targetSecrets, type NamedTarget } from '../src/mcp/target.js';
import type { IO } from './io.js';
import type { ServerOptions } from './servers.js';

/**
 * A deep copy of plain report data with every secret replaced by [REDACTED], in strings and
 * member names. Reports are redacted as data, before they are rendered and shortened, so a cut
 * never splits a secret and no format's escaping hides one from the search.
 */
export function redactor(secrets: readonly string[]): <T>(value: T) => T {
  if (secrets.length === 0) return (value) => value;
  const cut = secrets.map((secret) => ({ head: new Overlap(secret), tail: new Overlap(reverse(secret)) }));
  const hide = (text: string) => {
    let out = text;
    // Plain search, no RegExp (secrets are longest first: one that holds another goes whole).
    for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join('[REDACTED]');
    // An excerpt the diff shortened before redaction ("…" where the cut fell) may hold a
    // secret's beginning or end: that piece goes too, if it is 5 characters or more.
    if (out.includes('\u2026')) for (const c of cut) out = hideCutEnds(out, c.head, c.tail);
    return out;
  };
  const walk = (value: unknown): unknown =>
    typeof value === 'string'
      ? hide(value)
      : Array.isArray(value)
        ? value.map(walk)
        : value !== null && typeof value === 'object'
          ? Object.fromEntries(Object.entries(value).map(([k, v]) => [hide(k), walk(v)]))
          : value;
  return <T>(value: T) => walk(value) as T;
}

/**
 * The redactor for the live servers a command reads: their header and env values, the `${VAR}`
 * values of their command, args or URL, the URL's password, Basic credentials and query values.
 * A server may echo any of them into its surface; the lockfile may then pin it (lock notes it),
 * but no report shows it (docs/lock.md, "Secrets").
 */
export async function liveRedactor(argv: string[], options: Partial<ServerOptions>, io: IO): Promise<<T>(value: T) => T> {
  const { resolveTargets } = await import('./servers.js');
  return targetsRedactor(await resolveTargets(argv, options, io));
}

/** The redactor for the secrets of servers already resolved (see liveRedactor). */
export function targetsRedactor(targets: readonly NamedTarget[]): <T>(value: T) => T {
  return redactor([...new Set(targets.flatMap((t) => targetSecrets(t.target)))].sort((a, b) => b.length - a.length));
}

/** Longest suffix of a text that is a prefix of `pattern` (KMP failure function): linear. */
class Overlap {
  private readonly fail: Int32Array;
  constructor(readonly pattern: string) {
    this.fail = new Int32Array(pattern.length + 1);
    for (let i = 1, k = 0; i < pattern.length; i++) {
      while (k > 0 && pattern[i] !== pattern[k]) k = this.fail[k]!;
      if (pattern[i] === pattern[k]) k++;
      this.fail[i + 1] = k;
    }
  }

  /** How many code units at the end of `text` begin `pattern` (at most its length minus one). */
  longest(text: string): number {
    let k = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      while (k > 0 && (k === this.pattern.length || c !== this.pattern[k])) k = this.fail[k]!;
      if (c === this.pattern[k]) k++;
    }
    return k === this.pattern.length ? this.fail[k]! : k;
  }
}

const MIN_PIECE = 5;

// By code unit, on both sides alike: only equality of units is asked of the result.
const reverse = (text: string) => text.split('').reverse().join('');

function hideCutEnds(text: string, head: Overlap, tail: Overlap): string {
  const span = head.pattern.length;
  const parts = text.split('\u2026');
  for (let i = 0; i < parts.length; i++) {
    let part = parts[i]!;
    // Before a "…": the secret's beginning may end this part.
    if (i < parts.length - 1) {
      const k = head.longest(part.slice(-span));
      if (k >= MIN_PIECE) part = `${part.slice(0, part.length - k)}[REDACTED]`;
    }
    // After a "…": the secret's end may begin this part.
    if (i > 0) {
      const k = tail.longest(reverse(part.slice(0, span)));
      if (k >= MIN_PIECE) part = `[REDACTED]${part.slice(k)}`;
    }
    parts[i] = part;
  }
  return parts.join('\u2026');
}
