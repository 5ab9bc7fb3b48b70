/** The locality plan (questions of one image together), image keys, and shards by image. */
import { describe, expect, it } from "vitest";
import { type KeyedId, localityOrder, sampleImageKey } from "../../src/runner/locality.js";
import { inShard } from "../../src/runner/select.js";

/** 60 samples over 7 images in an interleaved file order, every 10th text-only. */
const samples: KeyedId[] = Array.from({ length: 60 }, (_, i) => ({
  id: `s${i}`,
  key: i % 10 === 9 ? null : `img${(i * 3) % 7}`,
}));
const all = new Set(samples.map((s) => s.id));
const keyOf = new Map(samples.map((s) => [s.id, s.key]));

describe("localityOrder", () => {
  it("runs every pending id once, each image's ids consecutively, in file order within the image", () => {
    const order = localityOrder(samples, all);
    expect([...order].sort()).toEqual([...all].sort());
    expect(new Set(order).size).toBe(order.length);
    // Each key occupies one contiguous run of the order.
    const runs = new Map<string, number>();
    let prev: string | null | undefined;
    for (const id of order) {
      const key = keyOf.get(id)!;
      if (key !== null && key !== prev) runs.set(key, (runs.get(key) ?? 0) + 1);
      prev = key;
    }
    expect([...runs.values()].every((n) => n === 1)).toBe(true);
    expect(runs.size).toBe(7);
    // Within a key: file order.
    const position = new Map(samples.map((s, i) => [s.id, i]));
    for (const key of runs.keys()) {
      const ids = order.filter((id) => keyOf.get(id) === key);
      expect(ids.map((id) => position.get(id)!)).toEqual(
        [...ids.map((id) => position.get(id)!)].sort((a, b) => a - b),
      );
    }
  });

  it("orders groups by their first appearance; text-only samples keep their own place", () => {
    const order = localityOrder(samples, all);
    const firstSeen: (string | null)[] = [];
    const seenKeys = new Set<string>();
    for (const s of samples) {
      if (s.key === null) firstSeen.push(s.id);
      else if (!seenKeys.has(s.key)) {
        seenKeys.add(s.key);
        firstSeen.push(s.key);
      }
    }
    // Collapse the order into its groups: the sequence of keys (or ids of keyless samples).
    const groups: string[] = [];
    for (const id of order) {
      const g = keyOf.get(id) ?? id;
      if (groups.at(-1) !== g) groups.push(g);
    }
    expect(groups).toEqual(firstSeen);
  });

  it("plans only pending ids, first appearance among them, and is stable", () => {
    const pending = new Set(samples.filter((_, i) => i % 3 !== 0).map((s) => s.id));
    const order = localityOrder(samples, pending);
    expect([...order].sort()).toEqual([...pending].sort());
    expect(localityOrder(samples, pending)).toEqual(order);
    // The first pending sample leads the order with its whole image.
    const first = samples.find((s) => pending.has(s.id))!;
    expect(order[0]).toBe(first.id);
    const firstKeyIds = samples.filter((s) => s.key === first.key && pending.has(s.id)).map((s) => s.id);
    expect(order.slice(0, firstKeyIds.length)).toEqual(firstKeyIds);
    expect(localityOrder(samples, new Set())).toEqual([]);
  });
});

describe("sampleImageKey", () => {
  const image = (bytes: number[]) => ({ bytes: new Uint8Array(bytes), source: "image" });
  it("uses the task's key when there is one, else a hash of the bytes; none without images", () => {
    expect(sampleImageKey({ imageKey: "n123", images: [image([1])] })).toBe(
      sampleImageKey({ imageKey: "n123", images: [image([2])] }),
    );
    const a = sampleImageKey({ images: [image([1, 2, 3])] });
    expect(a).toBe(sampleImageKey({ images: [image([1, 2, 3])] }));
    expect(a).not.toBe(sampleImageKey({ images: [image([1, 2, 4])] }));
    // Image boundaries count: [1,2]+[3] is not [1]+[2,3].
    expect(sampleImageKey({ images: [image([1, 2]), image([3])] })).not.toBe(
      sampleImageKey({ images: [image([1]), image([2, 3])] }),
    );
    // A task key never collides with a byte hash.
    expect(sampleImageKey({ imageKey: a!, images: [image([1, 2, 3])] })).not.toBe(a);
    expect(sampleImageKey({ images: [] })).toBeNull();
  });
});

describe("shards by image", () => {
  const count = 4;
  const shardOf = (s: KeyedId): number[] =>
    Array.from({ length: count }, (_, index) => index).filter((index) =>
      inShard(s.id, { index, count }, s.key),
    );

  it("puts every sample in exactly one shard and every image's samples in the same one", () => {
    const byKey = new Map<string, Set<number>>();
    for (const s of samples) {
      const shards = shardOf(s);
      expect(shards, s.id).toHaveLength(1);
      if (s.key !== null) byKey.set(s.key, new Set([...(byKey.get(s.key) ?? []), shards[0]!]));
    }
    expect([...byKey.values()].every((set) => set.size === 1)).toBe(true);
    // The images spread over more than one shard (7 images, 4 shards).
    expect(new Set([...byKey.values()].map((set) => [...set][0])).size).toBeGreaterThan(1);
  });

  it("is stable: the same key lands in the same shard whatever the id or the order", () => {
    const a = samples.map((s) => shardOf(s)[0]);
    const b = [...samples].reverse().map((s) => shardOf(s)[0]);
    expect(b.reverse()).toEqual(a);
    expect(shardOf({ id: "other", key: "img3" })).toEqual(shardOf({ id: "s1", key: "img3" }));
    // Without a key, by id, as under the id rule.
    for (const s of samples.filter((x) => x.key === null))
      expect(shardOf(s)).toEqual(shardOf({ id: s.id, key: null }));
  });
});
