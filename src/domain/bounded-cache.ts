/**
 * A map that keeps at most `capacity` entries, dropping the least recently
 * used ones in bulk: entries live in a young and an old generation; a hit
 * in the old one moves to the young one, and when the young one is full
 * the old one is dropped and the young one takes its place. A hit in the
 * young generation, the common case on a hot path, is one Map lookup with
 * no reordering. For caches whose every entry can be rebuilt: nothing may
 * depend on an entry being there. (A leaf utility beside the domain, so
 * the web tier and the services share it.)
 */
export class BoundedCache<K, V> {
  #young = new Map<K, V>();
  #old = new Map<K, V>();
  readonly #generation: number;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 2) throw new RangeError(`capacity must be an integer of at least 2, got ${capacity}`);
    this.#generation = capacity >> 1;
  }

  get size(): number {
    return this.#young.size + this.#old.size;
  }

  get(key: K): V | undefined {
    const value = this.#young.get(key);
    if (value !== undefined) return value;
    const old = this.#old.get(key);
    if (old !== undefined) {
      this.#old.delete(key);
      this.set(key, old);
    }
    return old;
  }

  set(key: K, value: V): void {
    if (!this.#young.has(key) && this.#young.size >= this.#generation) {
      this.#old = this.#young;
      this.#young = new Map();
    }
    this.#old.delete(key);
    this.#young.set(key, value);
  }

  delete(key: K): void {
    this.#young.delete(key);
    this.#old.delete(key);
  }

  /** Every key held; deleting the current one while iterating is safe. */
  *keys(): Generator<K> {
    yield* this.#young.keys();
    yield* this.#old.keys();
  }

  clear(): void {
    this.#young.clear();
    this.#old.clear();
  }
}
