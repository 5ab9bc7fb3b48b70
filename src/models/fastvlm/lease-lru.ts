/**
 * A least-recently-used cache bounded by bytes, with single-flight computation and leases: the store behind
 * FastVLM's reuse of vision features and prefix KV caches (reuse.ts). Generic so it can be tested alone.
 * (src/data/byte-lru.ts is the plain synchronous LRU of decoded row groups: nothing there is shared while
 * in use or disposed, so it needs none of this.)
 *
 * - `acquire(key, compute)` gives a lease on the value: from the cache (a hit), from a computation another
 *   caller already started (single-flight: one computation, every caller waits for it), or from `compute`.
 * - The lease is counted the moment `acquire` is called, so nothing can evict and dispose the value between
 *   its computation finishing and the caller using it.
 * - A computation that rejects is not cached: every waiting caller gets the error, the next caller retries.
 * - Values are bounded by `maxBytes` together; inserting evicts the least recently used ready entries.
 *   An evicted (or never stored, too large) value is disposed when its last lease is released, not before.
 *
 * Not lru-cache (npm): its `dispose` runs at eviction with no notion of a value in use, an in-flight `fetch`
 * is aborted when evicted, and a waiter cannot take a lease before another caller's continuation runs.
 */

/** A value in use: it is not disposed before `release` (idempotent). */
export interface Lease<V> {
  /** The value (read-only while leased). */
  readonly value: V;
  /** True when this caller did not run the computation (a cached value or another caller's). */
  readonly hit: boolean;
  /** Ends the use; the last release of an evicted value disposes it. */
  release(): void;
}

/** A computed value and what it holds in memory. */
export interface Sized<V> {
  /** The value. */
  value: V;
  /** Bytes it holds (counted against maxBytes). */
  bytes: number;
}

/** Options of LeaseLru. */
export interface LeaseLruOptions<V> {
  /** Budget for all cached values together (0: nothing is kept beyond its leases). */
  maxBytes: number;
  /** Frees a value no longer cached nor leased. */
  dispose(value: V): void;
}

interface Entry<V> {
  /** Settles when the computation does; the value is `ready` afterwards. */
  promise: Promise<Sized<V>>;
  ready: Sized<V> | null;
  refs: number;
  /** In the map (a candidate for hits); false once evicted, cleared or never stored. */
  cached: boolean;
}

/** LRU by bytes with single-flight and leases (see the file comment). */
export class LeaseLru<V> {
  readonly #entries = new Map<string, Entry<V>>();
  readonly #opts: LeaseLruOptions<V>;
  #bytes = 0;

  constructor(opts: LeaseLruOptions<V>) {
    if (!Number.isInteger(opts.maxBytes) || opts.maxBytes < 0)
      throw new RangeError(`maxBytes must be a non-negative integer, got ${opts.maxBytes}`);
    this.#opts = opts;
  }

  /** Bytes of the ready values in the cache. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Keys of the ready values, least recently used first (tests, debugging). */
  keys(): string[] {
    return [...this.#entries].filter(([, e]) => e.ready !== null).map(([k]) => k);
  }

  /** True when `key` is cached or being computed (a call to acquire would not compute). */
  has(key: string): boolean {
    return this.#entries.has(key);
  }

  /** A lease on the value of `key`, computing it with `compute` when nobody has (see the file comment). */
  async acquire(key: string, compute: () => Promise<Sized<V>>): Promise<Lease<V>> {
    let entry = this.#entries.get(key);
    const hit = entry !== undefined;
    if (entry) {
      // Most recently used: move to the end of the map's order.
      this.#entries.delete(key);
      this.#entries.set(key, entry);
    } else {
      entry = this.#start(key, compute);
    }
    entry.refs++;
    try {
      await entry.promise;
    } catch (err) {
      entry.refs--;
      throw err;
    }
    return this.#lease(entry, hit);
  }

  /** Evicts everything, computations under way included; leased values are disposed when their leases end. */
  clear(): void {
    for (const [key, entry] of [...this.#entries]) {
      if (entry.ready) this.#evict(key, entry);
      else this.#forget(key, entry);
    }
  }

  /** Takes a pending entry out of the map: its value, if it comes, lives only as long as its leases. */
  #forget(key: string, entry: Entry<V>): void {
    if (this.#entries.get(key) === entry) this.#entries.delete(key);
    entry.cached = false;
  }

  #start(key: string, compute: () => Promise<Sized<V>>): Entry<V> {
    const entry: Entry<V> = { promise: Promise.resolve().then(compute), ready: null, refs: 0, cached: true };
    this.#entries.set(key, entry);
    // Registered before any caller awaits the promise, so `ready` is set when they resume. The rejection
    // reaches every caller through `acquire`.
    void entry.promise.then(
      (sized) => this.#settle(key, entry, sized),
      () => this.#forget(key, entry),
    );
    return entry;
  }

  #settle(key: string, entry: Entry<V>, sized: Sized<V>): void {
    entry.ready = sized;
    if (!entry.cached || sized.bytes > this.#opts.maxBytes) {
      this.#forget(key, entry);
      // Nobody waits any more (every acquire counted its lease before awaiting): free it now.
      if (entry.refs === 0) this.#opts.dispose(sized.value);
      return;
    }
    this.#bytes += sized.bytes;
    for (const [k, e] of this.#entries) {
      if (this.#bytes <= this.#opts.maxBytes) break;
      if (e !== entry && e.ready) this.#evict(k, e);
    }
  }

  #evict(key: string, entry: Entry<V>): void {
    this.#entries.delete(key);
    entry.cached = false;
    this.#bytes -= entry.ready!.bytes;
    if (entry.refs === 0) this.#opts.dispose(entry.ready!.value);
  }

  #lease(entry: Entry<V>, hit: boolean): Lease<V> {
    let released = false;
    const value = entry.ready!.value;
    return {
      value,
      hit,
      release: () => {
        if (released) return;
        released = true;
        entry.refs--;
        if (entry.refs === 0 && !entry.cached) this.#opts.dispose(value);
      },
    };
  }
}
