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

/** A copy with keys in sorted (UTF-16 code unit) order, null prototype. */
export function sortedRecord<T>(source: NameRecord<T>): NameRecord<T> {
  const out = createRecord<T>();
  for (const key of Object.keys(source).sort()) out[key] = source[key] as T;
  return out;
}
