/**
 * A bounded map that evicts its least recently used entry when full. A Map
 * keeps insertion order, so a hit moves the entry to the end and the first
 * key is always the coldest: every operation is O(1).
 */
export class LruCache<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(readonly maxEntries: number) {
    if (!(maxEntries >= 1)) {
      throw new Error(
        `LruCache: maxEntries must be at least 1, got ${maxEntries}`,
      );
    }
  }

  get size() {
    return this.entries.size;
  }

  /** The value, marked as just used; undefined when absent. */
  get(key: K): V | undefined {
    const value = this.entries.get(key);
    if (value === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, value);
    return value;
  }

  set(key: K, value: V) {
    this.entries.delete(key);
    this.entries.set(key, value);
    while (this.entries.size > this.maxEntries) {
      const coldest = this.entries.keys().next().value as K;
      this.entries.delete(coldest);
    }
  }

  delete(key: K) {
    return this.entries.delete(key);
  }

  clear() {
    this.entries.clear();
  }

  /** Deletes every entry whose value matches. */
  deleteWhere(matches: (value: V) => boolean) {
    for (const [key, value] of this.entries) {
      if (matches(value)) this.entries.delete(key);
    }
  }
}
