type Id = string | number;

/** Slots of the direct-mapped part: a power of two, above the proxy's default 1,000 requests in flight. */
const SLOTS = 1024;
const MASK = SLOTS - 1;
const EMPTY = -1;

/**
 * The requests in flight, by JSON-RPC id, without allocating per request. A `Map` that has one
 * entry set and deleted per call replaces its hash table every time it empties, and each
 * replaced table keeps a link to the next one (for iterators), so once one of them has been
 * promoted to the old generation every later table is kept alive with it until a full
 * collection: about 300 bytes a call that only a mark-compact frees (the proxy's peak RSS grew
 * by a third from 10,000 to 100,000 calls).
 *
 * Integer ids (the proxy's own sequential ones, and the ones agents number their requests with)
 * sit in a fixed array at `id mod 1024`; an id whose slot is taken by another one still in
 * flight, and every other id (a string, a negative or fractional number), go to a `Map` used
 * only then. Every operation is O(1) whatever ids a peer chooses, as with a `Map` alone; `===`
 * (and the Map's SameValueZero) tell the number 1 from the string "1".
 */
export class IdTable<V> {
  private readonly keys = new Array<number>(SLOTS).fill(EMPTY);
  private readonly values = new Array<V | undefined>(SLOTS).fill(undefined);
  private readonly overflow = new Map<Id, V>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(id: Id): V | undefined {
    if (typeof id === 'number' && this.keys[id & MASK] === id && isSlotted(id)) return this.values[id & MASK];
    return this.overflow.size === 0 ? undefined : this.overflow.get(id);
  }

  has(id: Id): boolean {
    return this.get(id) !== undefined;
  }

  /** Adds `id` (not already present: callers check first). `value` is never undefined. */
  set(id: Id, value: V): void {
    if (isSlotted(id) && this.keys[id & MASK] === EMPTY) {
      this.keys[id & MASK] = id;
      this.values[id & MASK] = value;
    } else this.overflow.set(id, value);
    this.count++;
  }

  /** Removes `id`; returns its value, or undefined when it was not present. */
  delete(id: Id): V | undefined {
    if (typeof id === 'number' && this.keys[id & MASK] === id && isSlotted(id)) {
      const value = this.values[id & MASK];
      this.keys[id & MASK] = EMPTY;
      this.values[id & MASK] = undefined;
      this.count--;
      return value;
    }
    if (this.overflow.size === 0) return undefined;
    const value = this.overflow.get(id);
    if (value !== undefined) {
      this.overflow.delete(id);
      this.count--;
    }
    return value;
  }

  /** Every entry (a snapshot, so the table may change while the caller walks it). */
  entries(): [Id, V][] {
    const all: [Id, V][] = [];
    for (let i = 0; i < SLOTS; i++) if (this.keys[i] !== EMPTY) all.push([this.keys[i]!, this.values[i]!]);
    for (const entry of this.overflow) all.push(entry);
    return all;
  }
}

/** Whether an id can live in the fixed array: a non-negative safe integer (so `& MASK` is its slot). */
function isSlotted(id: Id): id is number {
  return typeof id === 'number' && Number.isSafeInteger(id) && id >= 0;
}
