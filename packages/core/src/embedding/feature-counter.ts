/**
 * Counts 32-bit feature hashes for one text at a time: an open-addressing table with
 * generation stamps, so `clear()` costs O(1) and the table is reused across texts. Several
 * times faster than a `Map` on the lexical embedder's hot path.
 */
export class FeatureCounter {
  #keys: Uint32Array;
  #counts: Uint32Array;
  #stamps: Uint32Array;
  #mask: number;
  #generation = 1;
  /** Occupied slots, in insertion order. */
  #slots: number[] = [];

  /** @param capacity initial table size, rounded up to a power of two (the table grows as needed). */
  constructor(capacity = 1024) {
    let size = 16;
    while (size < capacity) size *= 2;
    this.#keys = new Uint32Array(size);
    this.#counts = new Uint32Array(size);
    this.#stamps = new Uint32Array(size);
    this.#mask = size - 1;
  }

  /** Number of distinct hashes counted since the last `clear()`. */
  get size(): number {
    return this.#slots.length;
  }

  /** Counts one occurrence of `hash` (an unsigned 32-bit integer). */
  add(hash: number): void {
    const keys = this.#keys;
    const stamps = this.#stamps;
    const generation = this.#generation;
    let slot = hash & this.#mask;
    while (stamps[slot] === generation) {
      if (keys[slot] === hash) {
        this.#counts[slot] = (this.#counts[slot] ?? 0) + 1;
        return;
      }
      slot = (slot + 1) & this.#mask;
    }
    stamps[slot] = generation;
    keys[slot] = hash;
    this.#counts[slot] = 1;
    this.#slots.push(slot);
    if (this.#slots.length * 2 > keys.length) this.#grow();
  }

  /** Calls `fn(hash, count)` for every distinct hash, in first-seen order. */
  forEach(fn: (hash: number, count: number) => void): void {
    for (const slot of this.#slots) fn(this.#keys[slot] ?? 0, this.#counts[slot] ?? 0);
  }

  /** Forgets every count. */
  clear(): void {
    this.#slots.length = 0;
    this.#generation++;
    if (this.#generation === 0xffffffff) {
      this.#stamps.fill(0);
      this.#generation = 1;
    }
  }

  #grow(): void {
    const entries: [number, number][] = [];
    this.forEach((hash, count) => entries.push([hash, count]));
    const size = this.#keys.length * 2;
    this.#keys = new Uint32Array(size);
    this.#counts = new Uint32Array(size);
    this.#stamps = new Uint32Array(size);
    this.#mask = size - 1;
    this.#generation = 1;
    this.#slots = [];
    for (const [hash, count] of entries) {
      this.add(hash);
      const slot = this.#slots[this.#slots.length - 1] ?? 0;
      this.#counts[slot] = count;
    }
  }
}
