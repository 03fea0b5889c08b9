/**
 * Objects keyed by names that come from servers or files. A plain `{}` would turn a tool named
 * "__proto__" into a prototype change; a null-prototype object stores it as an own property.
 */
export type NameRecord<T> = Record<string, T>;

export function createRecord<T>(): NameRecord<T> {
  return Object.create(null) as NameRecord<T>;
}

export function hasOwn(object: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(object, key);
}

/**
 * The variable `name` of an environment (process.env or a plain record), undefined when it is not
 * set: never an inherited member (`toString`, `constructor`) of a plain object.
 */
export function envValue(env: Readonly<Record<string, string | undefined>>, name: string): string | undefined {
  if (!hasOwn(env, name)) return undefined;
  const value = env[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * Why `name` cannot name an environment variable or header in a record: `__proto__` is the one
 * key a plain object does not keep as its own (it would be dropped, never passed or recorded).
 */
export const RESERVED_NAME = '__proto__';

/** A copy with keys in sorted (UTF-16 code unit) order, null prototype. */
export function sortedRecord<T>(source: NameRecord<T>): NameRecord<T> {
  const out = createRecord<T>();
  for (const key of Object.keys(source).sort()) out[key] = source[key] as T;
  return out;
}
