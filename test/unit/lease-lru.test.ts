/** LeaseLru (src/models/fastvlm/lease-lru.ts): byte bound, LRU order, single-flight, leases, rejections. */
import { describe, expect, it } from "vitest";
import { LeaseLru, type Sized } from "../../src/models/fastvlm/lease-lru.js";

interface Val {
  name: string;
}

/** A cache of named values that records what it disposed, in order. */
function cache(maxBytes: number): { lru: LeaseLru<Val>; disposed: string[] } {
  const disposed: string[] = [];
  const lru = new LeaseLru<Val>({ maxBytes, dispose: (v) => disposed.push(v.name) });
  return { lru, disposed };
}

function sized(name: string, bytes: number): () => Promise<Sized<Val>> {
  return async () => ({ value: { name }, bytes });
}

/** A computation the test settles by hand. */
function deferred(): {
  compute: () => Promise<Sized<Val>>;
  resolve: (s: Sized<Val>) => void;
  reject: (e: Error) => void;
  calls: () => number;
} {
  let resolve!: (s: Sized<Val>) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<Sized<Val>>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  let n = 0;
  return {
    compute: () => {
      n++;
      return promise;
    },
    resolve,
    reject,
    calls: () => n,
  };
}

describe("LeaseLru", () => {
  it("keeps values within the byte budget, evicting the least recently used first", async () => {
    const { lru, disposed } = cache(100);
    for (const k of ["a", "b", "c"]) (await lru.acquire(k, sized(k, 30))).release();
    expect(lru.bytes).toBe(90);
    // Using `a` makes `b` the least recently used.
    const a = await lru.acquire("a", sized("a-again", 30));
    expect(a.hit).toBe(true);
    expect(a.value.name).toBe("a");
    a.release();
    (await lru.acquire("d", sized("d", 30))).release();
    expect(disposed).toEqual(["b"]);
    expect(lru.keys()).toEqual(["c", "a", "d"]);
    expect(lru.bytes).toBe(90);
    // One large value pushes out as many as it needs, oldest first.
    (await lru.acquire("e", sized("e", 70))).release();
    expect(disposed).toEqual(["b", "c", "a"]);
    expect(lru.keys()).toEqual(["d", "e"]);
    expect(lru.bytes).toBe(100);
  });

  it("a value larger than the budget (or a budget of 0) is used by its caller, then disposed, never kept", async () => {
    for (const budget of [0, 10]) {
      const { lru, disposed } = cache(budget);
      const lease = await lru.acquire("big", sized("big", 11));
      expect(lease.hit).toBe(false);
      expect(lease.value.name).toBe("big");
      expect(disposed).toEqual([]);
      lease.release();
      expect(disposed).toEqual(["big"]);
      expect(lru.bytes).toBe(0);
      expect(lru.has("big")).toBe(false);
      const again = await lru.acquire("big", sized("big2", 11));
      expect(again.hit).toBe(false);
      again.release();
    }
    expect(() => new LeaseLru<Val>({ maxBytes: -1, dispose: () => undefined })).toThrow(/maxBytes/);
  });

  it("single-flight: concurrent callers of one key share one computation and each get a lease", async () => {
    const { lru, disposed } = cache(100);
    const d = deferred();
    const first = lru.acquire("k", d.compute);
    const second = lru.acquire("k", d.compute);
    expect(lru.has("k")).toBe(true);
    d.resolve({ value: { name: "k" }, bytes: 10 });
    const [l1, l2] = await Promise.all([first, second]);
    expect(d.calls()).toBe(1);
    expect([l1.hit, l2.hit]).toEqual([false, true]);
    expect(l1.value).toBe(l2.value);
    l1.release();
    l2.release();
    expect(disposed).toEqual([]);
    expect(lru.keys()).toEqual(["k"]);
  });

  it("a rejected computation is not cached: every waiter gets the error, the next caller computes again", async () => {
    const { lru, disposed } = cache(100);
    const d = deferred();
    const first = lru.acquire("k", d.compute);
    const second = lru.acquire("k", d.compute);
    d.reject(new Error("encoder failed"));
    await expect(first).rejects.toThrow("encoder failed");
    await expect(second).rejects.toThrow("encoder failed");
    expect(lru.has("k")).toBe(false);
    expect(lru.bytes).toBe(0);
    const retry = await lru.acquire("k", sized("k", 10));
    expect(retry.hit).toBe(false);
    expect(retry.value.name).toBe("k");
    retry.release();
    expect(disposed).toEqual([]);
    // A computation that throws synchronously is a rejection too.
    await expect(
      lru.acquire("t", () => {
        throw new Error("sync");
      }),
    ).rejects.toThrow("sync");
    expect(lru.has("t")).toBe(false);
  });

  it("eviction of a leased value defers its disposal until the last lease ends", async () => {
    const { lru, disposed } = cache(50);
    const held = await lru.acquire("a", sized("a", 30));
    const joined = await lru.acquire("a", sized("unused", 30));
    (await lru.acquire("b", sized("b", 30))).release();
    // `a` is out of the cache (over budget) but still in use twice.
    expect(lru.keys()).toEqual(["b"]);
    expect(lru.has("a")).toBe(false);
    expect(disposed).toEqual([]);
    held.release();
    held.release(); // idempotent: does not end the other lease
    expect(disposed).toEqual([]);
    expect(joined.value.name).toBe("a");
    joined.release();
    expect(disposed).toEqual(["a"]);
    // A new caller of `a` computes it afresh.
    const fresh = await lru.acquire("a", sized("a2", 10));
    expect(fresh.hit).toBe(false);
    expect(fresh.value.name).toBe("a2");
    fresh.release();
  });

  it("a value being computed is never evicted; clear() drops everything, leased values after their leases", async () => {
    const { lru, disposed } = cache(40);
    const d = deferred();
    const pending = lru.acquire("p", d.compute);
    (await lru.acquire("x", sized("x", 30))).release();
    (await lru.acquire("y", sized("y", 30))).release();
    expect(disposed).toEqual(["x"]);
    expect(lru.has("p")).toBe(true);
    const y = await lru.acquire("y", sized("unused", 30));
    lru.clear();
    expect(lru.bytes).toBe(0);
    expect(lru.keys()).toEqual([]);
    expect(disposed).toEqual(["x"]);
    y.release();
    expect(disposed).toEqual(["x", "y"]);
    // The computation under way at clear() completes for its caller but is not kept.
    d.resolve({ value: { name: "p" }, bytes: 10 });
    const p = await pending;
    expect(p.value.name).toBe("p");
    expect(lru.has("p")).toBe(false);
    p.release();
    expect(disposed).toEqual(["x", "y", "p"]);
  });
});
