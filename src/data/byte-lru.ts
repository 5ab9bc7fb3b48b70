/** A least-recently-used cache bounded by bytes: decoded row groups (joins, ordered reads) and the viewer's thumbnails live in one. */

/** Entries by key, the least recently used evicted once the bytes exceed the budget. */
export class ByteLru<V> {
  private readonly entries = new Map<string, { value: V; bytes: number }>();
  private total = 0;

  constructor(private readonly maxBytes: number) {}

  /** The value under `key` (now the most recently used), or undefined. */
  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    // Map iteration order is insertion order: re-inserting makes it the newest.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  /** Stores a value of `bytes`, evicting the oldest entries over budget; the one just stored always stays. */
  set(key: string, value: V, bytes: number): void {
    const old = this.entries.get(key);
    if (old !== undefined) {
      this.entries.delete(key);
      this.total -= old.bytes;
    }
    this.entries.set(key, { value, bytes });
    this.total += bytes;
    for (const [k, e] of this.entries) {
      if (this.total <= this.maxBytes || k === key) break;
      this.entries.delete(k);
      this.total -= e.bytes;
    }
  }
}

/** Rough in-memory size of decoded rows: binary and string payloads dominate. */
export function approxBytes(v: unknown): number {
  if (v instanceof Uint8Array) return v.byteLength;
  if (typeof v === "string") return v.length * 2;
  if (Array.isArray(v)) return v.reduce((n: number, x) => n + approxBytes(x), 0);
  if (v !== null && typeof v === "object") {
    return Object.values(v as Record<string, unknown>).reduce((n: number, x) => n + approxBytes(x), 0);
  }
  return 8;
}
