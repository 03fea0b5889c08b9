import { createHash } from 'node:crypto';
import { canonicalize as jcs } from 'json-canonicalize';

/** A JSON value as JSON.parse produces it. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** RFC 8785 (JCS) canonical form of a JSON value. */
export function canonicalize(value: unknown): string {
  return jcs(value);
}

/** `sha256:<hex>` over the UTF-8 bytes of the RFC 8785 canonical form. */
export function digestOf(value: unknown): string {
  return `sha256:${createHash('sha256').update(jcs(value), 'utf8').digest('hex')}`;
}

/** `sha256:<hex>` over raw bytes. */
export function digestBytes(bytes: Uint8Array | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

// RFC 8785 §3.2.3: properties sorted by their names as arrays of UTF-16 code units, which is
// exactly what the default Array.prototype.sort comparison does on strings.
function sortedKeys(object: object): string[] {
  return Object.keys(object).sort();
}

/**
 * Pretty-printed JSON whose property order, string escaping and number formatting are those
 * of RFC 8785, so that removing the insignificant whitespace gives back the canonical form.
 * Object.keys order cannot be trusted here (integer-like keys such as "10" come first in
 * JavaScript), so the printer sorts itself and formats leaves with JSON.stringify, which for
 * strings and finite numbers is the serialization RFC 8785 §3.2.2 prescribes.
 */
export function prettyCanonical(value: unknown, indent = 2): string {
  const pad = ' '.repeat(indent);
  const out: string[] = [];
  const write = (node: unknown, depth: number): void => {
    if (node === null || typeof node !== 'object') {
      if (typeof node === 'number' && !Number.isFinite(node)) throw new TypeError('non-finite number in JSON');
      if (node === undefined) throw new TypeError('undefined in JSON');
      out.push(JSON.stringify(node));
      return;
    }
    const inner = pad.repeat(depth + 1);
    if (Array.isArray(node)) {
      if (node.length === 0) {
        out.push('[]');
        return;
      }
      out.push('[\n');
      node.forEach((item, i) => {
        out.push(inner);
        write(item, depth + 1);
        out.push(i < node.length - 1 ? ',\n' : '\n');
      });
      out.push(pad.repeat(depth), ']');
      return;
    }
    const keys = sortedKeys(node).filter((k) => (node as Record<string, unknown>)[k] !== undefined);
    if (keys.length === 0) {
      out.push('{}');
      return;
    }
    out.push('{\n');
    keys.forEach((key, i) => {
      out.push(inner, JSON.stringify(key), ': ');
      write((node as Record<string, unknown>)[key], depth + 1);
      out.push(i < keys.length - 1 ? ',\n' : '\n');
    });
    out.push(pad.repeat(depth), '}');
  };
  write(value, 0);
  return out.join('');
}
