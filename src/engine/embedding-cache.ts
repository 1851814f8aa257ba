/**
 * A least-recently-used map bounded by the bytes its values hold (not by entry count), for per-document
 * token embeddings. `maxBytes` 0 disables it; a value larger than the bound is simply not stored.
 */
export class EmbeddingCache<V> {
  readonly maxBytes: number;
  readonly #sizeOf: (value: V, key: string) => number;
  readonly #entries = new Map<string, { value: V; bytes: number }>();
  #bytes = 0;
  #hits = 0;
  #misses = 0;

  constructor(maxBytes: number, sizeOf: (value: V, key: string) => number) {
    if (!Number.isFinite(maxBytes) || maxBytes < 0)
      throw new RangeError(`cache size must be a non-negative number of bytes, got ${maxBytes}`);
    this.maxBytes = maxBytes;
    this.#sizeOf = sizeOf;
  }

  get(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) {
      this.#misses++;
      return undefined;
    }
    this.#hits++;
    // Re-insert to mark as most recently used (Map keeps insertion order).
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry.value;
  }

  has(key: string): boolean {
    return this.#entries.has(key);
  }

  set(key: string, value: V): void {
    if (this.maxBytes === 0) return;
    const bytes = this.#sizeOf(value, key);
    this.delete(key);
    if (bytes > this.maxBytes) return;
    this.#entries.set(key, { value, bytes });
    this.#bytes += bytes;
    for (const [k, e] of this.#entries) {
      if (this.#bytes <= this.maxBytes) break;
      this.#entries.delete(k);
      this.#bytes -= e.bytes;
    }
  }

  delete(key: string): boolean {
    const entry = this.#entries.get(key);
    if (entry === undefined) return false;
    this.#entries.delete(key);
    this.#bytes -= entry.bytes;
    return true;
  }

  clear(): void {
    this.#entries.clear();
    this.#bytes = 0;
  }

  /** Entries held. */
  get size(): number {
    return this.#entries.size;
  }

  /** Bytes held (as counted by `sizeOf`). */
  get bytes(): number {
    return this.#bytes;
  }

  get stats(): { hits: number; misses: number; entries: number; bytes: number; maxBytes: number } {
    return {
      hits: this.#hits,
      misses: this.#misses,
      entries: this.#entries.size,
      bytes: this.#bytes,
      maxBytes: this.maxBytes,
    };
  }
}
